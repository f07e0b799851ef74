using System.Globalization;
using System.Text.Json;
using MlBuild.Core.Diagnostics;
using MlBuild.Core.Models;

namespace MlBuild.Core.Registry;

/// <summary>
/// What register reads from an evidence folder. All files are stored as blobs; these are also read:
/// <c>metrics.json</c> (<c>metrics</c>, <c>parameters</c>, <c>seed</c>, <c>gates</c>, <c>baseline</c>,
/// <c>datasets</c>, <c>mlnetVersion</c>), <c>gates.json</c> and <c>schema.json</c>
/// (<c>{"inputs":[{"name":"x","type":"Single"}],"outputs":[...]}</c>).
/// </summary>
public sealed class Evidence
{
    /// <summary>Files of the folder, relative and '/'-separated, sorted ordinally.</summary>
    public IReadOnlyList<(string Relative, string FullPath)> Files { get; private init; } = [];
    /// <summary>Metrics.</summary>
    public SortedDictionary<string, MetricValue>? Metrics { get; private set; }
    /// <summary>Gate verdicts.</summary>
    public SortedDictionary<string, Verdict>? Gates { get; private set; }
    /// <summary>Model schema.</summary>
    public ModelSchema? Schema { get; private set; }
    /// <summary>Pipeline parameters.</summary>
    public JsonElement? Parameters { get; private set; }
    /// <summary>Seed.</summary>
    public long? Seed { get; private set; }
    /// <summary>Baseline the version was compared with.</summary>
    public string? Baseline { get; private set; }
    /// <summary>ML.NET version from the evidence.</summary>
    public string? MlNetVersion { get; private set; }
    /// <summary>Datasets (name, path) named in the evidence.</summary>
    public IReadOnlyList<(string Name, string Path)> Datasets { get; private set; } = [];

