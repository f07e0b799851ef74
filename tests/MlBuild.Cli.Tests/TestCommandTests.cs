using System.Xml.Linq;

namespace MlBuild.Cli.Tests;

/// <summary>
/// <c>dotnet ml test</c> and its engine verb <c>engine test-model</c> end to end on a copy of samples/ChurnModel:
/// a real quick train, evaluation and gates, the reports it writes, and the same bytes on a second run.
/// </summary>
public sealed class TestCommandTests : CliWorkspace
{
    static readonly XNamespace Trx = "http://microsoft.com/schemas/VisualStudio/TeamTest/2010";

    public TestCommandTests()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "MlBuild.sln"))) root = Path.GetDirectoryName(root)!;
        var sample = Path.Combine(root, "samples", "ChurnModel");
        Directory.CreateDirectory(Path.Combine(_dir, "data"));
        foreach (var f in new[] { "mlbuild.json", "data/train.csv", "data/train.schema.json" })
            File.Copy(Path.Combine(sample, f), Path.Combine(_dir, f));
    }

    string Path_(string relative) => Path.Combine(_dir, relative);

    void EditPipeline(string from, string to)
    {
        var text = File.ReadAllText(Path_("mlbuild.json"));
        Assert.Contains(from, text);
        File.WriteAllText(Path_("mlbuild.json"), text.Replace(from, to, StringComparison.Ordinal));
    }

    [Fact]
    public void Test_passes_the_sample_gates_and_writes_the_same_bytes_on_any_thread_count()
    {
        var (exit, output, err) = Run("test", "-o", "out");
        Assert.Equal("", err);
        Assert.Equal(0, exit);
        Assert.StartsWith("mlbuild: model 'churn' (binary, lbfgs, seed 42) quick-trained on 2,000 rows, tested on ", output);
        Assert.Matches(@"(?m)^  PASS auc >= 0\.7: 0\.\d+ \[0\.\d+, 0\.\d+\] >= 0\.7, n=\d+, bootstrap 95 % \(2000 resamples, seed 42\)\r?$", output);
        Assert.Contains("mlbuild: gates: 4 passed, 0 failed, 0 inconclusive; result PASS", output);
        foreach (var f in new[] { "churn.zip", "churn.evidence/metrics.json", "churn.evidence/predictions.csv", "model-test.json", "model-test.junit.xml", "model-test.trx" })
            Assert.True(File.Exists(Path_("out/" + f)), f);

        var trx = XDocument.Load(Path_("out/model-test.trx"));
        var results = trx.Root!.Element(Trx + "Results")!.Elements(Trx + "UnitTestResult").ToList();
        Assert.Equal(4, results.Count);
        Assert.All(results, r => Assert.Equal("Passed", (string)r.Attribute("outcome")!));
        Assert.Equal("Completed", (string)trx.Root.Element(Trx + "ResultSummary")!.Attribute("outcome")!);
        // No clock in the file: no Times element, no start or end times.
        Assert.Null(trx.Root.Element(Trx + "Times"));
        Assert.DoesNotContain(results, r => r.Attribute("startTime") is not null);

        var first = Directory.GetFiles(Path_("out"), "*", SearchOption.AllDirectories).Order().Select(File.ReadAllBytes).ToList();
        Assert.Equal(0, Run("test", "-o", "out", "--threads", "1").Exit);
        var second = Directory.GetFiles(Path_("out"), "*", SearchOption.AllDirectories).Order().Select(File.ReadAllBytes).ToList();
        Assert.Equal(first, second);
    }

    [Fact]
    public void Test_with_a_bound_too_high_exits_1_with_MLB4001_at_the_gate_and_a_failed_trx_test()
    {
        EditPipeline("{ \"metric\": \"log-loss\", \"max\": 0.6 }", "{ \"metric\": \"log-loss\", \"max\": 0.1 }");
        var line = Array.FindIndex(File.ReadAllLines(Path_("mlbuild.json")), l => l.Contains("\"max\": 0.1", StringComparison.Ordinal)) + 1;

        var (exit, output, err) = Run("test", "-o", "out");

        Assert.Equal(1, exit);
        Assert.StartsWith($"mlbuild.json({line},5): error MLB4001: Gate 'log-loss <= 0.1' failed: log-loss 0.", err);
        Assert.Contains("  FAIL log-loss <= 0.1: ", output);
        Assert.Contains("gates: 3 passed, 1 failed, 0 inconclusive; result FAIL", output);
        var trx = XDocument.Load(Path_("out/model-test.trx"));
        Assert.Equal("Failed", (string)trx.Root!.Element(Trx + "ResultSummary")!.Attribute("outcome")!);
        var failed = Assert.Single(trx.Root.Element(Trx + "Results")!.Elements(Trx + "UnitTestResult"), r => (string)r.Attribute("outcome")! == "Failed");
        Assert.Equal("churn.log-loss <= 0.1", (string)failed.Attribute("testName")!);
        Assert.Contains($"mlbuild.json({line},5): error MLB4001", failed.Descendants(Trx + "Message").Single().Value);
        var counters = trx.Root.Element(Trx + "ResultSummary")!.Element(Trx + "Counters")!;
        Assert.Equal(("4", "3", "1"), ((string)counters.Attribute("total")!, (string)counters.Attribute("passed")!, (string)counters.Attribute("failed")!));
    }

    [Fact]
    public void Test_of_a_pipeline_file_without_a_model_is_MLB4100()
    {
        File.WriteAllText(Path_("mlbuild.json"), "{ \"datasets\": { \"train\": { \"path\": \"data/train.csv\", \"schema\": \"data/train.schema.json\" } } }");

        var (exit, _, err) = Run("test");

        Assert.Equal(2, exit);
        Assert.StartsWith("mlbuild.json: error MLB4100: 'mlbuild.json' declares no model", err);
    }

    [Fact]
    public void Engine_test_model_writes_the_result_file_the_task_replays_and_the_inputs_it_read()
    {
        EditPipeline("\"test\": 0.25", "\"test\": 0.03");
        File.WriteAllText(Path_("request.json"),
            $$"""{"formatVersion":1,"projectDirectory":{{System.Text.Json.JsonSerializer.Serialize(_dir)}},"pipeline":"mlbuild.json","outputDirectory":"obj/test"}""");

        var (exit, _, _) = Run("engine", "test-model", "--request", "request.json", "--result", "result.tsv");

        // The tiny split leaves AUC inconclusive; the file's policy is fail.
        Assert.Equal(1, exit);
        var (resultExit, diagnostics, messages) = Core.Reports.ResultFile.Read(Path_("result.tsv"));
        Assert.Equal(1, resultExit);
        var d = Assert.Single(diagnostics);
        Assert.Equal(("MLB4003", "mlbuild.json", 20, 5), (d.Code, d.File, d.Line, d.Column));
        Assert.StartsWith("  INCONCLUSIVE (as fail) auc >= 0.7: ", messages[1]);
        Assert.Equal("mlbuild: gates: 3 passed, 0 failed, 1 inconclusive; result FAIL", messages[^1]);
        Assert.Equal([Path_("data/train.schema.json"), Path_("data/train.csv")],
            File.ReadAllLines(Path_("obj/test/model-test.inputs")));
    }

    [Fact]
    public void Engine_test_model_warns_at_a_training_code_input_that_matches_no_file()
    {
        // The user's own training command (it fails at once here), whose code is listed by a glob that matches nothing.
        EditPipeline("\"trainer\": \"lbfgs\",", "\"command\": { \"run\": [\"dotnet\", \"--no-such-option\"], \"inputs\": [\"Trainer/*.cs\"] },");
        File.WriteAllText(Path_("request.json"),
            $$"""{"formatVersion":1,"projectDirectory":{{System.Text.Json.JsonSerializer.Serialize(_dir)}},"pipeline":"mlbuild.json","outputDirectory":"obj/test"}""");

        Run("engine", "test-model", "--request", "request.json", "--result", "result.tsv");

        // The warning is in the result file the task replays, at the glob's line and column, whatever the run did next.
        var (_, diagnostics, _) = Core.Reports.ResultFile.Read(Path_("result.tsv"));
        var w = Assert.Single(diagnostics, d => d.Code == "MLB4300");
        Assert.Equal(("mlbuild.json", 13, 68, Core.Diagnostics.MlSeverity.Warning), (w.File, w.Line, w.Column, w.Severity));
        Assert.StartsWith("model.command.inputs 'Trainer/*.cs' matches no file", w.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Engine_test_model_writes_the_summary_with_the_build_s_drift_reports_and_leaves_no_stale_one()
    {
        // What `dotnet build`'s drift rule leaves in obj/mlbuild/: a drift report per dataset.
        var drift = Run("data", "drift", "-r", "data/train.csv", "-c", "data/train.csv", "-s", "data/train.schema.json", "--json", "obj/drift-train.json");
        Assert.True(drift.Exit == 0, drift.Err + drift.Out);
        File.WriteAllText(Path_("request.json"),
            $$"""{"formatVersion":1,"projectDirectory":{{System.Text.Json.JsonSerializer.Serialize(_dir)}},"pipeline":"mlbuild.json","outputDirectory":"obj/test","driftDirectory":"obj"}""");

        Assert.Equal(0, Run("engine", "test-model", "--request", "request.json", "--result", "result.tsv").Exit);

        var md = File.ReadAllText(Path_("obj/test/model-test.summary.md"));
        Assert.StartsWith("## MlBuild: model `churn` ✅ pass\n", md);
        Assert.True(md.Contains("### Data drift: `data/train.csv` ✅ pass\n\nAgainst `data/train.csv`. ", StringComparison.Ordinal), md);

        // A pipeline file that no longer loads: an error, and no summary of the earlier run left to be posted.
        File.WriteAllText(Path_("mlbuild.json"), "{ \"model\": ");
        Assert.Equal(2, Run("engine", "test-model", "--request", "request.json", "--result", "result.tsv").Exit);
        Assert.False(File.Exists(Path_("obj/test/model-test.summary.md")));
    }
}
