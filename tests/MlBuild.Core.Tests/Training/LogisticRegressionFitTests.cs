using System.Globalization;
using System.Text;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using MlBuild.Core.Models.Training;
using MlBuild.Core.Pipeline;

namespace MlBuild.Core.Tests.Training;

/// <summary>
/// MlBuild's own L-BFGS logistic regression (binary <c>lbfgs</c> without an L1 term) against ML.NET's trainer on the
/// same rows and objective: same predictions within a small tolerance, same AUC within 0.005, a standard ML.NET zip.
/// </summary>
public sealed class LogisticRegressionFitTests : IDisposable
{
    readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    static string RepoFile(string relative)
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, relative))) return Path.Combine(d.FullName, relative);
        throw new FileNotFoundException(relative);
    }

    TrainedModel Train(string pipeline, int readThreads = 2)
    {
        _dir.Write("mlbuild.json", pipeline);
        var outcome = ModelTrainer.Train(PipelineLoader.Load(Path.Combine(_dir.Path, "mlbuild.json"), "mlbuild.json"),
            new TrainingOptions { ReadParallelism = readThreads });
        Assert.True(outcome.Model is not null, TrainingData.Lines(outcome.Diagnostics));
        return outcome.Model!;
    }

    static string Pipeline(string label, string features, string hyper, string missing = "") => $$"""
    {
      "datasets": { "train": { "path": "train.csv", "schema": "train.schema.json" } },
      "model": {
        "name": "lr", "task": "binary", "label": "{{label}}", "features": [{{features}}],
        "trainer": "lbfgs", "hyperparameters": { {{hyper}} },
        "split": { "test": 0.25 }, "seed": 5 {{missing}}
      }
    }
    """;

    /// <summary>ML.NET's own pipeline on the same rows: concatenate, replace missing, normalise, its L-BFGS with no L1 term.</summary>
    static ITransformer MlNetReference(TrainedModel trained, string[] features, float l2)
    {
        var ml = new MLContext(seed: 5);
        var pipeline = ml.Transforms.Concatenate("__numeric", features)
            .Append(ml.Transforms.ReplaceMissingValues("__numeric"))
            .Append(ml.Transforms.NormalizeMeanVariance("__numeric"))
            .Append(ml.Transforms.Concatenate("__features", "__numeric"))
            .Append(ml.BinaryClassification.Trainers.LbfgsLogisticRegression(new LbfgsLogisticRegressionBinaryTrainer.Options
            {
                LabelColumnName = trained.Spec.Label, FeatureColumnName = "__features", NumberOfThreads = 1, L1Regularization = 0, L2Regularization = l2,
            }));
        return pipeline.Fit(trained.TrainView);
    }

    static float[] Probabilities(IDataView scored)
    {
        var column = scored.Schema["Probability"];
        var values = new List<float>();
        using var cursor = scored.GetRowCursor([column]);
        var getter = cursor.GetGetter<float>(column);
        float v = 0;
        while (cursor.MoveNext()) { getter(ref v); values.Add(v); }
        return [.. values];
    }

    void AgreesWithMlNet(TrainedModel ours, string[] features, float l2, double maxProbabilityGap)
    {
        var reference = MlNetReference(ours, features, l2);
        var ml = new MLContext(seed: 1);
        var oursScored = ours.PredictTest();
        var theirsScored = reference.Transform(ours.TestView);
        var gap = Probabilities(oursScored).Zip(Probabilities(theirsScored), (a, b) => Math.Abs(a - b)).Max();
        Assert.True(gap < maxProbabilityGap, $"largest probability gap {gap}");
        double aucOurs = ml.BinaryClassification.Evaluate(oursScored, ours.Spec.Label).AreaUnderRocCurve;
        double aucTheirs = ml.BinaryClassification.Evaluate(theirsScored, ours.Spec.Label).AreaUnderRocCurve;
        Assert.True(Math.Abs(aucOurs - aucTheirs) < 0.005, $"AUC {aucOurs} (MlBuild) against {aucTheirs} (ML.NET)");
        Assert.True(aucOurs > 0.6, $"AUC {aucOurs}");

        // The zip is a standard ML.NET model: plain MLContext.Model.Load reads it and predicts the same.
        var loaded = new MLContext(seed: 9).Model.Load(new MemoryStream(ours.ModelZipBytes), out _);
        Assert.Equal(Probabilities(oursScored), Probabilities(loaded.Transform(ours.TestView)));
    }

    [Fact]
    public void On_the_churn_sample_it_predicts_as_MLNET_does_and_saves_a_standard_deterministic_zip()
    {
        File.Copy(RepoFile("samples/ChurnModel/data/train.csv"), Path.Combine(_dir.Path, "train.csv"));
        File.Copy(RepoFile("samples/ChurnModel/data/train.schema.json"), Path.Combine(_dir.Path, "train.schema.json"));
        string[] features = ["age", "tenure_months", "monthly_charges", "support_calls", "last_active_date"];
        var pipeline = Pipeline("churned", string.Join(", ", features.Select(f => $"\"{f}\"")), "\"l1Regularization\": 0");
        var first = Train(pipeline, readThreads: 2);
        AgreesWithMlNet(first, features, 1, 0.01);

        // Deterministic: the same bytes whatever the reader's thread count.
        var second = Train(pipeline, readThreads: 1);
        Assert.Equal(first.ModelZipBytes, second.ModelZipBytes);
    }

    [Fact]
    public void On_generated_data_with_missing_values_and_uneven_scales_it_matches_MLNET()
    {
        var random = new Random(77);
        var csv = new StringBuilder("id,a,b,c,d,y\n");
        for (int i = 1; i <= 20000; i++)
        {
            double a = random.NextDouble() * 2 - 1, b = 1000 + 50 * (random.NextDouble() - 0.5), c = random.Next(5), d = 15 + random.NextDouble();
            double logit = 1.5 * a + 0.04 * (b - 1000) - 0.3 * c + 0.5 * (d - 15.5) + (random.NextDouble() - 0.5);
            bool y = random.NextDouble() < 1 / (1 + Math.Exp(-logit));
            csv.Append(CultureInfo.InvariantCulture, $"{i},{(i % 29 == 0 ? "" : a.ToString("R", CultureInfo.InvariantCulture))},{b.ToString("R", CultureInfo.InvariantCulture)},{c},{d.ToString("R", CultureInfo.InvariantCulture)},{(y ? 1 : 0)}\n");
        }
        _dir.Write("train.csv", csv.ToString());
        _dir.Write("train.schema.json", """
        {"schemaVersion": 1, "columns": [
          {"name": "id", "type": "integer", "nullable": false}, {"name": "a", "type": "float"}, {"name": "b", "type": "float"},
          {"name": "c", "type": "integer"}, {"name": "d", "type": "float"}, {"name": "y", "type": "integer", "nullable": false}]}
        """);
        var first = Train(Pipeline("y", "\"a\", \"b\", \"c\", \"d\"", "\"l1Regularization\": 0, \"l2Regularization\": 0.5"));
        AgreesWithMlNet(first, ["a", "b", "c", "d"], 0.5f, 0.01);
        Assert.Equal(first.ModelZipBytes, Train(Pipeline("y", "\"a\", \"b\", \"c\", \"d\"", "\"l1Regularization\": 0, \"l2Regularization\": 0.5"), readThreads: 1).ModelZipBytes);
    }

    [Fact]
    public void An_L1_term_trains_with_MLNETs_trainer_and_a_bad_value_is_a_coded_diagnostic_on_either_path()
    {
        File.Copy(RepoFile("samples/ChurnModel/data/train.csv"), Path.Combine(_dir.Path, "train.csv"));
        File.Copy(RepoFile("samples/ChurnModel/data/train.schema.json"), Path.Combine(_dir.Path, "train.schema.json"));
        const string features = "\"age\", \"tenure_months\", \"support_calls\"";
        // Float hyperparameters reach ML.NET's options (l1 and l2 are float fields there).
        var l1 = Train(Pipeline("churned", features, "\"l1Regularization\": 0.5, \"l2Regularization\": 0.5"));
        var l1Auc = new MLContext(seed: 1).BinaryClassification.Evaluate(l1.PredictTest(), "churned").AreaUnderRocCurve;
        Assert.True(l1Auc > 0.6, $"AUC {l1Auc}");
        foreach (var hyper in new[] { "\"l1Regularization\": 0, \"historySize\": 0.5", "\"l1Regularization\": 1, \"historySize\": 0.5" })
        {
            _dir.Write("mlbuild.json", Pipeline("churned", features, hyper));
            var error = Assert.Throws<global::MlBuild.Core.Diagnostics.MlBuildException>(() =>
                ModelTrainer.Train(PipelineLoader.Load(Path.Combine(_dir.Path, "mlbuild.json"), "mlbuild.json")));
            Assert.Contains("historySize", error.Diagnostic.Message);
            Assert.StartsWith("MLB9", error.Diagnostic.Code);
        }
    }

    [Fact]
    public void An_L1_term_or_a_text_feature_keeps_MLNETs_trainer()
    {
        var position = new global::MlBuild.Core.Models.Gates.SourcePosition("mlbuild.json");
        ModelSpec Spec(params (string, double)[] hyper) => new()
        {
            Name = "m", Task = global::MlBuild.Core.Models.Evaluation.ModelTask.Binary, Label = "y",
            Trainer = new TrainerSpec("lbfgs", hyper.Select(h => new Hyperparameter(h.Item1, h.Item2, position)).ToList(), position),
        };
        var numeric = new[] { new FeatureColumnPlan("a", global::MlBuild.Core.Data.Schema.ColumnType.Float, FeatureHandling.Numeric) };
        var text = numeric.Append(new FeatureColumnPlan("t", global::MlBuild.Core.Data.Schema.ColumnType.String, FeatureHandling.Text)).ToArray();
        Assert.True(LogisticRegressionFit.Applies(Spec(("l1Regularization", 0)), numeric));
        Assert.False(LogisticRegressionFit.Applies(Spec(), numeric)); // ML.NET's default L1 weight is 1
        Assert.False(LogisticRegressionFit.Applies(Spec(("l1Regularization", 0.5)), numeric));
        Assert.False(LogisticRegressionFit.Applies(Spec(("l1Regularization", 0)), text));
    }
}
