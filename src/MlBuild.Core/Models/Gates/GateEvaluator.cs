using System.Globalization;
using MlBuild.Core.Diagnostics;
using MlBuild.Core.Models.Evaluation;

namespace MlBuild.Core.Models.Gates;

/// <summary>
/// The one place that decides gates. A bound is PASSED when the whole confidence interval lies on its good side,
/// FAILED when the whole interval lies on its bad side, and INCONCLUSIVE otherwise (then the gate's policy decides
/// what that costs); strict mode compares the point estimate alone.
/// </summary>
public static class GateEvaluator
{
    /// <summary>Runs every gate of <paramref name="gates"/> on <paramref name="inputs"/>; one result per bound checked.</summary>
    public static GateRun Evaluate(GateSet gates, GateInputs inputs)
    {
        var results = new List<GateResult>();
        if (gates.Gates.Count == 0 && !gates.AllowNoGates)
            results.Add(new GateResult
            {
                Name = "gates configured", Kind = "config", Decision = Verdict.Error, Verdict = Verdict.Error,
                Diagnostic = new MlDiagnostic(DiagnosticCodes.NoGates, MlSeverity.Error,
                    "No gate is configured, so nothing would stop a bad model. Add gates, or allow none explicitly (allowNoGates)."),
            });
        foreach (var gate in gates.Gates)
        {
            var context = new Context(gates.Defaults, gate, inputs);
            switch (gate)
            {
                case MetricGateSpec m when m.SliceColumn is not null: results.AddRange(SliceGate(m, context)); break;
                case MetricGateSpec m: results.AddRange(MetricGate(m, inputs.Predictions, context)); break;
                case FairnessGateSpec f: results.Add(FairnessGate(f, context)); break;
                default: results.Add(ArtifactGates.Evaluate(gate, context)); break;
            }
        }
        return new GateRun(results);
    }

    /// <summary>A gate's effective settings.</summary>
    internal sealed record Context(GateDefaults Defaults, GateSpec Gate, GateInputs Inputs)
    {
        public double Level => Gate.ConfidenceLevel ?? Defaults.ConfidenceLevel;
        public bool Strict => Gate.Strict ?? Defaults.Strict;
        public InconclusivePolicy Inconclusive => Gate.Inconclusive ?? Defaults.Inconclusive;
        public IntervalOptions Intervals(double? level = null) => new()
        {
            ConfidenceLevel = level ?? Level, Resamples = Defaults.Resamples, Seed = Defaults.Seed, MaxParallelism = Inputs.MaxParallelism,
        };
        public MlDiagnostic Diagnostic(string code, MlSeverity severity, string message) =>
            new(code, severity, message, Gate.Position?.File, Gate.Position?.Line ?? 0, Gate.Position?.Column ?? 0);
    }

    /// <summary>The decision for one bound: <paramref name="atLeast"/> means the good side is value &gt;= threshold.</summary>
    public static Verdict Decide(double value, double low, double high, double threshold, bool atLeast, bool strict)
    {
        if (double.IsNaN(value) || double.IsNaN(threshold)) return Verdict.Error;
        if (strict || double.IsNaN(low) || double.IsNaN(high))
            return (atLeast ? value >= threshold : value <= threshold) ? Verdict.Pass : Verdict.Fail;
        if (atLeast) return low >= threshold ? Verdict.Pass : high < threshold ? Verdict.Fail : Verdict.Inconclusive;
        return high <= threshold ? Verdict.Pass : low > threshold ? Verdict.Fail : Verdict.Inconclusive;
    }

    /// <summary>About how many rows would shrink the interval's half-width towards the threshold to the distance
    /// between the point and the threshold (width scales as 1/sqrt(n)); null when the point sits on the threshold.</summary>
    public static long? RowsToDecide(double value, double low, double high, double threshold, bool atLeast, long count)
    {
        double distance = Math.Abs(value - threshold);
        double half = (value >= threshold) == atLeast ? (atLeast ? value - low : high - value) : (atLeast ? high - value : value - low);
        if (distance == 0 || double.IsNaN(half) || count <= 0) return null;
        double rows = Math.Ceiling(count * (half / distance) * (half / distance));
        return rows > long.MaxValue / 2 ? null : (long)rows;
    }

