namespace MlBuild.Core.Models.Gates;

// Plain, parser-friendly records describing the gates of a pipeline file (mlbuild.json "gates") or a gates.json.
// The parser fills them with init-only properties; the evaluator reads them. No behaviour lives here.

/// <summary>Where a gate was declared, so a failing gate is reported at its line (1-based; 0 = unknown).</summary>
/// <param name="File">The file as the user named it.</param>
/// <param name="Line">1-based line, or 0.</param>
/// <param name="Column">1-based column, or 0.</param>
public sealed record SourcePosition(string? File, int Line = 0, int Column = 0);

/// <summary>What an INCONCLUSIVE verdict (interval straddles the threshold) costs.</summary>
public enum InconclusivePolicy
{
    /// <summary>Treat as a failure (the default: an undecided gate never passes silently).</summary>
    Fail,
    /// <summary>Report as a warning; the run does not fail.</summary>
    Warn,
    /// <summary>Accept it (for exploratory runs).</summary>
    Pass,
}

/// <summary>What a gate against a baseline does when the baseline is missing.</summary>
public enum MissingBaselinePolicy
{
    /// <summary>The gate fails (the default).</summary>
    Fail,
    /// <summary>The gate warns.</summary>
    Warn,
    /// <summary>The gate is reported as skipped.</summary>
    Skip,
}

/// <summary>How an allowed drop against a baseline is measured.</summary>
public enum DropKind
{
    /// <summary>In the metric's own units: candidate may be worse by at most <c>MaxDrop</c>.</summary>
    Absolute,
    /// <summary>As a fraction of the baseline's absolute value (|baseline| * MaxDrop), so negative metrics keep their sign.</summary>
    Relative,
}

/// <summary>Settings shared by every gate of one gate set unless a gate overrides them.</summary>
public sealed record GateDefaults
{
    /// <summary>Two-sided confidence level of the intervals (0.95 means a 95 % interval).</summary>
    public double ConfidenceLevel { get; init; } = 0.95;
    /// <summary>What INCONCLUSIVE costs.</summary>
    public InconclusivePolicy Inconclusive { get; init; } = InconclusivePolicy.Fail;
    /// <summary>What a missing baseline costs.</summary>
    public MissingBaselinePolicy MissingBaseline { get; init; } = MissingBaselinePolicy.Fail;
    /// <summary>Bootstrap replicate count.</summary>
    public int Resamples { get; init; } = 2000;
    /// <summary>Bootstrap seed (recorded in every result).</summary>
    public int Seed { get; init; } = 42;
    /// <summary>Compare point estimates instead of intervals (no INCONCLUSIVE), for those who want it.</summary>
    public bool Strict { get; init; }
}

/// <summary>All gates of one model, with their shared settings.</summary>
public sealed record GateSet
{
    /// <summary>Shared settings.</summary>
    public GateDefaults Defaults { get; init; } = new();
    /// <summary>The gates, in declaration order (results keep this order).</summary>
    public IReadOnlyList<GateSpec> Gates { get; init; } = [];
    /// <summary>A gate set with no gate is an error unless this is set.</summary>
    public bool AllowNoGates { get; init; }
}

/// <summary>One declared gate. Concrete kinds below.</summary>
public abstract record GateSpec
{
    /// <summary>Optional display name; when absent the evaluator derives one (e.g. <c>auc &gt;= 0.85</c>).</summary>
    public string? Name { get; init; }
    /// <summary>Where the gate was declared.</summary>
    public SourcePosition? Position { get; init; }
    /// <summary>Overrides <see cref="GateDefaults.ConfidenceLevel"/>.</summary>
    public double? ConfidenceLevel { get; init; }
    /// <summary>Overrides <see cref="GateDefaults.Inconclusive"/>.</summary>
    public InconclusivePolicy? Inconclusive { get; init; }
    /// <summary>Overrides <see cref="GateDefaults.Strict"/>.</summary>
    public bool? Strict { get; init; }
}

