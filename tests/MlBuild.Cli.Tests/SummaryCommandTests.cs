using System.Text.Json;

namespace MlBuild.Cli.Tests;

/// <summary>
/// The pull-request path end to end on the churn sample's data: `train` a serving model, `register` and `promote` it to
/// prod in a registry folder, `train --gate` a worse candidate against prod (paired on the same test rows), then
/// `summary` puts the two side by side. GITHUB_STEP_SUMMARY is process-wide, so these run in the collection that runs alone.
/// </summary>
[Collection(nameof(ProfileDriftCommandTests))]
public sealed class SummaryCommandTests : CliWorkspace
{
    public SummaryCommandTests()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "MlBuild.sln"))) root = Path.GetDirectoryName(root)!;
        Directory.CreateDirectory(Path.Combine(_dir, "data"));
        foreach (var f in new[] { "data/train.csv", "data/train.schema.json" })
            File.Copy(Path.Combine(root, "samples", "ChurnModel", f), Path.Combine(_dir, f));
    }

    string Full(string relative) => Path.Combine(_dir, relative);

    static string Pipeline(string trainer, string features = "\"allBut\": [\"signup_date\", \"last_active_date\"]") => $$"""
    {
      "datasets": { "train": { "path": "data/train.csv", "schema": "data/train.schema.json" } },
      "model": {
        "name": "churn", "task": "binary", "label": "churned", "features": { {{features}} },
        {{trainer}}, "seed": 42, "split": { "test": 0.25, "key": "customer_id" }
      },
      "gateDefaults": { "resamples": 500 },
      "gates": [
        { "metric": "auc", "min": 0.6 },
        { "metric": "auc", "maxDrop": 0.01, "baseline": "prod" },
        { "metric": "accuracy", "min": 0.5, "slice": "contract", "minSliceSize": 20 },
        { "artifact": "size", "maxMB": 5 }
      ],
      "registry": { "store": "reg" }
    }
    """;

    const string Serving = "\"trainer\": \"lbfgs\"";
    const string Worse = "\"trainer\": \"lightgbm\", \"hyperparameters\": { \"numberOfIterations\": 1, \"numberOfLeaves\": 2 }";

    void ServeV1()
    {
        Write("mlbuild.json", Pipeline(Serving));
        Assert.Equal(0, Run("train", "-o", "v1/churn.zip").Exit);
        var register = Run("register", "churn", "v1/churn.zip", "--evidence", "v1/churn.evidence", "--registry", "reg");
        Assert.True(register.Exit == 0, register.Err);
        var promote = Run("promote", "churn", "1", "--to", "prod", "--registry", "reg");
        Assert.True(promote.Exit == 0, promote.Err);
    }

    [Fact]
    public void A_worse_candidate_fails_its_gate_against_prod_and_the_summary_shows_it_beside_prod()
    {
        ServeV1();
        // Same features, a one-split tree instead of L-BFGS: clearly worse on the same rows.
        Write("mlbuild.json", Pipeline(Worse));
        var train = Run("train", "--gate", "-o", "v2/churn.zip");
        Assert.Equal(1, train.Exit);
        Assert.Contains("mlbuild: baseline 'prod' is churn 1 (prod) from registry 'reg', scored on the same ", train.Out);
        Assert.Contains(" test rows (paired)", train.Out);
        Assert.Matches(@"FAIL auc drop vs prod <= 0\.01: -0\.\d+ \[-0\.\d+, -0\.\d+\] >= -0\.01, n=\d+, baseline 0\.\d+ \(churn 1 \(prod\)\)", train.Out);
        Assert.Contains("error MLB4002: Gate 'auc drop vs prod <= 0.01' failed", train.Err);
        Assert.Matches(@"PASS model size <= 5 MB: 0\.\d+ <= 5", train.Out); // the zip just written is measured
        Assert.Contains("mlbuild.json(10,5): error MLB4002", train.Err); // at the gate's line in the pipeline file

        // gates.json in the evidence: the JSON of `dotnet ml gate`, with the baseline's version.
        using (var gates = JsonDocument.Parse(File.ReadAllBytes(Full("v2/churn.evidence/gates.json"))))
        {
            Assert.Equal("fail", gates.RootElement.GetProperty("verdict").GetString());
            var drop = gates.RootElement.GetProperty("gates")[1];
            Assert.Equal("churn 1 (prod)", drop.GetProperty("baselineSource").GetString());
            Assert.Equal("MLB4002", drop.GetProperty("diagnostic").GetProperty("code").GetString());
        }

        // The registry records the verdicts (and takes the candidate's undefined precision), and keeps it out of prod.
        var register = Run("register", "churn", "v2/churn.zip", "--evidence", "v2/churn.evidence", "--registry", "reg");
        Assert.True(register.Exit == 0, register.Err);
        var promote = Run("promote", "churn", "2", "--to", "prod", "--registry", "reg");
        Assert.Equal(1, promote.Exit);
        Assert.Contains("MLB6044", promote.Err);

        var summary = Run("summary", "v2/churn.evidence", "--baseline", "prod", "-o", "pr.md");
        Assert.True(summary.Exit == 0, summary.Err);
        Assert.Equal("mlbuild: pull-request summary of v2/churn.evidence written to pr.md.\n", summary.Out.Replace("\r\n", "\n"));
        var md = File.ReadAllText(Full("pr.md"));
        Assert.StartsWith("## MlBuild: model `churn` ❌ fail\n\n**Candidate**: `churn` (binary, lightgbm, seed 42), trained on ", md);
        Assert.True(md.Contains("**Serving**: `churn` version 1 (`prod` in registry `reg`)\n", StringComparison.Ordinal), md);
        Assert.True(md.Contains("| metric | candidate | serving (churn 1) | change |", StringComparison.Ordinal), md);
        Assert.True(System.Text.RegularExpressions.Regex.IsMatch(md, @"\| auc ↑ \| 0\.\d+ \[0\.\d+, 0\.\d+\] \| 0\.\d+ \[0\.\d+, 0\.\d+\] \| −0\.\d+ worse \|"), md);
        Assert.True(System.Text.RegularExpressions.Regex.IsMatch(md, @"\| log-loss ↓ \| [\d.]+ \[[\d.]+, [\d.]+\] \| [\d.]+ \[[\d.]+, [\d.]+\] \| \+[\d.]+ worse \|"), md);
        Assert.True(md.Contains("4 gates: 3 pass, 1 fail.", StringComparison.Ordinal), md);
        Assert.True(System.Text.RegularExpressions.Regex.IsMatch(md, @"\| auc drop vs prod <= 0\.01 \| ❌ fail MLB4002 \| -0\.\d+ \[-0\.\d+, -0\.\d+\] \| >= -0\.01 \| churn 1 \(prod\): 0\.\d+ \|"), md);
        Assert.True(md.Contains("### Slices\n\n| gate | slice or group | verdict | value [interval] |", StringComparison.Ordinal), md);
        Assert.True(md.Contains("| accuracy >= 0.5 in every 'contract' slice | accuracy >= 0.5 [contract=month-to-month] | ✅ pass |", StringComparison.Ordinal), md);
        Assert.True(md.Contains("### Schema\n\nNo change in the model's inputs and outputs.\n", StringComparison.Ordinal), md);

        // Deterministic: the same inputs give the same bytes.
        Assert.Equal(0, Run("summary", "v2/churn.evidence", "--baseline", "prod", "-o", "pr2.md").Exit);
        Assert.Equal(File.ReadAllBytes(Full("pr.md")), File.ReadAllBytes(Full("pr2.md")));
    }

    [Fact]
    public void The_model_test_writes_the_same_summary_as_the_verb_with_the_gates_alias_beside_it()
    {
        ServeV1();
        Write("mlbuild.json", Pipeline(Worse));

        // `dotnet ml test` (the run `dotnet test` makes): a failing gate against prod, and the summary in its output folder.
        var test = Run("test", "-o", "out");
        Assert.Equal(1, test.Exit);
        // The output says what the baseline resolved to and how it was compared, as `train --gate` does, before the gates.
        var baseline = System.Text.RegularExpressions.Regex.Match(test.Out, @"(?m)^mlbuild: baseline 'prod' is churn 1 \(prod\) from registry 'reg', scored on the same \d+ test rows \(paired\)\r?$");
        Assert.True(baseline.Success, test.Out);
        Assert.True(baseline.Index < test.Out.IndexOf("FAIL auc drop vs prod", StringComparison.Ordinal), test.Out);
        var md = File.ReadAllText(Full("out/model-test.summary.md"));
        Assert.StartsWith("## MlBuild: model `churn` ❌ fail\n\n**Candidate**: `churn` (binary, lightgbm, seed 42), trained on ", md);
        Assert.True(md.Contains(" rows (quick-train sample), ", StringComparison.Ordinal), md);
        Assert.True(md.Contains("**Serving**: `churn` version 1 (`prod` in registry `reg`)\n", StringComparison.Ordinal), md);
        Assert.True(System.Text.RegularExpressions.Regex.IsMatch(md, @"\| auc drop vs prod <= 0\.01 \| ❌ fail MLB4002 \| -0\.\d+ \[-0\.\d+, -0\.\d+\] \| >= -0\.01 \| churn 1 \(prod\): 0\.\d+ \|"), md);
        // The gate results are kept in the evidence, as `train --gate` keeps them.
        Assert.True(File.Exists(Full("out/churn.evidence/gates.json")));

        // The verb composes the same summary from the same evidence: one composition, two doors.
        var verb = Run("summary", "out/churn.evidence", "-o", "pr.md");
        Assert.True(verb.Exit == 0, verb.Err);
        Assert.Equal(md, File.ReadAllText(Full("pr.md")));
    }

    [Fact]
    public void The_summary_shows_a_schema_change_and_the_data_s_drift_and_is_appended_to_the_job_summary()
    {
        ServeV1();
        Write("mlbuild.json", Pipeline(Serving, "\"allBut\": [\"signup_date\", \"last_active_date\", \"support_calls\"]"));
        var train = Run("train", "--gate", "-o", "v2/churn.zip");
        // The serving model reads support_calls, which the candidate's test rows no longer carry: compared unpaired.
        Assert.Contains("warning MLB4201: Baseline 'prod' (churn 1 (prod) in registry 'reg') cannot score the candidate's test rows: its model reads column 'support_calls'", train.Out);

        // New data whose ages moved by 25 years.
        var lines = File.ReadAllLines(Full("data/train.csv"));
        File.WriteAllLines(Full("data/new.csv"), lines.Take(1).Concat(lines.Skip(1).Select(l =>
        {
            var cells = l.Split(',');
            cells[1] = (int.Parse(cells[1], System.Globalization.CultureInfo.InvariantCulture) + 25).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return string.Join(',', cells);
        })));
        var drift = Run("data", "drift", "-r", "data/train.csv", "-c", "data/new.csv", "-s", "data/train.schema.json", "--json", "drift.json");
        Assert.True(drift.Exit == 1, drift.Err + drift.Out);

        File.WriteAllText(Full("job-summary.md"), "earlier step\n");
        Environment.SetEnvironmentVariable("GITHUB_STEP_SUMMARY", Full("job-summary.md"));
        (int Exit, string Out, string Err) summary;
        try { summary = Run("summary", "v2/churn.evidence", "--drift", "drift.json"); } // prod: the alias the gates name
        finally { Environment.SetEnvironmentVariable("GITHUB_STEP_SUMMARY", null); }
        Assert.True(summary.Exit == 0, summary.Err);
        Assert.Equal("mlbuild: pull-request summary of v2/churn.evidence appended to $GITHUB_STEP_SUMMARY.\n", summary.Out.Replace("\r\n", "\n"));
        var md = File.ReadAllText(Full("job-summary.md"));
        Assert.StartsWith("earlier step\n## MlBuild: model `churn`", md);
        Assert.True(md.Contains("### Data drift: `data/new.csv` ❌ drifted\n\nAgainst `data/train.csv`. 1 of ", StringComparison.Ordinal), md);
        Assert.True(System.Text.RegularExpressions.Regex.IsMatch(md, @"\| age \| drifted \| [a-z-]+ \| [\d.]+ \|"), md);
        Assert.True(md.Contains("### Schema\n\n⚠️ **Breaking**: consumers of the serving model must change.\n\n- input 'support_calls' removed\n", StringComparison.Ordinal), md);
    }

    [Fact]
    public void Without_a_serving_version_the_summary_says_so_and_a_folder_as_job_summary_is_MLB9250()
    {
        Write("mlbuild.json", Pipeline(Serving));
        Assert.Equal(1, Run("train", "--gate", "-o", "v1/churn.zip").Exit); // no prod yet: the drop gate fails by the default policy
        var printed = Run("summary", "v1/churn.evidence", "--baseline", "prod", "--pipeline", "mlbuild.json");
        Assert.Equal(0, printed.Exit);
        Assert.Contains("**Serving**: none to compare with: there is no registry at 'reg'.\n", printed.Out);
        Assert.Contains("| auc drop vs prod <= 0.01 | ❌ fail MLB4005 |", printed.Out);

        Directory.CreateDirectory(Full("summary-folder"));
        Environment.SetEnvironmentVariable("GITHUB_STEP_SUMMARY", Full("summary-folder"));
        (int Exit, string Out, string Err) folder, validate;
        try
        {
            folder = Run("summary", "v1/churn.evidence");
            validate = Run("data", "validate", "data/train.csv", "-s", "data/train.schema.json");
        }
        finally { Environment.SetEnvironmentVariable("GITHUB_STEP_SUMMARY", null); }
        Assert.Equal(2, folder.Exit);
        Assert.Contains("error MLB9250: The job summary was not written: GITHUB_STEP_SUMMARY names '", folder.Err);
        Assert.Contains("', and it is a folder.", folder.Err);
        // For validation the summary is a courtesy: the same problem is a warning and the data still passes.
        Assert.Equal(0, validate.Exit);
        Assert.Contains("warning MLB9040", validate.Err);

        var missing = Run("summary", "nowhere.evidence");
        Assert.Equal(2, missing.Exit);
        Assert.Contains("error MLB4210: The evidence folder 'nowhere.evidence' does not exist", missing.Err);
        File.WriteAllText(Full("not-drift.json"), "{\"title\": \"data validation\", \"sections\": []}");
        var notDrift = Run("summary", "v1/churn.evidence", "--drift", "not-drift.json");
        Assert.Equal(2, notDrift.Exit);
        Assert.Contains("not-drift.json: error MLB4211: 'not-drift.json' is not the JSON report of `dotnet ml data drift`", notDrift.Err);
    }
}
