using System.Globalization;
using MlBuild.Core.Diagnostics;

namespace MlBuild.Core.Data.Validation;

/// <summary>
/// Turns a validation result into canonical diagnostics: per failing check, one at each of its first locations (up to a
/// limit), the last of which says how many more there are and where they are listed.
/// </summary>
public static class ValidationDiagnostics
{
    /// <summary>Locations reported per failing check when the user sets no limit (the CLI's <c>--max-locations</c>,
    /// the build's <c>MlBuildMaxLocationsPerCheck</c>).</summary>
    public const int DefaultMaxLocationsPerCheck = 5;

    /// <summary>Input errors first, then failing checks in schema order, each at its first failure only; checks
    /// failing within tolerance become info.</summary>
    public static List<MlDiagnostic> From(ValidationResult result)
    {
        var list = new List<MlDiagnostic>(result.InputErrors);
        foreach (var c in result.Checks)
            if (For(result, c) is { } d) list.Add(d);
        return list;
    }

    /// <summary>
    /// Input errors first, then failing checks in schema order, each at up to <paramref name="maxLocationsPerCheck"/> of
    /// its kept failures (<see cref="CheckResult.FirstFailures"/>, at most <see cref="ValidationOptions.MaxFailuresPerCheck"/>),
    /// one diagnostic per location. When a check has more failures than are shown, the last one says how many and, when
    /// <paramref name="reportPath"/> is given, that the JSON report there lists the kept locations and the most frequent
    /// failing values. Checks failing within tolerance become one info diagnostic.
    /// </summary>
    public static List<MlDiagnostic> From(ValidationResult result, int maxLocationsPerCheck, string? reportPath)
    {
        maxLocationsPerCheck = Math.Max(1, maxLocationsPerCheck);
        var list = new List<MlDiagnostic>(result.InputErrors);
        foreach (var c in result.Checks)
            list.AddRange(ForCheck(result, c, maxLocationsPerCheck, reportPath, sayMore: true));
        return list;
    }

    /// <summary>The diagnostic of one check, at its first failure; null when nothing failed.</summary>
    public static MlDiagnostic? For(ValidationResult result, CheckResult c) =>
        ForCheck(result, c, 1, null, sayMore: false).FirstOrDefault();

    /// <summary>One diagnostic per shown location of a check; with <paramref name="sayMore"/> the last says how many more
    /// failures there are and where they are listed.</summary>
    static IEnumerable<MlDiagnostic> ForCheck(ValidationResult result, CheckResult c, int maxLocationsPerCheck, string? reportPath, bool sayMore)
    {
        if (c.Failures == 0) yield break;
        int shown = c.Passed ? 1 : Math.Max(1, Math.Min(maxLocationsPerCheck, c.FirstFailures.Count));
        for (int k = 0; k < shown; k++)
        {
            var failure = k < c.FirstFailures.Count ? c.FirstFailures[k] : null;
            var where = failure is null ? "" : Where(failure.Location);
            var count = c.Kind is "rows" ? "" : $"{(k + 1).ToString(CultureInfo.InvariantCulture)} of {c.Failures.ToString(CultureInfo.InvariantCulture)} in this check";
            var paren = string.Join("; ", new[] { where, count }.Where(s => s.Length > 0));
            var text = k == 0
                ? c.FirstMessage ?? $"check '{c.Id}' ({c.Requirement}) failed"
                : c.Column is not null
                    ? $"column '{c.Column}' value '{failure!.Value}' fails {c.Requirement}"
                    : $"check '{c.Id}' ({c.Requirement}) fails at value '{failure!.Value}'";
            var message = text + (paren.Length > 0 ? $" ({paren})" : "");
            var severity = c.Severity;
            if (k == 0 && c.Passed)
            {
                severity = MlSeverity.Info;
                message += $"; {Share(c.Failures, c.Evaluated)} of values fail, within tolerance {Share(c.Tolerance)}";
            }
            else if (k == 0 && c.Tolerance > 0)
                message += $"; {Share(c.Failures, c.Evaluated)} of values fail, above tolerance {Share(c.Tolerance)}";
            if (sayMore && k == shown - 1 && !c.Passed && c.Kind is not "rows" && c.Failures > shown)
                message += MoreText(c, shown, reportPath);
            var loc = failure?.Location;
            bool csv = loc is { Line: > 0 };
            yield return new MlDiagnostic(c.Code, severity, message,
                loc?.File ?? (result.Files.Count > 0 ? result.Files[0] : null),
                csv ? (int)Math.Min(loc!.Value.Line, int.MaxValue) : 0,
                csv ? loc!.Value.Column : 0);
        }
    }

