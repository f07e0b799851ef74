using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using Microsoft.ML;
using MlBuild.Core.Registry;
using Xunit.Abstractions;

namespace MlBuild.Registry.Tests;

/// <summary>NuGet packages of model versions: SemVer from the schema diff, provenance, and a real consumer project.</summary>
public sealed class PackagingTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private CliRun Ml(params string[] args) => Cli.InProc(_dir.Path, args);

    private string Evidence(string inputs, string outputs = """[{"name":"Score","type":"Single"}]""")
    {
        var ev = _dir.Sub("ev" + Guid.NewGuid().ToString("N")[..6]);
        _dir.File(Path.Combine(ev, "schema.json"), $$"""{"inputs":{{inputs}},"outputs":{{outputs}}}""");
        _dir.File(Path.Combine(ev, "metrics.json"), """{"metrics":{"rmse":0.1},"mlnetVersion":"5.0.1"}""");
        return ev;
    }

    [Fact]
    public void Package_version_follows_the_schema_diff()
    {
        var model = _dir.File("model.zip", "1");
        Ml("register", "churn", model, "--evidence", Evidence("""[{"name":"X","type":"Single"}]"""));
        File.WriteAllText(model, "2"); // retrain, same schema: patch
        Ml("register", "churn", model, "--evidence", Evidence("""[{"name":"X","type":"Single"}]"""));
        File.WriteAllText(model, "3"); // input added: minor
        Ml("register", "churn", model, "--evidence", Evidence("""[{"name":"X","type":"Single"},{"name":"Y","type":"Single"}]"""));
        File.WriteAllText(model, "4"); // input type changed: major
        Ml("register", "churn", model, "--evidence", Evidence("""[{"name":"X","type":"Double"},{"name":"Y","type":"Single"}]"""));
        File.WriteAllText(model, "5"); // output removed: major
        Ml("register", "churn", model, "--evidence", Evidence("""[{"name":"X","type":"Double"},{"name":"Y","type":"Single"}]""", "[]"));

        var feed = _dir.Sub("feed");
        string[] expected = ["1.0.0", "1.0.1", "1.1.0", "2.0.0", "3.0.0"];
        for (var v = 1; v <= 5; v++)
        {
            var r = Ml("package", $"churn@{v}", "--nuget", feed);
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.Contains($"MlBuild.Models.churn.{expected[v - 1]}.nupkg", r.Out);
        }
        // Deterministic: packing again gives the same bytes.
        var first = File.ReadAllBytes(Path.Combine(feed, "MlBuild.Models.churn.3.0.0.nupkg"));
        Ml("package", "churn@5", "--nuget", feed);
        Assert.Equal(first, File.ReadAllBytes(Path.Combine(feed, "MlBuild.Models.churn.3.0.0.nupkg")));
    }

    [Fact]
    public void Verify_package_detects_an_altered_model_and_checks_the_signature()
    {
        using var key = EventSigner.Generate();
        _dir.File(TrustedKeys.FileName, System.Text.Json.JsonSerializer.Serialize(new { keys = new[] { new { name = "ci", publicKeyPem = key.PublicKeyPem } } }));
        var pem = _dir.File("ci.pem", key.ExportPrivateKeyPem());
        Ml("register", "churn", _dir.File("model.zip", "weights"), "--evidence", Evidence("""[{"name":"X","type":"Single"}]"""), "--signing-key", pem);
        var feed = _dir.Sub("feed");
        Assert.Equal(0, Ml("package", "churn@1", "--nuget", feed, "--signing-key", pem).ExitCode);
        var pkg = Path.Combine(feed, "MlBuild.Models.churn.1.0.0.nupkg");
        var ok = Ml("verify", "--package", pkg);
        Assert.True(ok.ExitCode == 0, ok.ToString());
        Assert.Contains("digests OK, signature OK against 1 trusted key(s).", ok.Out);

        using (var zip = ZipFile.Open(pkg, ZipArchiveMode.Update))
        {
            zip.GetEntry("contentFiles/any/any/Models/churn/model.zip")!.Delete();
            using var s = zip.CreateEntry("contentFiles/any/any/Models/churn/model.zip").Open();
            s.Write("evil"u8);
        }
        var bad = Ml("verify", "--package", pkg);
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("error MLB6062: Package 'contentFiles/any/any/Models/churn/model.zip' was altered", bad.Err);
    }

    [Fact]
    public void Extract_writes_verified_files_and_refuses_paths_outside_the_target()
    {
        Ml("register", "churn", _dir.File("model.zip", "weights"), "--evidence", Evidence("""[{"name":"X","type":"Single"}]"""));
        var feed = _dir.Sub("feed");
        Ml("package", "churn@1", "--nuget", feed);
        var pkg = Path.Combine(feed, "MlBuild.Models.churn.1.0.0.nupkg");
        var ok = Ml("verify", "--package", pkg, "--extract", "out");
        Assert.True(ok.ExitCode == 0, ok.ToString());
        Assert.Equal("weights", File.ReadAllText(_dir.Sub("out/contentFiles/any/any/Models/churn/model.zip")));

        // A crafted package whose provenance lists a path escaping the folder, with matching digests.
        var evil = _dir.Sub("evil.nupkg");
        using (var zip = ZipFile.Open(evil, ZipArchiveMode.Create))
        {
            void Add(string name, byte[] bytes) { using var s = zip.CreateEntry(name).Open(); s.Write(bytes); }
            var payload = "owned"u8.ToArray();
            Add("../../escaped.txt", payload);
            Add(NuGetPackager.ProvenancePath, ProvenanceCheck.Serialize(new PackageProvenance
            {
                Model = "churn", Version = 1, PackageVersion = "1.0.0", Event = EventLog.Digest("x"u8),
                Files = [new RegisteredFile("../../escaped.txt", EventLog.Digest(payload), payload.Length)],
            }));
        }
        var bad = Ml("verify", "--package", evil, "--extract", "out2");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("error MLB6060", bad.Err);
        Assert.False(File.Exists(_dir.Sub("escaped.txt")));
        Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(_dir.Path)!, "escaped.txt")));
    }

    [Fact]
    public async Task A_consumer_project_adds_the_package_from_a_folder_feed_loads_the_model_and_predicts()
    {
        // A tiny real ML.NET regression model.
        var ml = new MLContext(seed: 1);
        var rows = Enumerable.Range(0, 40).Select(i => new Row { X = i / 10f, Label = 2 * i / 10f + 1 }).ToList();
        var data = ml.Data.LoadFromEnumerable(rows);
        var pipeline = ml.Transforms.Concatenate("Features", nameof(Row.X))
            .Append(ml.Regression.Trainers.Sdca(labelColumnName: "Label", maximumNumberOfIterations: 50));
        var trained = pipeline.Fit(data);
        var modelPath = _dir.Sub("model.zip");
        ml.Model.Save(trained, data.Schema, modelPath);
        var expected = ml.Model.CreatePredictionEngine<Row, Prediction>(trained).Predict(new Row { X = 1.5f }).Score;

        // No evidence at all, as a new user first does: the package's Microsoft.ML dependency must come from the zip itself
        // (without it the consumer fails to compile 'using Microsoft.ML' with CS0234).
        var r = Ml("register", "churn", modelPath);
        Assert.True(r.ExitCode == 0, r.ToString());
        var feed = _dir.Sub("feed");
        // A unique id, so no package cache can serve an older build of it.
        var id = "MlBuildTest.Churn" + Guid.NewGuid().ToString("N")[..8];
        var pack = Ml("package", "churn@1", "--nuget", feed, "--package-id", id);
        Assert.True(pack.ExitCode == 0, pack.ToString());
        Assert.Contains($"depends on Microsoft.ML {LineageProbe.LoadedMlNetVersion()}", pack.Out);

        var consumer = _dir.Sub("consumer");
        _dir.File("consumer/Consumer.csproj", """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>disable</Nullable>
              </PropertyGroup>
            </Project>
            """);
        // Stand alone: nothing from a parent folder's build files; the folder feed beside the configured sources.
        _dir.File("consumer/Directory.Build.props", "<Project />");
        _dir.File("consumer/Directory.Build.targets", "<Project />");
        _dir.File("consumer/Directory.Packages.props", "<Project><PropertyGroup><ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally></PropertyGroup></Project>");
        _dir.File("consumer/NuGet.config", $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="models" value="{feed}" />
              </packageSources>
            </configuration>
            """);
        _dir.File("consumer/Program.cs", """
            using System.Globalization;
            using Microsoft.ML;
            var ml = new MLContext();
            var model = ml.Model.Load(Path.Combine(AppContext.BaseDirectory, "Models", "churn", "model.zip"), out _);
            var engine = ml.Model.CreatePredictionEngine<Row, Prediction>(model);
            Console.WriteLine("score=" + engine.Predict(new Row { X = 1.5f }).Score.ToString("R", CultureInfo.InvariantCulture));
            public sealed class Row { public float X { get; set; } public float Label { get; set; } }
            public sealed class Prediction { public float Score { get; set; } }
            """);

        var add = await Dotnet(consumer, "add", "package", id, "--version", "1.0.0");
        Assert.True(add.ExitCode == 0, add.ToString());
        var run = await Dotnet(consumer, "run", "-c", "Release");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("score=" + expected.ToString("R", CultureInfo.InvariantCulture), run.Out);
    }

    private async Task<CliRun> Dotnet(string dir, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        // The test host's MSBuild settings must not leak into the child build.
        foreach (var v in new[] { "MSBuildExtensionsPath", "MSBuildSDKsPath", "MSBUILD_EXE_PATH", "DOTNET_HOST_PATH" }) psi.Environment.Remove(v);
        using var p = Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        await p.WaitForExitAsync(cts.Token);
        var run = new CliRun(p.ExitCode, await o, await e);
        output.WriteLine($"dotnet {string.Join(' ', args)}: exit {run.ExitCode}");
        return run;
    }

    public sealed class Row
    {
        public float X { get; set; }
        public float Label { get; set; }
    }

    public sealed class Prediction
    {
        public float Score { get; set; }
    }

    [Fact]
    public void A_provenance_file_with_null_fields_is_a_coded_finding_not_an_internal_error()
    {
        var model = _dir.File("model.zip", "m");
        Assert.Equal(0, Ml("register", "churn", model).ExitCode);
        var feed = _dir.Sub("feed");
        Assert.Equal(0, Ml("package", "churn@1", "--nuget", feed).ExitCode);
        var pkg = Path.Combine(feed, "MlBuild.Models.churn.1.0.0.nupkg");
        foreach (var provenance in new[] { """{"files":null}""", """{"files":[null]}""", """{"files":[{"path":null,"digest":null,"size":1}]}""" })
        {
            using (var zip = System.IO.Compression.ZipFile.Open(pkg, System.IO.Compression.ZipArchiveMode.Update))
            {
                zip.GetEntry("mlbuild/provenance.json")!.Delete();
                using var w = new StreamWriter(zip.CreateEntry("mlbuild/provenance.json").Open());
                w.Write(provenance);
            }
            var r = Ml("verify", "--package", pkg, "--extract", _dir.Sub("out"));
            Assert.True(r.ExitCode == 1, provenance + "\n" + r);
            Assert.Contains("error MLB6062: Package provenance is malformed", r.Err);
            Assert.DoesNotContain("MLB9000", r.All);
            Assert.False(Directory.Exists(_dir.Sub("out")));
        }
    }

    [Fact]
    public void Evidence_links_to_files_outside_the_folder_are_refused_and_never_packaged()
    {
        var secret = _dir.File("secret/id_rsa", "PRIVATE KEY");
        var ev = _dir.Sub("ev-link");
        _dir.File("ev-link/metrics.json", """{"metrics":{"auc":0.9}}""");
        File.CreateSymbolicLink(Path.Combine(ev, "notes.txt"), secret);
        var r = Ml("register", "churn", _dir.File("model.zip", "m"), "--evidence", ev);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("error MLB6004: Evidence 'notes.txt' is a symbolic link to", r.Err);
        Assert.False(Directory.Exists(_dir.Sub(".mlregistry/events")));

        // A linked folder that leads outside is refused too; a link that stays inside is fine.
        File.Delete(Path.Combine(ev, "notes.txt"));
        Directory.CreateSymbolicLink(Path.Combine(ev, "more"), _dir.Sub("secret"));
        Assert.Contains("error MLB6004: Evidence 'more' is a symbolic link", Ml("register", "churn", _dir.File("model.zip", "m"), "--evidence", ev).Err);
        Directory.Delete(Path.Combine(ev, "more"));
        File.CreateSymbolicLink(Path.Combine(ev, "metrics-copy.json"), Path.Combine(ev, "metrics.json"));
        var ok = Ml("register", "churn", _dir.File("model.zip", "m"), "--evidence", ev);
        Assert.True(ok.ExitCode == 0, ok.ToString());
    }
}
