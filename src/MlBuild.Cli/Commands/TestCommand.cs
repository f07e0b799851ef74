using System.CommandLine;
using MlBuild.Core.Diagnostics;
using MlBuild.Core.Models.ModelTests;
using MlBuild.Core.Pipeline;
using MlBuild.Core.Reports;

namespace MlBuild.Cli.Commands;

/// <summary>
/// <c>dotnet ml test</c>: the model test <c>dotnet test</c> runs (quick train, evaluate, gates), from a shell; and its
/// engine verb <c>mlbuild engine test-model</c>, started by the <c>MlBuildTestModel</c> task. One run, two front doors.
/// </summary>
internal static class TestCommand
{
    /// <summary>The default output folder of <c>dotnet ml test</c> (TestResults/ is what .NET's .gitignore already ignores).</summary>
    public const string DefaultOutput = "TestResults/mlbuild";

    public static Command Create(CliContext context)
    {
        var pipeline = new Option<string>("--pipeline", "-p") { Description = "The pipeline file.", DefaultValueFactory = _ => PipelineLoader.DefaultFileName };
        var output = new Option<string>("--output", "-o")
        {
            Description = $"Write the model, its evidence and the reports (model-test.json, .junit.xml, .trx) here (default: {DefaultOutput}).",
            DefaultValueFactory = _ => DefaultOutput,
        };
        var threads = new Option<int?>("--threads") { Description = "Reader and bootstrap threads (default: all cores). Results do not depend on it." };
        CliApp.RequirePositive(threads);
        var cmd = new Command("test", "Quick-train the pipeline file's model on its seeded sample, evaluate it and run its gates, as `dotnet test` does; exit 1 when a gate fails.")
        {
            pipeline, output, threads,
        };
        cmd.SetAction(parse =>
        {
            var pipelinePath = parse.GetValue(pipeline)!;
            var file = PipelineLoader.Load(Path.GetFullPath(pipelinePath, context.WorkingDirectory), pipelinePath);
            using var outcome = ModelTestRunner.Run(file, new ModelTestOptions
            {
                ToolVersion = DataCommand.ToolVersion,
                Parallelism = parse.GetValue(threads) ?? Environment.ProcessorCount,
            });
            foreach (var d in outcome.Diagnostics.Where(d => d.Severity != MlSeverity.Info))
                (d.Severity == MlSeverity.Error ? context.Error : context.Out).WriteLine(d.ToCanonicalString());
            foreach (var line in outcome.Lines()) context.Out.WriteLine(line);
            var folder = parse.GetValue(output)!;
            ModelTestRunner.WriteOutputs(outcome, Path.GetFullPath(folder, context.WorkingDirectory));
            foreach (var w in ModelTestRunner.WriteSummary(outcome, Path.GetFullPath(folder, context.WorkingDirectory)).Warnings)
                context.Out.WriteLine(w.ToCanonicalString());
            context.Out.WriteLine($"mlbuild: reports in {folder}");
            return (int)outcome.ExitCode;
        });
        return cmd;
    }

    /// <summary><c>mlbuild engine test-model --request R --result F</c>: the same run for the MSBuild task.</summary>
    public static Command CreateEngineVerb(CliContext context, Option<string> request, Option<string> result)
    {
        var verb = new Command("test-model", "Quick-train, evaluate and gate the model of a request's pipeline file.") { request, result };
        verb.SetAction(parse => EngineTestModel(context,
            Path.GetFullPath(parse.GetValue(request)!, context.WorkingDirectory),
            Path.GetFullPath(parse.GetValue(result)!, context.WorkingDirectory)));
        return verb;
    }

    static int EngineTestModel(CliContext context, string requestPath, string resultPath)
    {
        var diagnostics = new List<MlDiagnostic>();
        var messages = new List<string>();
        try
        {
            var request = ModelTestRequest.Read(requestPath);
            var output = Path.GetFullPath(request.OutputDirectory, request.ProjectDirectory);
            Directory.CreateDirectory(output);
            var inputsFile = Path.Combine(output, ModelTestRunner.FileNames.Inputs);
            // Emptied first (the build adds the pipeline file itself), so a pipeline file that does not load leaves no stale list.
            AtomicFile.WriteAllText(inputsFile, "");
            // Nor a stale summary: the task names and appends whatever summary this run leaves.
            File.Delete(Path.Combine(output, ModelTestRunner.FileNames.Summary));
            var file = PipelineLoader.Load(Path.GetFullPath(request.Pipeline, request.ProjectDirectory), request.Pipeline);
            var inputWarnings = new List<MlDiagnostic>();
            AtomicFile.WriteAllText(inputsFile, string.Concat(ModelTestRunner.InputFiles(file, inputWarnings).Select(f => f + "\n")));
            diagnostics.AddRange(inputWarnings);
            using var outcome = ModelTestRunner.Run(file, new ModelTestOptions { ToolVersion = DataCommand.ToolVersion });
            diagnostics.AddRange(outcome.Diagnostics);
            messages.AddRange(outcome.Lines());
            ModelTestRunner.WriteOutputs(outcome, output);
            // The pull-request summary, with the drift reports the build wrote (drift-*.json), in name order.
            var drift = request.DriftDirectory is { } dir && Directory.Exists(Path.GetFullPath(dir, request.ProjectDirectory))
                ? Directory.GetFiles(Path.GetFullPath(dir, request.ProjectDirectory), "drift-*.json").Order(StringComparer.Ordinal)
                    .Select(f => (f, Path.GetRelativePath(request.ProjectDirectory, f).Replace('\\', '/'))).ToList()
                : [];
            diagnostics.AddRange(ModelTestRunner.WriteSummary(outcome, output, drift).Warnings);
        }
        catch (MlBuildException e)
        {
            diagnostics.Add(e.Diagnostic);
        }
        // The exit code comes from the diagnostics' verdicts: a gate's after its policy (an inconclusive gate under
        // "warn" is a warning), training's as their kinds say.
        int exit = (int)Verdicts.ExitCode(diagnostics);
        ResultFile.Write(resultPath, exit, diagnostics, messages);
        foreach (var m in messages) context.Out.WriteLine(m);
        foreach (var d in diagnostics) context.Out.WriteLine(d.ToCanonicalString());
        return exit;
    }
}
