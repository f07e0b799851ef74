using System.ComponentModel;
using System.Runtime.InteropServices;
using System.Text;
using MlBuild.Core.Diagnostics;

namespace MlBuild.Core.Reports;

/// <summary>How a write treats a name that is a symbolic link, a device or a pipe.</summary>
public enum ExistingName
{
    /// <summary>
    /// A path the user named (a report, a schema, a manifest): a symbolic link is followed and the file it names is
    /// replaced (the link stays); a device, a pipe or a descriptor of this process (<c>/dev/stdout</c>) is written
    /// through; a folder is refused.
    /// </summary>
    Follow,
    /// <summary>A name inside a folder MlBuild owns (registry objects, extracted package files): the name itself is
    /// replaced, so a planted link can never send a write outside the folder.</summary>
    Replace,
}

/// <summary>
/// The one way MlBuild writes a file (reports, result files, schemas, registry objects, manifests, packages): the
/// content goes to a temporary file in the destination folder, is flushed to disk, then appears under its name in one
/// step: <c>rename(2)</c> to replace, <c>link(2)</c> for an exclusive create (fails if the name exists, so two writers
/// can never both win). A reader never sees half a file; a killed process leaves at most a temporary file
/// (<see cref="TempPrefix"/>), never a partial one. A user's path is never replaced by a file where it names a link,
/// a device or a pipe (<see cref="ExistingName.Follow"/>).
/// </summary>
public static partial class AtomicFile
{
    /// <summary>How temporary files start: short and independent of the target's name (a 255-byte name stays legal).
    /// Registry listings skip such names.</summary>
    public const string TempPrefix = ".tmp-";

