using System.CommandLine;
using System.Globalization;
using MlBuild.Core.Data.Relations;
using MlBuild.Core.Data.Schema;
using MlBuild.Core.Data.Validation;
using MlBuild.Core.Diagnostics;
using MlBuild.Core.Pipeline;
using MlBuild.Core.Reports;

namespace MlBuild.Cli.Commands;

/// <summary><c>dotnet ml data relations</c>: duplicates, conflicting labels and train/test leakage (docs/relations.md).</summary>
internal static class RelationsCommand
{
    public static void AddTo(Command data, CliContext context) => data.Subcommands.Add(Create(context));

    static Command Create(CliContext context)
    {
        var paths = new Argument<string[]>("path") { Description = "Data files or globs of one dataset (CSV, Parquet), checked for duplicates and conflicting labels.", Arity = ArgumentArity.ZeroOrMore };
        CliApp.RejectOptionLikeValues(paths);
        var pipeline = new Option<string?>("--pipeline", "-p") { Description = "Check the datasets of this pipeline file (mlbuild.json): its model's label, features, split and test dataset, and its 'relations' section." };
        var train = new Option<string[]>("--train") { Description = "Training data files or globs.", AllowMultipleArgumentsPerToken = true };
        var test = new Option<string[]>("--test") { Description = "Test data files or globs, checked for leakage against --train.", AllowMultipleArgumentsPerToken = true };
        var schema = new Option<string?>("--schema", "-s") { Description = "The schema of the files (JSON; see docs/schema.md)." };
        var testSchema = new Option<string?>("--test-schema") { Description = "The schema of the --test files, when it differs from --schema." };
        var label = new Option<string?>("--label") { Description = "The label column: enables the conflicting-labels check; leakage then compares the other columns." };
        var features = new Option<string[]>("--features") { Description = "Feature columns (comma-separated or repeated; default: every column but the label).", AllowMultipleArgumentsPerToken = true };
        var key = new Option<string[]>("--key") { Description = "Key columns that identify an entity (comma-separated or repeated): leakage compares them instead of the features.", AllowMultipleArgumentsPerToken = true };
        var duplicates = LevelOption("--duplicates", "Level of duplicate rows: error, warning (default) or off.");
        var conflicts = LevelOption("--conflicting-labels", "Level of conflicting labels: error, warning (default) or off.");
        var leakage = LevelOption("--leakage", "Level of train/test leakage: error (default), warning or off.");
        var maxExamples = new Option<int>("--max-examples") { Description = "Example locations per finding (default 5).", DefaultValueFactory = _ => 5 };
        var threads = new Option<int?>("--threads") { Description = "Threads (default: all cores). Results do not depend on it." };
        CliApp.RequirePositive(threads);
        var json = new Option<string?>("--json") { Description = "Write the JSON report here ('-': standard output)." };
        var sarif = new Option<string?>("--sarif") { Description = "Write a SARIF 2.1.0 log here ('-': standard output)." };
        var junit = new Option<string?>("--junit") { Description = "Write JUnit XML here ('-': standard output)." };
        var markdown = new Option<string?>("--markdown") { Description = "Write a Markdown summary here ('-': standard output)." };
        var cmd = new Command("relations", "Find duplicate rows, equal features with conflicting labels, and test rows that also occur in the training data; print each with its location.")
        {
            paths, pipeline, train, test, schema, testSchema, label, features, key, duplicates, conflicts, leakage, maxExamples, threads, json, sarif, junit, markdown,
        };
        cmd.SetAction(parse =>
        {
            int examples = parse.GetValue(maxExamples);
            if (examples < 1) throw Usage($"--max-examples must be 1 or more, not {examples.ToString(CultureInfo.InvariantCulture)}.");
            var keyColumns = List(parse.GetValue(key));
            var options = new RelationsOptions
            {
                MaxExamples = examples,
                MaxParallelism = parse.GetValue(threads) is { } t and > 0 ? t : Environment.ProcessorCount,
            };
            var files = parse.GetValue(paths) ?? [];
            var trainFiles = parse.GetValue(train) ?? [];
            var testFiles = parse.GetValue(test) ?? [];
            RelationsPolicy basePolicy;
            Func<RelationsOptions, RelationsResult> run;
            string what;
            if (parse.GetValue(pipeline) is { } pipelinePath)
            {
                if (files.Length > 0 || trainFiles.Length > 0 || testFiles.Length > 0 || parse.GetValue(schema) is not null || parse.GetValue(label) is not null)
                    throw Usage("--pipeline takes the datasets, schemas and label from the pipeline file; leave out paths, --train, --test, --schema and --label.");
                var loaded = PipelineLoader.Load(Path.GetFullPath(pipelinePath, context.WorkingDirectory), pipelinePath);
                basePolicy = RelationsSettings.Read(loaded).Policy;
                run = o => PipelineRelations.Check(loaded, o, keyColumns);
                what = pipelinePath;
            }
            else
            {
                if (files.Length == 0 && trainFiles.Length == 0)
                    throw Usage("Name the data: paths of one dataset, --train (and --test) files, or --pipeline mlbuild.json.");
                if (testFiles.Length > 0 && trainFiles.Length == 0)
                    throw Usage("--test is checked for leakage against --train; name the training files too.");
                var schemaPath = parse.GetValue(schema) ?? throw Usage("--schema is required with data paths (or use --pipeline).");
                var loadedSchema = LoadSchema(context, schemaPath);
                var datasets = new List<RelationsDataset>();
                if (trainFiles.Length > 0) datasets.Add(new(new DatasetRequest("train", trainFiles, loadedSchema, context.WorkingDirectory), DatasetRole.Train));
                if (testFiles.Length > 0)
                    datasets.Add(new(new DatasetRequest("test", testFiles, parse.GetValue(testSchema) is { } ts ? LoadSchema(context, ts) : loadedSchema, context.WorkingDirectory), DatasetRole.Test));
                if (files.Length > 0)
                    datasets.Add(new(new DatasetRequest(Path.GetFileNameWithoutExtension(files[0].Replace('*', '_')), files, loadedSchema, context.WorkingDirectory), DatasetRole.Other));
                var featureColumns = List(parse.GetValue(features));
                var spec = new RelationsSpec { Label = parse.GetValue(label), Features = featureColumns, Key = keyColumns };
                basePolicy = new RelationsPolicy();
                run = o => DatasetRelations.Check(datasets, spec, o);
                what = string.Join(", ", datasets.Select(d => d.Request.Name));
            }
            var policy = basePolicy with
            {
                Duplicates = parse.GetValue(duplicates) is { } d ? Level(d, "--duplicates") : basePolicy.Duplicates,
                ConflictingLabels = parse.GetValue(conflicts) is { } c ? Level(c, "--conflicting-labels") : basePolicy.ConflictingLabels,
                Leakage = parse.GetValue(leakage) is { } l ? Level(l, "--leakage") : basePolicy.Leakage,
            };
            var result = ProgressDisplay.Run(context, $"relations of {what}", progress => run(options with { Policy = policy, Progress = progress }));
            var report = RelationsReport.Document(result, DataCommand.ToolVersion);
            // A report sent to standard output ('-') gets it to itself: the human lines go to standard error then.
            var human = new[] { json, sarif, junit, markdown }.Any(o => parse.GetValue(o) == "-") ? context.Error : context.Out;
            foreach (var diagnostic in report.AllDiagnostics())
                (diagnostic.Severity == MlSeverity.Error ? context.Error : human).WriteLine(diagnostic.ToCanonicalString());
            foreach (var section in report.Sections) human.WriteLine($"mlbuild: {section.Id}: {section.Verdict.Word()}: {section.Summary}");
            DataCommand.WriteIfAsked(context, parse.GetValue(json), () => ReportWriters.Json(report));
            DataCommand.WriteIfAsked(context, parse.GetValue(sarif), () => ReportWriters.Sarif(report));
            DataCommand.WriteIfAsked(context, parse.GetValue(junit), () => ReportWriters.JUnit(report));
            DataCommand.WriteIfAsked(context, parse.GetValue(markdown), () => System.Text.Encoding.UTF8.GetBytes(ReportWriters.Markdown(report)));
            return (int)report.ExitCode;
        });
        return cmd;
    }

    static Option<string?> LevelOption(string name, string description) => new(name) { Description = description };

    static RelationLevel Level(string text, string option) =>
        RelationsPolicy.ParseLevel(text) ?? throw Usage($"{option} must be error, warning or off, not '{text}'.");

    static IReadOnlyList<string>? List(string[]? values)
    {
        if (values is null || values.Length == 0) return null;
        return values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
    }

    static DatasetSchema LoadSchema(CliContext context, string path) => SchemaLoader.Load(Path.GetFullPath(path, context.WorkingDirectory), path);

    static MlBuildException Usage(string message) => new(new MlDiagnostic(DiagnosticCodes.CommandLine, MlSeverity.Error, message));
}
