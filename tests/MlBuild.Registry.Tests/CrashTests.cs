using MlBuild.Core.Registry;
using Xunit.Abstractions;

namespace MlBuild.Registry.Tests;

/// <summary>
/// The real CLI killed with SIGKILL at every step of its write path (through the MLBUILD_REGISTRY_KILL_AT hook), and
/// at random moments: afterwards verify passes, the registry is usable, and the operation happened whole or not at all.
/// </summary>
public sealed class CrashTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>A registry with m@1, m@2 and prod=1; <paramref name="extraEvents"/> approvals pad the log.</summary>
    private string Prepare(string name, int extraEvents = 0)
    {
        var path = _dir.Sub(name);
        var reg = new ModelRegistry(new FolderStore(path), new RegistryOptions { WorkingDirectory = _dir.Path, SkipGit = true, Environment = _ => null });
        var model = _dir.File("seed.zip", "v1");
        reg.Register("m", model);
        File.WriteAllText(model, "v2");
        reg.Register("m", model);
        reg.Promote("m", 1, "prod");
        for (var i = 0; i < extraEvents; i++)
            new ModelRegistry(new FolderStore(path), new RegistryOptions { WorkingDirectory = _dir.Path, SkipGit = true, Environment = v => v == "MLBUILD_ACTOR" ? $"r{i}" : null })
                .Approve("m", 2, "prod");
        return path;
    }

    private static RegistryState Load(string path) => new ModelRegistry(new FolderStore(path)).State;

    private static void AssertVerifies(string path)
    {
        var report = RegistryVerifier.Verify(new FolderStore(path));
        Assert.True(report.Ok, string.Join("\n", report.Diagnostics.Select(d => d.ToCanonicalString())));
    }

    private static void AssertUsable(string path, TempDir dir)
    {
        var reg = new ModelRegistry(new FolderStore(path), new RegistryOptions { WorkingDirectory = dir.Path, SkipGit = true });
        var before = reg.State.Models["m"].Latest;
        var e = reg.Register("m", dir.File("after.zip", Guid.NewGuid().ToString()));
        Assert.Equal(before + 1, e.Version);
        AssertVerifies(path);
    }

    // Points before the event's exclusive create: the register must not have happened. After it: whole.
    [Theory]
    [InlineData("register.after-blobs", false)]
    [InlineData("store.before-publish#1", false)] // the model blob
    [InlineData("store.after-publish#1", false)]
    [InlineData("append.before-create", false)]
    [InlineData("store.before-publish#2", false)] // the event file, fully written to its temporary name
    [InlineData("store.after-publish#2", true)]   // the event is linked; its temporary name not yet removed
    [InlineData("append.after-create", true)]
    [InlineData("head.before-write", true)]
    [InlineData("store.before-replace", true)]    // the head file's rename
    public void Register_killed_at_a_point_happens_whole_or_not_at_all(string point, bool happened)
    {
        var reg = Prepare("r");
        var run = Cli.Exec(_dir.Path, new Dictionary<string, string> { ["MLBUILD_REGISTRY_KILL_AT"] = point },
            "register", "m", _dir.File("new.zip", "v3 " + point), "--registry", reg);
        Assert.True(run.ExitCode == 137, $"expected SIGKILL at {point}: {run}");
        var state = Load(reg);
        Assert.Equal(happened ? 3 : 2, state.Models["m"].Latest);
        AssertVerifies(reg);
        if (!happened && point != "store.before-publish#1")
        {
            // The model blob was stored but no event refers to it: reported as a harmless leftover.
            var report = RegistryVerifier.Verify(new FolderStore(reg));
            Assert.Contains(report.Diagnostics, d => d.Code == RegistryCodes.Leftovers && d.Message.Contains("is not referred to by any event"));
        }
        AssertUsable(reg, _dir);
    }

    [Theory]
    [InlineData("append.before-create", false)]
    [InlineData("store.before-publish#1", false)]
    [InlineData("store.after-publish#1", true)]
    [InlineData("append.after-create", true)]
    [InlineData("head.before-write", true)]
    [InlineData("store.before-replace", true)]
    public void Promote_killed_at_a_point_happens_whole_or_not_at_all(string point, bool happened)
    {
        var reg = Prepare("r");
        var run = Cli.Exec(_dir.Path, new Dictionary<string, string> { ["MLBUILD_REGISTRY_KILL_AT"] = point },
            "promote", "m", "2", "--to", "prod", "--registry", reg);
        Assert.True(run.ExitCode == 137, $"expected SIGKILL at {point}: {run}");
        Assert.Equal(happened ? 2 : 1, Load(reg).Models["m"].Holder("prod"));
        AssertVerifies(reg);
        // Usable: the same promotion can be retried (or is already done).
        var again = Cli.Exec(_dir.Path, null, "promote", "m", "2", "--to", "prod", "--registry", reg);
        Assert.Equal(0, again.ExitCode);
        Assert.Equal(2, Load(reg).Models["m"].Holder("prod"));
        AssertVerifies(reg);
    }

    [Fact]
    public void Register_killed_while_writing_a_snapshot_leaves_a_valid_registry()
    {
        // 3 + 60 events: the next one is event 64, which writes a snapshot.
        var reg = Prepare("r", EventLog.SnapshotEvery - 4);
        var run = Cli.Exec(_dir.Path, new Dictionary<string, string> { ["MLBUILD_REGISTRY_KILL_AT"] = "store.before-publish#3" },
            "register", "m", _dir.File("new.zip", "v3"), "--registry", reg);
        Assert.Equal(137, run.ExitCode);
        var snapshots = Path.Combine(reg, "snapshots");
        Assert.DoesNotContain(Directory.Exists(snapshots) ? Directory.GetFiles(snapshots) : [], f => !Path.GetFileName(f).StartsWith('.'));
        Assert.Equal(3, Load(reg).Models["m"].Latest);
        AssertVerifies(reg);
        AssertUsable(reg, _dir);
    }

    [Fact]
    public async Task Operations_killed_after_random_delays_leave_a_valid_registry()
    {
        var random = new Random(20261123);
        var reg = Prepare("r");
        var killedMidway = 0;
        for (var trial = 0; trial < 12; trial++)
        {
            var before = Load(reg);
            var latest = before.Models["m"].Latest;
            var holder = before.Models["m"].Holder("prod");
            var promote = trial % 2 == 1;
            string[] args = promote
                ? ["promote", "m", (holder == latest ? 1 : latest).ToString(System.Globalization.CultureInfo.InvariantCulture), "--to", "prod", "--registry", reg]
                : ["register", "m", _dir.File($"t{trial}.zip", $"trial {trial}"), "--registry", reg];
            using var p = Cli.Start(TestPaths.CliDll, _dir.Path, args);
            var stdout = p.StandardOutput.ReadToEndAsync();
            await Task.Delay(random.Next(50, 600));
            var killed = !p.HasExited;
            if (killed) p.Kill();
            await p.WaitForExitAsync();
            var reported = p.ExitCode == 0 && (await stdout).Length > 0;
            var after = Load(reg);
            var changed = promote ? after.Models["m"].Holder("prod") != holder : after.Models["m"].Latest != latest;
            if (promote) Assert.Contains(after.Models["m"].Holder("prod"), new int?[] { holder, holder == latest ? 1 : latest });
            else Assert.Contains(after.Models["m"].Latest, new[] { latest, latest + 1 });
            if (reported) Assert.True(changed, $"trial {trial}: the CLI reported success but the log has no event");
            if (killed && p.ExitCode == 137) killedMidway++;
            AssertVerifies(reg);
        }
        output.WriteLine($"{killedMidway} of 12 trials were killed before finishing.");
        AssertUsable(reg, _dir);
    }
}
