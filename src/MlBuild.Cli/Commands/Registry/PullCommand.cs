using System.CommandLine;
using MlBuild.Core.Diagnostics;
using MlBuild.Core.Registry;

namespace MlBuild.Cli.Commands.Registry;

/// <summary><c>dotnet ml pull REGISTRY/REPOSITORY[:TAG] --output DIR</c>: fetch an OCI artifact of 'package --oci' back, verified.</summary>
internal static class PullCommand
{
    public static Command Create(CliContext context)
    {
        var reference = new Argument<string>("reference") { Description = "REGISTRY/REPOSITORY[:TAG] of an artifact 'dotnet ml package --oci' pushed (default tag: latest)." };
        var output = new Option<string>("--output", "-o") { Description = "Folder to write the model, evidence/ and mlbuild/provenance.json into.", Required = true };
        var plainHttp = new Option<bool>("--plain-http") { Description = "Talk to the OCI registry over http (local registries only)." };
        var trust = new Option<string>("--trust")
        {
            Description = $"Trusted public keys (default {TrustedKeys.FileName} in the working directory, if present): the provenance signature must be from one of them.",
        };
        var cmd = new Command("pull", "Pull a model artifact from an OCI registry: every digest and the provenance are checked before a file is written.")
        {
            reference, output, plainHttp, trust,
        };
        cmd.SetAction(parse => RegistryCommands.Run(context, () =>
        {
            var given = parse.GetValue(trust);
            var trustPath = RegistryCommands.Resolve(context, given) ?? Path.Combine(context.WorkingDirectory, TrustedKeys.FileName);
            if (given is not null && !File.Exists(trustPath))
                throw RegistryCodes.Error(RegistryCodes.TrustFileInvalid, $"Trusted keys file '{given}' does not exist.", given);
            var keys = TrustedKeys.Load(trustPath);
            var dir = parse.GetValue(output)!;
            var r = OciPublisher.PullAsync(OciReference.Parse(parse.GetValue(reference)!), RegistryCommands.Resolve(context, dir)!,
                parse.GetValue(plainHttp), keys).GetAwaiter().GetResult();
            if (!r.Signed)
                context.Error.WriteLine(new MlDiagnostic(DiagnosticCodes.PackageUnsigned, MlSeverity.Warning,
                    $"{r.Reference} is not signed (no mlbuild/provenance.sig): its digests show it is intact, not who made it.").ToCanonicalString());
            RegistryCommands.Print(context.Out,
                $"Pulled {r.Reference} ({r.Model}@{r.Version}, package version {r.PackageVersion}; manifest {r.ManifestDigest}): " +
                $"{r.Files.Count} file(s) into {dir}, digests OK{(r.Signed ? keys is null ? ", signed (signature not checked: no trusted keys)" : $", signature OK against {keys.Count} trusted key(s)" : ", unsigned")}.");
            return 0;
        }));
        return cmd;
    }
}
