using System.Text.RegularExpressions;
using MlBuild.Core.Diagnostics;

namespace MlBuild.Core.Tests.Diagnostics;

/// <summary>
/// The one table of codes (src/MlBuild.Core/Diagnostics/DiagnosticCodes.cs) and the one page of codes
/// (docs/diagnostics.md) agree, and every code the sources mention is documented.
/// </summary>
public sealed partial class DiagnosticCodesTests
{
    static readonly string RepoRoot = FindRoot();

    [GeneratedRegex(@"^\| <a id=""(?<anchor>[^""]+)""></a>(?<code>MLB\d{4}) \| (?<title>[^|]+?) \| (?<kind>[^|]+?) \| (?<exit>[^|]+?) \|")]
    private static partial Regex PageRow();

    [GeneratedRegex(@"MLB\d{4}")]
    private static partial Regex AnyCode();

    [GeneratedRegex(@"""MLB\d{4}""")]
    private static partial Regex CodeLiteral();

    sealed record Row(string Code, string Anchor, string Title, string Kind, string Exit, int Line);

    static List<Row> PageRows()
    {
        var lines = File.ReadAllLines(Path.Combine(RepoRoot, "docs", "diagnostics.md"));
        var rows = new List<Row>();
        for (int i = 0; i < lines.Length; i++)
            if (PageRow().Match(lines[i]) is { Success: true } m)
                rows.Add(new Row(m.Groups["code"].Value, m.Groups["anchor"].Value, m.Groups["title"].Value,
                    m.Groups["kind"].Value, m.Groups["exit"].Value, i + 1));
        return rows;
    }

    static string PageWord(DiagnosticKind kind) => kind switch
    {
        DiagnosticKind.DataFinding => "data finding",
        DiagnosticKind.Refusal => "refusal",
        DiagnosticKind.Information => "information",
        DiagnosticKind.Configuration => "configuration",
        DiagnosticKind.UnreadableInput => "unreadable input",
        DiagnosticKind.Usage => "usage",
        _ => "internal",
    };