    /// <summary>Turns a decision into a result with its verdict after policy and its diagnostic.</summary>
    internal static GateResult Finish(GateResult draft, Context context, string failCode, string what)
    {
        var verdict = draft.Decision switch
        {
            Verdict.Inconclusive => context.Inconclusive switch
            {
                InconclusivePolicy.Warn => Verdict.Warn,
                InconclusivePolicy.Pass => Verdict.Pass,
                _ => Verdict.Fail,
            },
            _ => draft.Decision,
        };
        MlDiagnostic? diagnostic = draft.Decision switch
        {
            Verdict.Fail => context.Diagnostic(failCode, MlSeverity.Error, $"Gate '{draft.Name}' failed: {what}."),
            Verdict.Inconclusive => context.Diagnostic(DiagnosticCodes.GateInconclusive,
                verdict == Verdict.Fail ? MlSeverity.Error : verdict == Verdict.Warn ? MlSeverity.Warning : MlSeverity.Info,
                $"Gate '{draft.Name}' is inconclusive: {what}; the interval straddles the bound" +
                (draft.RowsToDecide is { } n ? $" (about {n.ToString(CultureInfo.InvariantCulture)} test rows would decide it)" : "") +
                $". Policy: {context.Inconclusive.ToString().ToLowerInvariant()}."),
            _ => draft.Diagnostic,
        };
        return draft with { Verdict = verdict, Diagnostic = diagnostic };
    }

    static string F(double v) => v.ToString("0.####", CultureInfo.InvariantCulture);

    static string Figures(GateResult r) => double.IsNaN(r.Low)
        ? $"{r.Metric} {F(r.Value)} (point estimate), bound {r.Comparison} {F(r.Threshold)}"
        : $"{r.Metric} {F(r.Value)} with {F(r.ConfidenceLevel * 100)} % interval [{F(r.Low)}, {F(r.High)}], bound {r.Comparison} {F(r.Threshold)}";

    static GateResult Bound(string name, string kind, MetricEstimate e, double threshold, bool atLeast, Context context, double? baseline = null)
    {
        var strict = context.Strict;
        var decision = Decide(e.Value, e.Low, e.High, threshold, atLeast, strict);
        var draft = new GateResult
        {
            Name = name, Kind = kind, Decision = decision, Verdict = decision, Metric = e.Metric,
            Value = e.Value, Low = strict ? double.NaN : e.Low, High = strict ? double.NaN : e.High,
            Threshold = threshold, Comparison = atLeast ? ">=" : "<=", Count = e.Count, Baseline = baseline,
            Method = strict ? IntervalMethod.None : e.Method, ConfidenceLevel = e.ConfidenceLevel, Seed = e.Seed, Resamples = e.Resamples,
            RowsToDecide = decision == Verdict.Inconclusive ? RowsToDecide(e.Value, e.Low, e.High, threshold, atLeast, e.Count) : null,
        };
        if (decision == Verdict.Error)
            return draft with
            {
                Diagnostic = context.Diagnostic(DiagnosticCodes.GateMetricUndefined, MlSeverity.Error,
                    $"Gate '{name}' cannot be decided: {e.Metric} is undefined on these {e.Count} test rows (e.g. only one class present)."),
            };
        return Finish(draft, context, kind == "baseline" ? DiagnosticCodes.GateRegression : DiagnosticCodes.GateFailed, Figures(draft));
    }

