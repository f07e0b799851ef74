using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace MlBuild.IntegrationTests;

/// <summary>
/// `dotnet test` of standalone copies of samples/ChurnModel that reference the packed MlBuild package: the model is
/// quick-trained, evaluated and gated; each gate is a line of the output, a failing gate an error at its line in
/// mlbuild.json, and the JUnit and TRX files land in TestResults/. Each `dotnet test` costs 10-30 s, so the tests
/// chain what they can check on one workspace.
/// </summary>
[Collection(PackagesCollection.Name)]
public sealed class ChurnModelTestTests(PackagesFixture packages, ITestOutputHelper output)
{
    const string Pipeline = "mlbuild.json";
    const string EngineStarted = "engine test-model";
    const string Replayed = "nothing changed since the last model test";
    static readonly XNamespace Trx = "http://microsoft.com/schemas/VisualStudio/TeamTest/2010";

    SampleWorkspace Workspace(string name) => SampleWorkspace.Create(packages, output, "ChurnModel", name);

    /// <summary>The 1-based line and column of the gate object whose text contains <paramref name="marker"/>.</summary>
    static (int Line, int Column) GateAt(SampleWorkspace ws, string marker)
    {
        var lines = File.ReadAllLines(ws.PathOf(Pipeline));
        int index = Array.FindIndex(lines, l => l.Contains(marker, StringComparison.Ordinal));
        Assert.True(index >= 0, $"'{marker}' is not in {Pipeline}");
        return (index + 1, lines[index].IndexOf('{', StringComparison.Ordinal) + 1);
    }

    static void EditPipeline(SampleWorkspace ws, string from, string to)
    {
        var text = File.ReadAllText(ws.PathOf(Pipeline));
        Assert.Contains(from, text, StringComparison.Ordinal);
        File.WriteAllText(ws.PathOf(Pipeline), text.Replace(from, to, StringComparison.Ordinal));
    }

    /// <summary>`dotnet test` as <see cref="SampleWorkspace.Dotnet_"/> runs it, with extra environment variables.</summary>
    DotnetRun TestWithEnvironment(SampleWorkspace ws, Dictionary<string, string?> environment, params string[] extraArgs)
    {
        var env = packages.ConsumerEnvironment();
        foreach (var (k, v) in environment) env[k] = v;
        var run = Dotnet.Run(ws.ProjectDirectory, env, TimeSpan.FromMinutes(5),
            ["test", ws.ProjectFile, "-nodeReuse:false", "-tl:off", "-nologo", "-m:1", .. extraArgs]);
        output.WriteLine(run.ToString());
        return run;
    }

    /// <summary>`dotnet ml VERB ...` with the packed package's engine, in the sample's folder.</summary>
    DotnetRun Ml(SampleWorkspace ws, params string[] args)
    {
        var engine = Path.Combine(packages.PackagesFolder, "mlbuild", packages.Version, "tools", "net10.0", "mlbuild.dll");
        var run = Dotnet.Run(ws.ProjectDirectory, packages.ConsumerEnvironment(), TimeSpan.FromMinutes(3), ["exec", engine, .. args]);
        output.WriteLine(run.ToString());
        Assert.True(run.ExitCode == 0, run.ToString());
        return run;
    }

