using System.CommandLine;
using MlBuild.Core.Diagnostics;
using MlBuild.Core.Registry;

namespace MlBuild.Cli.Commands.Registry;

/// <summary><c>dotnet ml verify</c>: re-hashes every blob and the event chain; names anything missing or altered.</summary>
internal static class VerifyCommand
{
    public static Command Create(CliContext context)
    {
        var registry = RegistryCommands.RegistryOption();
        var trust = new Option<string>("--trust")
        {
            Description = $"Trusted public keys (default {TrustedKeys.FileName} in the working directory, if present): every signature is checked.",
        };
        var package = new Option<string>("--package") { Description = "Check a .nupkg made by 'dotnet ml package' (digests and signature) instead of the registry." };
        var extract = new Option<string>("--extract") { Description = "With --package: after a successful check, write the package's files into this folder (paths checked to stay inside it)." };
        var policy = RegistryCommands.PolicyOption();
        var cmd = new Command("verify", "Check the registry: event chain, rules, policy, blobs, signatures, head and snapshots.") { registry, trust, policy, package, extract };
        cmd.SetAction(parse => RegistryCommands.Run(context, () =>
        {
            var store = RegistryCommands.OpenStore(context, parse.GetValue(registry));
            var given = parse.GetValue(trust);
            var trustPath = RegistryCommands.Resolve(context, given) ?? Path.Combine(context.WorkingDirectory, TrustedKeys.FileName);
            if (given is not null && !File.Exists(trustPath))
                throw RegistryCodes.Error(RegistryCodes.TrustFileInvalid, $"Trusted keys file '{given}' does not exist.", given);
            var keys = TrustedKeys.Load(trustPath);
            if (parse.GetValue(package) is { } pkg)
            {
                var problems = NuGetPackager.Verify(RegistryCommands.Resolve(context, pkg)!, keys);
                var diagnostics = problems.Select(p => new MlDiagnostic(RegistryCodes.PackageDigestMismatch, MlSeverity.Error, $"Package {p}.", pkg)).ToList();
                var signed = problems.Count == 0 && ProvenanceCheck.IsSignedPackage(RegistryCommands.Resolve(context, pkg)!);
                if (problems.Count == 0 && !signed)
                    diagnostics.Add(new MlDiagnostic(DiagnosticCodes.PackageUnsigned, MlSeverity.Warning,
                        "Package is not signed (no mlbuild/provenance.sig): its digests show it is intact, not who made it.", pkg));
                foreach (var d in diagnostics)
                    context.Error.WriteLine(d.ToCanonicalString());
                context.Out.WriteLine(problems.Count == 0
                    ? $"Verified package {Path.GetFileName(pkg)}: digests OK, {(signed ? keys is null ? "signed, signature not checked (no trusted keys: pass --trust)" : $"signature OK against {keys.Count} trusted key(s)" : "unsigned")}."
                    : $"Package verification failed: {problems.Count} problem(s).");
                if (problems.Count == 0 && parse.GetValue(extract) is { } dir)
                {
                    var files = NuGetPackager.Extract(RegistryCommands.Resolve(context, pkg)!, RegistryCommands.Resolve(context, dir)!, keys);
                    context.Out.WriteLine($"Extracted {files.Count} file(s) into {dir}.");
                }
                return (int)Verdicts.ExitCode(diagnostics);
            }
            if (!store.Exists())
                throw RegistryCodes.Error(RegistryCodes.NoRegistry, $"No registry at '{store.Description}'. Pass --registry.");
            var report = RegistryVerifier.Verify(store, keys, RegistryCommands.LoadPolicy(context, parse.GetValue(policy)));
            foreach (var d in report.Diagnostics)
                (d.Severity == MlSeverity.Error ? context.Error : context.Out).WriteLine(d.ToCanonicalString());
            var errors = report.Diagnostics.Count(d => d.Severity == MlSeverity.Error);
            context.Out.WriteLine(report.Ok
                ? $"Verified {report.Events} event(s) and {report.Blobs} blob(s){(keys is null ? "" : $", signatures against {keys.Count} trusted key(s)")}: OK."
                : $"Verify failed: {errors} problem(s) in {report.Events} event(s) and {report.Blobs} blob(s).");
            return (int)Verdicts.ExitCode(report.Diagnostics);
        }));
        return cmd;
    }
}
