using System.Security.Cryptography;
using System.Text.Json;
using static MlBuild.IntegrationTests.ModelWorkspace;

namespace MlBuild.IntegrationTests;

/// <summary>
/// `dotnet test` and `dotnet publish` of a copy of samples/ChurnModel whose model is an ONNX file (`model.onnx`),
/// exported once from an ML.NET model by a team's own training project (Microsoft.ML.OnnxConverter): scored with ONNX
/// Runtime on MlBuild's test split and gated, its golden predictions recorded from the file with
/// `dotnet ml golden record --model`, published as NAME.onnx with its evidence, cleaned by `dotnet clean`; a corrupt
/// file is one coded line at its path in mlbuild.json. One workspace: the trainer project is built once.
/// </summary>
[Collection(PackagesCollection.Name)]
public sealed class ChurnModelOnnxTests(PackagesFixture packages, ITestOutputHelper output)
{
    [Fact]
    public void Test_and_publish_score_and_gate_an_ONNX_model_and_a_corrupt_ONNX_file_is_a_coded_error_at_its_path()
    {
        using var guard = new TestGuard(packages, output);
        var ws = SampleWorkspace.Create(packages, output, "ChurnModel", "onnx-model");
        var trainer = Path.Combine(ws.Root, "Trainer");
        WriteTrainerProject(trainer);
        // The model is made once, outside MlBuild, on the first 1,500 rows.
        var rows = File.ReadLines(ws.PathOf("data/train.csv")).Take(1501);
        var trainingRows = Path.Combine(ws.Root, "train-1500.csv");
        File.WriteAllLines(trainingRows, rows);
        var export = Dotnet.Run(ws.Root, packages.ConsumerEnvironment(), TimeSpan.FromMinutes(5),
            "run", "--project", trainer, "--", trainingRows, ws.PathOf("models/churn.onnx"));
        output.WriteLine(export.ToString());
        Assert.Equal(0, export.ExitCode);
        EditPipeline(ws, "    \"trainer\": \"lbfgs\",\n", "    \"onnx\": { \"path\": \"models/churn.onnx\", \"output\": \"Probability.output\" },\n");
        var (line, column) = At(ws, "\"onnx\"", "\"models/churn.onnx\"");

        var run = ws.Dotnet_("test");

        Assert.Equal(0, run.ExitCode);
        Assert.Empty(run.MlbDiagnostics);
        Assert.Contains("mlbuild: model 'churn' (binary, onnx model models/churn.onnx) tested on 746 rows", run.Output, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^\s*PASS auc >= 0\.7: 0\.\d+ \[0\.\d+, 0\.\d+\] >= 0\.7, n=746", run.Output);
        Assert.Contains("mlbuild: gates: 4 passed, 0 failed, 0 inconclusive; result PASS", run.Output, StringComparison.Ordinal);
        Assert.Equal(["churn.auc >= 0.7", "churn.accuracy >= 0.7", "churn.log-loss <= 0.6", "churn.model size <= 5 MB"],
            TrxResults(ws).Where(r => r.Outcome == "Passed").Select(r => r.Name));
        Assert.Equal([("auc >= 0.7", null), ("accuracy >= 0.7", null), ("log-loss <= 0.6", null), ("model size <= 5 MB", null)], JUnitCases(ws));

        // Unchanged: replayed, nothing scored again.
        var again = ws.Dotnet_("test");
        Assert.Equal(0, again.ExitCode);
        Assert.Contains("nothing changed since the last model test", again.Output, StringComparison.Ordinal);

        // `dotnet publish`: the sample's golden file was recorded from its lbfgs model, so record it again from the ONNX
        // file, as a team would; publish then runs every gate on the ONNX model and ships its bytes as given.
        var record = Ml(packages, output, ws, "golden", "record", "--model", "models/churn.onnx", "-o", "golden.csv");
        Assert.Equal(0, record.ExitCode);
        Assert.Contains("mlbuild: recorded 20 golden rows of model 'churn' in golden.csv (seed 42)", record.Output, StringComparison.Ordinal);
        var publish = ws.Dotnet_("publish", "-o", ws.PathOf("pub"));

        Assert.Equal(0, publish.ExitCode);
        Assert.DoesNotContain(publish.MlbDiagnostics, d => d.Severity is "error" or "warning");
        Assert.Contains("churn: PASS save/load round trip within 1E-6: 0 <= 1E-6", publish.Output, StringComparison.Ordinal);
        Assert.Contains("churn: PASS golden predictions golden.csv within 1E-5: 0 <= 1E-5, n=20", publish.Output, StringComparison.Ordinal);
        Assert.Matches(@"churn: PASS latency p95 <= 5 ms: [0-9.E-]+ <= 5, n=1000", publish.Output);
        Assert.Contains("churn: SKIPPED reproducibility at least identical", publish.Output, StringComparison.Ordinal);
        Assert.Contains("churn: gates: 7 passed, 0 failed, 0 inconclusive, 1 skipped; result PASS", publish.Output, StringComparison.Ordinal);
        string Pub(string f) => ws.PathOf(Path.Combine("pub", f));
        var given = File.ReadAllBytes(ws.PathOf("models/churn.onnx"));
        Assert.Equal(given, File.ReadAllBytes(Pub("churn.onnx")));
        Assert.False(File.Exists(Pub("churn.zip")));
        using (var lineage = JsonDocument.Parse(File.ReadAllBytes(Pub("lineage.json"))))
        {
            var l = lineage.RootElement;
            Assert.Equal("churn.onnx", l.GetProperty("modelFile").GetString());
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(given)), l.GetProperty("fileSha256").GetString());
            Assert.Equal("onnx", l.GetProperty("parameters").GetProperty("trainer").GetString());
            Assert.Equal("PASS", l.GetProperty("verdict").GetString());
        }
        var card = File.ReadAllText(Pub("model-card.md"));
        Assert.Contains("- File: `churn.onnx`, ", card, StringComparison.Ordinal);
        Assert.Contains("- Format: ONNX, scored with ONNX Runtime", card, StringComparison.Ordinal);

