using static MlBuild.IntegrationTests.ModelWorkspace;

namespace MlBuild.IntegrationTests;

/// <summary>
/// `dotnet test` of a copy of samples/ChurnModel whose model is trained by the team's own C# project (bring your own
/// model, `model.command`): MlBuild runs `dotnet run --project ../Trainer` on the seeded quick-train sample it wrote,
/// evaluates the model the project saved and gates it; a training command that fails is one coded line at `command`.
/// </summary>
[Collection(PackagesCollection.Name)]
public sealed class ChurnModelCommandTests(PackagesFixture packages, ITestOutputHelper output)
{
    [Fact]
    public void Test_runs_the_users_training_project_on_the_sample_gates_its_model_and_reports_a_failing_command_at_its_line()
    {
        using var guard = new TestGuard(packages, output);
        var ws = SampleWorkspace.Create(packages, output, "ChurnModel", "command-model");
        // Beside the app's project, not inside it (its sources would compile into the app).
        WriteTrainerProject(Path.Combine(ws.Root, "Trainer"));
        EditPipeline(ws, "    \"trainer\": \"lbfgs\",\n", """
                "command": { "run": ["dotnet", "run", "--project", "../Trainer", "--", "{trainData}", "{modelOutput}"], "timeoutSeconds": 600, "inputs": ["../Trainer/*.cs"] },

            """);
        var (line, column) = At(ws, "\"command\"", "{");

        var run = ws.Dotnet_("test");

        Assert.Equal(0, run.ExitCode);
        Assert.Empty(run.MlbDiagnostics);
        Assert.Matches(@"(?m)^\s*mlbuild: model 'churn' \(binary, command, seed 42\) quick-trained on 2,000 rows, tested on 746 rows", run.Output);
        Assert.Matches(@"(?m)^\s*PASS auc >= 0\.7: 0\.\d+ \[0\.\d+, 0\.\d+\] >= 0\.7, n=746", run.Output);
        Assert.Matches(@"(?m)^\s*PASS model size <= 5 MB: ", run.Output);
        Assert.Contains("mlbuild: gates: 4 passed, 0 failed, 0 inconclusive; result PASS", run.Output, StringComparison.Ordinal);
        Assert.Equal(["churn.auc >= 0.7", "churn.accuracy >= 0.7", "churn.log-loss <= 0.6", "churn.model size <= 5 MB"],
            TrxResults(ws).Where(r => r.Outcome == "Passed").Select(r => r.Name));
        Assert.Equal([("auc >= 0.7", null), ("accuracy >= 0.7", null), ("log-loss <= 0.6", null), ("model size <= 5 MB", null)], JUnitCases(ws));
        // The model the project wrote, quick-trained on MlBuild's sample, is what was evaluated.
        Assert.True(File.Exists(ws.PathOf("obj/Debug/net10.0/mlbuild/test/churn.zip")));

        // Nothing changed: replayed. The training code (model.command.inputs) changed: trained again.
        var again = ws.Dotnet_("test");
        Assert.Equal(0, again.ExitCode);
        Assert.Contains("nothing changed since the last model test", again.Output, StringComparison.Ordinal);
        File.AppendAllText(Path.Combine(ws.Root, "Trainer", "Program.cs"), "\n// a change to the training code\n");
        var retrained = ws.Dotnet_("test");
        Assert.Equal(0, retrained.ExitCode);
        Assert.DoesNotContain("nothing changed since the last model test", retrained.Output, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^\s*mlbuild: model 'churn' \(binary, command, seed 42\) quick-trained on 2,000 rows", retrained.Output);

        // The sample no longer has a column the project needs: it exits with 3; one coded line at `command`.
        EditPipeline(ws, "\"allBut\": [\"signup_date\", \"last_active_date\"]", "\"allBut\": [\"signup_date\", \"last_active_date\", \"contract\"]");
        var failing = ws.Dotnet_("test");

        Assert.Equal(1, failing.ExitCode);
        var d = Assert.Single(failing.MlbDiagnostics);
        Assert.Equal((Pipeline, line, column, "error", "MLB3416"), (d.File, d.Line, d.Column, d.Severity, d.Code));
        Assert.StartsWith("The training command exited with code 3. Its last lines: ", d.Message, StringComparison.Ordinal);
        Assert.Contains("has no column contract; cannot train.", d.Message, StringComparison.Ordinal);
        NoStackTrace(failing);
        var error = Assert.Single(TrxResults(ws));
        Assert.Equal("Error", error.Outcome);
        Assert.Contains("MLB3416", error.Message, StringComparison.Ordinal);
        Assert.Equal("MLB3416", Assert.Single(JUnitCases(ws)).Failure);
        guard.Passed();
    }
}
