// The one table of MlBuild's diagnostic codes. MlBuild.Core compiles it as MlBuild.Core.Diagnostics; the MSBuild task
// assembly (netstandard2.0, which must not load Core) compiles the same file as MlBuild.Tasks (MLBUILD_TASKS), so
// the task's own codes and the result file's kind words come from here too. Keep this file netstandard2.0-clean.
// Every entry has a row in docs/diagnostics.md (tests/MlBuild.Core.Tests/Diagnostics checks both ways).
using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;

#if MLBUILD_TASKS
namespace MlBuild.Tasks;
#else
namespace MlBuild.Core.Diagnostics;
#endif

/// <summary>
/// What kind of problem a code reports. The kind decides the code's exit class and whether the build may turn it into
/// a warning (<c>MlBuildDataViolationsAsWarnings</c> downgrades <see cref="DataFinding"/> only).
/// </summary>
public enum DiagnosticKind
{
    /// <summary>A check ran over the data and found values that break the schema (exit 1).</summary>
    DataFinding,
    /// <summary>The registry refused an operation or found a problem in its own state (exit 1).</summary>
    Refusal,
    /// <summary>Information only: nothing failed (exit 0).</summary>
    Information,
    /// <summary>A configuration mistake: schema, MSBuild items, policy, keys, store settings (exit 2).</summary>
    Configuration,
    /// <summary>An input that cannot be read: missing, truncated, not UTF-8, not Parquet, an I/O failure (exit 2).</summary>
    UnreadableInput,
    /// <summary>The command line or a reference on it is wrong (exit 2).</summary>
    Usage,
    /// <summary>A bug or a crash of MlBuild itself, never the user's input (exit 2).</summary>
    Internal,
}

/// <summary>One code of the table: <c>MLB</c> plus four digits, a short title, its kind and its docs anchor.</summary>
public sealed class DiagnosticCode
{
    internal DiagnosticCode(string code, string title, DiagnosticKind kind)
    {
        Code = code;
        Title = title;
        Kind = kind;
    }

    /// <summary>The code, e.g. <c>MLB1003</c>.</summary>
    public string Code { get; }

    /// <summary>A short title; the same words as the code's row in docs/diagnostics.md.</summary>
    public string Title { get; }

    /// <summary>What kind of problem the code reports.</summary>
    public DiagnosticKind Kind { get; }

    /// <summary>Where the code is documented, relative to the repository root: <c>docs/diagnostics.md#mlb1003</c>.</summary>
    public string DocsAnchor => "docs/diagnostics.md#" + Code.ToLowerInvariant();

#if !MLBUILD_TASKS
    /// <summary>The verdict of a run that raises this code as an error (see <see cref="Verdicts.WhenRaised"/>).</summary>
    public Verdict VerdictWhenRaised => Verdicts.WhenRaised(Kind);

    /// <summary>The process exit code of a run that raises this code as an error.</summary>
    public ExitCodes ExitClass => Verdicts.ExitCode(VerdictWhenRaised);
#endif

    /// <summary>The code's text, so an entry is passed wherever a code string is expected.</summary>
    public static implicit operator string(DiagnosticCode code) => code.Code;

    /// <inheritdoc />
    public override string ToString() => Code;
}

/// <summary>Every code MlBuild declares or emits. Sources refer to these entries, never to code literals.</summary>
public static class DiagnosticCodes
{
    static DiagnosticCode D(string code, string title, DiagnosticKind kind) => new DiagnosticCode(code, title, kind);

    // MLB1xxx: data checks. ------------------------------------------------------------------------------------------

    /// <summary>A non-empty cell does not parse as the column's type.</summary>
    public static readonly DiagnosticCode TypeMismatch = D("MLB1001", "Value does not parse as the column's type", DiagnosticKind.DataFinding);
    /// <summary>An empty cell in a non-nullable column.</summary>
    public static readonly DiagnosticCode NullValue = D("MLB1002", "Null in a non-nullable column", DiagnosticKind.DataFinding);
    /// <summary>A value is below <c>min</c>.</summary>
    public static readonly DiagnosticCode BelowMin = D("MLB1003", "Value below min", DiagnosticKind.DataFinding);
    /// <summary>A value is above <c>max</c>.</summary>
    public static readonly DiagnosticCode AboveMax = D("MLB1004", "Value above max", DiagnosticKind.DataFinding);
    /// <summary>A value is not in <c>allowed</c>.</summary>
    public static readonly DiagnosticCode NotAllowed = D("MLB1005", "Value not allowed", DiagnosticKind.DataFinding);
    /// <summary>A value does not match <c>pattern</c>.</summary>
    public static readonly DiagnosticCode PatternMismatch = D("MLB1006", "Value does not match pattern", DiagnosticKind.DataFinding);
    /// <summary>A string's length is outside <c>minLength</c>..<c>maxLength</c>.</summary>
    public static readonly DiagnosticCode LengthOutOfRange = D("MLB1007", "String length out of bounds", DiagnosticKind.DataFinding);
    /// <summary>A value of a unique column repeats.</summary>
    public static readonly DiagnosticCode DuplicateValue = D("MLB1008", "Duplicate value in a unique column", DiagnosticKind.DataFinding);
    /// <summary>A row fails a cross-column rule.</summary>
    public static readonly DiagnosticCode RuleViolated = D("MLB1009", "Cross-column rule violated", DiagnosticKind.DataFinding);
    /// <summary>The row count is outside <c>rows.min</c>..<c>rows.max</c>.</summary>
    public static readonly DiagnosticCode RowCountOutOfRange = D("MLB1010", "Row count out of range", DiagnosticKind.DataFinding);
    /// <summary>A required schema column is missing from the data.</summary>
    public static readonly DiagnosticCode MissingColumn = D("MLB1011", "Required column missing", DiagnosticKind.DataFinding);
    /// <summary>The data has a column the schema does not declare.</summary>
    public static readonly DiagnosticCode ExtraColumn = D("MLB1012", "Undeclared column", DiagnosticKind.DataFinding);
    /// <summary>A CSV record has more or fewer fields than the header.</summary>
    public static readonly DiagnosticCode FieldCountMismatch = D("MLB1013", "Record field count differs from the header", DiagnosticKind.DataFinding);

