using MlBuild.Core.Data.Validation;
using MlBuild.Core.Diagnostics;

namespace MlBuild.Core.Data.Relations;

/// <summary>The relations MlBuild checks between rows.</summary>
public enum RelationKind
{
    /// <summary>Rows equal to an earlier row of the same dataset in every column.</summary>
    Duplicates,
    /// <summary>Rows whose features equal those of an earlier row of the same dataset, with another label.</summary>
    ConflictingLabels,
    /// <summary>Test rows whose key (or feature values) also occurs in the training rows.</summary>
    Leakage,
}

/// <summary>What a finding of one relation costs: nothing (not checked), a warning, or an error that fails the run.</summary>
public enum RelationLevel
{
    /// <summary>Not checked.</summary>
    Off,
    /// <summary>Reported as a warning (exit 0).</summary>
    Warning,
    /// <summary>Reported as an error (exit 1).</summary>
    Error,
}

/// <summary>
/// Which findings are errors and which warnings. The defaults: leakage is an error (test metrics that include
/// training rows are not test metrics), duplicates and conflicting labels are warnings (they are often real data:
/// repeated purchases, noisy labels), which a team can raise to errors or switch off.
/// </summary>
public sealed record RelationsPolicy
{
    /// <summary>Level of duplicate rows (default warning).</summary>
    public RelationLevel Duplicates { get; init; } = RelationLevel.Warning;
    /// <summary>Level of conflicting labels (default warning).</summary>
    public RelationLevel ConflictingLabels { get; init; } = RelationLevel.Warning;
    /// <summary>Level of train/test leakage (default error).</summary>
    public RelationLevel Leakage { get; init; } = RelationLevel.Error;

    /// <summary>The level of one relation.</summary>
    public RelationLevel LevelOf(RelationKind kind) => kind switch
    {
        RelationKind.Duplicates => Duplicates,
        RelationKind.ConflictingLabels => ConflictingLabels,
        _ => Leakage,
    };

    /// <summary>Parses <c>error</c>, <c>warning</c> or <c>off</c> (case-insensitive); null for anything else.</summary>
    public static RelationLevel? ParseLevel(string? text) => text?.ToLowerInvariant() switch
    {
        "error" => RelationLevel.Error,
        "warning" or "warn" => RelationLevel.Warning,
        "off" or "none" => RelationLevel.Off,
        _ => null,
    };

    /// <summary>The word of a level in reports.</summary>
    public static string Word(RelationLevel level) => level switch
    {
        RelationLevel.Error => "error",
        RelationLevel.Warning => "warning",
        _ => "off",
    };
}

/// <summary>Knobs of a relations run. Results never depend on <see cref="MaxParallelism"/>.</summary>
public sealed record RelationsOptions
{
    /// <summary>Which findings are errors and which warnings; null: the pipeline file's <c>relations</c> section, else the defaults.</summary>
    public RelationsPolicy? Policy { get; init; }
    /// <summary>Example locations kept per finding (the first ones in data order).</summary>
    public int MaxExamples { get; init; } = 5;
    /// <summary>Threads that read and decode; defaults to the processor count.</summary>
    public int MaxParallelism { get; init; } = Environment.ProcessorCount;
    /// <summary>Progress of the current file (bytes read, total bytes).</summary>
    public Action<long, long>? Progress { get; init; }
}

/// <summary>The role of a dataset in the leakage check.</summary>
public enum DatasetRole
{
    /// <summary>Checked for duplicates and conflicting labels only.</summary>
    Other,
    /// <summary>The training data.</summary>
    Train,
    /// <summary>The test data, checked against the training data.</summary>
    Test,
}

/// <summary>One dataset to check, with its role.</summary>
/// <param name="Request">Files and schema.</param>
/// <param name="Role">Its role in the leakage check.</param>
public sealed record RelationsDataset(DatasetRequest Request, DatasetRole Role);

/// <summary>
/// A train/test split within one dataset, as <c>model.split</c> declares it (the same hash decides each row's side as
/// in training).
/// </summary>
/// <param name="KeyColumn">The split key column (rows with one key stay on one side), or null: by row number.</param>
/// <param name="Seed">The model's seed.</param>
/// <param name="TestShare">The test share.</param>
public sealed record SplitWithinDataset(string? KeyColumn, int Seed, double TestShare);

