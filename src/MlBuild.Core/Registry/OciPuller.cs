using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using MlBuild.Core.Reports;

namespace MlBuild.Core.Registry;

/// <summary>What <see cref="OciPublisher.PullAsync"/> brought back.</summary>
/// <param name="Reference">REGISTRY/REPOSITORY:TAG (or @DIGEST) pulled.</param>
/// <param name="ManifestDigest">The manifest's digest.</param>
/// <param name="Model">Model name from the provenance.</param>
/// <param name="Version">Registry version from the provenance.</param>
/// <param name="PackageVersion">Package version from the provenance.</param>
/// <param name="Files">Files written, relative to the target folder, '/'-separated, in provenance order.</param>
/// <param name="Signed">Whether the artifact carries a provenance signature.</param>
public sealed record OciPullResult(string Reference, string ManifestDigest, string Model, int Version, string PackageVersion,
    IReadOnlyList<string> Files, bool Signed);

public static partial class OciPublisher
{
    /// <summary>
    /// Pulls an artifact that <see cref="PushAsync"/> wrote back into <paramref name="targetDir"/>: the model file, its
    /// evidence under <c>evidence/</c>, and <c>mlbuild/provenance.json</c> (and <c>.sig</c>). Every blob is checked
    /// against its digest and the provenance (and the signature, when <paramref name="trust"/> is given) before
    /// anything is written; then the files are written whole or not at all (MLB6062 names what did not match).
    /// </summary>
    public static async Task<OciPullResult> PullAsync(OciReference source, string targetDir, bool plainHttp = false,
        TrustedKeys? trust = null, CancellationToken ct = default, Func<string, string?>? env = null)
    {
        env ??= Environment.GetEnvironmentVariable;
        var tag = source.Tag ?? "latest";
        var scheme = plainHttp || source.IsLoopback ? "http" : "https";
        using var client = new HttpClient { BaseAddress = new Uri($"{scheme}://{source.Registry}/"), Timeout = TimeSpan.FromMinutes(5) };
        var http = new OciSession(client);
        var layers = new List<(string Title, string MediaType, byte[] Bytes, string Digest)>();
        string manifestDigest;
        try
        {
            await AuthenticateAsync(http, source, env(UserVariable), env(PasswordVariable), ct).ConfigureAwait(false);
            using var get = new HttpRequestMessage(HttpMethod.Get, $"v2/{source.Repository}/manifests/{tag}");
            get.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(ManifestType));
            using var mresp = await http.SendAsync(get, ct).ConfigureAwait(false);
            if (mresp.StatusCode == HttpStatusCode.NotFound)
                throw RegistryCodes.Error(RegistryCodes.OciFailed, $"OCI registry {source.Registry} has no artifact {source.Repository}:{tag}.");
            await Expect(mresp, HttpStatusCode.OK, "manifest download", ct).ConfigureAwait(false);
            var manifest = await mresp.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
            manifestDigest = EventLog.Digest(manifest);
            using var doc = JsonDocument.Parse(manifest);
            var root = doc.RootElement;
            if (!root.TryGetProperty("artifactType", out var at) || at.GetString() != ArtifactType || !root.TryGetProperty("layers", out var ls) || ls.ValueKind != JsonValueKind.Array)
                throw RegistryCodes.Error(RegistryCodes.PackageDigestMismatch,
                    $"{source} is not a model artifact of 'dotnet ml package --oci' (artifactType {ArtifactType}); nothing was written.");
            foreach (var d in ls.EnumerateArray())
            {
                var digest = d.TryGetProperty("digest", out var dg) ? dg.GetString() : null;
                var title = d.TryGetProperty("annotations", out var an) && an.ValueKind == JsonValueKind.Object
                    && an.TryGetProperty("org.opencontainers.image.title", out var tt) ? tt.GetString() : null;
                if (digest is null || !EventLog.IsDigest(digest) || string.IsNullOrEmpty(title))
                    throw RegistryCodes.Error(RegistryCodes.PackageDigestMismatch, $"{source} has a layer without a valid digest or title; nothing was written.");
                using var blobRequest = new HttpRequestMessage(HttpMethod.Get, $"v2/{source.Repository}/blobs/{digest}");
                using var blobResponse = await http.SendAsync(blobRequest, ct).ConfigureAwait(false);
                await Expect(blobResponse, HttpStatusCode.OK, $"blob download {digest}", ct).ConfigureAwait(false);
                var bytes = await blobResponse.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
                if (EventLog.Digest(bytes) != digest)
                    throw RegistryCodes.Error(RegistryCodes.PackageDigestMismatch,
                        $"Blob {digest} ('{title}') pulled from {source.Repository} hashes to {EventLog.Digest(bytes)}; nothing was written.");
                layers.Add((title, d.TryGetProperty("mediaType", out var mt) ? mt.GetString() ?? "" : "", bytes, digest));
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            throw RegistryCodes.Error(RegistryCodes.OciFailed, $"OCI registry {source.Registry} failed: {ex.Message}");
        }
        catch (JsonException ex)
        {
            throw RegistryCodes.Error(RegistryCodes.PackageDigestMismatch, $"{source} has a malformed manifest ({ex.Message}); nothing was written.");
        }

        var byTitle = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var l in layers) byTitle[l.Title] = l.Bytes;
        if (!byTitle.TryGetValue(NuGetPackager.ProvenancePath, out var provenance))
            throw RegistryCodes.Error(RegistryCodes.PackageDigestMismatch, $"{source} has no {NuGetPackager.ProvenancePath}; nothing was written.");
        byTitle.TryGetValue(NuGetPackager.SignaturePath, out var signature);
        var problems = ProvenanceCheck.Check(provenance, signature, path => byTitle.TryGetValue(path, out var b) ? EventLog.Digest(b) : null, trust);
        if (problems.Count > 0)
            throw RegistryCodes.Error(RegistryCodes.PackageDigestMismatch, $"{source} failed verification, nothing was written: {string.Join("; ", problems)}.");
        var record = JsonSerializer.Deserialize(provenance, ProvenanceJson.Default.PackageProvenance)!;

