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
        Description = "Distinct values a numeric column keeps exactly (profiles: default 100000; drift between two data files: 4000000); past it a sketch with a stated error.",
    };

    static Option<int?> CategoryLimitOption() => new("--category-limit")
    {
        Description = "Distinct values a text column counts exactly (default 10000); past it only a distinct-count estimate.",
    };

    static Option<int?> ThreadsOption() => new("--threads") { Description = "Worker threads (default: all cores). Results do not depend on it." };

    static ProfileLimits Limits(ParseResult parse, Option<int?> exact, Option<int?> categories, int defaultExact = ProfileLimits.DefaultExactValues)
    {
        var limits = new ProfileLimits { ExactValues = defaultExact };
        if (parse.GetValue(exact) is { } e)
            limits = limits with { ExactValues = e >= 1 ? e : throw Usage("--exact-limit must be at least 1") };
        if (parse.GetValue(categories) is { } c)
            limits = limits with { Categories = c >= 0 ? c : throw Usage("--category-limit must be 0 or more") };
        return limits;
    }

    static MlBuildException Usage(string message) => new(new MlDiagnostic(DiagnosticCodes.CommandLine, MlSeverity.Error, message));

    static DatasetSchema? LoadSchema(CliContext context, string? schemaPath) =>
        schemaPath is null ? null : SchemaLoader.Load(Path.GetFullPath(schemaPath, context.WorkingDirectory), schemaPath);

    static Command CreateProfile(CliContext context)
    {
        var paths = new Argument<string[]>("path") { Description = "Data files or globs (CSV, Parquet) forming one dataset.", Arity = ArgumentArity.OneOrMore };
        CliApp.RejectOptionLikeValues(paths);
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
        CliApp.RejectOptionLikeValues(inputs);
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
        AtomicFile.WriteOutput(Path.GetFullPath(path, context.WorkingDirectory), path, json);
        context.Out.WriteLine($"mlbuild: wrote {what} to {path}.");
    }

    static Command CreateDrift(CliContext context)
    {
        var reference = new Option<string>("--reference", "-r") { Description = "The reference: a profile written by 'data profile' (.json), or data files (CSV, Parquet).", Required = true };
        var current = new Option<string[]>("--current", "-c") { Description = "The current data files or globs (CSV, Parquet), or a saved profile (.json) such as a merged one.", Required = true, AllowMultipleArgumentsPerToken = true };
        var schema = new Option<string?>("--schema", "-s") { Description = "The schema giving column types and CSV format (default: the reference profile's types, or inferred from the reference data)." };
        var json = new Option<string?>("--json") { Description = "Write the JSON report here (the report format of docs/reports.md; '-': standard output)." };
        var html = new Option<string?>("--html") { Description = "Write the HTML drift report here (one self-contained file)." };
        var sarif = new Option<string?>("--sarif") { Description = "Write a SARIF 2.1.0 log here ('-': standard output)." };
        var junit = new Option<string?>("--junit") { Description = "Write JUnit XML here ('-': standard output)." };
        var markdown = new Option<string?>("--markdown") { Description = "Write a Markdown summary here ('-': standard output)." };
        var ruleOption = new Option<string?>("--rule") { Description = "Dataset rule: 'any' (default: any column drifts), 'share:0.3' (that share of columns), 'columns:a,b' (any of these)." };
        var thresholds = new Option<string[]>("--threshold") { Description = "Per-column threshold of the main effect (Wasserstein or Jensen-Shannon), as column=value; repeatable.", AllowMultipleArgumentsPerToken = true };
        var ignore = new Option<string[]>("--ignore") { Description = "Columns left out (identifiers, timestamps); repeatable.", AllowMultipleArgumentsPerToken = true };
        var alpha = new Option<double?>("--alpha") { Description = "False discovery rate for the Benjamini-Hochberg corrected p-values (default 0.05)." };
        var pipelineOption = new Option<string?>("--pipeline", "-p") { Description = "Take the rule from this pipeline file's 'drift' section (as dotnet build does); --rule, --threshold, --ignore and --alpha replace its members." };
        var datasetOption = new Option<string?>("--dataset") { Description = "With --pipeline: also apply this dataset's own 'drift' section." };
        var exact = ExactLimitOption();
        var categories = CategoryLimitOption();
        var threads = ThreadsOption();
        var cmd = new Command("drift", "Compare current data with a reference profile or reference data; exit 1 when the dataset rule says it drifted.")
        {
            reference, current, schema, json, html, sarif, junit, markdown, ruleOption, thresholds, ignore, alpha, pipelineOption, datasetOption, exact, categories, threads,
        };
        cmd.SetAction(parse =>
        {
            var referenceText = parse.GetValue(reference)!;
            var currentFiles = parse.GetValue(current)!;
            var fileRule = PipelineRule(context, parse.GetValue(pipelineOption), parse.GetValue(datasetOption));
            var rule = ParseRule(parse.GetValue(ruleOption), parse.GetValue(thresholds) ?? [], parse.GetValue(ignore) ?? [], parse.GetValue(alpha), fileRule?.Rule);
            var givenSchema = LoadSchema(context, parse.GetValue(schema));
            int parallelism = parse.GetValue(threads) ?? 0;
            var referenceFull = Path.GetFullPath(referenceText, context.WorkingDirectory);
            MergeableProfile referenceProfile;
            DatasetSchema currentSchema;
            if (referenceText.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
            {
                referenceProfile = ProfileJson.ReadFile(referenceFull, referenceText);
                currentSchema = givenSchema is null ? SchemaOf(referenceProfile) : CheckSchemaMatches(givenSchema, referenceProfile, referenceText);
            }
            else
            {
                var limits = Limits(parse, exact, categories, ProfileLimits.InMemoryExactValues);
                var referenceName = Path.GetFileNameWithoutExtension(referenceText.Replace('*', '_'));
                currentSchema = givenSchema ?? SchemaInferrer.Infer(referenceName, [referenceText], context.WorkingDirectory).Schema;
                referenceProfile = ProgressDisplay.Run(context, $"profiling {referenceName}", progress =>
                    ProfileBuilder.Build(new Core.Data.Validation.DatasetRequest(referenceName, [referenceText], currentSchema, context.WorkingDirectory), limits, parallelism, progress));
            }
            if (fileRule?.UnknownColumn(referenceProfile.Columns.Select(c => c.Name).ToHashSet(StringComparer.Ordinal), referenceText) is { } unknown)
                throw new MlBuildException(unknown);
            var currentDisplay = string.Join(" ", currentFiles);
            var currentName = Path.GetFileNameWithoutExtension(currentFiles[0].Replace('*', '_'));
            // A saved profile as the current side: the merged profile of a partitioned dataset, or one written elsewhere.
            var currentProfile = currentFiles is [var one] && one.EndsWith(".json", StringComparison.OrdinalIgnoreCase)
                ? ProfileJson.ReadFile(Path.GetFullPath(one, context.WorkingDirectory), one)
                : ProgressDisplay.Run(context, $"profiling {currentName}", progress =>
                    ProfileBuilder.BuildForDrift(new Core.Data.Validation.DatasetRequest(currentName, currentFiles, currentSchema, context.WorkingDirectory), referenceProfile, parallelism, progress));
            var result = DriftAnalyzer.Analyze(referenceProfile, currentProfile, rule, referenceText, currentDisplay);
            foreach (var d in result.Diagnostics(currentDisplay))
                (d.Severity == MlSeverity.Error ? context.Error : context.Out).WriteLine(d.ToCanonicalString());
            context.Out.WriteLine(result.Summary(currentDisplay));
            var report = DriftReport.Document(result, referenceText, currentDisplay, DataCommand.ToolVersion);
            DataCommand.WriteIfAsked(context, parse.GetValue(json), () => ReportWriters.Json(report));
            StepSummary.Append(context, ReportWriters.Markdown(report));
            DataCommand.WriteIfAsked(context, parse.GetValue(sarif), () => ReportWriters.Sarif(report));
            DataCommand.WriteIfAsked(context, parse.GetValue(junit), () => ReportWriters.JUnit(report));
            DataCommand.WriteIfAsked(context, parse.GetValue(markdown), () => System.Text.Encoding.UTF8.GetBytes(ReportWriters.Markdown(report)));
            if (parse.GetValue(html) is { Length: > 0 } htmlPath)
                DataCommand.WriteIfAsked(context, htmlPath, () => DriftHtml(result, referenceText, currentDisplay));
            return result.Drifted ? (int)ExitCodes.ChecksFailed : (int)ExitCodes.Ok;
        });
        return cmd;
    }

    static byte[] DriftHtml(DriftResult result, string reference, string current) =>
        HtmlDriftReport.Write(result.ToReportInput(reference, current));


    /// <summary>The rule of a pipeline file's <c>drift</c> section (and a dataset's), as the build reads it; null without <c>--pipeline</c>.</summary>
    static Core.Data.BuildChecks.PipelineDriftRule? PipelineRule(CliContext context, string? pipelinePath, string? dataset)
    {
        if (pipelinePath is null)
            return dataset is null ? null : throw Usage("--dataset names a dataset of the pipeline file; give the file with --pipeline.");
        var pipeline = Core.Pipeline.PipelineLoader.Load(Path.GetFullPath(pipelinePath, context.WorkingDirectory), pipelinePath);
        if (dataset is not null && pipeline.Dataset(dataset) is null)
            throw Usage($"--dataset '{dataset}' is not a dataset of {pipelinePath} ({string.Join(", ", pipeline.Datasets.Select(d => d.Name))}).");
        return Core.Data.BuildChecks.PipelineDriftRule.Read(pipeline, dataset);
    }

    /// <summary>
    /// The dataset rule from the command line over <paramref name="baseRule"/> (the pipeline file's, else the default):
    /// each option given replaces that member. MLB2009 for a rule that does not parse.
    /// </summary>
    internal static DriftRule ParseRule(string? text, string[] thresholds, string[] ignore, double? alpha, DriftRule? baseRule = null)
    {
        var rule = baseRule ?? new DriftRule();
        if (ignore.Length > 0)
            rule = rule with { Ignore = ignore.SelectMany(i => i.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray() };
        if (alpha is { } a)
            rule = rule with { Alpha = a is > 0 and < 1 ? a : throw InvalidRule($"--alpha {a} must lie between 0 and 1") };
        if (!string.IsNullOrWhiteSpace(text) && text.Trim() == "any")
            rule = rule with { Kind = DatasetRuleKind.AnyColumn };
        else if (!string.IsNullOrWhiteSpace(text))
        {
            var t = text.Trim();
            if (t.StartsWith("share:", StringComparison.Ordinal)
                && double.TryParse(t["share:".Length..], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var share)
                && share is > 0 and <= 1)
                rule = rule with { Kind = DatasetRuleKind.ShareOfColumns, Share = share };
            else if (t.StartsWith("columns:", StringComparison.Ordinal) && t.Length > "columns:".Length)
                rule = rule with { Kind = DatasetRuleKind.NamedColumns, Columns = t["columns:".Length..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) };
            else throw InvalidRule($"--rule '{text}' is not 'any', 'share:S' (0 < S <= 1) or 'columns:a,b'");
        }
        var perColumn = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var item in thresholds)
        {
            int eq = item.LastIndexOf('=');
            if (eq <= 0 || !double.TryParse(item[(eq + 1)..], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value) || !(value > 0))
                throw InvalidRule($"--threshold '{item}' is not column=value with a positive value");
            perColumn[item[..eq]] = value;
        }
        return thresholds.Length > 0 ? rule with { ColumnThresholds = perColumn } : rule;
    }

    static MlBuildException InvalidRule(string message) => new(new MlDiagnostic(DriftCodes.InvalidRule, MlSeverity.Error, message));

    /// <summary>The schema a reference profile implies: its columns and types, default CSV format.</summary>
    static DatasetSchema SchemaOf(MergeableProfile profile) => new()
    {
        Columns = profile.Columns.Select(c => new ColumnSchema { Name = c.Name, Type = c.Type }).ToList(),
    };

    /// <summary>MLB2011 when the schema given with a profile describes other columns or types than the profile has (shared with the build).</summary>
    static DatasetSchema CheckSchemaMatches(DatasetSchema schema, MergeableProfile profile, string display) =>
        Core.Data.BuildChecks.BuildDataCheck.CheckSchemaMatches(schema, profile, display);
}
