using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;
using MlBuild.Core.Data.Schema;
using MlBuild.Core.Data.Validation;
using MlBuild.Core.Diagnostics;
using MlBuild.Core.Models.Gates;
using MlBuild.Core.Models.Evaluation;
using MlBuild.Core.Models.External;
using MlBuild.Core.Pipeline;

namespace MlBuild.Core.Models.Training;

/// <summary>Knobs of a training run that are not part of the pipeline file.</summary>
public sealed class TrainingOptions
{
    /// <summary>Train on the quick-train sample (<c>model.quickTrain.rows</c>) instead of every training row.</summary>
    public bool Quick { get; init; }
    /// <summary>Reader threads (the data is read and validated in parallel; the trainers run on one thread).</summary>
    public int ReadParallelism { get; init; } = Environment.ProcessorCount;
    /// <summary>Called with short progress messages ("reading train", "training lightgbm").</summary>
    public Action<string>? Progress { get; init; }
}

/// <summary>How one feature column was featurised.</summary>
/// <param name="Column">The column.</param>
/// <param name="Type">Its schema type.</param>
/// <param name="Handling">What was done with it.</param>
public sealed record FeatureColumnPlan(string Column, ColumnType Type, FeatureHandling Handling);

/// <summary>A dataset read for training, for the evidence.</summary>
/// <param name="Name">The dataset's name in the pipeline file.</param>
/// <param name="Files">Each file as named, with its SHA-256 and size.</param>
/// <param name="Rows">Rows read.</param>
public sealed record DatasetDigest(string Name, IReadOnlyList<(string Path, string Sha256, long Bytes)> Files, long Rows);

/// <summary>A trained model with everything needed to evaluate it and to record how it was made. Dispose it when done:
/// an ONNX model holds a native ONNX Runtime session.</summary>
public sealed class TrainedModel : IDisposable
{
    /// <summary>The ML.NET context (seeded) the model was trained in.</summary>
    public required MLContext Context { get; init; }
    /// <summary>The fitted pipeline (featurisation and trainer).</summary>
    public required ITransformer Model { get; init; }
    /// <summary>The model's input schema (as saved in the zip).</summary>
    public required DataViewSchema InputSchema { get; init; }
    /// <summary>The model file's bytes (byte-stable: see <see cref="ModelZip.Normalize"/>; an ONNX model's file as it is).</summary>
    public required byte[] ModelZipBytes { get; init; }
    /// <summary>The model file's extension: <c>.zip</c> (ML.NET), or <c>.onnx</c> for an ONNX model brought by the user.</summary>
    public string ModelFileExtension { get; init; } = ".zip";
    /// <summary>The canonical model hash (see <see cref="ModelZip.CanonicalHash(Stream)"/>).</summary>
    public required string CanonicalHash { get; init; }
    /// <summary>The model section it was trained from.</summary>
    public required ModelSpec Spec { get; init; }
    /// <summary>How each feature was featurised.</summary>
    public required IReadOnlyList<FeatureColumnPlan> Features { get; init; }
    /// <summary>The normalisation actually applied.</summary>
    public required Normalization Normalization { get; init; }
    /// <summary>Training rows (after sampling).</summary>
    public required TableDataView TrainView { get; init; }
    /// <summary>Test rows (a hash split of the training data, or the test dataset).</summary>
    public required TableDataView TestView { get; init; }
    /// <summary>Training rows before the quick-train sample.</summary>
    public required int TrainRowsBeforeSample { get; init; }
    /// <summary>The datasets read.</summary>
    public required IReadOnlyList<DatasetDigest> Datasets { get; init; }
    /// <summary>The name of the label column ML.NET's evaluators read (the label itself, or its key column for multiclass).</summary>
    public required string LabelColumn { get; init; }
    /// <summary>Non-fatal diagnostics (e.g. validation warnings, missing values replaced).</summary>
    public required IReadOnlyList<MlDiagnostic> Diagnostics { get; init; }

    /// <summary>The model's predictions on the test rows.</summary>
    public IDataView PredictTest() => Model.Transform(TestView);

    /// <summary>Releases the model's native resources (an ONNX model's session); the model cannot score afterwards.</summary>
    public void Dispose() => (Model as IDisposable)?.Dispose();
}

