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
}