    /// <summary>Where the locations not shown are: the JSON report keeps the first ones and the most frequent values.</summary>
    static string MoreText(CheckResult c, int shown, string? reportPath)
    {
        var more = (c.Failures - shown).ToString(CultureInfo.InvariantCulture);
        if (reportPath is null)
            return $"; {more} more not shown";
        return c.FirstFailures.Count >= c.Failures
            ? $"; {more} more, all listed in {reportPath}"
            : $"; {more} more: the first {c.FirstFailures.Count.ToString(CultureInfo.InvariantCulture)} locations and the most frequent values are in {reportPath}";
    }

    static string Where(DataLocation l) =>
        l.RowGroup >= 0 ? $"row group {l.RowGroup}, row {l.Row}" : "";

    static string Share(long failures, long evaluated) => Share(evaluated == 0 ? 0 : (double)failures / evaluated);
    static string Share(double share) => (share * 100).ToString("0.###", CultureInfo.InvariantCulture) + "%";

    /// <summary>
    /// The line a build prints per dataset, as a test runner prints its summary: <c>data/train.csv: 300 rows, 36 checks
    /// passed</c>. A dataset of several files is named with its file count (<c>train (3 files): ...</c>).
    /// </summary>
    public static string BuildSummary(ValidationResult result)
    {
        var name = result.Files.Count == 1 ? result.Files[0]
            : $"{result.Dataset} ({result.Files.Count.ToString(CultureInfo.InvariantCulture)} files)";
        if (result.InputErrors.Count > 0)
            return $"{name}: could not be read ({Plural(result.InputErrors.Count, "input error")})";
        var rows = Plural(result.Records, "row");
        var failing = result.Checks.Where(c => !c.Passed).ToList();
        int failed = failing.Count(c => c.Severity == MlSeverity.Error);
        int warned = failing.Count(c => c.Severity == MlSeverity.Warning);
        var line = failed == 0
            ? $"{name}: {rows}, {Plural(result.Checks.Count - warned, "check")} passed"
            : $"{name}: {rows}, {failed.ToString(CultureInfo.InvariantCulture)} of {Plural(result.Checks.Count, "check")} failed";
        return warned == 0 ? line : line + $", {Plural(warned, "warning")}";
    }

    static string Plural(long n, string noun) =>
        n.ToString("N0", CultureInfo.InvariantCulture) + " " + noun + (n == 1 ? "" : "s");

    /// <summary>A one-line summary for the console.</summary>
    public static string Summary(ValidationResult result)
    {
        if (result.InputErrors.Count > 0)
            return $"mlbuild: dataset '{result.Dataset}' could not be read ({result.InputErrors.Count} input error{(result.InputErrors.Count == 1 ? "" : "s")}).";
        int failed = result.Checks.Count(c => !c.Passed && c.Severity == MlSeverity.Error);
        long violations = result.Checks.Where(c => !c.Passed).Sum(c => c.Failures);
        var rows = result.Records.ToString("N0", CultureInfo.InvariantCulture);
        return failed == 0
            ? $"mlbuild: dataset '{result.Dataset}' is valid: {rows} rows, {result.Checks.Count} checks passed."
            : $"mlbuild: dataset '{result.Dataset}': {failed} of {result.Checks.Count} checks failed ({violations.ToString("N0", CultureInfo.InvariantCulture)} violations in {rows} rows).";
    }
}