    [Fact]
    public void Every_table_entry_has_one_row_on_the_page_with_its_title_kind_exit_and_anchor()
    {
        var rows = PageRows().ToLookup(r => r.Code);
        var problems = new List<string>();
        foreach (var c in DiagnosticCodes.All)
        {
            var mine = rows[c.Code].ToList();
            if (mine.Count != 1) { problems.Add($"{c.Code}: {mine.Count} rows in docs/diagnostics.md, expected 1"); continue; }
            var r = mine[0];
            var expected = (c.Title, PageWord(c.Kind), ((int)c.ExitClass).ToString(System.Globalization.CultureInfo.InvariantCulture), c.DocsAnchor);
            var actual = (r.Title, r.Kind, r.Exit, "docs/diagnostics.md#" + r.Anchor);
            if (expected != actual) problems.Add($"{c.Code}: the table says {expected}, the page (line {r.Line}) says {actual}");
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void Every_row_on_the_page_is_a_table_entry_or_a_retired_code()
    {
        var rows = PageRows();
        Assert.NotEmpty(rows);
        var unknown = rows.Where(r => DiagnosticCodes.Find(r.Code) is null && !DiagnosticCodes.Retired.Contains(r.Code))
            .Select(r => $"{r.Code} (docs/diagnostics.md line {r.Line})").ToList();
        Assert.True(unknown.Count == 0, "The page lists codes the table lacks: " + string.Join(", ", unknown));
        foreach (var retired in DiagnosticCodes.Retired)
        {
            Assert.Null(DiagnosticCodes.Find(retired));
            var row = Assert.Single(rows, r => r.Code == retired);
            Assert.Equal("retired", row.Title);
        }
    }

    [Fact]
    public void Every_code_mentioned_in_src_or_build_has_a_row_on_the_page()
    {
        var documented = PageRows().Select(r => r.Code).ToHashSet(StringComparer.Ordinal);
        var missing = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (file, text) in SourceFiles())
            foreach (Match m in AnyCode().Matches(text))
                if (!documented.Contains(m.Value)) missing.Add($"{m.Value} ({file})");
        Assert.True(missing.Count == 0, "Codes without a row in docs/diagnostics.md: " + string.Join(", ", missing));
    }

    [Fact]
    public void Sources_refer_to_table_entries_not_to_code_literals()
    {
        var table = Path.Combine("src", "MlBuild.Core", "Diagnostics", "DiagnosticCodes.cs");
        var literals = SourceFiles()
            .Where(f => f.File.EndsWith(".cs", StringComparison.Ordinal) && f.File != table && CodeLiteral().IsMatch(f.Text))
            .Select(f => f.File).ToList();
        Assert.True(literals.Count == 0, "Use DiagnosticCodes entries instead of \"MLBnnnn\" literals in: " + string.Join(", ", literals));
    }

    [Fact]
    public void Table_codes_are_well_formed_unique_and_titled()
    {
        var all = DiagnosticCodes.All;
        var declared = Regex.Matches(File.ReadAllText(Path.Combine(RepoRoot, "src", "MlBuild.Core", "Diagnostics", "DiagnosticCodes.cs")), @"= D\(""MLB\d{4}""").Count;
        Assert.True(all.Count == declared && declared > 0, $"{all.Count} entries found by reflection, {declared} declared");
        Assert.All(all, c => Assert.Matches(@"^MLB\d{4}$", c.Code));
        Assert.All(all, c => Assert.False(string.IsNullOrWhiteSpace(c.Title) || c.Title.Contains('|', StringComparison.Ordinal), c.Code));
        Assert.Equal(all.Count, all.Select(c => c.Code).Distinct(StringComparer.Ordinal).Count());
        Assert.Same(DiagnosticCodes.UnterminatedQuote, DiagnosticCodes.Find("MLB1101"));
        Assert.Equal(DiagnosticKind.Internal, DiagnosticCodes.KindOf("MLB1999"));
    }

    [Fact]
    public void There_is_one_internal_error_code()
    {
        Assert.Equal("MLB9000", DiagnosticCodes.InternalError.Code);
        Assert.Contains("MLB6099", DiagnosticCodes.Retired);
        // MLB9001 (the engine process failed) and MLB9003 (its request is unreadable) are the MSBuild front door's
        // reports about the engine process, not a second code for a bug in a verb.
        Assert.Equal(["MLB9000", "MLB9001", "MLB9003"],
            DiagnosticCodes.All.Where(c => c.Kind == DiagnosticKind.Internal).Select(c => c.Code));
    }

    [Theory]
    [InlineData("MLB1003", MlSeverity.Error, Verdict.Fail, 1)]     // a data finding fails the checks
    [InlineData("MLB1101", MlSeverity.Error, Verdict.Error, 2)]    // unreadable input: the checks could not run
    [InlineData("MLB9104", MlSeverity.Error, Verdict.Error, 2)]    // configuration
    [InlineData("MLB6010", MlSeverity.Error, Verdict.Fail, 1)]     // a registry refusal
    [InlineData("MLB6013", MlSeverity.Error, Verdict.Pass, 0)]     // information, even when raised
    [InlineData("MLB1003", MlSeverity.Warning, Verdict.Warn, 0)]   // what the engine wrote decides the severity
    [InlineData("MLB1003", MlSeverity.Info, Verdict.Pass, 0)]      // within tolerance
    [InlineData("MLB1999", MlSeverity.Error, Verdict.Error, 2)]    // a code the table lacks never passes
    public void A_diagnostic_s_verdict_and_exit_code_come_from_its_severity_and_its_code_s_kind(string code, MlSeverity severity, Verdict verdict, int exit)
    {
        var d = new MlDiagnostic(code, severity, "m");
        Assert.Equal(verdict, Verdicts.Of(d));
        Assert.Equal(exit, (int)Verdicts.ExitCode([d]));
    }

    [Fact]
    public void A_run_exits_with_its_worst_diagnostic()
    {
        Assert.Equal(ExitCodes.Ok, Verdicts.ExitCode(Array.Empty<MlDiagnostic>()));
        Assert.Equal(ExitCodes.InvalidInput, Verdicts.ExitCode([
            new MlDiagnostic(DiagnosticCodes.BelowMin, MlSeverity.Error, "m"),
            new MlDiagnostic(DiagnosticCodes.UnterminatedQuote, MlSeverity.Error, "m"),
            new MlDiagnostic(DiagnosticCodes.Leftovers, MlSeverity.Info, "m")]));
    }

    /// <summary>src/ and build/ files that can name a code, as repository-relative paths (bin/ and obj/ skipped).</summary>
    static IEnumerable<(string File, string Text)> SourceFiles()
    {
        string[] extensions = [".cs", ".props", ".targets", ".csproj", ".json", ".md"];
        foreach (var top in new[] { "src", "build" })
            foreach (var path in Directory.EnumerateFiles(Path.Combine(RepoRoot, top), "*", SearchOption.AllDirectories))
            {
                var rel = Path.GetRelativePath(RepoRoot, path);
                var parts = rel.Split(Path.DirectorySeparatorChar);
                if (parts.Contains("bin") || parts.Contains("obj") || !extensions.Contains(Path.GetExtension(path))) continue;
                yield return (rel, File.ReadAllText(path));
            }
    }

    static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "MlBuild.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("MlBuild.sln not found above the test assembly.");
    }
}
