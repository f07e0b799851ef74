using MlBuild.Core.Models;
using NuGet.Versioning;

namespace MlBuild.Core.Registry;

/// <summary>How a model's schema changed between two versions.</summary>
public enum SchemaChangeKind
{
    /// <summary>Same columns and types (or no schema recorded): a retrain.</summary>
    Unchanged,
    /// <summary>Columns were only added.</summary>
    Additive,
    /// <summary>An input or output column was removed or changed type.</summary>
    Breaking,
}

/// <summary>A schema comparison.</summary>
/// <param name="Kind">The overall kind.</param>
/// <param name="Details">What changed, one entry per column, in a stable order.</param>
public sealed record SchemaChange(SchemaChangeKind Kind, IReadOnlyList<string> Details);

/// <summary>Compares schemas and derives package versions from the changes (SemVer: major, minor, patch).</summary>
public static class SchemaDiff
{
    /// <summary>Compares the columns of two versions.</summary>
    public static SchemaChange Compare(ModelSchema? before, ModelSchema? after)
    {
        if (before is null || after is null)
            return new SchemaChange(SchemaChangeKind.Unchanged, before is null && after is null ? [] : ["schema recorded for only one version"]);
        var details = new List<string>();
        var kind = SchemaChangeKind.Unchanged;
        void Side(string side, IReadOnlyList<SchemaColumn> a, IReadOnlyList<SchemaColumn> b)
        {
            var mapA = a.ToDictionary(c => c.Name, c => c.Type, StringComparer.Ordinal);
            var mapB = b.ToDictionary(c => c.Name, c => c.Type, StringComparer.Ordinal);
            foreach (var (n, t) in mapA.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                if (!mapB.TryGetValue(n, out var t2)) { details.Add($"{side} '{n}' removed"); kind = SchemaChangeKind.Breaking; }
                else if (t2 != t) { details.Add($"{side} '{n}' type {t} -> {t2}"); kind = SchemaChangeKind.Breaking; }
            }
            foreach (var n in mapB.Keys.Except(mapA.Keys).Order(StringComparer.Ordinal))
            {
                details.Add($"{side} '{n}' added");
                if (kind == SchemaChangeKind.Unchanged) kind = SchemaChangeKind.Additive;
            }
        }
        Side("input", before.Inputs, after.Inputs);
        Side("output", before.Outputs, after.Outputs);
        return new SchemaChange(kind, details);
    }

    /// <summary>
    /// The package version of each registered version, in order: 1.0.0 for the first, then major on a breaking
    /// change, minor on an addition, patch on a retrain. Deterministic: the same log always gives the same numbers.
    /// </summary>
    public static IReadOnlyList<NuGetVersion> PackageVersions(IReadOnlyList<ModelSchema?> schemas)
    {
        var result = new List<NuGetVersion>();
        for (var i = 0; i < schemas.Count; i++)
        {
            if (i == 0) { result.Add(new NuGetVersion(1, 0, 0)); continue; }
            var p = result[^1];
            result.Add(Compare(schemas[i - 1], schemas[i]).Kind switch
            {
                SchemaChangeKind.Breaking => new NuGetVersion(p.Major + 1, 0, 0),
                SchemaChangeKind.Additive => new NuGetVersion(p.Major, p.Minor + 1, 0),
                _ => new NuGetVersion(p.Major, p.Minor, p.Patch + 1),
            });
        }
        return result;
    }
}
