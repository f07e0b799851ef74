using System.Text;
using System.Text.Json;
using MlBuild.Core.Diagnostics;
using MlBuild.Core.Models;
using MlBuild.Core.Registry;

namespace MlBuild.Registry.Tests;

/// <summary>
/// Metrics, schemas and gate verdicts now live in Core/Models and Core/Diagnostics; event logs written before the move
/// (gate verdicts as "PASS"/"FAIL" strings, metrics without a direction) must still read, re-serialise to the same
/// bytes (their digests chain the log) and verify.
/// </summary>
public sealed class ModelTypesCompatibilityTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private CliRun Ml(params string[] args) => Cli.InProc(_dir.Path, args);

    // An event body exactly as the registry wrote it before the move (field order and naming of RegistryJson).
    private static readonly string OldRegisterEvent = """
        {"seq":1,"type":"register","time":"2026-11-30T10:00:00Z","actor":"ci","model":"churn","version":1,
        "artifact":{"path":"model.zip","digest":"sha256:00","size":2},
        "metrics":{"auc":{"value":0.91,"low":0.8,"high":0.95},"logloss":{"value":0.3}},
        "gates":{"auc-min":"PASS","latency-p95":"FAIL","tiny-test":"INCONCLUSIVE"},
        "schema":{"inputs":[{"name":"x","type":"Single"}],"outputs":[{"name":"Score","type":"Single"}]}}
        """.Replace("\n", "").Replace("\r", "");

    [Fact]
    public void An_event_written_before_the_move_reads_as_typed_values_and_reserialises_to_the_same_bytes()
    {
        var e = JsonSerializer.Deserialize(OldRegisterEvent, RegistryJson.Default.RegistryEvent)!;
        Assert.Equal(Verdict.Pass, e.Gates!["auc-min"]);
        Assert.Equal(Verdict.Fail, e.Gates["latency-p95"]);
        Assert.Equal(Verdict.Inconclusive, e.Gates["tiny-test"]);
        Assert.Equal(new MetricValue(0.91, 0.8, 0.95), e.Metrics!["auc"]);
        Assert.Null(e.Metrics["auc"].Direction);
        Assert.Equal(MetricDirection.HigherIsBetter, MetricDirections.DirectionOf("auc", e.Metrics["auc"]));
        Assert.Equal(MetricDirection.LowerIsBetter, MetricDirections.DirectionOf("logloss", e.Metrics["logloss"]));
        Assert.Equal(new SchemaColumn("x", "Single"), e.Schema!.Inputs[0]);
        Assert.Equal(OldRegisterEvent, Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(e, RegistryJson.Default.RegistryEvent)));
    }

    [Fact]
    public void A_stated_metric_direction_is_kept_and_overrides_the_known_one()
    {
        var ev = _dir.Sub("ev");
        Directory.CreateDirectory(ev);
        File.WriteAllText(Path.Combine(ev, "metrics.json"),
            """{"metrics":{"auc":{"value":0.9},"cost":{"value":12.5,"direction":"lower"},"weird":{"value":1,"direction":"lower"}},"gates":{"auc-min":"pass","cost-max":"Warn"}}""");
        var read = Evidence.Read(ev);
        Assert.Null(read.Metrics!["auc"].Direction);
        Assert.Equal(MetricDirection.LowerIsBetter, MetricDirections.DirectionOf("cost", read.Metrics["cost"]));
        Assert.Equal(MetricDirection.LowerIsBetter, MetricDirections.DirectionOf("weird", read.Metrics["weird"]));
        Assert.Null(MetricDirections.DirectionOf("weird"));
        Assert.Equal(Verdict.Pass, read.Gates!["auc-min"]);
        Assert.Equal(Verdict.Warn, read.Gates["cost-max"]);

        var bytes = Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(new RegistryEvent { Metrics = read.Metrics, Gates = read.Gates }, RegistryJson.Default.RegistryEvent));
        Assert.Contains("""
            "metrics":{"auc":{"value":0.9},"cost":{"value":12.5,"direction":"lower"},"weird":{"value":1,"direction":"lower"}},"gates":{"auc-min":"PASS","cost-max":"WARN"}
            """, bytes);
    }

    [Fact]
    public void A_bad_direction_or_verdict_in_evidence_is_MLB6004()
    {
        var model = _dir.File("model.zip", "m");
        var ev = _dir.Sub("ev");
        Directory.CreateDirectory(ev);
        File.WriteAllText(Path.Combine(ev, "metrics.json"), """{"metrics":{"auc":{"value":0.9,"direction":"up"}}}""");
        var r = Ml("register", "churn", model, "--evidence", ev);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("MLB6004", r.Err);
        Assert.Contains("direction \"up\"", r.Err);
        File.WriteAllText(Path.Combine(ev, "metrics.json"), """{"gates":{"auc-min":"maybe"}}""");
        r = Ml("register", "churn", model, "--evidence", ev);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("gate 'auc-min' has verdict 'maybe'", r.Err);
    }

    [Fact]
    public void Registered_gate_verdicts_are_stored_as_the_old_words_and_the_log_verifies()
    {
        var model = _dir.File("model.zip", "m");
        var ev = _dir.Sub("ev");
        Directory.CreateDirectory(ev);
        File.WriteAllText(Path.Combine(ev, "metrics.json"), """{"metrics":{"auc":0.9},"gates":[{"name":"auc-min","verdict":"pass"},{"name":"size","status":"FAIL"}]}""");
        Assert.Equal(0, Ml("register", "churn", model, "--evidence", ev).ExitCode);
        var body = File.ReadAllLines(Path.Combine(_dir.Path, ".mlregistry", "events", "0000000001"))[0];
        Assert.Contains("""
            "metrics":{"auc":{"value":0.9}},"gates":{"auc-min":"PASS","size":"FAIL"}
            """, body);
        Assert.Contains("gate:       size FAIL", Ml("show", "churn@1").Out);
        var verify = Ml("verify");
        Assert.True(verify.ExitCode == 0, verify.ToString());
    }
}
