using Microsoft.ML;
using Microsoft.ML.Data;
using MlBuild.Core.Diagnostics;
using MlBuild.Core.Models.Evaluation;
using MlBuild.Core.Models.Training;
using MlBuild.Core.Pipeline;

namespace MlBuild.Core.Tests.Training;

public sealed class ModelTrainerTests : IDisposable
{
    readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    PipelineFile Pipeline() => PipelineLoader.Load(Path.Combine(_dir.Path, "mlbuild.json"), "mlbuild.json");

    TrainedModel TrainOk(int readThreads = 2, bool quick = false)
    {
        var outcome = ModelTrainer.Train(Pipeline(), new TrainingOptions { ReadParallelism = readThreads, Quick = quick });
        Assert.True(outcome.Model is not null, TrainingData.Lines(outcome.Diagnostics));
        Assert.Equal(0, outcome.ExitCode);
        return outcome.Model!;
    }

    public static TheoryData<string, string, string> Trainers => new()
    {
        { "binary", "lbfgs", "" },
        { "binary", "sdca", "\"maximumNumberOfIterations\": 10" },
        { "binary", "lightgbm", "\"numberOfIterations\": 20, \"numberOfLeaves\": 8" },
        { "binary", "fasttree", "\"numberOfTrees\": 20, \"numberOfLeaves\": 8" },
        { "multiclass", "lbfgs", "\"maximumNumberOfIterations\": 50" },
        { "multiclass", "lightgbm", "\"numberOfIterations\": 20" },
        { "regression", "sdca", "\"maximumNumberOfIterations\": 10" },
        { "regression", "lightgbm", "\"numberOfIterations\": 30" },
        { "regression", "fasttree", "\"numberOfTrees\": 30" },
    };

    [Theory]
    [MemberData(nameof(Trainers))]
    public void Every_trainer_learns_the_signal_and_one_seed_gives_one_model_byte_for_byte(string task, string trainer, string hyper)
    {
        var label = task switch { "binary" => "y_bin", "regression" => "y_num", _ => "y_cls" };
        TrainingData.WriteAll(_dir, 600, TrainingData.Pipeline(task, trainer, label, hyper.Length == 0 ? "" : $", \"hyperparameters\": {{ {hyper} }}"));
        var first = TrainOk(readThreads: 2);
        var second = TrainOk(readThreads: 1);
        Assert.Equal(first.CanonicalHash, second.CanonicalHash);
        Assert.Equal(first.ModelZipBytes, second.ModelZipBytes);
        Assert.Equal(first.CanonicalHash, ModelZip.CanonicalHash(new MemoryStream(first.ModelZipBytes)));

        // Skill on the held-out rows: the featurisation carried the signal to the trainer.
        var ml = first.Context;
        var predictions = first.PredictTest();
        // MlBuild's evaluation of the same predictions (TestPredictions -> Models/Evaluation) agrees with ML.NET's.
        var ours = Evaluator.Evaluate(TestPredictions.Of(first).Set, new IntervalOptions { Resamples = 100 }).ToDictionary(m => m.Metric, m => m.Value);
        switch (task)
        {
            case "binary":
                var auc = ml.BinaryClassification.EvaluateNonCalibrated(predictions, label).AreaUnderRocCurve;
                Assert.True(auc > 0.8, $"AUC {auc}");
                Assert.Equal(auc, ours["auc"], 6);
                break;
            case "multiclass":
                var accuracy = ml.MulticlassClassification.Evaluate(predictions, first.LabelColumn).MicroAccuracy;
                Assert.True(accuracy > 0.6, $"accuracy {accuracy}");
                Assert.Equal(accuracy, ours["accuracy"], 9);
                break;
            default:
                var regression = ml.Regression.Evaluate(predictions, label);
                Assert.True(regression.RSquared > 0.6, $"R2 {regression.RSquared}");
                Assert.Equal(regression.RootMeanSquaredError, ours["rmse"], 5);
                break;
        }

        // The saved zip loads and scores the test rows exactly as the model in memory does.
        var loaded = new MLContext(seed: 1).Model.Load(new MemoryStream(first.ModelZipBytes), out var inputSchema);
        Assert.Equal(first.InputSchema.Select(c => c.Name), inputSchema.Select(c => c.Name));
        Assert.Equal(Scores(predictions), Scores(loaded.Transform(first.TestView)));
    }

