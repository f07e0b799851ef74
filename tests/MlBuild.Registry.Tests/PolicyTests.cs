using MlBuild.Core.Registry;

namespace MlBuild.Registry.Tests;

/// <summary>Promotion under the repository's policy file: gates, previous alias, approvals.</summary>
public sealed class PolicyTests : IDisposable
{
    private readonly TempDir _dir = new();

    public PolicyTests()
    {
        _dir.File("mlregistry.policy.json", """
            {
              // staging needs the AUC gate; prod needs every gate, staging first, and two approvals.
              "aliases": {
                "staging": { "requiredGates": ["auc-min"] },
                "prod": { "requiredGates": "all", "requiresAlias": "staging", "approvals": 2 }
              }
            }
            """);
        Register("PASS", "PASS");   // 1
        Register("FAIL", "PASS");   // 2
        Register("PASS", "FAIL");   // 3
    }

    public void Dispose() => _dir.Dispose();

    private void Register(string auc, string latency)
    {
        var ev = _dir.Sub("ev" + Guid.NewGuid().ToString("N")[..6]);
        _dir.File(Path.Combine(ev, "gates.json"), $$"""{"gates":[{"name":"auc-min","verdict":"{{auc}}"},{"name":"latency-p95","verdict":"{{latency}}"}]}""");
        var r = Ml("register", "churn", _dir.File("model.zip", Guid.NewGuid().ToString()), "--evidence", ev);
        Assert.True(r.ExitCode == 0, r.ToString());
    }

    private CliRun Ml(params string[] args) => Cli.InProc(_dir.Path, args);

    private CliRun As(string actor, params string[] args) =>
        Cli.Exec(_dir.Path, new Dictionary<string, string> { ["MLBUILD_ACTOR"] = actor }, args);

    [Fact]
    public void Required_gate_must_have_passed()
    {
        var r = Ml("promote", "churn", "2", "--to", "staging");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("error MLB6020: Policy requires gate 'auc-min' to pass for 'staging', but churn 2 has FAIL.", r.Err);
        Assert.Equal(0, Ml("promote", "churn", "3", "--to", "staging").ExitCode);
    }

    [Fact]
    public void Prod_needs_all_gates_staging_first_and_two_distinct_approvals()
    {
        var gates = Ml("promote", "churn", "3", "--to", "prod");
        Assert.Equal(1, gates.ExitCode);
        Assert.Contains("MLB6020", gates.Err);
        Assert.Contains("latency-p95=FAIL", gates.Err);

        var order = Ml("promote", "churn", "1", "--to", "prod");
        Assert.Equal(1, order.ExitCode);
        Assert.Contains("error MLB6021", order.Err);

        Assert.Equal(0, Ml("promote", "churn", "1", "--to", "staging").ExitCode);
        var approvals = Ml("promote", "churn", "1", "--to", "prod");
        Assert.Equal(1, approvals.ExitCode);
        Assert.Contains("error MLB6022: Policy requires 2 approval(s) of churn 1 for 'prod'; it has 0.", approvals.Err);

        Assert.Equal(0, As("alice", "approve", "churn", "1", "--for", "prod").ExitCode);
        // The same person approving twice still counts once.
        var twice = As("alice", "approve", "churn", "1", "--for", "prod");
        Assert.Contains("already approved", twice.Out);
        Assert.Contains("it has 1.", Ml("promote", "churn", "1", "--to", "prod").Err);
        Assert.Contains("as bob (2 approval(s)", As("bob", "approve", "churn", "1", "--for", "prod").Out);

        var ok = Ml("promote", "churn", "1", "--to", "prod");
        Assert.True(ok.ExitCode == 0, ok.ToString());
        Assert.Contains("approvals:  prod: alice, bob", Ml("show", "churn@prod").Out);
        Assert.Equal(0, Ml("verify").ExitCode);
    }

    [Fact]
    public void A_malformed_policy_file_is_MLB6023_and_nothing_is_promoted()
    {
        _dir.File("mlregistry.policy.json", """{ "aliases": { "prod": { "requiredGates": 7 } } }""");
        var r = Ml("promote", "churn", "1", "--to", "prod");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("mlregistry.policy.json: error MLB6023", r.Err);
        Assert.Contains("churn       3", Ml("list").Out);
        Assert.DoesNotContain("prod", Ml("list").Out);
    }

    private ModelRegistry Api() =>
        new(new FolderStore(_dir.Sub(".mlregistry")), new RegistryOptions { WorkingDirectory = _dir.Path, SkipGit = true });

    [Fact]
    public void An_edited_snapshot_with_fake_approvals_does_not_let_a_promotion_past_the_policy()
    {
        var api = Api();
        api.Promote("churn", 1, "staging");                                     // event 4
        // Events 5..64, a snapshot at 64: each a new model (the same bytes and evidence again would record nothing).
        while (api.State.Seq < EventLog.SnapshotEvery) api.Register("churn", _dir.File("more.zip", "more " + api.State.Seq));
        var snap = _dir.Sub(".mlregistry/" + EventLog.SnapshotKey(EventLog.SnapshotEvery));
        Assert.True(File.Exists(snap));
        Assert.Equal(0, Ml("verify").ExitCode);

        // Version 1 is the first version in the snapshot: give it two approvals for prod that the log never recorded.
        var text = File.ReadAllText(snap);
        var at = text.IndexOf("\"approvals\":{}", StringComparison.Ordinal);
        Assert.True(at > 0, text);
        File.WriteAllText(snap, text[..at] + "\"approvals\":{\"prod\":[\"alice\",\"bob\"]}" + text[(at + "\"approvals\":{}".Length)..]);

        var r = Ml("promote", "churn", "1", "--to", "prod");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("error MLB6022: Policy requires 2 approval(s) of churn 1 for 'prod'; it has 0.", r.Err);
        Assert.Contains("error MLB6036: Snapshot at event 64 disagrees with the log", Ml("verify").Err);
    }

    [Fact]
    public void Verify_replays_every_promotion_against_the_policy()
    {
        // A client that skips the policy (here: the library without one) writes a promotion the policy forbids.
        Api().Promote("churn", 2, "staging");
        var r = Ml("verify");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("error MLB6039: Event 4 promotes churn 2 to 'staging', which the policy forbids: Policy requires gate 'auc-min' to pass for 'staging', but churn 2 has FAIL.", r.Err);
        // Without a policy file there is nothing to re-check.
        File.Delete(_dir.Sub(RegistryPolicy.FileName));
        Assert.Equal(0, Ml("verify").ExitCode);
    }
}
