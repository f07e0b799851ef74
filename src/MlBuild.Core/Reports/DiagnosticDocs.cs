namespace MlBuild.Core.Reports;

/// <summary>Where a diagnostic code is documented, for SARIF's <c>helpUri</c> and report links.</summary>
public static class DiagnosticDocs
{
    /// <summary>The page that lists every code.</summary>
    public const string PageUri = "https://github.com/mlbuild/mlbuild/blob/main/docs/diagnostics.md";

    /// <summary>
    /// The documentation link of a code: its anchor on <c>docs/diagnostics.md</c>, <c>#mlb1003</c> for MLB1003.
    /// The one place that derives it; when the code table carries anchors, read them here.
    /// </summary>
    public static string HelpUri(string code) => $"{PageUri}#{code.ToLowerInvariant()}";
}