/// <summary>The outcome of <see cref="ModelTrainer.Train"/>: a model, or the diagnostics that stopped training.</summary>
/// <param name="Model">The trained model, or null.</param>
/// <param name="Diagnostics">Every diagnostic, errors first when training stopped.</param>
/// <param name="ExitCode">0 trained; 1 the data failed its checks; 2 bad input.</param>
public sealed record TrainingOutcome(TrainedModel? Model, IReadOnlyList<MlDiagnostic> Diagnostics, int ExitCode);

/// <summary>
/// Trains the model a pipeline file declares: reads and validates the data with MlBuild's readers, splits it by a
/// seeded hash, featurises it from its schema, trains with a seeded single-threaded ML.NET trainer, and saves a
/// byte-stable model zip with its canonical hash.
/// </summary>
public static class ModelTrainer
{
    const string FeaturesColumn = "__features", NumericColumn = "__numeric", LabelKeyColumn = "__label";

    /// <summary>Trains; user mistakes come back as diagnostics (or <see cref="MlBuildException"/> for the pipeline file's own).</summary>
    public static TrainingOutcome Train(PipelineFile pipeline, TrainingOptions? options = null)
    {
        options ??= new TrainingOptions();
        var spec = pipeline.Model ?? throw Config(DiagnosticCodes.PipelineInvalidValue, "The pipeline file has no 'model' section; add one (see docs/pipeline.md).", pipeline.DisplayPath, null);
        var trainDecl = pipeline.Dataset(spec.Dataset)
            ?? throw Config(DiagnosticCodes.PipelineUnknownDataset, $"The model trains on dataset '{spec.Dataset}'; declare it under 'datasets' with its path and schema.", pipeline.DisplayPath, spec.DatasetPosition ?? spec.Position);
        var schema = LoadSchema(pipeline, trainDecl);
        // A model made elsewhere (docs/pipeline.md, "Bring your own model") is loaded first, and reads its own columns.
        // It owns a loaded ONNX session until the trained model takes it: disposed here when training stops before.
        using var external = spec.External is { } ext ? ExternalModel.Open(pipeline, spec, ext, schema, () => Plan(pipeline, spec, schema)) : null;
        var plan = external?.Plan ?? Plan(pipeline, spec, schema);

        var diagnostics = new List<MlDiagnostic>();
        var readOptions = new ValidationOptions { MaxParallelism = Math.Max(1, options.ReadParallelism) };
        options.Progress?.Invoke($"reading {trainDecl.Name}");
        var (table, trainDigest) = Read(pipeline, trainDecl, schema, plan.Columns, spec.Split.TestDataset is null ? spec.Split.KeyColumn : null, readOptions, diagnostics);
        if (table is null) return Stopped(diagnostics);

        TrainingTable testTable = table;
        int[] trainRows, testRows;
        var digests = new List<DatasetDigest> { trainDigest };
        if (spec.Split.TestDataset is { } testName)
        {
            var testDecl = pipeline.Dataset(testName)!;
            var testSchema = LoadSchema(pipeline, testDecl);
            foreach (var c in plan.Columns)
                if (!testSchema.Columns.Any(s => s.Name == c))
                    throw Config(DiagnosticCodes.PipelineUnknownColumn, $"Test dataset '{testName}' has no column '{c}' in its schema; the model needs it.", pipeline.DisplayPath, testDecl.Position);
            options.Progress?.Invoke($"reading {testName}");
            var (t, testDigest) = Read(pipeline, testDecl, testSchema, plan.Columns, null, readOptions, diagnostics);
            if (t is null) return Stopped(diagnostics);
            testTable = t;
            digests.Add(testDigest);
            trainRows = Enumerable.Range(0, table.RowCount).ToArray();
            testRows = Enumerable.Range(0, testTable.RowCount).ToArray();
        }
        else
            (trainRows, testRows) = RowSplitter.Split(table.KeyHashes.AsSpan(0, table.RowCount), spec.Seed, spec.Split.TestShare);

        // The label: no missing values in the rows used.
        if (CheckLabelMissing(table, spec, diagnostics) || (!ReferenceEquals(testTable, table) && CheckLabelMissing(testTable, spec, diagnostics)))
            return Stopped(diagnostics);

        int beforeSample = trainRows.Length;
        if (options.Quick)
            trainRows = RowSplitter.Sample(trainRows, table.KeyHashes, spec.Seed, spec.QuickTrainRows ?? ModelSpec.DefaultQuickTrainRows);
        if (trainRows.Length == 0 || testRows.Length == 0)
        {
            diagnostics.Insert(0, new MlDiagnostic(DiagnosticCodes.TrainingSplitEmpty, MlSeverity.Error,
                (trainRows.Length == 0 ? "No training rows" : "The test split is empty")
                + $" ({table.RowCount} rows read, {trainRows.Length} for training, {testRows.Length} for testing). "
                + (spec.Split.TestDataset is null ? "Use more data or a larger model.split.test." : "Check the test dataset."),
                pipeline.DisplayPath, spec.Split.Position?.Line ?? spec.Position?.Line ?? 0, spec.Split.Position?.Column ?? spec.Position?.Column ?? 0));
            return Stopped(diagnostics);
        }

        var label = table[spec.Label];
        var isTrue = LabelTruth(spec, label, pipeline);
        if (CheckClasses(spec, table, trainRows, isTrue, pipeline, diagnostics)) return Stopped(diagnostics);
        if (external is not null)
            return external.Finish(new PreparedData(table, testTable, trainRows, testRows, beforeSample, digests, isTrue, diagnostics), options);

        // The views: features as their handling needs them, the label as the task needs it.
        var viewColumns = new List<ViewColumn>();
        foreach (var f in plan.Features)
            viewColumns.Add(new ViewColumn(f.Column, f.Handling == FeatureHandling.Numeric ? ViewColumnKind.Single : ViewColumnKind.Text, table[f.Column]));
        var labelKind = spec.Task switch { ModelTask.Binary => ViewColumnKind.Boolean, ModelTask.Regression => ViewColumnKind.Single, _ => ViewColumnKind.Text };
        viewColumns.Add(new ViewColumn(spec.Label, labelKind, label, isTrue));
        var trainView = new TableDataView(viewColumns, trainRows);
        var testView = new TableDataView(viewColumns.Select(c => c with { Source = testTable[c.Source.Name] }).ToList(), testRows);

        var ml = new MLContext(seed: spec.Seed);
        var normalization = spec.Featurization.Normalize == Normalization.Auto
            ? TrainerCatalog.IsLinear(spec.Trainer.Name) ? Normalization.MeanVariance : Normalization.None
            : spec.Featurization.Normalize;

        options.Progress?.Invoke($"training {spec.Trainer.Name} on {trainRows.Length.ToString("N0", CultureInfo.InvariantCulture)} rows");
        ITransformer model;
        try
        {
            // MlBuild's own fit where one applies (binary L-BFGS without L1 over numeric features), else ML.NET's pipeline.
            model = TrainerCatalog.FitDirect(ml, spec, plan.Features, normalization, trainView, NumericColumn, FeaturesColumn)
                ?? BuildPipeline(ml, spec, plan.Features, normalization).Fit(trainView);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or FormatException or NotSupportedException or DllNotFoundException)
        {
            diagnostics.Insert(0, new MlDiagnostic(DiagnosticCodes.TrainerFailed, MlSeverity.Error,
                $"Training with '{spec.Trainer.Name}' failed: {ex.Message}", pipeline.DisplayPath, spec.Trainer.Position.Line, spec.Trainer.Position.Column));
            return Stopped(diagnostics);
        }

        using var saved = new MemoryStream();
        ml.Model.Save(model, trainView.Schema, saved);
        var bytes = ModelZip.Normalize(saved.ToArray());
        var hash = ModelZip.CanonicalHash(new MemoryStream(bytes, writable: false));
        return new TrainingOutcome(new TrainedModel
        {
            Context = ml,
            Model = model,
            InputSchema = trainView.Schema,
            ModelZipBytes = bytes,
            CanonicalHash = hash,
            Spec = spec,
            Features = plan.Features,
            Normalization = normalization,
            TrainView = trainView,
            TestView = testView,
            TrainRowsBeforeSample = beforeSample,
            Datasets = digests,
            LabelColumn = spec.Task == ModelTask.Multiclass ? LabelKeyColumn : spec.Label,
            Diagnostics = diagnostics,
        }, diagnostics, 0);
    }

