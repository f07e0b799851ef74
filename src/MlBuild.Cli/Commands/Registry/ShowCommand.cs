using System.CommandLine;
using System.Text.Json;
using MlBuild.Core.Registry;

namespace MlBuild.Cli.Commands.Registry;

/// <summary><c>dotnet ml show NAME[@VERSION|@ALIAS]</c>: one version with its evidence and lineage.</summary>
internal static class ShowCommand
{
    public static Command Create(CliContext context)
    {
        var reference = new Argument<string>("model") { Description = "NAME, NAME@VERSION or NAME@ALIAS (NAME alone: the latest version)." };
        var registry = RegistryCommands.RegistryOption();
        var json = RegistryCommands.JsonOption();
        var cmd = new Command("show", "Show one model version: files, metrics, gates, schema, lineage, aliases, approvals.") { reference, registry, json };
        cmd.SetAction(parse => RegistryCommands.Run(context, () =>
        {
            var reg = RegistryCommands.Open(context, parse, registry);
            var r = RegistryNames.ParseReference(parse.GetValue(reference)!);
            var (version, e) = reg.Resolve(r);
            var model = reg.State.Models[r.Name];
            var vs = model.Versions[version];
            var aliases = model.Aliases.Where(a => a.Value.Count > 0 && a.Value[^1] == version).Select(a => a.Key).ToList();
            if (parse.GetValue(json))
            {
                context.Out.WriteLine(JsonSerializer.Serialize(new { registered = e, aliases, approvals = vs.Approvals }, JsonOpts.Indented));
                return 0;
            }
            Write(context.Out, e, aliases, vs);
            return 0;
        }));
        return cmd;
    }

    internal static void Write(TextWriter o, RegistryEvent e, IReadOnlyList<string> aliases, VersionState vs)
    {
        o.WriteLine($"{e.Model}@{e.Version}");
        o.WriteLine($"  registered: {e.Time} by {e.Actor} (event {e.Seq})");
        if (e.Reason is not null) o.WriteLine($"  reason:     {e.Reason}");
        o.WriteLine($"  model:      {e.Artifact!.Path} {e.Artifact.Digest} ({e.Artifact.Size} bytes)");
        o.WriteLine($"  aliases:    {(aliases.Count == 0 ? "(none)" : string.Join(", ", aliases))}");
        if (vs.Approvals.Count > 0)
            o.WriteLine($"  approvals:  {string.Join("; ", vs.Approvals.Select(a => $"{a.Key}: {string.Join(", ", a.Value)}"))}");
        var l = e.Lineage;
        if (l is not null)
        {
            o.WriteLine($"  git:        {l.GitCommit ?? "(unknown)"}{(l.GitDirty == true ? " (dirty)" : "")}");
            o.WriteLine($"  versions:   mlbuild {l.MlBuildVersion ?? "?"}, ml.net {l.MlNetVersion ?? "(unknown)"}");
            if (l.Seed is not null) o.WriteLine($"  seed:       {l.Seed}");
            if (l.Parameters is { } p) o.WriteLine($"  parameters: {p.GetRawText()}");
            if (l.Baseline is not null) o.WriteLine($"  baseline:   {l.Baseline}");
            foreach (var d in l.Datasets ?? [])
                o.WriteLine($"  dataset:    {d.Name} {d.Path} {d.Digest ?? "(not found at registration)"}");
        }
        foreach (var (name, m) in e.Metrics ?? [])
            o.WriteLine($"  metric:     {name} = {RegistryCommands.Num(m.Value)}{(m.Low is not null && m.High is not null ? $" [{RegistryCommands.Num(m.Low.Value)}, {RegistryCommands.Num(m.High.Value)}]" : "")}");
        foreach (var (name, verdict) in e.Gates ?? [])
            o.WriteLine($"  gate:       {name} {verdict.RegistryWord()}");
        if (e.Schema is { } s)
        {
            o.WriteLine($"  inputs:     {string.Join(", ", s.Inputs.Select(c => $"{c.Name}:{c.Type}"))}");
            o.WriteLine($"  outputs:    {string.Join(", ", s.Outputs.Select(c => $"{c.Name}:{c.Type}"))}");
        }
        foreach (var f in e.Evidence ?? [])
            o.WriteLine($"  evidence:   {f.Path} {f.Digest} ({f.Size} bytes)");
    }
}
