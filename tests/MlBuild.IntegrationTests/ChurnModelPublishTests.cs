using System.Security.Cryptography;
using System.Text.Json;

namespace MlBuild.IntegrationTests;

/// <summary>`dotnet publish` of a standalone copy of samples/ChurnModel that references the packed MlBuild package:
/// the model is trained, measured, gated and published with its evidence beside the app.</summary>
[Collection(PackagesCollection.Name)]
public sealed class ChurnModelPublishTests(PackagesFixture packages, ITestOutputHelper output)
{
    const string Pipeline = "mlbuild.json";
    const string SkippedPublish = "Skipping target \"MlBuildPublishModel\" because all output files are up-to-date";

    SampleWorkspace Workspace(string name) => SampleWorkspace.Create(packages, output, "ChurnModel", name);

    static DotnetRun Publish(SampleWorkspace ws, params string[] extra) => PublishTo(ws, "pub", extra);

    static DotnetRun PublishTo(SampleWorkspace ws, string folder, params string[] extra) => ws.Dotnet_("publish", ["-o", ws.PathOf(folder), .. extra]);

    static JsonElement Json(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        return doc.RootElement.Clone();
    }

    /// <summary>The 1-based line and column of the gate object whose line contains <paramref name="marker"/>.</summary>
    static (int Line, int Column) GateAt(SampleWorkspace ws, string marker)
    {
        var lines = File.ReadAllLines(ws.PathOf(Pipeline));
        int i = Array.FindIndex(lines, l => l.Contains(marker, StringComparison.Ordinal));
        Assert.True(i >= 0, $"no line with {marker}");
        return (i + 1, lines[i].IndexOf('{', StringComparison.Ordinal) + 1);
    }

