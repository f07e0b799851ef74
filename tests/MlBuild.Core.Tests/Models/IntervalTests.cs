using MathNet.Numerics.Distributions;
using MlBuild.Core.Models.Evaluation;

namespace MlBuild.Core.Tests.Models;

public sealed class IntervalTests
{
    [Fact]
    public void Wilson_matches_the_textbook_figures_and_stays_inside_0_1()
    {
        // Newcombe (1998), example: 81 of 263 -> 0.2553 .. 0.3662 at 95 %.
        var (lo, hi) = Intervals.Wilson(81, 263, 0.95);
        Assert.Equal(0.2553, lo, 4);
        Assert.Equal(0.3662, hi, 4);
        Assert.Equal(0, Intervals.Wilson(0, 10, 0.95).Low);
        Assert.Equal(1, Intervals.Wilson(10, 10, 0.95).High);
        Assert.True(double.IsNaN(Intervals.Wilson(0, 0, 0.95).Low));
    }

    [Fact]
    public void A_95_percent_Wilson_interval_covers_the_true_accuracy_in_95_percent_of_2000_seeded_trials()
    {
        var rng = new Random(7);
        const double truth = 0.9;
        int covered = 0;
        for (int t = 0; t < 2000; t++)
        {
            int k = 0;
            for (int i = 0; i < 200; i++) if (rng.NextDouble() < truth) k++;
            var (lo, hi) = Intervals.Wilson(k, 200, 0.95);
            if (lo <= truth && truth <= hi) covered++;
        }
        Assert.InRange(covered / 2000.0, 0.93, 0.97);
    }

    [Fact]
    public void A_95_percent_bootstrap_interval_of_AUC_covers_the_true_AUC_in_95_percent_of_seeded_trials()
    {
        // Positives ~ N(1, 1), negatives ~ N(0, 1): true AUC = Phi(1 / sqrt 2).
        double truth = Normal.CDF(0, 1, 1 / Math.Sqrt(2));
        var rng = new Random(11);
        var options = new IntervalOptions { Resamples = 500, Seed = 3 };
        const int trials = 600;
        int covered = 0;
        for (int t = 0; t < trials; t++)
        {
            var labels = new bool[300];
            var scores = new double[300];
            for (int i = 0; i < labels.Length; i++)
            {
                labels[i] = i % 2 == 0;
                scores[i] = Normal.Sample(rng, labels[i] ? 1 : 0, 1);
            }
            var set = PredictionSet.Binary(labels, scores, threshold: 0.5);
            var e = Evaluator.Evaluate(set, MetricCatalog.Get("auc", set), options with { Seed = t });
            if (e.Low <= truth && truth <= e.High) covered++;
        }
        // 600 trials: the coverage's own standard error is 0.9 %, so 95 % +- 3 %.
        Assert.InRange(covered / (double)trials, 0.92, 0.98);
    }

    [Fact]
    public void Bootstrap_figures_are_identical_for_any_thread_count_and_change_with_the_seed()
    {
        var rng = new Random(5);
        var labels = Enumerable.Range(0, 2000).Select(_ => rng.NextDouble() < 0.3).ToArray();
        var scores = labels.Select(l => Math.Round(Math.Clamp((l ? 0.6 : 0.4) + (rng.NextDouble() - 0.5) * 0.8, 0, 1), 2)).ToArray();
        var set = PredictionSet.Binary(labels, scores);
        var one = Evaluator.Evaluate(set, new IntervalOptions { Resamples = 300, MaxParallelism = 1 });
        var four = Evaluator.Evaluate(set, new IntervalOptions { Resamples = 300, MaxParallelism = 4 });
        Assert.Equal(one, four);
        var auc = one.Single(e => e.Metric == "auc");
        Assert.Equal((IntervalMethod.BootstrapPercentile, 42, 300), (auc.Method, auc.Seed!.Value, auc.Resamples!.Value));
        Assert.True(auc.Low < auc.Value && auc.Value < auc.High);
        var otherSeed = Evaluator.Evaluate(set, new IntervalOptions { Resamples = 300, Seed = 43 }).Single(e => e.Metric == "auc");
        Assert.NotEqual(auc.Low, otherSeed.Low);
        Assert.Equal(IntervalMethod.Wilson, one.Single(e => e.Metric == "accuracy").Method);
    }

    [Fact]
    public void Paired_difference_of_identical_models_is_exactly_zero_and_of_a_better_model_is_positive()
    {
        var rng = new Random(9);
        var labels = Enumerable.Range(0, 400).Select(i => i % 3 == 0).ToArray();
        var good = labels.Select(l => Math.Clamp((l ? 0.7 : 0.3) + Normal.Sample(rng, 0, 0.2), 0, 1)).ToArray();
        var worse = good.Select((s, i) => Math.Clamp(s + Normal.Sample(rng, 0, 0.25), 0, 1)).ToArray();
        var candidate = PredictionSet.Binary(labels, good);
        var auc = MetricCatalog.Get("auc", candidate);
        var options = new IntervalOptions { Resamples = 400 };
        var same = Evaluator.PairedDifference(candidate, PredictionSet.Binary(labels, good), auc, options).Difference;
        Assert.Equal((0.0, 0.0, 0.0), (same.Value, same.Low, same.High));
        var (diff, c, b) = Evaluator.PairedDifference(candidate, PredictionSet.Binary(labels, worse), auc, options);
        Assert.Equal(c - b, diff.Value, 12);
        Assert.True(diff.Low > 0, $"paired interval {diff.Low}..{diff.High}");
        // Pairing cancels what the rows do to both models: narrower than the unpaired width sqrt(wc^2 + wb^2).
        var wc = Evaluator.Evaluate(candidate, auc, options);
        var wb = Evaluator.Evaluate(PredictionSet.Binary(labels, worse), auc, options);
        double unpaired = Math.Sqrt(Math.Pow(wc.High - wc.Low, 2) + Math.Pow(wb.High - wb.Low, 2));
        Assert.True(diff.High - diff.Low < 0.8 * unpaired, $"paired {diff.High - diff.Low}, unpaired {unpaired}");
    }
}
