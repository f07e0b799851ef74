using MlBuild.Core.Diagnostics;
using NuGet.Versioning;

namespace MlBuild.Core.Registry;

/// <summary>A NuGet dependency of a model package.</summary>
/// <param name="Id">Package id, for example <c>Microsoft.ML</c>.</param>
/// <param name="Version">Lowest version (normalized).</param>
public sealed record PackageDependency(string Id, string Version);

/// <summary>What packing a version found: its model zip, the dependencies a consumer needs, and notices to print.</summary>
/// <param name="Zip">The model zip's own record, or null when the model is not an ML.NET zip.</param>
/// <param name="Dependencies">NuGet dependencies, sorted by id.</param>
/// <param name="Notices">Warnings for the user (never errors: those are thrown).</param>
public sealed record ModelPackagePlan(ModelZipInfo? Zip, IReadOnlyList<PackageDependency> Dependencies, IReadOnlyList<MlDiagnostic> Notices);

/// <summary>
/// Decides whether a registered model can be shipped as a package a project can consume: an ML.NET zip must load
/// with ML.NET, name the ML.NET version that saved it, use only components whose NuGet package is known, and agree
/// with the schema its evidence claims. Anything else is refused (MLB6047, MLB6046) before a byte is written.
/// </summary>
public static class ModelPackageCheck
{
    // Assemblies of the Microsoft.ML package itself.
    private static readonly HashSet<string> CoreAssemblies = new(StringComparer.Ordinal)
    {
        "Microsoft.ML", "Microsoft.ML.Core", "Microsoft.ML.Data", "Microsoft.ML.DataView", "Microsoft.ML.CpuMath",
        "Microsoft.ML.StandardTrainers", "Microsoft.ML.Transforms", "Microsoft.ML.KMeansClustering", "Microsoft.ML.PCA",
    };

    // Component packages released with Microsoft.ML under the same version number.
    private static readonly HashSet<string> SameVersionPackages = new(StringComparer.Ordinal)
    {
        "Microsoft.ML.FastTree", "Microsoft.ML.LightGbm", "Microsoft.ML.Mkl.Components", "Microsoft.ML.TimeSeries",
        "Microsoft.ML.OnnxTransformer", "Microsoft.ML.ImageAnalytics", "Microsoft.ML.TensorFlow", "Microsoft.ML.Vision",
    };

    /// <summary>Checks version <paramref name="e"/> of the registry; throws MLB6047/MLB6046 when its package could not be consumed.</summary>
    public static ModelPackagePlan Plan(ModelRegistry registry, RegistryEvent e)
    {
        var digest = e.Artifact!.Digest;
        string? temp = null;
        try
        {
            Func<Stream> open = () => registry.OpenBlob(digest);
            using (var probe = open())
            {
                if (!probe.CanSeek)
                {
                    // A zip is read from its end: a store that streams (Azure) is copied to a local file first.
                    temp = Path.Combine(Path.GetTempPath(), "mlbuild-model-" + Guid.NewGuid().ToString("N") + ".zip");
                    using var to = File.Create(temp);
                    probe.CopyTo(to);
                }
            }
            if (temp is not null) { var t = temp; open = () => File.OpenRead(t); }
            return Plan(e, open);
        }
        finally
        {
            if (temp is not null) try { File.Delete(temp); } catch (IOException) { }
        }
    }

    private static ModelPackagePlan Plan(RegistryEvent e, Func<Stream> open)
    {
        var label = $"{e.Model}@{e.Version} ({e.Artifact!.Path})";
        if (!ModelZipInspector.IsMlNetZip(open))
            return new ModelPackagePlan(null, [], [new MlDiagnostic(DiagnosticCodes.PackageUnchecked, MlSeverity.Warning,
                $"{label} is not an ML.NET model zip: it is packaged as a plain content file, with no dependency, and nothing checked that it loads.")]);
        var zip = ModelZipInspector.Inspect(open);
        if (zip.LoadError is { } why)
            throw Refuse($"{label} does not load with ML.NET {LineageProbe.LoadedMlNetVersion() ?? ""}".TrimEnd() + $" ({why}); a package of it could not be used, so none was written.");
        var recorded = zip.MlNetVersion ?? e.Lineage?.MlNetVersion;
        if (recorded is null || !NuGetVersion.TryParse(recorded, out var mlnet))
            throw Refuse($"{label} does not say which ML.NET version saved it (no {ModelZipInspector.VersionEntry} in the zip{(recorded is null ? "" : $", and '{recorded}' in the evidence is not a version")}); a package needs it for its Microsoft.ML dependency, so none was written.");
        var ids = new SortedSet<string>(StringComparer.Ordinal) { "Microsoft.ML" };
        foreach (var a in zip.ComponentAssemblies)
        {
            if (CoreAssemblies.Contains(a)) continue;
            if (SameVersionPackages.Contains(a)) { ids.Add(a); continue; }
            throw Refuse($"{label} needs the component assembly '{a}', which MlBuild cannot map to a NuGet package; a package without it would not load, so none was written.");
        }
        if (e.Schema is { } claimed && zip.Schema is { } actual && ModelZipInspector.Disagreements(claimed, actual) is { Count: > 0 } problems)
            throw RegistryCodes.Error(DiagnosticCodes.EvidenceSchemaMismatch,
                $"The evidence of {label} describes another model: {string.Join("; ", problems)}. No package was written.");
        var version = mlnet.ToNormalizedString();
        return new ModelPackagePlan(zip, [.. ids.Select(id => new PackageDependency(id, version))], []);
    }

    private static MlBuildException Refuse(string message) => RegistryCodes.Error(DiagnosticCodes.PackageWouldNotLoad, message);
}
