using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using MlBuild.Core.Diagnostics;
using MlBuild.Core.Models;
using MlBuild.Core.Models.Evaluation;

namespace MlBuild.Core.Tests.Models;

public sealed class MetricsTests
{
    static string Fixture(string name, [CallerFilePath] string here = "") => Path.Combine(Path.GetDirectoryName(here)!, "Fixtures", name);

    static double[][] ReadCsv(string name) =>
        File.ReadAllLines(Fixture(name)).Skip(1).Where(l => l.Length > 0)
            .Select(l => l.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToArray();

    static Dictionary<string, double> Expected(string task)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Fixture("metrics.expected.json")));
        return doc.RootElement.GetProperty(task).EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble());
    }

    static void AssertAgree(Dictionary<string, double> expected, PredictionSet set)
    {
        var got = Evaluator.Evaluate(set, new IntervalOptions { Resamples = 50 }).ToDictionary(e => e.Metric, e => e.Value);
        Assert.Equal(expected.Keys.Order(), got.Keys.Order());
        foreach (var (name, want) in expected)
            Assert.True(Math.Abs(got[name] - want) <= 1e-9 * Math.Max(1, Math.Abs(want)), $"{name}: MlBuild {got[name]:R}, scikit-learn {want:R}");
    }

    [Fact]
    public void Binary_metrics_agree_with_scikit_learn_including_ties_and_clipped_log_loss()
    {
        var rows = ReadCsv("binary.csv");
        var set = PredictionSet.Binary(rows.Select(r => r[0] == 1).ToArray(), rows.Select(r => r[1]).ToArray());
        Assert.Equal(rows.Select(r => (int)r[2]), set.Predicted!);   // the fixture's predictions use the same > 0.5 rule
        AssertAgree(Expected("binary"), set);
    }

    [Fact]
    public void Multiclass_metrics_agree_with_scikit_learn()
    {
        var rows = ReadCsv("multiclass.csv");
        var probs = rows.SelectMany(r => r.Skip(1).Take(4)).ToArray();
        var set = PredictionSet.Multiclass(rows.Select(r => (int)r[0]).ToArray(), 4, probs);
        Assert.Equal(rows.Select(r => (int)r[5]), set.Predicted!);
        AssertAgree(Expected("multiclass"), set);
    }

    [Fact]
    public void Regression_metrics_agree_with_scikit_learn()
    {
        var rows = ReadCsv("regression.csv");
        AssertAgree(Expected("regression"), PredictionSet.Regression(rows.Select(r => r[0]).ToArray(), rows.Select(r => r[1]).ToArray()));
    }

    [Fact]
    public void Auc_counts_a_tie_between_a_positive_and_a_negative_as_half()
    {
        // Pairs (pos, neg): (0.8 vs 0.5) won, (0.5 vs 0.5) tied, (0.8 vs 0.9) lost, (0.5 vs 0.9) lost -> (1 + 0.5) / 4.
        var set = PredictionSet.Binary([true, true, false, false], [0.8, 0.5, 0.5, 0.9]);
        Assert.Equal(0.375, Evaluator.Evaluate(set, MetricCatalog.Get("auc", set), new IntervalOptions { Resamples = 10 }).Value);
    }

    [Fact]
    public void Undefined_metrics_are_NaN_not_a_made_up_number()
    {
        var oneClass = PredictionSet.Binary([true, true, true], [0.9, 0.2, 0.7]);
        var e = Evaluator.Evaluate(oneClass, new IntervalOptions { Resamples = 20 }).ToDictionary(x => x.Metric);
        Assert.True(double.IsNaN(e["auc"].Value));
        Assert.True(double.IsNaN(e["auc"].Low));
        Assert.Equal(2.0 / 3, e["accuracy"].Value, 12);
        var nonePredictedPositive = PredictionSet.Binary([true, false], [0.1, 0.2]);
        Assert.True(double.IsNaN(Evaluator.Evaluate(nonePredictedPositive, MetricCatalog.Get("precision", nonePredictedPositive), new IntervalOptions()).Value));
    }

    [Fact]
    public void Directions_are_declared_for_every_metric()
    {
        Assert.Equal(MetricDirection.LowerIsBetter, MetricCatalog.Find("log_loss", ModelTask.Binary)!.Direction);
        Assert.Equal(MetricDirection.LowerIsBetter, MetricCatalog.Find("RMSE", ModelTask.Regression)!.Direction);
        Assert.Equal(MetricDirection.HigherIsBetter, MetricCatalog.Find("roc-auc", ModelTask.Binary)!.Direction);
        Assert.Equal("accuracy", MetricCatalog.Find("micro-accuracy", ModelTask.Multiclass)!.Name);
    }

    [Fact]
    public void Unknown_metric_and_log_loss_without_probabilities_are_coded_errors()
    {
        var margins = PredictionSet.Binary([true, false], [2.5, -1.0], threshold: 0);
        var ex = Assert.Throws<MlBuildException>(() => MetricCatalog.Get("aucc", margins, "gates.json", 3, 7));
        Assert.Equal("MLB3403", ex.Diagnostic.Code);
        Assert.Equal((3, 7), (ex.Diagnostic.Line, ex.Diagnostic.Column));
        Assert.Contains("auc", ex.Diagnostic.Message);
        Assert.Equal("MLB3403", Assert.Throws<MlBuildException>(() => MetricCatalog.Get("log-loss", margins)).Diagnostic.Code);
        Assert.Equal("MLB3401", Assert.Throws<MlBuildException>(() => PredictionSet.Binary([true], [double.NaN])).Diagnostic.Code);
        Assert.Equal("MLB3401", Assert.Throws<MlBuildException>(() => PredictionSet.Multiclass([0, 5], 3, predicted: [0, 1])).Diagnostic.Code);
    }
}
