namespace MlBuild.Core.Registry;

/// <summary>
/// Where a registry keeps its files. Keys are relative, '/'-separated names such as <c>events/0000000042</c>.
/// The registry needs only two atomic primitives from a store: an exclusive create (the log's commit point) and
/// an atomic whole-object replace (for the head file, which is only a cross-check).
/// </summary>
public interface IRegistryStore
{
    /// <summary>A description for messages; never contains credentials.</summary>
    string Description { get; }

    /// <summary>True when the store has been initialised (a folder exists, a container exists).</summary>
    bool Exists();

    /// <summary>Creates the store if it is missing.</summary>
    void EnsureCreated();

    /// <summary>
    /// Reads a whole object, or returns null when it does not exist; throws <see cref="InvalidDataException"/> when
    /// something that is not an object sits under its name (a folder).
    /// </summary>
    byte[]? Read(string key);

    /// <summary>Opens an object for streaming reads, or returns null when it does not exist.</summary>
    Stream? OpenRead(string key);

    /// <summary>
    /// Creates <paramref name="key"/> with the given content only if it does not exist yet. The object appears
    /// whole or not at all. Returns false when another writer created it first.
    /// </summary>
    bool TryCreate(string key, Stream content);

    /// <summary>Replaces (or creates) an object atomically: readers see the old or the new content, never a mix.</summary>
    void Replace(string key, byte[] content);

    /// <summary>Lists the keys directly under a prefix folder (for example <c>events/</c>), in no particular order.</summary>
    IEnumerable<string> List(string prefix);

    /// <summary>Deletes an object if it exists.</summary>
    void Delete(string key);

    /// <summary>Every key under <c>blobs/</c>, for <c>verify</c> to find blobs no event refers to.</summary>
    IEnumerable<string> ListBlobs();

    /// <summary>Names of leftovers of interrupted writes (temporary files), for <c>verify</c> to report.</summary>
    IEnumerable<string> ListLeftovers();
}

/// <summary>Helpers over <see cref="IRegistryStore"/>.</summary>
public static class RegistryStoreExtensions
{
    /// <summary>Exclusive create from a byte array.</summary>
    public static bool TryCreate(this IRegistryStore store, string key, byte[] content)
    {
        using var ms = new MemoryStream(content, writable: false);
        return store.TryCreate(key, ms);
    }
}
