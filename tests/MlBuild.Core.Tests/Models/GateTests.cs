using MlBuild.Core.Diagnostics;
using MlBuild.Core.Models.Evaluation;
using MlBuild.Core.Models.Gates;
using Xunit.Abstractions;

namespace MlBuild.Core.Tests.Models;

public sealed class GateTests(ITestOutputHelper output)
{
    /// <summary>A binary test set of <paramref name="n"/> rows on which the model is right with probability <paramref name="accuracy"/>.</summary>
    static PredictionSet Simulated(Random rng, int n, double accuracy)
    {
        var labels = new bool[n];
        var scores = new double[n];
        for (int i = 0; i < n; i++)
        {
            labels[i] = rng.NextDouble() < 0.4;
            bool right = rng.NextDouble() < accuracy;
            double confidence = 0.55 + 0.45 * rng.NextDouble();
            scores[i] = labels[i] == right ? confidence : 1 - confidence;
        }
        return PredictionSet.Binary(labels, scores);
    }

    static GateSet Gates(params GateSpec[] gates) => new() { Gates = gates, Defaults = new GateDefaults { Resamples = 400 } };

    static GateRun Run(GateSet gates, PredictionSet set, Dictionary<string, Baseline>? baselines = null, Dictionary<string, string[]>? columns = null,
                       ArtifactMeasurements? artifacts = null) =>
        GateEvaluator.Evaluate(gates, new GateInputs
        {
            Predictions = set, Baselines = baselines ?? [], Columns = columns ?? [], Artifacts = artifacts,
        });

    [Fact]
    public void A_good_model_never_fails_by_chance_where_a_point_estimate_gate_is_flaky_and_a_bad_model_fails()
    {
        // The case: true accuracy 0.95, gate 0.935, 200-item test sets.
        var gate = new MetricGateSpec { Metric = "accuracy", Min = 0.935 };
        var rng = new Random(2026);
        int pointFails = 0, intervalFails = 0, intervalPasses = 0;
        for (int trial = 0; trial < 200; trial++)
        {
            var set = Simulated(rng, 200, 0.95);
            if (Run(Gates(gate with { Strict = true }), set).Results[0].Decision == Verdict.Fail) pointFails++;
            var decision = Run(Gates(gate), set).Results[0].Decision;
            if (decision == Verdict.Fail) intervalFails++;
            if (decision == Verdict.Pass) intervalPasses++;
        }
        Assert.InRange(pointFails / 200.0, 0.08, 0.25);       // the flaky build: about one run in seven fails
        Assert.Equal(0, intervalFails);                      // intervals: INCONCLUSIVE or PASS, never a chance FAIL
        Assert.InRange(intervalPasses, 1, 199);

        int badFails = 0, badPasses = 0;
        for (int trial = 0; trial < 200; trial++)
        {
            var decision = Run(Gates(gate), Simulated(rng, 200, 0.85)).Results[0].Decision;
            if (decision == Verdict.Fail) badFails++;
            if (decision == Verdict.Pass) badPasses++;
        }
        output.WriteLine($"true accuracy 0.95, gate 0.935, 200 rows, 200 test sets: point-estimate gate failed {pointFails}, " +
                         $"interval gate failed {intervalFails}, passed {intervalPasses}, inconclusive {200 - intervalFails - intervalPasses}; " +
                         $"true accuracy 0.85: interval gate failed {badFails}, passed {badPasses}");
        Assert.Equal(0, badPasses);
        Assert.True(badFails >= 180, $"a model at 0.85 failed only {badFails} of 200 times");
    }

