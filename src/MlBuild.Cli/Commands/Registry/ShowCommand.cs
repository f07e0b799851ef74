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
            Write(context.Out, e, aliases, vs, e.Lineage?.MlNetVersion is null ? ZipMlNetVersion(reg, e) : null);
            return 0;
        }));
        return cmd;
    }

    // Versions registered before register read the zip: the zip itself still says which ML.NET saved it.
    private static string? ZipMlNetVersion(ModelRegistry reg, RegistryEvent e)
    {
        try
        {
            var digest = e.Artifact!.Digest;
            using var probe = reg.OpenBlob(digest);
            if (!probe.CanSeek || !ModelZipInspector.IsMlNetZip(() => reg.OpenBlob(digest))) return null;
            return ModelZipInspector.Inspect(() => reg.OpenBlob(digest), load: false).MlNetVersion;
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException) { return null; }
    }

    internal static void Write(TextWriter o, RegistryEvent e, IReadOnlyList<string> aliases, VersionState vs, string? zipMlNetVersion = null)
    {
        RegistryCommands.Print(o, $"{e.Model}@{e.Version}");
        RegistryCommands.Print(o, $"  registered: {e.Time} by {e.Actor} (event {e.Seq})");
        if (e.Reason is not null) RegistryCommands.Print(o, $"  reason:     {e.Reason}");
        RegistryCommands.Print(o, $"  model:      {e.Artifact!.Path} {e.Artifact.Digest} ({e.Artifact.Size} bytes)");
        RegistryCommands.Print(o, $"  aliases:    {(aliases.Count == 0 ? "(none)" : string.Join(", ", aliases))}");
        if (vs.Approvals.Count > 0)
            RegistryCommands.Print(o, $"  approvals:  {string.Join("; ", vs.Approvals.Select(a => $"{a.Key}: {string.Join(", ", a.Value)}"))}");
        var l = e.Lineage;
        if (l is not null)
        {
            RegistryCommands.Print(o, $"  git:        {l.GitCommit ?? "(unknown)"}{(l.GitDirty == true ? " (dirty)" : "")}");
            var mlnet = l.MlNetVersion ?? (zipMlNetVersion is null ? "(unknown: not an ML.NET zip)" : zipMlNetVersion + " (from the model zip)");
            RegistryCommands.Print(o, $"  versions:   mlbuild {l.MlBuildVersion ?? "?"}, ml.net {mlnet}");
            if (l.Seed is not null) RegistryCommands.Print(o, $"  seed:       {l.Seed}");
            if (l.Parameters is { } p) RegistryCommands.Print(o, $"  parameters: {p.GetRawText()}");
            if (l.Baseline is not null) RegistryCommands.Print(o, $"  baseline:   {l.Baseline}");
            foreach (var d in l.Datasets ?? [])
                RegistryCommands.Print(o, $"  dataset:    {d.Name} {d.Path} {d.Digest ?? "(not found at registration)"}");
        }
        foreach (var (name, m) in e.Metrics ?? [])
            RegistryCommands.Print(o, $"  metric:     {name} = {RegistryCommands.Num(m.Value)}{(m.Low is not null && m.High is not null ? $" [{RegistryCommands.Num(m.Low.Value)}, {RegistryCommands.Num(m.High.Value)}]" : "")}");
        foreach (var (name, verdict) in e.Gates ?? [])
            RegistryCommands.Print(o, $"  gate:       {name} {verdict.RegistryWord()}");
        if (e.Schema is { } s)
        {
            RegistryCommands.Print(o, $"  inputs:     {string.Join(", ", s.Inputs.Select(c => $"{c.Name}:{c.Type}"))}");
            RegistryCommands.Print(o, $"  outputs:    {string.Join(", ", s.Outputs.Select(c => $"{c.Name}:{c.Type}"))}");
        }
        foreach (var f in e.Evidence ?? [])
            RegistryCommands.Print(o, $"  evidence:   {f.Path} {f.Digest} ({f.Size} bytes)");
    }
}
