using System.Text.Json;
using MlBuild.Core.Diagnostics;
using MlBuild.Core.Models.Artifacts;
using MlBuild.Core.Models.Evaluation;
using MlBuild.Core.Models.Gates;
using MlBuild.Core.Models.Training;
using MlBuild.Core.Pipeline;
using MlBuild.Core.Tests.Training;

namespace MlBuild.Core.Tests.Artifacts;

/// <summary>Artifact measurements on real trained ML.NET models, and the gates deciding on them.</summary>
public sealed class ArtifactTests : IDisposable
{
    readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    PipelineFile Pipeline() => PipelineLoader.Load(Path.Combine(_dir.Path, "mlbuild.json"), "mlbuild.json");

    TrainedModel Train(string task, string trainer, string label, string extra = "", int rows = 600, string gates = "")
    {
        TrainingData.WriteAll(_dir, rows, TrainingData.Pipeline(task, trainer, label, extra).TrimEnd().TrimEnd('}') + gates + "}");
        var outcome = ModelTrainer.Train(Pipeline(), new TrainingOptions { ReadParallelism = 2 });
        Assert.True(outcome.Model is not null, TrainingData.Lines(outcome.Diagnostics));
        return outcome.Model!;
    }

    static GateSet Gates(params GateSpec[] gates) => new() { Gates = gates };

