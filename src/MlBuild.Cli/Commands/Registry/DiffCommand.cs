using System.CommandLine;
using MlBuild.Core.Models;
using MlBuild.Core.Registry;

namespace MlBuild.Cli.Commands.Registry;

/// <summary><c>dotnet ml diff NAME A B</c>: metrics, schema and lineage of two versions side by side.</summary>
internal static class DiffCommand
{
    public static Command Create(CliContext context)
    {
        var name = new Argument<string>("name") { Description = "Model name." };
        var a = new Argument<string>("a") { Description = "First version or alias." };
        var b = new Argument<string>("b") { Description = "Second version or alias." };
        var registry = RegistryCommands.RegistryOption();
        var cmd = new Command("diff", "Compare two versions: metrics, schema, lineage.") { name, a, b, registry };
        cmd.SetAction(parse => RegistryCommands.Run(context, () =>
        {
            var reg = RegistryCommands.Open(context, parse, registry);
            var n = parse.GetValue(name)!;
            var (va, ea) = reg.Resolve(RegistryNames.ParseReference($"{n}@{parse.GetValue(a)}"));
            var (vb, eb) = reg.Resolve(RegistryNames.ParseReference($"{n}@{parse.GetValue(b)}"));
            var o = context.Out;
            RegistryCommands.Print(o, $"{n}: {va} -> {vb}");
            RegistryCommands.Print(o, ea.Artifact!.Digest == eb.Artifact!.Digest ? "  model: identical" : $"  model: {ea.Artifact.Digest} -> {eb.Artifact.Digest}");
            var names = (ea.Metrics?.Keys ?? Enumerable.Empty<string>()).Union(eb.Metrics?.Keys ?? Enumerable.Empty<string>()).Order(StringComparer.Ordinal);
            foreach (var m in names)
            {
                MetricValue? x = null, y = null;
                ea.Metrics?.TryGetValue(m, out x);
                eb.Metrics?.TryGetValue(m, out y);
                var delta = x is not null && y is not null ? $" ({(y.Value - x.Value >= 0 ? "+" : "")}{RegistryCommands.Num(y.Value - x.Value)})" : "";
                RegistryCommands.Print(o, $"  metric {m}: {(x is null ? "-" : RegistryCommands.Num(x.Value))} -> {(y is null ? "-" : RegistryCommands.Num(y.Value))}{delta}");
            }
            var gates = (ea.Gates?.Keys ?? Enumerable.Empty<string>()).Union(eb.Gates?.Keys ?? Enumerable.Empty<string>()).Order(StringComparer.Ordinal);
            foreach (var g in gates)
            {
                var x = ea.Gates is not null && ea.Gates.TryGetValue(g, out var vx) ? vx.RegistryWord() : null;
                var y = eb.Gates is not null && eb.Gates.TryGetValue(g, out var vy) ? vy.RegistryWord() : null;
                if (x != y) RegistryCommands.Print(o, $"  gate {g}: {x ?? "-"} -> {y ?? "-"}");
            }
            var change = SchemaDiff.Compare(ea.Schema, eb.Schema);
            RegistryCommands.Print(o, $"  schema: {change.Kind.ToString().ToLowerInvariant()}{(change.Details.Count > 0 ? " (" + string.Join("; ", change.Details) + ")" : "")}");
            Line(o, "git", ea.Lineage?.GitCommit, eb.Lineage?.GitCommit);
            Line(o, "seed", ea.Lineage?.Seed?.ToString(System.Globalization.CultureInfo.InvariantCulture), eb.Lineage?.Seed?.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Line(o, "parameters", ea.Lineage?.Parameters?.GetRawText(), eb.Lineage?.Parameters?.GetRawText());
            Line(o, "ml.net", ea.Lineage?.MlNetVersion, eb.Lineage?.MlNetVersion);
            var da = (ea.Lineage?.Datasets ?? []).ToDictionary(d => d.Name, d => d.Digest);
            var db = (eb.Lineage?.Datasets ?? []).ToDictionary(d => d.Name, d => d.Digest);
            foreach (var d in da.Keys.Union(db.Keys).Order(StringComparer.Ordinal))
                Line(o, $"dataset {d}", da.GetValueOrDefault(d), db.GetValueOrDefault(d));
            return 0;
        }));
        return cmd;
    }

    private static void Line(TextWriter o, string what, string? x, string? y)
    {
        if (x != y) RegistryCommands.Print(o, $"  {what}: {x ?? "-"} -> {y ?? "-"}");
    }
}
