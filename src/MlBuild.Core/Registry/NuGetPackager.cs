using System.IO.Compression;
using System.Security;
using System.Security.Cryptography;
using System.Text;
using MlBuild.Core.Diagnostics;
using MlBuild.Core.Reports;
using NuGet.Versioning;

namespace MlBuild.Core.Registry;

/// <summary>
/// Writes a NuGet package of one model version: the model as a content file copied to the consumer's output
/// (<c>Models/NAME/FILE</c>), the evidence under <c>mlbuild/evidence/</c>, and signed provenance. The package version
/// comes from the schema history (<see cref="SchemaDiff.PackageVersions"/>). Output is byte-for-byte deterministic.
/// </summary>
public static class NuGetPackager
{
    /// <summary>Package-relative path of the provenance file.</summary>
    public const string ProvenancePath = "mlbuild/provenance.json";
    /// <summary>Package-relative path of the provenance signature.</summary>
    public const string SignaturePath = "mlbuild/provenance.sig";

    /// <summary>How old a temporary file in a package output folder must be before a package run removes it.</summary>
    public static readonly TimeSpan StaleTempAge = TimeSpan.FromMinutes(30);

    private static readonly DateTimeOffset FixedTime = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The package version of a registered version, from the schemas of versions 1..N.</summary>
    public static NuGetVersion PackageVersionOf(ModelRegistry registry, string model, int version)
    {
        var m = registry.RequireModel(registry.State, model);
        var schemas = Enumerable.Range(1, version).Select(v => registry.ReadEvent(m.Versions[v].Seq).Schema).ToList();
        return SchemaDiff.PackageVersions(schemas)[^1];
    }

    /// <summary>
    /// Writes <c>ID.VERSION.nupkg</c> into <paramref name="outputDir"/> and returns its path and version. A model a
    /// consuming project could not load is refused first (<see cref="ModelPackageCheck"/>); warnings go to <paramref name="notice"/>.
    /// </summary>
    public static (string Path, NuGetVersion Version) Pack(ModelRegistry registry, ModelReference reference, string outputDir,
        string? packageId = null, EventSigner? signer = null, Action<MlBuild.Core.Diagnostics.MlDiagnostic>? notice = null)
    {
        var (version, e) = registry.Resolve(reference);
        var plan = ModelPackageCheck.Plan(registry, e);
        foreach (var n in plan.Notices) notice?.Invoke(n);
        var id = packageId ?? "MlBuild.Models." + e.Model;
        if (!RegistryNames.IsValid(id))
            throw RegistryCodes.Error(RegistryCodes.InvalidName, $"Package id '{id}' is not valid: use letters, digits, '.', '_' or '-'.");
        var semver = PackageVersionOf(registry, e.Model, version);
        var contentRoot = $"contentFiles/any/any/Models/{e.Model}/";

        var files = new SortedDictionary<string, Func<Stream>>(StringComparer.Ordinal)
        {
            [contentRoot + SafeName(e.Artifact!.Path)] = () => registry.OpenBlob(e.Artifact.Digest),
        };
        foreach (var f in e.Evidence ?? [])
        {
            var digest = f.Digest;
            files["mlbuild/evidence/" + SafeRelative(f.Path)] = () => registry.OpenBlob(digest);
        }

        // Streamed, here and into the zip below: a model of gigabytes is never held in memory (a byte array of it
        // took twice its size and failed past 2 GB).
        var provenanceFiles = new List<RegisteredFile>();
        foreach (var (path, open) in files)
        {
            using var s = open();
            var (digest, size) = DigestOf(s, long.MaxValue);
            provenanceFiles.Add(new RegisteredFile(path, digest, size));
        }
        var registeredDigest = registry.Log.ReadEvent(registry.State.Models[e.Model].Versions[version].Seq)!.Digest;
        var provenance = ProvenanceCheck.Serialize(new PackageProvenance
        {
            Model = e.Model, Version = version, PackageVersion = semver.ToNormalizedString(), Event = registeredDigest,
            GitCommit = e.Lineage?.GitCommit, Files = provenanceFiles,
        });

        Directory.CreateDirectory(outputDir);
        // A package run killed mid-write leaves its temporary file behind; the next run tidies those up (only our own
        // temporary names, and only ones untouched for a while, so a concurrent write is left alone).
        AtomicFile.RemoveStaleTemps(outputDir, StaleTempAge);
        var target = Path.Combine(outputDir, $"{id}.{semver.ToNormalizedString()}.nupkg");
        try
        {
            AtomicFile.Write(target, stream =>
            {
                using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
                Add(zip, "[Content_Types].xml", Encoding.UTF8.GetBytes(ContentTypes));
                Add(zip, id + ".nuspec", Encoding.UTF8.GetBytes(Nuspec(id, semver, e, plan.Dependencies)));
                foreach (var (path, open) in files)
                {
                    using var s = open();
                    Add(zip, path, s);
                }
                Add(zip, ProvenancePath, provenance);
                if (signer is not null) Add(zip, SignaturePath, ProvenanceCheck.Serialize(signer.Sign(EventLog.Digest(provenance))));
            });
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw RegistryCodes.Error(RegistryCodes.PackageFailed, $"Cannot write the package: {ex.Message}", target);
        }
        return (target, semver);
    }

