using MlBuild.Core.Data.Validation;
using MlBuild.Core.Diagnostics;
using MlBuild.Core.Models.Gates;
using MlBuild.Core.Pipeline;
using MlBuild.Core.Reports;

namespace MlBuild.Core.Data.BuildChecks;

/// <summary>
/// A dataset the project declares, from an <c>MlBuildDataset</c> item or from <c>mlbuild.json</c>. Paths are relative
/// to the project directory (or rooted); files may be globs.
/// </summary>
/// <param name="Name">The dataset's name in diagnostics, reports and the data lock.</param>
/// <param name="Files">Data files or globs.</param>
/// <param name="Schema">The schema file.</param>
public sealed record DeclaredDataset(string Name, IReadOnlyList<string> Files, string Schema)
{
    /// <summary>The reference profile drift is checked against, or null.</summary>
    public string? Reference { get; init; }
    /// <summary>Where <c>mlbuild.json</c> declares it (null for an item: the task knows the item's line).</summary>
    public SourcePosition? Position { get; init; }
    /// <summary>Where its <c>MlBuildDataset</c> item is declared (the project file's line), when the task sent it.</summary>
    public SourcePosition? ItemPosition { get; init; }
    /// <summary>Where its reference profile is named: the <c>reference</c> value in <c>mlbuild.json</c>, or the item with
    /// the <c>Reference</c> metadata. The drift finding (MLB2020) is reported there.</summary>
    public SourcePosition? ReferencePosition { get; init; }
    /// <summary>The item's relations metadata (<c>Role</c>, <c>Label</c>, <c>Key</c>, <c>Features</c>), or null: only
    /// <c>mlbuild.json</c>'s own datasets and such items take part in the relations check.</summary>
    public ItemRelations? Relations { get; init; }
}

/// <summary>
/// The rule of docs/pipeline.md that joins the two front doors: a dataset of <c>mlbuild.json</c> counts as an
/// <c>MlBuildDataset</c> item; an item naming a file <c>mlbuild.json</c> declares is that same dataset (validated once, under
/// the pipeline's name); if the two name different schemas (or references) that is MLB9030 at the pipeline's line.
/// </summary>
public static class DeclaredDatasets
{
    static readonly StringComparer PathComparer = OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;

    /// <summary>
    /// The items' datasets joined with the pipeline file's, in the items' order then the pipeline's new ones.
    /// Conflicts are added to <paramref name="diagnostics"/>; the items of a conflicting dataset are still validated.
    /// </summary>
    public static List<DeclaredDataset> Join(IReadOnlyList<DeclaredDataset> items, PipelineFile? pipeline, string projectDirectory, List<MlDiagnostic> diagnostics)
    {
        var result = items.ToList();
        if (pipeline is null) return result;
        foreach (var declared in pipeline.Datasets)
        {
            var files = declared.Files.Select(f => Rebase(f, pipeline.BaseDirectory, projectDirectory)).ToList();
            var schema = Rebase(declared.Schema, pipeline.BaseDirectory, projectDirectory);
            var reference = declared.Reference is { } r ? Rebase(r, pipeline.BaseDirectory, projectDirectory) : null;
            var covered = Expand(files, projectDirectory);
            var same = result.Where(d => d.Position is null && Expand(d.Files, projectDirectory).Overlaps(covered)).ToList();
            var position = declared.Position;
            var referencePosition = reference is null ? null
                : pipeline.Root?["datasets"]?[declared.Name]?["reference"] is { } node ? new SourcePosition(pipeline.DisplayPath, node.Line, node.Column)
                : position;
            if (same.Count == 0)
            {
                result.Add(new DeclaredDataset(declared.Name, files, schema) { Reference = reference, Position = position, ReferencePosition = referencePosition });
                continue;
            }
            if (same.FirstOrDefault(d => !SamePath(d.Schema, schema, projectDirectory)) is { } otherSchema)
            {
                diagnostics.Add(Conflict(position, $"Dataset '{declared.Name}' of {pipeline.DisplayPath} has schema '{declared.Schema}', but the MlBuildDataset item '{otherSchema.Files[0]}' names the same data with Schema '{otherSchema.Schema}'. One dataset has one schema: make them the same, or remove the item (mlbuild.json's datasets are validated by the build)."));
                continue;
            }
            if (reference is not null && same.FirstOrDefault(d => d.Reference is not null && !SamePath(d.Reference, reference, projectDirectory)) is { } otherReference)
            {
                diagnostics.Add(Conflict(position, $"Dataset '{declared.Name}' of {pipeline.DisplayPath} has reference '{declared.Reference}', but the MlBuildDataset item '{otherReference.Files[0]}' names the same data with Reference '{otherReference.Reference}'. Name one reference profile, in one place."));
                continue;
            }
            var joined = new DeclaredDataset(declared.Name,
                files.Concat(same.SelectMany(d => d.Files)).Distinct(PathComparer).ToList(), schema)
            {
                Reference = reference ?? same.Select(d => d.Reference).FirstOrDefault(x => x is not null),
                Position = position,
                ReferencePosition = referencePosition ?? same.Select(d => d.ReferencePosition).FirstOrDefault(x => x is not null),
                ItemPosition = same.Select(d => d.ItemPosition).FirstOrDefault(x => x is not null),
                Relations = same.Select(d => d.Relations).FirstOrDefault(x => x is not null),
            };
            int at = result.IndexOf(same[0]);
            result[at] = joined;
            foreach (var d in same.Skip(1)) result.Remove(d);
        }
        return result;
    }

    static MlDiagnostic Conflict(SourcePosition? at, string message) =>
        new(DiagnosticCodes.PipelineItemConflict, MlSeverity.Error, message, at?.File, at?.Line ?? 0, at?.Column ?? 0);

    /// <summary>A path of the pipeline file (relative to its folder) as the project names it: relative to the project directory.</summary>
    public static string Rebase(string path, string fromDirectory, string toDirectory)
    {
        if (Path.IsPathRooted(path) || PathComparer.Equals(Path.GetFullPath(fromDirectory), Path.GetFullPath(toDirectory)))
            return path;
        return Path.GetRelativePath(toDirectory, Path.Combine(fromDirectory, path)).Replace('\\', '/');
    }

    static bool SamePath(string a, string b, string baseDirectory) =>
        PathComparer.Equals(Path.GetFullPath(a, baseDirectory), Path.GetFullPath(b, baseDirectory));

    /// <summary>The full paths of existing files the names and globs cover (nothing for a name that matches no file).</summary>
    public static HashSet<string> Expand(IEnumerable<string> files, string baseDirectory)
    {
        var set = new HashSet<string>(PathComparer);
        foreach (var pattern in files)
        {
            if (pattern.IndexOfAny(['*', '?', '[']) < 0)
            {
                set.Add(Path.GetFullPath(pattern, baseDirectory));
                continue;
            }
            try
            {
                set.UnionWith(DatasetValidator.ResolveFiles(new DatasetRequest("", [pattern], new Schema.DatasetSchema { Columns = [] }, baseDirectory)).Select(f => f.FullPath));
            }
            catch (MlBuildException)
            {
                // A glob that matches nothing covers nothing; validation reports it.
            }
        }
        return set;
    }

    /// <summary>The glob patterns (and names) of a dataset as full paths, for the build's up-to-date check: MSBuild expands them again.</summary>
    public static IEnumerable<string> InputPatterns(DeclaredDataset dataset, string baseDirectory) =>
        dataset.Files.Select(f => Path.GetFullPath(f, baseDirectory).Replace('\\', '/'));
}
