using System.CommandLine;
using MlBuild.Core.Data.Schema;
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
            var results = new List<ValidationResult>();
            // Said in the last diagnostic of a check with more failures than shown, relative to the project as MSBuild's paths are.
            string? reportPath = request.ReportDirectory is { } dir
                ? Path.GetRelativePath(request.ProjectDirectory, Path.Combine(Path.GetFullPath(dir, request.ProjectDirectory), "data-report.json"))
                : null;
            var options = new ValidationOptions
            {
                MaxFailuresPerCheck = Math.Max(new ValidationOptions().MaxFailuresPerCheck, request.MaxLocationsPerCheck),
            };
            foreach (var d in request.Datasets)
            {
                DatasetSchema schema;
                try { schema = SchemaLoader.Load(Path.GetFullPath(d.Schema, request.ProjectDirectory), d.Schema); }
                catch (MlBuildException e) { diagnostics.Add(e.Diagnostic); continue; }
                var r = DatasetValidator.Validate(new DatasetRequest(d.Name, d.Files, schema, request.ProjectDirectory), options);
                results.Add(r);
                diagnostics.AddRange(ValidationDiagnostics.From(r, request.MaxLocationsPerCheck, reportPath));
                messages.Add(ValidationDiagnostics.BuildSummary(r));
            }
            if (request.ReportDirectory is { } reportDir && results.Count > 0)
            {
                DataCommand.WriteIfAsked(context, Path.Combine(reportDir, "data-report.json"), () => ValidationReport.Json(results, DataCommand.ToolVersion));
                DataCommand.WriteIfAsked(context, Path.Combine(reportDir, "data-profile.json"), () => ValidationReport.ProfileJson(results));
            }
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
