using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using System.Text.Json;
using MlBuild.Core.Diagnostics;
using MlBuild.Core.Models.Artifacts;
using MlBuild.Core.Models.Evaluation;
using MlBuild.Core.Models.Training;
using MlBuild.Core.Pipeline;
using MlBuild.Core.Tests.Training;

namespace MlBuild.Core.Tests.External;

/// <summary>
/// Bring your own model: an ML.NET zip and an ONNX model trained here with ML.NET (as a team would in its own code),
/// and the user's training command, each named by a pipeline file and run through <see cref="ModelTrainer.Train"/>.
/// </summary>
public sealed class ExternalModelTests : IDisposable
{
    readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>The columns a user's training code reads from the CSV TrainingData writes (x1 is sometimes empty).</summary>
    public sealed class Customer
    {
        [LoadColumn(1)] public float x1 { get; set; }
        [LoadColumn(2)] public float x2 { get; set; }
        [LoadColumn(3)] public string cat { get; set; } = "";
        [LoadColumn(7)] public bool y_bin { get; set; }
    }

    /// <summary>The same, with the category column under another name (so an ONNX input needs a mapping).</summary>
    public sealed class RenamedCustomer
    {
        [LoadColumn(1)] public float x1 { get; set; }
        [LoadColumn(2)] public float x2 { get; set; }
        [LoadColumn(3), ColumnName("segment")] public string cat { get; set; } = "";
        [LoadColumn(7)] public bool y_bin { get; set; }
    }

    /// <summary>Trains a logistic regression on train.csv with ML.NET's own loader and saves it as a zip and as ONNX.</summary>
    (MLContext Ml, ITransformer Model, IDataView Data) TrainUserModel<T>(string zipName, string? onnxName = null, string cat = "cat")
    {
        var ml = new MLContext(seed: 3);
        var data = ml.Data.LoadFromTextFile<T>(Path.Combine(_dir.Path, "train.csv"), separatorChar: ',', hasHeader: true);
        var model = ml.Transforms.ReplaceMissingValues("x1")
            .Append(ml.Transforms.Categorical.OneHotEncoding("cat1h", cat))
            .Append(ml.Transforms.Concatenate("Features", "x1", "x2", "cat1h"))
            .Append(ml.BinaryClassification.Trainers.LbfgsLogisticRegression(labelColumnName: "y_bin"))
            .Fit(data);
        Directory.CreateDirectory(Path.Combine(_dir.Path, "models"));
        ml.Model.Save(model, data.Schema, Path.Combine(_dir.Path, "models", zipName));
        if (onnxName is not null)
            using (var f = File.Create(Path.Combine(_dir.Path, "models", onnxName)))
                ml.Model.ConvertToOnnx(model, data, f);
        return (ml, model, data);
    }

    void WritePipeline(string modelKeys) =>
        TrainingData.WriteAll(_dir, 600, $$"""
        {
          "datasets": { "train": { "path": "train.csv", "schema": "train.schema.json" } },
          "model": {
            "name": "m", "task": "binary", "label": "y_bin",
            "split": { "test": 0.25, "key": "id" },
            "seed": 11,
            {{modelKeys}}
          }
        }
        """);

    TrainingOutcome Train(bool quick = false) =>
        ModelTrainer.Train(PipelineLoader.Load(Path.Combine(_dir.Path, "mlbuild.json"), "mlbuild.json"), new TrainingOptions { Quick = quick, ReadParallelism = 2 });

    TrainedModel TrainOk(bool quick = false)
    {
        var outcome = Train(quick);
        Assert.True(outcome.Model is not null, TrainingData.Lines(outcome.Diagnostics));
        return outcome.Model!;
    }

    /// <summary>The error a bad input stops at, with its place in mlbuild.json when it has one.</summary>
    MlDiagnostic Fails(bool quick = false)
    {
        try
        {
            var outcome = Train(quick);
            Assert.Null(outcome.Model);
            Assert.Equal(2, outcome.ExitCode);
            return outcome.Diagnostics[0];
        }
        catch (MlBuildException ex)
        {
            return ex.Diagnostic;
        }
    }

    /// <summary>The user's own model's probabilities on every row of train.csv, in file order.</summary>
    static float[] OwnProbabilities(ITransformer model, IDataView data) =>
        model.Transform(data).GetColumn<float>("Probability").ToArray();

