using System.CommandLine;
using System.Text.Json;

namespace MlBuild.Cli.Commands.Registry;

/// <summary><c>dotnet ml list</c>: every model with its latest version and aliases.</summary>
internal static class ListCommand
{
    public static Command Create(CliContext context)
    {
        var registry = RegistryCommands.RegistryOption();
        var json = RegistryCommands.JsonOption();
        var cmd = new Command("list", "List the registered models, their latest versions and aliases.") { registry, json };
        cmd.SetAction(parse => RegistryCommands.Run(context, () =>
        {
            var reg = RegistryCommands.Open(context, parse, registry);
            var state = reg.State;
            if (parse.GetValue(json))
            {
                var items = state.Models.Select(m => new
                {
                    name = m.Key,
                    latest = m.Value.Latest,
                    aliases = m.Value.Aliases.Where(a => a.Value.Count > 0).ToDictionary(a => a.Key, a => a.Value[^1]),
                });
                context.Out.WriteLine(JsonSerializer.Serialize(items, JsonOpts.Indented));
                return 0;
            }
            if (state.Models.Count == 0)
            {
                context.Out.WriteLine("No models registered.");
                return 0;
            }
            var width = Math.Max(5, state.Models.Keys.Max(k => k.Length));
            context.Out.WriteLine($"{"MODEL".PadRight(width)}  LATEST  ALIASES");
            foreach (var (name, m) in state.Models)
            {
                var aliases = string.Join(" ", m.Aliases.Where(a => a.Value.Count > 0).Select(a => $"{a.Key}={a.Value[^1]}"));
                context.Out.WriteLine($"{name.PadRight(width)}  {RegistryCommands.V(m.Latest),6}  {aliases}".TrimEnd());
            }
            return 0;
        }));
        return cmd;
    }
}

internal static class JsonOpts
{
    public static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
        TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver(),
    };
}
