using MlBuild.Core.Diagnostics;
using MlBuild.Core.Reports;

namespace MlBuild.Core.Tests.Reports;

/// <summary>The one writer of GitHub's job summary: appends, and turns a path it cannot write into MLB9250.</summary>
public sealed class StepSummaryTests : IDisposable
{
    readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    static Func<string, string?> Env(string? path) => name => name == StepSummary.Variable ? path : null;

    [Fact]
    public void Appends_to_the_file_and_does_nothing_when_the_variable_is_not_set()
    {
        var path = _dir.Write("summary.md", "first\n");
        Assert.Null(StepSummary.TryAppend("## second\n", MlSeverity.Error, Env(path)));
        Assert.Null(StepSummary.TryAppend("## third ✅\n", MlSeverity.Error, Env(path)));
        Assert.Equal("first\n## second\n## third ✅\n", File.ReadAllText(path));
        Assert.Null(StepSummary.TryAppend("ignored", MlSeverity.Error, Env(null)));
        Assert.Null(StepSummary.TryAppend("ignored", MlSeverity.Error, Env("")));
    }

    [Theory]
    [InlineData(MlSeverity.Error)]
    [InlineData(MlSeverity.Warning)]
    public void A_folder_or_a_file_in_a_missing_folder_is_an_error_MLB9250_or_a_courtesy_warning_MLB9040(MlSeverity severity)
    {
        var folder = Directory.CreateDirectory(Path.Combine(_dir.Path, "a-folder")).FullName;
        var d = StepSummary.TryAppend("x", severity, Env(folder));
        Assert.NotNull(d);
        var expected = severity == MlSeverity.Error ? DiagnosticCodes.StepSummaryNotWritable : DiagnosticCodes.StepSummaryNotWritten;
        Assert.Equal((expected.Code, severity), (d.Code, d.Severity));
        Assert.EndsWith("', and it is a folder. Point GITHUB_STEP_SUMMARY at a writable file.", d.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(folder));

        var inMissing = StepSummary.TryAppend("x", severity, Env(Path.Combine(_dir.Path, "no", "such", "summary.md")));
        Assert.Equal(expected.Code, inMissing!.Code);
        Assert.False(Directory.Exists(Path.Combine(_dir.Path, "no")));
    }
}
