using System.CommandLine;
using System.Reflection;
using MlBuild.Core.Data.Schema;
using MlBuild.Core.Data.Validation;
using MlBuild.Core.Diagnostics;
using MlBuild.Core.Reports;

namespace MlBuild.Cli.Commands;

/// <summary><c>dotnet ml data ...</c>: validate and infer schemas for datasets (CSV, Parquet).</summary>
internal static class DataCommand
{
    public static Command Create(CliContext context)
    {
        var data = new Command("data", "Validate, profile and infer schemas of datasets, compare them for drift, and find duplicate, conflicting and leaked rows (CSV, Parquet).");
        data.Subcommands.Add(CreateValidate(context));
        data.Subcommands.Add(CreateInfer(context));
        ProfileDriftCommands.AddTo(data, context);
        DataLockCommand.AddTo(data, context);
        RelationsCommand.AddTo(data, context);
        return data;
    }

    internal static string ToolVersion =>
        typeof(DataCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    static Command CreateValidate(CliContext context)
    {
        var paths = new Argument<string[]>("path") { Description = "Data files or globs (CSV, Parquet); several files form one dataset.", Arity = ArgumentArity.OneOrMore };
        CliApp.RejectOptionLikeValues(paths);
        var schema = new Option<string>("--schema", "-s") { Description = "The schema file (JSON; see docs/schema.md).", Required = true };
        var name = new Option<string?>("--name") { Description = "Dataset name in reports (default: the first file's name)." };
        var json = new Option<string?>("--json") { Description = "Write the JSON report here ('-': standard output)." };
        var sarif = new Option<string?>("--sarif") { Description = "Write a SARIF 2.1.0 log here ('-': standard output)." };
        var junit = new Option<string?>("--junit") { Description = "Write JUnit XML here ('-': standard output)." };
        var profile = new Option<string?>("--profile") { Description = "Write the column profile (JSON) here ('-': standard output)." };
        var threads = new Option<int?>("--threads") { Description = "Threads (default: all cores). Results do not depend on it." };
        CliApp.RequirePositive(threads);
        var maxLocations = new Option<int>("--max-locations")
        {
            Description = $"Locations reported per failing check (default {ValidationDiagnostics.DefaultMaxLocationsPerCheck}); the JSON report keeps more.",
            DefaultValueFactory = _ => ValidationDiagnostics.DefaultMaxLocationsPerCheck,
        };
        var cmd = new Command("validate", "Validate a dataset against its schema; print a diagnostic at each of the first locations of every failing check.")
        {
            paths, schema, name, json, sarif, junit, profile, threads, maxLocations,
        };
        cmd.SetAction(parse =>
        {
            var files = parse.GetValue(paths)!;
            var schemaPath = parse.GetValue(schema)!;
            var loaded = SchemaLoader.Load(Path.GetFullPath(schemaPath, context.WorkingDirectory), schemaPath);
            var datasetName = parse.GetValue(name) ?? Path.GetFileNameWithoutExtension(files[0].Replace('*', '_'));
            var request = new DatasetRequest(datasetName, files, loaded, context.WorkingDirectory);
            int parallelism = parse.GetValue(threads) is { } t and > 0 ? t : Environment.ProcessorCount;
            int locations = parse.GetValue(maxLocations);
            if (locations < 1)
                throw new MlBuildException(new MlDiagnostic(DiagnosticCodes.CommandLine, MlSeverity.Error,
                    $"--max-locations must be 1 or more, not {locations.ToString(System.Globalization.CultureInfo.InvariantCulture)}."));
            var result = ProgressDisplay.Run(context, $"validating {datasetName}",
                progress => DatasetValidator.Validate(request, new ValidationOptions
                {
                    MaxParallelism = parallelism, Progress = progress,
                    MaxFailuresPerCheck = Math.Max(new ValidationOptions().MaxFailuresPerCheck, locations),
                }));
            // A report sent to standard output ('-') gets it to itself: the human lines go to standard error then.
            var human = new[] { json, sarif, junit, profile }.Any(o => parse.GetValue(o) == "-") ? context.Error : context.Out;
            var jsonPath = parse.GetValue(json);
            foreach (var d in ValidationDiagnostics.From(result, locations, jsonPath is "-" ? null : jsonPath))
                (d.Severity == MlSeverity.Error ? context.Error : human).WriteLine(d.ToCanonicalString());
            human.WriteLine(ValidationDiagnostics.Summary(result));
            var results = new[] { result };
            var report = ValidationReport.Document(results, ToolVersion);
            WriteIfAsked(context, parse.GetValue(json), () => ReportWriters.Json(report));
            WriteIfAsked(context, parse.GetValue(sarif), () => ReportWriters.Sarif(report));
            WriteIfAsked(context, parse.GetValue(junit), () => ReportWriters.JUnit(report));
            WriteIfAsked(context, parse.GetValue(profile), () => ValidationReport.ProfileJson(results));
            StepSummary.Append(context, ReportWriters.Markdown(report));
            return result.ExitCode;
        });
        return cmd;
    }

    static Command CreateInfer(CliContext context)
    {
        var paths = new Argument<string[]>("path") { Description = "Clean data files or globs to infer from.", Arity = ArgumentArity.OneOrMore };
        CliApp.RejectOptionLikeValues(paths);
        var output = new Option<string?>("--output", "-o") { Description = "Write the schema here (default: print it)." };
        var delimiter = new Option<string?>("--delimiter", "-d")
        {
            Description = "CSV field delimiter: one character, or comma, semicolon, tab, pipe (default: detected from the first lines).",
        };
        var cmd = new Command("infer", "Infer a schema from clean data (conservative: categories only with few values; bounds from the data).")
        {
            paths, output, delimiter,
        };
        cmd.SetAction(parse =>
        {
            var files = parse.GetValue(paths)!;
            var inferred = SchemaInferrer.Infer(Path.GetFileNameWithoutExtension(files[0]), files, context.WorkingDirectory,
                delimiter: parse.GetValue(delimiter) is { } text ? ParseDelimiter(text) : null);
            // Notes go to stderr, so a printed schema on stdout stays a clean JSON document.
            foreach (var d in inferred.Diagnostics) context.Error.WriteLine(d.ToCanonicalString());
            if (parse.GetValue(output) is { } o)
            {
                AtomicFile.WriteOutput(Path.GetFullPath(o, context.WorkingDirectory), o, new System.Text.UTF8Encoding(false).GetBytes(inferred.Json));
                context.Out.WriteLine($"mlbuild: wrote schema {o}. Review it (bounds come from this data) and commit it.");
            }
            else context.Out.Write(inferred.Json);
            return 0;
        });
        return cmd;
    }

    static byte ParseDelimiter(string text) => text.ToLowerInvariant() switch
    {
        "comma" or "," => (byte)',',
        "semicolon" or ";" => (byte)';',
        "tab" or "\\t" or "\t" => (byte)'\t',
        "pipe" or "|" => (byte)'|',
        _ when text.Length == 1 && text[0] is > ' ' and < (char)127 and not '"' => (byte)text[0],
        _ => throw new MlBuildException(new MlDiagnostic(DiagnosticCodes.CommandLine, MlSeverity.Error,
            $"--delimiter must be one printable ASCII character other than a quote, or comma, semicolon, tab or pipe; not '{text}'.")),
    };

    internal static void WriteIfAsked(CliContext context, string? path, Func<byte[]> content)
    {
        if (string.IsNullOrEmpty(path)) return;
        byte[] bytes;
        try { bytes = content(); }
        catch (Exception e) when (e is not MlBuildException)
        {
            // Still a bug of ours, but coded: the findings gathered so far reach the user (the build's result file) first.
            throw new MlBuildException(new MlDiagnostic(DiagnosticCodes.InternalError, MlSeverity.Error,
                $"Internal error while making '{path}' ({e.GetType().Name}: {e.Message}); the findings reported stand. Please report it.", path));
        }
        if (path == "-")
        {
            context.Out.Write(System.Text.Encoding.UTF8.GetString(bytes));
            context.Out.Flush();
            return;
        }
        AtomicFile.WriteOutput(Path.GetFullPath(path, context.WorkingDirectory), path, bytes);
    }
}
