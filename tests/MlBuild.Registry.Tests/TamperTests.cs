using System.Text;
using MlBuild.Core.Registry;

namespace MlBuild.Registry.Tests;

/// <summary>Verify names every missing or altered piece: blob bytes, event edits, deleted events, snapshots.</summary>
public sealed class TamperTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly string _reg;

    public TamperTests()
    {
        _reg = _dir.Sub(".mlregistry");
        var reg = new ModelRegistry(new FolderStore(_reg), new RegistryOptions { WorkingDirectory = _dir.Path, SkipGit = true });
        var model = _dir.File("model.zip", "weights one");
        var ev = _dir.Sub("ev");
        _dir.File("ev/metrics.json", """{"metrics":{"auc":0.9}}""");
        reg.Register("churn", model, ev);
        File.WriteAllText(model, "weights two");
        reg.Register("churn", model, ev);
        reg.Promote("churn", 1, "prod");
        reg.Promote("churn", 2, "prod");
        Assert.Equal(0, Verify().ExitCode);
    }

    public void Dispose() => _dir.Dispose();

    private CliRun Verify() => Cli.InProc(_dir.Path, "verify");

    private string EventPath(int seq) => Path.Combine(_reg, "events", seq.ToString("D10", System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public void A_changed_byte_in_a_blob_is_named()
    {
        var digest = EventLog.Digest("weights one"u8);
        var blob = Path.Combine(_reg, EventLog.BlobKey(digest));
        var bytes = File.ReadAllBytes(blob);
        bytes[3] ^= 1;
        File.WriteAllBytes(blob, bytes);
        var r = Verify();
        Assert.Equal(1, r.ExitCode);
        Assert.Contains($"error MLB6034: Blob {digest} (model file of churn 1 (event 1)) was altered", r.Err);
    }

    [Fact]
    public void A_missing_blob_is_named()
    {
        var digest = EventLog.Digest("weights two"u8);
        File.Delete(Path.Combine(_reg, EventLog.BlobKey(digest)));
        var r = Verify();
        Assert.Equal(1, r.ExitCode);
        Assert.Contains($"error MLB6033: Blob {digest} (model file of churn 2 (event 2)) is missing", r.Err);
    }

    [Fact]
    public void An_edited_event_is_named()
    {
        var path = EventPath(2);
        var text = File.ReadAllText(path);
        File.WriteAllText(path, text.Replace("\"actor\":\"", "\"actor\":\"mallory ", StringComparison.Ordinal));
        var r = Verify();
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("error MLB6031: Event 2 was altered", r.Err);
        Assert.Contains("events/0000000002", r.Err);
    }

    [Fact]
    public void An_edited_last_event_is_named_through_the_head_file()
    {
        var path = EventPath(4);
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"version\":2", "\"version\":1", StringComparison.Ordinal));
        var r = Verify();
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("error MLB6031: Event 4 was altered", r.Err);
    }

    [Fact]
    public void A_deleted_event_is_named()
    {
        File.Delete(EventPath(2));
        var r = Verify();
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("error MLB6030: Event 2 is missing from the log", r.Err);
        // Normal commands refuse to build on a broken log.
        var promote = Cli.InProc(_dir.Path, "promote", "churn", "1", "--to", "staging");
        Assert.Equal(1, promote.ExitCode);
        Assert.Contains("error MLB6080", promote.Err);
        Assert.False(File.Exists(EventPath(2)));
    }

    [Fact]
    public void A_deleted_last_event_is_named_through_the_head_file()
    {
        File.Delete(EventPath(4));
        var r = Verify();
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("error MLB6030: The head file records event 4, but the log ends at event 3", r.Err);
    }

    [Fact]
    public void A_rewritten_history_that_breaks_the_rules_is_named()
    {
        // A forger rewrites event 4 and re-chains nothing: the rules replay catches promote-from-a-non-holder too.
        var e3 = EventLog.Parse(File.ReadAllBytes(EventPath(3)));
        var forged = e3.Event with { Seq = 4, Prev = e3.Digest, From = 2, Version = 1 };
        File.WriteAllText(EventPath(4), System.Text.Json.JsonSerializer.Serialize(forged, RegistryJson.Default.RegistryEvent) + "\n");
        var r = Verify();
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("error MLB6035", r.Err);
    }

    [Fact]
    public void A_tampered_snapshot_is_named_and_ignored_by_commands()
    {
        var reg = new ModelRegistry(new FolderStore(_reg));
        reg.Log.WriteSnapshot(reg.State);
        var snap = Path.Combine(_reg, EventLog.SnapshotKey(4));
        File.WriteAllText(snap, File.ReadAllText(snap).Replace("\"prod\":[1,2]", "\"prod\":[1]", StringComparison.Ordinal));
        var r = Verify();
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("error MLB6036: Snapshot at event 4 disagrees with the log", r.Err);
    }

    [Fact]
    public void Leftover_temporary_files_are_reported_but_do_not_fail_verify()
    {
        File.WriteAllText(Path.Combine(_reg, "events", ".tmp-0123"), "partial");
        var r = Verify();
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("info MLB6038", r.Out);
        Assert.Equal(Encoding.UTF8.GetBytes("partial"), File.ReadAllBytes(Path.Combine(_reg, "events", ".tmp-0123")));
    }

    [Fact]
    public void A_forged_event_with_a_path_instead_of_a_digest_is_named_not_followed()
    {
        var path = EventPath(2);
        var digest = EventLog.Digest("weights two"u8);
        File.WriteAllText(path, File.ReadAllText(path).Replace(digest, "sha256:../../../../etc/passwd", StringComparison.Ordinal));
        var r = Verify();
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("error MLB6035: The log breaks a registry rule: event 2 names an invalid digest 'sha256:../../../../etc/passwd'", r.Err);
        Assert.DoesNotContain("   at ", r.All);
    }

    [Fact]
    public void A_folder_named_like_an_event_is_reported_not_a_crash()
    {
        Directory.CreateDirectory(EventPath(5));
        var list = Cli.InProc(_dir.Path, "list");
        Assert.Equal(1, list.ExitCode);
        Assert.Contains("error MLB6080: Event 5 in registry", list.Err);
        Assert.Contains("is not an event file ('events/0000000005' is a folder, not a file)", list.Err);
        var r = Verify();
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("error MLB6032: Event 5 is not an event file", r.Err);
        Assert.DoesNotContain("   at ", r.All + list.All);
    }
}
