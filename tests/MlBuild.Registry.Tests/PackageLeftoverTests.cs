using MlBuild.Core.Registry;

namespace MlBuild.Registry.Tests;

/// <summary>A package run killed mid-write leaves a temporary file; the next run removes stale ones (issue 12 item 6).</summary>
public sealed class PackageLeftoverTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private CliRun Ml(params string[] args) => Cli.InProc(_dir.Path, args);

    [Fact]
    public void Next_package_run_removes_stale_temporary_files_of_its_own_pattern_only()
    {
        var ev = _dir.Sub("ev");
        _dir.File(Path.Combine(ev, "schema.json"), """{"inputs":[{"name":"X","type":"Single"}],"outputs":[{"name":"Score","type":"Single"}]}""");
        _dir.File(Path.Combine(ev, "metrics.json"), """{"metrics":{"rmse":0.1},"mlnetVersion":"5.0.1"}""");
        Assert.Equal(0, Ml("register", "churn", _dir.File("model.zip", "1"), "--evidence", ev).ExitCode);

        var feed = Directory.CreateDirectory(_dir.Sub("feed")).FullName;
        var stale = Path.Combine(feed, ".tmp-" + Guid.NewGuid().ToString("N"));      // a killed run's leftover
        var fresh = Path.Combine(feed, ".tmp-" + Guid.NewGuid().ToString("N"));      // a write that may be in progress
        var notOurs = Path.Combine(feed, ".tmp-notes.txt");                          // a user's file that merely looks alike
        var oldNotOurs = Path.Combine(feed, "keep.nupkg");
        foreach (var f in new[] { stale, fresh, notOurs, oldNotOurs }) File.WriteAllText(f, "partial");
        var longAgo = DateTime.UtcNow - NuGetPackager.StaleTempAge - TimeSpan.FromMinutes(5);
        foreach (var f in new[] { stale, notOurs, oldNotOurs }) File.SetLastWriteTimeUtc(f, longAgo);

        var r = Ml("package", "churn@1", "--nuget", feed);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(fresh));
        Assert.True(File.Exists(notOurs));
        Assert.True(File.Exists(oldNotOurs));
        Assert.True(File.Exists(Path.Combine(feed, "MlBuild.Models.churn.1.0.0.nupkg")));
    }

    [Fact]
    public void A_failed_extract_leaves_no_partial_output()
    {
        var ev = _dir.Sub("ev");
        _dir.File(Path.Combine(ev, "schema.json"), """{"inputs":[{"name":"X","type":"Single"}],"outputs":[{"name":"Score","type":"Single"}]}""");
        _dir.File(Path.Combine(ev, "metrics.json"), """{"metrics":{"rmse":0.1},"mlnetVersion":"5.0.1"}""");
        Assert.Equal(0, Ml("register", "churn", _dir.File("model.zip", "weights"), "--evidence", ev).ExitCode);
        var feed = _dir.Sub("feed");
        Assert.Equal(0, Ml("package", "churn@1", "--nuget", feed).ExitCode);
        var pkg = Path.Combine(feed, "MlBuild.Models.churn.1.0.0.nupkg");

        // A folder where the last file of the package goes: the model (written first) must not appear either.
        var outDir = _dir.Sub("out");
        Directory.CreateDirectory(Path.Combine(outDir, "mlbuild", "evidence", "schema.json"));
        var bad = Ml("verify", "--package", pkg, "--extract", "out");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("error MLB", bad.Err);
        Assert.Contains("nothing was extracted", bad.Err);
        Assert.False(File.Exists(Path.Combine(outDir, "contentFiles", "any", "any", "Models", "churn", "model.zip")));
        Assert.Empty(Directory.EnumerateFiles(outDir, "*", SearchOption.AllDirectories));
        Assert.Empty(Directory.EnumerateDirectories(outDir, ".tmp-*"));

        // With the way clear, the same command extracts everything.
        Directory.Delete(Path.Combine(outDir, "mlbuild"), recursive: true);
        var ok = Ml("verify", "--package", pkg, "--extract", "out");
        Assert.True(ok.ExitCode == 0, ok.ToString());
        Assert.Equal("weights", File.ReadAllText(Path.Combine(outDir, "contentFiles", "any", "any", "Models", "churn", "model.zip")));
        Assert.True(File.Exists(Path.Combine(outDir, "mlbuild", "evidence", "schema.json")));
        Assert.Empty(Directory.EnumerateDirectories(outDir, ".tmp-*"));
    }
}