    // Every file under dir, refusing symbolic links that lead outside it: evidence ships in packages, so a link to
    // ~/.ssh/id_rsa must never be read as evidence. Linked folders are not entered unless they stay inside.
    private static List<string> FilesInside(string dir)
    {
        var root = Path.GetFullPath(dir);
        var realRoot = new DirectoryInfo(root).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? root;
        bool Inside(string path) =>
            path.StartsWith(realRoot.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal)
            || path.StartsWith(root.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal);
        var result = new List<string>();
        var pending = new Stack<string>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            foreach (var entry in new DirectoryInfo(pending.Pop()).EnumerateFileSystemInfos())
            {
                if (entry.LinkTarget is not null)
                {
                    var target = entry.ResolveLinkTarget(returnFinalTarget: true);
                    if (target is null || !target.Exists || !Inside(Path.GetFullPath(target.FullName)))
                        throw RegistryCodes.Error(RegistryCodes.EvidenceInvalid,
                            $"Evidence '{Path.GetRelativePath(root, entry.FullName)}' is a symbolic link to '{entry.LinkTarget}', outside the evidence folder: copy the file in instead.", entry.FullName);
                    if (target is DirectoryInfo) continue; // its files are reached through the folder it points to
                }
                if (entry is DirectoryInfo d) pending.Push(d.FullName);
                else result.Add(entry.FullName);
            }
        }
        return result;
    }

    /// <summary>Reads an evidence folder; a missing folder or malformed JSON is MLB6004.</summary>
    public static Evidence Read(string dir)
    {
        if (!Directory.Exists(dir))
            throw RegistryCodes.Error(RegistryCodes.EvidenceInvalid, $"Evidence folder '{dir}' does not exist.", dir);
        var files = FilesInside(dir)
            .Select(f => (Relative: Path.GetRelativePath(dir, f).Replace(Path.DirectorySeparatorChar, '/'), FullPath: f))
            .Where(f => !f.Relative.Split('/').Any(p => p.StartsWith('.')))
            .OrderBy(f => f.Relative, StringComparer.Ordinal)
            .ToList();
        var ev = new Evidence { Files = files };
        var metricsPath = Path.Combine(dir, "metrics.json");
        if (File.Exists(metricsPath)) ev.ReadMetrics(metricsPath);
        var gatesPath = Path.Combine(dir, "gates.json");
        if (File.Exists(gatesPath))
            WithJson(gatesPath, root => ev.Gates = ReadGates(root.TryGetProperty("gates", out var g) ? g : root, gatesPath));
        var schemaPath = Path.Combine(dir, "schema.json");
        if (File.Exists(schemaPath)) WithJson(schemaPath, root => ev.Schema = ReadSchema(root, schemaPath));
        return ev;
    }

    private void ReadMetrics(string path) => WithJson(path, root =>
    {
        if (root.ValueKind != JsonValueKind.Object) throw Bad(path, "the root must be an object");
        if (root.TryGetProperty("metrics", out var m) && m.ValueKind == JsonValueKind.Object)
        {
            Metrics = [];
            foreach (var p in m.EnumerateObject())
            {
                if (p.Value.ValueKind == JsonValueKind.Number) Metrics[p.Name] = new MetricValue(p.Value.GetDouble());
                else if (p.Value.ValueKind == JsonValueKind.Object && p.Value.TryGetProperty("value", out var v) && v.ValueKind == JsonValueKind.Number)
                    Metrics[p.Name] = new MetricValue(v.GetDouble(), Num(p.Value, "low", "lower"), Num(p.Value, "high", "upper"))
                    { Direction = Direction(p.Value, path, p.Name) };
                // An undefined metric (precision with no positive prediction): `dotnet ml train` writes its value as null.
                else if (p.Value.ValueKind == JsonValueKind.Object && p.Value.TryGetProperty("value", out var u) && u.ValueKind == JsonValueKind.Null) continue;
                else throw Bad(path, $"metric '{p.Name}' must be a number or {{\"value\":...,\"low\":...,\"high\":...,\"direction\":\"higher\"|\"lower\"}}");
            }
        }
        if (root.TryGetProperty("parameters", out var prm)) Parameters = prm.Clone();
        if (root.TryGetProperty("seed", out var seed))
            Seed = seed.ValueKind == JsonValueKind.Number && seed.TryGetInt64(out var s) ? s : throw Bad(path, "'seed' must be an integer");
        if (root.TryGetProperty("gates", out var gates)) Gates = ReadGates(gates, path);
        if (root.TryGetProperty("baseline", out var b))
            Baseline = b.ValueKind == JsonValueKind.String ? b.GetString() : b.GetRawText();
        if (root.TryGetProperty("mlnetVersion", out var ml) && ml.ValueKind == JsonValueKind.String) MlNetVersion = ml.GetString();
        if (root.TryGetProperty("datasets", out var ds))
        {
            var list = new List<(string, string)>();
            if (ds.ValueKind == JsonValueKind.Array)
                foreach (var d in ds.EnumerateArray())
                {
                    var p = d.TryGetProperty("path", out var pp) ? pp.GetString() : null;
                    if (string.IsNullOrEmpty(p)) throw Bad(path, "each dataset needs a 'path'");
                    list.Add((d.TryGetProperty("name", out var n) ? n.GetString() ?? p : p, p));
                }
            else if (ds.ValueKind == JsonValueKind.Object)
                foreach (var d in ds.EnumerateObject())
                {
                    var p = d.Value.ValueKind == JsonValueKind.String ? d.Value.GetString()
                        : d.Value.TryGetProperty("path", out var pp) ? pp.GetString() : null;
                    if (string.IsNullOrEmpty(p)) throw Bad(path, $"dataset '{d.Name}' needs a 'path'");
                    list.Add((d.Name, p));
                }
            else throw Bad(path, "'datasets' must be an array or an object");
            Datasets = list;
        }
    });

    private static double? Num(JsonElement e, string a, string b) =>
        e.TryGetProperty(a, out var x) && x.ValueKind == JsonValueKind.Number ? x.GetDouble()
        : e.TryGetProperty(b, out var y) && y.ValueKind == JsonValueKind.Number ? y.GetDouble() : null;

    private static MetricDirection? Direction(JsonElement metric, string path, string name)
    {
        if (!metric.TryGetProperty("direction", out var d)) return null;
        return MetricDirections.ParseDirection(d.ValueKind == JsonValueKind.String ? d.GetString() : null)
            ?? throw Bad(path, $"metric '{name}' has direction {d.GetRawText()}; expected \"higher\" or \"lower\"");
    }

    private static SortedDictionary<string, Verdict> ReadGates(JsonElement gates, string path)
    {
        var result = new SortedDictionary<string, Verdict>();
        if (gates.ValueKind == JsonValueKind.Object)
            foreach (var g in gates.EnumerateObject())
                result[g.Name] = ParseVerdict(g.Value.ValueKind == JsonValueKind.String ? g.Value.GetString()
                    : g.Value.ValueKind == JsonValueKind.Object && g.Value.TryGetProperty("verdict", out var v) ? v.GetString() : null, path, g.Name);
        else if (gates.ValueKind == JsonValueKind.Array)
            foreach (var g in gates.EnumerateArray())
            {
                var name = g.TryGetProperty("name", out var n) ? n.GetString() : g.TryGetProperty("gate", out var n2) ? n2.GetString() : null;
                if (string.IsNullOrEmpty(name)) throw Bad(path, "each gate needs a 'name'");
                var verdict = g.TryGetProperty("verdict", out var v) ? v.GetString() : g.TryGetProperty("status", out var s) ? s.GetString() : null;
                result[name] = ParseVerdict(verdict, path, name);
            }
        else throw Bad(path, "'gates' must be an object or an array");
        return result;
    }

    private static Verdict ParseVerdict(string? v, string path, string gate) =>
        GateVerdicts.Parse(v) ?? throw Bad(path, $"gate '{gate}' has verdict '{v}'; expected PASS, FAIL or INCONCLUSIVE (or WARN, SKIPPED, ERROR)");

    private static ModelSchema ReadSchema(JsonElement root, string path)
    {
        static List<SchemaColumn> Cols(JsonElement root, string prop, string path)
        {
            var list = new List<SchemaColumn>();
            if (!root.TryGetProperty(prop, out var arr)) return list;
            if (arr.ValueKind != JsonValueKind.Array) throw Bad(path, $"'{prop}' must be an array");
            foreach (var c in arr.EnumerateArray())
            {
                var name = c.TryGetProperty("name", out var n) ? n.GetString() : null;
                var type = c.TryGetProperty("type", out var t) ? t.GetString() : null;
                if (string.IsNullOrEmpty(name) || string.IsNullOrEmpty(type)) throw Bad(path, $"each column of '{prop}' needs 'name' and 'type'");
                list.Add(new SchemaColumn(name, type));
            }
            return list;
        }
        return new ModelSchema(Cols(root, "inputs", path), Cols(root, "outputs", path));
    }

    private static void WithJson(string path, Action<JsonElement> read)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            read(doc.RootElement);
        }
        catch (JsonException ex)
        {
            throw RegistryCodes.Error(RegistryCodes.EvidenceInvalid,
                $"'{Path.GetFileName(path)}' is not valid JSON: {ex.Message}", path);
        }
        catch (InvalidOperationException ex)
        {
            throw RegistryCodes.Error(RegistryCodes.EvidenceInvalid, $"'{Path.GetFileName(path)}' has an unexpected shape: {ex.Message}", path);
        }
    }

    private static Exception Bad(string path, string what) =>
        RegistryCodes.Error(RegistryCodes.EvidenceInvalid, $"'{Path.GetFileName(path)}': {what}.", path);

    internal static string Invariant(double d) => d.ToString("R", CultureInfo.InvariantCulture);
}
