using Azure;
using Azure.Core;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace MlBuild.Core.Registry;

/// <summary>
/// A registry in an Azure Blob container. Exclusive create is a conditional upload (<c>If-None-Match: *</c>): the
/// service commits the blob whole or refuses it with 409/412, so the log's commit point works as on a folder, across
/// machines. Replace is an unconditional upload, which the service also commits whole. Errors never carry the
/// connection string or a SAS token: messages keep only the HTTP status and the service's error code.
/// </summary>
public sealed class AzureBlobStore : IRegistryStore
{
    /// <summary>Environment variable with the connection string.</summary>
    public const string ConnectionVariable = "MLBUILD_REGISTRY_AZURE_CONNECTION_STRING";

    private readonly BlobContainerClient _container;

    /// <summary>Opens a container with a connection string.</summary>
    public AzureBlobStore(string connectionString, string container)
    {
        var options = new BlobClientOptions();
        options.Retry.MaxRetries = 3;
        options.Retry.Mode = RetryMode.Exponential;
        options.Retry.Delay = TimeSpan.FromMilliseconds(200);
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(60);
        try { _container = new BlobContainerClient(connectionString, container, options); }
        catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidOperationException)
        {
            throw RegistryCodes.Error(RegistryCodes.StoreConfigInvalid, $"The Azure connection string in {ConnectionVariable} is not valid.");
        }
        Description = $"az://{_container.AccountName}/{_container.Name}";
    }

    /// <summary>Opens <c>az://CONTAINER</c> with the connection string from the environment.</summary>
    public static AzureBlobStore FromLocation(string location, Func<string, string?> env)
    {
        var container = location["az://".Length..].Trim('/');
        var conn = env(ConnectionVariable);
        if (string.IsNullOrEmpty(conn))
            throw RegistryCodes.Error(RegistryCodes.StoreConfigInvalid, $"Registry '{location}' needs the storage connection string in {ConnectionVariable}.");
        return new AzureBlobStore(conn, container);
    }

    /// <inheritdoc />
    public string Description { get; }

    /// <inheritdoc />
    public bool Exists() => Call(() => _container.Exists().Value);

    /// <inheritdoc />
    public void EnsureCreated() => Call(() => _container.CreateIfNotExists());

    /// <inheritdoc />
    public byte[]? Read(string key) => Call(() =>
    {
        try { return _container.GetBlobClient(key).DownloadContent().Value.Content.ToArray(); }
        catch (RequestFailedException ex) when (ex.Status == 404) { return null; }
    });

    /// <inheritdoc />
    public Stream? OpenRead(string key) => Call<Stream?>(() =>
    {
        // Streams large models instead of holding them in memory; the read is pinned to the version it opened.
        try { return _container.GetBlobClient(key).OpenRead(new BlobOpenReadOptions(allowModifications: false)); }
        catch (RequestFailedException ex) when (ex.Status == 404) { return null; }
    });

    /// <inheritdoc />
    public bool TryCreate(string key, Stream content) => Call(() =>
    {
        try
        {
            _container.GetBlobClient(key).Upload(content, new BlobUploadOptions
            {
                Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
            });
            FaultInjection.Hit("store.after-publish");
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412) { return false; }
    });

    /// <inheritdoc />
    public void Replace(string key, byte[] content) => Call(() =>
        _container.GetBlobClient(key).Upload(BinaryData.FromBytes(content), overwrite: true));

    /// <inheritdoc />
    public IEnumerable<string> List(string prefix) => Call(() =>
        _container.GetBlobsByHierarchy(BlobTraits.None, BlobStates.None, "/", prefix.EndsWith('/') ? prefix : prefix + "/")
            .Where(i => i.IsBlob).Select(i => i.Blob.Name).ToList());

    /// <inheritdoc />
    public void Delete(string key) => Call(() => _container.GetBlobClient(key).DeleteIfExists());

    /// <inheritdoc />
    public IEnumerable<string> ListBlobs() => Call(() => _container.GetBlobs(BlobTraits.None, BlobStates.None, "blobs/", default).Select(b => b.Name).ToList());

    /// <inheritdoc />
    public IEnumerable<string> ListLeftovers() => []; // uploads commit whole: nothing is left behind

    private static T Call<T>(Func<T> f)
    {
        try { return f(); }
        catch (RequestFailedException ex)
        {
            throw new IOException($"Azure Blob storage answered HTTP {ex.Status} {ex.ErrorCode}.");
        }
        catch (AggregateException ex) when (ex.InnerExceptions.All(e => e is RequestFailedException))
        {
            var first = (RequestFailedException)ex.InnerExceptions[0];
            throw new IOException($"Azure Blob storage failed after retries: HTTP {first.Status} {first.ErrorCode}.");
        }
    }
}
