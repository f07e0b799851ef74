using MlBuild.Core.Data.Schema;
using MlBuild.Core.Data.Validation;
using MlBuild.Core.Diagnostics;
using MlBuild.Core.Json;
using MlBuild.Core.Pipeline;

namespace MlBuild.Core.Data.Relations;

/// <summary>
/// The <c>relations</c> section of the pipeline file (docs/relations.md):
/// <code>"relations": { "key": ["customer_id"], "duplicates": "warning", "conflictingLabels": "warning", "leakage": "error" }</code>
/// Every member is optional. <c>key</c> (a column name or a list) names the columns that identify an entity: leakage
/// compares them instead of the feature values.
/// </summary>
/// <param name="Policy">The levels of the three relations.</param>
/// <param name="Key">The key columns, or null.</param>
public sealed record RelationsSettings(RelationsPolicy Policy, IReadOnlyList<string>? Key)
{
    static readonly string[] Keys = ["key", "duplicates", "conflictingLabels", "leakage", "description"];

    /// <summary>The section of <paramref name="pipeline"/>, or the defaults when it has none. Mistakes are MLB2105 at the value.</summary>
    public static RelationsSettings Read(PipelineFile pipeline)
    {
        var file = pipeline.DisplayPath;
        if (pipeline.Root?["relations"] is not { } node) return new RelationsSettings(new RelationsPolicy(), null);
        if (node.Kind != PositionedJsonKind.Object) throw At(file, node, "'relations' must be an object.");
        foreach (var (name, line, column, _) in node.Members)
            if (!Keys.Contains(name))
                throw DatasetRelations.Settings($"Unknown property '{name}' in 'relations'; expected one of {string.Join(", ", Keys)}.", file, line, column);

        IReadOnlyList<string>? key = null;
        if (node["key"] is { } k)
        {
            key = k.Kind switch
            {
                PositionedJsonKind.String => [k.Text!],
                PositionedJsonKind.Array when k.Items.All(i => i.Kind == PositionedJsonKind.String) => k.Items.Select(i => i.Text!).ToList(),
                _ => throw At(file, k, "relations.key must be a column name or a list of column names."),
            };
            if (key.Count == 0) throw At(file, k, "relations.key names no column; name at least one, or leave it out to compare feature values.");
        }
        RelationLevel Level(string name, RelationLevel fallback)
        {
            if (node[name] is not { } v) return fallback;
            return (v.Kind == PositionedJsonKind.String ? RelationsPolicy.ParseLevel(v.Text) : null)
                ?? throw At(file, v, $"relations.{name} must be \"error\", \"warning\" or \"off\".");
        }
        var defaults = new RelationsPolicy();
        var policy = new RelationsPolicy
        {
            Duplicates = Level("duplicates", defaults.Duplicates),
            ConflictingLabels = Level("conflictingLabels", defaults.ConflictingLabels),
            Leakage = Level("leakage", defaults.Leakage),
        };
        return new RelationsSettings(policy, key);
    }

    static MlBuildException At(string file, PositionedJson node, string message) => DatasetRelations.Settings(message, file, node.Line, node.Column);
}

/// <summary>What a relations check compares: the datasets with their roles, the spec and the levels.</summary>
/// <param name="Datasets">The datasets, in the order checked.</param>
/// <param name="Spec">Label, features, key and split.</param>
/// <param name="Policy">The levels (the <c>relations</c> section's, or the defaults).</param>
public sealed record RelationsPlan(IReadOnlyList<RelationsDataset> Datasets, RelationsSpec Spec, RelationsPolicy Policy);

/// <summary>The relations of a pipeline file's datasets: what the build and <c>dotnet ml data relations --pipeline</c> run.</summary>
public static class PipelineRelations
{
    /// <summary>
    /// Checks every dataset <paramref name="pipeline"/> declares: duplicates in each; with a model, conflicting labels
    /// (its label, its features) and leakage of <c>model.split.testDataset</c> against <c>model.dataset</c>, or between
    /// the two sides of the split within <c>model.dataset</c>. Levels come from <paramref name="options"/>' policy, else
    /// the file's <c>relations</c> section; the key from <paramref name="key"/>, else the section.
    /// </summary>
    public static RelationsResult Check(PipelineFile pipeline, RelationsOptions? options = null, IReadOnlyList<string>? key = null)
    {
        var plan = Plan(pipeline, key);
        if (plan.Datasets.Count == 0)
            throw DatasetRelations.Settings($"'{pipeline.DisplayPath}' declares no dataset to check.", pipeline.DisplayPath);
        options ??= new RelationsOptions();
        options = options with { Policy = options.Policy ?? plan.Policy };
        return DatasetRelations.Check(plan.Datasets, plan.Spec, options);
    }

    /// <summary>
    /// What <see cref="Check"/> checks, before reading any data: every dataset with its role, what rows are compared by
    /// (label, features, key, split) and the levels of the <c>relations</c> section. The build adds the
    /// <c>MlBuildDataset</c> items with relations metadata to it.
    /// </summary>
    public static RelationsPlan Plan(PipelineFile pipeline, IReadOnlyList<string>? key = null)
    {
        var settings = RelationsSettings.Read(pipeline);
        var model = pipeline.Model;
        var datasets = new List<RelationsDataset>();
        DatasetSchema? trainSchema = null;
        foreach (var d in pipeline.Datasets)
        {
            var schema = SchemaLoader.Load(Path.GetFullPath(d.Schema, pipeline.BaseDirectory), d.Schema);
            var role = model is null ? DatasetRole.Other
                : d.Name == model.Dataset ? DatasetRole.Train
                : d.Name == model.Split.TestDataset ? DatasetRole.Test
                : DatasetRole.Other;
            if (role == DatasetRole.Train) trainSchema = schema;
            datasets.Add(new RelationsDataset(new DatasetRequest(d.Name, d.Files, schema, pipeline.BaseDirectory), role));
        }
        var spec = new RelationsSpec { Key = key ?? settings.Key };
        if (model is not null && trainSchema is not null)
            spec = spec with
            {
                Label = model.Label,
                Features = Features(model, trainSchema),
                Split = model.Split.TestDataset is null ? new SplitWithinDataset(model.Split.KeyColumn, model.Seed, model.Split.TestShare) : null,
            };
        return new RelationsPlan(datasets, spec, settings.Policy);
    }

    /// <summary>The model's feature columns, as training takes them: those listed, else every column but the label, the split key and the excluded ones; minus those featurisation ignores.</summary>
    static List<string> Features(ModelSpec model, DatasetSchema schema)
    {
        var names = model.Features?.Select(f => f.Name).ToList()
            ?? schema.Columns.Select(c => c.Name)
                .Where(n => n != model.Label && n != model.Split.KeyColumn && !model.ExcludedFeatures.Any(e => e.Name == n)).ToList();
        return names.Where(n => !(model.Featurization.Columns.TryGetValue(n, out var h) && h.Handling == FeatureHandling.Ignore)).ToList();
    }
}
