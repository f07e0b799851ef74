using MlBuild.Core.Data.Drift;
using MlBuild.Core.Data.Lock;
using MlBuild.Core.Data.Profiling;
using MlBuild.Core.Data.Relations;
using MlBuild.Core.Data.Schema;
using MlBuild.Core.Data.Validation;
using MlBuild.Core.Diagnostics;
using MlBuild.Core.Models.Gates;
using MlBuild.Core.Pipeline;
using MlBuild.Core.Reports;

namespace MlBuild.Core.Data.BuildChecks;

/// <summary>What one run of the build's data checks found and read.</summary>
public sealed class BuildCheckOutcome
{
    /// <summary>Every diagnostic, in order: pipeline file, drift rules, then per dataset validation and drift, then relations, then the lock.</summary>
    public List<MlDiagnostic> Diagnostics { get; } = [];
    /// <summary>Summary lines the build shows at the default verbosity.</summary>
    public List<string> Messages { get; } = [];
    /// <summary>The validation results, for the JSON report and profile.</summary>
    public List<ValidationResult> Results { get; } = [];
    /// <summary>The files (full paths, globs kept) whose change must run the checks again.</summary>
    public SortedSet<string> Inputs { get; } = new(StringComparer.Ordinal);
}

/// <summary>
/// The engine side of <c>dotnet build</c>'s data checks (<c>mlbuild engine validate</c>): the request's datasets joined
/// with <c>mlbuild.json</c>'s (<see cref="DeclaredDatasets"/>), each validated against its schema, then, where it names a
/// reference profile, checked for drift in the same process by <c>mlbuild.json</c>'s drift rule (MLB2020 where the
/// reference is named, naming the data and the columns, with an HTML report in the report folder), then the relations
/// between <c>mlbuild.json</c>'s datasets and the items with relations metadata (<see cref="BuildRelations"/>), then the
/// data files checked against the data lock. Lists what it read, so the build's
/// next up-to-date check needs no process.
/// </summary>
public static class BuildDataCheck
{
    /// <summary>Most columns one MLB2020 names; the report has them all.</summary>
    public const int MaxColumnsNamed = 8;

    /// <summary>Runs the checks of <paramref name="request"/>.</summary>
    public static BuildCheckOutcome Run(EngineRequest request, string toolVersion)
    {
        var outcome = new BuildCheckOutcome();
        var projectDir = request.ProjectDirectory;
        string Display(string fullPath) => Path.GetRelativePath(projectDir, fullPath).Replace('\\', '/');

        SourcePosition? ItemAt(EngineRequestDataset d) => d.DefinedAt is { File: { } file } at
            ? at with { File = Display(Path.GetFullPath(file, projectDir)) }
            : null;
        var items = request.Datasets.Select(d => new DeclaredDataset(d.Name, d.Files, d.Schema)
        {
            Reference = d.Reference,
            ItemPosition = ItemAt(d),
            ReferencePosition = d.Reference is null ? null : ItemAt(d),
            Relations = d.Relations,
        }).ToList();
        PipelineFile? pipeline = null;
        if (request.PipelineFile is { } pipelinePath)
        {
            var full = Path.GetFullPath(pipelinePath, projectDir);
            outcome.Inputs.Add(Slashes(full));
            try { pipeline = PipelineLoader.Load(full, Display(full)); }
            catch (MlBuildException e) { outcome.Diagnostics.Add(e.Diagnostic); }
        }
        var datasets = DeclaredDatasets.Join(items, pipeline, projectDir, outcome.Diagnostics);
        // The drift rules of mlbuild.json are checked whether or not a dataset has a reference: a mistake is MLB2009 at
        // its line and column, and no drift is judged by a rule that did not read.
        bool driftRulesRead = true;
        if (pipeline is not null)
        {
            try
            {
                PipelineDriftRule.Read(pipeline, null);
                foreach (var d in pipeline.Datasets) PipelineDriftRule.Read(pipeline, d.Name);
            }
            catch (MlBuildException e) { outcome.Diagnostics.Add(e.Diagnostic); driftRulesRead = false; }
        }

        string? reportPath = request.ReportDirectory is { } dir ? Display(Path.Combine(Path.GetFullPath(dir, projectDir), "data-report.json")) : null;
        var options = new ValidationOptions
        {
            MaxFailuresPerCheck = Math.Max(new ValidationOptions().MaxFailuresPerCheck, request.MaxLocationsPerCheck),
        };
        var readable = new List<(string Name, IReadOnlyList<DatasetFile> Files)>();
        foreach (var d in datasets)
        {
            outcome.Inputs.UnionWith(DeclaredDatasets.InputPatterns(d, projectDir));
            var schemaFull = Path.GetFullPath(d.Schema, projectDir);
            outcome.Inputs.Add(Slashes(schemaFull));
            if (d.Reference is { } referencePath) outcome.Inputs.Add(Slashes(Path.GetFullPath(referencePath, projectDir)));
            DatasetSchema schema;
            try { schema = SchemaLoader.Load(schemaFull, d.Schema); }
            catch (MlBuildException e) { outcome.Diagnostics.Add(e.Diagnostic); continue; }
            var dataset = new DatasetRequest(d.Name, d.Files, schema, projectDir);
            // A dataset with a reference profile is validated and profiled for drift in one pass over its files; the
            // reference's problems are reported where reading it after validation would report them.
            bool checksDrift = d.Reference is not null && driftRulesRead;
            var rule = checksDrift ? PipelineDriftRule.Read(pipeline, pipeline?.Dataset(d.Name) is null ? null : d.Name) : null;
            MergeableProfile? reference = null;
            MlDiagnostic? referenceProblem = null;
            if (checksDrift)
            {
                try { reference = ReadReference(request, d, dataset, rule!, out referenceProblem); }
                catch (MlBuildException e) { referenceProblem = e.Diagnostic; }
            }
            ValidationResult result;
            MergeableProfile? current = null;
            if (reference is not null) (result, current) = ProfileBuilder.ValidateForDrift(dataset, reference, options);
            else result = DatasetValidator.Validate(dataset, options);
            outcome.Results.Add(result);
            outcome.Diagnostics.AddRange(ValidationDiagnostics.From(result, request.MaxLocationsPerCheck, reportPath));
            outcome.Messages.Add(ValidationDiagnostics.BuildSummary(result));
            if (result.InputErrors.Count > 0) continue;
            var files = DatasetValidator.ResolveFiles(dataset).Select(f => new DatasetFile(f.FullPath, f.Display)).ToList();
            readable.Add((d.Name, files));
            if (!checksDrift || files.Count == 0) continue;
            if (referenceProblem is not null) outcome.Diagnostics.Add(referenceProblem);
            else if (reference is not null && current is not null)
            {
                try { JudgeDrift(request, d, dataset, rule!, reference, current, files[0].Display, toolVersion, outcome); }
                catch (MlBuildException e) { outcome.Diagnostics.Add(e.Diagnostic); }
            }
        }
        if (BuildRelations.Runs(request, pipeline, datasets))
            BuildRelations.Check(request, pipeline, datasets, readable.Select(r => r.Name).ToHashSet(StringComparer.Ordinal), toolVersion, outcome);
        CheckLock(request, readable, outcome);
        return outcome;
    }

