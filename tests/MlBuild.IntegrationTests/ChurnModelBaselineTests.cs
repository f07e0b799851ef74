using static MlBuild.IntegrationTests.ModelWorkspace;

namespace MlBuild.IntegrationTests;

/// <summary>
/// `dotnet test` of a copy of samples/ChurnModel whose mlbuild.json gates against the registry's `prod` version
/// (`{ "metric": "auc", "maxDrop": 0.01, "baseline": "prod" }`), the registry a local folder filled by the packed
/// `dotnet ml train`, `register` and `promote`: no registry and no `prod` alias fail as missing baselines, a candidate
/// equal to `prod` passes with a difference of 0, a clearly worse candidate fails at the gate's line.
/// </summary>
[Collection(PackagesCollection.Name)]
public sealed class ChurnModelBaselineTests(PackagesFixture packages, ITestOutputHelper output)
{
    const string BaselineGate = "{ \"metric\": \"auc\", \"maxDrop\": 0.01, \"baseline\": \"prod\" }";
    const string GateName = "auc drop vs prod <= 0.01";

    [Fact]
    public void Test_against_the_prod_baseline_fails_when_it_is_missing_passes_when_equal_and_fails_when_the_candidate_is_worse()
    {
        using var guard = new TestGuard(packages, output);
        var ws = SampleWorkspace.Create(packages, output, "ChurnModel", "baseline-prod");
        EditPipeline(ws, "    { \"metric\": \"auc\", \"min\": 0.7 },\n", "    { \"metric\": \"auc\", \"min\": 0.7 },\n    " + BaselineGate + ",\n");
        EditPipeline(ws, "  \"gateDefaults\"", "  \"registry\": { \"store\": \".mlregistry\" },\n  \"gateDefaults\"");
        var (line, column) = GateAt(ws, "\"baseline\": \"prod\"");

        // 1. No registry yet: a missing baseline, failed by the default policy.
        var noRegistry = ws.Dotnet_("test");
        Assert.Equal(1, noRegistry.ExitCode);
        var d = Assert.Single(noRegistry.MlbDiagnostics);
        Assert.Equal((Pipeline, line, column, "error", "MLB4005"), (d.File, d.Line, d.Column, d.Severity, d.Code));
        Assert.Contains("'.mlregistry'", d.Message, StringComparison.Ordinal);
        Assert.Contains("gates: 4 passed, 1 failed, 0 inconclusive; result FAIL", noRegistry.Output, StringComparison.Ordinal);
        NoStackTrace(noRegistry);

        // 2. The same model (the seeded quick-train sample) trained and registered by `dotnet ml`, promoted to staging
        // only: `prod` is still missing, and the message says which aliases the model has.
        var v1 = Path.Combine(ws.Root, "v1");
        var train = Ml(packages, output, ws, "train", "--quick", "-o", Path.Combine(v1, "churn.zip"));
        Assert.Equal(0, train.ExitCode);
        var register = Ml(packages, output, ws, "register", "churn", Path.Combine(v1, "churn.zip"), "--evidence", Path.Combine(v1, "churn.evidence"), "--registry", ".mlregistry");
        Assert.Equal(0, register.ExitCode);
        Assert.Equal(0, Ml(packages, output, ws, "promote", "churn", "1", "--to", "staging", "--registry", ".mlregistry").ExitCode);
        // Touched as well (the registry's head file is an input too now), so either way the gates are decided again.
        File.SetLastWriteTimeUtc(ws.PathOf(Pipeline), DateTime.UtcNow);
        var noProd = ws.Dotnet_("test");
        Assert.Equal(1, noProd.ExitCode);
        var m = Assert.Single(noProd.MlbDiagnostics);
        Assert.Equal((Pipeline, line, column, "error", "MLB4005"), (m.File, m.Line, m.Column, m.Severity, m.Code));
        Assert.Contains("no version of 'churn' holds the alias 'prod' in registry '.mlregistry' (aliases held: staging)", m.Message, StringComparison.Ordinal);
        var missing = Assert.Single(TrxResults(ws), r => r.Name == "churn." + GateName);
        Assert.Equal("Failed", missing.Outcome);
        Assert.Contains("MLB4005", missing.Message, StringComparison.Ordinal);
        Assert.Equal([(GateName, "MLB4005")], JUnitCases(ws).Where(c => c.Failure is not null));

        // Under "missingBaseline": "warn" the missing baseline is a warning, and the run passes.
        EditPipeline(ws, "\"inconclusive\": \"fail\"", "\"inconclusive\": \"fail\", \"missingBaseline\": \"warn\"");
        var warned = ws.Dotnet_("test");
        Assert.Equal(0, warned.ExitCode);
        var w = Assert.Single(warned.MlbDiagnostics);
        Assert.Equal((Pipeline, line, column, "warning", "MLB4005"), (w.File, w.Line, w.Column, w.Severity, w.Code));
        Assert.EndsWith("(missing-baseline policy: warn).", w.Message, StringComparison.Ordinal);

        // 3. Promoted to prod: the candidate is the same model, compared paired on the same rows, a difference of 0.
        Assert.Equal(0, Ml(packages, output, ws, "promote", "churn", "1", "--to", "prod", "--registry", ".mlregistry").ExitCode);
        Assert.Equal(0, ws.Dotnet_("clean").ExitCode); // docs/testing.md's other way to test again
        var equal = ws.Dotnet_("test");
        Assert.Equal(0, equal.ExitCode);
        Assert.Empty(equal.MlbDiagnostics);
        // The line names the version and the interval of the difference; prod's auc is the candidate's.
        Assert.Matches(@"(?m)^\s*PASS auc >= 0\.7: (?<auc>0\.\d+) .*\n\s*PASS auc drop vs prod <= 0\.01: 0 \[0, 0\] >= -0\.01, n=746, baseline \k<auc> \(churn 1 \(prod\)\), bootstrap 95 % \(2000 resamples, seed 42\)$", equal.Output);
        Assert.Contains("gates: 5 passed, 0 failed, 0 inconclusive; result PASS", equal.Output, StringComparison.Ordinal);
        Assert.Contains(TrxResults(ws), r => r.Name == "churn." + GateName && r.Outcome == "Passed");
        Assert.Contains((GateName, (string?)null), JUnitCases(ws));

        // 4. A clearly worse candidate (one two-leaf tree instead of the logistic regression, on the same columns, so
        // still compared paired): a regression against prod, an error at the gate's line with the difference's interval
        // (so far below prod that it fails the absolute auc gate too).
        var (aucLine, aucColumn) = GateAt(ws, "\"auc\", \"min\": 0.7");
        EditPipeline(ws, "\"trainer\": \"lbfgs\",", "\"trainer\": \"lightgbm\", \"hyperparameters\": { \"numberOfIterations\": 1, \"numberOfLeaves\": 2 },");
        var worse = ws.Dotnet_("test");
        Assert.Equal(1, worse.ExitCode);
        Assert.Equal([(Pipeline, aucLine, aucColumn, "error", "MLB4001"), (Pipeline, line, column, "error", "MLB4002")],
            worse.MlbDiagnostics.Select(x => (x.File, x.Line, x.Column, x.Severity, x.Code)));
        var r = worse.MlbDiagnostics[1];
        Assert.Matches(@"^Gate 'auc drop vs prod <= 0\.01' failed: auc - prod -0\.\d+ with 95 % interval \[-0\.\d+, -0\.\d+\], bound >= -0\.01\.$", r.Message);
        Assert.Matches(@"(?m)^\s*FAIL auc drop vs prod <= 0\.01: -0\.\d+ \[-0\.\d+, -0\.\d+\] >= -0\.01, n=746, baseline 0\.\d+ \(churn 1 \(prod\)\), bootstrap 95 % \(2000 resamples, seed 42\)$", worse.Output);
        Assert.Contains("gates: 3 passed, 2 failed, 0 inconclusive; result FAIL", worse.Output, StringComparison.Ordinal);
        Assert.Equal([("churn.auc >= 0.7", "Failed"), ("churn." + GateName, "Failed")],
            TrxResults(ws).Where(t => t.Outcome != "Passed").Select(t => (t.Name, t.Outcome)));
        Assert.Contains("MLB4002", TrxResults(ws).Single(t => t.Name == "churn." + GateName).Message, StringComparison.Ordinal);
        Assert.Equal([("auc >= 0.7", "MLB4001"), (GateName, "MLB4002")], JUnitCases(ws).Where(c => c.Failure is not null));
        NoStackTrace(worse);
        guard.Passed();
    }
}