    [Fact]
    public void Publish_writes_the_model_and_its_evidence_beside_the_app_then_skips_training_until_the_data_changes()
    {
        using var guard = new TestGuard(packages, output);
        var ws = Workspace("publish-pass");

        var first = Publish(ws, "-v:n");

        Assert.Equal(0, first.ExitCode);
        Assert.DoesNotContain(first.MlbDiagnostics, d => d.Severity == "error");
        Assert.Contains("engine publish-model", first.Output, StringComparison.Ordinal);
        Assert.Contains("churn: gates: 8 passed, 0 failed, 0 inconclusive; result PASS", first.Output, StringComparison.Ordinal);
        Assert.Contains("churn: PASS golden predictions golden.csv within 1E-5: 0 <= 1E-5, n=20", first.Output, StringComparison.Ordinal);
        string Pub(string f) => ws.PathOf(Path.Combine("pub", f));
        Assert.True(File.Exists(Pub("ChurnModel.dll")));
        foreach (var f in new[] { "churn.zip", "metrics.json", "gates.json", "schema.json", "lineage.json", "model-card.md" })
            Assert.True(File.Exists(Pub(f)), f + " missing from the publish folder");

        var lineage = Json(Pub("lineage.json"));
        Assert.Equal("churn", lineage.GetProperty("model").GetString());
        Assert.Equal("PASS", lineage.GetProperty("verdict").GetString());
        Assert.Equal(42, lineage.GetProperty("seed").GetInt32());
        Assert.Equal("lbfgs", lineage.GetProperty("parameters").GetProperty("trainer").GetString());
        Assert.Equal(JsonValueKind.Object, lineage.GetProperty("git").ValueKind);
        var dataFile = lineage.GetProperty("datasets")[0].GetProperty("files")[0];
        Assert.Equal("data/train.csv", dataFile.GetProperty("path").GetString());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(ws.PathOf("data/train.csv")))), dataFile.GetProperty("sha256").GetString());
        Assert.Equal(new FileInfo(Pub("churn.zip")).Length, lineage.GetProperty("artifact").GetProperty("bytes").GetInt64());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Pub("churn.zip")))), lineage.GetProperty("fileSha256").GetString());
        Assert.Equal("identical", lineage.GetProperty("artifact").GetProperty("reproducibility").GetProperty("level").GetString());
        Assert.Equal("6.0.0", lineage.GetProperty("mlnetVersionInZip").GetString());
        Assert.Equal("PASS", lineage.GetProperty("verdicts").GetProperty("model size <= 5 MB").GetString());

        var metrics = Json(Pub("metrics.json"));
        var auc = metrics.GetProperty("metrics").GetProperty("auc");
        Assert.InRange(auc.GetProperty("value").GetDouble(), 0.7, 1.0);
        Assert.True(auc.GetProperty("low").GetDouble() <= auc.GetProperty("value").GetDouble());
        Assert.Equal(746, metrics.GetProperty("testRows").GetInt32());

        var gates = Json(Pub("gates.json"));
        Assert.Equal("PASS", gates.GetProperty("verdict").GetString());
        Assert.Equal(8, gates.GetProperty("gates").GetArrayLength());

        var card = File.ReadAllText(Pub("model-card.md"));
        Assert.StartsWith("# Model card: churn\n", card, StringComparison.Ordinal);
        Assert.Contains("## Gates: PASS", card, StringComparison.Ordinal);
        Assert.Contains("| train | `data/train.csv` | 3,000 |", card, StringComparison.Ordinal);

        // Unchanged inputs: no training, the same files are published again.
        File.Delete(Pub("churn.zip"));
        var second = Publish(ws, "-v:n");
        Assert.Equal(0, second.ExitCode);
        Assert.Contains(SkippedPublish, second.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("engine publish-model", second.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(Pub("churn.zip")));

        // MlBuildPublishModel=false: a plain publish.
        var off = PublishTo(ws, "pub-off", "-v:n", "-p:MlBuildPublishModel=false");
        Assert.Equal(0, off.ExitCode);
        Assert.False(File.Exists(ws.PathOf("pub-off/churn.zip")));
        Assert.True(File.Exists(ws.PathOf("pub-off/ChurnModel.dll")));
        guard.Passed();
    }

    [Fact]
    public void Publish_fails_at_the_gate_lines_when_the_model_is_oversized_and_a_golden_prediction_moved()
    {
        using var guard = new TestGuard(packages, output);
        var ws = Workspace("publish-fail");
        var (sizeLine, sizeColumn) = GateAt(ws, "\"artifact\": \"size\"");
        ws.ReplaceLine(Pipeline, sizeLine, l => l.Replace("\"maxMB\": 5", "\"maxMB\": 0.001", StringComparison.Ordinal));
        var (goldenLine, goldenColumn) = GateAt(ws, "\"artifact\": \"golden\"");
        // Move the expected score of the first golden row by 0.01.
        ws.ReplaceLine("golden.csv", 2, l =>
        {
            int comma = l.LastIndexOf(',');
            var moved = double.Parse(l[(comma + 1)..], System.Globalization.CultureInfo.InvariantCulture) + 0.01;
            return l[..(comma + 1)] + moved.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        });

        var run = Publish(ws);

        Assert.NotEqual(0, run.ExitCode);
        var errors = run.MlbDiagnostics.Where(d => d.Severity == "error").ToList();
        Assert.Equal([(Pipeline, sizeLine, sizeColumn, "MLB5101"), (Pipeline, goldenLine, goldenColumn, "MLB5103")],
            errors.Select(d => (d.File, d.Line, d.Column, d.Code)));
        Assert.Contains("size-mb 0.0122 > 0.001", errors[0].Message, StringComparison.Ordinal);
        Assert.Contains("1 of 20 golden rows moved by more than 1E-5 (largest difference 0.01)", errors[1].Message, StringComparison.Ordinal);
        Assert.False(File.Exists(ws.PathOf("pub/churn.zip")));
        guard.Passed();
    }

    [Fact]
    public void Publish_with_MlBuildRegisterOnPublish_registers_the_model_and_says_its_version()
    {
        using var guard = new TestGuard(packages, output);
        var ws = Workspace("publish-register");
        ws.ReplaceLine(Pipeline, GateAt(ws, "\"gateDefaults\"").Line, l => "  \"registry\": { \"store\": \".mlregistry\" },\n" + l);

        var run = Publish(ws, "-p:MlBuildRegisterOnPublish=true");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("churn: registered as churn@1 in registry .mlregistry", run.Output, StringComparison.Ordinal);
        var registration = Json(ws.PathOf("pub/registration.json"));
        Assert.Equal(1, registration.GetProperty("version").GetInt32());
        // `dotnet ml list` of the packed engine sees the version.
        var engine = Path.Combine(packages.PackagesFolder, "mlbuild", packages.Version, "tools", "net10.0", "mlbuild.dll");
        var list = Dotnet.Run(ws.ProjectDirectory, packages.ConsumerEnvironment(), TimeSpan.FromMinutes(2), "exec", engine, "list", "--registry", ".mlregistry");
        output.WriteLine(list.ToString());
        Assert.Equal(0, list.ExitCode);
        Assert.Matches(@"(?m)^churn\s+1\s*$", list.Output);
        guard.Passed();
    }
}
