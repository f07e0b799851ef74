using MlBuild.Core.Diagnostics;

namespace MlBuild.Cli;

/// <summary>
/// GitHub's job summary for verbs whose summary is a courtesy beside their findings (<c>data validate</c>, <c>data
/// drift</c>): appended through the one writer, <see cref="Core.Reports.StepSummary"/>; when it cannot be written (a
/// folder, a missing folder, a read-only file) the user is told so with the warning MLB9040, and the run's findings and
/// exit code stand.
/// </summary>
internal static class StepSummary
{
    /// <summary>Appends <paramref name="markdown"/> to the summary file when the job has one; a warning when it cannot.</summary>
    public static void Append(CliContext context, string markdown)
    {
        if (Core.Reports.StepSummary.TryAppend(markdown, MlSeverity.Warning) is { } problem)
            context.Error.WriteLine(problem.ToCanonicalString());
    }
}