    /// <summary>
    /// Deletes the temporary files a killed writer left in <paramref name="folder"/>: only regular files named exactly
    /// like ours (<see cref="TempPrefix"/> and 32 hex digits) and not written for <paramref name="olderThan"/>, so a
    /// write still in progress (by this or another process) is never touched. Returns the names removed, in order.
    /// </summary>
    public static IReadOnlyList<string> RemoveStaleTemps(string folder, TimeSpan olderThan)
    {
        var removed = new List<string>();
        if (!Directory.Exists(folder)) return removed;
        var cutoff = DateTime.UtcNow - olderThan;
        foreach (var f in Directory.EnumerateFiles(folder, TempPrefix + "*", SearchOption.TopDirectoryOnly).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(f);
            if (!IsOwnTempName(name)) continue;
            try
            {
                var info = new FileInfo(f);
                if (info.LinkTarget is not null || info.LastWriteTimeUtc > cutoff) continue;
                info.Delete();
                removed.Add(name);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { }
        }
        return removed;
    }

    /// <summary>Whether <paramref name="name"/> is a temporary file name this class makes.</summary>
    public static bool IsOwnTempName(string name) =>
        name.Length == TempPrefix.Length + 32 && name.StartsWith(TempPrefix, StringComparison.Ordinal)
        && name.AsSpan(TempPrefix.Length).IndexOfAnyExcept("0123456789abcdef") < 0;

    /// <summary>Writes <paramref name="content"/> as UTF-8 without a BOM to the user's <paramref name="path"/> (<see cref="ExistingName.Follow"/>).</summary>
    public static void WriteAllText(string path, string content) =>
        WriteAllBytes(path, new UTF8Encoding(false).GetBytes(content));

    /// <summary>Writes <paramref name="content"/> to the user's <paramref name="path"/> (<see cref="ExistingName.Follow"/>).</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> content)
    {
        var target = Target(path, ExistingName.Follow, out bool through);
        if (through) WriteThrough(target, content, null);
        else Publish(WriteTemp(target, content, null), target, ExistingName.Follow, null);
    }

    /// <summary>
    /// <see cref="WriteAllBytes"/> of an output the user asked for, shown to them as <paramref name="shownAs"/>: a file
    /// that cannot be written (a folder, a full device, no permission) is MLB9004, never an internal error.
    /// </summary>
    public static void WriteOutput(string path, string shownAs, ReadOnlySpan<byte> content)
    {
        try { WriteAllBytes(path, content); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw CannotWrite(shownAs, ex);
        }
    }

    /// <summary>MLB9004 for an output file that could not be written.</summary>
    public static MlBuildException CannotWrite(string shownAs, Exception reason) =>
        new(new MlDiagnostic(DiagnosticCodes.OutputNotWritable, MlSeverity.Error,
            $"Cannot write '{shownAs}' ({reason.Message.TrimEnd('.')}). Name a writable file (or '-' for standard output where the option allows it).", shownAs));

    /// <summary>
    /// Writes what <paramref name="write"/> puts in the stream to <paramref name="path"/>, treating an existing name
    /// as <paramref name="existing"/> says; <paramref name="beforePublish"/> runs between the flushed temporary file and
    /// the rename (a test hook). Throws <see cref="IOException"/> or <see cref="UnauthorizedAccessException"/> when the
    /// file cannot be written; no temporary file is left behind then.
    /// </summary>
    public static void Write(string path, Action<Stream> write, ExistingName existing = ExistingName.Follow, Action? beforePublish = null)
    {
        var target = Target(path, existing, out bool through);
        if (through) WriteThrough(target, default, write);
        else Publish(WriteTemp(target, default, write), target, existing, beforePublish);
    }

    /// <summary>
    /// Creates <paramref name="path"/> with what <paramref name="write"/> puts in the stream, unless the name exists:
    /// false then (also when another writer wins the race), and the existing file is untouched. The hooks run just
    /// before and after the name appears (test hooks).
    /// </summary>
    public static bool TryCreate(string path, Action<Stream> write, Action? beforePublish = null, Action? afterPublish = null)
    {
        var full = Path.GetFullPath(path);
        if (File.Exists(full)) return false;
        var temp = WriteTemp(full, default, write);
        try
        {
            beforePublish?.Invoke();
            var created = PublishExclusive(temp, full);
            afterPublish?.Invoke();
            return created;
        }
        finally
        {
            TryDelete(temp);
        }
    }

    /// <summary>
    /// The full path to replace, or (<paramref name="through"/>) the path to open and write in place. Following a
    /// user's path: a link is read hop by hop and the file at its end is the one replaced, so the link stays a link;
    /// a hop into <c>/proc</c> or <c>/dev/fd</c> names a descriptor of this process (<c>/dev/stdout</c>), which is written
    /// through, as is anything the kernel says is neither a regular file nor a folder (a device, a pipe).
    /// </summary>
    static string Target(string path, ExistingName existing, out bool through)
    {
        through = false;
        var full = Path.GetFullPath(path);
        if (existing == ExistingName.Replace) return full;
        var kind = KindOf(full);
        if (kind == FileKind.Folder) throw new IOException($"'{path}' is a folder.");
        if (kind == FileKind.Other) { through = true; return full; }
        var at = full;
        for (int hop = 0; hop < 40; hop++)
        {
            var link = new FileInfo(at).LinkTarget;
            if (link is null) return at;
            if (IsDescriptorPath(link) || IsDescriptorPath(at)) { through = true; return full; }
            at = Path.GetFullPath(link, Path.GetDirectoryName(at)!);
        }
        throw new IOException($"'{path}' is a chain of more than 40 symbolic links.");
    }

    static bool IsDescriptorPath(string p) =>
        p.StartsWith("/proc/", StringComparison.Ordinal) || p.StartsWith("/dev/fd/", StringComparison.Ordinal);

    /// <summary>Writes into an existing device, pipe or descriptor without replacing it: at its end for a regular file
    /// behind a descriptor (<c>/dev/stdout</c> redirected to a file keeps what came before).</summary>
    static void WriteThrough(string path, ReadOnlySpan<byte> content, Action<Stream>? write)
    {
        bool regular = KindOf(path) == FileKind.Regular;
        using var fs = new FileStream(path, regular ? FileMode.Append : FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
        if (write is null) fs.Write(content);
        else
        {
            using var buffered = new BufferedStream(fs, 81920);
            write(buffered);
        }
    }

    enum FileKind { Missing, Regular, Folder, Other }

    /// <summary>What the kernel says the path is, links followed. Where only .NET's view is available (not Linux),
    /// devices and pipes look like regular files and are replaced as before.</summary>
    static FileKind KindOf(string path)
    {
        if (OperatingSystem.IsLinux())
        {
            Span<byte> statx = stackalloc byte[256];
            const int AtFdCwd = -100, StatxType = 1;
            if (Statx(AtFdCwd, path, 0, StatxType, ref MemoryMarshal.GetReference(statx)) != 0) return FileKind.Missing;
            int type = BitConverter.ToUInt16(statx[28..]) & 0xF000; // stx_mode: the same offset on every architecture
            return type switch { 0x8000 => FileKind.Regular, 0x4000 => FileKind.Folder, _ => FileKind.Other };
        }
        if (Directory.Exists(path)) return FileKind.Folder;
        return File.Exists(path) ? FileKind.Regular : FileKind.Missing;
    }

    /// <summary>The temporary file, in the folder of <paramref name="path"/> (created if missing), flushed to disk.</summary>
    static string WriteTemp(string path, ReadOnlySpan<byte> content, Action<Stream>? write)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        var temp = Path.Combine(dir, TempPrefix + Guid.NewGuid().ToString("N"));
        try
        {
            using var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920);
            if (write is null) fs.Write(content);
            else write(fs);
            fs.Flush(flushToDisk: true); // the name must never point at data that a power cut could lose
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
        return temp;
    }

    static void Publish(string temp, string path, ExistingName existing, Action? beforePublish)
    {
        try
        {
            // A user's file keeps its permissions (a manifest readable by the owner only stays so).
            if (existing == ExistingName.Follow && !OperatingSystem.IsWindows() && File.Exists(path))
                File.SetUnixFileMode(temp, File.GetUnixFileMode(path));
            beforePublish?.Invoke();
            File.Move(temp, Path.GetFullPath(path), overwrite: true); // rename(2): atomic on one file system
        }
        finally
        {
            TryDelete(temp);
        }
    }

    static bool PublishExclusive(string temp, string path)
    {
        if (OperatingSystem.IsWindows())
        {
            // MoveFileEx without MOVEFILE_REPLACE_EXISTING fails if the target exists.
            try { File.Move(temp, path, overwrite: false); return true; }
            catch (IOException) when (File.Exists(path)) { return false; }
        }
        if (Link(temp, path) == 0) return true;
        var errno = Marshal.GetLastPInvokeError();
        const int EEXIST = 17;
        if (errno == EEXIST) return false;
        throw new IOException($"Cannot create '{path}': {new Win32Exception(errno).Message} (errno {errno}).");
    }

    static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Statx(int dirFd, string path, int flags, uint mask, ref byte buffer);

    [LibraryImport("libc", EntryPoint = "link", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Link(string oldPath, string newPath);
}
