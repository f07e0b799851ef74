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
        Assert.Contains($"Pushed 127.0.0.1:{server.Port}/models/churn:1.0.0 (manifest sha256:", r.Out);
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
