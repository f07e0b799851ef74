using System.Text.Json;
using System.Text.Json.Serialization;

namespace MlBuild.Core.Registry;

/// <summary>
/// What a package (NuGet or OCI) says about its contents: the registry version it was made from and the digest of
/// every file. Signed like events (the signature covers the SHA-256 of the provenance file's bytes), so a consumer
/// can check a package against its trusted keys before loading the model.
/// </summary>
public sealed record PackageProvenance
{
    /// <summary>Model name.</summary>
    public string Model { get; init; } = "";
    /// <summary>Registry version.</summary>
    public int Version { get; init; }
    /// <summary>Package version (SemVer from the schema history).</summary>
    public string PackageVersion { get; init; } = "";
    /// <summary>Digest of the register event the package was made from.</summary>
    public string Event { get; init; } = "";
    /// <summary>Git commit of the training run, if known.</summary>
    public string? GitCommit { get; init; }
    /// <summary>Files in the package with their digests (package-relative paths).</summary>
    public IReadOnlyList<RegisteredFile> Files { get; init; } = [];
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, WriteIndented = true)]
[JsonSerializable(typeof(PackageProvenance))]
[JsonSerializable(typeof(EventSignature))]
internal sealed partial class ProvenanceJson : JsonSerializerContext;

/// <summary>Reads and checks provenance.</summary>
public static class ProvenanceCheck
{
    /// <summary>Serialises provenance (deterministic).</summary>
    public static byte[] Serialize(PackageProvenance p) => JsonSerializer.SerializeToUtf8Bytes(p, ProvenanceJson.Default.PackageProvenance);

    /// <summary>Whether a .nupkg carries a provenance signature (<see cref="NuGetPackager.SignaturePath"/>); false for a file that is not a zip.</summary>
    public static bool IsSignedPackage(string nupkg)
    {
        try
        {
            using var zip = System.IO.Compression.ZipFile.OpenRead(nupkg);
            return zip.GetEntry(NuGetPackager.SignaturePath) is not null;
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException) { return false; }
    }

    /// <summary>Serialises a signature.</summary>
    public static byte[] Serialize(EventSignature s) => JsonSerializer.SerializeToUtf8Bytes(s, ProvenanceJson.Default.EventSignature);

    /// <summary>
    /// Checks files against provenance bytes and an optional signature. <paramref name="digestOf"/> returns the digest
    /// of a package-relative file, or null when it is absent. Returns the problems found (empty when all is well).
    /// </summary>
    public static IReadOnlyList<string> Check(byte[] provenance, byte[]? signature, Func<string, string?> digestOf, TrustedKeys? trust)
    {
        var problems = new List<string>();
        PackageProvenance? p;
        try { p = JsonSerializer.Deserialize(provenance, ProvenanceJson.Default.PackageProvenance); }
        catch (JsonException ex) { return [$"provenance cannot be parsed: {ex.Message}"]; }
        if (p is null) return ["provenance is empty"];
        // JSON nulls pass the deserialiser whatever the types say: a file list or entry without its fields is malformed.
        if (p.Files is null) return ["provenance is malformed: it lists no files"];
        for (var i = 0; i < p.Files.Count; i++)
            if (p.Files[i] is not { Path: not null } f || !EventLog.IsDigest(f.Digest))
                return [$"provenance is malformed: file entry {i + 1} has no path or no valid digest"];
        foreach (var f in p.Files)
        {
            var actual = digestOf(f.Path);
            if (actual is null) problems.Add($"'{f.Path}' is missing");
            else if (actual != f.Digest) problems.Add($"'{f.Path}' was altered: it hashes to {actual}, provenance says {f.Digest}");
        }
        if (trust is not null)
        {
            EventSignature? sig = null;
            if (signature is not null)
            {
                try { sig = JsonSerializer.Deserialize(signature, ProvenanceJson.Default.EventSignature); }
                catch (JsonException) { problems.Add("signature cannot be parsed"); }
            }
            if (trust.Check(EventLog.Digest(provenance), sig) is { } why) problems.Add($"provenance {why}");
        }
        return problems;
    }
}
