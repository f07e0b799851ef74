using MlBuild.Core.Diagnostics;

namespace MlBuild.Core.Reports;

/// <summary>Where a diagnostic code is documented, for SARIF's <c>helpUri</c> and report links.</summary>
public static class DiagnosticDocs
{
    /// <summary>The repository's address that documentation paths are relative to.</summary>
    public const string RepositoryUri = "https://github.com/mlbuild/mlbuild/blob/main/";

    /// <summary>The page that lists every code.</summary>
    public const string PageUri = RepositoryUri + "docs/diagnostics.md";

    /// <summary>
    /// The documentation link of a code: its anchor from the code table (<see cref="DiagnosticCode.DocsAnchor"/>,
    /// <c>docs/diagnostics.md#mlb1003</c>); a code the table does not know links to the page.
    /// </summary>
    public static string HelpUri(string code) =>
        DiagnosticCodes.Find(code) is { } known ? RepositoryUri + known.DocsAnchor : PageUri;

    /// <summary>The code's title from the code table, or null for a code it does not know.</summary>
    public static string? Title(string code) => DiagnosticCodes.Find(code)?.Title;
}