    /// <summary>Checks a .nupkg against its provenance (and signature, when <paramref name="trust"/> is given) without extracting it.</summary>
    public static IReadOnlyList<string> Verify(string nupkg, TrustedKeys? trust)
    {
        ZipArchive zip;
        try { zip = ZipFile.OpenRead(nupkg); }
        catch (InvalidDataException ex) { return [$"is not a valid package: {ex.Message}"]; }
        using var _ = zip;
        CheckBounds(zip, nupkg);
        var provenance = zip.GetEntry(ProvenancePath);
        if (provenance is null) return ["the package has no mlbuild/provenance.json"];
        var sig = zip.GetEntry(SignaturePath);
        try
        {
            return ProvenanceCheck.Check(Bytes(provenance, MaxMetadataBytes, nupkg), sig is null ? null : Bytes(sig, MaxMetadataBytes, nupkg), path =>
            {
                var entry = zip.GetEntry(path);
                if (entry is null) return null;
                using var s = entry.Open();
                return DigestOf(s, entry.Length, entry.FullName, nupkg).Digest;
            }, trust);
        }
        catch (InvalidDataException ex) { return [$"is not a valid package: {ex.Message}"]; }
    }

    /// <summary>Most entries a package may have: a model, its evidence and three files of our own.</summary>
    internal const int MaxEntries = 10_000;
    /// <summary>Largest provenance or signature file read into memory.</summary>
    internal const int MaxMetadataBytes = 16 << 20;
    /// <summary>Deflate cannot expand data more than about 1032 times: an entry that claims more is crafted.</summary>
    internal const long MaxExpansion = 1100;

    /// <summary>
    /// Refuses a crafted archive before anything is decompressed (MLB9041): too many entries, entries that share their
    /// compressed bytes (the overlapping-entry zip bomb: their compressed sizes add up to more than the file), or an
    /// entry that claims more expansion than deflate can give. With these, checking a package reads at most about
    /// 1100 times its size, in bounded memory (entries are hashed as streams, and a stream that yields more than its
    /// entry declares is refused too).
    /// </summary>
    static void CheckBounds(ZipArchive zip, string nupkg)
    {
        if (zip.Entries.Count > MaxEntries)
            throw Bomb(nupkg, $"it has {zip.Entries.Count} entries, more than the {MaxEntries} a model package may have");
        long fileLength = new FileInfo(nupkg).Length, compressed = 0;
        foreach (var entry in zip.Entries)
        {
            compressed += entry.CompressedLength;
            if (entry.Length > entry.CompressedLength * MaxExpansion + 65_536)
                throw Bomb(nupkg, $"entry '{entry.FullName}' claims to expand {entry.CompressedLength} bytes into {entry.Length}, more than deflate can");
        }
        if (compressed > fileLength)
            throw Bomb(nupkg, $"its entries' compressed sizes add up to {compressed} bytes in a file of {fileLength}: entries overlap");
    }

