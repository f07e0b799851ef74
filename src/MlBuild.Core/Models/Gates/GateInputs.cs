using MlBuild.Core.Models.Evaluation;

namespace MlBuild.Core.Models.Gates;

/// <summary>A baseline to compare a candidate with: its predictions on the same test rows (paired comparison), or
/// only its metrics (from a metrics file; the candidate's interval is compared with the baseline's value).</summary>
/// <param name="Name">How the gate names it (an alias such as <c>prod</c>, or a file).</param>
/// <param name="Predictions">The baseline's predictions on the candidate's test rows, or null.</param>
/// <param name="Metrics">The baseline's metric values by canonical name, or null.</param>
public sealed record Baseline(string Name, PredictionSet? Predictions = null, IReadOnlyDictionary<string, double>? Metrics = null)
{
    /// <summary>Which model the baseline is, for the gate results (e.g. <c>churn 3 (prod)</c> from a registry), or null.</summary>
    public string? Source { get; init; }
    /// <summary>Why the baseline is missing (no registry, no such alias...), said in the missing-baseline diagnostic; null when present.</summary>
    public string? MissingReason { get; init; }
}

/// <summary>Result of comparing a model's predictions with its golden file.</summary>
/// <param name="Rows">Golden rows compared.</param>
/// <param name="Mismatches">Rows beyond the tolerance.</param>
/// <param name="MaxAbsDifference">Largest absolute difference of a score.</param>
public sealed record GoldenComparison(long Rows, long Mismatches, double MaxAbsDifference);

/// <summary>Measurements of the model artifact, made by whoever has the model (publish, the trainer, an ONNX runner).</summary>
public sealed record ArtifactMeasurements
{
    /// <summary>Model file size in bytes.</summary>
    public long? ModelBytes { get; init; }
    /// <summary>Per-row prediction latencies after warm-up, in milliseconds.</summary>
    public IReadOnlyList<double>? LatenciesMs { get; init; }
    /// <summary>Golden comparison; its tolerance was the gate's (used by a golden gate whose file is not in <see cref="GoldenByFile"/>).</summary>
    public GoldenComparison? Golden { get; init; }
    /// <summary>Golden comparisons by the file as the gate names it (several golden gates, one file each).</summary>
    public IReadOnlyDictionary<string, GoldenComparison>? GoldenByFile { get; init; }
    /// <summary>Largest absolute score difference between in-memory and saved-then-loaded predictions.</summary>
    public double? RoundTripMaxDifference { get; init; }
    /// <summary>Level a train-twice comparison reached.</summary>
    public ReproducibilityLevel? Reproducibility { get; init; }
    /// <summary>Why reproducibility does not apply to this model (one made elsewhere): the gate is skipped with it.</summary>
    public string? ReproducibilityNotApplicable { get; init; }
}

/// <summary>Everything gates are judged on.</summary>
public sealed record GateInputs
{
    /// <summary>The candidate's predictions with the labels.</summary>
    public required PredictionSet Predictions { get; init; }
    /// <summary>Slice and group columns by name, one value per test row.</summary>
    public IReadOnlyDictionary<string, string[]> Columns { get; init; } = new Dictionary<string, string[]>();
    /// <summary>Baselines by the name gates use (<c>baseline</c> in a gate); a gate naming none takes the only one given.</summary>
    public IReadOnlyDictionary<string, Baseline> Baselines { get; init; } = new Dictionary<string, Baseline>();
    /// <summary>Artifact measurements, when there is a model to measure.</summary>
    public ArtifactMeasurements? Artifacts { get; init; }
    /// <summary>Bootstrap threads (figures do not depend on it).</summary>
    public int MaxParallelism { get; init; } = Environment.ProcessorCount;
}