    [Fact]
    public void An_MLNET_zip_made_elsewhere_is_scored_on_the_test_split_exactly_as_its_own_code_scores_it()
    {
        TrainingData.WriteAll(_dir, 600, "{}");
        var (_, model, data) = TrainUserModel<Customer>("user.zip");
        WritePipeline("\"path\": \"models/user.zip\"");

        var trained = TrainOk();
        Assert.Equal("mlnet-zip", trained.Spec.Trainer.Name);
        Assert.Equal(ModelZip.CanonicalHash(Path.Combine(_dir.Path, "models", "user.zip")), trained.CanonicalHash);
        Assert.Equal(["x1", "x2", "cat"], trained.Features.Select(f => f.Column));
        var predictions = TestPredictions.Of(trained);
        var own = OwnProbabilities(model, data);
        // The test split is the seeded hash split of the built-in trainers: the rows differ from the training rows.
        Assert.Equal(trained.TestView.Rows.Select(r => (double)own[r]), predictions.Set.Scores!);
        Assert.InRange(trained.TestView.Rows.Count, 100, 200);
        Assert.Empty(trained.TestView.Rows.Intersect(trained.TrainView.Rows));
        var auc = Evaluator.Evaluate(predictions.Set, new IntervalOptions { Resamples = 200 }).Single(m => m.Metric == "auc");
        Assert.True(auc.Value > 0.8, $"auc {auc.Value}");
    }

    [Fact]
    public void An_ONNX_model_is_scored_with_ONNX_Runtime_and_agrees_with_the_MLNET_model_it_was_exported_from()
    {
        TrainingData.WriteAll(_dir, 600, "{}");
        var (_, model, data) = TrainUserModel<Customer>("user.zip", "user.onnx");
        WritePipeline("\"onnx\": \"models/user.onnx\"");

        var trained = TrainOk();
        Assert.Equal("onnx", trained.Spec.Trainer.Name);
        Assert.Equal(".onnx", trained.ModelFileExtension);
        Assert.Equal(File.ReadAllBytes(Path.Combine(_dir.Path, "models", "user.onnx")), trained.ModelZipBytes);
        var predictions = TestPredictions.Of(trained);
        var own = OwnProbabilities(model, data);
        var rows = trained.TestView.Rows;
        for (int i = 0; i < rows.Count; i++)
            Assert.True(Math.Abs(own[rows[i]] - predictions.Set.Scores![i]) < 1e-5, $"row {rows[i]}: {own[rows[i]]} vs {predictions.Set.Scores![i]}");
        Assert.Equal(rows.Select(r => own[r] > 0.5f ? 1 : 0), predictions.Set.Predicted!);

        // Detected from the file too: model.path naming the .onnx file gives the same scores.
        WritePipeline("\"path\": \"models/user.onnx\"");
        using (var detected = TrainOk())
            Assert.Equal(predictions.Set.Scores!, TestPredictions.Of(detected).Set.Scores!);

        // Disposing the trained model releases ONNX Runtime's native session: it no longer scores.
        trained.Dispose();
        Assert.Throws<ObjectDisposedException>(() => TestPredictions.Of(trained));
    }

