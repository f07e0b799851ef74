using System.CommandLine;

namespace MlBuild.Cli.Commands.Registry;

/// <summary><c>dotnet ml register NAME MODEL [--evidence DIR]</c>: a new version with its evidence and lineage.</summary>
internal static class RegisterCommand
{
    public static Command Create(CliContext context)
    {
        var name = new Argument<string>("name") { Description = "Model name." };
        var model = new Argument<string>("model") { Description = "The model file (for example model.zip)." };
        var evidence = new Option<string>("--evidence") { Description = "Folder with metrics.json, gates.json, schema.json, model card..." };
        var registry = RegistryCommands.RegistryOption();
        var reason = RegistryCommands.ReasonOption();
        var key = RegistryCommands.SigningKeyOption();
        var cmd = new Command("register", "Register a new version of a model, with its evidence and lineage.")
        {
            name, model, evidence, registry, reason, key,
        };
        cmd.SetAction(parse => RegistryCommands.Run(context, () =>
        {
            var reg = RegistryCommands.Open(context, parse, registry, key);
            var notices = new List<MlBuild.Core.Diagnostics.MlDiagnostic>();
            var e = reg.Register(parse.GetValue(name)!, RegistryCommands.Resolve(context, parse.GetValue(model))!,
                RegistryCommands.Resolve(context, parse.GetValue(evidence)), parse.GetValue(reason), notices.Add);
            RegistryCommands.Notices(context, notices);
            context.Out.WriteLine(notices.Any(d => d.Code == MlBuild.Core.Diagnostics.DiagnosticCodes.AlreadyRegistered)
                ? $"Already registered as {e.Model}@{RegistryCommands.V(e.Version)} (model {e.Artifact!.Digest}, event {e.Seq}); nothing recorded."
                : $"Registered {e.Model}@{RegistryCommands.V(e.Version)} (model {e.Artifact!.Digest}, event {e.Seq}).");
            return 0;
        }));
        return cmd;
    }
}