    public static TheoryData<string, string, string, string> Models => new()
    {
        { "binary", "lbfgs", "y_bin", "" },
        { "multiclass", "lbfgs", "y_cls", ", \"hyperparameters\": { \"maximumNumberOfIterations\": 50 }" },
        { "regression", "sdca", "y_num", ", \"hyperparameters\": { \"maximumNumberOfIterations\": 10 }" },
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void A_trained_model_round_trips_exactly_reproduces_its_golden_file_and_is_timed_per_row(string task, string trainer, string label, string extra)
    {
        var trained = Train(task, trainer, label, extra);
        _dir.WriteBytes("golden.csv", GoldenFile.Record(trained, 15, seed: 3));

        var report = ArtifactMeasurer.Measure(trained, Gates(new GoldenGateSpec { File = "golden.csv" }, new LatencyGateSpec { MaxMilliseconds = 50, WarmupRows = 10 }),
            new ArtifactOptions { BaseDirectory = _dir.Path, LatencyRows = 200 });

        Assert.Equal(trained.ModelZipBytes.LongLength, report.ModelBytes);
        Assert.Equal(0, report.RoundTripMaxDifference);
        Assert.Equal(trained.TestView.Rows.Count, report.RoundTripRows);
        Assert.Equal(200, report.LatenciesMs.Count);
        Assert.All(report.LatenciesMs, ms => Assert.True(ms > 0 && ms < 1000, ms.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.True(report.LatencyPercentile(50) <= report.LatencyPercentile(95) && report.LatencyPercentile(95) <= report.LatencyPercentile(99));
        Assert.Equal(new GoldenComparison(15, 0, 0), report.Golden["golden.csv"]);
        Assert.Equal("6.0.0", report.SavedMlNetVersion);

        var header = File.ReadLines(Path.Combine(_dir.Path, "golden.csv")).First().Split(',');
        Assert.DoesNotContain(label, header);
        Assert.Equal(task == "multiclass" ? ["expected.score[0]", "expected.score[1]", "expected.score[2]"] : ["expected.score"],
            header.Where(h => h.StartsWith("expected.", StringComparison.Ordinal)));
    }

    [Fact]
    public void Golden_record_is_byte_stable_for_one_seed_and_differs_for_another()
    {
        var trained = Train("binary", "lbfgs", "y_bin");
        Assert.Equal(GoldenFile.Record(trained, 10, 5), GoldenFile.Record(trained, 10, 5));
        Assert.NotEqual(GoldenFile.Record(trained, 10, 5), GoldenFile.Record(trained, 10, 6));
        Assert.Equal(11, System.Text.Encoding.UTF8.GetString(GoldenFile.Record(trained, 10, 5)).Count(c => c == '\n')); // header and 10 rows
    }

    [Fact]
    public void A_golden_prediction_that_moved_fails_the_golden_gate_at_its_line_with_MLB5103()
    {
        var trained = Train("binary", "lbfgs", "y_bin");
        var lines = System.Text.Encoding.UTF8.GetString(GoldenFile.Record(trained, 10, 1)).Split('\n');
        var fields = lines[3].Split(',');
        fields[^1] = (double.Parse(fields[^1], System.Globalization.CultureInfo.InvariantCulture) + 0.02).ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        lines[3] = string.Join(',', fields);
        _dir.Write("golden.csv", string.Join('\n', lines));
        var gate = new GoldenGateSpec { File = "golden.csv", Tolerance = 1e-6, Position = new SourcePosition("mlbuild.json", 7, 5) };
        var gates = Gates(gate);

        var report = ArtifactMeasurer.Measure(trained, gates, new ArtifactOptions { BaseDirectory = _dir.Path, LatencyRows = 10 });
        var run = GateEvaluator.Evaluate(gates, new GateInputs { Predictions = TestPredictions.Of(trained).Set, Artifacts = report.ToMeasurements() });

        Assert.Equal(10, report.Golden["golden.csv"].Rows);
        Assert.Equal(1, report.Golden["golden.csv"].Mismatches);
        Assert.InRange(report.Golden["golden.csv"].MaxAbsDifference, 0.0199, 0.0201);
        var d = Assert.Single(run.Diagnostics);
        Assert.Equal(("MLB5103", "mlbuild.json", 7, 5, MlSeverity.Error), (d.Code, d.File, d.Line, d.Column, d.Severity));
        Assert.Contains("1 of 10 golden rows moved by more than 1E-6", d.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_golden_file_of_another_schema_is_MLB3500_at_the_unknown_column_and_a_missing_file_names_the_command()
    {
        var trained = Train("binary", "lbfgs", "y_bin");
        var text = System.Text.Encoding.UTF8.GetString(GoldenFile.Record(trained, 5, 1)).Replace("x2,", "tenure,", StringComparison.Ordinal);
        _dir.Write("other.csv", text);
        var column = text.IndexOf("tenure", StringComparison.Ordinal) + 1;
        var loaded = ArtifactMeasurer.Load(trained.ModelZipBytes);

        var e = Assert.Throws<MlBuildException>(() => GoldenFile.Compare(Path.Combine(_dir.Path, "other.csv"), "other.csv", trained, loaded, 1e-6));
        Assert.Equal(("MLB3500", "other.csv", 1, column), (e.Diagnostic.Code, e.Diagnostic.File, e.Diagnostic.Line, e.Diagnostic.Column));
        Assert.Contains("'tenure'", e.Diagnostic.Message, StringComparison.Ordinal);

        var recorded = System.Text.Encoding.UTF8.GetString(GoldenFile.Record(trained, 5, 1));
        int firstRow = recorded.IndexOf('\n', StringComparison.Ordinal) + 1;
        _dir.Write("bad-cell.csv", recorded[..firstRow] + "not-a-number" + recorded[recorded.IndexOf(',', firstRow)..]);
        var cell = Assert.Throws<MlBuildException>(() => GoldenFile.Compare(Path.Combine(_dir.Path, "bad-cell.csv"), "bad-cell.csv", trained, loaded, 1e-6));
        Assert.Equal(("MLB3500", 2, 1), (cell.Diagnostic.Code, cell.Diagnostic.Line, cell.Diagnostic.Column));

        var missing = Assert.Throws<MlBuildException>(() => GoldenFile.Compare(Path.Combine(_dir.Path, "none.csv"), "none.csv", trained, loaded, 1e-6));
        Assert.Equal("MLB3500", missing.Diagnostic.Code);
        Assert.Contains("dotnet ml golden record", missing.Diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Training_twice_with_one_seed_is_identical_and_with_another_seed_is_different()
    {
        var first = Train("binary", "sdca", "y_bin", ", \"hyperparameters\": { \"maximumNumberOfIterations\": 10 }");
        var again = ModelTrainer.Train(Pipeline(), new TrainingOptions { ReadParallelism = 1 }).Model!;
        var same = Reproducibility.Compare(first, again, 1e-6, new IntervalOptions());
        Assert.Equal(ReproducibilityLevel.Identical, same.Level);
        Assert.Equal(0, same.MaxPredictionDifference);

        // Same seed and split, one iteration fewer: a slightly different model on the same test rows.
        _dir.Write("mlbuild.json", File.ReadAllText(Path.Combine(_dir.Path, "mlbuild.json")).Replace("\"maximumNumberOfIterations\": 10", "\"maximumNumberOfIterations\": 9", StringComparison.Ordinal));
        var other = ModelTrainer.Train(Pipeline(), new TrainingOptions { ReadParallelism = 2 }).Model!;
        var differs = Reproducibility.Compare(first, other, 1e-6, new IntervalOptions());
        Assert.Equal(ReproducibilityLevel.Different, differs.Level);
        Assert.NotEqual(differs.FirstHash, differs.SecondHash);
        Assert.True(differs.MaxPredictionDifference > 1e-6);
        // A loose tolerance accepts the difference as "within tolerance", never as identical.
        var loose = Reproducibility.Compare(first, other, 10, new IntervalOptions());
        Assert.True(loose.Level == ReproducibilityLevel.WithinTolerance, loose.ToString());

        var gate = new ReproducibilityGateSpec { Require = ReproducibilityLevel.Identical, Tolerance = 1e-6 };
        var report = ArtifactMeasurer.Measure(first, Gates(gate), new ArtifactOptions { LatencyRows = 10 }, retrain: () => other);
        var run = GateEvaluator.Evaluate(Gates(gate), new GateInputs { Predictions = TestPredictions.Of(first).Set, Artifacts = report.ToMeasurements() });
        Assert.Equal("MLB5104", Assert.Single(run.Diagnostics).Code);
    }

    [Fact]
    public void A_model_saved_by_a_newer_ml_net_than_the_app_references_is_a_MLB4151_warning()
    {
        var trained = Train("binary", "lbfgs", "y_bin");
        var older = ArtifactMeasurer.Measure(trained, Gates(), new ArtifactOptions { LatencyRows = 5, ConsumerMlNetVersion = "5.0.0" });
        var warning = Assert.Single(older.Diagnostics);
        Assert.Equal(("MLB4151", MlSeverity.Warning), (warning.Code, warning.Severity));
        Assert.Contains("ML.NET 6.0.0", warning.Message, StringComparison.Ordinal);
        Assert.Empty(ArtifactMeasurer.Measure(trained, Gates(), new ArtifactOptions { LatencyRows = 5, ConsumerMlNetVersion = "6.0.0" }).Diagnostics);
        Assert.Empty(ArtifactMeasurer.Measure(trained, Gates(), new ArtifactOptions { LatencyRows = 5 }).Diagnostics);
    }

    [Fact]
    public void A_round_trip_beyond_tolerance_fails_with_its_own_code_MLB4150()
    {
        var gate = new RoundTripGateSpec { Tolerance = 1e-9, Position = new SourcePosition("mlbuild.json", 3, 9) };
        var set = PredictionSet.Binary([true, false], [0.9, 0.1], 0.5);
        var run = GateEvaluator.Evaluate(Gates(gate), new GateInputs { Predictions = set, Artifacts = new ArtifactMeasurements { RoundTripMaxDifference = 1e-3 } });
        var d = Assert.Single(run.Diagnostics);
        Assert.Equal(("MLB4150", 3, 9), (d.Code, d.Line, d.Column));
        Assert.Contains("within 1E-9", d.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Publish_writes_the_model_and_its_evidence_and_an_oversized_model_fails_at_its_gate()
    {
        var gates = """
        , "gates": [
            { "metric": "auc", "min": 0.6 },
            { "artifact": "size", "maxMB": 5 },
            { "artifact": "roundtrip" }
          ]
        """;
        Train("binary", "lbfgs", "y_bin", gates: gates);
        var output = Path.Combine(_dir.Path, "out");
        var request = new PublishRequest { ProjectDirectory = _dir.Path, Pipeline = "mlbuild.json", OutputDirectory = output, InputsFile = Path.Combine(_dir.Path, "inputs.txt") };

        var ok = ModelPublisher.Run(request);

        Assert.True(ok.ExitCode == 0, TrainingData.Lines(ok.Diagnostics));
        Assert.Equal(["gates.json", "lineage.json", "m.zip", "metrics.json", "model-card.md", "schema.json"], ok.Files);
        using (var lineage = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(output, "lineage.json"))))
        {
            var root = lineage.RootElement;
            Assert.Equal(11, root.GetProperty("seed").GetInt32());
            Assert.Equal("PASS", root.GetProperty("verdicts").GetProperty("model size <= 5 MB").GetString());
            Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(Path.Combine(_dir.Path, "train.csv")))),
                root.GetProperty("datasets")[0].GetProperty("files")[0].GetProperty("sha256").GetString());
            Assert.False(root.GetProperty("artifact").TryGetProperty("latencyMs", out _)); // no latency gate: no timings in the files
        }
        var first = Directory.GetFiles(output).Order().Select(File.ReadAllBytes).ToList();
        Assert.Equal(0, ModelPublisher.Run(request).ExitCode);
        Assert.Equal(first, Directory.GetFiles(output).Order().Select(File.ReadAllBytes).ToList()); // byte-identical evidence
        Assert.Equal(["mlbuild.json", "train.schema.json", "train.csv"], File.ReadAllLines(request.InputsFile!).Select(Path.GetFileName));

        var text = File.ReadAllText(Path.Combine(_dir.Path, "mlbuild.json"));
        _dir.Write("mlbuild.json", text.Replace("\"maxMB\": 5", "\"maxMB\": 0.0001", StringComparison.Ordinal));
        var lines = File.ReadAllLines(Path.Combine(_dir.Path, "mlbuild.json"));
        int line = Array.FindIndex(lines, l => l.Contains("maxMB", StringComparison.Ordinal)) + 1;
        var failed = ModelPublisher.Run(request);
        Assert.Equal(1, failed.ExitCode);
        var error = Assert.Single(failed.Diagnostics, d => d.Severity == MlSeverity.Error);
        Assert.Equal(("MLB5101", "mlbuild.json", line, lines[line - 1].IndexOf('{') + 1), (error.Code, error.File, error.Line, error.Column));
    }

    [Fact]
    public void A_pipeline_file_without_a_model_publishes_nothing_and_registration_without_a_registry_is_MLB9240()
    {
        TrainingData.WriteAll(_dir, 50, """{ "datasets": { "train": { "path": "train.csv", "schema": "train.schema.json" } } }""");
        var request = new PublishRequest { ProjectDirectory = _dir.Path, Pipeline = "mlbuild.json", OutputDirectory = Path.Combine(_dir.Path, "out") };
        var none = ModelPublisher.Run(request);
        Assert.Equal(0, none.ExitCode);
        Assert.Empty(none.Files);
        Assert.Equal("mlbuild.json declares no model: nothing to train or publish.", Assert.Single(none.Messages));

        TrainingData.WriteAll(_dir, 200, TrainingData.Pipeline("binary", "lbfgs", "y_bin"));
        var register = ModelPublisher.Run(request with { Register = true });
        Assert.Equal(2, register.ExitCode);
        var d = Assert.Single(register.Diagnostics);
        Assert.Equal(("MLB9240", "mlbuild.json"), (d.Code, d.File));
        Assert.Contains("no 'registry' section", d.Message, StringComparison.Ordinal);
    }
}
