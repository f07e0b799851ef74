using System.Net.Http.Headers;
using System.Text.Json;
using MlBuild.Core.Registry;

namespace MlBuild.Registry.Tests;

/// <summary>OCI artifacts pushed to a real distribution server (Debian's docker-registry) on 127.0.0.1.</summary>
public sealed class OciTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    // A test-only account: bcrypt of "mlbuild-test-password", as the registry's htpasswd file expects.
    private const string TestUser = "tester";
    private const string TestPassword = "mlbuild-test-password";
    private const string TestHtpasswd = "tester:$2b$12$v5OC4HZ/F7XfOER28LDjI.INkk24a2ihCjITyM5JlOVrubKm5i2mW";

    private ServerProcess StartRegistry(bool auth = false)
    {
        var port = Servers.FreePort();
        var authConfig = "";
        if (auth)
        {
            var htpasswd = _dir.File("htpasswd", TestHtpasswd + "\n");
            authConfig = $"auth:\n  htpasswd:\n    realm: mlbuild-test\n    path: {htpasswd}\n";
        }
        var config = _dir.File("registry.yml", $"""
            version: 0.1
            log:
              level: warn
            storage:
              filesystem:
                rootdirectory: {_dir.Sub("oci-data")}
            http:
              addr: 127.0.0.1:{port}
            """ + "\n" + authConfig);
        return new ServerProcess(Servers.DockerRegistryPath, ["serve", config], _dir.Path, port, "docker-registry");
    }

    [Fact]
    public async Task Package_pushes_an_artifact_with_annotations_that_pulls_back_with_matching_digests()
    {
        using var server = StartRegistry();
        var model = _dir.File("model.zip", "model bytes");
        _dir.File("ev/metrics.json", """{"metrics":{"auc":0.9}}""");
        Assert.Equal(0, Cli.InProc(_dir.Path, "register", "churn", model, "--evidence", "ev").ExitCode);
        var r = Cli.InProc(_dir.Path, "package", "churn@1", "--oci", $"127.0.0.1:{server.Port}/models/churn");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains($"Pushed churn@1 as 127.0.0.1:{server.Port}/models/churn:1.0.0 (manifest sha256:", r.Out);
        Assert.Contains("verified 4 layer(s)", r.Out); // model, evidence, provenance, config

        // An independent pull: the manifest's annotations name version and digests; the model layer is the model.
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.Port}/") };
        using var req = new HttpRequestMessage(HttpMethod.Get, "v2/models/churn/manifests/1.0.0");
        req.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/vnd.oci.image.manifest.v1+json"));
        using var resp = await http.SendAsync(req);
        resp.EnsureSuccessStatusCode();
        var manifestBytes = await resp.Content.ReadAsByteArrayAsync();
        Assert.Equal(resp.Headers.GetValues("Docker-Content-Digest").Single(), EventLog.Digest(manifestBytes));
        using var doc = JsonDocument.Parse(manifestBytes);
        var root = doc.RootElement;
        Assert.Equal(OciPublisher.ArtifactType, root.GetProperty("artifactType").GetString());
        var ann = root.GetProperty("annotations");
        Assert.Equal("1.0.0", ann.GetProperty("org.opencontainers.image.version").GetString());
        Assert.Equal(EventLog.Digest("model bytes"u8), ann.GetProperty("dev.mlbuild.model.digest").GetString());
        var modelLayer = root.GetProperty("layers")[0];
        Assert.Equal("model.zip", modelLayer.GetProperty("annotations").GetProperty("org.opencontainers.image.title").GetString());
        var blob = await http.GetByteArrayAsync($"v2/models/churn/blobs/{modelLayer.GetProperty("digest").GetString()}");
        Assert.Equal("model bytes"u8.ToArray(), blob);

        // Pushing again (same content) is idempotent.
        Assert.Equal(0, Cli.InProc(_dir.Path, "package", "churn@1", "--oci", $"127.0.0.1:{server.Port}/models/churn:stable").ExitCode);
    }

    [Fact]
    public void Pull_brings_a_pushed_artifact_back_verified_and_refuses_a_tampered_or_missing_one()
    {
        using var server = StartRegistry();
        var model = TinyModels.Save(_dir.Sub("model.zip"));
        _dir.File("ev/metrics.json", """{"metrics":{"auc":0.9}}""");
        Assert.Equal(0, Cli.InProc(_dir.Path, "register", "churn", model, "--evidence", "ev").ExitCode);
        using var key = EventSigner.Generate();
        var pem = _dir.File("ci.pem", key.ExportPrivateKeyPem());
        var target = $"127.0.0.1:{server.Port}/models/churn";
        Assert.Equal(0, Cli.InProc(_dir.Path, "package", "churn@1", "--oci", target, "--signing-key", pem).ExitCode);

        _dir.File("trust.json", System.Text.Json.JsonSerializer.Serialize(new { keys = new[] { new { name = "ci", publicKeyPem = key.PublicKeyPem } } }));
        var pull = Cli.InProc(_dir.Path, "pull", target + ":1.0.0", "--output", "pulled", "--trust", "trust.json");
        Assert.True(pull.ExitCode == 0, pull.ToString());
        Assert.Contains($"Pulled {target}:1.0.0 (churn@1, package version 1.0.0; manifest sha256:", pull.Out);
        Assert.Contains("4 file(s) into pulled, digests OK, signature OK against 1 trusted key(s).", pull.Out);
        Assert.Equal(File.ReadAllBytes(model), File.ReadAllBytes(_dir.Sub("pulled/model.zip")));
        Assert.Equal("""{"metrics":{"auc":0.9}}""", File.ReadAllText(_dir.Sub("pulled/evidence/metrics.json")));
        Assert.True(File.Exists(_dir.Sub("pulled/mlbuild/provenance.json")));
        // The pulled model is the registered one: ML.NET loads it.
        new Microsoft.ML.MLContext().Model.Load(_dir.Sub("pulled/model.zip"), out _);

        // A key that is not trusted: refused, nothing written.
        using var other = EventSigner.Generate();
        _dir.File("other.json", System.Text.Json.JsonSerializer.Serialize(new { keys = new[] { new { name = "x", publicKeyPem = other.PublicKeyPem } } }));
        var untrusted = Cli.InProc(_dir.Path, "pull", target + ":1.0.0", "--output", "pulled2", "--trust", "other.json");
        Assert.Equal(1, untrusted.ExitCode);
        Assert.Contains("error MLB6062", untrusted.Err);
        Assert.False(Directory.Exists(_dir.Sub("pulled2")));

        var missing = Cli.InProc(_dir.Path, "pull", target + ":9.9.9", "--output", "pulled3");
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains($"error MLB6061: OCI registry 127.0.0.1:{server.Port} has no artifact models/churn:9.9.9.", missing.Err);
    }

    [Fact]
    public void An_unreachable_registry_is_a_coded_error()
    {
        var model = _dir.File("model.zip", "m");
        Cli.InProc(_dir.Path, "register", "churn", model);
        var r = Cli.InProc(_dir.Path, "package", "churn@1", "--oci", $"127.0.0.1:{Servers.FreePort()}/models/churn");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("error MLB6061", r.Err);
        var bad = Cli.InProc(_dir.Path, "package", "churn@1", "--oci", "127.0.0.1/Bad Repo");
        Assert.Contains("error MLB6061", bad.Err);
    }

    [Fact]
    public void Push_to_a_registry_with_basic_auth_uses_the_env_credentials_and_never_prints_them()
    {
        using var server = StartRegistry(auth: true);
        var model = _dir.File("model.zip", "model bytes");
        var registry = _dir.Sub(".mlregistry");
        Assert.Equal(0, Cli.InProc(_dir.Path, "register", "churn", model).ExitCode);
        var target = $"127.0.0.1:{server.Port}/models/churn";

        var anonymous = Cli.Exec(_dir.Path, null, "package", "churn@1", "--oci", target, "--registry", registry);
        Assert.Equal(2, anonymous.ExitCode);
        Assert.Contains($"error MLB6061: OCI registry 127.0.0.1:{server.Port} requires authentication (HTTP 401)", anonymous.Err);

        var wrong = Cli.Exec(_dir.Path, new Dictionary<string, string> { [OciPublisher.UserVariable] = TestUser, [OciPublisher.PasswordVariable] = "not-the-password" },
            "package", "churn@1", "--oci", target, "--registry", registry);
        Assert.Equal(2, wrong.ExitCode);
        Assert.Contains("HTTP 401", wrong.Err);
        Assert.DoesNotContain("not-the-password", wrong.All);

        var ok = Cli.Exec(_dir.Path, new Dictionary<string, string> { [OciPublisher.UserVariable] = TestUser, [OciPublisher.PasswordVariable] = TestPassword },
            "package", "churn@1", "--oci", target, "--registry", registry);
        Assert.True(ok.ExitCode == 0, ok.ToString());
        Assert.Contains("verified 3 layer(s)", ok.Out); // model, provenance, config
        Assert.DoesNotContain(TestPassword, ok.All);
    }
}

