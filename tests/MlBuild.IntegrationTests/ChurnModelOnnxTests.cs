using static MlBuild.IntegrationTests.ModelWorkspace;

namespace MlBuild.IntegrationTests;

/// <summary>
/// `dotnet test` of a copy of samples/ChurnModel whose model is an ONNX file (`model.onnx`), exported once from an
/// ML.NET model by a team's own training project (Microsoft.ML.OnnxConverter): scored with ONNX Runtime on MlBuild's
/// test split and gated; a corrupt file is one coded line at its path in mlbuild.json.
/// </summary>
[Collection(PackagesCollection.Name)]
public sealed class ChurnModelOnnxTests(PackagesFixture packages, ITestOutputHelper output)
{
    [Fact]
    public void Test_scores_and_gates_an_ONNX_model_and_a_corrupt_ONNX_file_is_a_coded_error_at_its_path()
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
