using System.CommandLine;
using System.Globalization;
using MlBuild.Core.Diagnostics;
using MlBuild.Core.Models.Training;
using MlBuild.Core.Models.Evaluation;
using MlBuild.Core.Pipeline;
using MlBuild.Core.Reports;

namespace MlBuild.Cli.Commands;

/// <summary><c>dotnet ml train</c>: trains the model of a pipeline file, writes the model zip and its evidence folder.</summary>
internal static class TrainCommand
{
    public static Command Create(CliContext context)
    {
        var pipeline = new Option<string>("--pipeline", "-p") { Description = "The pipeline file.", DefaultValueFactory = _ => PipelineLoader.DefaultFileName };
        var output = new Option<string?>("--output", "-o") { Description = "Write the model here (default: NAME.zip, NAME from the model section)." };
        var evidence = new Option<string?>("--evidence") { Description = "Write the evidence folder here (default: the model path without .zip, plus .evidence)." };
        var quick = new Option<bool>("--quick") { Description = "Train on the seeded quick-train sample (model.quickTrain.rows)." };
        var threads = new Option<int?>("--threads") { Description = "Threads that read the data (default: all cores). Trainers run on one thread; the model does not depend on it." };
        var gate = new Option<bool>("--gate") { Description = "Then run the pipeline file's gates; a gate's baseline alias (e.g. prod) is the registry version holding it, scored on the same test rows. Writes gates.json into the evidence." };
        var registry = new Option<string?>("--registry") { Description = "The registry for baselines (default: the pipeline file's registry.store, $MLBUILD_REGISTRY, or .mlregistry beside it)." };
        var cmd = new Command("train", "Train the model a pipeline file declares; write the model zip and its evidence (parameters, seed, dataset hashes, canonical hash).")
        {
            pipeline, output, evidence, quick, threads, gate, registry,
        };
        cmd.SetAction(parse => Run(context, parse.GetValue(pipeline)!, parse.GetValue(output), parse.GetValue(evidence), parse.GetValue(quick), parse.GetValue(threads),
            parse.GetValue(gate), parse.GetValue(registry)));
        return cmd;
    }

    static string F(double v) => double.IsNaN(v) ? "undefined" : v.ToString("0.####", CultureInfo.InvariantCulture);

    static int Run(CliContext context, string pipelinePath, string? output, string? evidence, bool quick, int? threads, bool gate = false, string? registry = null)
    {
        var file = PipelineLoader.Load(Path.GetFullPath(pipelinePath, context.WorkingDirectory), pipelinePath);
        // Stage lines only for a person at a terminal; CI logs get the diagnostics and the summary.
        bool interactive = ReferenceEquals(context.Out, Console.Out) && !Console.IsOutputRedirected
            && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI")) && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("TF_BUILD"));
        var outcome = ModelTrainer.Train(file, new TrainingOptions
        {
            Quick = quick,
            ReadParallelism = threads is > 0 ? threads.Value : Environment.ProcessorCount,
            Progress = interactive ? message => context.Out.WriteLine($"mlbuild: {message}...") : null,
        });
        using var owned = outcome.Model; // an ONNX model's native session is released when the command ends
        foreach (var d in outcome.Diagnostics)
            (d.Severity == MlSeverity.Error ? context.Error : context.Out).WriteLine(d.ToCanonicalString());
        if (outcome.Model is not { } trained)
        {
            context.Out.WriteLine($"mlbuild: model '{file.Model?.Name}' was not trained.");
            return outcome.ExitCode;
        }

        output ??= trained.Spec.Name + trained.ModelFileExtension;
        evidence ??= (output.EndsWith(trained.ModelFileExtension, StringComparison.OrdinalIgnoreCase) ? output[..^trained.ModelFileExtension.Length] : output) + ".evidence";
        var modelFull = Path.GetFullPath(output, context.WorkingDirectory);
        Directory.CreateDirectory(Path.GetDirectoryName(modelFull)!);
        AtomicFile.WriteOutput(modelFull, output, trained.ModelZipBytes);
        // Metrics of the test split with their intervals (bootstrap settings from the pipeline file's gateDefaults);
        // the gates themselves are `dotnet ml gate`'s, over the predictions written beside them.
        var predictions = TestPredictions.Of(trained);
        var defaults = file.Gates.Defaults;
        var metrics = Evaluator.Evaluate(predictions.Set, new IntervalOptions
        {
            ConfidenceLevel = defaults.ConfidenceLevel, Resamples = defaults.Resamples, Seed = defaults.Seed,
            MaxParallelism = threads is > 0 ? threads.Value : Environment.ProcessorCount,
        });
        TrainingEvidence.Write(Path.GetFullPath(evidence, context.WorkingDirectory), trained, output, quick, metrics, predictions);

        var rows = (int n) => n.ToString("N0", CultureInfo.InvariantCulture);
        if (trained.Spec.External is { Command: null } made) // a model file made elsewhere: MlBuild only evaluated it
            context.Out.WriteLine($"mlbuild: evaluated '{trained.Spec.Name}' ({trained.Spec.Task.ToString().ToLowerInvariant()}, {trained.Spec.Trainer.Name} model {made.Path}) " +
                $"on {rows(trained.TestView.Rows.Count)} test rows: {output} {trained.CanonicalHash}; evidence in {evidence}");
        else context.Out.WriteLine(
            $"mlbuild: trained '{trained.Spec.Name}' ({trained.Spec.Task.ToString().ToLowerInvariant()}, {trained.Spec.Trainer.Name}, seed {trained.Spec.Seed}) " +
            $"on {rows(trained.TrainView.Rows.Count)} rows{(quick && trained.TrainView.Rows.Count < trained.TrainRowsBeforeSample ? $" (quick-train sample of {rows(trained.TrainRowsBeforeSample)})" : "")}, " +
            $"{rows(trained.TestView.Rows.Count)} test rows: {output} {trained.CanonicalHash}; evidence in {evidence}");
        foreach (var m in metrics)
            context.Out.WriteLine($"  {m.Metric,-15} {F(m.Value)} [{F(m.Low)}, {F(m.High)}] ({(m.ConfidenceLevel * 100).ToString("0.##", CultureInfo.InvariantCulture)} % interval, n={m.Count.ToString(CultureInfo.InvariantCulture)})");
        if (gate)
            return TrainGates.Run(context, file, trained, predictions, metrics, Path.GetFullPath(evidence, context.WorkingDirectory), evidence, registry,
                threads is > 0 ? threads.Value : Environment.ProcessorCount);
        return (int)ExitCodes.Ok;
    }
}