    // MLB102x: what `data infer` noticed (notes and warnings; never fail a run).

    /// <summary>A placeholder-like value was read as missing (<c>csv.nullTokens</c>) by an inferred schema.</summary>
    public static readonly DiagnosticCode InferredPlaceholder = D("MLB1020", "Placeholder value read as missing", DiagnosticKind.Information);
    /// <summary>Why an inferred column was left as string.</summary>
    public static readonly DiagnosticCode InferredString = D("MLB1021", "Column left as string", DiagnosticKind.Information);
    /// <summary>An inferred date format cannot tell day from month.</summary>
    public static readonly DiagnosticCode InferredAmbiguousDate = D("MLB1022", "Day and month ambiguous in a date column", DiagnosticKind.Information);
    /// <summary>A warning of <c>data infer</c>: a typed Parquet column (a DOUBLE) holds values its type refuses (NaN, infinities); the type is kept.</summary>
    public static readonly DiagnosticCode InferredNonFinite = D("MLB1023", "Parquet column holds values its type refuses", DiagnosticKind.Information);
    /// <summary>A warning of <c>data infer</c>: a header column without a usable name (empty or repeated) is left out of the schema.</summary>
    public static readonly DiagnosticCode InferredUnnamedColumn = D("MLB1024", "Header column without a usable name", DiagnosticKind.Information);

    // MLB11xx, MLB12xx: unreadable input. ----------------------------------------------------------------------------

    /// <summary>A quoted CSV field never closes.</summary>
    public static readonly DiagnosticCode UnterminatedQuote = D("MLB1101", "Unterminated quoted field", DiagnosticKind.UnreadableInput);
    /// <summary>The file is not valid UTF-8.</summary>
    public static readonly DiagnosticCode InvalidUtf8 = D("MLB1103", "Not valid UTF-8", DiagnosticKind.UnreadableInput);
    /// <summary>The file contains a NUL byte.</summary>
    public static readonly DiagnosticCode NulByte = D("MLB1104", "NUL byte in a text file", DiagnosticKind.UnreadableInput);
    /// <summary>The file is empty.</summary>
    public static readonly DiagnosticCode EmptyFile = D("MLB1105", "Empty file", DiagnosticKind.UnreadableInput);
    /// <summary>A record is longer than the limit.</summary>
    public static readonly DiagnosticCode RecordTooLong = D("MLB1107", "Record too long", DiagnosticKind.UnreadableInput);
    /// <summary>A data file is missing, is a folder, or a glob matches nothing.</summary>
    public static readonly DiagnosticCode DataFileNotFound = D("MLB1108", "Data file not found", DiagnosticKind.UnreadableInput);
    /// <summary>The header names a column twice, or has too many columns.</summary>
    public static readonly DiagnosticCode BadHeader = D("MLB1109", "Duplicate or too many header columns", DiagnosticKind.UnreadableInput);
    /// <summary>The file exists but cannot be read.</summary>
    public static readonly DiagnosticCode DataFileUnreadable = D("MLB1110", "Data file cannot be read", DiagnosticKind.UnreadableInput);
    /// <summary>A Parquet file is truncated, corrupt or not Parquet.</summary>
    public static readonly DiagnosticCode ParquetUnreadable = D("MLB1201", "Parquet file unreadable", DiagnosticKind.UnreadableInput);
    /// <summary>A Parquet column's type cannot be read as the schema's type.</summary>
    public static readonly DiagnosticCode ParquetTypeMismatch = D("MLB1202", "Parquet column type mismatch", DiagnosticKind.UnreadableInput);
    /// <summary>A Parquet column is nested or repeated.</summary>
    public static readonly DiagnosticCode ParquetNestedColumn = D("MLB1203", "Nested or repeated Parquet column", DiagnosticKind.UnreadableInput);

    // MLB13xx: the data lock (mlbuild.lock.json, `dotnet ml data lock`, locked mode in the build). ---------------------

    /// <summary>Locked mode is on and the project has no data lock file.</summary>
    public static readonly DiagnosticCode DataLockMissing = D("MLB1300", "Data lock file missing", DiagnosticKind.Configuration);
    /// <summary>A data file the build reads is not recorded in the lock.</summary>
    public static readonly DiagnosticCode DataFileNotLocked = D("MLB1301", "Data file not in the lock", DiagnosticKind.Refusal);
    /// <summary>A data file's content no longer matches its lock entry.</summary>
    public static readonly DiagnosticCode DataFileChangedSinceLock = D("MLB1302", "Data file changed since it was locked", DiagnosticKind.Refusal);
    /// <summary>A file the lock records for a dataset is no longer part of it.</summary>
    public static readonly DiagnosticCode LockedFileGone = D("MLB1303", "Locked data file no longer in the dataset", DiagnosticKind.Refusal);
    /// <summary>The lock file is not a valid data lock.</summary>
    public static readonly DiagnosticCode DataLockUnreadable = D("MLB1304", "Data lock file unreadable", DiagnosticKind.UnreadableInput);
    /// <summary>A DVC file's MD5 disagrees with the data file it tracks.</summary>
    public static readonly DiagnosticCode DvcHashMismatch = D("MLB1305", "DVC file disagrees with the data", DiagnosticKind.Refusal);
    /// <summary>A DVC file that cannot be read as one.</summary>
    public static readonly DiagnosticCode DvcFileUnreadable = D("MLB1306", "DVC file unreadable", DiagnosticKind.UnreadableInput);
    /// <summary>Nothing declares a dataset to lock.</summary>
    public static readonly DiagnosticCode NothingToLock = D("MLB1307", "No dataset to lock", DiagnosticKind.Usage);

    // MLB2xxx: drift and profiles (docs/drift.md). ------------------------------------------------------------------

