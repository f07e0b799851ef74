using System.Text;
using MlBuild.Core.Diagnostics;
using MlBuild.Core.Models.Evaluation;
using MlBuild.Core.Models.Gates;
using MlBuild.Core.Pipeline;

namespace MlBuild.Core.Tests.Pipeline;

public sealed class PipelineLoaderTests
{
    static PipelineFile Parse(string json) => PipelineLoader.Parse(Encoding.UTF8.GetBytes(json), "mlbuild.json", "/base");

    static MlDiagnostic Fails(string json) => Assert.Throws<MlBuildException>(() => Parse(json)).Diagnostic;

    const string Datasets = """
      "datasets": {
        "train": { "path": "data/train.csv", "schema": "data/train.schema.json" },
        "holdout": { "path": ["data/a.parquet", "data/b.parquet"], "schema": "data/train.schema.json" }
      },
    """;

    [Fact]
    public void A_full_file_with_comments_reads_into_the_model_and_the_gate_specs_with_their_positions()
    {
        var file = Parse($$"""
        // churn
        {
        {{Datasets}}
          "model": {
            "name": "churn", "task": "binary", "label": "churned",
            "features": { "allBut": ["signup_date"] },
            "trainer": "lightgbm", "hyperparameters": { "numberOfIterations": 20, "learningRate": 0.1 },
            "featurization": { "normalize": "minMax", "missing": "zero", "columns": { "zip": "oneHotHash" } },
            "seed": 7, "split": { "test": 0.25, "key": "customer_id" }, "quickTrain": { "rows": 500 },
          },
          "gateDefaults": { "confidence": 0.9, "inconclusive": "warn", "resamples": 500 },
          "gates": [
            { "metric": "auc", "min": 0.8 },
            { "metric": "auc", "maxRelativeDrop": 0.02, "baseline": "prod", "missingBaseline": "skip" },
            { "artifact": "size", "maxMB": 50 },
            { "latency": "p99", "maxMs": 2 },
            { "fairness": "four-fifths", "by": "gender" },
            { "artifact": "reproducibility", "require": "identical" },
          ],
          "registry": { "store": ".mlregistry" }
        }
        """);
        Assert.Equal(["train", "holdout"], file.Datasets.Select(d => d.Name));
        Assert.Equal(["data/a.parquet", "data/b.parquet"], file.Datasets[1].Files);
        var m = file.Model!;
        Assert.Equal(ModelTask.Binary, m.Task);
        Assert.Null(m.Features);
        Assert.Equal("signup_date", Assert.Single(m.ExcludedFeatures).Name);
        Assert.Equal("lightgbm", m.Trainer.Name);
        Assert.Equal([("numberOfIterations", 20.0), ("learningRate", 0.1)], m.Trainer.Hyperparameters.Select(h => (h.Name, h.Value)));
        Assert.Equal(Normalization.MinMax, m.Featurization.Normalize);
        Assert.Equal(MissingValueReplacement.Zero, m.Featurization.Missing);
        Assert.Equal(FeatureHandling.OneHotHash, m.Featurization.Columns["zip"].Handling);
        Assert.Equal((7, 0.25, "customer_id", 500), (m.Seed, m.Split.TestShare, m.Split.KeyColumn, m.QuickTrainRows));

        Assert.Equal(0.9, file.Gates.Defaults.ConfidenceLevel);
        Assert.Equal(InconclusivePolicy.Warn, file.Gates.Defaults.Inconclusive);
        Assert.Equal(500, file.Gates.Defaults.Resamples);
        var gates = file.Gates.Gates;
        var auc = Assert.IsType<MetricGateSpec>(gates[0]);
        Assert.Equal(("auc", 0.8), (auc.Metric, auc.Min!.Value));
        Assert.Equal(new SourcePosition("mlbuild.json", 16, 5), auc.Position);
        var drop = Assert.IsType<MetricGateSpec>(gates[1]);
        Assert.Equal((DropKind.Relative, 0.02, "prod", MissingBaselinePolicy.Skip), (drop.DropKind, drop.MaxDrop!.Value, drop.Baseline, drop.MissingBaseline!.Value));
        Assert.Equal(50, Assert.IsType<SizeGateSpec>(gates[2]).MaxMegabytes);
        Assert.Equal((99, 2.0), (Assert.IsType<LatencyGateSpec>(gates[3]).Percentile, ((LatencyGateSpec)gates[3]).MaxMilliseconds));
        var fair = Assert.IsType<FairnessGateSpec>(gates[4]);
        Assert.Equal(("four-fifths", "gender"), (fair.Metric, fair.GroupColumn)); // the preset: a parity ratio of at least 0.8
        Assert.Equal(ReproducibilityLevel.Identical, Assert.IsType<ReproducibilityGateSpec>(gates[5]).Require);
        Assert.Equal(".mlregistry", file.Registry!.Store);
    }

    [Fact]
    public void Defaults_fill_what_the_file_leaves_out()
    {
        var m = Parse("""{"model": {"name": "m", "task": "regression", "label": "y"}}""").Model!;
        Assert.Equal(("sdca", 42, 0.2, "train"), (m.Trainer.Name, m.Seed, m.Split.TestShare, m.Dataset));
        Assert.Null(m.Split.KeyColumn);
        Assert.Null(m.QuickTrainRows);
    }

