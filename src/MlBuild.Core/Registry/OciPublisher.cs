using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

using MlBuild.Core.Diagnostics;

namespace MlBuild.Core.Registry;

/// <summary>An OCI reference: <c>HOST[:PORT]/REPOSITORY[:TAG]</c>.</summary>
/// <param name="Registry">Host and port.</param>
/// <param name="Repository">Repository path.</param>
/// <param name="Tag">Tag, or null for the package version.</param>
public sealed partial record OciReference(string Registry, string Repository, string? Tag)
{
    [GeneratedRegex("^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$")]
    private static partial Regex RepositoryPattern();

    [GeneratedRegex(@"\A[A-Za-z0-9_][A-Za-z0-9._-]{0,127}\z")]
    private static partial Regex TagPattern();

    // A host name, an IPv4 address or a bracketed IPv6 address, with an optional port: nothing that could carry a
    // user name or a path into the URL the credentials are sent to.
    [GeneratedRegex(@"\A(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}))*|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?\z")]
    private static partial Regex HostPattern();

    /// <summary>Parses a reference or throws MLB6061.</summary>
    public static OciReference Parse(string text)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0) throw Bad(text);
        var host = text[..slash];
        var rest = text[(slash + 1)..];
        string? tag = null;
        var colon = rest.LastIndexOf(':');
        if (colon > 0) { tag = rest[(colon + 1)..]; rest = rest[..colon]; }
        if (!HostPattern().IsMatch(host) || !RepositoryPattern().IsMatch(rest) || (tag is not null && !TagPattern().IsMatch(tag))) throw Bad(text);
        return new OciReference(host, rest, tag);
    }

    /// <summary>The host without the port (brackets of an IPv6 address removed).</summary>
    public string Host
    {
        get
        {
            if (Registry.StartsWith('[')) return Registry[1..Registry.IndexOf(']', StringComparison.Ordinal)];
            var colon = Registry.LastIndexOf(':');
            return colon < 0 ? Registry : Registry[..colon];
        }
    }

    /// <summary>
    /// True when the host is a loopback address: <c>localhost</c>, an address in 127.0.0.0/8, or ::1, parsed as a
    /// whole (<c>localhost.example.com</c> and <c>127.0.0.1.example.com</c> are not).
    /// </summary>
    public bool IsLoopback =>
        Host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || IPAddress.TryParse(Host, out var ip) && ip.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6 && IPAddress.IsLoopback(ip);

    private static Exception Bad(string text) => RegistryCodes.Error(RegistryCodes.OciFailed,
        $"'{DiagnosticText.Escape(text)}' is not an OCI reference: use HOST[:PORT]/REPOSITORY[:TAG] with a lower-case repository.");

    /// <summary>Text form.</summary>
    public override string ToString() => $"{Registry}/{Repository}{(Tag is null ? "" : ":" + Tag)}";
}

/// <summary>What was pushed.</summary>
/// <param name="Reference">Where, with the tag.</param>
/// <param name="ManifestDigest">Digest of the manifest.</param>
/// <param name="Layers">Layers pulled back and verified.</param>
public sealed record OciPushResult(string Reference, string ManifestDigest, int Layers);

/// <summary>
/// Pushes a model version as an OCI artifact over the distribution API (blob uploads, then the manifest), then pulls
/// the manifest and every blob back and checks their digests.
/// </summary>
public static partial class OciPublisher
{
    /// <summary>The artifact type of MlBuild models.</summary>
    public const string ArtifactType = "application/vnd.mlbuild.model.v1";
    private const string ManifestType = "application/vnd.oci.image.manifest.v1+json";

    private sealed record Blob(string MediaType, byte[] Content, string Digest, Dictionary<string, string>? Annotations);

    /// <summary>Environment variable with the registry user name (basic auth, or to obtain a bearer token).</summary>
    public const string UserVariable = "MLBUILD_OCI_USERNAME";
    /// <summary>Environment variable with the registry password or access token. Never printed.</summary>
    public const string PasswordVariable = "MLBUILD_OCI_PASSWORD";

