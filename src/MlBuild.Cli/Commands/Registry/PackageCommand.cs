using System.CommandLine;
using MlBuild.Core.Registry;

namespace MlBuild.Cli.Commands.Registry;

/// <summary><c>dotnet ml package NAME@VERSION --nuget DIR | --oci REF</c>: ship a model version as a NuGet package or an OCI artifact.</summary>
internal static class PackageCommand
{
    public static Command Create(CliContext context)
    {
        var reference = new Argument<string>("model") { Description = "NAME@VERSION or NAME@ALIAS." };
        var nuget = new Option<string>("--nuget") { Description = "Write a .nupkg into this folder (a local feed)." };
        var packageId = new Option<string>("--package-id") { Description = "NuGet package id (default MlBuild.Models.NAME)." };
        var oci = new Option<string>("--oci") { Description = "Push an OCI artifact to REGISTRY/REPOSITORY[:TAG] (default tag: the package version)." };
        var plainHttp = new Option<bool>("--plain-http") { Description = "Talk to the OCI registry over http (local registries only)." };
        var registry = RegistryCommands.RegistryOption();
        var key = RegistryCommands.SigningKeyOption();
        var cmd = new Command("package", "Package a model version with its evidence: NuGet (SemVer from the schema diff) or OCI artifact.")
        {
            reference, nuget, packageId, oci, plainHttp, registry, key,
        };
        cmd.SetAction(parse => RegistryCommands.Run(context, () =>
        {
            var reg = RegistryCommands.Open(context, parse, registry, key);
            var signer = RegistryCommands.Signer(context, parse, key);
            var r = RegistryNames.ParseReference(parse.GetValue(reference)!);
            var nugetDir = RegistryCommands.Resolve(context, parse.GetValue(nuget));
            var ociRef = parse.GetValue(oci);
            if (nugetDir is null && ociRef is null)
                throw RegistryCodes.Error(RegistryCodes.PackageFailed, "Say where the package goes: --nuget DIR or --oci REGISTRY/REPOSITORY[:TAG].");
            if (nugetDir is not null)
            {
                var notices = new List<MlBuild.Core.Diagnostics.MlDiagnostic>();
                var (path, version) = NuGetPackager.Pack(reg, r, nugetDir, parse.GetValue(packageId), signer, notices.Add);
                RegistryCommands.Notices(context, notices);
                var registered = reg.Resolve(r).Version;
                var id = Path.GetFileName(path)[..^($".{version.ToNormalizedString()}.nupkg".Length)];
                var deps = Dependencies(path);
                context.Out.WriteLine($"Packed {r.Name}@{RegistryCommands.V(registered)} as {id} {version.ToNormalizedString()} " +
                    $"({(deps.Count == 0 ? "no dependencies" : "depends on " + string.Join(", ", deps))}): {Path.Combine(parse.GetValue(nuget)!, Path.GetFileName(path))}" +
                    $"{(signer is null ? "" : ", provenance signed")}.");
            }
            if (ociRef is not null)
            {
                var pushed = OciPublisher.PushAsync(reg, r, OciReference.Parse(ociRef), parse.GetValue(plainHttp), signer).GetAwaiter().GetResult();
                context.Out.WriteLine($"Pushed {r.Name}@{RegistryCommands.V(reg.Resolve(r).Version)} as {pushed.Reference} (manifest {pushed.ManifestDigest}); pulled back and verified {pushed.Layers} layer(s).");
            }
            return 0;
        }));
        return cmd;
    }

    // "ID VERSION" of each dependency the written package declares, read back from its nuspec.
    private static List<string> Dependencies(string nupkg)
    {
        using var zip = System.IO.Compression.ZipFile.OpenRead(nupkg);
        var nuspec = zip.Entries.FirstOrDefault(e => !e.FullName.Contains('/') && e.Name.EndsWith(".nuspec", StringComparison.Ordinal));
        if (nuspec is null) return [];
        using var s = nuspec.Open();
        var doc = System.Xml.Linq.XDocument.Load(s);
        return [.. doc.Descendants().Where(e => e.Name.LocalName == "dependency")
            .Select(e => $"{(string?)e.Attribute("id")} {(string?)e.Attribute("version")}")];
    }
}