    /// <summary>A column drifted past its threshold under the drift rule.</summary>
    public static readonly DiagnosticCode ColumnDrifted = D("MLB2001", "Column drifted", DiagnosticKind.DataFinding);
    /// <summary>A reference column is missing from the current data.</summary>
    public static readonly DiagnosticCode DriftColumnMissing = D("MLB2002", "Reference column missing from current data", DiagnosticKind.DataFinding);
    /// <summary>Current values no longer read as the reference type.</summary>
    public static readonly DiagnosticCode DriftTypeChanged = D("MLB2003", "Column changed type", DiagnosticKind.DataFinding);
    /// <summary>Profiles of other columns, types or limits cannot be merged.</summary>
    public static readonly DiagnosticCode ProfilesDoNotMerge = D("MLB2004", "Profiles cannot be merged", DiagnosticKind.Usage);
    /// <summary>A profile file that is not a valid profile (invalid JSON, truncated, hand-edited).</summary>
    public static readonly DiagnosticCode ProfileUnreadable = D("MLB2005", "Profile unreadable", DiagnosticKind.UnreadableInput);
    /// <summary>A profile of a newer format version.</summary>
    public static readonly DiagnosticCode ProfileTooNew = D("MLB2006", "Profile of a newer format", DiagnosticKind.UnreadableInput);
    /// <summary>The reference and the current data have no column in common.</summary>
    public static readonly DiagnosticCode NoCommonColumns = D("MLB2007", "No column in common", DiagnosticKind.Usage);
    /// <summary>The current data (or the reference) has no rows.</summary>
    public static readonly DiagnosticCode DriftEmptyData = D("MLB2008", "No rows to compare", DiagnosticKind.UnreadableInput);
    /// <summary>An invalid drift rule.</summary>
    public static readonly DiagnosticCode InvalidDriftRule = D("MLB2009", "Invalid drift rule", DiagnosticKind.Usage);
    /// <summary>A column whose values were not compared.</summary>
    public static readonly DiagnosticCode ColumnNotCompared = D("MLB2010", "Column not compared", DiagnosticKind.Information);
    /// <summary>A reference profile whose columns do not match the schema given with it.</summary>
    public static readonly DiagnosticCode ProfileOfAnotherSchema = D("MLB2011", "Profile of another schema", DiagnosticKind.Configuration);
    /// <summary>The build found a dataset drifted from its reference profile (one diagnostic per dataset, naming the columns).</summary>
    public static readonly DiagnosticCode DatasetDrifted = D("MLB2020", "Dataset drifted from its reference profile", DiagnosticKind.DataFinding);

    // MLB21xx: relations between datasets (docs/relations.md). -----------------------------------------------------

    /// <summary>Rows that repeat another row of the dataset in every column.</summary>
    public static readonly DiagnosticCode DuplicateRows = D("MLB2101", "Duplicate rows", DiagnosticKind.DataFinding);
    /// <summary>Rows whose features repeat those of another row with a different label.</summary>
    public static readonly DiagnosticCode ConflictingLabels = D("MLB2102", "Same features, conflicting labels", DiagnosticKind.DataFinding);
    /// <summary>Test rows whose key (or feature values) also occurs in the training data.</summary>
    public static readonly DiagnosticCode TrainTestLeakage = D("MLB2103", "Rows shared by training and test data", DiagnosticKind.DataFinding);
    /// <summary>A relation that was not checked, or holds by construction (a note).</summary>
    public static readonly DiagnosticCode RelationNotChecked = D("MLB2104", "Relation not checked", DiagnosticKind.Information);
    /// <summary>Invalid relations settings: an unknown column, level or dataset.</summary>
    public static readonly DiagnosticCode InvalidRelationsSettings = D("MLB2105", "Invalid relations settings", DiagnosticKind.Configuration);

    // MLB33xx: training (Models/Training). ---------------------------------------------------------------------------

    /// <summary>The label is missing in some rows of the training or test data (at the first such cell).</summary>
    public static readonly DiagnosticCode TrainingLabelMissing = D("MLB3301", "Label missing in training data", DiagnosticKind.DataFinding);
    /// <summary>The training rows hold a single class of a classification label, or an integer binary label has a value other than 0 and 1 (at the label in mlbuild.json).</summary>
    public static readonly DiagnosticCode TrainingSingleClass = D("MLB3302", "Label unusable for the task", DiagnosticKind.DataFinding);
    /// <summary>No training rows, or an empty test split (at model.split).</summary>
    public static readonly DiagnosticCode TrainingSplitEmpty = D("MLB3303", "No training or test rows", DiagnosticKind.Configuration);
    /// <summary>The training or test dataset failed its data checks (reported above it), so the model was not trained (at the dataset in mlbuild.json).</summary>
    public static readonly DiagnosticCode TrainingDataFailed = D("MLB3304", "Training data failed its checks", DiagnosticKind.DataFinding);
    /// <summary>The ML.NET trainer failed (its message follows; at the trainer in mlbuild.json).</summary>
    public static readonly DiagnosticCode TrainerFailed = D("MLB3305", "Trainer failed", DiagnosticKind.Configuration);
    /// <summary>A model file is not a readable zip.</summary>
    public static readonly DiagnosticCode ModelFileInvalid = D("MLB3306", "Model file unreadable", DiagnosticKind.UnreadableInput);

    // MLB34xx evaluation input, MLB4xxx gates, MLB51xx artifact gates (Models/Evaluation, Models/Gates). A failing gate
    // is a refusal: the checks ran and refused the model (exit 1, never downgraded to a warning by the data switch).

    /// <summary>Predictions cannot be evaluated (lengths differ, NaN score, label outside the classes, baseline on other rows).</summary>
    public static readonly DiagnosticCode PredictionsInvalid = D("MLB3401", "Predictions cannot be evaluated", DiagnosticKind.UnreadableInput);
    /// <summary>A predictions or metrics file is unreadable, lacks a column, or has a cell that does not parse.</summary>
    public static readonly DiagnosticCode PredictionsFileInvalid = D("MLB3402", "Predictions or metrics file unreadable", DiagnosticKind.UnreadableInput);
    /// <summary>An unknown metric for the task, or one the predictions cannot support.</summary>
    public static readonly DiagnosticCode UnknownMetric = D("MLB3403", "Unknown or inapplicable metric", DiagnosticKind.Configuration);