    /// <summary>Pushes, pulls back and verifies. Credentials come from <see cref="UserVariable"/> and <see cref="PasswordVariable"/>.</summary>
    public static async Task<OciPushResult> PushAsync(ModelRegistry registry, ModelReference reference, OciReference target,
        bool plainHttp = false, EventSigner? signer = null, CancellationToken ct = default, Func<string, string?>? env = null)
    {
        env ??= Environment.GetEnvironmentVariable;
        var (version, e) = registry.Resolve(reference);
        var semver = NuGetPackager.PackageVersionOf(registry, e.Model, version).ToNormalizedString();
        var tag = target.Tag ?? semver;

        Blob Make(string type, byte[] bytes, string? title) => new(type, bytes, EventLog.Digest(bytes),
            title is null ? null : new Dictionary<string, string> { ["org.opencontainers.image.title"] = title });
        byte[] Read(string digest)
        {
            using var s = registry.OpenBlob(digest);
            using var ms = new MemoryStream();
            s.CopyTo(ms);
            return ms.ToArray();
        }

        var layers = new List<Blob> { Make("application/vnd.mlbuild.model.v1+zip", Read(e.Artifact!.Digest), Path.GetFileName(e.Artifact.Path)) };
        foreach (var f in e.Evidence ?? [])
            layers.Add(Make("application/vnd.mlbuild.evidence.v1", Read(f.Digest), "evidence/" + NuGetPackager.SafeRelative(f.Path)));
        var provenance = ProvenanceCheck.Serialize(new PackageProvenance
        {
            Model = e.Model, Version = version, PackageVersion = semver,
            Event = registry.Log.ReadEvent(registry.State.Models[e.Model].Versions[version].Seq)!.Digest,
            GitCommit = e.Lineage?.GitCommit,
            Files = layers.Select(l => new RegisteredFile(l.Annotations!["org.opencontainers.image.title"], l.Digest, l.Content.Length)).ToList(),
        });
        layers.Add(Make("application/vnd.mlbuild.provenance.v1+json", provenance, "mlbuild/provenance.json"));
        if (signer is not null)
            layers.Add(Make("application/vnd.mlbuild.provenance.sig.v1+json", ProvenanceCheck.Serialize(signer.Sign(EventLog.Digest(provenance))), "mlbuild/provenance.sig"));
        var config = Make("application/vnd.mlbuild.model.config.v1+json",
            JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object?>
            {
                ["model"] = e.Model, ["version"] = version, ["packageVersion"] = semver,
            }), null);

