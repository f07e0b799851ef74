using MlBuild.Core.Models.ModelTests;

namespace MlBuild.Tasks.Tests;

/// <summary>The MlBuildTestModel task against a fake engine: the request the engine reads, the verdict lines and
/// diagnostics it replays, the up-to-date replay that starts nothing, and a missing pipeline file.</summary>
public sealed class MlBuildTestModelTests : IDisposable
{
    readonly TaskWorkspace _ws = new();

    public void Dispose() => _ws.Dispose();

    const string FailingResult =
        "MLBUILD-RESULT\t2\t1\n" +
        "D\terror\trefusal\tMLB4001\tmlbuild.json\t20\t5\tGate 'auc >= 0.95' failed: auc 0.808.\n" +
        "M\tmlbuild: model 'churn' quick-trained\n" +
        "M\t  FAIL auc >= 0.95: 0.808 [0.7704, 0.8408] >= 0.95\n" +
        "M\tmlbuild: gates: 0 passed, 1 failed, 0 inconclusive; result FAIL\n";

    MlBuildTestModel Task(bool replay = false) => new()
    {
        BuildEngine = _ws.Engine,
        PipelineFile = "mlbuild.json",
        ProjectDirectory = _ws.Project,
        OutputDirectory = "obj/mlbuild/test",
        EngineAssembly = Path.Combine(_ws.Fake, "mlbuild.dll"),
        RequestFile = Path.Combine(_ws.StateDir, "test-model.request.json"),
        ResultFile = Path.Combine(_ws.StateDir, "test-model.result.tsv"),
        DotnetHostPath = Path.Combine(_ws.Fake, "dotnet"),
        ReplayOnly = replay,
    };

    [UnixFact]
    public void Task_writes_the_request_the_engine_reads_and_replays_a_failing_gate_at_its_line()
    {
        _ws.WriteFile("mlbuild.json", "{}");
        _ws.Prepare(1, FailingResult);
        var task = Task();

        Assert.False(task.Execute());

        Assert.True(task.ResultRecorded);
        Assert.True(task.Started);
        Assert.Equal(["exec", Path.Combine(_ws.Fake, "mlbuild.dll"), "engine", "test-model", "--request", task.RequestFile, "--result", task.ResultFile], _ws.RecordedArguments);
        var requestPath = Path.Combine(_ws.Root, "request.json");
        File.WriteAllText(requestPath, _ws.RecordedRequest);
        var request = ModelTestRequest.Read(requestPath);
        Assert.Equal((_ws.Project, "mlbuild.json", Path.Combine(_ws.Project, "obj", "mlbuild", "test")), (request.ProjectDirectory, request.Pipeline, request.OutputDirectory));
        var error = Assert.Single(_ws.Engine.Errors);
        Assert.Equal(("MLB4001", "mlbuild.json", 20, 5), (error.Code, error.File, error.LineNumber, error.ColumnNumber));
        Assert.Contains(_ws.Engine.Messages, m => m.Message == "  FAIL auc >= 0.95: 0.808 [0.7704, 0.8408] >= 0.95" && m.Importance == Microsoft.Build.Framework.MessageImportance.High);

        // Up to date: the same lines and the same error again, with no engine started.
        File.Delete(Path.Combine(_ws.Fake, "args.txt"));
        _ws.Engine.Errors.Clear();
        _ws.Engine.Messages.Clear();
        var replay = Task(replay: true);
        Assert.False(replay.Execute());
        Assert.False(_ws.EngineStarted);
        Assert.False(replay.ResultRecorded);
        Assert.False(replay.Started); // the targets replay only when the run target's task did not start
        Assert.Equal(("MLB4001", "mlbuild.json", 20, 5), (Assert.Single(_ws.Engine.Errors).Code, _ws.Engine.Errors[0].File, _ws.Engine.Errors[0].LineNumber, _ws.Engine.Errors[0].ColumnNumber));
        Assert.Contains(_ws.Engine.Messages, m => m.Message == "mlbuild: gates: 0 passed, 1 failed, 0 inconclusive; result FAIL");
    }

