using MlBuild.Core.Models.Evaluation;
using MlBuild.Core.Models.Gates;
using MlBuild.Core.Models.Training;

namespace MlBuild.Core.Models.Artifacts;

/// <summary>The outcome of training twice with one seed.</summary>
/// <param name="Level">Identical (same canonical hash), within tolerance (test predictions and metrics), or different.</param>
/// <param name="FirstHash">The first training's canonical hash.</param>
/// <param name="SecondHash">The second training's canonical hash.</param>
/// <param name="MaxPredictionDifference">Largest absolute difference of a test score between the two.</param>
/// <param name="MaxMetricDifference">Largest absolute difference of a metric's point estimate between the two.</param>
public sealed record ReproducibilityResult(ReproducibilityLevel Level, string FirstHash, string SecondHash,
    double MaxPredictionDifference, double MaxMetricDifference);

/// <summary>Compares two trainings of one pipeline with one seed.</summary>
public static class Reproducibility
{
    /// <summary>Identical when the canonical hashes agree; within tolerance when every test score and metric differs by
    /// at most <paramref name="tolerance"/>; different otherwise.</summary>
    public static ReproducibilityResult Compare(TrainedModel first, TrainedModel second, double tolerance, IntervalOptions intervals)
    {
        var a = TestPredictions.Of(first);
        var b = TestPredictions.Of(second);
        var scoresA = ModelScores.Read(first.Model.Transform(first.TestView), first.Spec.Task);
        var scoresB = ModelScores.Read(second.Model.Transform(second.TestView), second.Spec.Task);
        double predictions = ModelScores.MaxAbsDifference(scoresA.Values, scoresB.Values);
        var metricsA = Evaluator.Evaluate(a.Set, PointOnly(intervals)).ToDictionary(m => m.Metric, m => m.Value);
        var metricsB = Evaluator.Evaluate(b.Set, PointOnly(intervals)).ToDictionary(m => m.Metric, m => m.Value);
        double metrics = metricsA.Keys.Union(metricsB.Keys)
            .Select(k => metricsA.TryGetValue(k, out var x) && metricsB.TryGetValue(k, out var y) ? ModelScores.Difference(x, y) : double.PositiveInfinity)
            .DefaultIfEmpty(0).Max();
        var level = first.CanonicalHash == second.CanonicalHash ? ReproducibilityLevel.Identical
            : predictions <= tolerance && metrics <= tolerance ? ReproducibilityLevel.WithinTolerance
            : ReproducibilityLevel.Different;
        return new ReproducibilityResult(level, first.CanonicalHash, second.CanonicalHash, predictions, metrics);
    }

    // Only the point estimates are compared; the fewest replicates keep the intervals (unused here) cheap.
    static IntervalOptions PointOnly(IntervalOptions o) => o with { Resamples = 100 };
}
