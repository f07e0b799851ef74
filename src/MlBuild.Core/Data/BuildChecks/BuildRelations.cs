using MlBuild.Core.Data.Relations;
using MlBuild.Core.Data.Schema;
using MlBuild.Core.Data.Validation;
using MlBuild.Core.Diagnostics;
using MlBuild.Core.Models.Gates;
using MlBuild.Core.Pipeline;
using MlBuild.Core.Reports;

namespace MlBuild.Core.Data.BuildChecks;

/// <summary>
/// The relations step of <c>dotnet build</c>'s data checks (docs/relations.md): duplicates, conflicting labels and
/// train/test leakage over <c>mlbuild.json</c>'s datasets (roles, label and features from its model, key and levels from
/// its <c>relations</c> section) and the <c>MlBuildDataset</c> items with relations metadata (<c>Role</c>, <c>Label</c>,
/// <c>Key</c>, <c>Features</c>), in one check, so an item's test data is compared with <c>mlbuild.json</c>'s training
/// data too. A mistake in an item's metadata is MLB2105 at the item's line in the project file.
/// </summary>
public static class BuildRelations
{
    /// <summary>
    /// Whether the build checks relations: unless the request turns them off (<c>MlBuildCheckRelations=false</c>), when
    /// the pipeline file declares more than one dataset or a <c>relations</c> section, or an item has relations metadata.
    /// A single dataset without either is left alone: its duplicates are often real, and the check reads the data a
    /// second time.
    /// </summary>
    public static bool Runs(EngineRequest request, PipelineFile? pipeline, IReadOnlyList<DeclaredDataset> datasets) =>
        request.CheckRelations
        && ((pipeline is not null && (pipeline.Datasets.Count > 1 || pipeline.Root?["relations"] is not null))
            || datasets.Any(d => d.Relations is not null));

    /// <summary>
    /// Checks the relations of the pipeline file's datasets and of <paramref name="datasets"/>' items with relations
    /// metadata; each finding at the file and line of an example row, a summary line per dataset, and the report
    /// <c>data-relations.json</c>. Skipped (with a message) when one of them could not be read: validation has said why.
    /// </summary>
    public static void Check(EngineRequest request, PipelineFile? pipeline, IReadOnlyList<DeclaredDataset> datasets,
        HashSet<string> readable, string toolVersion, BuildCheckOutcome outcome)
    {
        var projectDir = request.ProjectDirectory;
        var marked = datasets.Where(d => d.Relations is not null).ToList();
        var names = (pipeline?.Datasets.Select(d => d.Name) ?? []).Concat(marked.Select(d => d.Name));
        if (names.FirstOrDefault(n => !readable.Contains(n)) is { } unread)
        {
            outcome.Messages.Add($"relations not checked: dataset '{unread}' was not read (see the errors above).");
            return;
        }
        RelationsResult result;
        try
        {
            var plan = pipeline is null ? new RelationsPlan([], new RelationsSpec(), new RelationsPolicy()) : PipelineRelations.Plan(Rebased(pipeline, projectDir));
            plan = WithItems(plan, marked, pipeline?.DisplayPath, projectDir);
            if (plan.Datasets.Count == 0)
            {
                outcome.Messages.Add($"relations not checked: {pipeline?.DisplayPath ?? "the project"} declares no dataset to check.");
                return;
            }
            // The build's properties override the section, as the command line's levels do in `dotnet ml data relations`.
            var policy = plan.Policy with
            {
                Duplicates = Level(request.RelationsDuplicates, "MlBuildRelationsDuplicates") ?? plan.Policy.Duplicates,
                ConflictingLabels = Level(request.RelationsConflictingLabels, "MlBuildRelationsConflictingLabels") ?? plan.Policy.ConflictingLabels,
                Leakage = Level(request.RelationsLeakage, "MlBuildRelationsLeakage") ?? plan.Policy.Leakage,
            };
            result = DatasetRelations.Check(plan.Datasets, plan.Spec, new RelationsOptions { Policy = policy, MaxExamples = request.MaxLocationsPerCheck });
        }
        catch (MlBuildException e)
        {
            outcome.Diagnostics.Add(Located(e.Diagnostic, marked));
            return;
        }
        var report = RelationsReport.Document(result, toolVersion);
        outcome.Diagnostics.AddRange(report.AllDiagnostics());
        foreach (var section in report.Sections)
            outcome.Messages.Add($"relations of {section.Id}: {section.Verdict.Word()}: {section.Summary}");
        if (request.ReportDirectory is { } dir)
        {
            var json = Path.Combine(Path.GetFullPath(dir, projectDir), "data-relations.json");
            AtomicFile.WriteOutput(json, Path.GetRelativePath(projectDir, json), ReportWriters.Json(report));
        }
    }

