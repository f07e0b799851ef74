using System.Diagnostics;
using System.Text;
using MlBuild.Core.Diagnostics;
using MlBuild.Core.Reports;

namespace MlBuild.Core.Tests.Reports;

/// <summary>The one write path: a user's link, device or pipe is written through, never replaced by a file.</summary>
public sealed class AtomicFileTests : IDisposable
{
    readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    static byte[] Bytes(string s) => Encoding.UTF8.GetBytes(s);

    string[] Leftovers() => Directory.GetFiles(_dir.Path, AtomicFile.TempPrefix + "*", SearchOption.AllDirectories);

    [Fact]
    public void A_symlinked_path_stays_a_link_and_the_file_it_names_is_replaced()
    {
        var real = _dir.Write("reports/real.json", "old");
        var link = Path.Combine(_dir.Path, "out.json");
        var chain = Path.Combine(_dir.Path, "chain.json");
        File.CreateSymbolicLink(link, "reports/real.json"); // relative, as `ln -s` makes them
        File.CreateSymbolicLink(chain, link);

        AtomicFile.WriteAllBytes(chain, Bytes("new"));

        Assert.Equal("new", File.ReadAllText(real));
        Assert.Equal("reports/real.json", new FileInfo(link).LinkTarget);
        Assert.Equal(link, new FileInfo(chain).LinkTarget);
        Assert.Empty(Leftovers());
    }

    [Fact]
    public void A_dangling_link_gets_its_file_created()
    {
        var link = Path.Combine(_dir.Path, "out.json");
        File.CreateSymbolicLink(link, Path.Combine(_dir.Path, "made.json"));
        AtomicFile.WriteAllText(link, "{}");
        Assert.Equal("{}", File.ReadAllText(Path.Combine(_dir.Path, "made.json")));
        Assert.NotNull(new FileInfo(link).LinkTarget);
    }

    [Fact]
    public void Registry_owned_names_replace_a_planted_link_and_leave_its_target_alone()
    {
        var outside = _dir.Write("outside.txt", "keep");
        var name = Path.Combine(_dir.Path, "store", "head.json");
        Directory.CreateDirectory(Path.GetDirectoryName(name)!);
        File.CreateSymbolicLink(name, outside);

        AtomicFile.Write(name, s => s.Write(Bytes("head")), ExistingName.Replace);

        Assert.Equal("keep", File.ReadAllText(outside));
        Assert.Null(new FileInfo(name).LinkTarget);
        Assert.Equal("head", File.ReadAllText(name));
    }

    [Fact]
    public void Dev_null_is_written_through_and_stays_a_device()
    {
        if (!OperatingSystem.IsLinux()) return;
        var node = Device("null", 3);
        AtomicFile.WriteAllBytes(node, Bytes("report"));
        AtomicFile.Write(node, s => s.Write(Bytes("report")));
        // Replaced by a regular file, it would now hold the report.
        Assert.Empty(File.ReadAllBytes(node));
        Assert.Equal("character special file", Stat(node));
        Assert.Empty(Leftovers());
    }

    [Fact]
    public async Task A_fifo_is_written_through_to_its_reader()
    {
        if (!OperatingSystem.IsLinux()) return;
        var fifo = Path.Combine(_dir.Path, "pipe");
        Run("mkfifo", fifo);
        var payload = new string('x', 200_000) + "end"; // more than a pipe's buffer
        var reader = Task.Run(() => File.ReadAllText(fifo));
        AtomicFile.WriteAllText(fifo, payload);
        Assert.Equal(payload, await reader.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal("fifo", Stat(fifo));
        Assert.Empty(Leftovers());
    }

    [Fact]
    public void A_full_device_is_a_coded_error_and_stays_a_device()
    {
        if (!OperatingSystem.IsLinux()) return;
        var node = Device("full", 7);
        var ex = Assert.Throws<MlBuildException>(() => AtomicFile.WriteOutput(node, "full", Bytes("{}")));
        Assert.Equal("MLB9004", ex.Diagnostic.Code);
        Assert.Equal("full", ex.Diagnostic.File);
        Assert.Equal("character special file", Stat(node));
    }

    [Fact]
    public void A_folder_is_a_coded_error_and_is_left_as_it_was()
    {
        var folder = Path.Combine(_dir.Path, "reports");
        _dir.Write("reports/keep.txt", "k");
        var ex = Assert.Throws<MlBuildException>(() => AtomicFile.WriteOutput(folder, "reports", Bytes("{}")));
        Assert.Equal("MLB9004", ex.Diagnostic.Code);
        Assert.Contains("'reports'", ex.Diagnostic.Message);
        Assert.Equal("k", File.ReadAllText(Path.Combine(folder, "keep.txt")));
        Assert.Empty(Leftovers());
    }

    [Fact]
    public void A_replaced_file_keeps_its_permissions_and_a_long_name_is_writable()
    {
        if (OperatingSystem.IsWindows()) return;
        var path = _dir.Write("secret.yaml", "a");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        AtomicFile.WriteAllText(path, "b");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));

        var longName = Path.Combine(_dir.Path, new string('n', 250) + ".json"); // 255 bytes: the longest legal name
        AtomicFile.WriteAllText(longName, "{}");
        Assert.Equal("{}", File.ReadAllText(longName));
    }

    [Fact]
    public void Exclusive_create_fails_on_an_existing_name_and_keeps_it()
    {
        var path = _dir.Write("events/1.json", "first");
        Assert.False(AtomicFile.TryCreate(path, s => s.Write(Bytes("second"))));
        Assert.Equal("first", File.ReadAllText(path));
        Assert.True(AtomicFile.TryCreate(Path.Combine(_dir.Path, "events/2.json"), s => s.Write(Bytes("two"))));
        Assert.Equal("two", File.ReadAllText(Path.Combine(_dir.Path, "events/2.json")));
        Assert.Empty(Leftovers());
    }

    /// <summary>
    /// A device node of the memory driver (major 1: 3 is null, 7 is full) made in the test's folder, so a broken write
    /// path replaces that copy, never the machine's own; where nodes cannot be made (not root), the system's, which
    /// such a user cannot replace.
    /// </summary>
    string Device(string name, int minor)
    {
        var node = Path.Combine(_dir.Path, name);
        var psi = new ProcessStartInfo("mknod") { RedirectStandardError = true };
        foreach (var a in new[] { "-m", "666", node, "c", "1", minor.ToString(System.Globalization.CultureInfo.InvariantCulture) }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        p.StandardError.ReadToEnd();
        p.WaitForExit();
        return p.ExitCode == 0 ? node : "/dev/" + name;
    }

    static string Stat(string path) => Run("stat", "-c", "%F", path).Trim();

    static string Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
        return output;
    }
}
