using MlBuild.Core.Diagnostics;
using MlBuild.Core.Models.Baselines;
using MlBuild.Core.Models.Evaluation;
using MlBuild.Core.Models.Gates;
using MlBuild.Core.Models.Training;
using MlBuild.Core.Pipeline;
using MlBuild.Core.Reports;

namespace MlBuild.Cli.Commands;

/// <summary>
/// <c>dotnet ml train --gate</c>: the pipeline file's gates on the model just trained, with baselines from the registry
/// (the version holding the alias a gate names scores the same test rows: a paired comparison). The results go to the
/// console and to <c>gates.json</c> in the evidence folder, which <c>dotnet ml register</c> records and
/// <c>dotnet ml summary</c> reads.
/// </summary>
internal static class TrainGates
{
    public static int Run(CliContext context, PipelineFile pipeline, TrainedModel trained, TestPredictions predictions,
        IReadOnlyList<MetricEstimate> metrics, string evidenceFull, string evidenceDisplay, string? registry, int threads)
    {
        var baselines = BaselineResolver.Resolve(pipeline, trained, new BaselineOptions { Registry = registry, WorkingDirectory = context.WorkingDirectory });
        foreach (var r in baselines.Resolved)
            context.Out.WriteLine(r.Line(trained.TestView.Rows.Count));
        foreach (var d in baselines.Diagnostics) context.Out.WriteLine(d.ToCanonicalString());

        var run = GateEvaluator.Evaluate(pipeline.Gates, new GateInputs
        {
            Predictions = predictions.Set, Columns = predictions.Columns, Baselines = baselines.Baselines, MaxParallelism = threads,
            // The one artifact measurement the trainer has at hand; latency, golden and round trip are the publish step's.
            Artifacts = new ArtifactMeasurements { ModelBytes = trained.ModelZipBytes.LongLength },
        });
        foreach (var r in run.Results)
        {
            context.Out.WriteLine(r.ToLine());
            foreach (var part in r.Parts) context.Out.WriteLine("  " + part.ToLine());
        }
        foreach (var d in run.Diagnostics.Where(d => d.Severity != MlSeverity.Info))
            (d.Severity == MlSeverity.Error ? context.Error : context.Out).WriteLine(d.ToCanonicalString());
        context.Out.WriteLine(run.Totals());

        TrainingEvidence.WriteGates(evidenceFull, evidenceDisplay, trained, predictions, metrics, run);
        return (int)run.ExitCode;
    }
}