    // MLB3410-3449: models made elsewhere (Models/External): a model file, an ONNX model, the user's training command.

    /// <summary>The model file the pipeline names (model.path or model.onnx) does not exist.</summary>
    public static readonly DiagnosticCode ExternalModelNotFound = D("MLB3410", "Model file not found", DiagnosticKind.UnreadableInput);
    /// <summary>The model file is not an ML.NET model zip ML.NET can load (not a zip, truncated, or missing its entries).</summary>
    public static readonly DiagnosticCode ExternalModelZipInvalid = D("MLB3411", "ML.NET model zip unreadable", DiagnosticKind.UnreadableInput);
    /// <summary>The model file is not an ONNX model ONNX Runtime can load.</summary>
    public static readonly DiagnosticCode ExternalOnnxInvalid = D("MLB3412", "ONNX model unreadable", DiagnosticKind.UnreadableInput);
    /// <summary>The model's inputs do not match the data: an input with no column of its name (or mapping), or of a type the column cannot feed.</summary>
    public static readonly DiagnosticCode ExternalModelInputMismatch = D("MLB3413", "Model inputs do not match the data", DiagnosticKind.Configuration);
    /// <summary>The model's outputs do not give what the task needs (score or probability, predicted label, class probabilities).</summary>
    public static readonly DiagnosticCode ExternalModelOutputUnusable = D("MLB3414", "Model outputs unusable for the task", DiagnosticKind.Configuration);
    /// <summary>Scoring the test rows with the model failed (the runtime's message follows).</summary>
    public static readonly DiagnosticCode ExternalModelScoringFailed = D("MLB3415", "Scoring the test rows failed", DiagnosticKind.Configuration);
    /// <summary>The training command exited with a code other than 0 (its last lines of output follow).</summary>
    public static readonly DiagnosticCode TrainingCommandFailed = D("MLB3416", "Training command failed", DiagnosticKind.Configuration);
    /// <summary>The training command ran longer than model.command.timeoutSeconds and was stopped.</summary>
    public static readonly DiagnosticCode TrainingCommandTimedOut = D("MLB3417", "Training command timed out", DiagnosticKind.Configuration);
    /// <summary>The training command exited with 0 but wrote no model file where MlBuild told it to.</summary>
    public static readonly DiagnosticCode TrainingCommandNoModel = D("MLB3418", "Training command wrote no model", DiagnosticKind.Configuration);
    /// <summary>The training command's program could not be started (not found, not executable, no such working folder).</summary>
    public static readonly DiagnosticCode TrainingCommandNotStarted = D("MLB3419", "Training command could not start", DiagnosticKind.Configuration);
    /// <summary>A golden file is missing, unreadable, or of another schema than the model (a column missing or unknown, a cell that does not parse).</summary>
    public static readonly DiagnosticCode GoldenFileInvalid = D("MLB3500", "Golden file unreadable or of another schema", DiagnosticKind.UnreadableInput);
    /// <summary>The model could not be loaded back from its zip, or could not score rows (artifact measurements).</summary>
    public static readonly DiagnosticCode ModelNotScorable = D("MLB3501", "Model cannot be loaded or scored", DiagnosticKind.UnreadableInput);
    /// <summary>A metric's interval lies wholly on the wrong side of its absolute bound.</summary>
    public static readonly DiagnosticCode GateFailed = D("MLB4001", "Gate failed", DiagnosticKind.Refusal);
    /// <summary>The candidate is worse than the baseline by more than allowed, or did not gain enough.</summary>
    public static readonly DiagnosticCode GateRegression = D("MLB4002", "Regression against the baseline", DiagnosticKind.Refusal);
    /// <summary>The interval straddles the bound; an error or a warning per the inconclusive policy.</summary>
    public static readonly DiagnosticCode GateInconclusive = D("MLB4003", "Gate inconclusive", DiagnosticKind.Refusal);
    /// <summary>The metric is undefined on the test rows, so the gate cannot be decided.</summary>
    public static readonly DiagnosticCode GateMetricUndefined = D("MLB4004", "Metric undefined on the test rows", DiagnosticKind.UnreadableInput);
    /// <summary>A gate's baseline is missing (the missing-baseline policy decides).</summary>
    public static readonly DiagnosticCode GateBaselineMissing = D("MLB4005", "Baseline missing", DiagnosticKind.Refusal);
    /// <summary>A declared slice or group has too few rows, or too few groups are left.</summary>
    public static readonly DiagnosticCode GateSliceEmpty = D("MLB4006", "Declared slice or group empty", DiagnosticKind.Refusal);
    /// <summary>A fairness gate failed.</summary>
    public static readonly DiagnosticCode GateFairness = D("MLB4007", "Fairness gate failed", DiagnosticKind.Refusal);
    /// <summary>No gate is configured and none was allowed to be missing.</summary>
    public static readonly DiagnosticCode NoGates = D("MLB4008", "No gate configured", DiagnosticKind.Configuration);
    /// <summary>The registry baseline cannot score the candidate's test rows, so it is compared by its registered metrics (unpaired).</summary>
    public static readonly DiagnosticCode BaselineUnpaired = D("MLB4201", "Baseline compared unpaired", DiagnosticKind.Information);
    /// <summary>The candidate's evidence folder (or a file in it) for a pull-request summary is missing or unreadable.</summary>
    public static readonly DiagnosticCode SummaryEvidenceInvalid = D("MLB4210", "Candidate evidence unreadable", DiagnosticKind.UnreadableInput);
    /// <summary>The drift report given to a pull-request summary is missing or is not a drift report JSON.</summary>
    public static readonly DiagnosticCode SummaryDriftInvalid = D("MLB4211", "Drift report unreadable", DiagnosticKind.UnreadableInput);
    /// <summary>The model saved, loaded back and scored differently from the in-memory model beyond the tolerance.</summary>
    public static readonly DiagnosticCode RoundTripMismatch = D("MLB4150", "Save/load round trip changed predictions", DiagnosticKind.Refusal);
    /// <summary>The model was saved by a newer ML.NET than the one the consuming app references.</summary>
    public static readonly DiagnosticCode MlNetVersionMismatch = D("MLB4151", "Model saved by a newer ML.NET than the app references", DiagnosticKind.Refusal);
    /// <summary><c>dotnet test</c> / <c>dotnet ml test</c> on a pipeline file without a model section.</summary>
    public static readonly DiagnosticCode ModelTestNoModel = D("MLB4100", "No model to test", DiagnosticKind.Configuration);
    /// <summary>An entry of <c>model.command.inputs</c> matches no file, so the model test would not notice its code change (a warning).</summary>
    public static readonly DiagnosticCode CommandInputMatchesNothing = D("MLB4300", "Training code input matches no file", DiagnosticKind.Information);
    /// <summary>Model file over its size budget.</summary>
    public static readonly DiagnosticCode ModelTooLarge = D("MLB5101", "Model over its size budget", DiagnosticKind.Refusal);
    /// <summary>Prediction latency over its budget.</summary>
    public static readonly DiagnosticCode LatencyOverBudget = D("MLB5102", "Latency over budget", DiagnosticKind.Refusal);
    /// <summary>Golden predictions moved beyond tolerance (the round trip is RoundTripMismatch).</summary>
    public static readonly DiagnosticCode GoldenMoved = D("MLB5103", "Golden predictions moved", DiagnosticKind.Refusal);
    /// <summary>Reproducibility below the required level.</summary>
    public static readonly DiagnosticCode NotReproducible = D("MLB5104", "Not reproducible", DiagnosticKind.Refusal);

