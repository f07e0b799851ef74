using System.Globalization;
using System.IO.Compression;
using System.Text;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlBuild.Core.Models;

namespace MlBuild.Core.Registry;

/// <summary>What an ML.NET model zip says about itself.</summary>
/// <param name="MlNetVersion">The ML.NET release that saved it (<c>TrainingInfo/Version.txt</c>, without the <c>+commit</c> part), or null.</param>
/// <param name="ComponentAssemblies">The assemblies of the components the zip's <c>Model.key</c> headers name as loaders, sorted.</param>
/// <param name="Schema">Inputs (the schema the model was saved with) and outputs (what the loaded model produces), or null when it did not load.</param>
/// <param name="LoadError">Why ML.NET could not load the model, or null.</param>
public sealed record ModelZipInfo(string? MlNetVersion, IReadOnlyList<string> ComponentAssemblies, ModelSchema? Schema, string? LoadError);

/// <summary>
/// Reads an ML.NET model zip the way ML.NET itself does: the version file it writes (<c>TrainingInfo/Version.txt</c>),
/// the loader assembly recorded in each <c>Model.key</c> header, and the input/output schema of the loaded model.
/// A package is only written for a model this can load (docs/registry.md, "Packages a project can consume").
/// </summary>
public static class ModelZipInspector
{
    /// <summary>The entry ML.NET writes with the version of the release that saved the model.</summary>
    public const string VersionEntry = "TrainingInfo/Version.txt";

    // ML.NET's ModelHeader: "ML\0MODEL" signature, the loader assembly name's offset (int64 at 0x90) and byte count
    // (uint32 at 0x98), UTF-16 encoded; the header is 0x100 bytes.
    private static ReadOnlySpan<byte> HeaderSignature => "ML\0MODEL"u8;
    private const int HeaderSize = 0x100;
    private const int AssemblyNameOffset = 0x90;
    private const int AssemblyNameSize = 0x98;

    /// <summary>True when the file at <paramref name="path"/> is a zip with ML.NET's layout.</summary>
    public static bool IsMlNetZip(string path) => IsMlNetZip(() => File.OpenRead(path));

    /// <summary>True when the stream <paramref name="open"/> gives is a zip with ML.NET's layout (a version entry or <c>Model.key</c> files).</summary>
    public static bool IsMlNetZip(Func<Stream> open)
    {
        try
        {
            using var s = open();
            using var zip = new ZipArchive(s, ZipArchiveMode.Read);
            return zip.GetEntry(VersionEntry) is not null || zip.Entries.Any(e => e.Name == "Model.key");
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return false;
        }
    }

    /// <summary>Reads the zip at <paramref name="path"/>; <paramref name="load"/> also loads it with ML.NET for its schema.</summary>
    public static ModelZipInfo Inspect(string path, bool load = true) => Inspect(() => File.OpenRead(path), load);