    [Fact]
    public void Inconclusive_follows_its_policy_and_says_how_many_rows_would_decide()
    {
        var set = Simulated(new Random(1), 200, 0.95);
        var gate = new MetricGateSpec { Metric = "accuracy", Min = 0.945, Position = new SourcePosition("mlbuild.json", 12, 7) };
        var failing = Run(Gates(gate), set);
        var r = failing.Results[0];
        Assert.Equal((Verdict.Inconclusive, Verdict.Fail), (r.Decision, r.Verdict));
        Assert.Equal(ExitCodes.ChecksFailed, failing.ExitCode);
        Assert.Equal(("MLB4003", MlSeverity.Error, "mlbuild.json", 12, 7), (r.Diagnostic!.Code, r.Diagnostic.Severity, r.Diagnostic.File, r.Diagnostic.Line, r.Diagnostic.Column));
        Assert.True(r.RowsToDecide > 200, $"rows to decide: {r.RowsToDecide}");
        Assert.True(r.Low < 0.945 && 0.945 < r.High);
        var warned = Run(Gates(gate with { Inconclusive = InconclusivePolicy.Warn }), set);
        Assert.Equal((Verdict.Inconclusive, Verdict.Warn, MlSeverity.Warning), (warned.Results[0].Decision, warned.Results[0].Verdict, warned.Results[0].Diagnostic!.Severity));
        Assert.Equal(ExitCodes.Ok, warned.ExitCode);
        Assert.Contains("INCONCLUSIVE (as warn) accuracy >= 0.945", warned.Results[0].ToLine());
    }

    [Fact]
    public void Bounds_decide_by_the_whole_interval_including_its_ends()
    {
        Assert.Equal(Verdict.Pass, GateEvaluator.Decide(0.9, 0.85, 0.95, 0.85, atLeast: true, strict: false));
        Assert.Equal(Verdict.Fail, GateEvaluator.Decide(0.8, 0.75, 0.849, 0.85, atLeast: true, strict: false));
        Assert.Equal(Verdict.Inconclusive, GateEvaluator.Decide(0.86, 0.84, 0.88, 0.85, atLeast: true, strict: false));
        Assert.Equal(Verdict.Pass, GateEvaluator.Decide(0.3, 0.2, 0.4, 0.4, atLeast: false, strict: false));
        Assert.Equal(Verdict.Fail, GateEvaluator.Decide(0.5, 0.41, 0.6, 0.4, atLeast: false, strict: false));
        Assert.Equal(Verdict.Pass, GateEvaluator.Decide(0.86, 0.84, 0.88, 0.85, atLeast: true, strict: true));
        Assert.Equal(Verdict.Error, GateEvaluator.Decide(double.NaN, double.NaN, double.NaN, 0.85, atLeast: true, strict: false));
        // Half-width 0.02 at n=100 and a distance of 0.01: four times the rows.
        Assert.Equal(400, GateEvaluator.RowsToDecide(0.86, 0.84, 0.88, 0.85, true, 100));
    }

    [Fact]
    public void An_undefined_metric_is_an_error_not_a_pass()
    {
        var oneClass = PredictionSet.Binary([true, true, true, true], [0.9, 0.8, 0.4, 0.7]);
        var run = Run(Gates(new MetricGateSpec { Metric = "auc", Min = 0.7 }), oneClass);
        Assert.Equal(Verdict.Error, run.Verdict);
        Assert.Equal("MLB4004", run.Results[0].Diagnostic!.Code);
        Assert.Equal(ExitCodes.InvalidInput, run.ExitCode);
    }

    [Fact]
    public void No_gates_is_an_error_unless_allowed()
    {
        var set = Simulated(new Random(3), 50, 0.9);
        var run = Run(new GateSet(), set);
        Assert.Equal("MLB4008", Assert.Single(run.Results).Diagnostic!.Code);
        Assert.Equal(ExitCodes.InvalidInput, run.ExitCode);
        Assert.Equal(ExitCodes.Ok, Run(new GateSet { AllowNoGates = true }, set).ExitCode);
    }

    [Theory]
    [InlineData(MissingBaselinePolicy.Fail, Verdict.Fail, ExitCodes.ChecksFailed)]
    [InlineData(MissingBaselinePolicy.Warn, Verdict.Warn, ExitCodes.Ok)]
    [InlineData(MissingBaselinePolicy.Skip, Verdict.Skipped, ExitCodes.Ok)]
    public void A_missing_baseline_follows_its_policy_never_a_silent_pass(MissingBaselinePolicy policy, Verdict expected, ExitCodes exit)
    {
        var set = Simulated(new Random(4), 300, 0.9);
        var run = Run(Gates(new MetricGateSpec { Metric = "auc", MaxDrop = 0.01, Baseline = "prod", MissingBaseline = policy }), set);
        var r = Assert.Single(run.Results);
        Assert.Equal(expected, r.Verdict);
        Assert.Equal("MLB4005", r.Diagnostic!.Code);
        Assert.Contains("'prod'", r.Diagnostic.Message);
        Assert.Equal(exit, run.ExitCode);
    }

