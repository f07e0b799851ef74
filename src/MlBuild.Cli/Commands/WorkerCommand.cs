using System.CommandLine;
using System.Text.Json;
using MlBuild.Core.Data.Schema;
using MlBuild.Core.Data.Validation;
using MlBuild.Core.Diagnostics;
using MlBuild.Core.Reports;

namespace MlBuild.Cli.Commands;

/// <summary>
/// Hidden verbs started by the MSBuild tasks. Each reads a request file, runs the engine and writes a result file
/// (<see cref="ResultFile"/>) that the task replays through MSBuild's logger.
/// </summary>
internal static class WorkerCommand
{
    public static Command Create(CliContext context)
    {
        var worker = new Command("worker", "Verbs started by the MlBuild MSBuild tasks.") { Hidden = true };
        var request = new Option<string>("--request") { Description = "Request JSON written by the task.", Required = true };
        var result = new Option<string>("--result") { Description = "Where to write the result file.", Required = true };
        var validate = new Command("validate", "Validate the datasets of a request.") { request, result };
        validate.SetAction(parse => Validate(context,
            Path.GetFullPath(parse.GetValue(request)!, context.WorkingDirectory),
            Path.GetFullPath(parse.GetValue(result)!, context.WorkingDirectory)));
        worker.Subcommands.Add(validate);
        return worker;
    }

    sealed record DatasetEntry(string Name, string[] Files, string Schema);

    static int Validate(CliContext context, string requestPath, string resultPath)
    {
        var diagnostics = new List<MlDiagnostic>();
        var messages = new List<string>();
        int exit;
        try
        {
            var (projectDir, datasets, reportDir) = ReadRequest(requestPath);
            var results = new List<ValidationResult>();
            foreach (var d in datasets)
            {
                DatasetSchema schema;
                try { schema = SchemaLoader.Load(Path.GetFullPath(d.Schema, projectDir), d.Schema); }
                catch (MlBuildException e) { diagnostics.Add(e.Diagnostic); continue; }
                var r = DatasetValidator.Validate(new DatasetRequest(d.Name, d.Files, schema, projectDir));
                results.Add(r);
                diagnostics.AddRange(ValidationDiagnostics.From(r));
                messages.Add(ValidationDiagnostics.Summary(r));
            }
            if (reportDir is not null && results.Count > 0)
            {
                DataCommand.WriteIfAsked(context, Path.Combine(reportDir, "data-report.json"), () => ValidationReport.Json(results, DataCommand.ToolVersion));
                DataCommand.WriteIfAsked(context, Path.Combine(reportDir, "data-profile.json"), () => ValidationReport.ProfileJson(results));
            }
            exit = diagnostics.Any(x => x.Severity == MlSeverity.Error && (x.Code.StartsWith("MLB9", StringComparison.Ordinal) || IsInputError(x, results)))
                ? (int)ExitCodes.InvalidInput
                : diagnostics.Any(x => x.Severity == MlSeverity.Error) ? (int)ExitCodes.ChecksFailed : (int)ExitCodes.Ok;
        }
        catch (MlBuildException e)
        {
            diagnostics.Add(e.Diagnostic);
            exit = (int)ExitCodes.InvalidInput;
        }
        ResultFile.Write(resultPath, exit, diagnostics, messages);
        foreach (var d in diagnostics) context.Out.WriteLine(d.ToCanonicalString());
        return exit;
    }

    static bool IsInputError(MlDiagnostic d, List<ValidationResult> results) => results.Any(r => r.InputErrors.Contains(d));

    static (string ProjectDir, List<DatasetEntry> Datasets, string? ReportDir) ReadRequest(string path)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            var root = doc.RootElement;
            var projectDir = root.GetProperty("projectDirectory").GetString()!;
            var reportDir = root.TryGetProperty("reportDirectory", out var rd) ? rd.GetString() : null;
            var list = new List<DatasetEntry>();
            foreach (var d in root.GetProperty("datasets").EnumerateArray())
                list.Add(new DatasetEntry(d.GetProperty("name").GetString()!,
                    d.GetProperty("files").EnumerateArray().Select(f => f.GetString()!).ToArray(),
                    d.GetProperty("schema").GetString()!));
            return (projectDir, list, reportDir);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or IOException)
        {
            throw new MlBuildException(new MlDiagnostic("MLB9003", MlSeverity.Error, $"The worker request '{path}' is unreadable: {e.Message}", path));
        }
    }
}