    static IEnumerable<GateResult> MetricGate(MetricGateSpec gate, PredictionSet set, Context context, string? suffix = null, double? level = null,
                                              PredictionSet? pairedBaseline = null, bool slice = false)
    {
        var metric = MetricCatalog.Get(gate.Metric, set, gate.Position?.File, gate.Position?.Line ?? 0, gate.Position?.Column ?? 0);
        string prefix = gate.Name ?? metric.Name;
        bool higher = metric.Direction == MetricDirection.HigherIsBetter;
        var options = context.Intervals(level);
        if (gate.Min is not null || gate.Max is not null)
        {
            var e = Evaluator.Evaluate(set, metric, options);
            if (gate.Min is { } min) yield return Bound($"{prefix} >= {F(min)}{suffix}", "metric", e, min, true, context);
            if (gate.Max is { } max) yield return Bound($"{prefix} <= {F(max)}{suffix}", "metric", e, max, false, context);
        }
        if (gate.MaxDrop is null && gate.MinGain is null) yield break;

        var baseline = slice ? null : FindBaseline(gate, context.Inputs);
        var baselineName = gate.Baseline ?? baseline?.Name ?? "baseline";
        var rel = gate.DropKind == DropKind.Relative;
        string Describe(string what, double amount) => $"{prefix} {what} vs {baselineName} <= {F(amount)}{(rel ? " (relative)" : "")}{suffix}";
        var checks = new List<(string Name, double Amount, bool IsGain)>();
        if (gate.MaxDrop is { } drop) checks.Add((Describe("drop", drop), drop, false));
        if (gate.MinGain is { } gain) checks.Add(($"{prefix} gain vs {baselineName} >= {F(gain)}{(rel ? " (relative)" : "")}{suffix}", gain, true));

        var basePredictions = pairedBaseline ?? baseline?.Predictions;
        var source = FindBaseline(gate, context.Inputs)?.Source;
        double? baseValue = null;
        if (basePredictions is null && baseline?.Metrics is { } metrics)
            foreach (var (k, v) in metrics)
                if (MetricCatalog.Find(k, set.Task)?.Name == metric.Name) baseValue = v;
        if (basePredictions is null && baseValue is null)
        {
            foreach (var check in checks) yield return MissingBaseline(gate, check.Name, baselineName, metric.Name, context, FindBaseline(gate, context.Inputs)?.MissingReason);
            yield break;
        }
        foreach (var (name, amount, isGain) in checks)
        {
            if (basePredictions is not null)
            {
                // Paired: the bootstrap of candidate − baseline on the same resampled rows.
                var (diff, _, b) = Evaluator.PairedDifference(set, basePredictions, metric, options);
                double allowed = rel ? Math.Abs(b) * amount : amount;
                // Good side of the difference: higher-better metrics must not fall by more than `allowed` (or must gain it).
                double threshold = isGain ? (higher ? allowed : -allowed) : (higher ? -allowed : allowed);
                yield return Bound(name, "baseline", diff with { Metric = $"{metric.Name} - {baselineName}" }, threshold, higher, context, b) with { BaselineSource = source };
            }
            else
            {
                // Only the baseline's value is known: the candidate's own interval against the bound it implies.
                double b = baseValue!.Value;
                double allowed = rel ? Math.Abs(b) * amount : amount;
                double threshold = isGain ? (higher ? b + allowed : b - allowed) : (higher ? b - allowed : b + allowed);
                var e = Evaluator.Evaluate(set, metric, options);
                yield return Bound(name, "baseline", e, threshold, higher, context, b) with { BaselineSource = source };
            }
        }
    }

    static Baseline? FindBaseline(MetricGateSpec gate, GateInputs inputs)
    {
        if (gate.Baseline is { } name) return inputs.Baselines.TryGetValue(name, out var b) ? b : null;
        return inputs.Baselines.Count == 1 ? inputs.Baselines.Values.First() : null;
    }

    static GateResult MissingBaseline(MetricGateSpec gate, string name, string baselineName, string metric, Context context, string? reason = null)
    {
        var policy = gate.MissingBaseline ?? context.Defaults.MissingBaseline;
        var verdict = policy switch { MissingBaselinePolicy.Warn => Verdict.Warn, MissingBaselinePolicy.Skip => Verdict.Skipped, _ => Verdict.Fail };
        return new GateResult
        {
            Name = name, Kind = "baseline", Metric = metric, Decision = verdict == Verdict.Fail ? Verdict.Fail : Verdict.Skipped, Verdict = verdict,
            Diagnostic = context.Diagnostic(DiagnosticCodes.GateBaselineMissing,
                verdict == Verdict.Fail ? MlSeverity.Error : verdict == Verdict.Warn ? MlSeverity.Warning : MlSeverity.Info,
                $"Gate '{name}' has no baseline '{baselineName}' with {metric} to compare with{(reason is null ? "" : ": " + reason)} (missing-baseline policy: {policy.ToString().ToLowerInvariant()})."),
        };
    }