    [Theory]
    [InlineData("onnx", "user.onnx", "m.onnx")]
    [InlineData("path", "user.zip", "m.zip")]
    public void A_model_made_elsewhere_is_published_as_its_own_file_with_its_artifact_gates(string key, string file, string published)
    {
        TrainingData.WriteAll(_dir, 600, "{}");
        TrainUserModel<Customer>("user.zip", "user.onnx");
        _dir.Write("mlbuild.json", $$"""
        {
          "datasets": { "train": { "path": "train.csv", "schema": "train.schema.json" } },
          "model": {
            "name": "m", "task": "binary", "label": "y_bin",
            "split": { "test": 0.25, "key": "id" },
            "seed": 11,
            "{{key}}": "models/{{file}}"
          },
          "gates": [
            { "metric": "auc", "min": 0.6 },
            { "artifact": "size", "maxMB": 5 },
            { "artifact": "roundtrip" },
            { "latency": "p95", "maxMs": 1000 },
            { "artifact": "golden", "file": "golden.csv" },
            { "artifact": "reproducibility", "require": "identical" }
          ]
        }
        """);
        using (var recorded = TrainOk()) // the golden rows as `dotnet ml golden record` records them
            File.WriteAllBytes(Path.Combine(_dir.Path, "golden.csv"), GoldenFile.Record(recorded, 20, 11));
        var output = Path.Combine(_dir.Path, "out");

        var outcome = ModelPublisher.Run(new PublishRequest { ProjectDirectory = _dir.Path, Pipeline = "mlbuild.json", OutputDirectory = output });

        Assert.True(outcome.ExitCode == 0, TrainingData.Lines(outcome.Diagnostics));
        Assert.Equal(new[] { "gates.json", "lineage.json", "metrics.json", published, "model-card.md", "schema.json" }.Order(StringComparer.Ordinal), outcome.Files);
        var given = File.ReadAllBytes(Path.Combine(_dir.Path, "models", file));
        if (key == "onnx") Assert.Equal(given, File.ReadAllBytes(Path.Combine(output, published))); // the ONNX bytes as given
        using (var gates = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(output, "gates.json"))))
        {
            var verdicts = gates.RootElement.GetProperty("gates").EnumerateArray().ToDictionary(g => g.GetProperty("kind").GetString()!, g => g);
            Assert.Equal("PASS", gates.RootElement.GetProperty("verdict").GetString());
            Assert.Equal("PASS", verdicts["round-trip"].GetProperty("verdict").GetString());
            Assert.Equal(0, verdicts["round-trip"].GetProperty("value").GetDouble()); // loaded back, it scores exactly as before
            Assert.Equal("PASS", verdicts["latency"].GetProperty("verdict").GetString());
            Assert.Equal("PASS", verdicts["size"].GetProperty("verdict").GetString());
            Assert.Equal("PASS", verdicts["golden"].GetProperty("verdict").GetString()); // the published file scores the golden rows as recorded
            Assert.Equal(given.Length / 1e6, verdicts["size"].GetProperty("value").GetDouble(), 9);
            Assert.Equal("SKIPPED", verdicts["reproducibility"].GetProperty("verdict").GetString());
        }
        var skipped = Assert.Single(outcome.Diagnostics, d => d.Code == DiagnosticCodes.NotReproducible);
        Assert.Equal(MlSeverity.Info, skipped.Severity);
        Assert.Contains($"does not apply: the model is the file 'models/{file}' made elsewhere", skipped.Message, StringComparison.Ordinal);
        using (var lineage = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(output, "lineage.json"))))
            Assert.Equal(published, lineage.RootElement.GetProperty("modelFile").GetString());
        Assert.Contains($"- File: `{published}`, {given.Length.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} bytes", File.ReadAllText(Path.Combine(output, "model-card.md")), StringComparison.Ordinal);
        if (key == "onnx") Assert.Contains("- Format: ONNX, scored with ONNX Runtime", File.ReadAllText(Path.Combine(output, "model-card.md")), StringComparison.Ordinal);
        Assert.Contains(outcome.Messages, m => m.StartsWith("m: trained ", StringComparison.Ordinal) && m.Contains($"; {published} sha256:", StringComparison.Ordinal));
    }

    [Fact]
    public void An_ONNX_input_named_otherwise_fails_at_the_model_file_until_the_inputs_map_names_its_column()
    {
        TrainingData.WriteAll(_dir, 600, "{}");
        TrainUserModel<RenamedCustomer>("renamed.zip", "renamed.onnx", cat: "segment");
        WritePipeline("\"onnx\": \"models/renamed.onnx\"");
        var d = Fails();
        Assert.Equal("MLB3413", d.Code);
        Assert.Equal(("mlbuild.json", 7, 13), (d.File, d.Line, d.Column));
        Assert.Contains("input 'segment' (String[?,1])", d.Message);
        Assert.Contains("model.onnx.inputs", d.Message);

        WritePipeline("\"onnx\": { \"path\": \"models/renamed.onnx\", \"inputs\": { \"segment\": \"cat\" }, \"output\": \"Probability.output\" }");
        var trained = TrainOk();
        Assert.Contains(trained.Features, f => f.Column == "cat");
        Assert.True(TestPredictions.Of(trained).Set.Scores!.All(s => s is >= 0 and <= 1));

        // A mapped column the data lacks is named where the mapping is written.
        WritePipeline("\"onnx\": { \"path\": \"models/renamed.onnx\", \"inputs\": { \"segment\": \"segmnt\" } }");
        d = Fails();
        Assert.Equal(("MLB3413", 7, 58), (d.Code, d.Line, d.Column));
        Assert.Contains("'segmnt', which is not a column of the data", d.Message);
    }

    /// <summary>The columns of a multiclass and a regression model (labels y_cls and y_num).</summary>
    public sealed class Reading
    {
        [LoadColumn(1)] public float x1 { get; set; }
        [LoadColumn(2)] public float x2 { get; set; }
        [LoadColumn(3)] public string cat { get; set; } = "";
        [LoadColumn(8)] public float y_num { get; set; }
        [LoadColumn(9)] public string y_cls { get; set; } = "";
    }

    [Theory]
    [InlineData("\"path\": \"models/cls.zip\"")]
    [InlineData("\"onnx\": { \"path\": \"models/cls.onnx\", \"classes\": [\"high\", \"low\", \"mid\"] }")]
    public void A_multiclass_model_made_elsewhere_gives_the_class_probabilities_of_its_own_code(string modelKeys)
    {
        TrainingData.WriteAll(_dir, 600, "{}");
        var ml = new MLContext(seed: 3);
        var data = ml.Data.LoadFromTextFile<Reading>(Path.Combine(_dir.Path, "train.csv"), separatorChar: ',', hasHeader: true);
        var model = ml.Transforms.ReplaceMissingValues("x1")
            .Append(ml.Transforms.Categorical.OneHotEncoding("cat1h", "cat"))
            .Append(ml.Transforms.Concatenate("Features", "x1", "x2", "cat1h"))
            .Append(ml.Transforms.Conversion.MapValueToKey("y_cls", keyOrdinality: Microsoft.ML.Transforms.ValueToKeyMappingEstimator.KeyOrdinality.ByValue))
            .Append(ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(labelColumnName: "y_cls"))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"))
            .Fit(data);
        Directory.CreateDirectory(Path.Combine(_dir.Path, "models"));
        ml.Model.Save(model, data.Schema, Path.Combine(_dir.Path, "models", "cls.zip"));
        using (var f = File.Create(Path.Combine(_dir.Path, "models", "cls.onnx"))) ml.Model.ConvertToOnnx(model, data, f);
        TrainingData.WriteAll(_dir, 600, $$"""
        { "datasets": { "train": { "path": "train.csv", "schema": "train.schema.json" } },
          "model": { "name": "m", "task": "multiclass", "label": "y_cls", "split": { "test": 0.25, "key": "id" }, {{modelKeys}} } }
        """);

        var trained = TrainOk();
        var predictions = TestPredictions.Of(trained);
        Assert.Equal(["high", "low", "mid"], predictions.Classes);
        var own = model.Transform(data).GetColumn<float[]>("Score").ToArray();
        var labels = data.GetColumn<string>("y_cls").ToArray();
        var rows = trained.TestView.Rows;
        for (int i = 0; i < rows.Count; i++)
        {
            Assert.Equal(Array.IndexOf(["high", "low", "mid"], labels[rows[i]]), (int)predictions.Set.Labels[i]);
            for (int c = 0; c < 3; c++)
                Assert.True(Math.Abs(own[rows[i]][c] - predictions.Set.Probabilities![i * 3 + c]) < 1e-5, $"row {rows[i]} class {c}");
        }
        var accuracy = Evaluator.Evaluate(predictions.Set, new IntervalOptions { Resamples = 100 }).First(m => m.Metric == "accuracy");
        Assert.True(accuracy.Value > 0.6, $"accuracy {accuracy.Value}");
    }

    [Fact]
    public void A_regression_ONNX_model_predicts_what_its_MLNET_original_predicts()
    {
        TrainingData.WriteAll(_dir, 600, "{}");
        var ml = new MLContext(seed: 3);
        var data = ml.Data.LoadFromTextFile<Reading>(Path.Combine(_dir.Path, "train.csv"), separatorChar: ',', hasHeader: true);
        var model = ml.Transforms.ReplaceMissingValues("x1")
            .Append(ml.Transforms.Categorical.OneHotEncoding("cat1h", "cat"))
            .Append(ml.Transforms.Concatenate("Features", "x1", "x2", "cat1h"))
            .Append(ml.Regression.Trainers.Sdca(labelColumnName: "y_num", maximumNumberOfIterations: 50))
            .Fit(data);
        Directory.CreateDirectory(Path.Combine(_dir.Path, "models"));
        using (var f = File.Create(Path.Combine(_dir.Path, "models", "reg.onnx"))) ml.Model.ConvertToOnnx(model, data, f);
        TrainingData.WriteAll(_dir, 600, """
        { "datasets": { "train": { "path": "train.csv", "schema": "train.schema.json" } },
          "model": { "name": "m", "task": "regression", "label": "y_num", "split": { "test": 0.25, "key": "id" }, "path": "models/reg.onnx" } }
        """);
        var trained = TrainOk();
        var predictions = TestPredictions.Of(trained);
        var own = model.Transform(data).GetColumn<float>("Score").ToArray();
        var rows = trained.TestView.Rows;
        for (int i = 0; i < rows.Count; i++)
            Assert.True(Math.Abs(own[rows[i]] - predictions.Set.Scores![i]) < 1e-4, $"row {rows[i]}: {own[rows[i]]} vs {predictions.Set.Scores![i]}");
        var r2 = Evaluator.Evaluate(predictions.Set, new IntervalOptions { Resamples = 100 }).First(m => m.Metric == "r2");
        Assert.True(r2.Value > 0.7, $"r2 {r2.Value}");
    }

    /// <summary>Two number columns read as one vector, as scikit-learn's float_input or an ML.NET Features column.</summary>
    public sealed class VectorCustomer
    {
        [LoadColumn(1, 2), VectorType(2)] public float[] Numbers { get; set; } = [];
        [LoadColumn(7)] public bool y_bin { get; set; }
    }

    [Fact]
    public void A_vector_ONNX_input_is_fed_from_the_listed_columns_in_their_order()
    {
        TrainingData.WriteAll(_dir, 600, "{}");
        var ml = new MLContext(seed: 3);
        var data = ml.Data.LoadFromTextFile<VectorCustomer>(Path.Combine(_dir.Path, "train.csv"), separatorChar: ',', hasHeader: true);
        var model = ml.Transforms.ReplaceMissingValues("Numbers")
            .Append(ml.Transforms.Concatenate("Features", "Numbers"))
            .Append(ml.BinaryClassification.Trainers.LbfgsLogisticRegression(labelColumnName: "y_bin"))
            .Fit(data);
        Directory.CreateDirectory(Path.Combine(_dir.Path, "models"));
        using (var f = File.Create(Path.Combine(_dir.Path, "models", "vec.onnx"))) ml.Model.ConvertToOnnx(model, data, f);

        // Unmapped, the input has no column of its name.
        WritePipeline("\"onnx\": \"models/vec.onnx\"");
        var d = Fails();
        Assert.Equal("MLB3413", d.Code);
        Assert.Contains("input 'Numbers' (Single[?,2])", d.Message);
        // One column for two values: the message says how to list them.
        WritePipeline("\"onnx\": { \"path\": \"models/vec.onnx\", \"inputs\": { \"Numbers\": \"x1\" } }");
        Assert.Contains("takes 2 value(s) per row, but 1 column(s) feed it; list its columns in order", Fails().Message);

        WritePipeline("\"onnx\": { \"path\": \"models/vec.onnx\", \"inputs\": { \"Numbers\": [\"x1\", \"x2\"] } }");
        var trained = TrainOk();
        var own = OwnProbabilities(model, data);
        var scores = TestPredictions.Of(trained).Set.Scores!;
        var rows = trained.TestView.Rows;
        for (int i = 0; i < rows.Count; i++)
            Assert.True(Math.Abs(own[rows[i]] - scores[i]) < 1e-5, $"row {rows[i]}: {own[rows[i]]} vs {scores[i]}");
        // In the other order the model sees other numbers and scores differently.
        WritePipeline("\"onnx\": { \"path\": \"models/vec.onnx\", \"inputs\": { \"Numbers\": [\"x2\", \"x1\"] } }");
        Assert.NotEqual(scores, TestPredictions.Of(TrainOk()).Set.Scores!);
    }

    [Fact]
    public void Bad_model_files_are_coded_at_the_path_in_the_pipeline_file()
    {
        TrainingData.WriteAll(_dir, 200, "{}");
        WritePipeline("\"path\": \"models/none.zip\"");
        var d = Fails();
        Assert.Equal(("MLB3410", "mlbuild.json", 7, 13), (d.Code, d.File, d.Line, d.Column));

        _dir.WriteBytes("models/broken.zip", [.. "PK\u0003\u0004"u8, .. new byte[100]]);
        WritePipeline("\"path\": \"models/broken.zip\"");
        d = Fails();
        Assert.Equal(("MLB3411", 7, 13), (d.Code, d.Line, d.Column));

        _dir.Write("models/text.zip", "not a zip at all");
        WritePipeline("\"path\": \"models/text.zip\"");
        Assert.Equal("MLB3411", Fails().Code);

        _dir.Write("models/broken.onnx", "this is not protobuf");
        WritePipeline("\"onnx\": \"models/broken.onnx\"");
        d = Fails();
        Assert.Equal(("MLB3412", 7, 13), (d.Code, d.Line, d.Column));
        Assert.Contains("'models/broken.onnx' is not an ONNX model ONNX Runtime can load", d.Message);

        // A valid ONNX file cut short.
        TrainUserModel<Customer>("user.zip", "user.onnx");
        var whole = File.ReadAllBytes(Path.Combine(_dir.Path, "models", "user.onnx"));
        _dir.WriteBytes("models/cut.onnx", whole[..(whole.Length / 2)]);
        WritePipeline("\"onnx\": \"models/cut.onnx\"");
        Assert.Equal("MLB3412", Fails().Code);
    }

    [Fact]
    public void A_model_for_another_task_is_refused_for_its_outputs()
    {
        TrainingData.WriteAll(_dir, 300, "{}");
        TrainUserModel<Customer>("user.zip");
        TrainingData.WriteAll(_dir, 300, """
        { "datasets": { "train": { "path": "train.csv", "schema": "train.schema.json" } },
          "model": { "name": "m", "task": "regression", "label": "y_num", "path": "models/user.zip" } }
        """);
        var d = Fails();
        Assert.Equal("MLB3414", d.Code);
        Assert.Contains("model.task 'regression': it is a binary classifier", d.Message);
    }

    [Fact]
    public void Trainer_settings_beside_a_model_made_elsewhere_are_a_contradiction_at_their_place()
    {
        TrainingData.WriteAll(_dir, 100, "{}");
        WritePipeline("\"path\": \"models/user.zip\", \"trainer\": \"lbfgs\"");
        var ex = Assert.Throws<MlBuildException>(() => PipelineLoader.Load(Path.Combine(_dir.Path, "mlbuild.json"), "mlbuild.json"));
        Assert.Equal(("MLB9210", 7, 43), (ex.Diagnostic.Code, ex.Diagnostic.Line, ex.Diagnostic.Column));

        WritePipeline("\"path\": \"a.onnx\", \"onnx\": \"b.onnx\"");
        ex = Assert.Throws<MlBuildException>(() => PipelineLoader.Load(Path.Combine(_dir.Path, "mlbuild.json"), "mlbuild.json"));
        Assert.Equal("MLB9210", ex.Diagnostic.Code);

        WritePipeline("\"command\": []");
        ex = Assert.Throws<MlBuildException>(() => PipelineLoader.Load(Path.Combine(_dir.Path, "mlbuild.json"), "mlbuild.json"));
        Assert.Equal(("MLB9203", 7, 16), (ex.Diagnostic.Code, ex.Diagnostic.Line, ex.Diagnostic.Column));
    }

    // ---- The user's training command (a shell script here; tests/MlBuild.Cli.Tests runs a real C# project) ---------

    [Fact]
    public void The_command_gets_the_quick_train_sample_test_split_and_seed_then_its_model_is_evaluated()
    {
        TrainingData.WriteAll(_dir, 600, "{}");
        TrainUserModel<Customer>("user.zip");
        // The "training" copies a model made beforehand, and records what it was given (arguments and environment).
        WritePipeline("""
            "quickTrain": { "rows": 150 },
            "command": ["sh", "-c", "cp models/user.zip \"$1\" && wc -l < \"$MLBUILD_TRAIN_DATA\" > given.txt && wc -l < \"$MLBUILD_TEST_DATA\" >> given.txt && head -1 \"$MLBUILD_TRAIN_DATA\" >> given.txt && echo \"$2 $MLBUILD_SEED $MLBUILD_LABEL $MLBUILD_TASK\" >> given.txt",
                        "sh", "{modelOutput}", "{seed}"]
            """);
        var trained = TrainOk(quick: true);
        Assert.Equal("command", trained.Spec.Trainer.Name);
        var given = File.ReadAllLines(Path.Combine(_dir.Path, "given.txt")).Select(l => l.Trim()).ToArray();
        Assert.Equal((150 + 1).ToString(), given[0]);
        Assert.Equal((trained.TestView.Rows.Count + 1).ToString(), given[1]);
        Assert.Equal("x1,x2,cat,note,day,flag,y_num,y_cls,y_bin", given[2]);
        Assert.Equal("11 11 y_bin binary", given[3]);
        Assert.Equal(150, trained.TrainView.Rows.Count);
        Assert.Equal(ModelZip.CanonicalHash(Path.Combine(_dir.Path, "models", "user.zip")), trained.CanonicalHash);
        Assert.True(TestPredictions.Of(trained).Set.Count == trained.TestView.Rows.Count);
    }

    [Fact]
    public void A_failing_command_is_coded_with_its_exit_code_and_last_lines()
    {
        TrainingData.WriteAll(_dir, 200, "{}");
        WritePipeline("\"command\": [\"sh\", \"-c\", \"echo loading; echo 'training: out of memory' >&2; exit 3\"]");
        var d = Fails();
        Assert.Equal(("MLB3416", "mlbuild.json", 7, 16), (d.Code, d.File, d.Line, d.Column));
        Assert.Contains("exited with code 3", d.Message);
        Assert.Contains("Its last lines: ", d.Message);
        Assert.Contains("training: out of memory", d.Message);
        Assert.Contains("loading", d.Message);
    }

    [Fact]
    public void A_command_that_writes_no_model_or_cannot_start_is_coded()
    {
        TrainingData.WriteAll(_dir, 200, "{}");
        WritePipeline("\"path\": \"out/model.zip\", \"command\": [\"sh\", \"-c\", \"echo trained, I promise\"]");
        // A model left by an earlier run does not count.
        _dir.Write("out/model.zip", "stale");
        var d = Fails();
        Assert.Equal(("MLB3418", 7, 41), (d.Code, d.Line, d.Column));
        Assert.EndsWith("Its last lines: trained, I promise", d.Message);

        WritePipeline("\"command\": [\"mlbuild-no-such-trainer\"]");
        Assert.Equal("MLB3419", Fails().Code);
        WritePipeline("\"command\": { \"run\": [\"sh\"], \"workingDirectory\": \"no/such/folder\" }");
        Assert.Equal("MLB3419", Fails().Code);
    }

    [Fact]
    public void A_command_that_runs_too_long_is_stopped_at_its_timeout()
    {
        TrainingData.WriteAll(_dir, 200, "{}");
        WritePipeline("\"command\": { \"run\": [\"sh\", \"-c\", \"echo started; sleep 60\"], \"timeoutSeconds\": 1 }");
        var clock = Stopwatch.StartNew();
        var d = Fails();
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), clock.Elapsed.ToString());
        Assert.Equal(("MLB3417", 7, 16), (d.Code, d.Line, d.Column));
        Assert.Contains("longer than 1 s", d.Message);
        Assert.EndsWith("Its last lines: started", d.Message);
    }

    [Fact]
    public void A_command_whose_model_is_not_a_model_is_coded_like_a_bad_file()
    {
        TrainingData.WriteAll(_dir, 200, "{}");
        WritePipeline("\"command\": [\"sh\", \"-c\", \"echo garbage > \\\"$MLBUILD_MODEL_OUTPUT\\\"\"]");
        var d = Fails();
        Assert.Equal(("MLB3412", 7, 16), (d.Code, d.Line, d.Column));
        Assert.Contains("is neither an ML.NET model zip nor an ONNX model", d.Message);
    }
}