    internal static TrainingOutcome Stopped(List<MlDiagnostic> diagnostics)
    {
        // The worst exit class of the errors (the code table's kinds: data findings 1, configuration and input 2).
        int exit = diagnostics.Where(d => d.Severity == MlSeverity.Error)
            .Select(d => (int)(DiagnosticCodes.Find(d.Code)?.ExitClass ?? ExitCodes.InvalidInput)).DefaultIfEmpty(2).Max();
        return new TrainingOutcome(null, diagnostics.OrderBy(d => d.Severity == MlSeverity.Error ? 0 : 1).ToList(), exit);
    }

    internal sealed record TrainingPlan(IReadOnlyList<FeatureColumnPlan> Features, IReadOnlyList<string> Columns);

    static DatasetSchema LoadSchema(PipelineFile pipeline, DatasetDeclaration d) =>
        SchemaLoader.Load(Path.GetFullPath(d.Schema, pipeline.BaseDirectory), d.Schema);

    /// <summary>Resolves the label, key and features against the schema; every unknown column is MLB9209 where it is named.</summary>
    internal static TrainingPlan Plan(PipelineFile pipeline, ModelSpec spec, DatasetSchema schema)
    {
        ColumnSchema Column(string name, SourcePosition? at, string role) =>
            schema.Columns.FirstOrDefault(c => c.Name == name)
            ?? throw Config(DiagnosticCodes.PipelineUnknownColumn, $"The {role} '{name}' is not a column of the schema '{schema.SourcePath ?? "?"}' (columns: {string.Join(", ", schema.Columns.Select(c => c.Name))}).", pipeline.DisplayPath, at);

        var label = Column(spec.Label, spec.LabelPosition, "label");
        switch (spec.Task)
        {
            case ModelTask.Regression when label.Type is not (ColumnType.Integer or ColumnType.Float):
                throw Config(DiagnosticCodes.PipelineUnknownColumn, $"A regression label must be a number; '{label.Name}' is {label.Type.ToString().ToLowerInvariant()}.", pipeline.DisplayPath, spec.LabelPosition);
            case ModelTask.Binary when label.Type is ColumnType.String or ColumnType.Category && spec.PositiveClass is null:
                throw Config(DiagnosticCodes.PipelineUnknownColumn, $"The binary label '{label.Name}' is text; set model.positiveClass to the value that means positive.", pipeline.DisplayPath, spec.LabelPosition);
            case ModelTask.Binary when label.Type is ColumnType.Float or ColumnType.Date or ColumnType.DateTime:
                throw Config(DiagnosticCodes.PipelineUnknownColumn, $"A binary label must be boolean, an integer 0/1, or text with model.positiveClass; '{label.Name}' is {label.Type.ToString().ToLowerInvariant()}.", pipeline.DisplayPath, spec.LabelPosition);
        }
        if (spec.Split.KeyColumn is { } key) Column(key, spec.Split.KeyPosition, "split key");
        foreach (var (name, pos) in spec.ExcludedFeatures) Column(name, pos, "excluded feature");

        List<ColumnSchema> features;
        if (spec.Features is { } listed)
        {
            features = [];
            foreach (var (name, pos) in listed)
            {
                if (name == spec.Label)
                    throw Config(DiagnosticCodes.PipelineUnknownColumn, $"The label '{name}' cannot also be a feature.", pipeline.DisplayPath, pos);
                features.Add(Column(name, pos, "feature"));
            }
        }
        else
            features = schema.Columns.Where(c => c.Name != spec.Label && c.Name != spec.Split.KeyColumn
                && !spec.ExcludedFeatures.Any(e => e.Name == c.Name)).ToList();

        foreach (var (name, (_, pos)) in spec.Featurization.Columns)
            if (!features.Any(f => f.Name == name))
                throw Config(DiagnosticCodes.PipelineUnknownColumn, $"featurization.columns names '{name}', which is not a feature of the model.", pipeline.DisplayPath, pos);

        var plans = new List<FeatureColumnPlan>();
        foreach (var f in features)
        {
            var (handling, pos) = spec.Featurization.Columns.TryGetValue(f.Name, out var o) ? o : (FeatureHandling.Auto, null!);
            bool text = f.Type is ColumnType.String or ColumnType.Category;
            if (handling == FeatureHandling.Auto)
                handling = f.Type switch { ColumnType.Category => FeatureHandling.OneHot, ColumnType.String => FeatureHandling.Text, _ => FeatureHandling.Numeric };
            else if (handling == FeatureHandling.Numeric && text)
                throw Config(DiagnosticCodes.PipelineUnknownColumn, $"Column '{f.Name}' is {f.Type.ToString().ToLowerInvariant()}; 'numeric' applies to integer, float, boolean, date and datetime columns.", pipeline.DisplayPath, pos);
            if (handling != FeatureHandling.Ignore) plans.Add(new FeatureColumnPlan(f.Name, f.Type, handling));
        }
        if (plans.Count == 0)
            throw Config(DiagnosticCodes.PipelineUnknownColumn, "The model has no feature left to train on.", pipeline.DisplayPath, spec.Position);
        var columns = plans.Select(p => p.Column).Append(spec.Label).Distinct(StringComparer.Ordinal).ToList();
        return new TrainingPlan(plans, columns);
    }

