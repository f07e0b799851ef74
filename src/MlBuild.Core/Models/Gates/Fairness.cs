using MlBuild.Core.Diagnostics;
using MlBuild.Core.Models.Evaluation;

namespace MlBuild.Core.Models.Gates;

/// <summary>
/// Group fairness of a binary classifier's decisions: demographic parity (ratio and difference of selection rates)
/// and equalized odds difference (the larger of the spreads of true- and false-positive rates), as fairlearn defines
/// them, over the groups with enough rows; intervals by the seeded bootstrap of all rows.
/// </summary>
public static class Fairness
{
    /// <summary>Canonical fairness metric names.</summary>
    public static IReadOnlyList<string> MetricNames { get; } =
        ["demographic-parity-ratio", "demographic-parity-difference", "equalized-odds-difference", "four-fifths"];

    /// <summary>The value of a fairness metric over the given groups, with rows weighted by bootstrap counts.</summary>
    public static double Compute(string metric, PredictionSet set, IReadOnlyList<List<int>> groups, int[]? weights)
    {
        double minRate = double.PositiveInfinity, maxRate = double.NegativeInfinity;
        double minTpr = double.PositiveInfinity, maxTpr = double.NegativeInfinity, minFpr = double.PositiveInfinity, maxFpr = double.NegativeInfinity;
        foreach (var rows in groups)
        {
            double n = 0, selected = 0, pos = 0, tp = 0, neg = 0, fp = 0;
            foreach (int r in rows)
            {
                double w = weights is null ? 1 : weights[r];
                if (w == 0) continue;
                bool predicted = set.Predicted![r] == 1, actual = set.Labels[r] == 1;
                n += w;
                if (predicted) selected += w;
                if (actual) { pos += w; if (predicted) tp += w; }
                else { neg += w; if (predicted) fp += w; }
            }
            if (n == 0) return double.NaN;                 // a group absent from this resample: undefined
            double rate = selected / n;
            minRate = Math.Min(minRate, rate); maxRate = Math.Max(maxRate, rate);
            if (pos == 0 || neg == 0) { if (metric == "equalized-odds-difference") return double.NaN; continue; }
            minTpr = Math.Min(minTpr, tp / pos); maxTpr = Math.Max(maxTpr, tp / pos);
            minFpr = Math.Min(minFpr, fp / neg); maxFpr = Math.Max(maxFpr, fp / neg);
        }
        return metric switch
        {
            "demographic-parity-ratio" or "four-fifths" => maxRate == 0 ? double.NaN : minRate / maxRate,
            "demographic-parity-difference" => maxRate - minRate,
            _ => Math.Max(maxTpr - minTpr, maxFpr - minFpr),
        };
    }