    [UnixFact]
    public void Task_with_a_pipeline_file_that_does_not_exist_is_MLB9020_and_starts_nothing()
    {
        var task = Task();
        task.PipelineFile = "models/churn.json";

        Assert.False(task.Execute());

        Assert.False(_ws.EngineStarted);
        Assert.False(task.ResultRecorded); // so no stamp: the next run tries again
        Assert.True(task.Started);         // and nothing stale is replayed after the error
        var error = Assert.Single(_ws.Engine.Errors);
        Assert.Equal("MLB9020", error.Code);
        Assert.Contains("models/churn.json", error.Message);
    }

    const string PassingResult =
        "MLBUILD-RESULT\t2\t0\n" +
        "M\tmlbuild: gates: 1 passed, 0 failed, 0 inconclusive; result PASS\n";

    [UnixFact]
    public void The_summary_is_named_and_appended_to_the_job_summary_once_per_step_file_replays_included()
    {
        _ws.WriteFile("mlbuild.json", "{}");
        // The engine's summary (the fake engine writes none: it stands in for the one the engine left).
        _ws.WriteFile("obj/mlbuild/test/model-test.summary.md", "## MlBuild: model `churn` ✅ pass\n");
        var step1 = Path.Combine(_ws.Root, "step1.md");
        var step2 = Path.Combine(_ws.Root, "step2.md");
        File.WriteAllText(step1, "earlier\n");
        MlBuildTestModel With(MlBuildTestModel t, string? stepSummary)
        {
            t.SummaryFile = Path.Combine(_ws.Project, "obj", "mlbuild", "test", "model-test.summary.md");
            t.SummaryDisplay = "TestResults/project.mlbuild.summary.md";
            t.StepSummaryFile = stepSummary;
            return t;
        }

        _ws.Prepare(0, PassingResult);
        Assert.True(With(Task(), step1).Execute());
        Assert.Equal("earlier\n## MlBuild: model `churn` ✅ pass\n", File.ReadAllText(step1));
        Assert.Contains(_ws.Engine.Messages, m => m.Message == "mlbuild: pull-request summary: TestResults/project.mlbuild.summary.md (appended to $GITHUB_STEP_SUMMARY)");

        // Up to date, same CI step: replayed, named, not appended a second time.
        _ws.Engine.Messages.Clear();
        Assert.True(With(Task(replay: true), step1).Execute());
        Assert.Equal("earlier\n## MlBuild: model `churn` ✅ pass\n", File.ReadAllText(step1));
        Assert.Contains(_ws.Engine.Messages, m => m.Message == "mlbuild: pull-request summary: TestResults/project.mlbuild.summary.md");

        // Up to date, a later CI step (its own summary file): that step gets the summary too.
        Assert.True(With(Task(replay: true), step2).Execute());
        Assert.Equal("## MlBuild: model `churn` ✅ pass\n", File.ReadAllText(step2));

        // Not on GitHub Actions: named only.
        _ws.Engine.Messages.Clear();
        Assert.True(With(Task(replay: true), null).Execute());
        Assert.Contains(_ws.Engine.Messages, m => m.Message == "mlbuild: pull-request summary: TestResults/project.mlbuild.summary.md");
        Assert.Empty(_ws.Engine.Warnings);
    }

    [UnixFact]
    public void A_pipeline_file_given_by_full_path_is_named_relative_to_the_project_and_the_drift_folder_is_passed()
    {
        _ws.WriteFile("models/churn.json", "{}");
        _ws.Prepare(0, PassingResult);
        var task = Task();
        task.PipelineFile = Path.Combine(_ws.Project, "models", "churn.json");
        task.DriftDirectory = "obj/mlbuild/";

        Assert.True(task.Execute());

        var requestPath = Path.Combine(_ws.Root, "request.json");
        File.WriteAllText(requestPath, _ws.RecordedRequest);
        var request = ModelTestRequest.Read(requestPath);
        Assert.Equal("models/churn.json", request.Pipeline); // so diagnostics, TRX and JUnit read models/churn.json(l,c)
        Assert.Equal(Path.Combine(_ws.Project, "obj", "mlbuild") + Path.DirectorySeparatorChar, request.DriftDirectory);
    }
}
