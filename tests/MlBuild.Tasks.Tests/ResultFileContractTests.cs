using MlBuild.Core.Diagnostics;
using MlBuild.Core.Reports;
using CoreCodes = MlBuild.Core.Diagnostics.DiagnosticCodes;

namespace MlBuild.Tasks.Tests;

/// <summary>The engine writes result files with MlBuild.Core's ResultFile; the task reads them with its own reader.</summary>
public sealed class ResultFileContractTests
{
    [Fact]
    public void Reader_reads_what_the_engine_writes_including_escapes_and_each_code_s_kind()
    {
        var path = Path.Combine(Path.GetTempPath(), $"mlbuild-contract-{Guid.NewGuid():N}.tsv");
        try
        {
            ResultFile.Write(path, 2,
                [new MlDiagnostic(CoreCodes.BelowMin, MlSeverity.Error, "value 'a\tb\\c\r\nd' is bad", "data/x y.csv", 7, 3),
                 new MlDiagnostic(CoreCodes.UnterminatedQuote, MlSeverity.Error, "unclosed", "data/x y.csv", 9, 1),
                 new MlDiagnostic(CoreCodes.SchemaInvalidValue, MlSeverity.Warning, "schema"),
                 new MlDiagnostic(CoreCodes.InternalError, MlSeverity.Info, "note", "data/x y.csv", 1, 0),
                 new MlDiagnostic("MLB1999", MlSeverity.Error, "a code the table lacks")],
                ["done\tok"]);

            var result = ResultFileReader.TryRead(path, out var problem);

            Assert.Null(problem);
            Assert.NotNull(result);
            Assert.Equal(2, result.ExitCode);
            Assert.Equal(
                [("error", DiagnosticKind.DataFinding, "MLB1003", "data/x y.csv", 7, 3, "value 'a\tb\\c\r\nd' is bad"),
                 ("error", DiagnosticKind.UnreadableInput, "MLB1101", "data/x y.csv", 9, 1, "unclosed"),
                 ("warning", DiagnosticKind.Configuration, "MLB9104", "", 0, 0, "schema"),
                 ("info", DiagnosticKind.Internal, "MLB9000", "data/x y.csv", 1, 0, "note"),
                 // Never downgradable: a code the engine's table lacks reads as internal.
                 ("error", DiagnosticKind.Internal, "MLB1999", "", 0, 0, "a code the table lacks")],
                result.Diagnostics.Select(d => (d.Severity, d.Kind, d.Code, d.File, d.Line, d.Column, d.Message)));
            Assert.Equal(["done\tok"], result.Messages);

            // The engine's own reader agrees.
            var (exit, diagnostics, messages) = ResultFile.Read(path);
            Assert.Equal(2, exit);
            Assert.Equal("MLB1101", diagnostics[1].Code);
            Assert.Equal(["done\tok"], messages);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Task_and_engine_read_and_write_the_same_format_version_and_kind_words()
    {
        Assert.Equal(ResultFile.FormatVersion, ResultFileReader.FormatVersion);
        Assert.Equal(ResultFile.Magic, ResultFileReader.Magic);
        foreach (var kind in Enum.GetValues<MlBuild.Core.Diagnostics.DiagnosticKind>())
            Assert.Equal(kind.ToString(), DiagnosticCodes.ParseKind(CoreCodes.Word(kind)).ToString());
        // The task compiles the same table as the engine.
        Assert.Equal(CoreCodes.All.Select(c => (c.Code, c.Title, c.Kind.ToString())),
            DiagnosticCodes.All.Select(c => (c.Code, c.Title, c.Kind.ToString())));
    }

    [Fact]
    public void Reader_missing_file_says_so()
    {
        Assert.Null(ResultFileReader.TryRead(Path.Combine(Path.GetTempPath(), "mlbuild-no-such-result.tsv"), out var problem));
        Assert.Contains("no result file", problem, StringComparison.Ordinal);
    }
}
