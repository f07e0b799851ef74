using MlBuild.Core.Registry;

namespace MlBuild.Registry.Tests;

/// <summary>The verbs as a user runs them: output, exit codes, coded diagnostics, no state change on failure.</summary>
public sealed class RegistryCliTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private CliRun Ml(params string[] args) => Cli.InProc(_dir.Path, args);

    private string Evidence(string auc = "0.91", string gate = "PASS", string schema = """{"inputs":[{"name":"x","type":"Single"}],"outputs":[{"name":"Score","type":"Single"}]}""")
    {
        var ev = _dir.Sub("ev-" + Guid.NewGuid().ToString("N")[..6]);
        Directory.CreateDirectory(ev);
        File.WriteAllText(Path.Combine(ev, "metrics.json"),
            $$$"""{"metrics":{"auc":{"value":{{{auc}}},"low":0.8,"high":0.95}},"seed":42,"parameters":{"trainer":"lbfgs"},"gates":{"auc-min":"{{{gate}}}"},"datasets":[{"name":"train","path":"data/train.csv"}]}""");
        File.WriteAllText(Path.Combine(ev, "schema.json"), schema);
        File.WriteAllText(Path.Combine(ev, "model-card.md"), "# card\n");
        return ev;
    }

    [Fact]
    public void Register_assigns_versions_and_records_evidence_and_lineage()
    {
        _dir.File("data/train.csv", "x,y\n1,0\n");
        var model = _dir.File("model.zip", "m1");
        var r1 = Ml("register", "churn", model, "--evidence", Evidence(), "--reason", "first cut");
        Assert.True(r1.ExitCode == 0, r1.ToString());
        Assert.StartsWith("Registered churn@1 ", r1.Out);
        File.WriteAllText(model, "m2");
        Assert.StartsWith("Registered churn@2 ", Ml("register", "churn", model).Out);

        var show = Ml("show", "churn@1");
        Assert.Equal(0, show.ExitCode);
        Assert.Contains("reason:     first cut", show.Out);
        Assert.Contains("seed:       42", show.Out);
        Assert.Contains("metric:     auc = 0.91 [0.8, 0.95]", show.Out);
        Assert.Contains("gate:       auc-min PASS", show.Out);
        Assert.Contains("inputs:     x:Single", show.Out);
        Assert.Contains("evidence:   model-card.md sha256:", show.Out);
        // The dataset named in the evidence is hashed from the repository.
        Assert.Contains($"dataset:    train data/train.csv {EventLog.Digest("x,y\n1,0\n"u8)}", show.Out);
        Assert.Contains("versions:   mlbuild ", show.Out);

        var list = Ml("list");
        Assert.Contains("churn       2", list.Out);
    }

    [Fact]
    public void Promote_and_rollback_move_the_alias_and_history_records_who_what_why()
    {
        var model = _dir.File("model.zip", "a");
        Ml("register", "churn", model);
        File.WriteAllText(model, "b");
        Ml("register", "churn", model);
        Assert.Equal(0, Ml("promote", "churn", "1", "--to", "prod").ExitCode);
        var p2 = Ml("promote", "churn", "2", "--to", "prod", "--reason", "better auc");
        Assert.Equal(0, p2.ExitCode);
        Assert.Contains("Promoted churn@2 to prod (was 1; event 4)", p2.Out);
        Assert.Contains("prod", Ml("show", "churn@prod").Out);
        Assert.StartsWith("churn@2", Ml("show", "churn@prod").Out);

        var rb = Ml("rollback", "churn", "--alias", "prod", "--reason", "latency regression");
        Assert.Equal(0, rb.ExitCode);
        Assert.Contains("Rolled back churn@prod from 2 to 1", rb.Out);
        Assert.StartsWith("churn@1", Ml("show", "churn@prod").Out);

        // Nothing earlier than 1: a coded refusal, exit 1, no event.
        var again = Ml("rollback", "churn", "--alias", "prod");
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("error MLB6011", again.Err);

        var history = Ml("history", "churn").Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(5, history.Length);
        Assert.Contains("promote  churn@2 to prod (was 1) \u2014 better auc", history[3]);
        Assert.Contains("rollback churn@prod from 2 to 1 \u2014 latency regression", history[4]);
        Assert.Equal(0, Ml("verify").ExitCode);
    }

    [Fact]
    public void Promote_with_stale_expectation_is_a_conflict_and_changes_nothing()
    {
        var model = _dir.File("model.zip", "a");
        Ml("register", "churn", model);
        File.WriteAllText(model, "b");
        Ml("register", "churn", model);
        Ml("promote", "churn", "1", "--to", "prod");
        Ml("promote", "churn", "2", "--to", "prod");
        var before = Directory.GetFiles(_dir.Sub(".mlregistry/events")).Length;
        var r = Ml("promote", "churn", "1", "--to", "prod", "--expect", "1");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("error MLB6010", r.Err);
        Assert.Equal(before, Directory.GetFiles(_dir.Sub(".mlregistry/events")).Length);
        // Promoting the holder again records nothing and succeeds.
        var same = Ml("promote", "churn", "2", "--to", "prod");
        Assert.Equal(0, same.ExitCode);
        Assert.Contains("already is 2", same.Out);
    }

    [Theory]
    [InlineData("../evil")]
    [InlineData("a/b")]
    [InlineData("..")]
    [InlineData("-x")]
    [InlineData("a..b")]
    public void Invalid_names_are_refused_with_MLB6001_and_nothing_is_written(string name)
    {
        var model = _dir.File("model.zip", "a");
        var r = Ml("register", name, model);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("error MLB6001", r.Err);
        Assert.DoesNotContain("   at ", r.All); // no stack trace
        Assert.False(Directory.Exists(_dir.Sub(".mlregistry/events")));
    }

    [Fact]
    public void User_mistakes_are_coded_diagnostics_with_exit_2()
    {
        var model = _dir.File("model.zip", "a");
        Assert.Contains("MLB6003", Ml("register", "churn", _dir.Sub("missing.zip")).Err);
        Assert.Contains("MLB6004", Ml("register", "churn", model, "--evidence", _dir.Sub("nope")).Err);
        var badEv = _dir.Sub("bad-ev");
        _dir.File("bad-ev/metrics.json", "{ not json");
        var bad = Ml("register", "churn", model, "--evidence", badEv);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("error MLB6004", bad.Err);
        Assert.False(Directory.Exists(_dir.Sub(".mlregistry/events")));
        Assert.Contains("MLB6008", Ml("show", "churn").Err);
        Ml("register", "churn", model);
        Assert.Contains("MLB6005", Ml("show", "other").Err);
        Assert.Contains("MLB6006", Ml("show", "churn@7").Err);
        Assert.Contains("MLB6007", Ml("show", "churn@prod").Err);
        Assert.Contains("MLB6006", Ml("promote", "churn", "3", "--to", "prod").Err);
        Assert.Equal(2, Ml("promote", "churn", "3", "--to", "prod").ExitCode);
        Assert.Contains("MLB6002", Ml("show", "churn@-1").Err);
    }

    [Fact]
    public void Diff_reports_metrics_schema_and_lineage_changes()
    {
        var model = _dir.File("model.zip", "a");
        Ml("register", "churn", model, "--evidence", Evidence("0.90"));
        File.WriteAllText(model, "b");
        Ml("register", "churn", model, "--evidence", Evidence("0.93", "FAIL",
            """{"inputs":[{"name":"x","type":"Double"},{"name":"z","type":"Single"}],"outputs":[{"name":"Score","type":"Single"}]}"""));
        var d = Ml("diff", "churn", "1", "2");
        Assert.Equal(0, d.ExitCode);
        Assert.Contains("metric auc: 0.9 -> 0.93 (+0.03)", d.Out);
        Assert.Contains("gate auc-min: PASS -> FAIL", d.Out);
        Assert.Contains("schema: breaking (input 'x' type Single -> Double; input 'z' added)", d.Out);
    }

    [Fact]
    public void Update_manifest_rewrites_only_the_model_reference_keeping_comments()
    {
        var model = _dir.File("model.zip", "a");
        Ml("register", "churn", model);
        File.WriteAllText(model, "b");
        Ml("register", "churn", model);
        var manifest = _dir.File("deploy/prod.yaml",
            "# production deployment\nspec:\n  model: churn@1   # keep this comment\n  other: churnx@1\n  image: \"registry/churn:1\"\n");
        var r = Ml("promote", "churn", "2", "--to", "prod", "--update-manifest", "deploy/prod.yaml");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("# production deployment\nspec:\n  model: churn@2   # keep this comment\n  other: churnx@1\n  image: \"registry/churn:1\"\n",
            File.ReadAllText(manifest));

        // By digest when the manifest pins a digest.
        var pinned = _dir.File("deploy/digest.yaml", $"model: churn@sha256:{new string('a', 64)}\n");
        Assert.Equal(0, Ml("promote", "churn", "1", "--to", "canary", "--update-manifest", "deploy/digest.yaml").ExitCode);
        Assert.Equal($"model: churn@{EventLog.Digest("a"u8)}\n", File.ReadAllText(pinned));

        // A manifest without a reference refuses the promotion before anything is recorded.
        _dir.File("deploy/none.yaml", "model: other@1\n");
        var none = Ml("promote", "churn", "1", "--to", "prod", "--update-manifest", "deploy/none.yaml");
        Assert.Equal(2, none.ExitCode);
        Assert.Contains("error MLB6050", none.Err);
        Assert.StartsWith("churn@2", Ml("show", "churn@prod").Out);
    }

    [Fact]
    public void Update_manifest_through_a_symlink_updates_the_real_file_and_keeps_the_link()
    {
        var model = _dir.File("model.zip", "a");
        Ml("register", "churn", model);
        File.WriteAllText(model, "b");
        Ml("register", "churn", model);
        var real = _dir.File("config/prod.yaml", "model: churn@1\n");
        var link = Path.Combine(Path.GetDirectoryName(real)!, "..", "deploy.yaml");
        File.CreateSymbolicLink(link, "config/prod.yaml");

        var r = Ml("promote", "churn", "2", "--to", "prod", "--update-manifest", "deploy.yaml");

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("model: churn@2\n", File.ReadAllText(real));
        Assert.Equal("config/prod.yaml", new FileInfo(link).LinkTarget);
    }

    [Fact]
    public void List_and_show_print_json_for_scripts()
    {
        var model = _dir.File("model.zip", "a");
        Ml("register", "churn", model, "--evidence", Evidence());
        Ml("promote", "churn", "1", "--to", "prod");
        using var list = System.Text.Json.JsonDocument.Parse(Ml("list", "--json").Out);
        var churn = list.RootElement[0];
        Assert.Equal("churn", churn.GetProperty("name").GetString());
        Assert.Equal(1, churn.GetProperty("latest").GetInt32());
        Assert.Equal(1, churn.GetProperty("aliases").GetProperty("prod").GetInt32());
        using var show = System.Text.Json.JsonDocument.Parse(Ml("show", "churn@prod", "--json").Out);
        var reg = show.RootElement.GetProperty("registered");
        Assert.Equal(EventLog.Digest("a"u8), reg.GetProperty("artifact").GetProperty("digest").GetString());
        Assert.Equal(42, reg.GetProperty("lineage").GetProperty("seed").GetInt64());
        Assert.Equal("prod", show.RootElement.GetProperty("aliases")[0].GetString());
    }

    [Fact]
    public void Names_and_aliases_ending_in_a_newline_or_holding_control_characters_are_refused()
    {
        var model = _dir.File("m.zip", "m");
        foreach (var name in new[] { "churn\n", "churn\r", "ch\u0000urn", "churn\u001b[2J" })
        {
            var r = Ml("register", name, model);
            Assert.Equal(2, r.ExitCode);
            Assert.Contains("error MLB6001", r.Err);
            Assert.Single(r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
        Assert.False(RegistryNames.IsValid("prod\n"));
        Assert.Equal(0, Ml("register", "churn", model).ExitCode);
        var alias = Ml("promote", "churn", "1", "--to", "prod\n");
        Assert.Equal(2, alias.ExitCode);
        Assert.Contains("error MLB6001: Alias 'prod\\n' is not valid", alias.Err);
    }

    [Fact]
    public void History_escapes_reasons_and_actors_so_no_line_can_be_forged()
    {
        const string Forged = "\nevil.cs(1,1): error CS0001: forged";
        var reg = new ModelRegistry(new FolderStore(_dir.Sub(".mlregistry")), new RegistryOptions
        {
            WorkingDirectory = _dir.Path, SkipGit = true,
            Environment = v => v == "MLBUILD_ACTOR" ? "mallory" + Forged : null,
        });
        reg.Register("churn", _dir.File("m.zip", "m"), reason: "because" + Forged);
        var r = Ml("history", "churn");
        Assert.Equal(0, r.ExitCode);
        var lines = r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var line = Assert.Single(lines);
        Assert.Contains("mallory\\nevil.cs(1,1): error CS0001: forged: register churn@1", line);
        Assert.EndsWith("because\\nevil.cs(1,1): error CS0001: forged", line);
        Assert.DoesNotContain(lines, l => l.StartsWith("evil.cs", StringComparison.Ordinal));
        Assert.DoesNotContain("\nevil", Ml("show", "churn@1").Out);
    }
}