        // Only the files the (verified) provenance lists, plus the provenance itself, each kept inside the target.
        var root2 = Path.GetFullPath(targetDir);
        var rootWithSep = root2.EndsWith(Path.DirectorySeparatorChar) ? root2 : root2 + Path.DirectorySeparatorChar;
        var plan = new List<(string Relative, string Full, byte[] Bytes)>();
        foreach (var path in record.Files.Select(f => f.Path).Append(NuGetPackager.ProvenancePath).Concat(signature is null ? [] : [NuGetPackager.SignaturePath]))
        {
            var relative = NuGetPackager.SafeRelative(path);
            var full = Path.GetFullPath(Path.Combine(root2, relative.Replace('/', Path.DirectorySeparatorChar)));
            if (!full.StartsWith(rootWithSep, StringComparison.Ordinal))
                throw RegistryCodes.Error(RegistryCodes.PackageFailed, $"Artifact path '{path}' would be written outside '{targetDir}'; nothing was written.");
            if (Directory.Exists(full))
                throw RegistryCodes.Error(RegistryCodes.PackageFailed, $"Cannot write '{relative}': a folder of that name is in the way; nothing was written.");
            plan.Add((relative, full, byTitle[path]));
        }
        try
        {
            foreach (var (_, full, bytes) in plan)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(full)!);
                AtomicFile.WriteAllBytes(full, bytes);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw RegistryCodes.Error(RegistryCodes.PackageFailed, $"Cannot write the pulled artifact into '{targetDir}': {ex.Message}");
        }
        return new OciPullResult($"{source.Registry}/{source.Repository}:{tag}", manifestDigest, record.Model ?? "", record.Version,
            record.PackageVersion ?? "", [.. plan.Select(p => p.Relative)], signature is not null);
    }
}