    [Fact]
    public void Paired_baseline_comparison_passes_an_equal_model_and_fails_a_clear_regression()
    {
        var rng = new Random(5);
        var labels = Enumerable.Range(0, 600).Select(_ => rng.NextDouble() < 0.4).ToArray();
        var good = labels.Select(l => Math.Clamp((l ? 0.65 : 0.35) + (rng.NextDouble() - 0.5) * 0.6, 0, 1)).ToArray();
        var noisy = good.Select(s => Math.Clamp(s + (rng.NextDouble() - 0.5) * 0.9, 0, 1)).ToArray();
        var gate = new MetricGateSpec { Metric = "auc", MaxDrop = 0.01, Baseline = "prod" };

        var same = Run(Gates(gate), PredictionSet.Binary(labels, good), new() { ["prod"] = new Baseline("prod", PredictionSet.Binary(labels, good)) });
        Assert.Equal(Verdict.Pass, same.Results[0].Decision);
        Assert.Equal((0.0, 0.0, 0.0), (same.Results[0].Value, same.Results[0].Low, same.Results[0].High));

        var worse = Run(Gates(gate), PredictionSet.Binary(labels, noisy), new() { ["prod"] = new Baseline("prod", PredictionSet.Binary(labels, good)) });
        var r = worse.Results[0];
        Assert.Equal(Verdict.Fail, r.Decision);
        Assert.Equal("MLB4002", r.Diagnostic!.Code);
        Assert.Equal(-0.01, r.Threshold, 12);
        Assert.True(r.High < -0.01 && r.Baseline > 0.8);

        // Required gain: the good model against the noisy one.
        var gain = Run(Gates(new MetricGateSpec { Metric = "auc", MinGain = 0.02, Baseline = "prod" }), PredictionSet.Binary(labels, good),
                       new() { ["prod"] = new Baseline("prod", PredictionSet.Binary(labels, noisy)) });
        Assert.Equal(Verdict.Pass, gain.Results[0].Decision);
    }

    static PredictionSet Regression(double noise, int seed)
    {
        var rng = new Random(seed);
        var y = Enumerable.Range(0, 400).Select(i => Math.Sin(i) * 3).ToArray();
        return PredictionSet.Regression(y, y.Select(v => v + (rng.NextDouble() - 0.5) * noise).ToArray());
    }

    [Fact]
    public void Relative_drop_is_relative_to_the_baselines_absolute_value_so_a_negative_metric_keeps_its_sign()
    {
        // Baseline R² = -0.5, 10 % relative drop allowed: the bound is -0.5 - 0.05 = -0.55, not -0.45.
        var set = Regression(1, 1);
        double r2 = Evaluator.Evaluate(set, MetricCatalog.Get("r2", set), new IntervalOptions()).Value;
        var gate = new MetricGateSpec { Metric = "r2", MaxDrop = 0.1, DropKind = DropKind.Relative, Baseline = "prod" };
        var run = Run(Gates(gate), set, new() { ["prod"] = new Baseline("prod", Metrics: new Dictionary<string, double> { ["R2"] = -0.5 }) });
        Assert.Equal(-0.55, run.Results[0].Threshold, 12);
        Assert.Equal(Verdict.Pass, run.Results[0].Decision);   // r2 of this model is near 1

        // Lower-is-better: baseline RMSE 2, 10 % relative drop allowed -> bound 2.2 from above.
        var rmse = Run(Gates(new MetricGateSpec { Metric = "rmse", MaxDrop = 0.1, DropKind = DropKind.Relative, Baseline = "prod" }), set,
                       new() { ["prod"] = new Baseline("prod", Metrics: new Dictionary<string, double> { ["rmse"] = 2 }) });
        Assert.Equal((2.2, "<="), (rmse.Results[0].Threshold, rmse.Results[0].Comparison));

        // Zero baseline: a relative drop allows nothing; the bound is the baseline itself.
        var zero = Run(Gates(gate), set, new() { ["prod"] = new Baseline("prod", Metrics: new Dictionary<string, double> { ["r2"] = 0 }) });
        Assert.Equal(0, zero.Results[0].Threshold);
        Assert.True(r2 > 0.5);
    }

