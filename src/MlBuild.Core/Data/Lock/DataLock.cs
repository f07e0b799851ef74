using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MlBuild.Core.Diagnostics;

namespace MlBuild.Core.Data.Lock;

/// <summary>The recorded content of one data file: its size, SHA-256 and MD5 (the hash DVC records), lower-case hex.</summary>
/// <param name="Size">Length in bytes.</param>
/// <param name="Sha256">SHA-256 of the bytes.</param>
/// <param name="Md5">MD5 of the bytes (DVC 3's <c>md5</c>).</param>
public sealed record LockedFile(long Size, string Sha256, string Md5);

/// <summary>A dataset's files in the lock, keyed by their path relative to the lock file's folder (forward slashes).</summary>
/// <param name="Name">The dataset's name.</param>
/// <param name="Files">Its files, by relative path.</param>
public sealed record LockedDataset(string Name, IReadOnlyDictionary<string, LockedFile> Files);

/// <summary>One data file of a declared dataset as the build or <c>dotnet ml data lock</c> sees it.</summary>
/// <param name="FullPath">The file on disk.</param>
/// <param name="Display">How diagnostics name it (relative to the project, as MSBuild's paths are).</param>
public sealed record DatasetFile(string FullPath, string Display);

/// <summary>
/// The data lock, <c>mlbuild.lock.json</c> beside the project: what <c>packages.lock.json</c> is for packages, for data.
/// <c>dotnet ml data lock</c> writes it; the build in locked mode (<c>MlBuildLockedMode</c>) checks every data file it
/// reads against it. The file is deterministic: datasets and files in ordinal order, no timestamps, LF line ends.
/// </summary>
public static class DataLock
{
    /// <summary>The lock's file name beside the project.</summary>
    public const string DefaultFileName = "mlbuild.lock.json";

    /// <summary>The format version written and read.</summary>
    public const int FormatVersion = 1;