    public static TheoryData<string, string, int, int> Mistakes => new()
    {
        // file, code, line, column
        { "{\n  \"model\": {\"name\": \"m\", \"task\": \"binary\", \"label\": \"y\",\n    \"trainr\": \"sdca\"}}", "MLB9202", 3, 5 },
        { "{\"model\": {\"name\": \"m\", \"task\": \"ranking\", \"label\": \"y\"}}", "MLB9205", 1, 33 },
        { "{\"model\": {\"name\": \"m\", \"task\": \"regression\", \"label\": \"y\",\n\"trainer\": \"lbfgs\"}}", "MLB9204", 2, 12 },
        { "{\"model\": {\"name\": \"m\", \"task\": \"binary\", \"label\": \"y\", \"trainer\": \"sdca\",\n \"hyperparameters\": {\"numberOfTrees\": 3}}}", "MLB9204", 2, 22 },
        { "{\"model\": {\"name\": \"m\", \"task\": \"binary\"}}", "MLB9203", 1, 11 },
        { "{\"model\": {\"name\": \"m\", \"task\": \"binary\", \"label\": 3}}", "MLB9203", 1, 52 },
        { "{\"model\": {\"name\": \"m\", \"task\": \"binary\", \"label\": \"y\"},\n \"gates\": [{\"metric\": \"rmse\", \"min\": 1}]}", "MLB9207", 2, 12 },
        { "{\"model\": {\"name\": \"m\", \"task\": \"regression\", \"label\": \"y\"},\n \"gates\": [{\"fairness\": \"four-fifths\", \"by\": \"g\"}]}", "MLB9207", 2, 12 },
        { "{\"model\": {\"name\": \"m\", \"task\": \"binary\", \"label\": \"y\"},\n \"gates\": [{\"metric\": \"auc\", \"min\": 0.8, \"mni\": 1}]}", "MLB9207", 2, 42 },
        { "{\"model\": {\"name\": \"m\", \"task\": \"binary\", \"label\": \"y\"},\n \"gates\": [{\"metric\": \"auc\"}]}", "MLB9207", 2, 12 },
        { "{\"model\": {\"name\": \"m\", \"task\": \"binary\", \"label\": \"y\"},\n \"gates\": [{\"artifact\": \"speed\"}]}", "MLB9207", 2, 25 },
        { "{\"model\": {\"name\": \"m\", \"task\": \"binary\", \"label\": \"y\", \"split\": {\"test\": 1.5}}}", "MLB9203", 1, 75 },
        { "{\"datasets\": {\"train\": {\"path\": \"a.csv\", \"schema\": \"s.json\"}},\n\"model\": {\"name\": \"m\", \"task\": \"binary\", \"label\": \"y\", \"split\": {\"testDataset\": \"test\"}}}", "MLB9206", 2, 81 },
        { "{\"model\": {\"name\": \"m\", \"task\": \"binary\", \"label\": \"y\",}\n  \"gates\": []}", "MLB9201", 2, 3 },
        { "{\"datasets\": {\"train\": {\"schema\": \"s.json\"}}}", "MLB9203", 1, 24 },
    };

    [Theory]
    [MemberData(nameof(Mistakes))]
    public void Every_mistake_is_a_coded_diagnostic_at_its_line_and_column(string json, string code, int line, int column)
    {
        var d = Fails(json);
        Assert.Equal((code, "mlbuild.json", line, column), (d.Code, d.File, d.Line, d.Column));
        Assert.StartsWith($"mlbuild.json({line},{column}): error {code}: ", d.ToCanonicalString());
    }

    [Fact]
    public void A_missing_file_is_MLB9208()
    {
        var d = Assert.Throws<MlBuildException>(() => PipelineLoader.Load(Path.Combine(Path.GetTempPath(), "no-such-dir-h4", "mlbuild.json"), "mlbuild.json")).Diagnostic;
        Assert.Equal("MLB9208", d.Code);
    }

    [Fact]
    public void The_shipped_json_schema_names_every_property_the_loader_accepts()
    {
        // Editors complete from the schema; a property the loader takes but the schema lacks would be flagged there.
        var schemaPath = Path.Combine(AppContext.BaseDirectory, "mlbuild.schema.json");
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(schemaPath));
        var text = doc.RootElement.GetRawText();
        foreach (var property in new[] { "datasets", "model", "gates", "gateDefaults", "registry", "task", "label", "positiveClass", "features", "allBut",
                     "trainer", "hyperparameters", "featurization", "seed", "split", "testDataset", "quickTrain", "maxRelativeDrop", "minGain",
                     "missingBaseline", "slice", "requiredSlices", "fairness", "latency", "maxMs", "artifact", "maxMB", "require", "numberOfLeaves",
                     "path", "onnx", "inputs", "outputIndex", "classes", "command", "timeoutSeconds", "workingDirectory" })
            Assert.Contains($"\"{property}\"", text);
    }
}
