using MlBuild.Core.Data.Profiling;
using MlBuild.Core.Diagnostics;

namespace MlBuild.Core.Data.Validation;

/// <summary>A failing value and where it is.</summary>
/// <param name="Location">Where the value is.</param>
/// <param name="Value">The value as written (shortened past 200 characters), or empty for a missing one.</param>
public sealed record Failure(DataLocation Location, string Value);

/// <summary>A value and how often it failed a check.</summary>
public sealed record ValueCount(string Value, long Count);

/// <summary>The outcome of one check over the whole dataset.</summary>
public sealed class CheckResult
{
    /// <summary>Stable identifier, e.g. <c>age.min</c>, <c>rule:end_after_start</c>, <c>dataset.rows</c>.</summary>
    public required string Id { get; init; }
    /// <summary>The column the check belongs to, or null for dataset-level checks and rules.</summary>
    public string? Column { get; init; }
    /// <summary>The check kind: type, notNull, min, max, allowed, pattern, length, unique, rule, rows, columns, records.</summary>
    public required string Kind { get; init; }
    /// <summary>The diagnostic code reported when the check fails.</summary>
    public required string Code { get; init; }
    /// <summary>What the check requires, e.g. "min 0".</summary>
    public required string Requirement { get; init; }
    /// <summary>Failing values (or rows, or columns) counted exactly.</summary>
    public long Failures { get; set; }
    /// <summary>How many values the check looked at (its denominator for the tolerance).</summary>
    public long Evaluated { get; set; }
    /// <summary>Failing share tolerated before the check fails.</summary>
    public double Tolerance { get; init; }
    /// <summary>Severity when failing.</summary>
    public MlSeverity Severity { get; init; } = MlSeverity.Error;
    /// <summary>Whether the check passed (failures within tolerance).</summary>
    public bool Passed => Failures == 0 || (Evaluated > 0 && Tolerance > 0 && (double)Failures / Evaluated <= Tolerance);
    /// <summary>The first failures in file order.</summary>
    public List<Failure> FirstFailures { get; } = [];
    /// <summary>The most frequent failing values, most frequent first (ties by value, ordinal).</summary>
    public List<ValueCount> TopFailingValues { get; set; } = [];
    /// <summary>Human text of the first failure, used for the diagnostic message.</summary>
    public string? FirstMessage { get; set; }
    /// <summary>Pass, or (failing beyond tolerance) fail for an error-severity check and warn for a warning one.</summary>
    public Verdict Verdict => Passed ? Verdict.Pass : Severity == MlSeverity.Error ? Verdict.Fail : Severity == MlSeverity.Warning ? Verdict.Warn : Verdict.Pass;
}

/// <summary>The result of validating one dataset: every check, the structural diagnostics, the profile.</summary>
public sealed class ValidationResult
{
    /// <summary>The dataset name.</summary>
    public required string Dataset { get; init; }
    /// <summary>The files read, as the user named them.</summary>
    public required IReadOnlyList<string> Files { get; init; }
    /// <summary>Data records read (header excluded), malformed ones included.</summary>
    public long Records { get; set; }
    /// <summary>Every check in schema order.</summary>
    public List<CheckResult> Checks { get; } = [];
    /// <summary>Input problems that stopped reading (exit code 2), e.g. an unterminated quote.</summary>
    public List<MlDiagnostic> InputErrors { get; } = [];
    /// <summary>The column profiles, in schema order.</summary>
    public DatasetProfile? Profile { get; set; }

    /// <summary>The worst of the input errors' verdicts (error: the input could not be read) and the checks' verdicts.</summary>
    public Verdict Verdict => Verdicts.Worst(InputErrors.Select(Verdicts.Of).Concat(Checks.Select(c => c.Verdict)));

    /// <summary>The process exit code of this result (<see cref="Verdicts.ExitCode(Verdict)"/> of its verdict): 0 when
    /// every check passed, 1 when some failed, 2 when the input could not be read.</summary>
    public int ExitCode => (int)Verdicts.ExitCode(Verdict);
}
