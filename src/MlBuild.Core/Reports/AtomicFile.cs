using System.ComponentModel;
using System.Runtime.InteropServices;
using System.Text;

namespace MlBuild.Core.Reports;

/// <summary>
/// The one way MlBuild writes a file (reports, result files, schemas, registry objects, manifests, packages): the
/// content goes to a temporary file in the destination folder, is flushed to disk, then appears under its name in one
/// step: <c>rename(2)</c> to replace, <c>link(2)</c> for an exclusive create (fails if the name exists, so two writers
/// can never both win). A reader never sees half a file; a killed process leaves at most a temporary file
/// (<see cref="TempPrefix"/>), never a partial one.
/// </summary>
public static partial class AtomicFile
{
    /// <summary>How temporary files start: short and independent of the target's name (a 255-byte name stays legal).
    /// Registry listings skip such names.</summary>
    public const string TempPrefix = ".tmp-";

    /// <summary>Writes <paramref name="content"/> as UTF-8 without a BOM, replacing <paramref name="path"/>.</summary>
    public static void WriteAllText(string path, string content) =>
        WriteAllBytes(path, new UTF8Encoding(false).GetBytes(content));

    /// <summary>Writes <paramref name="content"/>, replacing <paramref name="path"/>.</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> content)
    {
        var temp = WriteTemp(path, content, null);
        Publish(temp, path, null);
    }

    /// <summary>
    /// Writes what <paramref name="write"/> puts in the stream, replacing <paramref name="path"/>; <paramref name="beforePublish"/>
    /// runs between the flushed temporary file and the rename (a test hook). Throws <see cref="IOException"/> or
    /// <see cref="UnauthorizedAccessException"/> when the file cannot be written; nothing is left behind then.
    /// </summary>
    public static void Write(string path, Action<Stream> write, Action? beforePublish = null)
    {
        var temp = WriteTemp(path, default, write);
        Publish(temp, path, beforePublish);
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

    static void Publish(string temp, string path, Action? beforePublish)
    {
        try
        {
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

    [LibraryImport("libc", EntryPoint = "link", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Link(string oldPath, string newPath);
}