        var annotations = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["org.opencontainers.image.version"] = semver,
            ["dev.mlbuild.model"] = e.Model,
            ["dev.mlbuild.registry.version"] = version.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["dev.mlbuild.model.digest"] = e.Artifact.Digest,
        };
        if (e.Lineage?.GitCommit is { } commit) annotations["org.opencontainers.image.revision"] = commit;
        var manifest = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = ManifestType,
            ["artifactType"] = ArtifactType,
            ["config"] = Descriptor(config),
            ["layers"] = layers.Select(Descriptor).ToList(),
            ["annotations"] = annotations,
        });
        var manifestDigest = EventLog.Digest(manifest);

        var scheme = plainHttp || target.IsLoopback ? "http" : "https";
        using var client = new HttpClient { BaseAddress = new Uri($"{scheme}://{target.Registry}/"), Timeout = TimeSpan.FromMinutes(5) };
        var http = new OciSession(client);
        try
        {
            await AuthenticateAsync(http, target, env(UserVariable), env(PasswordVariable), ct).ConfigureAwait(false);
            foreach (var blob in layers.Append(config)) await UploadAsync(http, target.Repository, blob, ct).ConfigureAwait(false);
            using (var put = new HttpRequestMessage(HttpMethod.Put, $"v2/{target.Repository}/manifests/{tag}") { Content = new ByteArrayContent(manifest) })
            {
                put.Content.Headers.ContentType = new MediaTypeHeaderValue(ManifestType);
                using var resp = await http.SendAsync(put, ct).ConfigureAwait(false);
                await Expect(resp, HttpStatusCode.Created, "manifest upload", ct).ConfigureAwait(false);
            }

            // Pull back by tag and check every digest: what the registry serves is what we pushed.
            using var get = new HttpRequestMessage(HttpMethod.Get, $"v2/{target.Repository}/manifests/{tag}");
            get.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(ManifestType));
            using var mresp = await http.SendAsync(get, ct).ConfigureAwait(false);
            await Expect(mresp, HttpStatusCode.OK, "manifest download", ct).ConfigureAwait(false);
            var pulled = await mresp.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
            if (EventLog.Digest(pulled) != manifestDigest)
                throw RegistryCodes.Error(RegistryCodes.PackageDigestMismatch, $"The registry served a manifest for {target.Repository}:{tag} that hashes to {EventLog.Digest(pulled)}, not {manifestDigest}.");
            using var doc = JsonDocument.Parse(pulled);
            var count = 0;
            foreach (var d in doc.RootElement.GetProperty("layers").EnumerateArray().Append(doc.RootElement.GetProperty("config")))
            {
                var digest = d.GetProperty("digest").GetString()!;
                using var blobRequest = new HttpRequestMessage(HttpMethod.Get, $"v2/{target.Repository}/blobs/{digest}");
                using var blobResponse = await http.SendAsync(blobRequest, ct).ConfigureAwait(false);
                await Expect(blobResponse, HttpStatusCode.OK, $"blob download {digest}", ct).ConfigureAwait(false);
                var bytes = await blobResponse.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
                if (EventLog.Digest(bytes) != digest)
                    throw RegistryCodes.Error(RegistryCodes.PackageDigestMismatch, $"Blob {digest} pulled from {target.Repository} hashes to {EventLog.Digest(bytes)}.");
                count++;
            }
            return new OciPushResult($"{target.Registry}/{target.Repository}:{tag}", manifestDigest, count);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            throw RegistryCodes.Error(RegistryCodes.OciFailed, $"OCI registry {target.Registry} failed: {ex.Message}");
        }
    }

    /// <summary>
    /// Pings <c>/v2/</c> and answers its challenge once for the whole push: Basic with the configured credentials, or a
    /// Bearer token fetched from the challenge's realm for <c>repository:REPO:pull,push</c>.
    /// </summary>
    private static async Task AuthenticateAsync(OciSession http, OciReference target, string? user, string? password, CancellationToken ct)
    {
        using var pingRequest = new HttpRequestMessage(HttpMethod.Get, "v2/");
        using var ping = await http.SendAsync(pingRequest, ct).ConfigureAwait(false);
        if (ping.StatusCode != HttpStatusCode.Unauthorized) return;
        var challenge = ping.Headers.WwwAuthenticate.FirstOrDefault();
        if (string.IsNullOrEmpty(user) || string.IsNullOrEmpty(password))
            throw RegistryCodes.Error(RegistryCodes.OciFailed,
                $"OCI registry {target.Registry} requires authentication (HTTP 401): set {UserVariable} and {PasswordVariable}.");
        var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"));
        if (challenge is null || challenge.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
        {
            http.Authorization = new AuthenticationHeaderValue("Basic", basic);
            return;
        }
        if (!challenge.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
            throw RegistryCodes.Error(RegistryCodes.OciFailed, $"OCI registry {target.Registry} asks for unsupported authentication '{challenge.Scheme}'.");
        var fields = ChallengeFields().Matches(challenge.Parameter ?? "").ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value, StringComparer.OrdinalIgnoreCase);
        if (!fields.TryGetValue("realm", out var realm) || !Uri.TryCreate(realm, UriKind.Absolute, out var realmUri))
            throw RegistryCodes.Error(RegistryCodes.OciFailed, $"OCI registry {target.Registry} sent a Bearer challenge without a realm.");
        // The token service may live elsewhere (that is how registries work), but the password goes there only encrypted.
        if (realmUri.Scheme != Uri.UriSchemeHttps && !OciSession.SameOrigin(realmUri, http.Origin))
            throw RegistryCodes.Error(RegistryCodes.OciFailed, $"OCI registry {target.Registry} names a token service over plain http on another origin; the credentials are not sent there.");
        var query = $"scope={Uri.EscapeDataString($"repository:{target.Repository}:pull,push")}"
            + (fields.TryGetValue("service", out var service) ? $"&service={Uri.EscapeDataString(service)}" : "");
        using var tokenRequest = new HttpRequestMessage(HttpMethod.Get, new UriBuilder(realmUri) { Query = query }.Uri);
        tokenRequest.Headers.Authorization = new AuthenticationHeaderValue("Basic", basic);
        using var tokenResponse = await http.Client.SendAsync(tokenRequest, ct).ConfigureAwait(false);
        await Expect(tokenResponse, HttpStatusCode.OK, "token request", ct).ConfigureAwait(false);
        using var doc = JsonDocument.Parse(await tokenResponse.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false));
        var token = doc.RootElement.TryGetProperty("token", out var t) ? t.GetString()
            : doc.RootElement.TryGetProperty("access_token", out var a) ? a.GetString() : null;
        if (string.IsNullOrEmpty(token)) throw RegistryCodes.Error(RegistryCodes.OciFailed, $"The token service of {target.Registry} returned no token.");
        http.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    [GeneratedRegex("(\\w+)=\"([^\"]*)\"")]
    private static partial Regex ChallengeFields();

    private static Dictionary<string, object> Descriptor(Blob b)
    {
        var d = new Dictionary<string, object> { ["mediaType"] = b.MediaType, ["digest"] = b.Digest, ["size"] = b.Content.LongLength };
        if (b.Annotations is not null) d["annotations"] = b.Annotations;
        return d;
    }

    private static async Task UploadAsync(OciSession http, string repo, Blob blob, CancellationToken ct)
    {
        using (var head = new HttpRequestMessage(HttpMethod.Head, $"v2/{repo}/blobs/{blob.Digest}"))
        using (var exists = await http.SendAsync(head, ct).ConfigureAwait(false))
            if (exists.StatusCode == HttpStatusCode.OK) return;
        Uri location;
        using (var post = new HttpRequestMessage(HttpMethod.Post, $"v2/{repo}/blobs/uploads/"))
        using (var start = await http.SendAsync(post, ct).ConfigureAwait(false))
        {
            await Expect(start, HttpStatusCode.Accepted, "blob upload start", ct).ConfigureAwait(false);
            location = start.Headers.Location ?? throw RegistryCodes.Error(RegistryCodes.OciFailed, "The registry started an upload without a Location.");
        }
        if (!location.IsAbsoluteUri) location = new Uri(http.Origin, location);
        var sep = location.Query.Length > 0 ? "&" : "?";
        using var put = new HttpRequestMessage(HttpMethod.Put, new Uri(location + sep + "digest=" + Uri.EscapeDataString(blob.Digest)))
        {
            Content = new ByteArrayContent(blob.Content),
        };
        put.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var done = await http.SendAsync(put, ct).ConfigureAwait(false);
        await Expect(done, HttpStatusCode.Created, $"blob upload {blob.Digest}", ct).ConfigureAwait(false);
    }

    // The body of an error is never printed: a registry or proxy may reflect the request, Authorization header
    // included. Only the status and the OCI error codes (upper-case words) are.
    private static async Task Expect(HttpResponseMessage resp, HttpStatusCode code, string what, CancellationToken ct)
    {
        if (resp.StatusCode == code) return;
        var codes = new List<string>();
        try
        {
            var body = await resp.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
            using var doc = JsonDocument.Parse(body.AsMemory(0, Math.Min(body.Length, 64 * 1024)));
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array)
                foreach (var err in errors.EnumerateArray().Take(5))
                    if (err.ValueKind == JsonValueKind.Object && err.TryGetProperty("code", out var c) && c.GetString() is { } s && ErrorCode().IsMatch(s))
                        codes.Add(s);
        }
        catch (JsonException) { }
        throw RegistryCodes.Error(RegistryCodes.OciFailed,
            $"OCI {what} failed: HTTP {(int)resp.StatusCode}{(codes.Count > 0 ? " (" + string.Join(", ", codes) + ")" : "")}.");
    }

    [GeneratedRegex(@"\A[A-Z_]{1,40}\z")]
    private static partial Regex ErrorCode();

    /// <summary>
    /// One push's connection: the registry's origin and the credentials for it. The Authorization header is added
    /// per request, and only to requests for that origin (scheme, host and port): an upload <c>Location</c> or any
    /// other URL naming another origin gets no credentials. (Redirects drop the header in HttpClient itself.)
    /// </summary>
    private sealed class OciSession(HttpClient client)
    {
        public HttpClient Client { get; } = client;
        public Uri Origin { get; } = client.BaseAddress!;
        public AuthenticationHeaderValue? Authorization { get; set; }

        public static bool SameOrigin(Uri a, Uri b) =>
            string.Equals(a.Scheme, b.Scheme, StringComparison.OrdinalIgnoreCase)
            && string.Equals(a.IdnHost, b.IdnHost, StringComparison.OrdinalIgnoreCase) && a.Port == b.Port;

        public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            var uri = request.RequestUri is { IsAbsoluteUri: true } abs ? abs : new Uri(Origin, request.RequestUri!);
            if (Authorization is not null && SameOrigin(uri, Origin)) request.Headers.Authorization = Authorization;
            return Client.SendAsync(request, ct);
        }
    }
}
