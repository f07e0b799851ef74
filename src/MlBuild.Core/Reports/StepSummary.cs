using MlBuild.Core.Diagnostics;

namespace MlBuild.Core.Reports;

/// <summary>
/// GitHub Actions' job summary: Markdown appended to the file <c>$GITHUB_STEP_SUMMARY</c> names. The one place every
/// verb appends to it, so a folder or an unwritable file there is one coded diagnostic, never a stack trace: MLB9040
/// (a warning) for a verb whose summary is a courtesy beside its findings, MLB9250 (an error) for <c>dotnet ml
/// summary</c>, whose summary is its output.
/// </summary>
public static class StepSummary
{
    /// <summary>The environment variable GitHub Actions sets for each step.</summary>
    public const string Variable = "GITHUB_STEP_SUMMARY";

    /// <summary>The summary file, or null when the variable is not set (not on GitHub Actions).</summary>
    public static string? Path(Func<string, string?>? environment = null) =>
        (environment ?? Environment.GetEnvironmentVariable)(Variable) is { Length: > 0 } path ? path : null;

    /// <summary>
    /// Appends <paramref name="markdown"/> to the summary file, when there is one. Returns null when appended or when
    /// the variable is not set; otherwise a diagnostic with <paramref name="severity"/>: a warning (MLB9040) for a verb
    /// whose summary is a courtesy, an error (MLB9250) for <c>dotnet ml summary</c>, whose summary is its output.
    /// </summary>
    public static MlDiagnostic? TryAppend(string markdown, MlSeverity severity, Func<string, string?>? environment = null)
    {
        if (Path(environment) is not { } path) return null;
        string? problem = null;
        if (Directory.Exists(path)) problem = "it is a folder";
        else
        {
            try
            {
                using var file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
                var bytes = new System.Text.UTF8Encoding(false).GetBytes(markdown);
                file.Write(bytes);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
            {
                problem = e.Message.TrimEnd('.');
            }
        }
        var code = severity == MlSeverity.Error ? DiagnosticCodes.StepSummaryNotWritable : DiagnosticCodes.StepSummaryNotWritten;
        return problem is null ? null : new MlDiagnostic(code, severity,
            $"The job summary was not written: {Variable} names '{DiagnosticText.Escape(path)}', and {problem}. Point {Variable} at a writable file.", path);
    }
}