    // MLB6xxx: registry. ---------------------------------------------------------------------------------------------

    /// <summary>A model or alias name is not valid.</summary>
    public static readonly DiagnosticCode InvalidName = D("MLB6001", "Invalid model or alias name", DiagnosticKind.Usage);
    /// <summary>A model reference (NAME, NAME@VERSION, NAME@ALIAS) is not valid.</summary>
    public static readonly DiagnosticCode InvalidReference = D("MLB6002", "Invalid reference or version", DiagnosticKind.Usage);
    /// <summary>The model file to register is missing or unreadable.</summary>
    public static readonly DiagnosticCode ModelFileMissing = D("MLB6003", "Model file missing", DiagnosticKind.UnreadableInput);
    /// <summary>The evidence folder or one of its JSON files is missing or malformed.</summary>
    public static readonly DiagnosticCode EvidenceInvalid = D("MLB6004", "Evidence missing or malformed", DiagnosticKind.UnreadableInput);
    /// <summary>The registry has no model of that name.</summary>
    public static readonly DiagnosticCode UnknownModel = D("MLB6005", "Unknown model", DiagnosticKind.Usage);
    /// <summary>The model has no such version.</summary>
    public static readonly DiagnosticCode UnknownVersion = D("MLB6006", "Unknown version", DiagnosticKind.Usage);
    /// <summary>The alias is not set for that model.</summary>
    public static readonly DiagnosticCode UnknownAlias = D("MLB6007", "Alias not set", DiagnosticKind.Usage);
    /// <summary>The registry folder or store does not exist.</summary>
    public static readonly DiagnosticCode NoRegistry = D("MLB6008", "No registry", DiagnosticKind.Configuration);
    /// <summary>Another writer moved the alias first: compare-and-swap lost.</summary>
    public static readonly DiagnosticCode AliasConflict = D("MLB6010", "Alias conflict", DiagnosticKind.Refusal);
    /// <summary>The alias has no earlier holder to roll back to.</summary>
    public static readonly DiagnosticCode NothingToRollBack = D("MLB6011", "Nothing to roll back", DiagnosticKind.Refusal);
    /// <summary>The log kept moving under this writer; it gave up after its retry budget.</summary>
    public static readonly DiagnosticCode Busy = D("MLB6012", "Registry busy", DiagnosticKind.Refusal);
    /// <summary>The version already holds the alias; nothing was recorded.</summary>
    public static readonly DiagnosticCode AlreadyHolds = D("MLB6013", "Alias already held", DiagnosticKind.Information);
    /// <summary>Policy: a required gate has not passed in the version's evidence.</summary>
    public static readonly DiagnosticCode PolicyGate = D("MLB6020", "Policy: required gate not passed", DiagnosticKind.Refusal);
    /// <summary>Policy: the version never held the alias the policy requires first.</summary>
    public static readonly DiagnosticCode PolicyPreviousAlias = D("MLB6021", "Policy: previous alias not held", DiagnosticKind.Refusal);
    /// <summary>Policy: not enough approvals.</summary>
    public static readonly DiagnosticCode PolicyApprovals = D("MLB6022", "Policy: not enough approvals", DiagnosticKind.Refusal);
    /// <summary>The policy file is malformed.</summary>
    public static readonly DiagnosticCode PolicyInvalid = D("MLB6023", "Policy file invalid", DiagnosticKind.Configuration);
    /// <summary>Verify: an event is missing from the sequence.</summary>
    public static readonly DiagnosticCode EventMissing = D("MLB6030", "Verify: event missing", DiagnosticKind.Refusal);
    /// <summary>Verify: an event's content no longer matches the chain.</summary>
    public static readonly DiagnosticCode EventAltered = D("MLB6031", "Verify: event altered", DiagnosticKind.Refusal);
    /// <summary>Verify: an event file cannot be parsed.</summary>
    public static readonly DiagnosticCode EventMalformed = D("MLB6032", "Verify: event malformed", DiagnosticKind.Refusal);
    /// <summary>Verify: a referenced blob is missing.</summary>
    public static readonly DiagnosticCode BlobMissing = D("MLB6033", "Verify: blob missing", DiagnosticKind.Refusal);
    /// <summary>Verify: a blob's content does not hash to its name.</summary>
    public static readonly DiagnosticCode BlobAltered = D("MLB6034", "Verify: blob altered", DiagnosticKind.Refusal);
    /// <summary>Verify: the log breaks a registry rule (version gap, duplicate, wrong alias holder).</summary>
    public static readonly DiagnosticCode InvariantBroken = D("MLB6035", "Verify: registry rule broken", DiagnosticKind.Refusal);
    /// <summary>Verify: a snapshot or the head file disagrees with the log.</summary>
    public static readonly DiagnosticCode IndexMismatch = D("MLB6036", "Verify: snapshot or head disagrees with the log", DiagnosticKind.Refusal);
    /// <summary>Verify: a signature is missing, invalid or made by an untrusted key.</summary>
    public static readonly DiagnosticCode SignatureInvalid = D("MLB6037", "Verify: signature missing or invalid", DiagnosticKind.Refusal);
    /// <summary>Verify: harmless leftovers of interrupted writes (temporary files, unreferenced blobs).</summary>
    public static readonly DiagnosticCode Leftovers = D("MLB6038", "Verify: leftovers of interrupted writes", DiagnosticKind.Information);
    /// <summary>Verify: a promotion in the log breaks the policy file.</summary>
    public static readonly DiagnosticCode PolicyBroken = D("MLB6039", "Verify: promotion breaks the policy", DiagnosticKind.Refusal);
    /// <summary>The signing key cannot be read.</summary>
    public static readonly DiagnosticCode SigningKeyInvalid = D("MLB6040", "Signing key invalid", DiagnosticKind.Configuration);
    /// <summary>The trusted keys file is malformed.</summary>
    public static readonly DiagnosticCode TrustFileInvalid = D("MLB6041", "Trusted keys file invalid", DiagnosticKind.Configuration);
    /// <summary>The same model bytes and evidence are already registered as a version; nothing was recorded.</summary>
    public static readonly DiagnosticCode AlreadyRegistered = D("MLB6042", "Model already registered", DiagnosticKind.Information);
    /// <summary>A warning: the model bytes equal an earlier version's; a new version was registered because the evidence differs.</summary>
    public static readonly DiagnosticCode SameModelBytes = D("MLB6043", "Same model bytes as an earlier version", DiagnosticKind.Information);
    /// <summary>Promoting to prod a version whose evidence records a failing gate, without --force.</summary>
    public static readonly DiagnosticCode FailingGateProd = D("MLB6044", "Failing gate: prod promotion refused", DiagnosticKind.Refusal);
    /// <summary>A warning: a version promoted although its evidence records failing or undecided gates.</summary>
    public static readonly DiagnosticCode PromotedPastGates = D("MLB6045", "Promoted with failing or undecided gates", DiagnosticKind.Information);
    /// <summary>The evidence's schema disagrees with the inputs and outputs of the model zip itself.</summary>
    public static readonly DiagnosticCode EvidenceSchemaMismatch = D("MLB6046", "Evidence schema disagrees with the model", DiagnosticKind.Refusal);
    /// <summary>A package of the model would not load in a consuming project; none was written.</summary>
    public static readonly DiagnosticCode PackageWouldNotLoad = D("MLB6047", "Model package would not load", DiagnosticKind.Refusal);
    /// <summary>A warning: the model is not an ML.NET zip, so its package carries no dependency and no load check.</summary>
    public static readonly DiagnosticCode PackageUnchecked = D("MLB6048", "Model packaged without a load check", DiagnosticKind.Information);
    /// <summary>A warning: a verified package has no signature; its digests prove integrity, not origin.</summary>
    public static readonly DiagnosticCode PackageUnsigned = D("MLB6049", "Package not signed", DiagnosticKind.Information);
    /// <summary>The deployment manifest has no reference to the model, or cannot be read or written.</summary>
    public static readonly DiagnosticCode ManifestInvalid = D("MLB6050", "Deployment manifest invalid", DiagnosticKind.Configuration);
    /// <summary>Packaging failed.</summary>
    public static readonly DiagnosticCode PackageFailed = D("MLB6060", "Packaging failed", DiagnosticKind.Configuration);
    /// <summary>An OCI registry refused or failed a request.</summary>
    public static readonly DiagnosticCode OciFailed = D("MLB6061", "OCI registry request failed", DiagnosticKind.UnreadableInput);
    /// <summary>A pulled or packaged artifact does not match its digest or signature.</summary>
    public static readonly DiagnosticCode PackageDigestMismatch = D("MLB6062", "Package digest or provenance mismatch", DiagnosticKind.Refusal);
    /// <summary>The store failed (I/O, network, permissions).</summary>
    public static readonly DiagnosticCode StoreFailed = D("MLB6070", "Store failed", DiagnosticKind.UnreadableInput);
    /// <summary>The store configuration is incomplete (for example a missing connection string).</summary>
    public static readonly DiagnosticCode StoreConfigInvalid = D("MLB6071", "Store configuration incomplete", DiagnosticKind.Configuration);
    /// <summary>While reading the log, an event broke the chain: the registry needs <c>dotnet ml verify</c>.</summary>
    public static readonly DiagnosticCode LogCorrupt = D("MLB6080", "Registry log broken", DiagnosticKind.Refusal);

