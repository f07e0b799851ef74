using System.CommandLine;

namespace MlBuild.Cli.Commands.Registry;

/// <summary><c>dotnet ml approve NAME VERSION --for ALIAS</c>: records the current identity's approval.</summary>
internal static class ApproveCommand
{
    public static Command Create(CliContext context)
    {
        var name = new Argument<string>("name") { Description = "Model name." };
        var version = new Argument<string>("version") { Description = "Version to approve: a number, 'latest', or an alias it holds." };
        var alias = new Option<string>("--for") { Description = "Alias the approval is for.", Required = true };
        var registry = RegistryCommands.RegistryOption();
        var reason = RegistryCommands.ReasonOption();
        var key = RegistryCommands.SigningKeyOption();
        var cmd = new Command("approve", "Approve a version for an alias, as the identity from git config or the CI environment.")
        {
            name, version, alias, registry, reason, key,
        };
        cmd.SetAction(parse => RegistryCommands.Run(context, () =>
        {
            var reg = RegistryCommands.Open(context, parse, registry, key);
            var n = parse.GetValue(name)!;
            var v = RegistryCommands.ParseVersion(reg, n, parse.GetValue(version)!);
            var a = parse.GetValue(alias)!;
            var r = reg.Approve(n, v, a, parse.GetValue(reason));
            var count = reg.State.Models[n].Versions[v].Approvals.GetValueOrDefault(a)?.Count ?? 0;
            context.Out.WriteLine(r.Event is null
                ? $"{n}@{v} was already approved for {a} by this identity ({count} approval(s))."
                : $"Approved {n}@{v} for {a} as {r.Event.Actor} ({count} approval(s); event {r.Event.Seq}).");
            return 0;
        }));
        return cmd;
    }
}
