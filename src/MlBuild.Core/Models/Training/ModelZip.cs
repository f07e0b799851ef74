using MlBuild.Core.Diagnostics;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;

namespace MlBuild.Core.Models.Training;

/// <summary>
/// Makes ML.NET model zips comparable: a canonical hash of what the model is (not when it was saved), and a
/// byte-stable rewrite of the file itself.
/// </summary>
public static class ModelZip
{
    /// <summary>Entries that say which ML.NET saved the model, not what the model is.</summary>
    static bool IsIgnored(string name) => name == "Version.txt" || name.EndsWith("/Version.txt", StringComparison.Ordinal);

    /// <summary>The timestamp every rewritten entry carries (zip's epoch; midday, so no time zone moves its date).</summary>
    public static readonly DateTimeOffset FixedTimestamp = new(1980, 1, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// <c>sha256:</c> plus the hex SHA-256 over the zip's file entries sorted by name (ordinal), each as its UTF-8 name,
    /// a NUL, its length (8 bytes, little-endian) and its uncompressed bytes; timestamps, compression, entry order and
    /// <c>Version.txt</c> do not count. Two trainings with one seed compare equal.
    /// </summary>
    public static string CanonicalHash(Stream zip)
    {
        using var archive = OpenRead(zip);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> length = stackalloc byte[8];
        foreach (var entry in archive.Entries.Where(e => !e.FullName.EndsWith('/') && !IsIgnored(e.FullName)).OrderBy(e => e.FullName, StringComparer.Ordinal))
        {
            sha.AppendData(Encoding.UTF8.GetBytes(entry.FullName));
            sha.AppendData([0]);
            using var content = new MemoryStream();
            using (var s = entry.Open()) s.CopyTo(content);
            BitConverter.TryWriteBytes(length, content.Length);
            if (!BitConverter.IsLittleEndian) length.Reverse();
            sha.AppendData(length);
            sha.AppendData(content.GetBuffer(), 0, (int)content.Length);
        }
        return "sha256:" + Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    /// <summary>The canonical hash of a model file (see <see cref="CanonicalHash(Stream)"/>).</summary>
    public static string CanonicalHash(string path)
    {
        using var file = File.OpenRead(path);
        return CanonicalHash(file);
    }

    /// <summary>
    /// Rewrites a zip so the same content gives the same bytes: entries sorted by name (ordinal), every timestamp
    /// <see cref="FixedTimestamp"/>, one compression level. ML.NET stamps each entry with the time of saving.
    /// </summary>
    public static byte[] Normalize(byte[] zip)
    {
        using var input = OpenRead(new MemoryStream(zip, writable: false));
        using var output = new MemoryStream();
        using (var archive = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var entry in input.Entries.OrderBy(e => e.FullName, StringComparer.Ordinal))
            {
                var copy = archive.CreateEntry(entry.FullName, entry.FullName.EndsWith('/') ? CompressionLevel.NoCompression : CompressionLevel.Optimal);
                copy.LastWriteTime = FixedTimestamp;
                if (entry.FullName.EndsWith('/')) continue;
                using var from = entry.Open();
                using var to = copy.Open();
                from.CopyTo(to);
            }
        }
        return output.ToArray();
    }

    static ZipArchive OpenRead(Stream zip)
    {
        try
        {
            return new ZipArchive(zip, ZipArchiveMode.Read, leaveOpen: false);
        }
        catch (InvalidDataException ex)
        {
            throw new Diagnostics.MlBuildException(new Diagnostics.MlDiagnostic(DiagnosticCodes.ModelFileInvalid, Diagnostics.MlSeverity.Error,
                $"The model file is not a readable zip ({ex.Message}); an ML.NET model is a zip written by MLContext.Model.Save."));
        }
    }
}