    static string Slashes(string path) => path.Replace('\\', '/');

    /// <summary>
    /// The reference profile of a dataset, checked against its schema and drift rule; null with the problem (a missing
    /// profile, a rule naming a column it lacks) in <paramref name="problem"/>. Throws for a profile that does not read
    /// (MLB2005/MLB2006) or is of another schema (MLB2011).
    /// </summary>
    static MergeableProfile? ReadReference(EngineRequest request, DeclaredDataset declared, DatasetRequest dataset, PipelineDriftRule rule, out MlDiagnostic? problem)
    {
        problem = null;
        var referenceDisplay = declared.Reference!;
        var referenceFull = Path.GetFullPath(referenceDisplay, request.ProjectDirectory);
        if (!File.Exists(referenceFull))
        {
            var at = declared.ReferencePosition ?? declared.Position;
            problem = new MlDiagnostic(DiagnosticCodes.ReferenceProfileMissing, MlSeverity.Error,
                $"The reference profile '{referenceDisplay}' of dataset '{declared.Name}' does not exist. Write it from the training data with 'dotnet ml data profile {declared.Files[0]} --schema {declared.Schema} -o {referenceDisplay}' and commit it.",
                at?.File, at?.Line ?? 0, at?.Column ?? 0);
            return null;
        }
        var reference = ProfileJson.ReadFile(referenceFull, referenceDisplay);
        CheckSchemaMatches(dataset.Schema, reference, referenceDisplay);
        problem = rule.UnknownColumn(reference.Columns.Select(c => c.Name).ToHashSet(StringComparer.Ordinal), referenceDisplay);
        return problem is null ? reference : null;
    }