/// <summary>What the relations compare.</summary>
public sealed record RelationsSpec
{
    /// <summary>The label column, or null (then no conflicting-labels check, and leakage compares whole rows).</summary>
    public string? Label { get; init; }
    /// <summary>The feature columns; null: every column but the label.</summary>
    public IReadOnlyList<string>? Features { get; init; }
    /// <summary>Key columns that identify an entity (leakage compares them); null: leakage compares the feature values.</summary>
    public IReadOnlyList<string>? Key { get; init; }
    /// <summary>The split within the training dataset when there is no test dataset; null: none.</summary>
    public SplitWithinDataset? Split { get; init; }
}

/// <summary>Where a row is: a CSV file and line, or a Parquet file, row group and 0-based row within the file.</summary>
/// <param name="File">The file as the user named it.</param>
/// <param name="Line">CSV: the physical line where the record starts (header = line 1); Parquet: 0.</param>
/// <param name="RowGroup">Parquet: the row group; CSV: -1.</param>
/// <param name="Row">Parquet: the 0-based row within the file; CSV: -1.</param>
public readonly record struct RowLocation(string File, long Line, int RowGroup, long Row)
{
    /// <summary><c>file(line)</c> for CSV, <c>file row R</c> for Parquet (0-based row within the file).</summary>
    public override string ToString() => Line > 0 ? $"{File}({Line})" : $"{File} row {Row}";
}

/// <summary>An example of a finding: a row and the earlier row (or training row) it relates to.</summary>
/// <param name="At">The row that repeats, conflicts or leaks.</param>
/// <param name="Other">The row it repeats, conflicts with, or (leakage) the training row with the same key.</param>
public sealed record RelationExample(RowLocation At, RowLocation Other);

/// <summary>The outcome of one relation check over one dataset (or a test dataset against the training data).</summary>
public sealed class RelationFinding
{
    /// <summary>Which relation.</summary>
    public required RelationKind Kind { get; init; }
    /// <summary>The dataset checked (the test dataset for leakage).</summary>
    public required string Dataset { get; init; }
    /// <summary>For leakage, the training dataset compared with; else null.</summary>
    public string? Against { get; init; }
    /// <summary>What rows are compared by, e.g. <c>all columns</c>, <c>features a, b</c>, <c>key id</c>.</summary>
    public required string ComparedBy { get; init; }
    /// <summary>Its level under the policy.</summary>
    public required RelationLevel Level { get; init; }
    /// <summary>Rows checked (test rows for leakage).</summary>
    public long Rows { get; set; }
    /// <summary>Rows found: duplicates beyond the first of their group, rows in conflicting groups, or leaked test rows.</summary>
    public long Count { get; set; }
    /// <summary>Groups found: duplicated rows, conflicting feature values, or shared keys.</summary>
    public long Groups { get; set; }
    /// <summary><see cref="Count"/> / <see cref="Rows"/> (0 for no rows).</summary>
    public double Share => Rows == 0 ? 0 : (double)Count / Rows;
    /// <summary>The first examples in data order.</summary>
    public List<RelationExample> Examples { get; } = [];
    /// <summary>Why it was not checked or cannot fail (then <see cref="Checked"/> is false), or null.</summary>
    public string? Note { get; set; }
    /// <summary>Whether the check ran.</summary>
    public bool Checked { get; set; } = true;

    /// <summary>Pass when nothing was found (or not checked); else warn or fail per <see cref="Level"/>.</summary>
    public Verdict Verdict => !Checked ? (Level == RelationLevel.Off ? Verdict.Skipped : Verdict.Pass)
        : Count == 0 ? Verdict.Pass
        : Level == RelationLevel.Error ? Verdict.Fail : Level == RelationLevel.Warning ? Verdict.Warn : Verdict.Pass;
}

/// <summary>A dataset as read: its files and row count.</summary>
/// <param name="Name">The dataset name.</param>
/// <param name="Files">Its files in reading order.</param>
/// <param name="Rows">Rows read.</param>
/// <param name="Role">Its role.</param>
public sealed record RelationsDatasetSummary(string Name, IReadOnlyList<string> Files, long Rows, DatasetRole Role);

/// <summary>The result of <see cref="DatasetRelations.Check(IReadOnlyList{RelationsDataset}, RelationsSpec, RelationsOptions?)"/>.</summary>
public sealed class RelationsResult
{
    /// <summary>The datasets, in the order given.</summary>
    public List<RelationsDatasetSummary> Datasets { get; } = [];
    /// <summary>Every finding, per dataset in order: duplicates, conflicting labels, then leakage.</summary>
    public List<RelationFinding> Findings { get; } = [];
    /// <summary>The run's verdict: the worst finding's.</summary>
    public Verdict Verdict => Verdicts.Worst(Findings.Select(f => f.Verdict));
}
