namespace MlBuild.IntegrationTests;

/// <summary>
/// `dotnet test` in Microsoft.Testing.Platform mode (global.json "test": {"runner": "Microsoft.Testing.Platform"}) of a
/// copy of samples/ChurnModel turned into an MSTest (MSTest.Sdk) test application: the SDK never calls VSTest there, so
/// the model gates run after its _MTPBuild target; a failing gate fails `dotnet test` at the gate's line.
/// </summary>
[Collection(PackagesCollection.Name)]
public sealed class ChurnModelMtpTests(PackagesFixture packages, ITestOutputHelper output)
{
    const string Pipeline = "mlbuild.json";

    DotnetRun Test(SampleWorkspace ws, params string[] extraArgs)
    {
        // MTP mode passes MSBuild switches other than -bl and -p on to the test application, so only those.
        var run = Dotnet.Run(ws.ProjectDirectory, packages.ConsumerEnvironment(), TimeSpan.FromMinutes(5),
            ["test", "--project", ws.ProjectFile, $"-bl:{Path.Combine(ws.Root, $"mtp-{Guid.NewGuid():N}.binlog")}", .. extraArgs]);
        output.WriteLine(run.ToString());
        return run;
    }

    [Fact]
    public void Test_of_an_MSTest_application_in_MTP_mode_runs_the_gates_and_a_failing_gate_fails_it()
    {
        using var guard = new TestGuard(packages, output);
        var ws = SampleWorkspace.Create(packages, output, "ChurnModel", "model-mtp");
        var globalJson = Path.Combine(ws.Root, "global.json");
        File.WriteAllText(globalJson, File.ReadAllText(globalJson).TrimEnd().TrimEnd('}') + ",\n  \"test\": { \"runner\": \"Microsoft.Testing.Platform\" }\n}\n");
        File.Delete(ws.PathOf("Program.cs"));
        ws.EditProject(p => p
            .Replace("<Project Sdk=\"Microsoft.NET.Sdk\">", "<Project Sdk=\"MSTest.Sdk/4.5.3\">", StringComparison.Ordinal)
            .Replace("<OutputType>Exe</OutputType>", "", StringComparison.Ordinal));
        File.WriteAllText(ws.PathOf("TenureTests.cs"), """
            using Microsoft.VisualStudio.TestTools.UnitTesting;

            [TestClass]
            public class TenureTests
            {
                static int Bucket(int months) => months < 12 ? 0 : months < 36 ? 1 : 2;

                [TestMethod]
                public void First_year_customers_are_bucket_zero() => Assert.AreEqual(0, Bucket(11));
            }
            """);

        var run = Test(ws, "-v:n");

        Assert.Equal(0, run.ExitCode);
        Assert.Empty(run.MlbDiagnostics);
        Assert.Contains("mlbuild: gates: 4 passed, 0 failed, 0 inconclusive; result PASS", run.Output, StringComparison.Ordinal);
        Assert.Contains("succeeded: 1", run.Output, StringComparison.Ordinal); // the team's own unit test ran too
        Assert.True(File.Exists(ws.PathOf("TestResults/ChurnModel.mlbuild.trx")));
        Assert.True(File.Exists(ws.PathOf("TestResults/ChurnModel.mlbuild.summary.md")));

        // A failing gate: an error at its line in mlbuild.json, and `dotnet test` fails (at the default verbosity).
        var text = File.ReadAllText(ws.PathOf(Pipeline));
        File.WriteAllText(ws.PathOf(Pipeline), text.Replace("{ \"metric\": \"auc\", \"min\": 0.7 }", "{ \"metric\": \"auc\", \"min\": 0.95 }", StringComparison.Ordinal));
        var lines = File.ReadAllLines(ws.PathOf(Pipeline));
        int index = Array.FindIndex(lines, l => l.Contains("\"min\": 0.95", StringComparison.Ordinal));
        var failing = Test(ws);
        Assert.NotEqual(0, failing.ExitCode);
        var d = Assert.Single(failing.MlbDiagnostics);
        Assert.Equal((Pipeline, index + 1, lines[index].IndexOf('{', StringComparison.Ordinal) + 1, "error", "MLB4001"), (d.File, d.Line, d.Column, d.Severity, d.Code));
        guard.Passed();
    }
}