    static (TrainingTable?, DatasetDigest) Read(PipelineFile pipeline, DatasetDeclaration decl, DatasetSchema schema, IReadOnlyList<string> columns,
        string? key, ValidationOptions options, List<MlDiagnostic> diagnostics)
    {
        var request = new DatasetRequest(decl.Name, decl.Files, schema, pipeline.BaseDirectory);
        var table = TrainingTable.Load(request, columns, key, options);
        var v = table.Validation;
        diagnostics.AddRange(ValidationDiagnostics.From(v));
        var digest = new DatasetDigest(decl.Name, Digest(request), v.Records);
        if (v.ExitCode != 0)
        {
            diagnostics.Add(new MlDiagnostic(DiagnosticCodes.TrainingDataFailed, MlSeverity.Error,
                $"Dataset '{decl.Name}' failed its checks, so the model was not trained on it. Fix the data (the diagnostics above say where) or the schema.",
                pipeline.DisplayPath, decl.Position.Line, decl.Position.Column));
            return (null, digest);
        }
        return (table, digest);
    }

    static List<(string, string, long)> Digest(DatasetRequest request)
    {
        var list = new List<(string, string, long)>();
        foreach (var (full, display) in DatasetValidator.ResolveFiles(request))
        {
            using var f = File.OpenRead(full);
            list.Add((display, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(f)), f.Length));
        }
        return list;
    }

    static bool CheckLabelMissing(TrainingTable table, ModelSpec spec, List<MlDiagnostic> diagnostics)
    {
        if (!table.Missing.TryGetValue(spec.Label, out var m)) return false;
        var l = m.First;
        diagnostics.Insert(0, new MlDiagnostic(DiagnosticCodes.TrainingLabelMissing, MlSeverity.Error,
            $"The label '{spec.Label}' is missing in {m.Count.ToString(CultureInfo.InvariantCulture)} row(s), first in record {l.Record.ToString(CultureInfo.InvariantCulture)}"
            + (l.RowGroup >= 0 ? $" (row group {l.RowGroup}, row {l.Row})" : "") + ". Every training row needs a label: fill it, or filter those rows out.",
            l.File, l.Line > 0 ? (int)Math.Min(l.Line, int.MaxValue) : 0, l.Line > 0 ? l.Column : 0));
        return true;
    }

    static Func<TableColumn, int, bool>? LabelTruth(ModelSpec spec, TableColumn label, PipelineFile pipeline)
    {
        if (spec.Task != ModelTask.Binary) return null;
        if (!label.IsNumeric)
        {
            var positive = spec.PositiveClass!;
            return (c, r) => c.Text(r) == positive;
        }
        if (spec.PositiveClass is { } p)
        {
            if (!double.TryParse(p == "true" ? "1" : p == "false" ? "0" : p, NumberStyles.Float, CultureInfo.InvariantCulture, out var pv))
                throw Config(DiagnosticCodes.PipelineInvalidValue, $"model.positiveClass '{p}' is not a value of the numeric label '{label.Name}'.", pipeline.DisplayPath, spec.LabelPosition);
            return (c, r) => c.Number(r) == pv;
        }
        return (c, r) => c.Number(r) == 1;
    }

    /// <summary>A classifier needs two classes among its training rows; a 0/1 integer label needs only 0 and 1.</summary>
    static bool CheckClasses(ModelSpec spec, TrainingTable table, int[] rows, Func<TableColumn, int, bool>? isTrue, PipelineFile pipeline, List<MlDiagnostic> diagnostics)
    {
        var label = table[spec.Label];
        var at = spec.LabelPosition;
        if (spec.Task == ModelTask.Binary && label.Schema.Type == ColumnType.Integer && spec.PositiveClass is null)
        {
            foreach (var r in rows)
                if (label.Number(r) is not (0 or 1))
                {
                    diagnostics.Insert(0, new MlDiagnostic(DiagnosticCodes.TrainingSingleClass, MlSeverity.Error,
                        $"The binary label '{spec.Label}' has the value {label.Text(r)} (record {r + 1}); an integer label must be 0 or 1, or set model.positiveClass.",
                        pipeline.DisplayPath, at?.Line ?? 0, at?.Column ?? 0));
                    return true;
                }
        }
        if (spec.Task == ModelTask.Regression) return false;
        var classes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var r in rows)
        {
            classes.Add(isTrue is not null ? (isTrue(label, r) ? "positive" : "negative") : label.Text(r) ?? "");
            if (classes.Count > 1) return false;
        }
        diagnostics.Insert(0, new MlDiagnostic(DiagnosticCodes.TrainingSingleClass, MlSeverity.Error,
            $"The label '{spec.Label}' has a single class ({classes.FirstOrDefault() ?? "none"}) in the {rows.Length.ToString(CultureInfo.InvariantCulture)} training rows; a classifier needs at least two.",
            pipeline.DisplayPath, at?.Line ?? 0, at?.Column ?? 0));
        return true;
    }

    static IEstimator<ITransformer> BuildPipeline(MLContext ml, ModelSpec spec, IReadOnlyList<FeatureColumnPlan> features, Normalization normalization)
    {
        IEstimator<ITransformer>? chain = null;
        void Add(IEstimator<ITransformer> e) => chain = chain is null ? e : chain.Append(e);
        var parts = new List<string>();

        var numeric = features.Where(f => f.Handling == FeatureHandling.Numeric).Select(f => f.Column).ToArray();
        if (numeric.Length > 0)
        {
            Add(ml.Transforms.Concatenate(NumericColumn, numeric));
            Add(ml.Transforms.ReplaceMissingValues(NumericColumn, replacementMode: spec.Featurization.Missing switch
            {
                MissingValueReplacement.Zero => MissingValueReplacingEstimator.ReplacementMode.DefaultValue,
                MissingValueReplacement.Minimum => MissingValueReplacingEstimator.ReplacementMode.Minimum,
                MissingValueReplacement.Maximum => MissingValueReplacingEstimator.ReplacementMode.Maximum,
                MissingValueReplacement.MostFrequent => MissingValueReplacingEstimator.ReplacementMode.Mode,
                _ => MissingValueReplacingEstimator.ReplacementMode.Mean,
            }));
            if (normalization == Normalization.MinMax) Add(ml.Transforms.NormalizeMinMax(NumericColumn));
            else if (normalization == Normalization.MeanVariance) Add(ml.Transforms.NormalizeMeanVariance(NumericColumn));
            parts.Add(NumericColumn);
        }
        foreach (var f in features)
        {
            var output = "__" + f.Handling.ToString().ToLowerInvariant() + "." + f.Column;
            switch (f.Handling)
            {
                case FeatureHandling.OneHot:
                    Add(ml.Transforms.Categorical.OneHotEncoding(output, f.Column, keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue));
                    break;
                case FeatureHandling.OneHotHash:
                    Add(ml.Transforms.Categorical.OneHotHashEncoding(output, f.Column, numberOfBits: spec.Featurization.HashBits));
                    break;
                case FeatureHandling.Text:
                    Add(ml.Transforms.Text.FeaturizeText(output, f.Column));
                    break;
                default:
                    continue;
            }
            parts.Add(output);
        }
        Add(ml.Transforms.Concatenate(FeaturesColumn, [.. parts]));

        string label = spec.Label;
        if (spec.Task == ModelTask.Multiclass)
        {
            Add(ml.Transforms.Conversion.MapValueToKey(LabelKeyColumn, spec.Label, keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue));
            label = LabelKeyColumn;
        }
        // Iterative trainers read the featurised rows many times: caching them once made L-BFGS fit 3x faster
        // (peer-bench --task train, 200k rows, MLBUILD_BENCH_CACHE=0 against the default, same minutes).
        chain = chain!.AppendCacheCheckpoint(ml);
        Add(TrainerCatalog.Create(ml, spec.Task, spec.Trainer, spec.Seed, label, FeaturesColumn));
        if (spec.Task == ModelTask.Multiclass)
            Add(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
        return chain!;
    }

    static MlBuildException Config(string code, string message, string file, SourcePosition? at) =>
        new(new MlDiagnostic(code, MlSeverity.Error, message, at?.File ?? file, at?.Line ?? 0, at?.Column ?? 0));
}