    /// <summary>The pipeline file with its paths as the project names them, so findings read data/train.csv(5) wherever mlbuild.json lives.</summary>
    static PipelineFile Rebased(PipelineFile pipeline, string projectDir) => pipeline with
    {
        BaseDirectory = projectDir,
        Datasets = pipeline.Datasets.Select(d => d with
        {
            Files = d.Files.Select(f => DeclaredDatasets.Rebase(f, pipeline.BaseDirectory, projectDir)).ToList(),
            Schema = DeclaredDatasets.Rebase(d.Schema, pipeline.BaseDirectory, projectDir),
        }).ToList(),
    };

    /// <summary>
    /// The plan of the pipeline file with the marked items added: each item's dataset with its <c>Role</c> (an item of a
    /// pipeline dataset gives it a role the pipeline does not), and the <c>Label</c>, <c>Key</c> and <c>Features</c>
    /// where the pipeline file names none. A value that contradicts another is MLB2105 at the item.
    /// </summary>
    static RelationsPlan WithItems(RelationsPlan plan, List<DeclaredDataset> marked, string? pipelineDisplay, string projectDir)
    {
        var list = plan.Datasets.ToList();
        var spec = plan.Spec;
        var fromPipeline = pipelineDisplay ?? "mlbuild.json";
        string? labelFrom = spec.Label is null ? null : $"{fromPipeline}'s model";
        string? keyFrom = spec.Key is null ? null : $"{fromPipeline}'s relations section";
        string? featuresFrom = spec.Features is null ? null : $"{fromPipeline}'s model";
        var roleFrom = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var d in list.Where(d => d.Role != DatasetRole.Other))
            roleFrom[d.Request.Name] = $"{fromPipeline}'s model";

        foreach (var d in marked)
        {
            var meta = d.Relations!;
            var item = $"MlBuildDataset '{d.Files[0]}'";
            var role = meta.Role.Trim().ToLowerInvariant() switch
            {
                "" => DatasetRole.Other,
                "train" => DatasetRole.Train,
                "test" => DatasetRole.Test,
                _ => throw At(d, $"{item} has Role=\"{meta.Role}\"; use \"train\", \"test\", or no Role (then its rows are checked for duplicates and conflicting labels only)."),
            };
            if (meta.Label.Trim() is { Length: > 0 } label)
            {
                if (spec.Label is null) (spec, labelFrom) = (spec with { Label = label }, item);
                else if (spec.Label != label)
                    throw At(d, $"{item} has Label=\"{label}\", but {labelFrom} names label '{spec.Label}'. The relations check has one label: give the same one, or leave one out.");
            }
            if (Columns(meta.Key) is { } key)
            {
                if (key.Count == 0) throw At(d, $"{item} has Key=\"{meta.Key}\", which names no column.");
                if (spec.Key is null) (spec, keyFrom) = (spec with { Key = key }, item);
                else if (!spec.Key.SequenceEqual(key, StringComparer.Ordinal))
                    throw At(d, $"{item} has Key=\"{meta.Key}\", but {keyFrom} names the key {string.Join(", ", spec.Key)}. The relations check has one key: give the same columns, or leave one out.");
            }
            if (Columns(meta.Features) is { } features)
            {
                if (features.Count == 0) throw At(d, $"{item} has Features=\"{meta.Features}\", which names no column.");
                if (spec.Features is null) (spec, featuresFrom) = (spec with { Features = features }, item);
                else if (!spec.Features.SequenceEqual(features, StringComparer.Ordinal))
                    throw At(d, $"{item} has Features=\"{meta.Features}\", but {featuresFrom} names the features {string.Join(", ", spec.Features)}. Give the same columns, or leave one out.");
            }

            int existing = list.FindIndex(x => x.Request.Name == d.Name);
            if (existing >= 0)
            {
                // The item names data of a pipeline dataset: its role completes the pipeline's, never contradicts it.
                if (role == DatasetRole.Other) continue;
                if (list[existing].Role != DatasetRole.Other && list[existing].Role != role)
                    throw At(d, $"{item} has Role=\"{meta.Role}\", but {roleFrom[d.Name]} makes dataset '{d.Name}' its {Word(list[existing].Role)} data.");
                list[existing] = list[existing] with { Role = role };
            }
            else
            {
                var schema = SchemaLoader.Load(Path.GetFullPath(d.Schema, projectDir), d.Schema);
                list.Add(new RelationsDataset(new DatasetRequest(d.Name, d.Files, schema, projectDir), role));
            }
            if (role != DatasetRole.Other) roleFrom[d.Name] = item;
        }