    internal static GateResult Evaluate(FairnessGateSpec gate, GateEvaluator.Context context)
    {
        var inputs = context.Inputs;
        var set = inputs.Predictions;
        var position = gate.Position;
        string metric = gate.Metric.Trim().ToLowerInvariant().Replace('_', '-');
        if (!MetricNames.Contains(metric))
            throw new MlBuildException(new MlDiagnostic(DiagnosticCodes.UnknownMetric, MlSeverity.Error,
                $"Unknown fairness metric '{gate.Metric}'; known: {string.Join(", ", MetricNames)}.", position?.File, position?.Line ?? 0, position?.Column ?? 0));
        if (set.Task != ModelTask.Binary)
            throw new MlBuildException(new MlDiagnostic(DiagnosticCodes.UnknownMetric, MlSeverity.Error,
                $"Fairness metric '{metric}' applies to binary classifiers only.", position?.File, position?.Line ?? 0, position?.Column ?? 0));
        if (!inputs.Columns.TryGetValue(gate.GroupColumn, out var column))
            throw new MlBuildException(new MlDiagnostic(DiagnosticCodes.PredictionsFileInvalid, MlSeverity.Error,
                $"Group column '{gate.GroupColumn}' is not among the evaluation's columns.", position?.File, position?.Line ?? 0, position?.Column ?? 0));
        bool higher = metric is "demographic-parity-ratio" or "four-fifths";
        double? min = gate.Min ?? (metric == "four-fifths" ? 0.8 : null);
        double? max = gate.Max;
        bool atLeast = min is not null;
        double threshold = min ?? max ?? double.NaN;
        string name = gate.Name ?? $"{metric} by {gate.GroupColumn} {(atLeast ? ">=" : "<=")} {threshold.ToString("0.####", System.Globalization.CultureInfo.InvariantCulture)}";

        var all = GateEvaluator.Groups(column);
        var judged = all.Where(g => g.Rows.Count >= gate.MinGroupSize).ToList();
        var excluded = all.Where(g => g.Rows.Count < gate.MinGroupSize).Select(g => (g.Value, (long)g.Rows.Count)).ToList();
        var missing = (gate.RequiredGroups ?? []).Where(v => !judged.Any(g => g.Value == v)).ToList();
        if (missing.Count > 0 || judged.Count < 2 || double.IsNaN(threshold))
        {
            var what = double.IsNaN(threshold) ? "it has neither min nor max"
                : missing.Count > 0 ? $"declared group(s) {string.Join(", ", missing.Select(m => $"'{m}'"))} have fewer than {gate.MinGroupSize} rows"
                : $"fewer than two groups of '{gate.GroupColumn}' have {gate.MinGroupSize} rows or more";
            return new GateResult
            {
                Name = name, Kind = "fairness", Metric = metric, Decision = Verdict.Fail, Verdict = Verdict.Fail, Excluded = excluded,
                Diagnostic = context.Diagnostic(DiagnosticCodes.GateSliceEmpty, MlSeverity.Error, $"Gate '{name}' failed: {what}."),
            };
        }
        var groupRows = judged.Select(g => g.Rows).ToList();
        double value = Compute(metric, set, groupRows, null);
        var options = context.Intervals();
        var replicates = Intervals.Bootstrap(set.Count, 1, options, (w, v) => v[0] = Compute(metric, set, groupRows, w));
        var (low, high, used) = double.IsNaN(value) ? (double.NaN, double.NaN, 0) : Intervals.Percentile(replicates, 0, options.ConfidenceLevel);
        var estimate = new MetricEstimate(metric, higher ? MetricDirection.HigherIsBetter : MetricDirection.LowerIsBetter, value, low, high,
                                          groupRows.Sum(g => (long)g.Count), IntervalMethod.BootstrapPercentile, options.ConfidenceLevel, options.Seed, used);
        var decision = GateEvaluator.Decide(value, low, high, threshold, atLeast, context.Strict);
        var draft = new GateResult
        {
            Name = name, Kind = "fairness", Metric = metric, Decision = decision, Verdict = decision,
            Value = value, Low = context.Strict ? double.NaN : low, High = context.Strict ? double.NaN : high, Threshold = threshold,
            Comparison = atLeast ? ">=" : "<=", Count = estimate.Count, Method = context.Strict ? IntervalMethod.None : estimate.Method,
            ConfidenceLevel = estimate.ConfidenceLevel, Seed = estimate.Seed, Resamples = estimate.Resamples, Excluded = excluded,
            RowsToDecide = decision == Verdict.Inconclusive ? GateEvaluator.RowsToDecide(value, low, high, threshold, atLeast, estimate.Count) : null,
        };
        if (decision == Verdict.Error)
            return draft with
            {
                Diagnostic = context.Diagnostic(DiagnosticCodes.GateMetricUndefined, MlSeverity.Error,
                    $"Gate '{name}' cannot be decided: {metric} is undefined (a group has no positive predictions, or lacks a class)."),
            };
        return GateEvaluator.Finish(draft, context, DiagnosticCodes.GateFairness,
            FormattableString.Invariant($"{metric} {value:0.####} with interval [{low:0.####}, {high:0.####}] over groups {string.Join(", ", judged.Select(g => g.Value))}, bound {(atLeast ? ">=" : "<=")} {threshold:0.####}"));
    }
}
