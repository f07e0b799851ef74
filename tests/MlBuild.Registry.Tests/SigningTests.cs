using System.Text.Json;
using MlBuild.Core.Registry;

namespace MlBuild.Registry.Tests;

/// <summary>Signed events: the key from an environment variable or a PEM file, checked against the repository's trusted keys.</summary>
public sealed class SigningTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly EventSigner _ci = EventSigner.Generate();
    private readonly EventSigner _other = EventSigner.Generate();

    public void Dispose()
    {
        _ci.Dispose();
        _other.Dispose();
        _dir.Dispose();
    }

    private void Trust(bool require, params EventSigner[] keys) =>
        _dir.File(TrustedKeys.FileName, JsonSerializer.Serialize(new
        {
            requireSignatures = require,
            keys = keys.Select((k, i) => new { name = $"key{i}", publicKeyPem = k.PublicKeyPem }),
        }));

    private CliRun Signed(EventSigner key, params string[] args) =>
        Cli.Exec(_dir.Path, new Dictionary<string, string> { [EventSigner.KeyVariable] = key.ExportPrivateKeyPem() }, args);

    [Fact]
    public void Events_signed_with_the_env_key_verify_against_trusted_keys_and_the_key_never_appears()
    {
        var model = _dir.File("model.zip", "a");
        var r = Signed(_ci, "register", "churn", model);
        Assert.True(r.ExitCode == 0, r.ToString());
        var keyFile = _dir.File("ci.pem", _ci.ExportPrivateKeyPem());
        Assert.Equal(0, Cli.Exec(_dir.Path, null, "promote", "churn", "1", "--to", "prod", "--signing-key", keyFile).ExitCode);
        Trust(true, _ci);
        var v = Cli.InProc(_dir.Path, "verify");
        Assert.True(v.ExitCode == 0, v.ToString());
        Assert.Contains("signatures against 1 trusted key(s): OK", v.Out);

        // The private key is in no registry file.
        var secret = _ci.ExportPrivateKeyPem().Split('\n')[1];
        foreach (var f in Directory.EnumerateFiles(_dir.Sub(".mlregistry"), "*", SearchOption.AllDirectories))
            Assert.DoesNotContain(secret, File.ReadAllText(f));
        Assert.DoesNotContain(secret, r.All);
    }

    [Fact]
    public void Unsigned_untrusted_and_forged_events_fail_verify()
    {
        var model = _dir.File("model.zip", "a");
        Signed(_ci, "register", "churn", model);
        File.WriteAllText(model, "b");
        Cli.Exec(_dir.Path, null, "register", "churn", model);            // event 2: unsigned
        Signed(_other, "promote", "churn", "2", "--to", "prod");           // event 3: untrusted key
        Trust(true, _ci);
        var v = Cli.InProc(_dir.Path, "verify");
        Assert.Equal(1, v.ExitCode);
        Assert.Contains("error MLB6037: Event 2 is not signed.", v.Err);
        Assert.Contains($"error MLB6037: Event 3 is signed by key {_other.KeyId}, which is not in the trusted keys.", v.Err);

        // Re-signing an altered body with a trusted key's id but another key: the signature no longer matches.
        var path = _dir.Sub(".mlregistry/events/0000000001");
        var lines = File.ReadAllLines(path);
        var sig = JsonSerializer.Deserialize<EventSignature>(lines[1], new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
        var forged = _other.Sign(EventLog.Digest(System.Text.Encoding.UTF8.GetBytes(lines[0])));
        File.WriteAllText(path, lines[0] + "\n" + JsonSerializer.Serialize(forged with { KeyId = sig.KeyId }, new JsonSerializerOptions(JsonSerializerDefaults.Web)) + "\n");
        Assert.Contains("error MLB6037: Event 1 has a signature by key", Cli.InProc(_dir.Path, "verify").Err);
    }

    [Fact]
    public void A_bad_signing_key_is_MLB6040_without_echoing_it()
    {
        var model = _dir.File("model.zip", "a");
        var r = Cli.Exec(_dir.Path, new Dictionary<string, string> { [EventSigner.KeyVariable] = "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LXRva2Vu\n-----END PRIVATE KEY-----" },
            "register", "churn", model);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("error MLB6040", r.Err);
        Assert.DoesNotContain("c2VjcmV0LXRva2Vu", r.All);
        Assert.False(Directory.Exists(_dir.Sub(".mlregistry/events")));
    }

    [Fact]
    public void Cutting_events_off_the_end_and_rewriting_the_head_fails_verify_when_signatures_are_required()
    {
        var reg = new ModelRegistry(new FolderStore(_dir.Sub(".mlregistry")), new RegistryOptions { WorkingDirectory = _dir.Path, SkipGit = true, Signer = _ci });
        reg.Register("churn", _dir.File("model.zip", "a"));
        reg.Register("churn", _dir.File("model.zip", "b"));
        reg.Promote("churn", 2, "prod");
        Trust(true, _ci);
        Assert.Equal(0, Cli.InProc(_dir.Path, "verify").ExitCode);

        // The attacker deletes the promotion and points the head at event 2, keeping or dropping the head's signature.
        var head = _dir.Sub(".mlregistry/head.json");
        var signedHead = JsonSerializer.Deserialize<HeadRecord>(File.ReadAllText(head), new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
        Assert.NotNull(signedHead.Signature);
        File.Delete(_dir.Sub(".mlregistry/events/0000000003"));
        var event2 = EventLog.Parse(File.ReadAllBytes(_dir.Sub(".mlregistry/events/0000000002")));
        var web = new JsonSerializerOptions(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };
        File.WriteAllText(head, JsonSerializer.Serialize(new HeadRecord(2, event2.Digest), web));
        var unsigned = Cli.InProc(_dir.Path, "verify");
        Assert.Equal(1, unsigned.ExitCode);
        Assert.Contains("error MLB6037: The head file is not signed", unsigned.Err);

        File.WriteAllText(head, JsonSerializer.Serialize(new HeadRecord(2, event2.Digest, signedHead.Signature), web));
        var stolen = Cli.InProc(_dir.Path, "verify");
        Assert.Equal(1, stolen.ExitCode);
        Assert.Contains($"error MLB6037: The head file has a signature by key {_ci.KeyId} that does not match its content", stolen.Err);

        // Without required signatures the same cut is invisible: that is what docs/security.md says signing is for.
        Trust(false, _ci);
        File.WriteAllText(head, JsonSerializer.Serialize(new HeadRecord(2, event2.Digest), web));
        Assert.Equal(0, Cli.InProc(_dir.Path, "verify").ExitCode);
    }
}