        // The rules DatasetRelations enforces, checked here so the error points at the item that breaks them.
        var trains = list.Where(x => x.Role == DatasetRole.Train).ToList();
        if (trains.Count > 1)
        {
            var second = marked.LastOrDefault(m => trains.Any(t => t.Request.Name == m.Name)) ?? marked.FirstOrDefault();
            throw At(second, $"Dataset '{second?.Name}' has Role=\"train\", but {string.Join(" and ", trains.Where(t => t.Request.Name != second?.Name).Select(t => $"'{t.Request.Name}' (from {roleFrom[t.Request.Name]})"))} is training data too. The relations check compares test data with one training dataset: give Role=\"train\" to one, or put the files in one dataset (Dataset metadata).");
        }
        if (trains.Count == 0 && list.FirstOrDefault(x => x.Role == DatasetRole.Test) is { } test)
        {
            var testItem = marked.FirstOrDefault(m => m.Name == test.Request.Name) ?? marked.FirstOrDefault();
            throw At(testItem, $"Dataset '{test.Request.Name}' has Role=\"test\", but no dataset is the training data its rows are checked against for leakage. Give the training data's item Role=\"train\" (or declare it as mlbuild.json's model.dataset).");
        }
        return new RelationsPlan(list, spec, plan.Policy);
    }

    static RelationLevel? Level(string? text, string property) =>
        string.IsNullOrEmpty(text) ? null
        : RelationsPolicy.ParseLevel(text) ?? throw new MlBuildException(new MlDiagnostic(DiagnosticCodes.InvalidRelationsSettings, MlSeverity.Error,
            $"{property} is '{text}'; set it to error, warning or off."));

    static string Word(DatasetRole role) => role == DatasetRole.Train ? "training" : "test";

    /// <summary>Column names written as <c>a;b</c> or <c>a, b</c>; null when the metadata is empty.</summary>
    static List<string>? Columns(string text) =>
        text.Trim().Length == 0 ? null
        : text.Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();

    static MlBuildException At(DeclaredDataset? d, string message)
    {
        var at = d?.ItemPosition;
        return new MlBuildException(new MlDiagnostic(DiagnosticCodes.InvalidRelationsSettings, MlSeverity.Error, message, at?.File, at?.Line ?? 0, at?.Column ?? 0));
    }

    /// <summary>
    /// A relations mistake found while reading (a key or feature column a dataset lacks) has no place of its own: it is
    /// put at the item whose <c>Key</c>, <c>Features</c> or <c>Label</c> named the columns, when items named them.
    /// </summary>
    static MlDiagnostic Located(MlDiagnostic diagnostic, List<DeclaredDataset> marked)
    {
        if (diagnostic.File is not null || diagnostic.Code != DiagnosticCodes.InvalidRelationsSettings.Code) return diagnostic;
        var named = marked.FirstOrDefault(m => m.ItemPosition is not null && (m.Relations!.Key.Trim().Length > 0 || m.Relations.Features.Trim().Length > 0))
            ?? marked.FirstOrDefault(m => m.ItemPosition is not null && m.Relations!.Label.Trim().Length > 0);
        return named?.ItemPosition is { } at ? diagnostic with { File = at.File, Line = at.Line, Column = at.Column } : diagnostic;
    }
}