    [Fact]
    public void Paired_relative_drop_on_a_lower_is_better_metric()
    {
        var baseline = Regression(1.0, 2);
        var candidate = Regression(3.0, 3);   // three times the noise: RMSE about three times higher
        var run = Run(Gates(new MetricGateSpec { Metric = "rmse", MaxDrop = 0.05, DropKind = DropKind.Relative }), candidate,
                      new() { ["prod"] = new Baseline("prod", baseline) });
        var r = run.Results[0];
        Assert.Equal("<=", r.Comparison);
        Assert.Equal(0.05 * r.Baseline!.Value, r.Threshold, 12);
        Assert.Equal(Verdict.Fail, r.Decision);
        Assert.Contains("rmse drop vs prod <= 0.05 (relative)", r.Name);
    }

    [Fact]
    public void Slices_judge_every_large_enough_slice_and_the_worst_decides()
    {
        var rng = new Random(6);
        var good = Simulated(rng, 600, 0.97);
        // Region "south" (rows 400..599) gets a model that is right only 70 % of the time; "tiny" has 10 rows.
        var labels = new bool[600]; var scores = new double[600]; var region = new string[600];
        var bad = Simulated(rng, 600, 0.7);
        for (int i = 0; i < 600; i++)
        {
            bool south = i >= 400;
            labels[i] = (south ? bad : good).Labels[i] == 1;
            scores[i] = (south ? bad : good).Scores![i];
            region[i] = i < 10 ? "tiny" : south ? "south" : "north";
        }
        var set = PredictionSet.Binary(labels, scores);
        var gate = new MetricGateSpec { Metric = "accuracy", Min = 0.85, SliceColumn = "region", MinSliceSize = 30 };
        var run = Run(Gates(gate), set, columns: new() { ["region"] = region });
        var r = Assert.Single(run.Results);
        Assert.Equal(Verdict.Fail, r.Decision);
        Assert.Equal("accuracy >= 0.85 in every 'region' slice", r.Name);
        Assert.Equal(["north", "south"], r.Parts.Select(p => p.Name.Split("region=")[1].TrimEnd(']')));
        Assert.Equal([("tiny", 10L)], r.Excluded);
        Assert.Contains("slice 'region=south' has accuracy", r.Diagnostic!.Message);
        Assert.Equal(200, r.Count);
        // Bonferroni over the two slices judged: each slice's interval is a 97.5 % one.
        Assert.Equal(0.975, r.ConfidenceLevel, 12);

        var declared = Run(Gates(gate with { RequiredSlices = ["north", "tiny", "west"] }), set, columns: new() { ["region"] = region });
        Assert.Equal("MLB4006", declared.Results[0].Diagnostic!.Code);
        Assert.Contains("'tiny', 'west'", declared.Results[0].Diagnostic!.Message);
    }