    // MLB9xxx: internal, usage, the MSBuild front door, schema files. ------------------------------------------------

    /// <summary>An unexpected failure inside MlBuild (a bug): the one internal-error code, for every verb.</summary>
    public static readonly DiagnosticCode InternalError = D("MLB9000", "Internal error", DiagnosticKind.Internal);
    /// <summary>The engine process crashed, wrote no readable result, or failed without reporting why (MSBuild task).</summary>
    public static readonly DiagnosticCode EngineFailed = D("MLB9001", "The engine failed without a result", DiagnosticKind.Internal);
    /// <summary>The command line is wrong.</summary>
    public static readonly DiagnosticCode CommandLine = D("MLB9002", "Invalid command line", DiagnosticKind.Usage);
    /// <summary>The request file the MSBuild task wrote for the engine is unreadable.</summary>
    public static readonly DiagnosticCode EngineRequestUnreadable = D("MLB9003", "Engine request unreadable", DiagnosticKind.Internal);
    /// <summary>An output file the user named (a report, a profile, a schema) cannot be written.</summary>
    public static readonly DiagnosticCode OutputNotWritable = D("MLB9004", "Output file not writable", DiagnosticKind.Usage);
    /// <summary>An <c>MlBuildDataset</c> item has no <c>Schema</c> metadata.</summary>
    public static readonly DiagnosticCode DatasetWithoutSchema = D("MLB9010", "MlBuildDataset without Schema", DiagnosticKind.Configuration);
    /// <summary>An <c>MlBuildDataset</c> item names a data file that does not exist.</summary>
    public static readonly DiagnosticCode DatasetFileMissing = D("MLB9011", "MlBuildDataset file missing", DiagnosticKind.Configuration);
    /// <summary>The <c>Schema</c> of an <c>MlBuildDataset</c> item does not exist.</summary>
    public static readonly DiagnosticCode DatasetSchemaMissing = D("MLB9012", "MlBuildDataset schema missing", DiagnosticKind.Configuration);
    /// <summary>Items of one dataset have different schemas.</summary>
    public static readonly DiagnosticCode DatasetSchemaConflict = D("MLB9013", "One dataset with two schemas", DiagnosticKind.Configuration);
    /// <summary>The engine assembly does not exist.</summary>
    public static readonly DiagnosticCode EngineMissing = D("MLB9014", "Engine not found", DiagnosticKind.Configuration);
    /// <summary>The task could not write its request file.</summary>
    public static readonly DiagnosticCode RequestNotWritable = D("MLB9015", "Request file not writable", DiagnosticKind.Configuration);
    /// <summary>An MlBuild property has a value the task cannot use (e.g. <c>MlBuildMaxLocationsPerCheck</c> below 1).</summary>
    public static readonly DiagnosticCode InvalidBuildProperty = D("MLB9016", "Invalid MlBuild property", DiagnosticKind.Configuration);
    /// <summary>mlbuild.json and an MlBuildDataset item declare one dataset with different schemas or references.</summary>
    public static readonly DiagnosticCode PipelineItemConflict = D("MLB9030", "mlbuild.json and an item disagree on a dataset", DiagnosticKind.Configuration);
    /// <summary>The reference profile a dataset names does not exist.</summary>
    public static readonly DiagnosticCode ReferenceProfileMissing = D("MLB9031", "Reference profile not found", DiagnosticKind.Configuration);
    /// <summary>A warning: <c>GITHUB_STEP_SUMMARY</c> names something the summary cannot be appended to (a folder, a read-only file).</summary>
    public static readonly DiagnosticCode StepSummaryNotWritten = D("MLB9040", "Step summary not written", DiagnosticKind.Information);
    /// <summary>A package to verify or extract is a crafted archive (too many entries, overlapping entries, impossible expansion): refused unread.</summary>
    public static readonly DiagnosticCode PackageExpansionRefused = D("MLB9041", "Package refused as a zip bomb", DiagnosticKind.UnreadableInput);
    /// <summary><c>MlBuildPipelineFile</c> names a pipeline file that does not exist.</summary>
    public static readonly DiagnosticCode ModelTestPipelineMissing = D("MLB9020", "MlBuildPipelineFile missing", DiagnosticKind.Configuration);
    /// <summary>The schema file is not valid JSON.</summary>
    public static readonly DiagnosticCode SchemaJson = D("MLB9101", "Schema is not valid JSON", DiagnosticKind.Configuration);
    /// <summary>Unknown column type.</summary>
    public static readonly DiagnosticCode SchemaUnknownType = D("MLB9102", "Unknown column type", DiagnosticKind.Configuration);
    /// <summary>Unknown property or check in the schema.</summary>
    public static readonly DiagnosticCode SchemaUnknownProperty = D("MLB9103", "Unknown schema property or check", DiagnosticKind.Configuration);
    /// <summary>A schema property has a wrong value or does not apply to the column's type.</summary>
    public static readonly DiagnosticCode SchemaInvalidValue = D("MLB9104", "Invalid schema value", DiagnosticKind.Configuration);
    /// <summary>A required schema property is missing.</summary>
    public static readonly DiagnosticCode SchemaMissingProperty = D("MLB9105", "Missing schema property", DiagnosticKind.Configuration);
    /// <summary>A <c>pattern</c> is not a valid regular expression.</summary>
    public static readonly DiagnosticCode SchemaInvalidPattern = D("MLB9106", "Invalid pattern", DiagnosticKind.Configuration);
    /// <summary>Unsupported <c>schemaVersion</c>.</summary>
    public static readonly DiagnosticCode SchemaVersion = D("MLB9107", "Unsupported schemaVersion", DiagnosticKind.Configuration);
    /// <summary>The schema file was not found.</summary>
    public static readonly DiagnosticCode SchemaNotFound = D("MLB9108", "Schema file not found", DiagnosticKind.Configuration);
    /// <summary>A column is declared twice in the schema.</summary>
    public static readonly DiagnosticCode SchemaDuplicateColumn = D("MLB9109", "Column declared twice", DiagnosticKind.Configuration);
    /// <summary>A rule is malformed or names an unknown or non-comparable column.</summary>
    public static readonly DiagnosticCode SchemaInvalidRule = D("MLB9110", "Invalid rule", DiagnosticKind.Configuration);
    /// <summary>The schema file cannot be read, or is larger than a schema can be (a device, an endless stream).</summary>
    public static readonly DiagnosticCode SchemaUnreadable = D("MLB9111", "Schema file unreadable or too large", DiagnosticKind.Configuration);
    /// <summary>A schema pattern the non-backtracking engine cannot run took longer than its time limit on one value (at the pattern's line and column).</summary>
    public static readonly DiagnosticCode SchemaPatternTimeout = D("MLB9112", "Pattern too slow", DiagnosticKind.Configuration);
    /// <summary>The pipeline file (mlbuild.json) is not valid JSON (at its line and column). Comments and trailing commas are allowed.</summary>
    public static readonly DiagnosticCode PipelineJson = D("MLB9201", "Pipeline file is not valid JSON", DiagnosticKind.Configuration);
    /// <summary>Unknown property in the pipeline file (the message lists the allowed ones).</summary>
    public static readonly DiagnosticCode PipelineUnknownProperty = D("MLB9202", "Unknown pipeline property", DiagnosticKind.Configuration);
    /// <summary>A property of the pipeline file has a wrong type or value, or a required one is missing.</summary>
    public static readonly DiagnosticCode PipelineInvalidValue = D("MLB9203", "Invalid pipeline value", DiagnosticKind.Configuration);
    /// <summary>Unknown trainer for the task, unknown hyperparameter for the trainer, or a hyperparameter out of range.</summary>
    public static readonly DiagnosticCode PipelineUnknownTrainer = D("MLB9204", "Unknown trainer or hyperparameter", DiagnosticKind.Configuration);
    /// <summary>Unknown model.task.</summary>
    public static readonly DiagnosticCode PipelineUnknownTask = D("MLB9205", "Unknown model task", DiagnosticKind.Configuration);
    /// <summary>model.dataset or model.split.testDataset names a dataset that datasets does not declare.</summary>
    public static readonly DiagnosticCode PipelineUnknownDataset = D("MLB9206", "Unknown dataset", DiagnosticKind.Configuration);
    /// <summary>A gate of mlbuild.json is malformed (read as in a gates file: no kind, unknown property, no bound), or names a metric or fairness gate its model's task does not have.</summary>
    public static readonly DiagnosticCode PipelineInvalidGate = D("MLB9207", "Invalid gate in the pipeline file", DiagnosticKind.Configuration);
    /// <summary>The pipeline file was not found.</summary>
    public static readonly DiagnosticCode PipelineNotFound = D("MLB9208", "Pipeline file not found", DiagnosticKind.Configuration);
    /// <summary>The label, a feature, the split key or a featurisation override names a column the dataset's schema lacks, or a column of the wrong type for its role (e.g. a text regression label, numeric on a category).</summary>
    public static readonly DiagnosticCode PipelineUnknownColumn = D("MLB9209", "Unknown or unsuitable column", DiagnosticKind.Configuration);
    /// <summary>The model section mixes a model made elsewhere (path, onnx, command) with settings of a trainer MlBuild runs, or names the model file twice, or an ONNX mapping without a file.</summary>
    public static readonly DiagnosticCode ExternalModelConflict = D("MLB9210", "Contradicting model settings", DiagnosticKind.Configuration);
    /// <summary>Registration on publish was asked, but the pipeline file has no model or no registry section.</summary>
    public static readonly DiagnosticCode PublishModelConfiguration = D("MLB9240", "Model publish misconfigured", DiagnosticKind.Configuration);
    /// <summary>A <c>dotnet ml golden record</c> argument is out of range.</summary>
    public static readonly DiagnosticCode GoldenRecordUsage = D("MLB9241", "Invalid golden record argument", DiagnosticKind.Usage);
    /// <summary>$GITHUB_STEP_SUMMARY names a folder or a file that cannot be appended to.</summary>
    public static readonly DiagnosticCode StepSummaryNotWritable = D("MLB9250", "Step summary not writable", DiagnosticKind.Configuration);
    /// <summary>A gates file (or a pipeline file's gates read by the gates reader) is invalid.</summary>
    public static readonly DiagnosticCode GatesFileInvalid = D("MLB9301", "Gates file invalid", DiagnosticKind.Configuration);

