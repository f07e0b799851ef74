using System.CommandLine;
using MlBuild.Core.Registry;

namespace MlBuild.Cli.Commands.Registry;

/// <summary><c>dotnet ml history NAME</c>: the audit log of a model: who, when, what, why.</summary>
internal static class HistoryCommand
{
    public static Command Create(CliContext context)
    {
        var name = new Argument<string>("name") { Description = "Model name." };
        var registry = RegistryCommands.RegistryOption();
        var cmd = new Command("history", "Show a model's audit log: who did what, when and why.") { name, registry };
        cmd.SetAction(parse => RegistryCommands.Run(context, () =>
        {
            var reg = RegistryCommands.Open(context, parse, registry);
            foreach (var e in reg.History(parse.GetValue(name)!))
                RegistryCommands.Print(context.Out, Line(e));
            return 0;
        }));
        return cmd;
    }

    internal static string Line(RegistryEvent e)
    {
        var what = e.Type switch
        {
            EventTypes.Register => $"register {e.Model}@{e.Version} {e.Artifact?.Digest}",
            EventTypes.Promote => $"promote  {e.Model}@{e.Version} to {e.Alias} (was {RegistryCommands.V(e.From)})",
            EventTypes.Rollback => $"rollback {e.Model}@{e.Alias} from {RegistryCommands.V(e.From)} to {e.Version}",
            EventTypes.Approve => $"approve  {e.Model}@{e.Version} for {e.Alias}",
            _ => e.Type,
        };
        return $"#{e.Seq} {e.Time} {e.Actor}: {what}{(e.Reason is null ? "" : $" \u2014 {e.Reason}")}";
    }
}