/// <summary>Credentials against a hostile registry: they go to its origin only and are never echoed; plain HTTP only for loopback.</summary>
public sealed class OciCredentialTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private const string Password = "s3cret-registry-password";

    [Fact]
    public async Task Basic_credentials_never_go_to_another_origin_named_by_an_upload_location_and_are_never_echoed()
    {
        var registryPort = Servers.FreePort();
        var otherPort = Servers.FreePort();
        using var registry = new System.Net.HttpListener();
        registry.Prefixes.Add($"http://127.0.0.1:{registryPort}/");
        using var other = new System.Net.HttpListener();
        other.Prefixes.Add($"http://127.0.0.1:{otherPort}/");
        registry.Start();
        other.Start();
        var seenElsewhere = new System.Collections.Concurrent.ConcurrentBag<string>();
        var seenAtRegistry = new System.Collections.Concurrent.ConcurrentBag<string>();

        // The registry asks for Basic, then names an upload Location on another origin; that origin reflects the
        // request headers in its error body, as a hostile or careless server might.
        async Task Serve(System.Net.HttpListener l, bool isRegistry)
        {
            while (l.IsListening)
            {
                System.Net.HttpListenerContext c;
                try { c = await l.GetContextAsync(); } catch (Exception) { return; }
                var auth = c.Request.Headers["Authorization"];
                (isRegistry ? seenAtRegistry : seenElsewhere).Add(auth ?? "(none)");
                var path = c.Request.Url!.AbsolutePath;
                byte[] body = [];
                if (isRegistry && path == "/v2/" && auth is null)
                {
                    c.Response.StatusCode = 401;
                    c.Response.AddHeader("WWW-Authenticate", "Basic realm=\"hostile\"");
                }
                else if (isRegistry && path == "/v2/") c.Response.StatusCode = 200;
                else if (isRegistry && c.Request.HttpMethod == "HEAD") c.Response.StatusCode = 404;
                else if (isRegistry && c.Request.HttpMethod == "POST")
                {
                    c.Response.StatusCode = 202;
                    c.Response.AddHeader("Location", $"http://127.0.0.1:{otherPort}/upload/1");
                }
                else
                {
                    c.Response.StatusCode = 400;
                    var reflected = $"Authorization: {auth} (registry saw: {string.Join(" ", seenAtRegistry)})";
                    body = System.Text.Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { errors = new[] { new { code = "DENIED", message = reflected } } }));
                }
                await c.Response.OutputStream.WriteAsync(body);
                c.Response.Close();
            }
        }
        var serving = Task.WhenAll(Serve(registry, true), Serve(other, false));

        var reg = new ModelRegistry(new FolderStore(_dir.Sub(".mlregistry")), new RegistryOptions { WorkingDirectory = _dir.Path, SkipGit = true });
        reg.Register("churn", _dir.File("model.zip", "m"));
        var ex = await Assert.ThrowsAsync<MlBuild.Core.Diagnostics.MlBuildException>(() => OciPublisher.PushAsync(reg, new ModelReference("churn", 1, null),
            OciReference.Parse($"127.0.0.1:{registryPort}/models/churn"), env: v => v switch
            {
                OciPublisher.UserVariable => "tester",
                OciPublisher.PasswordVariable => Password,
                _ => null,
            }));
        registry.Stop();
        other.Stop();
        await serving;

        var basic = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("tester:" + Password));
        Assert.Contains("Basic " + basic, seenAtRegistry);        // the registry itself got them
        Assert.NotEmpty(seenElsewhere);
        Assert.All(seenElsewhere, a => Assert.Equal("(none)", a)); // the other origin never did
        var printed = ex.Diagnostic.ToCanonicalString();
        Assert.Contains("error MLB6061: OCI blob upload", printed);
        Assert.Contains("HTTP 400 (DENIED)", printed);
        Assert.DoesNotContain(basic, printed);
        Assert.DoesNotContain(Password, printed);
        Assert.DoesNotContain("Authorization", printed);
    }

    [Theory]
    [InlineData("localhost:5000/m", true)]
    [InlineData("LOCALHOST/m", true)]
    [InlineData("127.0.0.1:5000/m", true)]
    [InlineData("127.8.9.10/m", true)]
    [InlineData("[::1]:5000/m", true)]
    [InlineData("localhost.example.com/m", false)]
    [InlineData("localhostile.example.com:5000/m", false)]
    [InlineData("127.0.0.1.nip.io/m", false)]
    [InlineData("127.example.com/m", false)]
    [InlineData("registry.example.com/m", false)]
    public void Plain_http_only_for_hosts_that_parse_as_loopback(string reference, bool loopback) =>
        Assert.Equal(loopback, OciReference.Parse(reference).IsLoopback);

    [Theory]
    [InlineData("user:pw@evil.example.com/m")]
    [InlineData("evil.example.com#x/m")]
    [InlineData("localhost\n/m")]
    public void A_reference_whose_host_could_carry_credentials_or_a_path_is_refused(string reference)
    {
        var ex = Assert.Throws<MlBuild.Core.Diagnostics.MlBuildException>(() => OciReference.Parse(reference));
        Assert.Equal(RegistryCodes.OciFailed, ex.Diagnostic.Code);
        Assert.DoesNotContain("\n", ex.Diagnostic.ToCanonicalString());
    }
}
