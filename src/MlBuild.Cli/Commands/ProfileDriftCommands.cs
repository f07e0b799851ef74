using System.CommandLine;
using MlBuild.Core.Data.Drift;
using MlBuild.Core.Data.Profiling;
using MlBuild.Core.Data.Schema;
using MlBuild.Core.Diagnostics;
using MlBuild.Core.Reports;

namespace MlBuild.Cli.Commands;

/// <summary><c>dotnet ml data profile</c>, <c>data profile merge</c> and <c>data drift</c>: mergeable profiles and drift.</summary>
internal static class ProfileDriftCommands
{
    /// <summary>Adds the verbs to the <c>data</c> command.</summary>
    public static void AddTo(Command data, CliContext context)
    {
        data.Subcommands.Add(CreateProfile(context));
        data.Subcommands.Add(CreateDrift(context));
    }

    static Option<int?> ExactLimitOption() => new("--exact-limit")
    {
        Description = "Distinct values a numeric column keeps exactly (default 1000000); past it a sketch with a stated error.",
    };

    static Option<int?> CategoryLimitOption() => new("--category-limit")
    {
        Description = "Distinct values a text column counts exactly (default 10000); past it only a distinct-count estimate.",
    };

    static Option<int?> ThreadsOption() => new("--threads") { Description = "Worker threads (default: all cores). Results do not depend on it." };

    static ProfileLimits Limits(ParseResult parse, Option<int?> exact, Option<int?> categories)
    {
        var limits = new ProfileLimits();
        if (parse.GetValue(exact) is { } e)
            limits = limits with { ExactValues = e >= 1 ? e : throw Usage("--exact-limit must be at least 1") };
        if (parse.GetValue(categories) is { } c)
            limits = limits with { Categories = c >= 0 ? c : throw Usage("--category-limit must be 0 or more") };
        return limits;
    }

    static MlBuildException Usage(string message) => new(new MlDiagnostic("MLB9002", MlSeverity.Error, message));

    static DatasetSchema? LoadSchema(CliContext context, string? schemaPath) =>
        schemaPath is null ? null : SchemaLoader.Load(Path.GetFullPath(schemaPath, context.WorkingDirectory), schemaPath);

    static Command CreateProfile(CliContext context)
    {
        var paths = new Argument<string[]>("path") { Description = "Data files or globs (CSV, Parquet) forming one dataset.", Arity = ArgumentArity.OneOrMore };
        var schema = new Option<string?>("--schema", "-s") { Description = "The schema giving the column types (default: inferred from the data)." };
        var output = new Option<string?>("--output", "-o") { Description = "Write the profile here (default: print it)." };
        var exact = ExactLimitOption();
        var categories = CategoryLimitOption();
        var threads = ThreadsOption();
        var cmd = new Command("profile", "Write a mergeable, versioned profile (JSON) of every column: counts, moments, quantiles, histogram, distinct values, categories, and the values drift compares.")
        {
            paths, schema, output, exact, categories, threads,
        };
        cmd.SetAction(parse =>
        {
            var files = parse.GetValue(paths)!;
            var limits = Limits(parse, exact, categories);
            var name = Path.GetFileNameWithoutExtension(files[0].Replace('*', '_'));
            var profile = ProgressDisplay.Run(context, $"profiling {name}", progress =>
                ProfileBuilder.Build(name, files, context.WorkingDirectory, LoadSchema(context, parse.GetValue(schema)), limits, parse.GetValue(threads) ?? 0, progress));
            Emit(context, parse.GetValue(output), ProfileJson.Write(profile), $"profile of {profile.Rows} rows, {profile.Columns.Count} columns");
            return 0;
        });
        cmd.Subcommands.Add(CreateMerge(context));
        return cmd;
    }

    static Command CreateMerge(CliContext context)
    {
        var inputs = new Argument<string[]>("profile") { Description = "Profiles of parts of one dataset (written by 'data profile' with the same schema and limits).", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string?>("--output", "-o") { Description = "Write the merged profile here (default: print it)." };
        var cmd = new Command("merge", "Merge profiles of a dataset's parts into the profile of the whole (counts exactly, moments to rounding, sketches within their error).")
        {
            inputs, output,
        };
        cmd.SetAction(parse =>
        {
            var parts = parse.GetValue(inputs)!
                .Select(p => (ProfileJson.ReadFile(Path.GetFullPath(p, context.WorkingDirectory), p), p))
                .ToList();
            var whole = MergeableProfile.Merge(parts);
            Emit(context, parse.GetValue(output), ProfileJson.Write(whole), $"merged profile of {parts.Count} parts, {whole.Rows} rows");
            return 0;
        });
        return cmd;
    }

    static void Emit(CliContext context, string? path, byte[] json, string what)
    {
        if (string.IsNullOrEmpty(path))
        {
            context.Out.Write(System.Text.Encoding.UTF8.GetString(json));
            return;
        }
        AtomicFile.WriteAllBytes(Path.GetFullPath(path, context.WorkingDirectory), json);
        context.Out.WriteLine($"mlbuild: wrote {what} to {path}.");
    }

    static Command CreateDrift(CliContext context)
    {
        var cmd = new Command("drift", "Compare current data with a reference profile or file; exit 1 when the dataset rule says it drifted.");
        return cmd;
    }
}