    /// <summary>SHA-256 and MD5 of a file in one streaming pass.</summary>
    public static LockedFile Hash(string fullPath)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        var buffer = new byte[1 << 20];
        long size = 0;
        using (var stream = new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan))
        {
            int n;
            while ((n = stream.Read(buffer, 0, buffer.Length)) > 0)
            {
                sha.AppendData(buffer, 0, n);
                md5.AppendData(buffer, 0, n);
                size += n;
            }
        }
        return new LockedFile(size, Convert.ToHexStringLower(sha.GetHashAndReset()), Convert.ToHexStringLower(md5.GetHashAndReset()));
    }

    /// <summary>The key of a file in the lock: its path relative to the lock's folder, with forward slashes.</summary>
    public static string KeyOf(string fullPath, string lockDirectory) => Path.GetRelativePath(lockDirectory, fullPath).Replace('\\', '/');

    /// <summary>The lock's bytes: indented JSON, datasets and files in ordinal order, LF line ends, a final newline.</summary>
    public static byte[] Write(IEnumerable<LockedDataset> datasets)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, NewLine = "\n" }))
        {
            w.WriteStartObject();
            w.WriteNumber("version", FormatVersion);
            w.WriteStartObject("datasets");
            foreach (var d in datasets.OrderBy(d => d.Name, StringComparer.Ordinal))
            {
                w.WriteStartObject(d.Name);
                foreach (var (path, file) in d.Files.OrderBy(f => f.Key, StringComparer.Ordinal))
                {
                    w.WriteStartObject(path);
                    w.WriteNumber("size", file.Size);
                    w.WriteString("sha256", file.Sha256);
                    w.WriteString("md5", file.Md5);
                    w.WriteEndObject();
                }
                w.WriteEndObject();
            }
            w.WriteEndObject();
            w.WriteEndObject();
        }
        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    /// <summary>Reads a lock file; anything that is not a valid lock of this version is MLB1304 naming the file.</summary>
    public static IReadOnlyList<LockedDataset> Read(string fullPath, string display)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(fullPath));
            var root = doc.RootElement;
            int version = root.GetProperty("version").GetInt32();
            if (version != FormatVersion)
                throw new InvalidOperationException($"it is of format version {version}; this MlBuild reads version {FormatVersion}");
            var list = new List<LockedDataset>();
            foreach (var d in root.GetProperty("datasets").EnumerateObject())
            {
                var files = new Dictionary<string, LockedFile>(StringComparer.Ordinal);
                foreach (var f in d.Value.EnumerateObject())
                    files[f.Name] = new LockedFile(f.Value.GetProperty("size").GetInt64(),
                        f.Value.GetProperty("sha256").GetString() ?? throw new InvalidOperationException($"'{f.Name}' has no sha256"),
                        f.Value.GetProperty("md5").GetString() ?? throw new InvalidOperationException($"'{f.Name}' has no md5"));
                list.Add(new LockedDataset(d.Name, files));
            }
            return list;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or IOException or UnauthorizedAccessException)
        {
            throw new MlBuildException(new MlDiagnostic(DiagnosticCodes.DataLockUnreadable, MlSeverity.Error,
                $"The data lock '{display}' is not a valid lock file ({e.Message}). Write it again with 'dotnet ml data lock'.", display));
        }
    }

    /// <summary>
    /// Checks the datasets' files against the lock: a file not in the lock (MLB1301), a file whose size or SHA-256
    /// differs (MLB1302), a file the lock records for a dataset of that name that the dataset no longer has (MLB1303).
    /// <paramref name="severity"/> is an error in locked mode, a warning otherwise.
    /// </summary>
    public static List<MlDiagnostic> Check(IReadOnlyList<LockedDataset> locked, IEnumerable<(string Dataset, IReadOnlyList<DatasetFile> Files)> datasets,
        string lockDirectory, string lockDisplay, MlSeverity severity)
    {
        var diagnostics = new List<MlDiagnostic>();
        var byPath = new Dictionary<string, LockedFile>(StringComparer.Ordinal);
        foreach (var d in locked)
            foreach (var (path, file) in d.Files)
                byPath.TryAdd(path, file);
        const string fix = "If the change is intended, run 'dotnet ml data lock' and commit the lock.";
        foreach (var (name, files) in datasets)
        {
            var keys = new HashSet<string>(StringComparer.Ordinal);
            foreach (var f in files)
            {
                var key = KeyOf(f.FullPath, lockDirectory);
                keys.Add(key);
                if (!byPath.TryGetValue(key, out var expected))
                {
                    diagnostics.Add(new MlDiagnostic(DiagnosticCodes.DataFileNotLocked, severity,
                        $"'{f.Display}' of dataset '{name}' is not recorded in the data lock '{lockDisplay}'. {fix}", f.Display));
                    continue;
                }
                var actual = Hash(f.FullPath);
                if (actual.Size != expected.Size || !string.Equals(actual.Sha256, expected.Sha256, StringComparison.OrdinalIgnoreCase))
                    diagnostics.Add(new MlDiagnostic(DiagnosticCodes.DataFileChangedSinceLock, severity,
                        $"'{f.Display}' of dataset '{name}' no longer matches the data lock '{lockDisplay}': SHA-256 {actual.Sha256[..12]}... ({actual.Size} bytes), locked {expected.Sha256[..Math.Min(12, expected.Sha256.Length)]}... ({expected.Size} bytes). {fix}",
                        f.Display));
            }
            if (locked.FirstOrDefault(d => d.Name == name) is { } lockedSet)
                foreach (var gone in lockedSet.Files.Keys.Where(k => !keys.Contains(k)).Order(StringComparer.Ordinal))
                    diagnostics.Add(new MlDiagnostic(DiagnosticCodes.LockedFileGone, severity,
                        $"The data lock '{lockDisplay}' records '{gone}' in dataset '{name}', which no longer reads it. {fix}", lockDisplay));
        }
        return diagnostics;
    }
}

/// <summary>What a DVC file (<c>data/train.csv.dvc</c>) records for the file it tracks.</summary>
/// <param name="Md5">The recorded MD5.</param>
/// <param name="Legacy">True for DVC 2's hash (no <c>hash: md5</c> line), which DVC computes over text files with CRLF turned into LF.</param>
public sealed record DvcRecord(string Md5, bool Legacy);

