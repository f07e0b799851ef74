using System.CommandLine;
using System.Globalization;
using MlBuild.Core.Diagnostics;
using MlBuild.Core.Models.Artifacts;
using MlBuild.Core.Models.Training;
using MlBuild.Core.Pipeline;
using MlBuild.Core.Reports;

namespace MlBuild.Cli.Commands;

/// <summary><c>dotnet ml golden record</c>: writes a golden file (inputs and expected outputs) for the golden gate.</summary>
internal static class GoldenCommand
{
    public static Command Create(CliContext context)
    {
        var pipeline = new Option<string>("--pipeline", "-p") { Description = "The pipeline file.", DefaultValueFactory = _ => PipelineLoader.DefaultFileName };
        var model = new Option<string?>("--model", "-m") { Description = "Score with this model file: an ML.NET zip, or an ONNX model (.onnx, or any file that is not a zip) (default: train the pipeline's model on its full training data, as dotnet publish does)." };
        var rows = new Option<int>("--rows", "-n") { Description = "Held-out rows to record.", DefaultValueFactory = _ => 20 };
        var seed = new Option<int?>("--seed") { Description = "Seed of the row choice (default: the model's seed)." };
        var output = new Option<string>("--output", "-o") { Description = "The golden file to write.", DefaultValueFactory = _ => "golden.csv" };
        var record = new Command("record", "Record inputs and expected outputs of a seeded sample of held-out rows, for an { \"artifact\": \"golden\" } gate.")
        {
            pipeline, model, rows, seed, output,
        };
        record.SetAction(parse => Record(context, parse.GetValue(pipeline)!, parse.GetValue(model), parse.GetValue(rows), parse.GetValue(seed), parse.GetValue(output)!));
        return new Command("golden", "Golden predictions: inputs and expected outputs a model must keep reproducing.") { record };
    }

    static int Record(CliContext context, string pipelinePath, string? modelPath, int rows, int? seed, string output)
    {
        if (rows < 1)
            throw new MlBuildException(new MlDiagnostic(DiagnosticCodes.GoldenRecordUsage, MlSeverity.Error, $"--rows is {rows}; record at least 1 row."));
        var file = PipelineLoader.Load(Path.GetFullPath(pipelinePath, context.WorkingDirectory), pipelinePath);
        // With a model given, a quick train only supplies the held-out rows (the split does not depend on the sample).
        var outcome = ModelTrainer.Train(file, new TrainingOptions { Quick = modelPath is not null });
        using var owned = outcome.Model; // an ONNX model's native session is released when the command ends
        foreach (var d in outcome.Diagnostics)
            (d.Severity == MlSeverity.Error ? context.Error : context.Out).WriteLine(d.ToCanonicalString());
        if (outcome.Model is not { } trained) return outcome.ExitCode;
        // An ML.NET zip, or an ONNX model scored by the same ONNX Runtime scorer as the model test and publish.
        var scorer = modelPath is null ? null : ModelFileScorer.Load(Path.GetFullPath(modelPath, context.WorkingDirectory), modelPath, trained);
        using var ownedScorer = scorer as IDisposable; // an ONNX scorer's native session
        var bytes = GoldenFile.Record(trained, rows, seed ?? trained.Spec.Seed, scorer);
        var target = Path.GetFullPath(output, context.WorkingDirectory);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        AtomicFile.WriteAllBytes(target, bytes);
        int written = bytes.Count(b => b == (byte)'\n') - 1;
        context.Out.WriteLine($"mlbuild: recorded {written.ToString(CultureInfo.InvariantCulture)} golden rows of model '{trained.Spec.Name}' in {output} (seed {(seed ?? trained.Spec.Seed).ToString(CultureInfo.InvariantCulture)}); gate it with {{ \"artifact\": \"golden\", \"file\": \"{output.Replace('\\', '/')}\" }}.");
        return 0;
    }
}
