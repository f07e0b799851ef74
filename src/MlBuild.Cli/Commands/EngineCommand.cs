using System.CommandLine;
using MlBuild.Core.Data.BuildChecks;
using MlBuild.Core.Data.Validation;
using MlBuild.Core.Diagnostics;
using MlBuild.Core.Reports;

namespace MlBuild.Cli.Commands;

/// <summary>
/// Hidden verbs (<c>mlbuild engine ...</c>) started by the MSBuild tasks: the engine process. Each reads a request file
/// (<see cref="EngineRequest"/>), runs the engine and writes a result file (<see cref="ResultFile"/>) that the task
/// replays through MSBuild's logger.
/// </summary>
internal static class EngineCommand
{
    public static Command Create(CliContext context)
    {
        var engine = new Command("engine", "Verbs started by the MlBuild MSBuild tasks.") { Hidden = true };
        var request = new Option<string>("--request") { Description = "Request JSON written by the task.", Required = true };
        var result = new Option<string>("--result") { Description = "Where to write the result file.", Required = true };
        var validate = new Command("validate", "Validate the datasets of a request.") { request, result };
        validate.SetAction(parse => Validate(context,
            Path.GetFullPath(parse.GetValue(request)!, context.WorkingDirectory),
            Path.GetFullPath(parse.GetValue(result)!, context.WorkingDirectory)));
        engine.Subcommands.Add(validate);
        var publishModel = new Command("publish-model", "Train, measure, gate and write the model files of a publish request.") { request, result };
        publishModel.SetAction(parse => PublishModelVerb.Run(context,
            Path.GetFullPath(parse.GetValue(request)!, context.WorkingDirectory),
            Path.GetFullPath(parse.GetValue(result)!, context.WorkingDirectory)));
        engine.Subcommands.Add(publishModel);
        engine.Subcommands.Add(TestCommand.CreateEngineVerb(context, request, result));
        return engine;
    }

    static int Validate(CliContext context, string requestPath, string resultPath)
    {
        var diagnostics = new List<MlDiagnostic>();
        var messages = new List<string>();
        try
        {
            var request = EngineRequest.Read(requestPath);
            // Validation, drift against reference profiles and the data lock, for the items and mlbuild.json's datasets.
            var outcome = BuildDataCheck.Run(request, DataCommand.ToolVersion);
            diagnostics.AddRange(outcome.Diagnostics);
            messages.AddRange(outcome.Messages);
            if (request.ReportDirectory is { } reportDir && outcome.Results.Count > 0)
            {
                DataCommand.WriteIfAsked(context, Path.Combine(reportDir, "data-report.json"), () => ValidationReport.Json(outcome.Results, DataCommand.ToolVersion));
                DataCommand.WriteIfAsked(context, Path.Combine(reportDir, "data-profile.json"), () => ValidationReport.ProfileJson(outcome.Results));
            }
            // What the checks read, for the build's next up-to-date check (globs stay globs: MSBuild expands them).
            if (request.InputsFile is { } inputsFile)
                AtomicFile.WriteAllText(Path.GetFullPath(inputsFile, request.ProjectDirectory), string.Concat(outcome.Inputs.Select(i => i + "\n")));
        }
        catch (MlBuildException e)
        {
            diagnostics.Add(e.Diagnostic);
        }
        // The exit code comes from the diagnostics' verdicts (their severity and their code's kind), as for every verb.
        int exit = (int)Verdicts.ExitCode(diagnostics);
        ResultFile.Write(resultPath, exit, diagnostics, messages);
        foreach (var d in diagnostics) context.Out.WriteLine(d.ToCanonicalString());
        return exit;
    }
}
