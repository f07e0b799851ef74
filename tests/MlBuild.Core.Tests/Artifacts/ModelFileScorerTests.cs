using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlBuild.Core.Diagnostics;
using MlBuild.Core.Models.Artifacts;
using MlBuild.Core.Models.Training;
using MlBuild.Core.Pipeline;
using MlBuild.Core.Tests.Training;

namespace MlBuild.Core.Tests.Artifacts;

/// <summary>
/// <see cref="ModelFileScorer"/>: an ONNX file scoring the held-out rows of a pipeline whose own model is a built-in
/// trainer's (what <c>dotnet ml golden record --model x.onnx</c> records).
/// </summary>
public sealed class ModelFileScorerTests : IDisposable
{
    readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>The columns the user's multiclass model reads (by position in train.csv; by name in a golden file).</summary>
    public sealed class Reading
    {
        [LoadColumn(1)] public float x1 { get; set; }
        [LoadColumn(2)] public float x2 { get; set; }
        [LoadColumn(3)] public string cat { get; set; } = "";
        [LoadColumn(9)] public string y_cls { get; set; } = "";
    }

    TrainedModel TrainPipelineModel()
    {
        TrainingData.WriteAll(_dir, 600, TrainingData.Pipeline("multiclass", "lbfgs", "y_cls", ", \"hyperparameters\": { \"maximumNumberOfIterations\": 50 }"));
        var outcome = ModelTrainer.Train(PipelineLoader.Load(Path.Combine(_dir.Path, "mlbuild.json"), "mlbuild.json"), new TrainingOptions { Quick = true });
        Assert.True(outcome.Model is not null, TrainingData.Lines(outcome.Diagnostics));
        return outcome.Model!;
    }

    [Fact]
    public void A_multiclass_ONNX_file_records_its_own_class_probabilities_for_the_pipelines_held_out_rows()
    {
        using var trained = TrainPipelineModel();
        // The team's own multiclass model (another featurisation), exported to ONNX.
        var ml = new MLContext(seed: 3);
        var data = ml.Data.LoadFromTextFile<Reading>(Path.Combine(_dir.Path, "train.csv"), separatorChar: ',', hasHeader: true);
        var model = ml.Transforms.ReplaceMissingValues("x1")
            .Append(ml.Transforms.Categorical.OneHotEncoding("cat1h", "cat"))
            .Append(ml.Transforms.Concatenate("Features", "x1", "x2", "cat1h"))
            .Append(ml.Transforms.Conversion.MapValueToKey("y_cls", keyOrdinality: Microsoft.ML.Transforms.ValueToKeyMappingEstimator.KeyOrdinality.ByValue))
            .Append(ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(labelColumnName: "y_cls"))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"))
            .Fit(data);
        var onnx = Path.Combine(_dir.Path, "cls.onnx");
        using (var f = File.Create(onnx)) ml.Model.ConvertToOnnx(model, data, f);

        var scorer = ModelFileScorer.Load(onnx, "cls.onnx", trained);
        byte[] golden;
        try
        {
            golden = GoldenFile.Record(trained, 12, 5, scorer);
        }
        finally
        {
            (scorer as IDisposable)?.Dispose();
        }
        var path = _dir.WriteBytes("golden.csv", golden);

        // Each recorded row holds the ONNX model's three probabilities, in its output's order, for the inputs beside them.
        var lines = File.ReadAllLines(path);
        var header = lines[0].Split(',');
        Assert.Equal(["expected.score[0]", "expected.score[1]", "expected.score[2]"], header[^3..]);
        var inputs = ml.Data.CreateTextLoader(new TextLoader.Options
        {
            Separators = [','], HasHeader = true, AllowQuoting = true,
            // The model's chain maps the label too, though prediction does not read it: any text will do.
            Columns = [new("x1", DataKind.Single, Array.IndexOf(header, "x1")), new("x2", DataKind.Single, Array.IndexOf(header, "x2")),
                new("cat", DataKind.String, Array.IndexOf(header, "cat")), new("y_cls", DataKind.String, Array.IndexOf(header, "cat"))],
        }).Load(path);
        var own = model.Transform(inputs).GetColumn<float[]>("Score").ToArray();
        Assert.Equal(12, own.Length);
        for (int r = 0; r < 12; r++)
        {
            var recorded = lines[r + 1].Split(',')[^3..].Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            for (int c = 0; c < 3; c++) Assert.Equal(own[r][c], recorded[c], 1e-5);
        }
    }

    [Fact]
    public void An_ONNX_file_whose_inputs_the_rows_lack_is_MLB3413_naming_the_file()
    {
        using var trained = TrainPipelineModel();
        var ml = new MLContext(seed: 3);
        var data = ml.Data.LoadFromEnumerable(new[] { new Unrelated { other = 1, y = true }, new Unrelated { other = 2, y = false } });
        var model = ml.Transforms.Concatenate("Features", "other").Append(ml.BinaryClassification.Trainers.LbfgsLogisticRegression(labelColumnName: "y")).Fit(data);
        var onnx = Path.Combine(_dir.Path, "other.onnx");
        using (var f = File.Create(onnx)) ml.Model.ConvertToOnnx(model, data, f);

        var ex = Assert.Throws<MlBuildException>(() => ModelFileScorer.Load(onnx, "models/other.onnx", trained));
        Assert.Equal(("MLB3413", "models/other.onnx"), (ex.Diagnostic.Code, ex.Diagnostic.File));
        Assert.Contains("input 'other'", ex.Diagnostic.Message, StringComparison.Ordinal);
    }

    /// <summary>A model of columns the pipeline's data does not have.</summary>
    public sealed class Unrelated
    {
        public float other { get; set; }
        public bool y { get; set; }
    }
}