    static MlBuildException Bomb(string nupkg, string why) =>
        new(new MlDiagnostic(DiagnosticCodes.PackageExpansionRefused, MlSeverity.Error,
            $"The package was not checked: {why} (a zip bomb). Nothing was extracted. Rebuild the package with 'dotnet ml package'.", nupkg));

    /// <summary>SHA-256 and length of a stream, read in blocks; more than <paramref name="limit"/> bytes is refused as a bomb.</summary>
    static (string Digest, long Size) DigestOf(Stream s, long limit, string? entry = null, string? nupkg = null)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            long size = 0;
            for (int n; (n = s.Read(buffer, 0, buffer.Length)) > 0;)
            {
                size += n;
                if (size > limit) throw Bomb(nupkg!, $"entry '{entry}' expands past the {limit} bytes it declares");
                hash.AppendData(buffer, 0, n);
            }
            return ("sha256:" + Convert.ToHexStringLower(hash.GetHashAndReset()), size);
        }
        finally { System.Buffers.ArrayPool<byte>.Shared.Return(buffer); }
    }

    /// <summary>
    /// Verifies a package, then writes the files its provenance lists into <paramref name="targetDir"/>, keeping their
    /// package paths. Nothing is written unless verification passes, and every path is checked to stay inside the
    /// target (no <c>..</c>, no rooted or drive paths): a crafted entry cannot write elsewhere (zip slip).
    /// </summary>
    public static IReadOnlyList<string> Extract(string nupkg, string targetDir, TrustedKeys? trust)
    {
        var problems = Verify(nupkg, trust);
        if (problems.Count > 0)
            throw RegistryCodes.Error(RegistryCodes.PackageDigestMismatch,
                $"The package failed verification, nothing was extracted: {string.Join("; ", problems)}.", nupkg);
        using var zip = ZipFile.OpenRead(nupkg);
        var provenance = System.Text.Json.JsonSerializer.Deserialize(Bytes(zip.GetEntry(ProvenancePath)!, MaxMetadataBytes, nupkg), ProvenanceJson.Default.PackageProvenance)!;
        var root = Path.GetFullPath(targetDir);
        var rootWithSep = root.EndsWith(Path.DirectorySeparatorChar) ? root : root + Path.DirectorySeparatorChar;
        var plan = new List<(ZipArchiveEntry Entry, string Target)>();
        foreach (var f in provenance.Files)
        {
            var relative = SafeRelative(f.Path);
            var target = Path.GetFullPath(Path.Combine(root, relative.Replace('/', Path.DirectorySeparatorChar)));
            if (!target.StartsWith(rootWithSep, StringComparison.Ordinal))
                throw RegistryCodes.Error(RegistryCodes.PackageFailed, $"Package path '{f.Path}' would be written outside '{targetDir}'.", nupkg);
            plan.Add((zip.GetEntry(f.Path)!, target));
        }
        // All or nothing: every name is checked first, every file is written into a staging folder inside the target
        // (same file system), and only then renamed into place, so a failure (a folder in the way, a full disk, a kill)
        // leaves no half-extracted package, at most a staging folder named like AtomicFile's temporaries.
        foreach (var (_, target) in plan)
            if (Directory.Exists(target))
                throw RegistryCodes.Error(RegistryCodes.PackageFailed,
                    $"Cannot extract '{Path.GetRelativePath(root, target).Replace(Path.DirectorySeparatorChar, '/')}': a folder of that name is in the way; nothing was extracted.", nupkg);
        Directory.CreateDirectory(root);
        var staging = Path.Combine(root, AtomicFile.TempPrefix + Guid.NewGuid().ToString("N"));
        var written = new List<string>();
        try
        {
            var staged = new List<(string Staged, string Target)>();
            foreach (var (entry, target) in plan)
            {
                var file = Path.Combine(staging, staged.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
                Directory.CreateDirectory(staging);
                using (var to = new FileStream(file, FileMode.CreateNew, FileAccess.Write))
                using (var from = entry.Open())
                    from.CopyTo(to);
                staged.Add((file, target));
            }
            foreach (var (file, target) in staged)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                // rename(2) replaces the name itself: a planted link at the target is replaced, never followed.
                File.Move(file, target, overwrite: true);
                written.Add(Path.GetRelativePath(root, target).Replace(Path.DirectorySeparatorChar, '/'));
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw RegistryCodes.Error(RegistryCodes.PackageFailed, $"Cannot extract the package into '{targetDir}': {ex.Message}", nupkg);
        }
        finally
        {
            try { if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true); }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { }
        }
        return written;
    }

    /// <summary>A small entry's bytes (provenance, signature); past <paramref name="limit"/> (or its declared size) it is refused.</summary>
    private static byte[] Bytes(ZipArchiveEntry entry, int limit, string nupkg)
    {
        if (entry.Length > limit) throw Bomb(nupkg, $"entry '{entry.FullName}' declares {entry.Length} bytes, more than the {limit} it may have");
        using var s = entry.Open();
        using var ms = new MemoryStream();
        var buffer = new byte[1 << 16];
        for (int n; (n = s.Read(buffer, 0, buffer.Length)) > 0;)
        {
            if (ms.Length + n > entry.Length) throw Bomb(nupkg, $"entry '{entry.FullName}' expands past the {entry.Length} bytes it declares");
            ms.Write(buffer, 0, n);
        }
        return ms.ToArray();
    }

    private static void Add(ZipArchive zip, string path, byte[] content)
    {
        using var s = new MemoryStream(content, writable: false);
        Add(zip, path, s);
    }

    /// <summary>Copies <paramref name="content"/> into a new entry as it reads it (a create-mode archive compresses straight to the file).</summary>
    private static void Add(ZipArchive zip, string path, Stream content)
    {
        var entry = zip.CreateEntry(path, CompressionLevel.Optimal);
        entry.LastWriteTime = FixedTime;
        using var s = entry.Open();
        content.CopyTo(s);
    }

    // Names come from the registry's own events, but a package must never carry a path that escapes its folder.
    private static string SafeName(string name)
    {
        var n = Path.GetFileName(name.Replace('\\', '/'));
        return string.IsNullOrEmpty(n) || n is "." or ".." ? "model.zip" : n;
    }

    internal static string SafeRelative(string path)
    {
        var parts = path.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0 || parts.Any(p => p is "." or ".." || p.Contains(':')))
            throw RegistryCodes.Error(RegistryCodes.PackageFailed, $"Evidence path '{path}' is not a safe relative path.");
        return string.Join('/', parts);
    }

    private const string ContentTypes =
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">" +
        "<Default Extension=\"nuspec\" ContentType=\"application/octet\" /><Default Extension=\"zip\" ContentType=\"application/octet\" />" +
        "<Default Extension=\"json\" ContentType=\"application/octet\" /><Default Extension=\"sig\" ContentType=\"application/octet\" />" +
        "<Default Extension=\"md\" ContentType=\"application/octet\" /><Default Extension=\"bin\" ContentType=\"application/octet\" /></Types>";

    private static string Nuspec(string id, NuGetVersion version, RegistryEvent e, IReadOnlyList<PackageDependency> dependencies)
    {
        static string X(string? s) => SecurityElement.Escape(s ?? "");
        // The model zip's own ML.NET version (ModelPackageCheck): without it a consumer cannot even compile 'using Microsoft.ML'.
        var deps = dependencies.Count == 0 ? ""
            : "<dependencies><group>" + string.Concat(dependencies.Select(d => $"<dependency id=\"{X(d.Id)}\" version=\"{X(d.Version)}\" />")) + "</group></dependencies>";
        return $"""
            <?xml version="1.0" encoding="utf-8"?>
            <package xmlns="http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd">
              <metadata>
                <id>{X(id)}</id>
                <version>{X(version.ToNormalizedString())}</version>
                <authors>{X(e.Actor)}</authors>
                <description>Model {X(e.Model)} version {e.Version} from the MlBuild registry (model {X(e.Artifact!.Digest)}, commit {X(e.Lineage?.GitCommit ?? "unknown")}). Copies Models/{X(e.Model)}/ to the output folder.</description>
                <tags>mlbuild ml-model</tags>
                {deps}
                <contentFiles>
                  <files include="any/any/Models/**" buildAction="None" copyToOutput="true" flatten="false" />
                </contentFiles>
              </metadata>
            </package>
            """;
    }
}
