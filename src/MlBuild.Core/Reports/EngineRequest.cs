using System.Text.Json;
using MlBuild.Core.Diagnostics;
using MlBuild.Core.Models.Gates;

namespace MlBuild.Core.Reports;

/// <summary>One dataset of an engine request: its name, its files (as the project names them) and its schema.</summary>
/// <param name="Name">The dataset's name in diagnostics and reports.</param>
/// <param name="Files">Data files relative to the project directory (or rooted), in the order the task sent them.</param>
/// <param name="Schema">The schema file, relative to the project directory (or rooted).</param>
public sealed record EngineRequestDataset(string Name, IReadOnlyList<string> Files, string Schema)
{
    /// <summary>The dataset's reference profile (the item's <c>Reference</c> metadata), checked for drift after validation; null for none.</summary>
    public string? Reference { get; init; }
    /// <summary>Where the <c>MlBuildDataset</c> item is declared (the project file, relative to the project directory or
    /// rooted, with its line and column), so the drift and relations findings about it point there; null when unknown.</summary>
    public SourcePosition? DefinedAt { get; init; }
    /// <summary>The item's relations metadata (<c>Role</c>, <c>Label</c>, <c>Key</c>, <c>Features</c>), or null: the dataset takes no part in the relations check.</summary>
    public ItemRelations? Relations { get; init; }
}

/// <summary>
/// The relations metadata of an <c>MlBuildDataset</c> item (docs/msbuild.md): what <c>mlbuild.json</c>'s model and
/// <c>relations</c> section say for its datasets. Values as written; the engine checks them (MLB2105 at the item).
/// </summary>
/// <param name="Role"><c>train</c>, <c>test</c> or empty (duplicates and conflicting labels only).</param>
/// <param name="Label">The label column, or empty.</param>
/// <param name="Key">The key columns, separated by <c>;</c> or <c>,</c>, or empty.</param>
/// <param name="Features">The feature columns, separated by <c>;</c> or <c>,</c>, or empty (every column but the label).</param>
public sealed record ItemRelations(string Role, string Label, string Key, string Features);

/// <summary>
/// The request an MSBuild task writes for the engine (<c>mlbuild engine validate --request R --result F</c>). The task
/// (netstandard2.0) writes it by hand; this is the engine's reader, and tests/MlBuild.Tasks.Tests holds the contract test
/// between the two:
/// <code>{"formatVersion":1,"projectDirectory":"...","reportDirectory":"...","datasets":[{"name":"train","files":["data/train.csv"],"schema":"data/train.schema.json"}]}</code>
/// <c>reportDirectory</c> is optional, and so is <c>maxLocationsPerCheck</c> (the build's <c>MlBuildMaxLocationsPerCheck</c>),
/// a dataset's <c>reference</c> (a profile to check drift against), <c>pipelineFile</c> (the project's <c>mlbuild.json</c>,
/// whose datasets are validated too), <c>lockFile</c> and <c>lockedMode</c> (the data lock), and <c>inputsFile</c> (where
/// the engine lists the files it read, for the build's up-to-date check), <c>checkRelations</c> (false: the relations
/// are not checked), <c>relationsDuplicates</c>, <c>relationsConflictingLabels</c> and <c>relationsLeakage</c> (levels
/// that override <c>mlbuild.json</c>'s), and a dataset's <c>definedAt</c> (<c>{"file","line","column"}</c>: where its item is declared) and
/// <c>relations</c> (<c>{"role","label","key","features"}</c>: the item's relations metadata).
/// </summary>
/// <param name="ProjectDirectory">The directory relative paths are resolved against.</param>
/// <param name="Datasets">The datasets to validate, in the task's order.</param>
/// <param name="ReportDirectory">Where to write the JSON report and profile, or null for none.</param>
public sealed record EngineRequest(string ProjectDirectory, IReadOnlyList<EngineRequestDataset> Datasets, string? ReportDirectory)
{
    /// <summary>The format version this engine reads.</summary>
    public const int FormatVersion = 1;

    /// <summary>Locations reported per failing check (<see cref="Data.Validation.ValidationDiagnostics.DefaultMaxLocationsPerCheck"/> when the request names none).</summary>
    public int MaxLocationsPerCheck { get; init; } = Data.Validation.ValidationDiagnostics.DefaultMaxLocationsPerCheck;

    /// <summary>The pipeline file (<c>mlbuild.json</c>) whose datasets are validated with the request's, or null.</summary>
    public string? PipelineFile { get; init; }

    /// <summary>The data lock (<c>mlbuild.lock.json</c>) the datasets are checked against when it exists, or null.</summary>
    public string? LockFile { get; init; }

    /// <summary>Locked mode: a missing lock or a file that does not match it is an error (else a mismatch is a warning).</summary>
    public bool LockedMode { get; init; }

    /// <summary>Where the engine writes the files (and globs) it read, one per line, or null.</summary>
    public string? InputsFile { get; init; }

