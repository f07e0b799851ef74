using MlBuild.Core.Diagnostics;
namespace MlBuild.Core.Models.Evaluation;

/// <summary>Computes metrics with confidence intervals from a <see cref="PredictionSet"/>.</summary>
public static class Evaluator
{
    /// <summary>
    /// Every metric that applies to <paramref name="set"/> (or those named), each with its interval: Wilson for the
    /// proportions (accuracy, precision, recall), the seeded bootstrap for the others, all bootstrap metrics drawn
    /// from the same resamples.
    /// </summary>
    public static IReadOnlyList<MetricEstimate> Evaluate(PredictionSet set, IntervalOptions options, IReadOnlyList<MetricDefinition>? metrics = null)
    {
        metrics ??= MetricCatalog.For(set);
        var points = metrics.Select(m => m.Compute(set, set.UnitCounts)).ToArray();
        var boot = metrics.Select((m, i) => (m, i)).Where(x => x.m.Proportion is null).ToArray();
        double[,]? replicates = null;
        if (boot.Length > 0 && set.Count > 0)
            replicates = Intervals.Bootstrap(set.Count, [(set.Units, set.UnitOfRow)], boot.Length, options, (w, values) =>
            {
                for (int j = 0; j < boot.Length; j++) values[j] = boot[j].m.Compute(set, w[0]);
            });
        var result = new MetricEstimate[metrics.Count];
        for (int i = 0; i < metrics.Count; i++)
        {
            var m = metrics[i];
            if (m.Proportion is { } proportion)
            {
                var (k, n) = proportion(set);
                var (lo, hi) = Intervals.Wilson(k, n, options.ConfidenceLevel);
                result[i] = new MetricEstimate(m.Name, m.Direction, points[i], lo, hi, n, IntervalMethod.Wilson, options.ConfidenceLevel);
            }
            else
            {
                int j = Array.FindIndex(boot, b => b.i == i);
                var (lo, hi, used) = replicates is null || double.IsNaN(points[i]) ? (double.NaN, double.NaN, 0) : Intervals.Percentile(replicates, j, options.ConfidenceLevel);
                result[i] = new MetricEstimate(m.Name, m.Direction, points[i], lo, hi, set.Count, IntervalMethod.BootstrapPercentile,
                                               options.ConfidenceLevel, options.Seed, used);
            }
        }
        return result;
    }

    /// <summary>One metric with its interval.</summary>
    public static MetricEstimate Evaluate(PredictionSet set, MetricDefinition metric, IntervalOptions options) =>
        Evaluate(set, options, [metric])[0];

    /// <summary>
    /// The paired difference candidate − baseline of one metric on the same test rows: both models' metric on each
    /// bootstrap resample of the rows, so row-to-row variation common to both cancels. The labels must be the same.
    /// </summary>
    public static (MetricEstimate Difference, double Candidate, double Baseline) PairedDifference(
        PredictionSet candidate, PredictionSet baseline, MetricDefinition metric, IntervalOptions options)
    {
        if (candidate.Count != baseline.Count || !candidate.Labels.AsSpan().SequenceEqual(baseline.Labels))
            throw new Diagnostics.MlBuildException(new Diagnostics.MlDiagnostic(DiagnosticCodes.PredictionsInvalid, Diagnostics.MlSeverity.Error,
                "Predictions cannot be evaluated: the baseline's predictions are not on the same test rows (labels differ)."));
        double c = metric.Compute(candidate, candidate.UnitCounts), b = metric.Compute(baseline, baseline.UnitCounts);
        var replicates = Intervals.Bootstrap(candidate.Count, [(candidate.Units, candidate.UnitOfRow), (baseline.Units, baseline.UnitOfRow)], 1, options,
            (w, values) => values[0] = metric.Compute(candidate, w[0]) - metric.Compute(baseline, w[1]));
        var (lo, hi, used) = double.IsNaN(c - b) ? (double.NaN, double.NaN, 0) : Intervals.Percentile(replicates, 0, options.ConfidenceLevel);
        return (new MetricEstimate(metric.Name, metric.Direction, c - b, lo, hi, candidate.Count, IntervalMethod.BootstrapPercentile,
                                   options.ConfidenceLevel, options.Seed, used), c, b);
    }
}
