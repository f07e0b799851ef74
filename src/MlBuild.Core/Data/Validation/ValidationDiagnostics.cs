using System.Globalization;
using MlBuild.Core.Diagnostics;

namespace MlBuild.Core.Data.Validation;

/// <summary>Turns a validation result into canonical diagnostics: one per failing check, at its first failure.</summary>
public static class ValidationDiagnostics
{
    /// <summary>Input errors first, then failing checks in schema order; checks failing within tolerance become info.</summary>
    public static List<MlDiagnostic> From(ValidationResult result)
    {
        var list = new List<MlDiagnostic>(result.InputErrors);
        foreach (var c in result.Checks)
            if (For(result, c) is { } d) list.Add(d);
        return list;
    }

    /// <summary>The diagnostic of one check, at its first failure; null when nothing failed.</summary>
    public static MlDiagnostic? For(ValidationResult result, CheckResult c)
    {
        if (c.Failures == 0) return null;
        var first = c.FirstFailures.Count > 0 ? c.FirstFailures[0] : (Failure?)null;
        var where = first is null ? "" : Where(first.Location);
        var count = c.Kind is "rows" ? "" : $"1 of {c.Failures.ToString(CultureInfo.InvariantCulture)} in this check";
        var paren = string.Join("; ", new[] { where, count }.Where(s => s.Length > 0));
        var message = (c.FirstMessage ?? $"check '{c.Id}' ({c.Requirement}) failed") + (paren.Length > 0 ? $" ({paren})" : "");
        var severity = c.Severity;
        if (c.Passed)
        {
            severity = MlSeverity.Info;
            message += $"; {Share(c.Failures, c.Evaluated)} of values fail, within tolerance {Share(c.Tolerance)}";
        }
        else if (c.Tolerance > 0)
            message += $"; {Share(c.Failures, c.Evaluated)} of values fail, above tolerance {Share(c.Tolerance)}";
        var loc = first?.Location;
        bool csv = loc is { Line: > 0 };
        return new MlDiagnostic(c.Code, severity, message,
            loc?.File ?? (result.Files.Count > 0 ? result.Files[0] : null),
            csv ? (int)Math.Min(loc!.Value.Line, int.MaxValue) : 0,
            csv ? loc!.Value.Column : 0);
    }

    static string Where(DataLocation l) =>
        l.RowGroup >= 0 ? $"row group {l.RowGroup}, row {l.Row}" : "";

    static string Share(long failures, long evaluated) => Share(evaluated == 0 ? 0 : (double)failures / evaluated);
    static string Share(double share) => (share * 100).ToString("0.###", CultureInfo.InvariantCulture) + "%";

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