    /// <summary>Drift of one validated dataset (profiled as <paramref name="current"/>) against its reference; diagnostics at <paramref name="firstFile"/>, its first data file.</summary>
    static void JudgeDrift(EngineRequest request, DeclaredDataset declared, DatasetRequest dataset, PipelineDriftRule rule, MergeableProfile reference, MergeableProfile current,
        string firstFile, string toolVersion, BuildCheckOutcome outcome)
    {
        var projectDir = request.ProjectDirectory;
        var referenceDisplay = declared.Reference!;
        var currentDisplay = string.Join(" ", dataset.Files);
        var result = DriftAnalyzer.Analyze(reference, current, rule.Rule, referenceDisplay, currentDisplay);

        string? htmlDisplay = null;
        if (request.ReportDirectory is { } dir)
        {
            var folder = Path.GetFullPath(dir, projectDir);
            var stem = "drift-" + SafeName(declared.Name);
            var html = Path.Combine(folder, stem + ".html");
            htmlDisplay = Path.GetRelativePath(projectDir, html).Replace('\\', '/');
            AtomicFile.WriteOutput(html, htmlDisplay, HtmlDriftReport.Write(result.ToReportInput(referenceDisplay, currentDisplay)));
            var json = Path.Combine(folder, stem + ".json");
            AtomicFile.WriteOutput(json, Path.GetRelativePath(projectDir, json), ReportWriters.Json(DriftReport.Document(result, referenceDisplay, currentDisplay, toolVersion)));
        }
        foreach (var c in result.Columns.Where(c => c.Status == ColumnDriftStatus.NotCompared))
            if (DriftResult.DiagnosticOf(c, firstFile) is { } info) outcome.Diagnostics.Add(info);
        if (!result.Drifted)
        {
            outcome.Messages.Add($"{currentDisplay}: no drift from {referenceDisplay} ({result.DriftedColumns} of {result.ComparedColumns} columns drifted)"
                + (htmlDisplay is null ? "" : $"; report: {htmlDisplay}"));
            return;
        }
        var drifted = result.Columns
            .Where(c => c.Status is ColumnDriftStatus.Drifted or ColumnDriftStatus.Missing or ColumnDriftStatus.TypeChanged)
            .OrderByDescending(c => double.IsFinite(c.Score) ? c.Score : double.MaxValue).ThenBy(c => c.Name, StringComparer.Ordinal)
            .ToList();
        var named = drifted.Take(MaxColumnsNamed).Select(c => DriftResult.DiagnosticOf(c, currentDisplay)!.Message);
        var more = drifted.Count > MaxColumnsNamed ? $"; and {drifted.Count - MaxColumnsNamed} more" : "";
        // At the place that promises the data looks like the reference (the dataset's "reference" in mlbuild.json, or the
        // item with the Reference metadata), naming the data; at the data file when that place is not known.
        var promised = declared.ReferencePosition;
        outcome.Diagnostics.Add(new MlDiagnostic(DiagnosticCodes.DatasetDrifted, MlSeverity.Error,
            $"dataset '{declared.Name}' ({currentDisplay}) drifted from its reference profile '{referenceDisplay}' ({result.DriftedColumns} of {result.ComparedColumns} columns, {result.CurrentRows} rows against {result.ReferenceRows}): "
            + string.Join("; ", named) + more
            + (htmlDisplay is null ? "." : $". Report: {htmlDisplay}"),
            promised?.File ?? firstFile, promised?.Line ?? 0, promised?.Column ?? 0));
        if (htmlDisplay is not null)
            outcome.Messages.Add($"{currentDisplay}: drift report written to {htmlDisplay}");
    }


    static string SafeName(string name) =>
        new(name.Select(ch => char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_' or '.' ? ch : '_').ToArray());

    /// <summary>MLB2011 when a reference profile's columns are missing from, or of another type in, the schema the data is read with.</summary>
    public static DatasetSchema CheckSchemaMatches(DatasetSchema schema, MergeableProfile profile, string display)
    {
        var declared = schema.Columns.ToDictionary(c => c.Name, c => c.Type, StringComparer.Ordinal);
        foreach (var c in profile.Columns)
            if (!declared.TryGetValue(c.Name, out var type) || type != c.Type)
                throw new MlBuildException(new MlDiagnostic(DriftCodes.ProfileOfAnotherSchema, MlSeverity.Error,
                    $"The reference profile '{display}' is of another schema: its column '{c.Name}' ({ProfileJson.TypeName(c.Type)}) is "
                    + (declared.TryGetValue(c.Name, out var t) ? $"declared as {ProfileJson.TypeName(t)}" : "not declared") + " in the schema. Profile the reference again with this schema.", display));
        return schema;
    }

    static void CheckLock(EngineRequest request, List<(string Name, IReadOnlyList<DatasetFile> Files)> datasets, BuildCheckOutcome outcome)
    {
        if (request.LockFile is not { } lockPath) return;
        var projectDir = request.ProjectDirectory;
        var full = Path.GetFullPath(lockPath, projectDir);
        var display = Path.GetRelativePath(projectDir, full).Replace('\\', '/');
        if (!File.Exists(full))
        {
            if (request.LockedMode)
                outcome.Diagnostics.Add(new MlDiagnostic(DiagnosticCodes.DataLockMissing, MlSeverity.Error,
                    $"Locked mode is on (MlBuildLockedMode) but the data lock '{display}' does not exist. Run 'dotnet ml data lock' in the project folder and commit '{display}'.", display));
            return;
        }
        outcome.Inputs.Add(Slashes(full));
        try
        {
            var locked = DataLock.Read(full, display);
            outcome.Diagnostics.AddRange(DataLock.Check(locked, datasets, Path.GetDirectoryName(full)!, display,
                request.LockedMode ? MlSeverity.Error : MlSeverity.Warning));
        }
        catch (MlBuildException e) { outcome.Diagnostics.Add(e.Diagnostic); }
    }
}
