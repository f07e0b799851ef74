using System.IO.Compression;
using MlBuild.Core.Registry;

namespace MlBuild.Registry.Tests;

/// <summary>
/// What a new user met in their first hour with the registry (issue 13): failing gates and prod, the same bytes twice,
/// self-approval, model packages that could not be consumed, and the smaller messages.
/// </summary>
public sealed class FirstHourTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private CliRun Ml(params string[] args) => Cli.InProc(_dir.Path, args);

    private CliRun As(string actor, params string[] args) =>
        Cli.Exec(_dir.Path, new Dictionary<string, string> { ["MLBUILD_ACTOR"] = actor }, args);

    private int Events() => Directory.GetFiles(_dir.Sub(".mlregistry/events")).Length;

    // An evidence folder whose gates.json has the shape 'dotnet ml gate --json' writes.
    private string GateEvidence(string auc, string latency = "pass", string? schema = null)
    {
        var ev = _dir.Sub("ev-" + Guid.NewGuid().ToString("N")[..6]);
        _dir.File(Path.Combine(ev, "gates.json"), $$"""
            {"verdict":"x","gates":[{"name":"auc >= 0.8","kind":"metric","verdict":"{{auc}}"},{"name":"latency","kind":"metric","verdict":"{{latency}}"}]}
            """);
        if (schema is not null) _dir.File(Path.Combine(ev, "schema.json"), schema);
        return ev;
    }

    [Fact]
    public void A_failing_gate_is_refused_for_prod_without_force_and_warned_about_elsewhere()
    {
        Assert.Equal(0, Ml("register", "churn", _dir.File("model.zip", "a"), "--evidence", GateEvidence("fail")).ExitCode);
        var events = Events();

        var staging = Ml("promote", "churn", "1", "--to", "staging");
        Assert.True(staging.ExitCode == 0, staging.ToString());
        Assert.Contains("warning MLB6045: churn@1 was promoted to 'staging' although its evidence records gates that did not pass: auc >= 0.8 FAIL.", staging.Err);

        var prod = Ml("promote", "churn", "1", "--to", "prod");
        Assert.Equal(1, prod.ExitCode);
        Assert.Contains("error MLB6044: churn 1 has failing gates in its evidence (auc >= 0.8 FAIL): refusing to promote it to 'prod'.", prod.Err);
        Assert.Equal(events + 1, Events()); // only the staging promotion

        var forced = Ml("promote", "churn", "1", "--to", "prod", "--force", "--reason", "hotfix, gate data stale");
        Assert.True(forced.ExitCode == 0, forced.ToString());
        Assert.Contains("warning MLB6045", forced.Err);
        Assert.Contains("promote  churn@1 to prod (was (none)) \u2014 --force past failing gates (auc >= 0.8 FAIL): hotfix, gate data stale", Ml("history", "churn").Out);

        // An inconclusive gate warns but does not block prod; a passing version promotes silently.
        Ml("register", "churn", _dir.File("model.zip", "b"), "--evidence", GateEvidence("inconclusive"));
        var undecided = Ml("promote", "churn", "2", "--to", "prod");
        Assert.True(undecided.ExitCode == 0, undecided.ToString());
        Assert.Contains("auc >= 0.8 INCONCLUSIVE", undecided.Err);
        Ml("register", "churn", _dir.File("model.zip", "c"), "--evidence", GateEvidence("pass"));
        var clean = Ml("promote", "churn", "3", "--to", "prod");
        Assert.Equal(0, clean.ExitCode);
        Assert.Equal("", clean.Err);
        Assert.Equal(0, Ml("verify").ExitCode);
    }

    [Fact]
    public void Force_never_overrides_the_policy_file()
    {
        _dir.File(RegistryPolicy.FileName, """{"aliases":{"prod":{"requiredGates":"all"}}}""");
        Ml("register", "churn", _dir.File("model.zip", "a"), "--evidence", GateEvidence("fail"));
        var r = Ml("promote", "churn", "1", "--to", "prod", "--force");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("error MLB6020", r.Err);
    }

    [Fact]
    public void The_same_bytes_and_evidence_record_nothing_and_other_evidence_makes_a_version_with_a_warning()
    {
        var model = _dir.File("model.zip", "weights");
        var ev = GateEvidence("pass");
        Assert.StartsWith("Registered churn@1 ", Ml("register", "churn", model, "--evidence", ev).Out);
        var events = Events();

        var again = Ml("register", "churn", model, "--evidence", ev);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.StartsWith("Already registered as churn@1 ", again.Out);
        Assert.Contains("nothing recorded", again.Out);
        Assert.Contains("info MLB6042: churn@1 already has these model bytes", again.Err);
        Assert.Equal(events, Events());

        var reevaluated = Ml("register", "churn", model, "--evidence", GateEvidence("fail"));
        Assert.True(reevaluated.ExitCode == 0, reevaluated.ToString());
        Assert.StartsWith("Registered churn@2 ", reevaluated.Out);
        Assert.Contains("warning MLB6043: The model bytes of churn@2 are identical to churn@1", reevaluated.Err);

        // Another model name is another model: no notice.
        Assert.Equal("", Ml("register", "other", model, "--evidence", ev).Err);
    }

    [Fact]
    public void A_policy_can_refuse_approvals_by_the_promoter_and_the_registrant()
    {
        _dir.File(RegistryPolicy.FileName, """{"aliases":{"prod":{"approvals":1,"approvalsExclude":["promoter","registrant"]}}}""");
        Assert.Equal(0, As("alice", "register", "churn", _dir.File("model.zip", "a")).ExitCode);
        Assert.Equal(0, As("alice", "approve", "churn", "1", "--for", "prod").ExitCode);
        Assert.Equal(0, As("bob", "approve", "churn", "latest", "--for", "prod").ExitCode);

        // Bob approved, so bob may not promote on his own approval; alice registered, so hers never counts.
        var bob = As("bob", "promote", "churn", "1", "--to", "prod");
        Assert.Equal(1, bob.ExitCode);
        Assert.Contains("error MLB6022: Policy requires 1 approval(s) from someone other than the promoter and the registrant of churn 1 for 'prod'; it has 0 (alice, bob cannot approve their own change).", bob.Err);

        var carol = As("carol", "promote", "churn", "1", "--to", "prod");
        Assert.True(carol.ExitCode == 0, carol.ToString()); // bob's approval counts for carol
        Assert.Equal(0, Ml("verify").ExitCode);
    }

    [Fact]
    public void Verify_replays_approvalsExclude_against_the_log()
    {
        var api = new ModelRegistry(new FolderStore(_dir.Sub(".mlregistry")),
            new RegistryOptions { WorkingDirectory = _dir.Path, SkipGit = true, Environment = v => v == "MLBUILD_ACTOR" ? "mallory" : null });
        api.Register("churn", _dir.File("model.zip", "a"));
        api.Approve("churn", 1, "prod");
        api.Promote("churn", 1, "prod"); // no policy in the library call: the log now holds a self-approved promotion
        _dir.File(RegistryPolicy.FileName, """{"aliases":{"prod":{"approvals":1,"approvalsExclude":["promoter"]}}}""");
        var r = Ml("verify");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("error MLB6039: Event 3 promotes churn 1 to 'prod', which the policy forbids: Policy requires 1 approval(s) from someone other than the promoter", r.Err);
    }

    [Fact]
    public void A_malformed_approvalsExclude_is_MLB6023()
    {
        _dir.File(RegistryPolicy.FileName, """{"aliases":{"prod":{"approvals":1,"approvalsExclude":["boss"]}}}""");
        Ml("register", "churn", _dir.File("model.zip", "a"));
        var r = Ml("promote", "churn", "1", "--to", "prod");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("error MLB6023: The registry policy file is malformed: 'approvalsExclude' of 'prod' names 'boss'", r.Err);
    }

    [Fact]
    public void Version_arguments_take_latest_and_aliases_and_a_word_is_a_coded_error_without_type_names()
    {
        Ml("register", "churn", _dir.File("model.zip", "a"));
        Ml("register", "churn", _dir.File("model.zip", "b"));
        var latest = Ml("promote", "churn", "latest", "--to", "staging");
        Assert.True(latest.ExitCode == 0, latest.ToString());
        Assert.Contains("Promoted churn@2 to staging", latest.Out);
        Assert.Contains("Promoted churn@2 to prod", Ml("promote", "churn", "staging", "--to", "prod").Out);

        var word = Ml("promote", "churn", "newest", "--to", "prod");
        Assert.Equal(2, word.ExitCode);
        Assert.Contains("error MLB6002: Version 'newest' is not valid: write a version number (1, 2, ...), 'latest', or an alias churn has (prod, staging).", word.Err);
        Assert.DoesNotContain("System.", word.All);
        Assert.Contains("error MLB6002: Version 0 is not valid", Ml("promote", "churn", "0", "--to", "prod").Err);
    }

    [Fact]
    public void A_broken_log_says_what_is_broken_in_a_readable_sentence()
    {
        Ml("register", "churn", _dir.File("model.zip", "a"));
        Ml("register", "churn", _dir.File("model.zip", "b"));
        Ml("register", "churn", _dir.File("model.zip", "c"));
        var second = Directory.GetFiles(_dir.Sub(".mlregistry/events")).Order(StringComparer.Ordinal).ElementAt(1);
        File.WriteAllText(second, File.ReadAllText(second).Replace("\"version\":2", "\"version\":7", StringComparison.Ordinal));
        var r = Ml("show", "churn");
        Assert.Equal(1, r.ExitCode);
        Assert.Matches(@"error MLB6080: Registry '[^']+' is broken: event 2 registers churn version 7 but the next version is 2\. Nothing was written; run 'dotnet ml verify' for the full list of problems\.", r.Err);
    }

    [Fact]
    public void Show_reads_the_mlnet_version_from_the_model_zip_when_nothing_else_records_it()
    {
        var model = TinyModels.Save(_dir.Sub("model.zip"));
        Assert.Equal(0, Ml("register", "churn", model).ExitCode); // no evidence at all
        var version = typeof(Microsoft.ML.MLContext).Assembly
            .GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .Cast<System.Reflection.AssemblyInformationalVersionAttribute>().Single().InformationalVersion.Split('+')[0];
        Assert.Contains($"ml.net {version}", Ml("show", "churn").Out);
        Assert.DoesNotContain("ml.net (unknown", Ml("show", "churn").Out);
    }

    [Fact]
    public void Evidence_that_describes_another_model_is_refused_at_register_and_nothing_is_written()
    {
        var model = TinyModels.Save(_dir.Sub("model.zip"));
        var ev = GateEvidence("pass", schema: """{"inputs":[{"name":"X","type":"String"},{"name":"Z","type":"Single"}],"outputs":[{"name":"Score","type":"Single"}]}""");
        var r = Ml("register", "churn", model, "--evidence", ev);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("error MLB6046: The evidence's schema.json describes another model than model.zip: input 'X' is String in the evidence but Single in the model; input 'Z' is not in the model. Nothing was registered.", r.Err);
        Assert.False(Directory.Exists(_dir.Sub(".mlregistry/events")));

        var good = Ml("register", "churn", model, "--evidence", GateEvidence("pass", schema: TinyModels.SchemaJson()));
        Assert.True(good.ExitCode == 0, good.ToString());
    }

    [Fact]
    public void Package_depends_on_the_mlnet_packages_the_zip_needs_and_says_which_version_became_which()
    {
        var feed = _dir.Sub("feed");
        Ml("register", "churn", TinyModels.Save(_dir.Sub("sdca.zip")));
        Ml("register", "churn", TinyModels.Save(_dir.Sub("trees.zip"), fastTree: true));
        var version = LineageProbe.LoadedMlNetVersion()!;

        var sdca = Ml("package", "churn@1", "--nuget", "feed");
        Assert.True(sdca.ExitCode == 0, sdca.ToString());
        Assert.Contains($"Packed churn@1 as MlBuild.Models.churn 1.0.0 (depends on Microsoft.ML {version}): {Path.Combine("feed", "MlBuild.Models.churn.1.0.0.nupkg")}.", sdca.Out);
        var trees = Ml("package", "churn@2", "--nuget", "feed");
        Assert.Contains($"Packed churn@2 as MlBuild.Models.churn 1.0.1 (depends on Microsoft.ML {version}, Microsoft.ML.FastTree {version})", trees.Out);
        using var zip = ZipFile.OpenRead(Path.Combine(feed, "MlBuild.Models.churn.1.0.1.nupkg"));
        using var nuspec = new StreamReader(zip.GetEntry("MlBuild.Models.churn.nuspec")!.Open());
        var text = nuspec.ReadToEnd();
        Assert.Contains($"<dependency id=\"Microsoft.ML\" version=\"{version}\" />", text);
        Assert.Contains($"<dependency id=\"Microsoft.ML.FastTree\" version=\"{version}\" />", text);
    }

    [Fact]
    public void A_model_zip_that_does_not_load_is_never_packaged()
    {
        var model = TinyModels.Save(_dir.Sub("model.zip"));
        // Damage the predictor inside the zip: still an ML.NET zip by its layout, but ML.NET cannot load it.
        using (var zip = ZipFile.Open(model, ZipArchiveMode.Update))
        {
            var key = zip.Entries.Where(e => e.Name == "Model.key").OrderBy(e => e.FullName, StringComparer.Ordinal).Last();
            var name = key.FullName;
            key.Delete();
            using var s = zip.CreateEntry(name).Open();
            s.Write(new byte[300]);
        }
        var reg = Ml("register", "churn", model);
        Assert.Equal(0, reg.ExitCode);
        var feed = _dir.Sub("feed");
        var r = Ml("package", "churn@1", "--nuget", feed);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("error MLB6047: churn@1 (model.zip) does not load with ML.NET", r.Err);
        Assert.Contains("none was written", r.Err);
        Assert.False(Directory.Exists(feed) && Directory.EnumerateFiles(feed, "*.nupkg").Any());
    }

    [Fact]
    public void A_file_that_is_not_an_mlnet_zip_is_packaged_with_a_warning_and_no_dependency()
    {
        Ml("register", "churn", _dir.File("model.onnx", "onnx bytes"));
        var r = Ml("package", "churn@1", "--nuget", "feed");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("warning MLB6048: churn@1 (model.onnx) is not an ML.NET model zip", r.Err);
        Assert.Contains("(no dependencies)", r.Out);
    }

    [Fact]
    public void Verify_package_says_whether_the_package_is_signed()
    {
        Ml("register", "churn", _dir.File("model.onnx", "m"));
        Ml("package", "churn@1", "--nuget", "feed");
        var unsigned = Ml("verify", "--package", Path.Combine("feed", "MlBuild.Models.churn.1.0.0.nupkg"));
        Assert.Equal(0, unsigned.ExitCode);
        Assert.Contains("digests OK, unsigned.", unsigned.Out);
        Assert.Contains("warning MLB6049: Package is not signed", unsigned.Err);

        using var key = EventSigner.Generate();
        var pem = _dir.File("ci.pem", key.ExportPrivateKeyPem());
        Ml("package", "churn@1", "--nuget", "signed", "--signing-key", pem);
        var notChecked = Ml("verify", "--package", Path.Combine("signed", "MlBuild.Models.churn.1.0.0.nupkg"));
        Assert.Contains("signed, signature not checked (no trusted keys: pass --trust)", notChecked.Out);
        Assert.DoesNotContain("MLB6049", notChecked.Err);
    }
}