    static List<float> Scores(IDataView predictions)
    {
        var column = predictions.Schema["Score"];
        var result = new List<float>();
        using var cursor = predictions.GetRowCursor([column]);
        if (column.Type is VectorDataViewType)
        {
            var getter = cursor.GetGetter<VBuffer<float>>(column);
            var buffer = default(VBuffer<float>);
            while (cursor.MoveNext()) { getter(ref buffer); result.AddRange(buffer.DenseValues()); }
        }
        else
        {
            var getter = cursor.GetGetter<float>(column);
            float value = 0;
            while (cursor.MoveNext()) { getter(ref value); result.Add(value); }
        }
        return result;
    }

    [Fact]
    public void Features_follow_the_schema_and_each_choice_can_be_overridden()
    {
        TrainingData.WriteAll(_dir, 300, TrainingData.Pipeline("binary", "lbfgs", "y_bin",
            ", \"featurization\": { \"normalize\": \"minMax\", \"missing\": \"zero\", \"columns\": { \"x2\": \"oneHot\", \"note\": \"ignore\", \"cat\": \"oneHotHash\" } }"));
        var model = TrainOk();
        Assert.Equal([("x1", FeatureHandling.Numeric), ("x2", FeatureHandling.OneHot), ("cat", FeatureHandling.OneHotHash), ("day", FeatureHandling.Numeric), ("flag", FeatureHandling.Numeric)],
            model.Features.Select(f => (f.Column, f.Handling)));
        Assert.Equal(Normalization.MinMax, model.Normalization);

        TrainingData.WriteAll(_dir, 300, TrainingData.Pipeline("binary", "lightgbm", "y_bin"));
        var auto = TrainOk();
        Assert.Equal([("x1", FeatureHandling.Numeric), ("x2", FeatureHandling.Numeric), ("cat", FeatureHandling.OneHot), ("note", FeatureHandling.Text), ("day", FeatureHandling.Numeric), ("flag", FeatureHandling.Numeric)],
            auto.Features.Select(f => (f.Column, f.Handling)));
        Assert.Equal(Normalization.None, auto.Normalization); // trees: no rescaling unless asked
        Assert.NotEqual(model.CanonicalHash, auto.CanonicalHash);
    }

    [Fact]
    public void A_different_seed_gives_a_different_split_and_model()
    {
        TrainingData.WriteAll(_dir, 400, TrainingData.Pipeline("binary", "sdca", "y_bin"));
        var a = TrainOk();
        _dir.Write("mlbuild.json", TrainingData.Pipeline("binary", "sdca", "y_bin").Replace("\"seed\": 11", "\"seed\": 12"));
        var b = TrainOk();
        Assert.NotEqual(a.TestView.Rows, b.TestView.Rows);
        Assert.NotEqual(a.CanonicalHash, b.CanonicalHash);
    }

    [Fact]
    public void Quick_train_uses_the_seeded_sample_and_a_separate_test_dataset_replaces_the_split()
    {
        TrainingData.WriteAll(_dir, 500, TrainingData.Pipeline("binary", "lbfgs", "y_bin", ", \"quickTrain\": { \"rows\": 120 }"));
        var quick = TrainOk(quick: true);
        Assert.Equal(120, quick.TrainView.Rows.Count);
        Assert.True(quick.TrainRowsBeforeSample > 300);
        Assert.Empty(quick.TrainView.Rows.Intersect(quick.TestView.Rows));
        Assert.Equal(quick.TrainRowsBeforeSample, TrainOk(quick: false).TrainView.Rows.Count);

        _dir.Write("test.csv", TrainingData.Csv(80));
        _dir.Write("mlbuild.json", TrainingData.Pipeline("binary", "lbfgs", "y_bin",
            datasets: ", \"holdout\": { \"path\": \"test.csv\", \"schema\": \"train.schema.json\" }")
            .Replace("\"split\": { \"test\": 0.25, \"key\": \"id\" }", "\"split\": { \"testDataset\": \"holdout\" }"));
        var separate = TrainOk();
        Assert.Equal(500, separate.TrainView.Rows.Count);
        Assert.Equal(80, separate.TestView.Rows.Count);
        Assert.Equal(["train", "holdout"], separate.Datasets.Select(d => d.Name));
        Assert.Equal(64, separate.Datasets[1].Files[0].Sha256.Length);
    }

