using MlBuild.Core.Diagnostics;

namespace MlBuild.Cli;

/// <summary>
/// GitHub's job summary (<c>$GITHUB_STEP_SUMMARY</c>): the Markdown report appended to the file the runner names. A
/// summary is a courtesy, so it never fails a run; but when it cannot be written (the variable names a folder, a
/// missing folder, a read-only file) the user is told so with MLB9040 rather than finding no summary and no reason.
/// </summary>
internal static class StepSummary
{
    /// <summary>Appends <paramref name="markdown"/> to the summary file when the job has one; a warning when it cannot.</summary>
    public static void Append(CliContext context, string markdown)
    {
        var path = Environment.GetEnvironmentVariable("GITHUB_STEP_SUMMARY");
        if (string.IsNullOrEmpty(path)) return;
        string? why = null;
        try
        {
            if (Directory.Exists(path)) why = "it is a folder, not a file";
            else File.AppendAllText(path, markdown);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            why = e.Message;
        }
        if (why is not null)
            context.Error.WriteLine(new MlDiagnostic(DiagnosticCodes.StepSummaryNotWritten, MlSeverity.Warning,
                $"The step summary was not written to GITHUB_STEP_SUMMARY '{path}': {why}. The findings above stand; point GITHUB_STEP_SUMMARY at a writable file.").ToCanonicalString());
    }
}
