using MlBuild.Core.Diagnostics;
using MlBuild.Core.Reports;

namespace MlBuild.Tasks.Tests;

/// <summary>The engine writes result files with MlBuild.Core's ResultFile; the task reads them with its own reader.</summary>
public sealed class ResultFileContractTests
{
    [Fact]
    public void Reader_reads_what_the_engine_writes_including_escapes()
    {
        var path = Path.Combine(Path.GetTempPath(), $"mlbuild-contract-{Guid.NewGuid():N}.tsv");
        try
        {
            ResultFile.Write(path, 1,
                [new MlDiagnostic("MLB1003", MlSeverity.Error, "value 'a\tb\\c\r\nd' is bad", "data/x y.csv", 7, 3),
                 new MlDiagnostic("MLB2001", MlSeverity.Warning, "drift"),
                 new MlDiagnostic("MLB1000", MlSeverity.Info, "note", "data/x y.csv", 1, 0)],
                ["done\tok"]);

            var result = ResultFileReader.TryRead(path, out var problem);

            Assert.Null(problem);
            Assert.NotNull(result);
            Assert.Equal(1, result.ExitCode);
            Assert.Equal(
                [("error", "MLB1003", "data/x y.csv", 7, 3, "value 'a\tb\\c\r\nd' is bad"),
                 ("warning", "MLB2001", "", 0, 0, "drift"),
                 ("info", "MLB1000", "data/x y.csv", 1, 0, "note")],
                result.Diagnostics.Select(d => (d.Severity, d.Code, d.File, d.Line, d.Column, d.Message)));
            Assert.Equal(["done\tok"], result.Messages);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Reader_missing_file_says_so()
    {
        Assert.Null(ResultFileReader.TryRead(Path.Combine(Path.GetTempPath(), "mlbuild-no-such-result.tsv"), out var problem));
        Assert.Contains("no result file", problem, StringComparison.Ordinal);
    }
}
