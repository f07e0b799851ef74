using MlBuild.Core.Diagnostics;
using MlBuild.Core.Models.Evaluation;
using MlBuild.Core.Models.Gates;

namespace MlBuild.Core.Tests.Models;

public sealed class GateSpecReaderTests
{
    static GateSet Read(string json)
    {
        using var dir = new TempDir();
        return GateSpecReader.ReadFile(dir.Write("gates.json", json), "gates.json");
    }

    static MlDiagnostic Error(string json) => Assert.Throws<MlBuildException>(() => Read(json)).Diagnostic;

    [Fact]
    public void Every_gate_kind_is_read_with_its_position_and_the_shared_settings()
    {
        var set = Read("""
        {
          "confidence": 0.9, "inconclusive": "warn", "missingBaseline": "skip", "resamples": 500, "seed": 7, "strict": false,
          "gates": [
            { "metric": "auc", "min": 0.85, "name": "auc floor" },
            { "metric": "r2", "maxRelativeDrop": 0.1, "baseline": "prod", "missingBaseline": "fail", "inconclusive": "fail" },
            { "metric": "recall", "min": 0.6, "slice": "region", "minSliceSize": 50, "requiredSlices": ["north"] },
            { "fairness": "four-fifths", "by": "gender", "requiredGroups": ["f", "m"] },
            { "artifact": "size", "maxMB": 50 }, { "latency": "p99", "maxMs": 2.5 },
            { "artifact": "golden", "file": "golden.csv" }, { "artifact": "roundtrip" },
            { "artifact": "reproducibility", "require": "identical" }
          ]
        }
        """);
        Assert.Equal(new GateDefaults { ConfidenceLevel = 0.9, Inconclusive = InconclusivePolicy.Warn, MissingBaseline = MissingBaselinePolicy.Skip, Resamples = 500, Seed = 7 }, set.Defaults);
        Assert.Equal(9, set.Gates.Count);
        var auc = Assert.IsType<MetricGateSpec>(set.Gates[0]);
        Assert.Equal(("auc", 0.85, "auc floor", new SourcePosition("gates.json", 4, 5)), (auc.Metric, auc.Min!.Value, auc.Name, auc.Position));
        var r2 = Assert.IsType<MetricGateSpec>(set.Gates[1]);
        Assert.Equal((0.1, DropKind.Relative, "prod", MissingBaselinePolicy.Fail, InconclusivePolicy.Fail),
                     (r2.MaxDrop!.Value, r2.DropKind, r2.Baseline, r2.MissingBaseline!.Value, r2.Inconclusive!.Value));
        var slice = Assert.IsType<MetricGateSpec>(set.Gates[2]);
        Assert.Equal(("region", 50, "north"), (slice.SliceColumn, slice.MinSliceSize, Assert.Single(slice.RequiredSlices!)));
        var fair = Assert.IsType<FairnessGateSpec>(set.Gates[3]);
        Assert.Equal(("four-fifths", "gender", 2), (fair.Metric, fair.GroupColumn, fair.RequiredGroups!.Count));
        Assert.Equal(50, Assert.IsType<SizeGateSpec>(set.Gates[4]).MaxMegabytes);
        Assert.Equal((99, 2.5), (Assert.IsType<LatencyGateSpec>(set.Gates[5]).Percentile, ((LatencyGateSpec)set.Gates[5]).MaxMilliseconds));
        Assert.Equal(1e-6, Assert.IsType<GoldenGateSpec>(set.Gates[6]).Tolerance);
        Assert.IsType<RoundTripGateSpec>(set.Gates[7]);
        Assert.Equal(ReproducibilityLevel.Identical, Assert.IsType<ReproducibilityGateSpec>(set.Gates[8]).Require);
    }

    [Fact]
    public void A_plain_array_is_a_gate_set_with_default_settings()
    {
        var set = Read("""[ { "metric": "rmse", "max": 2 } ] // trailing comment""");
        Assert.Equal(new GateDefaults(), set.Defaults);
        Assert.Equal(2, Assert.IsType<MetricGateSpec>(Assert.Single(set.Gates)).Max);
    }

    [Theory]
    [InlineData("""[ { "metric": "auc" } ]""", 1, 3, "has no bound")]
    [InlineData("""[ { "metric": "auc", "maxDrop": 0.1, "maxRelativeDrop": 0.1 } ]""", 1, 3, "not both")]
    [InlineData("""[ { "metric": "auc", "maxDrop": 0.1, "minRelativeGain": 0.1 } ]""", 1, 3, "cannot be mixed")]
    [InlineData("""[ { "metric": "auc", "min": "high" } ]""", 1, 29, "Expected a number")]
    [InlineData("""[ { "metric": "auc", "min": 0.8, "inconclusive": "maybe" } ]""", 1, 50, "fail, warn, pass")]
    [InlineData("""[ { "fairness": "four-fifths" } ]""", 1, 3, "\"by\"")]
    [InlineData("""[ { "latency": "p90", "maxMs": 2 } ]""", 1, 16, "p50, p95 or p99")]
    [InlineData("""[ { "artifact": "weight", "maxMB": 2 } ]""", 1, 17, "Unknown artifact gate")]
    [InlineData("""[ { "min": 0.8 } ]""", 1, 3, "needs \"metric\"")]
    [InlineData("""{ "confidence": 1.5, "gates": [] }""", 1, 17, "from 0.5")]
    [InlineData("""{ "gates": [ { "metric": "auc", "min": 0.8, } ], "seeds": 3 }""", 1, 50, "Unknown property 'seeds'")]
    [InlineData("""[ { "metric": "auc", "min": 0.8 } """, 1, 0, "")]
    public void Mistakes_are_MLB9301_at_their_line_and_column(string json, int line, int column, string message)
    {
        var d = Error(json);
        Assert.Equal(("MLB9301", "gates.json", line), (d.Code, d.File, d.Line));
        if (column > 0) Assert.Equal(column, d.Column);
        Assert.Contains(message, d.Message);
    }

    [Fact]
    public void Metric_names_from_MLNET_and_the_pipeline_file_resolve_to_one_metric()
    {
        Assert.Equal("accuracy", MetricCatalog.Find("microAccuracy", ModelTask.Multiclass)!.Name);
        Assert.Equal("macro-accuracy", MetricCatalog.Find("MacroAccuracy", ModelTask.Multiclass)!.Name);
        Assert.Equal("log-loss", MetricCatalog.Find("logloss", ModelTask.Binary)!.Name);
        Assert.Equal("auprc", MetricCatalog.Find("AreaUnderPrecisionRecallCurve", ModelTask.Binary)!.Name);
        Assert.Equal("r2", MetricCatalog.Find("RSquared", ModelTask.Regression)!.Name);
        Assert.Equal("auc", MetricCatalog.Find("AreaUnderRocCurve", ModelTask.Binary)!.Name);
        Assert.Null(MetricCatalog.Find("auc", ModelTask.Regression));
    }
}