        // `dotnet clean` of the configuration publish built (Release) removes publish's intermediate files (they are
        // written after the build's file list, so only MlBuild's clean target knows them).
        var state = ws.PathOf("obj/Release/net10.0/mlbuild");
        Assert.True(File.Exists(Path.Combine(state, "publish-model.ok")));
        Assert.True(File.Exists(Path.Combine(state, "publish-model/churn.onnx")));
        var clean = ws.Dotnet_("clean", "-c", "Release");
        Assert.Equal(0, clean.ExitCode);
        Assert.Empty(Directory.Exists(state) ? Directory.EnumerateFileSystemEntries(state, "publish-model*") : []);

        // The file cut in half (an interrupted copy): ONNX Runtime cannot load it. The model file is an input of the
        // test, so the up-to-date check sees the change.
        var bytes = File.ReadAllBytes(ws.PathOf("models/churn.onnx"));
        File.WriteAllBytes(ws.PathOf("models/churn.onnx"), bytes[..(bytes.Length / 2)]);
        var corrupt = ws.Dotnet_("test");

        Assert.Equal(1, corrupt.ExitCode);
        var d = Assert.Single(corrupt.MlbDiagnostics);
        Assert.Equal((Pipeline, line, column, "error", "MLB3412"), (d.File, d.Line, d.Column, d.Severity, d.Code));
        Assert.StartsWith("'models/churn.onnx' is not an ONNX model ONNX Runtime can load: ", d.Message, StringComparison.Ordinal);
        NoStackTrace(corrupt);
        // The result files say so (not the last run's passing gates), and the last run's model is gone.
        var error = Assert.Single(TrxResults(ws));
        Assert.Equal("Error", error.Outcome);
        Assert.Contains("MLB3412", error.Message, StringComparison.Ordinal);
        Assert.Equal("MLB3412", Assert.Single(JUnitCases(ws)).Failure);
        Assert.False(File.Exists(ws.PathOf("obj/Debug/net10.0/mlbuild/test/churn.zip")));
        guard.Passed();
    }
}
