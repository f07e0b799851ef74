using System.CommandLine;
using MlBuild.Core.Diagnostics;
using MlBuild.Core.Pipeline;
using MlBuild.Core.Reports;

namespace MlBuild.Cli.Commands;

/// <summary>
/// <c>dotnet ml summary</c>: the pull-request summary of a candidate (its evidence folder) beside the serving model (the
/// registry version holding an alias), with gate verdicts, slices, drift and schema changes. Appended to
/// <c>$GITHUB_STEP_SUMMARY</c> when set; written to <c>-o FILE</c> when given; printed otherwise.
/// </summary>
internal static class SummaryCommand
{
    public static Command Create(CliContext context)
    {
        var evidence = new Argument<string>("evidence") { Description = "The candidate's evidence folder (NAME.evidence, written by dotnet ml train)." };
        var baseline = new Option<string?>("--baseline", "-b") { Description = "Put the candidate beside the registry version holding this alias (e.g. prod; default: the one alias the pipeline file's gates compare with)." };
        var registry = new Option<string?>("--registry") { Description = "The registry (default: the pipeline file's registry.store, $MLBUILD_REGISTRY, or .mlregistry)." };
        var pipeline = new Option<string?>("--pipeline", "-p") { Description = $"The pipeline file whose registry to use (default: {PipelineLoader.DefaultFileName} when present)." };
        var model = new Option<string?>("--model") { Description = "The model's name in the registry (default: the evidence's)." };
        var gates = new Option<string?>("--gates") { Description = "Gate results JSON (default: gates.json in the evidence folder, written by dotnet ml train --gate; or dotnet ml gate --json)." };
        var drift = new Option<string[]>("--drift") { Description = "A drift report JSON (dotnet ml data drift --json); may be repeated.", AllowMultipleArgumentsPerToken = false };
        var output = new Option<string?>("--output", "-o") { Description = "Write the Markdown here ('-': standard output)." };
        var cmd = new Command("summary", "Markdown summary for a pull request: the candidate beside the serving model (metrics with intervals and changes, gate verdicts, slices, drift, schema changes); appended to $GITHUB_STEP_SUMMARY when set.")
        {
            evidence, baseline, registry, pipeline, model, gates, drift, output,
        };
        cmd.SetAction(parse =>
        {
            string Full(string path) => Path.GetFullPath(path, context.WorkingDirectory);
            var evidenceDisplay = parse.GetValue(evidence)!;
            var gatesDisplay = parse.GetValue(gates);
            var pipelinePath = parse.GetValue(pipeline);
            var file = pipelinePath is not null || File.Exists(Full(PipelineLoader.DefaultFileName))
                ? PipelineLoader.Load(Full(pipelinePath ?? PipelineLoader.DefaultFileName), pipelinePath ?? PipelineLoader.DefaultFileName)
                : null;
            var input = PullRequestSummary.Compose(new PullRequestSummarySources
            {
                EvidenceFolder = Full(evidenceDisplay),
                EvidenceDisplay = evidenceDisplay.Replace('\\', '/').TrimEnd('/'),
                GatesFile = gatesDisplay is null ? null : Full(gatesDisplay),
                GatesDisplay = gatesDisplay,
                DriftReports = [.. (parse.GetValue(drift) ?? []).Select(d => (Full(d), d))],
                Pipeline = file,
                Baseline = parse.GetValue(baseline),
                Registry = parse.GetValue(registry),
                Model = parse.GetValue(model),
                WorkingDirectory = context.WorkingDirectory,
            });
            var markdown = PullRequestSummary.Markdown(input);
            var bytes = new System.Text.UTF8Encoding(false).GetBytes(markdown);
            bool appended = Core.Reports.StepSummary.Path() is not null;
            if (Core.Reports.StepSummary.TryAppend(markdown, MlSeverity.Error) is { } problem) throw new MlBuildException(problem);
            var outputPath = parse.GetValue(output);
            DataCommand.WriteIfAsked(context, outputPath, () => bytes);
            if (!appended && outputPath is null)
            {
                context.Out.Write(markdown);
                return (int)ExitCodes.Ok;
            }
            if (outputPath != "-")
                context.Out.WriteLine("mlbuild: pull-request summary of " + evidenceDisplay
                    + (appended ? $" appended to ${Core.Reports.StepSummary.Variable}" : "") + (appended && outputPath is not null ? " and" : "")
                    + (outputPath is not null ? $" written to {outputPath}" : "") + ".");
            return (int)ExitCodes.Ok;
        });
        return cmd;
    }
}