    [Fact]
    public void Fairness_gates_measure_demographic_parity_and_equalized_odds_by_group()
    {
        var rng = new Random(8);
        int n = 2000;
        var labels = new bool[n]; var scores = new double[n]; var group = new string[n];
        for (int i = 0; i < n; i++)
        {
            group[i] = i % 2 == 0 ? "a" : "b";
            labels[i] = rng.NextDouble() < 0.5;
            // Group b is selected far less often: its scores are pushed down.
            double s = (labels[i] ? 0.7 : 0.3) + (rng.NextDouble() - 0.5) * 0.5 - (group[i] == "b" ? 0.25 : 0);
            scores[i] = Math.Clamp(s, 0, 1);
        }
        var set = PredictionSet.Binary(labels, scores);
        var columns = new Dictionary<string, string[]> { ["g"] = group };
        double rateA = 0, rateB = 0;
        for (int i = 0; i < n; i++) if (set.Predicted![i] == 1) { if (group[i] == "a") rateA++; else rateB++; }
        double expectedRatio = Math.Min(rateA, rateB) / Math.Max(rateA, rateB);   // groups are equal in size

        var run = Run(Gates(new FairnessGateSpec { Metric = "four-fifths", GroupColumn = "g" },
                            new FairnessGateSpec { Metric = "equalized_odds_difference", GroupColumn = "g", Max = 0.1 },
                            new FairnessGateSpec { Metric = "demographic-parity-difference", GroupColumn = "g", Max = 0.9 }), set, columns: columns);
        Assert.Equal(expectedRatio, run.Results[0].Value, 12);
        Assert.Equal(("four-fifths by g >= 0.8", Verdict.Fail, "MLB4007"), (run.Results[0].Name, run.Results[0].Decision, run.Results[0].Diagnostic!.Code));
        Assert.Equal(Verdict.Fail, run.Results[1].Decision);
        Assert.Equal(Verdict.Pass, run.Results[2].Decision);

        // The same groups scored alike pass the four-fifths rule.
        var fair = PredictionSet.Binary(labels, labels.Select((l, i) => Math.Clamp((l ? 0.7 : 0.3) + (rng.NextDouble() - 0.5) * 0.5, 0, 1)).ToArray());
        Assert.Equal(Verdict.Pass, Run(Gates(new FairnessGateSpec { Metric = "demographic-parity-ratio", GroupColumn = "g", Min = 0.8 }), fair, columns: columns).Results[0].Decision);

        var missing = Run(Gates(new FairnessGateSpec { Metric = "four-fifths", GroupColumn = "g", RequiredGroups = ["a", "c"] }), set, columns: columns);
        Assert.Equal("MLB4006", missing.Results[0].Diagnostic!.Code);
    }

    [Fact]
    public void Artifact_gates_compare_measurements_and_say_when_nothing_was_measured()
    {
        var set = Simulated(new Random(9), 50, 0.9);
        var gates = Gates(new SizeGateSpec { MaxMegabytes = 1 }, new LatencyGateSpec { MaxMilliseconds = 2 },
                          new ReproducibilityGateSpec { Require = ReproducibilityLevel.Identical }, new GoldenGateSpec { File = "golden.csv", Tolerance = 1e-6 });
        var measured = Run(gates, set, artifacts: new ArtifactMeasurements
        {
            ModelBytes = 1_500_000, LatenciesMs = Enumerable.Range(1, 100).Select(i => i / 100.0).Append(30).ToArray(),
            Reproducibility = ReproducibilityLevel.WithinTolerance, Golden = new GoldenComparison(20, 0, 1e-9),
        });
        Assert.Equal([Verdict.Fail, Verdict.Pass, Verdict.Fail, Verdict.Pass], measured.Results.Select(r => r.Verdict));
        Assert.Equal(["MLB5101", "MLB5104"], measured.Diagnostics.Select(d => d.Code));
        Assert.Equal(0.96, measured.Results[1].Value);    // nearest-rank p95 of 101 latencies
        var unmeasured = Run(gates, set);
        Assert.All(unmeasured.Results, r => Assert.Equal(Verdict.Skipped, r.Verdict));
    }

    [Fact]
    public void Gate_runs_are_identical_for_any_thread_count()
    {
        var set = Simulated(new Random(10), 500, 0.9);
        var gates = Gates(new MetricGateSpec { Metric = "auc", Min = 0.9 }, new MetricGateSpec { Metric = "f1", Min = 0.8 });
        var one = GateEvaluator.Evaluate(gates, new GateInputs { Predictions = set, MaxParallelism = 1 });
        var two = GateEvaluator.Evaluate(gates, new GateInputs { Predictions = set, MaxParallelism = 3 });
        Assert.Equal(one.Results.Select(r => r.ToLine()), two.Results.Select(r => r.ToLine()));
        Assert.Equal(one.Results.Select(r => (r.Low, r.High)), two.Results.Select(r => (r.Low, r.High)));
    }
}