    /// <summary>
    /// Reads the zip <paramref name="open"/> gives (a seekable stream, opened afresh for each read); <paramref name="load"/>
    /// also loads it with ML.NET for its schema.
    /// </summary>
    public static ModelZipInfo Inspect(Func<Stream> open, bool load = true)
    {
        string? version = null;
        var assemblies = new SortedSet<string>(StringComparer.Ordinal);
        using (var stream = open())
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Read))
        {
            if (zip.GetEntry(VersionEntry) is { } v)
            {
                using var r = new StreamReader(v.Open(), Encoding.UTF8);
                var text = r.ReadToEnd().Trim();
                var plus = text.IndexOf('+', StringComparison.Ordinal);
                version = (plus < 0 ? text : text[..plus]).Trim();
                if (version.Length == 0) version = null;
            }
            foreach (var e in zip.Entries.Where(e => e.Name == "Model.key").OrderBy(e => e.FullName, StringComparer.Ordinal))
                if (LoaderAssembly(e) is { } a) assemblies.Add(a);
        }
        if (!load) return new ModelZipInfo(version, [.. assemblies], null, null);
        try
        {
            var ml = new MLContext(seed: 0);
            ITransformer model;
            DataViewSchema input;
            using (var fs = open()) model = ml.Model.Load(fs, out input);
            var output = model.GetOutputSchema(input);
            var schema = new ModelSchema(
                [.. input.Where(c => !c.IsHidden).Select(c => new SchemaColumn(c.Name, TypeName(c.Type)))],
                // The columns the model adds or changes: what a consumer reads back (hidden and passed-through columns left out).
                [.. output.Where(c => !c.IsHidden && !SameColumnAsInput(input, c)).Select(c => new SchemaColumn(c.Name, TypeName(c.Type)))]);
            return new ModelZipInfo(version, [.. assemblies], schema, null);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // ML.NET reports a model it cannot read with many exception types (format, invalid operation, missing
            // component); all mean the same to a consumer: this file does not load.
            return new ModelZipInfo(version, [.. assemblies], null, $"{ex.GetType().Name}: {ex.Message}");
        }
    }

    private static bool SameColumnAsInput(DataViewSchema input, DataViewSchema.Column c) =>
        input.GetColumnOrNull(c.Name) is { } i && i.Type.Equals(c.Type);

    /// <summary>The type name evidence files use (as <c>dotnet ml train</c> writes them in <c>schema.json</c>).</summary>
    public static string TypeName(DataViewType type) => type switch
    {
        TextDataViewType => "String",
        BooleanDataViewType => "Boolean",
        VectorDataViewType v => v.ItemType.RawType.Name + "[" + v.Size.ToString(CultureInfo.InvariantCulture) + "]",
        _ => type.RawType.Name,
    };

    /// <summary>Whether two type names mean the same type (case and the common spellings aside).</summary>
    public static bool SameType(string a, string b) => string.Equals(Canonical(a), Canonical(b), StringComparison.Ordinal);

    private static string Canonical(string t)
    {
        var s = t.Trim().ToLowerInvariant();
        return s switch
        {
            "single" or "float" or "float32" or "r4" => "single",
            "double" or "float64" or "r8" => "double",
            "string" or "text" or "textspan" or "readonlymemory`1" => "string",
            "boolean" or "bool" => "boolean",
            "int32" or "int" or "i4" => "int32",
            "int64" or "long" or "i8" => "int64",
            _ => s.Replace("vector<", "", StringComparison.Ordinal).Replace(">", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal),
        };
    }

    /// <summary>
    /// Differences between the evidence's schema and the model's: every evidence input must be an input of the
    /// model with the same type, every evidence output an output of it. Empty when they agree.
    /// </summary>
    public static IReadOnlyList<string> Disagreements(ModelSchema evidence, ModelSchema model)
    {
        var problems = new List<string>();
        void Check(IReadOnlyList<SchemaColumn> claimed, IReadOnlyList<SchemaColumn> actual, string what)
        {
            foreach (var c in claimed)
            {
                var m = actual.FirstOrDefault(a => a.Name == c.Name);
                if (m is null) problems.Add($"{what} '{c.Name}' is not in the model");
                else if (!SameType(c.Type, m.Type)) problems.Add($"{what} '{c.Name}' is {c.Type} in the evidence but {m.Type} in the model");
            }
        }
        Check(evidence.Inputs, model.Inputs, "input");
        Check(evidence.Outputs, model.Outputs, "output");
        return problems;
    }

    private static string? LoaderAssembly(ZipArchiveEntry entry)
    {
        if (entry.Length < HeaderSize || entry.Length > 64L * 1024 * 1024) return null;
        byte[] bytes;
        using (var s = entry.Open())
        using (var ms = new MemoryStream())
        {
            s.CopyTo(ms);
            bytes = ms.ToArray();
        }
        if (!bytes.AsSpan(0, HeaderSignature.Length).SequenceEqual(HeaderSignature)) return null;
        var fp = BitConverter.ToInt64(bytes, AssemblyNameOffset);
        var cb = BitConverter.ToUInt32(bytes, AssemblyNameSize);
        if (fp <= 0 || cb == 0 || fp + cb > bytes.Length) return null;
        var full = Encoding.Unicode.GetString(bytes, (int)fp, (int)cb);
        var comma = full.IndexOf(',', StringComparison.Ordinal);
        return (comma < 0 ? full : full[..comma]).Trim();
    }
}
