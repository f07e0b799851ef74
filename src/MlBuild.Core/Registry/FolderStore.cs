using MlBuild.Core.Reports;

namespace MlBuild.Core.Registry;

/// <summary>
/// A registry in a folder (the default <c>.mlregistry</c>, or a shared drive). Every write is an <see cref="AtomicFile"/>
/// write: an exclusive create for new objects (two writers can never both win), a rename for a replace. A killed
/// process leaves at most a temporary file, never a partial object.
/// </summary>
public sealed class FolderStore : IRegistryStore
{
    internal const string TempPrefix = AtomicFile.TempPrefix;
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
    public bool TryCreate(string key, Stream content) =>
        AtomicFile.TryCreate(PathOf(key), content.CopyTo,
            beforePublish: () => FaultInjection.Hit("store.before-publish"),
            afterPublish: () => FaultInjection.Hit("store.after-publish"));

    /// <inheritdoc />
    public void Replace(string key, byte[] content) =>
        AtomicFile.Write(PathOf(key), s => s.Write(content), ExistingName.Replace, beforePublish: () => FaultInjection.Hit("store.before-replace"));

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

    private static void TryDeleteFile(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