    /// <summary>Whether the relations of the pipeline file's datasets and of the items with relations metadata are checked (<c>checkRelations</c>, default true; the build's <c>MlBuildCheckRelations</c>).</summary>
    public bool CheckRelations { get; init; } = true;

    /// <summary>The level of duplicate rows (<c>relationsDuplicates</c>, the build's <c>MlBuildRelationsDuplicates</c>), overriding
    /// <c>mlbuild.json</c>'s <c>relations</c> section; null when not set.</summary>
    public string? RelationsDuplicates { get; init; }

    /// <summary>The level of conflicting labels (<c>relationsConflictingLabels</c>), as <see cref="RelationsDuplicates"/>.</summary>
    public string? RelationsConflictingLabels { get; init; }

    /// <summary>The level of train/test leakage (<c>relationsLeakage</c>), as <see cref="RelationsDuplicates"/>.</summary>
    public string? RelationsLeakage { get; init; }

    static string Text(JsonElement e, string name) => e.TryGetProperty(name, out var v) ? v.GetString() ?? "" : "";

    /// <summary>Reads a request file; anything unreadable or of another shape is <see cref="DiagnosticCodes.EngineRequestUnreadable"/>.</summary>
    public static EngineRequest Read(string path)
    {
        return EngineRequestFile.Read(path, FormatVersion, root =>
        {
            var projectDir = root.GetProperty("projectDirectory").GetString()!;
            var reportDir = root.TryGetProperty("reportDirectory", out var rd) ? rd.GetString() : null;
            var list = new List<EngineRequestDataset>();
            foreach (var d in root.GetProperty("datasets").EnumerateArray())
                list.Add(new EngineRequestDataset(d.GetProperty("name").GetString()!,
                    d.GetProperty("files").EnumerateArray().Select(f => f.GetString()!).ToArray(),
                    d.GetProperty("schema").GetString()!)
                {
                    Reference = d.TryGetProperty("reference", out var r) ? r.GetString() : null,
                    DefinedAt = d.TryGetProperty("definedAt", out var at)
                        ? new SourcePosition(at.GetProperty("file").GetString(), at.GetProperty("line").GetInt32(), at.GetProperty("column").GetInt32())
                        : null,
                    Relations = d.TryGetProperty("relations", out var rel)
                        ? new ItemRelations(Text(rel, "role"), Text(rel, "label"), Text(rel, "key"), Text(rel, "features"))
                        : null,
            });
        int maxLocations = root.TryGetProperty("maxLocationsPerCheck", out var ml) ? ml.GetInt32() : Data.Validation.ValidationDiagnostics.DefaultMaxLocationsPerCheck;
        if (maxLocations < 1)
            throw new InvalidOperationException($"maxLocationsPerCheck is {maxLocations}; it must be 1 or more");
        return new EngineRequest(projectDir, list, reportDir)
        {
            MaxLocationsPerCheck = maxLocations,
            PipelineFile = root.TryGetProperty("pipelineFile", out var pf) ? pf.GetString() : null,
            LockFile = root.TryGetProperty("lockFile", out var lf) ? lf.GetString() : null,
            LockedMode = root.TryGetProperty("lockedMode", out var lm) && lm.GetBoolean(),
            InputsFile = root.TryGetProperty("inputsFile", out var inf) ? inf.GetString() : null,
            CheckRelations = !root.TryGetProperty("checkRelations", out var cr) || cr.GetBoolean(),
            RelationsDuplicates = root.TryGetProperty("relationsDuplicates", out var rd1) ? rd1.GetString() : null,
            RelationsConflictingLabels = root.TryGetProperty("relationsConflictingLabels", out var rc) ? rc.GetString() : null,
            RelationsLeakage = root.TryGetProperty("relationsLeakage", out var rl) ? rl.GetString() : null,
        };
        });
    }
}

/// <summary>
/// The one way an engine verb reads the request its MSBuild task wrote: JSON with a <c>formatVersion</c> the verb
/// must know; anything unreadable or of another shape is <see cref="DiagnosticCodes.EngineRequestUnreadable"/>.
/// </summary>
public static class EngineRequestFile
{
    /// <summary>Parses <paramref name="path"/>, checks its format version, and builds the request with <paramref name="read"/>
    /// (which must copy what it keeps: the JSON document is disposed afterwards).</summary>
    public static T Read<T>(string path, int formatVersion, Func<JsonElement, T> read)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            var root = doc.RootElement;
            var version = root.GetProperty("formatVersion").GetInt32();
            if (version != formatVersion)
                throw new InvalidOperationException($"format version {version}; this engine reads version {formatVersion}");
            return read(root);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or IOException or UnauthorizedAccessException)
        {
            throw new MlBuildException(new MlDiagnostic(DiagnosticCodes.EngineRequestUnreadable, MlSeverity.Error,
                $"The engine request '{path}' is unreadable: {e.Message}", path));
        }
    }
}
