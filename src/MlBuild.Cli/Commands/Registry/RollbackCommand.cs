using System.CommandLine;

namespace MlBuild.Cli.Commands.Registry;

/// <summary><c>dotnet ml rollback NAME --alias ALIAS</c>: the alias goes back to its previous holder, read from the log.</summary>
internal static class RollbackCommand
{
    public static Command Create(CliContext context)
    {
        var name = new Argument<string>("name") { Description = "Model name." };
        var alias = new Option<string>("--alias") { Description = "Alias to roll back (for example prod).", Required = true };
        var registry = RegistryCommands.RegistryOption();
        var reason = RegistryCommands.ReasonOption();
        var key = RegistryCommands.SigningKeyOption();
        var cmd = new Command("rollback", "Move an alias back to its previous holder, recorded as an event.") { name, alias, registry, reason, key };
        cmd.SetAction(parse => RegistryCommands.Run(context, () =>
        {
            var reg = RegistryCommands.Open(context, parse, registry, key);
            var n = parse.GetValue(name)!;
            var a = parse.GetValue(alias)!;
            var r = reg.Rollback(n, a, parse.GetValue(reason));
            context.Out.WriteLine($"Rolled back {n}@{a} from {RegistryCommands.V(r.Previous)} to {RegistryCommands.V(r.Current)} (event {r.Event!.Seq}).");
            return 0;
        }));
        return cmd;
    }
}
