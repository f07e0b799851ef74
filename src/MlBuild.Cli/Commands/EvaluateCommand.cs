using System.CommandLine;
using System.Globalization;
using MlBuild.Core.Diagnostics;
using MlBuild.Core.Models;
using MlBuild.Core.Models.Evaluation;
using MlBuild.Core.Models.Gates;

namespace MlBuild.Cli.Commands;

/// <summary>
/// <c>dotnet ml evaluate</c> (metrics with intervals, gates when given) and <c>dotnet ml gate</c> (gates required) over
/// a predictions file, so ML.NET, ONNX and bring-your-own models are judged the same way.
/// </summary>
internal static class EvaluateCommand
{
    public static void AddTo(RootCommand root, CliContext context)
    {
        root.Subcommands.Add(Create(context, "evaluate", "Compute metrics with confidence intervals from a predictions file; run gates when --gates is given.", gatesRequired: false));
        root.Subcommands.Add(Create(context, "gate", "Run gates on a predictions file: PASS, FAIL or INCONCLUSIVE from confidence intervals; exit 1 when a gate fails.", gatesRequired: true));
    }

    static Command Create(CliContext context, string verb, string description, bool gatesRequired)
    {
        var predictions = new Option<string>("--predictions", "-p") { Description = "Predictions CSV: label, score(s), and any slice/group columns.", Required = true };
        var task = new Option<string>("--task", "-t") { Description = "binary, multiclass or regression.", Required = true };
        task.AcceptOnlyFromAmong("binary", "multiclass", "regression");
        var label = new Option<string>("--label", "-l") { Description = "The label column.", Required = true };
        var score = new Option<string>("--score", "-s") { Description = "Score column (binary), prediction column (regression), or comma-separated probability columns, one per class (multiclass)." };
        var predicted = new Option<string?>("--predicted") { Description = "Predicted-label column (default: score above the threshold, or the most probable class)." };
        var threshold = new Option<double?>("--threshold") { Description = "Binary: a score above it is positive (default 0.5 for probabilities, 0 for margins)." };
        var classes = new Option<string?>("--classes") { Description = "Multiclass: comma-separated class names in the order of the probability columns (default: the columns' names)." };
        var gates = new Option<string?>("--gates", "-g") { Description = "Gates file (JSON; an array of gates or {\"gates\": [...]}; see docs/gates.md).", Required = gatesRequired };
        var baselineScore = new Option<string?>("--baseline-score") { Description = "Column with the baseline model's scores on the same rows (paired comparison)." };
        var baselineMetrics = new Option<string?>("--baseline-metrics") { Description = "Metrics JSON of the baseline (compared unpaired)." };
        var baselineName = new Option<string>("--baseline-name") { Description = "The name gates use for the baseline (e.g. prod).", DefaultValueFactory = _ => "baseline" };
        var confidence = new Option<double?>("--confidence") { Description = "Confidence level of the intervals (default 0.95, or the gates file's)." };
        var resamples = new Option<int?>("--resamples") { Description = "Bootstrap replicates (default 2000, or the gates file's)." };
        var seed = new Option<int?>("--seed") { Description = "Bootstrap seed (default 42, or the gates file's)." };
        var strict = new Option<bool>("--strict") { Description = "Compare point estimates instead of intervals (no INCONCLUSIVE)." };
        var threads = new Option<int?>("--threads") { Description = "Bootstrap threads (default: all cores). Results do not depend on it." };
        CliApp.RequirePositive(threads);
        var json = new Option<string?>("--json") { Description = "Write the JSON report here." };
        var sarif = new Option<string?>("--sarif") { Description = "Write a SARIF 2.1.0 log here ('-': standard output)." };
        var junit = new Option<string?>("--junit") { Description = "Write JUnit XML here ('-': standard output)." };
        var markdown = new Option<string?>("--markdown") { Description = "Write a Markdown summary here ('-': standard output)." };
        var cmd = new Command(verb, description)
        {
            predictions, task, label, score, predicted, threshold, classes, gates, baselineScore, baselineMetrics, baselineName,
            confidence, resamples, seed, strict, threads, json, sarif, junit, markdown,
        };
        cmd.SetAction(parse =>
        {
            string Full(string path) => Path.GetFullPath(path, context.WorkingDirectory);
            var gatesPath = parse.GetValue(gates);
            var gateSet = gatesPath is null ? null : GateSpecReader.ReadFile(Full(gatesPath), gatesPath);
            var defaults = gateSet?.Defaults ?? new GateDefaults();
            defaults = defaults with
            {
                ConfidenceLevel = parse.GetValue(confidence) ?? defaults.ConfidenceLevel,
                Resamples = parse.GetValue(resamples) ?? defaults.Resamples,
                Seed = parse.GetValue(seed) ?? defaults.Seed,
                Strict = parse.GetValue(strict) || defaults.Strict,
            };
            if (defaults.ConfidenceLevel is <= 0.5 or >= 1 || defaults.Resamples < 100)
                throw new MlBuildException(new MlDiagnostic(DiagnosticCodes.CommandLine, MlSeverity.Error, "--confidence must be in (0.5, 1) and --resamples at least 100."));
            var predictionsPath = parse.GetValue(predictions)!;
            var metricsPath = parse.GetValue(baselineMetrics);
            var request = new EvaluationRequest
            {
                PredictionsPath = Full(predictionsPath), PredictionsDisplay = predictionsPath,
                Task = Enum.Parse<ModelTask>(parse.GetValue(task)!, ignoreCase: true),
                Label = parse.GetValue(label)!,
                Score = Split(parse.GetValue(score)),
                Predicted = parse.GetValue(predicted),
                Threshold = parse.GetValue(threshold),
                Classes = parse.GetValue(classes) is { } c ? Split(c) : null,
                BaselineScore = parse.GetValue(baselineScore),
                BaselineName = parse.GetValue(baselineName)!,
                BaselineMetrics = metricsPath is null ? null : (Full(metricsPath), metricsPath),
                Gates = gateSet is null ? null : gateSet with { Defaults = defaults },
                Intervals = new IntervalOptions
                {
                    ConfidenceLevel = defaults.ConfidenceLevel, Resamples = defaults.Resamples, Seed = defaults.Seed,
                    MaxParallelism = parse.GetValue(threads) is { } t and > 0 ? t : Environment.ProcessorCount,
                },
            };
            var outcome = EvaluationRunner.Run(request);
            context.Out.WriteLine($"{request.PredictionsDisplay}: {outcome.Rows.ToString(CultureInfo.InvariantCulture)} rows, {request.Task.ToString().ToLowerInvariant()}");
            foreach (var m in outcome.Metrics) context.Out.WriteLine("  " + MetricLine(m));
            if (outcome.Gates is { } run)
            {
                foreach (var r in run.Results)
                {
                    context.Out.WriteLine(r.ToLine());
                    foreach (var part in r.Parts) context.Out.WriteLine("  " + part.ToLine());   // each slice or group
                }
                foreach (var d in run.Diagnostics.Where(d => d.Severity != MlSeverity.Info))
                    (d.Severity == MlSeverity.Error ? context.Error : context.Out).WriteLine(d.ToCanonicalString());
                context.Out.WriteLine(run.Totals());
            }
            DataCommand.WriteIfAsked(context, parse.GetValue(json), () => System.Text.Encoding.UTF8.GetBytes(EvaluationRunner.Json(outcome, request)));
            var report = GateReport.Document(outcome, request, DataCommand.ToolVersion);
            DataCommand.WriteIfAsked(context, parse.GetValue(sarif), () => Core.Reports.ReportWriters.Sarif(report));
            DataCommand.WriteIfAsked(context, parse.GetValue(junit), () => Core.Reports.ReportWriters.JUnit(report));
            DataCommand.WriteIfAsked(context, parse.GetValue(markdown), () => System.Text.Encoding.UTF8.GetBytes(Core.Reports.ReportWriters.Markdown(report)));
            return (int)outcome.ExitCode;
        });
        return cmd;
    }

    static IReadOnlyList<string> Split(string? list) =>
        list is null ? [] : list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    static string MetricLine(MetricEstimate m)
    {
        static string F(double v) => double.IsNaN(v) ? "undefined" : v.ToString("0.####", CultureInfo.InvariantCulture);
        var text = $"{m.Metric,-15} {F(m.Value)}";
        if (!double.IsNaN(m.Low)) text += $" [{F(m.Low)}, {F(m.High)}]";
        var level = (m.ConfidenceLevel * 100).ToString("0.##", CultureInfo.InvariantCulture);
        text += m.Method == IntervalMethod.Wilson ? $" (Wilson {level} %, n={m.Count.ToString(CultureInfo.InvariantCulture)})"
              : $" (bootstrap {level} %, {m.Resamples} resamples, seed {m.Seed})";
        return text + (m.Direction == MetricDirection.LowerIsBetter ? " lower is better" : "");
    }
}