    [Fact]
    public void Test_decides_a_prod_baseline_gate_again_when_dotnet_ml_promote_moves_prod()
    {
        using var guard = new TestGuard(packages, output);
        var ws = Workspace("model-registry-alias");
        EditPipeline(ws, "{ \"metric\": \"auc\", \"min\": 0.7 },", "{ \"metric\": \"auc\", \"min\": 0.7 },\n    { \"metric\": \"auc\", \"maxDrop\": 0.05, \"baseline\": \"prod\" },");
        EditPipeline(ws, "\"gateDefaults\"", "\"registry\": { \"store\": \".mlregistry\" },\n  \"gateDefaults\"");
        // Version 1, fully trained, serves as prod.
        Ml(ws, "train", "-o", "v1/churn.zip");
        Ml(ws, "register", "churn", "v1/churn.zip", "--evidence", "v1/churn.evidence");
        Ml(ws, "promote", "churn", "1", "--to", "prod");

        var first = ws.Dotnet_("test", "-v:n");
        Assert.Equal(0, first.ExitCode);
        Assert.Contains(EngineStarted, first.Output, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^\s*PASS auc drop vs prod <= 0\.05: .*churn 1 \(prod\)", first.Output);
        Assert.Contains("**Serving**: `churn` version 1 (`prod` in registry `.mlregistry`)", File.ReadAllText(ws.PathOf("TestResults/ChurnModel.mlbuild.summary.md")), StringComparison.Ordinal);

        // Nothing moved: the stored verdicts.
        var second = ws.Dotnet_("test", "-v:n");
        Assert.Equal(0, second.ExitCode);
        Assert.DoesNotContain(EngineStarted, second.Output, StringComparison.Ordinal);
        Assert.Contains(Replayed, second.Output, StringComparison.Ordinal);

        // Another version takes prod (the quick-trained candidate with its evidence): the gates are decided again.
        Ml(ws, "register", "churn", "obj/Debug/net10.0/mlbuild/test/churn.zip", "--evidence", "obj/Debug/net10.0/mlbuild/test/churn.evidence");
        Ml(ws, "promote", "churn", "2", "--to", "prod");
        var third = ws.Dotnet_("test", "-v:n");
        Assert.Equal(0, third.ExitCode);
        Assert.Contains(EngineStarted, third.Output, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^\s*PASS auc drop vs prod <= 0\.05: .*churn 2 \(prod\)", third.Output);
        Assert.Contains("**Serving**: `churn` version 2 (`prod` in registry `.mlregistry`)", File.ReadAllText(ws.PathOf("TestResults/ChurnModel.mlbuild.summary.md")), StringComparison.Ordinal);
        guard.Passed();
    }

    [Fact]
    public void Test_puts_the_drift_the_build_found_into_the_summary()
    {
        using var guard = new TestGuard(packages, output);
        var ws = Workspace("model-summary-drift");
        // A committed reference profile of the training data: `dotnet build` compares the data with it (docs/drift.md).
        Assert.Equal(0, ws.Build().ExitCode);
        Ml(ws, "data", "profile", "data/train.csv", "--schema", "data/train.schema.json", "-o", "data/train.profile.json");
        EditPipeline(ws, "\"schema\": \"data/train.schema.json\" }", "\"schema\": \"data/train.schema.json\", \"reference\": \"data/train.profile.json\" }");

        var run = ws.Dotnet_("test");

        Assert.Equal(0, run.ExitCode);
        var summary = File.ReadAllText(ws.PathOf("TestResults/ChurnModel.mlbuild.summary.md"));
        Assert.Contains("### Data drift: `data/train.csv` ✅ pass\n", summary, StringComparison.Ordinal);
        Assert.Contains("`data/train.profile.json`", summary, StringComparison.Ordinal);
        guard.Passed();
    }

    [Fact]
    public void Test_of_a_multi_targeted_project_runs_the_gates_once_into_one_set_of_files()
    {
        using var guard = new TestGuard(packages, output);
        var ws = Workspace("model-multi-tfm");
        ws.EditProject(p => p.Replace("<TargetFramework>net10.0</TargetFramework>",
            "<TargetFrameworks>net10.0;net9.0</TargetFrameworks>\n    <UseAppHost>false</UseAppHost>", StringComparison.Ordinal));

        var run = ws.Dotnet_("test", "-v:n");

        Assert.Equal(0, run.ExitCode);
        Assert.Empty(run.MlbDiagnostics);
        Assert.Contains(EngineStarted, run.Output, StringComparison.Ordinal);
        Assert.Single(Regex.Matches(run.Output, "mlbuild: gates: 4 passed, 0 failed, 0 inconclusive; result PASS"));
        Assert.Contains("mlbuild: the model is tested once per project, in its net10.0 build (the first of TargetFrameworks); nothing to do for net9.0", run.Output, StringComparison.Ordinal);
        Assert.Equal(["ChurnModel.mlbuild.junit.xml", "ChurnModel.mlbuild.summary.md", "ChurnModel.mlbuild.trx"],
            Directory.GetFiles(ws.PathOf("TestResults")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.False(Directory.Exists(ws.PathOf("obj/Debug/net9.0/mlbuild/test")));
        guard.Passed();
    }

    [Fact]
    public void Test_passes_the_gates_writes_trx_and_junit_then_replays_without_training_until_the_data_changes()
    {
        using var guard = new TestGuard(packages, output);
        var ws = Workspace("model-pass");

        var jobSummary = Path.Combine(ws.Root, "step-summary.md");
        var first = TestWithEnvironment(ws, new() { ["GITHUB_STEP_SUMMARY"] = jobSummary }, "-v:n");
        Assert.Equal(0, first.ExitCode);
        Assert.Empty(first.MlbDiagnostics);
        Assert.Contains(EngineStarted, first.Output, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^\s*PASS auc >= 0\.7: 0\.\d+ \[0\.\d+, 0\.\d+\] >= 0\.7, n=\d+", first.Output);
        Assert.Matches(@"(?m)^\s*PASS accuracy >= 0\.7: ", first.Output);
        Assert.Matches(@"(?m)^\s*PASS log-loss <= 0\.6: ", first.Output);
        Assert.Matches(@"(?m)^\s*PASS model size <= 5 MB: ", first.Output);
        Assert.Contains("mlbuild: gates: 4 passed, 0 failed, 0 inconclusive; result PASS", first.Output, StringComparison.Ordinal);

        // The files CI test tabs read: a TRX whose four tests passed, JUnit with four test cases and no failure.
        var trx = XDocument.Load(ws.PathOf("TestResults/ChurnModel.mlbuild.trx"));
        var counters = trx.Root!.Element(Trx + "ResultSummary")!.Element(Trx + "Counters")!;
        Assert.Equal(("4", "4", "0"), ((string)counters.Attribute("total")!, (string)counters.Attribute("passed")!, (string)counters.Attribute("failed")!));
        var results = trx.Root.Element(Trx + "Results")!.Elements(Trx + "UnitTestResult").ToList();
        Assert.Equal(["churn.auc >= 0.7", "churn.accuracy >= 0.7", "churn.log-loss <= 0.6", "churn.model size <= 5 MB"],
            results.Select(r => (string)r.Attribute("testName")!));
        Assert.All(results, r => Assert.Equal("Passed", (string)r.Attribute("outcome")!));
        // Every result points at a definition (ids are derived from names: the same on every run).
        var definitions = trx.Root.Element(Trx + "TestDefinitions")!.Elements(Trx + "UnitTest").Select(u => (string)u.Attribute("id")!).ToHashSet();
        Assert.All(results, r => Assert.Contains((string)r.Attribute("testId")!, definitions));
        var junit = XDocument.Load(ws.PathOf("TestResults/ChurnModel.mlbuild.junit.xml"));
        Assert.Equal(("4", "0"), ((string)junit.Root!.Attribute("tests")!, (string)junit.Root.Attribute("failures")!));
        Assert.True(File.Exists(ws.PathOf("obj/Debug/net10.0/mlbuild/test/churn.zip")));
        var trxBytes = File.ReadAllBytes(ws.PathOf("TestResults/ChurnModel.mlbuild.trx"));

        // The pull-request summary: named in the output, written under TestResults/, appended to the job summary.
        Assert.Contains("mlbuild: pull-request summary: TestResults/ChurnModel.mlbuild.summary.md (appended to $GITHUB_STEP_SUMMARY)", first.Output, StringComparison.Ordinal);
        var summary = File.ReadAllText(ws.PathOf("TestResults/ChurnModel.mlbuild.summary.md"));
        Assert.StartsWith("## MlBuild: model `churn` ✅ pass\n\n**Candidate**: `churn` (binary, lbfgs, seed 42), trained on 2,000 rows (quick-train sample), ", summary);
        Assert.Matches(@"\| auc ↑ \| 0\.\d+ \[0\.\d+, 0\.\d+\] \|", summary);
        Assert.Contains("4 gates: 4 pass.", summary, StringComparison.Ordinal);
        Assert.Equal(summary, File.ReadAllText(jobSummary));

        // Nothing changed: no engine, no training; the stored verdict lines are replayed.
        var second = TestWithEnvironment(ws, new() { ["GITHUB_STEP_SUMMARY"] = jobSummary }, "-v:n");
        Assert.Equal(0, second.ExitCode);
        // Replayed in the same CI step: named, not appended a second time.
        Assert.Contains("mlbuild: pull-request summary: TestResults/ChurnModel.mlbuild.summary.md", second.Output, StringComparison.Ordinal);
        Assert.Equal(summary, File.ReadAllText(jobSummary));
        Assert.DoesNotContain(EngineStarted, second.Output, StringComparison.Ordinal);
        Assert.Contains("Skipping target \"_MlBuildRunTestModel\" because all output files are up-to-date", second.Output, StringComparison.Ordinal);
        Assert.Contains(Replayed, second.Output, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^\s*PASS auc >= 0\.7: ", second.Output);

        // --results-directory moves the result files (the model is still up to date).
        var elsewhere = ws.Dotnet_("test", "--results-directory", Path.Combine(ws.Root, "ci-results"));
        Assert.Equal(0, elsewhere.ExitCode);
        Assert.DoesNotContain(EngineStarted, elsewhere.Output, StringComparison.Ordinal);
        Assert.Equal(trxBytes, File.ReadAllBytes(Path.Combine(ws.Root, "ci-results", "ChurnModel.mlbuild.trx")));

        // The data changed: the model is trained again, to the same verdicts.
        File.SetLastWriteTimeUtc(ws.PathOf("data/train.csv"), DateTime.UtcNow.AddSeconds(2));
        var third = ws.Dotnet_("test", "-v:n");
        Assert.Equal(0, third.ExitCode);
        Assert.Contains(EngineStarted, third.Output, StringComparison.Ordinal);
        // Deterministic: same inputs, same seed, the same TRX bytes.
        Assert.Equal(trxBytes, File.ReadAllBytes(ws.PathOf("TestResults/ChurnModel.mlbuild.trx")));
        guard.Passed();
    }

    [Fact]
    public void Test_with_a_threshold_too_high_fails_at_the_gate_in_mlbuild_json_and_fails_again_without_training()
    {
        using var guard = new TestGuard(packages, output);
        var ws = Workspace("model-fail");
        EditPipeline(ws, "{ \"metric\": \"auc\", \"min\": 0.7 }", "{ \"metric\": \"auc\", \"min\": 0.95 }");
        var (line, column) = GateAt(ws, "\"min\": 0.95");

        var run = ws.Dotnet_("test");

        Assert.NotEqual(0, run.ExitCode);
        var d = Assert.Single(run.MlbDiagnostics);
        Assert.Equal((Pipeline, line, column, "error", "MLB4001"), (d.File, d.Line, d.Column, d.Severity, d.Code));
        Assert.StartsWith("Gate 'auc >= 0.95' failed: auc 0.", d.Message, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^\s*FAIL auc >= 0\.95: ", run.Output);
        Assert.Contains("gates: 3 passed, 1 failed, 0 inconclusive; result FAIL", run.Output, StringComparison.Ordinal);
        var trx = XDocument.Load(ws.PathOf("TestResults/ChurnModel.mlbuild.trx"));
        var failed = Assert.Single(trx.Root!.Element(Trx + "Results")!.Elements(Trx + "UnitTestResult"), r => (string)r.Attribute("outcome")! != "Passed");
        Assert.Equal(("churn.auc >= 0.95", "Failed"), ((string)failed.Attribute("testName")!, (string)failed.Attribute("outcome")!));
        // The pipeline file is named as the diagnostics name it, relative to the project; no machine path in the files.
        var message = failed.Descendants(Trx + "Message").Single().Value;
        Assert.Contains($"{Pipeline}({line},{column}): error MLB4001: Gate 'auc >= 0.95' failed", message, StringComparison.Ordinal);
        foreach (var file in new[] { "TestResults/ChurnModel.mlbuild.trx", "TestResults/ChurnModel.mlbuild.junit.xml", "TestResults/ChurnModel.mlbuild.summary.md" })
            Assert.DoesNotContain(ws.Root, File.ReadAllText(ws.PathOf(file)), StringComparison.Ordinal);
        Assert.Contains("| auc >= 0.95 | ❌ fail MLB4001 |", File.ReadAllText(ws.PathOf("TestResults/ChurnModel.mlbuild.summary.md")), StringComparison.Ordinal);

        // An unchanged failing model fails again with the same diagnostic, from the stored result.
        var again = ws.Dotnet_("test", "-v:n");
        Assert.NotEqual(0, again.ExitCode);
        Assert.DoesNotContain(EngineStarted, again.Output, StringComparison.Ordinal);
        Assert.Contains(Replayed, again.Output, StringComparison.Ordinal);
        var e = Assert.Single(again.MlbDiagnostics);
        Assert.Equal((Pipeline, line, column, "error", "MLB4001"), (e.File, e.Line, e.Column, e.Severity, e.Code));

        // `dotnet clean` removes the model test's files too (they are written after Build lists its files).
        var state = ws.PathOf("obj/Debug/net10.0/mlbuild");
        Assert.NotEmpty(Directory.GetFiles(state, "test-model.*"));
        var clean = ws.Dotnet_("clean");
        Assert.Equal(0, clean.ExitCode);
        Assert.Empty(Directory.Exists(state) ? Directory.GetFiles(state, "test-model.*") : []);
        Assert.False(Directory.Exists(Path.Combine(state, "test")));
        guard.Passed();
    }

    [Fact]
    public void Test_with_a_tiny_test_split_is_inconclusive_an_error_under_policy_fail_and_a_warning_under_warn()
    {
        using var guard = new TestGuard(packages, output);
        var ws = Workspace("model-inconclusive");
        // About 70 test rows: AUC's interval is too wide to clear 0.7, or to fall below it.
        EditPipeline(ws, "\"test\": 0.25", "\"test\": 0.03");
        var (line, column) = GateAt(ws, "\"metric\": \"auc\"");

        var failing = ws.Dotnet_("test");
        Assert.NotEqual(0, failing.ExitCode);
        var d = Assert.Single(failing.MlbDiagnostics);
        Assert.Equal((Pipeline, line, column, "error", "MLB4003"), (d.File, d.Line, d.Column, d.Severity, d.Code));
        Assert.Matches(@"test rows would decide it\)\. Policy: fail\.$", d.Message);
        Assert.Matches(@"(?m)^\s*INCONCLUSIVE \(as fail\) auc >= 0\.7: ", failing.Output);

        EditPipeline(ws, "\"inconclusive\": \"fail\"", "\"inconclusive\": \"warn\"");
        var warning = ws.Dotnet_("test");
        Assert.Equal(0, warning.ExitCode);
        var w = Assert.Single(warning.MlbDiagnostics);
        Assert.Equal((Pipeline, line, column, "warning", "MLB4003"), (w.File, w.Line, w.Column, w.Severity, w.Code));
        Assert.Contains("1 inconclusive, 1 reported as warnings; result WARN", warning.Output, StringComparison.Ordinal);
        var trx = XDocument.Load(ws.PathOf("TestResults/ChurnModel.mlbuild.trx"));
        Assert.Equal("Inconclusive", trx.Root!.Element(Trx + "Results")!.Elements(Trx + "UnitTestResult")
            .Single(r => (string)r.Attribute("testName")! == "churn.auc >= 0.7").Attribute("outcome")!.Value);
        guard.Passed();
    }

    [Fact]
    public void Test_with_MlBuildTestModel_false_trains_nothing()
    {
        using var guard = new TestGuard(packages, output);
        var ws = Workspace("model-opt-out");

        var run = ws.Dotnet_("test", "-p:MlBuildTestModel=false", "-v:n");

        Assert.Equal(0, run.ExitCode);
        Assert.DoesNotContain(EngineStarted, run.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(ws.PathOf("TestResults/ChurnModel.mlbuild.trx")));
        Assert.False(File.Exists(ws.PathOf("obj/Debug/net10.0/mlbuild/test-model.request.json")));
        guard.Passed();
    }

    [Fact]
    public void Test_of_an_xunit_test_project_runs_its_unit_tests_beside_the_gates_also_when_a_gate_fails()
    {
        using var guard = new TestGuard(packages, output);
        var ws = Workspace("model-xunit");
        File.Delete(ws.PathOf("Program.cs"));
        ws.EditProject(p => p
            .Replace("<OutputType>Exe</OutputType>", "<IsTestProject>true</IsTestProject>\n    <IsPackable>false</IsPackable>", StringComparison.Ordinal)
            .Replace("</Project>", """
                  <ItemGroup>
                    <PackageReference Include="Microsoft.NET.Test.Sdk" Version="18.0.1" />
                    <PackageReference Include="xunit" Version="2.9.3" />
                    <PackageReference Include="xunit.runner.visualstudio" Version="3.1.5" />
                    <Using Include="Xunit" />
                  </ItemGroup>
                </Project>
                """, StringComparison.Ordinal));
        // The team's own unit test of its feature code, beside the model's gates.
        File.WriteAllText(ws.PathOf("TenureTests.cs"), """
            public class TenureTests
            {
                static int Bucket(int months) => months < 12 ? 0 : months < 36 ? 1 : 2;

                [Fact]
                public void First_year_customers_are_bucket_zero() => Assert.Equal(0, Bucket(11));
            }
            """);

        var run = ws.Dotnet_("test");

        Assert.Equal(0, run.ExitCode);
        Assert.Empty(run.MlbDiagnostics);
        Assert.Contains("mlbuild: gates: 4 passed, 0 failed, 0 inconclusive; result PASS", run.Output, StringComparison.Ordinal);
        Assert.Matches(new Regex(@"Passed!\s+-\s+Failed:\s+0,\s+Passed:\s+1,"), run.Output);
        Assert.True(File.Exists(ws.PathOf("TestResults/ChurnModel.mlbuild.trx")));

        // A failing gate fails `dotnet test` at its line, and the unit tests still run.
        EditPipeline(ws, "{ \"metric\": \"auc\", \"min\": 0.7 }", "{ \"metric\": \"auc\", \"min\": 0.95 }");
        var (line, column) = GateAt(ws, "\"min\": 0.95");
        var failing = ws.Dotnet_("test");
        Assert.NotEqual(0, failing.ExitCode);
        var d = Assert.Single(failing.MlbDiagnostics);
        Assert.Equal((Pipeline, line, column, "error", "MLB4001"), (d.File, d.Line, d.Column, d.Severity, d.Code));
        Assert.Matches(new Regex(@"Passed!\s+-\s+Failed:\s+0,\s+Passed:\s+1,"), failing.Output);
        guard.Passed();
    }
}