    /// <summary>The metric per value of a column; every slice large enough must clear the bounds. Intervals are
    /// Bonferroni-widened over the slices judged, so more slices do not mean more chance failures.</summary>
    static IEnumerable<GateResult> SliceGate(MetricGateSpec gate, Context context)
    {
        var inputs = context.Inputs;
        var set = inputs.Predictions;
        if (!inputs.Columns.TryGetValue(gate.SliceColumn!, out var column))
            throw new MlBuildException(context.Diagnostic(DiagnosticCodes.PredictionsFileInvalid, MlSeverity.Error,
                $"Slice column '{gate.SliceColumn}' is not among the evaluation's columns ({string.Join(", ", inputs.Columns.Keys.Order(StringComparer.Ordinal))})."));
        var groups = Groups(column);
        var judged = groups.Where(g => g.Rows.Count >= gate.MinSliceSize).ToList();
        var excluded = groups.Where(g => g.Rows.Count < gate.MinSliceSize).Select(g => (g.Value, (long)g.Rows.Count)).ToList();
        double level = 1 - (1 - context.Level) / Math.Max(1, judged.Count);
        var baseline = FindBaseline(gate, inputs);
        var perSlice = judged.Select(g => MetricGate(gate with { SliceColumn = null }, set.Subset(g.Rows), context, $" [{gate.SliceColumn}={g.Value}]", level,
                                                       baseline?.Predictions?.Subset(g.Rows), slice: true).ToList()).ToList();
        var metricName = MetricCatalog.Get(gate.Metric, set).Name;
        var missing = (gate.RequiredSlices ?? []).Where(v => !judged.Any(g => g.Value == v)).ToList();
        int checks = perSlice.Count > 0 ? perSlice[0].Count : 0;
        var slicesNoun = $"every '{gate.SliceColumn}' slice";
        for (int c = 0; c < Math.Max(checks, 1); c++)
        {
            var parts = perSlice.Select(p => p.Count > c ? p[c] : null).Where(p => p is not null).Select(p => p!).ToList();
            // The slice that decides: the worst verdict, then the worst point estimate.
            var worst = parts.OrderByDescending(p => p.Decision)
                             .ThenBy(p => p.Comparison == ">=" ? p.Value : -p.Value).FirstOrDefault();
            string name = worst is null ? $"{gate.Name ?? metricName} in {slicesNoun}" : worst.Name[..worst.Name.LastIndexOf(" [", StringComparison.Ordinal)] + $" in {slicesNoun}";
            GateResult result;
            if (missing.Count > 0 || worst is null)
            {
                var what = missing.Count > 0
                    ? $"declared slice(s) {string.Join(", ", missing.Select(m => $"'{m}'"))} have fewer than {gate.MinSliceSize} rows"
                    : $"no slice of '{gate.SliceColumn}' has {gate.MinSliceSize} rows or more";
                result = new GateResult
                {
                    Name = name, Kind = "slice", Metric = metricName, Decision = Verdict.Fail, Verdict = Verdict.Fail,
                    Diagnostic = context.Diagnostic(DiagnosticCodes.GateSliceEmpty, MlSeverity.Error, $"Gate '{name}' failed: {what}."),
                };
            }
            else
            {
                var decided = worst with { Name = name, Kind = "slice" };
                result = worst.Decision is Verdict.Fail or Verdict.Inconclusive
                    ? Finish(decided with { Verdict = worst.Decision, Diagnostic = null }, context, worst.Kind == "baseline" ? DiagnosticCodes.GateRegression : DiagnosticCodes.GateFailed,
                             $"slice '{worst.Name[(worst.Name.LastIndexOf(" [", StringComparison.Ordinal) + 2)..^1]}' has {Figures(worst)}")
                    : decided;
            }
            yield return result with { Parts = parts, Excluded = excluded };
        }
    }

    internal static List<(string Value, List<int> Rows)> Groups(string[] column)
    {
        var map = new SortedDictionary<string, List<int>>(StringComparer.Ordinal);
        for (int i = 0; i < column.Length; i++)
        {
            if (!map.TryGetValue(column[i], out var rows)) map[column[i]] = rows = [];
            rows.Add(i);
        }
        return map.Select(kv => (kv.Key, kv.Value)).ToList();
    }

    static GateResult FairnessGate(FairnessGateSpec gate, Context context) => Fairness.Evaluate(gate, context);
}
