using System.CommandLine;
using MlBuild.Core.Registry;

namespace MlBuild.Cli.Commands.Registry;

/// <summary><c>dotnet ml promote NAME VERSION --to ALIAS</c>: moves an alias by compare-and-swap, under the policy.</summary>
internal static class PromoteCommand
{
    public static Command Create(CliContext context)
    {
        var name = new Argument<string>("name") { Description = "Model name." };
        var version = new Argument<string>("version") { Description = "Version to promote: a number, 'latest', or an alias it holds (for example staging)." };
        var force = new Option<bool>("--force")
        {
            Description = "Promote to prod although the version's evidence records a failing gate (FAIL or ERROR); recorded in the event. Never overrides the policy file.",
        };
        var to = new Option<string>("--to") { Description = "Alias to move (for example staging, prod).", Required = true };
        var expect = new Option<string>("--expect")
        {
            Description = "Move only if the alias is held by this version now ('none' if unset); default: the holder when the command starts.",
        };
        var manifest = new Option<string>("--update-manifest") { Description = "Deployment manifest (YAML) whose NAME@VERSION or NAME@sha256:... references to rewrite." };
        var registry = RegistryCommands.RegistryOption();
        var reason = RegistryCommands.ReasonOption();
        var key = RegistryCommands.SigningKeyOption();
        var policy = RegistryCommands.PolicyOption();
        var cmd = new Command("promote", "Move an alias to a version (compare-and-swap on the current holder), if the policy allows.")
        {
            name, version, to, expect, manifest, registry, reason, key, policy, force,
        };
        cmd.SetAction(parse => RegistryCommands.Run(context, () =>
        {
            var reg = RegistryCommands.Open(context, parse, registry, key, policy);
            var n = parse.GetValue(name)!;
            var v = RegistryCommands.ParseVersion(reg, n, parse.GetValue(version)!);
            var alias = parse.GetValue(to)!;
            int? expected = null;
            var expectText = parse.GetValue(expect);
            if (expectText is not null && expectText != "none")
                expected = RegistryNames.TryParseVersion(expectText) ?? throw RegistryCodes.Error(RegistryCodes.InvalidReference,
                    $"--expect '{expectText}' is not a version number or 'none'.");

            // Check the manifest before the event: a promotion that cannot update its manifest does not happen.
            var manifestPath = RegistryCommands.Resolve(context, parse.GetValue(manifest));
            string? manifestText = null;
            if (manifestPath is not null)
            {
                manifestText = ManifestUpdater.Read(manifestPath);
                ManifestUpdater.Rewrite(manifestText, n, v, "sha256:" + new string('0', 64), parse.GetValue(manifest)!);
            }
            var result = reg.Promote(n, v, alias, parse.GetValue(reason), expected, expectText is not null, parse.GetValue(force));
            RegistryCommands.Notices(context, result.Notices);
            context.Out.WriteLine(result.Event is null
                ? $"{n}@{alias} already is {v}; nothing recorded."
                : $"Promoted {n}@{v} to {alias} (was {RegistryCommands.V(result.Previous)}; event {result.Event.Seq}).");
            if (manifestPath is not null)
            {
                var digest = reg.Resolve(new ModelReference(n, v, null)).Registered.Artifact!.Digest;
                var updated = ManifestUpdater.Rewrite(manifestText!, n, v, digest, parse.GetValue(manifest)!);
                if (updated != manifestText)
                {
                    ManifestUpdater.Write(manifestPath, updated);
                    context.Out.WriteLine($"Updated {parse.GetValue(manifest)} to {n}@{v}.");
                }
            }
            return 0;
        }));
        return cmd;
    }
}