    /// <summary>
    /// Codes that were used once and are never reused: a new code takes a new number. Each keeps a row in the
    /// "Retired codes" section of docs/diagnostics.md.
    /// </summary>
    public static readonly IReadOnlyList<string> Retired = new[]
    {
        "MLB6099", // the registry's own internal-error code, merged into InternalError
    };

    static IReadOnlyList<DiagnosticCode>? _all;
    static Dictionary<string, DiagnosticCode>? _byCode;

    /// <summary>Every entry, in code order.</summary>
    public static IReadOnlyList<DiagnosticCode> All => _all ??= typeof(DiagnosticCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.FieldType == typeof(DiagnosticCode))
        .Select(f => (DiagnosticCode)f.GetValue(null)!)
        .OrderBy(c => c.Code, StringComparer.Ordinal)
        .ToArray();

    /// <summary>The entry for <paramref name="code"/>, or null when the table has none.</summary>
    public static DiagnosticCode? Find(string code)
    {
        var byCode = _byCode ??= All.ToDictionary(c => c.Code, StringComparer.Ordinal);
        return byCode.TryGetValue(code, out var entry) ? entry : null;
    }

    /// <summary>The kind of <paramref name="code"/>; a code the table lacks is treated as <see cref="DiagnosticKind.Internal"/>
    /// (never downgraded, exit 2), so an unknown code can never make a failing run pass.</summary>
    public static DiagnosticKind KindOf(string code) => Find(code)?.Kind ?? DiagnosticKind.Internal;

    /// <summary>The word that stands for a kind in the engine's result file (<c>data</c>, <c>refusal</c>, ...).</summary>
    public static string Word(DiagnosticKind kind) => kind switch
    {
        DiagnosticKind.DataFinding => "data",
        DiagnosticKind.Refusal => "refusal",
        DiagnosticKind.Information => "information",
        DiagnosticKind.Configuration => "configuration",
        DiagnosticKind.UnreadableInput => "input",
        DiagnosticKind.Usage => "usage",
        _ => "internal",
    };

    /// <summary>The kind a result-file word stands for; an unknown word is <see cref="DiagnosticKind.Internal"/>.</summary>
    public static DiagnosticKind ParseKind(string word) => word switch
    {
        "data" => DiagnosticKind.DataFinding,
        "refusal" => DiagnosticKind.Refusal,
        "information" => DiagnosticKind.Information,
        "configuration" => DiagnosticKind.Configuration,
        "input" => DiagnosticKind.UnreadableInput,
        "usage" => DiagnosticKind.Usage,
        _ => DiagnosticKind.Internal,
    };
}