/// <summary>
/// A metric gate: absolute bounds (<see cref="Min"/>/<see cref="Max"/>) and/or bounds against a baseline
/// (<see cref="MaxDrop"/>, <see cref="MinGain"/>), optionally evaluated per slice of a column (the worst slice decides).
/// </summary>
public sealed record MetricGateSpec : GateSpec
{
    /// <summary>Metric name, e.g. <c>auc</c>, <c>accuracy</c>, <c>rmse</c> (see MetricCatalog).</summary>
    public required string Metric { get; init; }
    /// <summary>Lower absolute bound.</summary>
    public double? Min { get; init; }
    /// <summary>Upper absolute bound.</summary>
    public double? Max { get; init; }
    /// <summary>Largest allowed worsening against the baseline (in the metric's good direction), per <see cref="DropKind"/>.</summary>
    public double? MaxDrop { get; init; }
    /// <summary>How <see cref="MaxDrop"/> and <see cref="MinGain"/> are measured.</summary>
    public DropKind DropKind { get; init; } = DropKind.Absolute;
    /// <summary>Required improvement against the baseline, per <see cref="DropKind"/>.</summary>
    public double? MinGain { get; init; }
    /// <summary>The baseline: a registry alias (e.g. <c>prod</c>) or a metrics/predictions file.</summary>
    public string? Baseline { get; init; }
    /// <summary>Overrides <see cref="GateDefaults.MissingBaseline"/>.</summary>
    public MissingBaselinePolicy? MissingBaseline { get; init; }
    /// <summary>When set, the metric is computed per value of this column and every slice must clear the bound.</summary>
    public string? SliceColumn { get; init; }
    /// <summary>Slices with fewer rows are reported as excluded, not gated.</summary>
    public int MinSliceSize { get; init; } = 30;
    /// <summary>Slice values that must be present (an empty declared slice fails).</summary>
    public IReadOnlyList<string>? RequiredSlices { get; init; }
}

/// <summary>A fairness gate over the groups of a column.</summary>
public sealed record FairnessGateSpec : GateSpec
{
    /// <summary><c>demographic-parity-ratio</c>, <c>demographic-parity-difference</c> or <c>equalized-odds-difference</c>.</summary>
    public required string Metric { get; init; }
    /// <summary>The group column.</summary>
    public required string GroupColumn { get; init; }
    /// <summary>Lower bound (the four-fifths preset is <c>demographic-parity-ratio</c> with Min 0.8).</summary>
    public double? Min { get; init; }
    /// <summary>Upper bound (for differences).</summary>
    public double? Max { get; init; }
    /// <summary>Groups with fewer rows are reported as excluded.</summary>
    public int MinGroupSize { get; init; } = 30;
    /// <summary>Groups that must be present (an empty declared group fails).</summary>
    public IReadOnlyList<string>? RequiredGroups { get; init; }
}

/// <summary>Model file size budget.</summary>
public sealed record SizeGateSpec : GateSpec
{
    /// <summary>Largest allowed size in megabytes (10^6 bytes).</summary>
    public required double MaxMegabytes { get; init; }
}

/// <summary>Per-row prediction latency after warm-up.</summary>
public sealed record LatencyGateSpec : GateSpec
{
    /// <summary>The percentile judged: 50, 95 or 99.</summary>
    public int Percentile { get; init; } = 95;
    /// <summary>Largest allowed latency at that percentile, in milliseconds.</summary>
    public required double MaxMilliseconds { get; init; }
    /// <summary>Rows predicted before timing starts.</summary>
    public int WarmupRows { get; init; } = 100;
}

/// <summary>Golden predictions: recorded inputs and expected outputs the model must still reproduce.</summary>
public sealed record GoldenGateSpec : GateSpec
{
    /// <summary>The golden file written by <c>dotnet ml golden record</c>.</summary>
    public required string File { get; init; }
    /// <summary>Largest allowed absolute difference of a score.</summary>
    public double Tolerance { get; init; } = 1e-6;
}

/// <summary>Save, load and predict equals the in-memory predictions.</summary>
public sealed record RoundTripGateSpec : GateSpec
{
    /// <summary>Largest allowed absolute difference of a score.</summary>
    public double Tolerance { get; init; } = 1e-9;
}

/// <summary>The level a reproducibility check reached (ordered best to worst).</summary>
public enum ReproducibilityLevel
{
    /// <summary>Same canonical model hash.</summary>
    Identical,
    /// <summary>Predictions and metrics within tolerance.</summary>
    WithinTolerance,
    /// <summary>Anything else.</summary>
    Different,
}

/// <summary>Train twice with one seed and compare.</summary>
public sealed record ReproducibilityGateSpec : GateSpec
{
    /// <summary>The worst acceptable level.</summary>
    public ReproducibilityLevel Require { get; init; } = ReproducibilityLevel.WithinTolerance;
    /// <summary>Prediction/metric tolerance for <see cref="ReproducibilityLevel.WithinTolerance"/>.</summary>
    public double Tolerance { get; init; } = 1e-6;
}
