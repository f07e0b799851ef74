using System.ComponentModel;
using System.Runtime.InteropServices;

namespace MlBuild.Core.Registry;

/// <summary>
/// A registry in a folder (the default <c>.mlregistry</c>, or a shared drive). Every write goes to a temporary file
/// in the destination folder, is flushed to disk, then appears under its name in one step: <c>link(2)</c> for an
/// exclusive create (fails with EEXIST if the name exists, so two writers can never both win), <c>rename(2)</c>
/// for a replace. A killed process leaves at most a temporary file, never a partial object.
/// </summary>
public sealed partial class FolderStore : IRegistryStore
{
    internal const string TempPrefix = ".tmp-";
    private readonly string _root;

    /// <summary>Opens a folder store at <paramref name="root"/> (created on the first write).</summary>
    public FolderStore(string root) => _root = Path.GetFullPath(root);

    /// <summary>The folder.</summary>
    public string Root => _root;

    /// <inheritdoc />
    public string Description => _root;

    /// <inheritdoc />
    public bool Exists() => Directory.Exists(_root);

    /// <inheritdoc />
    public void EnsureCreated() => Directory.CreateDirectory(_root);

    private string PathOf(string key)
    {
        // Keys come from the registry itself, but check anyway: a key must never leave the store folder.
        if (key.Length == 0 || key.Contains("..", StringComparison.Ordinal) || key.Contains('\\') || key.StartsWith('/'))
            throw new ArgumentException($"Invalid store key '{key}'.", nameof(key));
        return Path.Combine(_root, key.Replace('/', Path.DirectorySeparatorChar));
    }

    /// <inheritdoc />
    public byte[]? Read(string key)
    {
        var path = PathOf(key);
        try { return File.ReadAllBytes(path); }
        catch (FileNotFoundException) { return null; }
        catch (DirectoryNotFoundException) { return null; }
        // A folder where an object belongs (made by hand or by an attacker) is bad content, not a storage failure.
        catch (UnauthorizedAccessException) when (Directory.Exists(path)) { throw new InvalidDataException($"'{key}' is a folder, not a file"); }
        catch (IOException) when (Directory.Exists(path)) { throw new InvalidDataException($"'{key}' is a folder, not a file"); }
    }

    /// <inheritdoc />
    public Stream? OpenRead(string key)
    {
        try { return new FileStream(PathOf(key), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 81920); }
        catch (FileNotFoundException) { return null; }
        catch (DirectoryNotFoundException) { return null; }
    }

    /// <inheritdoc />
    public bool TryCreate(string key, Stream content)
    {
        var path = PathOf(key);
        if (File.Exists(path)) return false;
        var temp = WriteTemp(path, content);
        try
        {
            FaultInjection.Hit("store.before-publish");
            var created = PublishExclusive(temp, path);
            FaultInjection.Hit("store.after-publish");
            return created;
        }
        finally
        {
            TryDeleteFile(temp);
        }
    }

    /// <inheritdoc />
    public void Replace(string key, byte[] content)
    {
        var path = PathOf(key);
        using var ms = new MemoryStream(content, writable: false);
        var temp = WriteTemp(path, ms);
        try
        {
            FaultInjection.Hit("store.before-replace");
            File.Move(temp, path, overwrite: true); // rename(2): atomic on one file system
        }
        finally
        {
            TryDeleteFile(temp);
        }
    }

    /// <inheritdoc />
    public IEnumerable<string> List(string prefix)
    {
        var dir = PathOf(prefix.TrimEnd('/'));
        if (!Directory.Exists(dir)) yield break;
        var p = prefix.EndsWith('/') ? prefix : prefix + "/";
        // Folders too: a folder named like an event must be seen (and reported by verify), not skipped.
        foreach (var f in Directory.EnumerateFileSystemEntries(dir))
        {
            var name = Path.GetFileName(f);
            if (!name.StartsWith(TempPrefix, StringComparison.Ordinal)) yield return p + name;
        }
    }

    /// <inheritdoc />
    public void Delete(string key) => TryDeleteFile(PathOf(key));

    /// <inheritdoc />
    public IEnumerable<string> ListBlobs()
    {
        var dir = Path.Combine(_root, "blobs");
        if (!Directory.Exists(dir)) yield break;
        foreach (var f in Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories))
            if (!Path.GetFileName(f).StartsWith(TempPrefix, StringComparison.Ordinal))
                yield return Path.GetRelativePath(_root, f).Replace(Path.DirectorySeparatorChar, '/');
    }

    /// <inheritdoc />
    public IEnumerable<string> ListLeftovers()
    {
        if (!Directory.Exists(_root)) yield break;
        foreach (var f in Directory.EnumerateFiles(_root, TempPrefix + "*", SearchOption.AllDirectories))
            yield return Path.GetRelativePath(_root, f).Replace(Path.DirectorySeparatorChar, '/');
    }

    private static string WriteTemp(string path, Stream content)
    {
        var dir = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(dir);
        var temp = Path.Combine(dir, TempPrefix + Guid.NewGuid().ToString("N"));
        using (var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920))
        {
            content.CopyTo(fs);
            fs.Flush(flushToDisk: true); // the name must never point at data that a power cut could lose
        }
        return temp;
    }

    private static bool PublishExclusive(string temp, string path)
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

    private static void TryDeleteFile(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    [LibraryImport("libc", EntryPoint = "link", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Link(string oldPath, string newPath);
}