/// <summary>Reads DVC's <c>.dvc</c> files and checks them against the data (no DVC install needed).</summary>
public static class Dvc
{
    /// <summary>The DVC file that tracks <paramref name="dataFullPath"/> (<c>data/train.csv.dvc</c>), or null when there is none.</summary>
    public static string? FileFor(string dataFullPath)
    {
        var candidate = dataFullPath + ".dvc";
        return File.Exists(candidate) ? candidate : null;
    }

    /// <summary>
    /// The MD5 a <c>.dvc</c> file records for its single file output (the YAML <c>outs:</c> list's <c>md5:</c>).
    /// MLB1306 for a file without one, or whose output is a folder (<c>.dir</c>).
    /// </summary>
    public static DvcRecord Read(string dvcFullPath, string display)
    {
        string[] lines;
        try { lines = File.ReadAllLines(dvcFullPath); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Unreadable(display, e.Message);
        }
        string? md5 = null;
        bool hashLine = false, inOuts = false;
        int outputs = 0;
        foreach (var raw in lines)
        {
            var line = raw.TrimEnd();
            if (line.Length == 0 || line.TrimStart().StartsWith('#')) continue;
            if (!char.IsWhiteSpace(line[0]) && !line.StartsWith('-'))
            {
                inOuts = line.StartsWith("outs:", StringComparison.Ordinal);
                continue;
            }
            if (!inOuts) continue;
            var entry = line.TrimStart();
            if (entry.StartsWith('-'))
            {
                outputs++;
                entry = entry[1..].TrimStart();
            }
            if (Value(entry, "md5") is { } m && outputs == 1) md5 = m;
            if (Value(entry, "hash") is "md5" && outputs == 1) hashLine = true;
        }
        if (md5 is null)
            throw Unreadable(display, "it records no md5 under 'outs'");
        if (outputs > 1)
            throw Unreadable(display, "it tracks more than one output; MlBuild reads single-file .dvc files");
        if (md5.EndsWith(".dir", StringComparison.Ordinal))
            throw Unreadable(display, "it tracks a folder; MlBuild reads single-file .dvc files");
        return new DvcRecord(md5.ToLowerInvariant(), !hashLine);
    }

    static string? Value(string entry, string key)
    {
        if (!entry.StartsWith(key + ":", StringComparison.Ordinal)) return null;
        return entry[(key.Length + 1)..].Trim().Trim('\'', '"');
    }

    static MlBuildException Unreadable(string display, string why) => new(new MlDiagnostic(DiagnosticCodes.DvcFileUnreadable, MlSeverity.Error,
        $"The DVC file '{display}' cannot be read: {why}.", display));

    /// <summary>Whether the data's MD5 agrees with the record: DVC 3 hashes the bytes; DVC 2 (legacy) hashes a text file with CRLF as LF.</summary>
    public static bool Agrees(DvcRecord record, string dataFullPath, LockedFile hashes)
    {
        if (string.Equals(record.Md5, hashes.Md5, StringComparison.OrdinalIgnoreCase)) return true;
        return record.Legacy && string.Equals(record.Md5, LegacyMd5(dataFullPath), StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>DVC 2's MD5: for a text file (no NUL in its first 8,000 bytes) over the bytes with every CRLF as LF.</summary>
    public static string? LegacyMd5(string dataFullPath)
    {
        var bytes = File.ReadAllBytes(dataFullPath);
        if (bytes.AsSpan(0, Math.Min(8000, bytes.Length)).IndexOf((byte)0) >= 0) return null;
        var text = new MemoryStream(bytes.Length);
        for (int i = 0; i < bytes.Length; i++)
            if (!(bytes[i] == (byte)'\r' && i + 1 < bytes.Length && bytes[i + 1] == (byte)'\n'))
                text.WriteByte(bytes[i]);
        return Convert.ToHexStringLower(MD5.HashData(text.ToArray()));
    }

    /// <summary>Text of a DVC 3 <c>.dvc</c> file for a data file, as <c>dvc add</c> writes it (for tests and docs).</summary>
    public static string Describe(string fileName, LockedFile hashes) =>
        new StringBuilder().Append("outs:\n- md5: ").Append(hashes.Md5).Append("\n  size: ").Append(hashes.Size)
            .Append("\n  hash: md5\n  path: ").Append(fileName).Append('\n').ToString();
}