    [Fact]
    public void A_label_with_missing_values_is_MLB3301_at_the_first_empty_cell()
    {
        var csv = TrainingData.Csv(200).Split('\n');
        var cells = csv[5].Split(',');
        cells[7] = "";
        csv[5] = string.Join(',', cells);
        TrainingData.WriteAll(_dir, 0, TrainingData.Pipeline("binary", "lbfgs", "y_bin"));
        _dir.Write("train.csv", string.Join('\n', csv));
        var outcome = ModelTrainer.Train(Pipeline());
        Assert.Null(outcome.Model);
        var d = outcome.Diagnostics[0];
        Assert.Equal(("MLB3301", "train.csv", 6, 8), (d.Code, d.File, d.Line, d.Column));
        Assert.Contains("missing in 1 row(s), first in record 5", d.Message);
    }

    [Fact]
    public void Bad_values_in_training_data_are_the_data_checks_diagnostics_and_no_model()
    {
        var csv = TrainingData.Csv(200).Replace("\n17,", "\n17,not-a-number-");
        TrainingData.WriteAll(_dir, 0, TrainingData.Pipeline("binary", "lbfgs", "y_bin"));
        _dir.Write("train.csv", csv);
        var outcome = ModelTrainer.Train(Pipeline());
        Assert.Null(outcome.Model);
        Assert.Equal(1, outcome.ExitCode);
        var lines = TrainingData.Lines(outcome.Diagnostics);
        Assert.Contains("train.csv(18,2): error MLB1001: column 'x1' value 'not-a-number-", lines);
        Assert.Contains("error MLB3304: Dataset 'train' failed its checks", lines);
    }

    [Fact]
    public void A_single_class_and_a_non_binary_integer_label_are_MLB3302()
    {
        TrainingData.WriteAll(_dir, 0, TrainingData.Pipeline("binary", "lbfgs", "y_bin"));
        _dir.Write("train.csv", TrainingData.Csv(100).Replace(",true,", ",false,").Replace(",true,", ",false,"));
        var single = ModelTrainer.Train(Pipeline());
        Assert.Equal("MLB3302", single.Diagnostics[0].Code);
        Assert.Contains("single class", single.Diagnostics[0].Message);

        _dir.Write("train.csv", TrainingData.Csv(100));
        _dir.Write("mlbuild.json", TrainingData.Pipeline("binary", "lbfgs", "x2").Replace("\"allBut\": [\"y_bin\", \"y_num\", \"y_cls\"]", "\"allBut\": [\"y_bin\", \"y_num\", \"y_cls\", \"note\"]"));
        var integer = ModelTrainer.Train(Pipeline());
        var d = integer.Diagnostics[0];
        Assert.Equal(("MLB3302", "mlbuild.json", 4), (d.Code, d.File, d.Line));
        Assert.Contains("must be 0 or 1", d.Message);
    }

    [Fact]
    public void Unknown_columns_and_wrong_label_types_are_MLB9209_where_the_pipeline_file_names_them()
    {
        TrainingData.WriteAll(_dir, 50, TrainingData.Pipeline("binary", "lbfgs", "y_bin").Replace("\"allBut\": [\"y_bin\", \"y_num\", \"y_cls\"]", "\"allBut\": [\"y_bin\", \"nope\"]"));
        var d = Assert.Throws<MlBuildException>(() => ModelTrainer.Train(Pipeline())).Diagnostic;
        Assert.Equal(("MLB9209", "mlbuild.json", 5), (d.Code, d.File, d.Line));
        Assert.Contains("'nope' is not a column", d.Message);

        _dir.Write("mlbuild.json", TrainingData.Pipeline("regression", "sdca", "cat"));
        d = Assert.Throws<MlBuildException>(() => ModelTrainer.Train(Pipeline())).Diagnostic;
        Assert.Equal(("MLB9209", 4), (d.Code, d.Line));
        Assert.Contains("regression label must be a number", d.Message);
    }

    [Fact]
    public void An_empty_test_split_is_MLB3303()
    {
        TrainingData.WriteAll(_dir, 4, TrainingData.Pipeline("binary", "lbfgs", "y_bin").Replace("\"test\": 0.25", "\"test\": 0.001"));
        var outcome = ModelTrainer.Train(Pipeline());
        Assert.Null(outcome.Model);
        Assert.Equal("MLB3303", outcome.Diagnostics[0].Code);
        Assert.Contains("test split is empty (4 rows read, 4 for training, 0 for testing)", outcome.Diagnostics[0].Message);
    }
}
