using System.Security.Cryptography;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlBuild.Core.Data.Schema;
using MlBuild.Core.Diagnostics;
using MlBuild.Core.Json;
using MlBuild.Core.Models.Gates;
using MlBuild.Core.Models.Evaluation;
using MlBuild.Core.Models.Training;
using MlBuild.Core.Pipeline;

namespace MlBuild.Core.Models.External;

/// <summary>The data <see cref="ModelTrainer"/> prepared (read, validated, split, sampled) for a model made elsewhere.</summary>
internal sealed record PreparedData(
    TrainingTable Table, TrainingTable TestTable, int[] TrainRows, int[] TestRows, int TrainRowsBeforeSample,
    IReadOnlyList<DatasetDigest> Datasets, Func<TableColumn, int, bool>? IsTrue, List<MlDiagnostic> Diagnostics);

/// <summary>A model file loaded: an ML.NET transformer with its input schema, or an ONNX scorer.</summary>
internal sealed class LoadedModel
{
    public required ExternalModelFormat Format { get; init; }
    public required byte[] Bytes { get; init; }
    public required MLContext Context { get; init; }
    public ITransformer? MlNet { get; init; }
    public DataViewSchema? MlNetInputSchema { get; init; }
    public OnnxScorer? Onnx { get; init; }
    /// <summary>The data columns the model reads (the label aside), in the model's order.</summary>
    public required IReadOnlyList<string> InputColumns { get; init; }
}

/// <summary>
/// A model made elsewhere, run through the same steps as a built-in trainer's (see docs/pipeline.md, "Bring your own
/// model"): an ML.NET zip or an ONNX model is loaded before the data is read (so a bad file fails fast), the user's
/// training command runs on the seeded quick-train sample; either way the result is a <see cref="TrainedModel"/> over
/// the same test rows, which <see cref="TestPredictions"/>, the evaluation and the gates read unchanged. It owns a
/// loaded ONNX scorer (a native session) until the <see cref="TrainedModel"/> it builds takes it over.
/// </summary>
internal sealed class ExternalModel : IDisposable
{
    readonly PipelineFile _pipeline;
    readonly ModelSpec _spec;
    readonly ExternalModelSpec _external;
    readonly DatasetSchema _schema;
    LoadedModel? _loaded;

    /// <summary>The columns to read and the features to record.</summary>
    public ModelTrainer.TrainingPlan Plan { get; }

    ExternalModel(PipelineFile pipeline, ModelSpec spec, ExternalModelSpec external, DatasetSchema schema, LoadedModel? loaded, ModelTrainer.TrainingPlan plan)
    {
        _pipeline = pipeline;
        _spec = spec;
        _external = external;
        _schema = schema;
        _loaded = loaded;
        Plan = plan;
    }

    /// <summary>
    /// Loads a model file (not a command's: that one exists only after the run) and plans the columns it reads;
    /// a command's columns are the model section's features (<paramref name="featurePlan"/>).
    /// </summary>
    public static ExternalModel Open(PipelineFile pipeline, ModelSpec spec, ExternalModelSpec external, DatasetSchema schema, Func<ModelTrainer.TrainingPlan> featurePlan)
    {
        if (schema.Columns.All(c => c.Name != spec.Label))
            throw Error(DiagnosticCodes.PipelineUnknownColumn, $"The label '{spec.Label}' is not a column of the schema '{schema.SourcePath ?? "?"}'.", spec.LabelPosition ?? external.Position);
        if (external.Command is not null) return new ExternalModel(pipeline, spec, external, schema, null, featurePlan());
        var at = external.PathPosition ?? external.Position;
        var full = Path.GetFullPath(external.Path!, pipeline.BaseDirectory);
        if (!File.Exists(full))
            throw Error(DiagnosticCodes.ExternalModelNotFound, $"The model file '{external.Path}' was not found (looked at {full}).", at);
        var loaded = Load(File.ReadAllBytes(full), external.Format, external.Path!, spec, external, schema, at);
        return new ExternalModel(pipeline, spec, external, schema, loaded, PlanOf(loaded, spec, schema));
    }

    static ModelTrainer.TrainingPlan PlanOf(LoadedModel loaded, ModelSpec spec, DatasetSchema schema)
    {
        var features = loaded.InputColumns.Select(c => schema.Columns.First(s => s.Name == c))
            .Select(c => new FeatureColumnPlan(c.Name, c.Type, FeatureHandling.Auto)).ToList();
        return new ModelTrainer.TrainingPlan(features, features.Select(f => f.Column).Append(spec.Label).Distinct(StringComparer.Ordinal).ToList());
    }

    /// <summary>Whether model bytes start with a zip's magic number (an ML.NET model is a zip; an ONNX model is not).</summary>
    internal static bool IsZip(byte[] bytes) => bytes.Length >= 4 && bytes[0] == (byte)'P' && bytes[1] == (byte)'K' && bytes[2] == 3 && bytes[3] == 4;

    /// <summary>Loads model bytes as <paramref name="format"/> (a zip's magic number decides <see cref="ExternalModelFormat.Detect"/>).</summary>
    static LoadedModel Load(byte[] bytes, ExternalModelFormat format, string display, ModelSpec spec, ExternalModelSpec external, DatasetSchema schema, SourcePosition at)
    {
        bool detected = format == ExternalModelFormat.Detect;
        if (detected)
            format = IsZip(bytes) ? ExternalModelFormat.MlNet : ExternalModelFormat.Onnx;
        var ml = new MLContext(seed: spec.Seed);
        if (format == ExternalModelFormat.Onnx)
        {
            var columns = schema.Columns.ToDictionary(c => c.Name, c => c.Type is ColumnType.String or ColumnType.Category, StringComparer.Ordinal);
            OnnxScorer scorer;
            try
            {
                scorer = OnnxScorer.Load(bytes, columns, spec.Task, spec.Label, external.Onnx, at, display);
            }
            catch (MlBuildException ex) when (detected && ex.Diagnostic.Code == DiagnosticCodes.ExternalOnnxInvalid)
            {
                throw Error(DiagnosticCodes.ExternalOnnxInvalid, $"'{display}' is neither an ML.NET model zip nor an ONNX model: {ex.Diagnostic.Message}", at);
            }
            return new LoadedModel
            {
                Format = format, Bytes = bytes, Context = ml, Onnx = scorer,
                InputColumns = scorer.Columns.Where(c => c != spec.Label).ToList(),
            };
        }
        ITransformer model;
        DataViewSchema input;
        try
        {
            model = ml.Model.Load(new MemoryStream(bytes, writable: false), out input);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw Error(DiagnosticCodes.ExternalModelZipInvalid,
                $"'{display}' is not an ML.NET model zip ML.NET can load ({ex.Message.Split('\n')[0].Trim()}). Save it with MLContext.Model.Save; an ONNX file needs the .onnx extension or model.onnx.", at);
        }
        var known = schema.Columns.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        return new LoadedModel
        {
            Format = format, Bytes = bytes, Context = ml, MlNet = model, MlNetInputSchema = input,
            InputColumns = input.Where(c => !c.IsHidden && c.Name != spec.Label && known.Contains(c.Name)).Select(c => c.Name).Distinct(StringComparer.Ordinal).ToList(),
        };
    }

    /// <summary>Disposes the loaded ONNX scorer unless a trained model took it over.</summary>
    public void Dispose()
    {
        _loaded?.Onnx?.Dispose();
        _loaded = null;
    }

    /// <summary>Runs the command when there is one, then scores the test rows; every failure is a diagnostic in the outcome.</summary>
    public TrainingOutcome Finish(PreparedData data, TrainingOptions options)
    {
        try
        {
            var trained = Build(data, options);
            _loaded = null; // the trained model owns the scorer now
            return new TrainingOutcome(trained, data.Diagnostics, 0);
        }
        catch (MlBuildException ex)
        {
            data.Diagnostics.Insert(0, ex.Diagnostic);
            return ModelTrainer.Stopped(data.Diagnostics);
        }
    }

    TrainedModel Build(PreparedData data, TrainingOptions options)
    {
        var at = _external.PathPosition ?? _external.Position;
        if (_external.Command is { } command)
        {
            at = command.Position;
            _loaded = RunCommand(command, data, options);
        }
        var loaded = _loaded!;

        // The views: each column the model reads in the type it reads it, the label as the task needs it.
        var viewColumns = new List<ViewColumn>();
        foreach (var name in loaded.InputColumns)
        {
            var source = data.Table[name];
            var kind = source.IsNumeric ? ViewColumnKind.Single : ViewColumnKind.Text;
            Func<TableColumn, int, bool>? truth = null;
            if (loaded.MlNetInputSchema?.GetColumnOrNull(name) is { } wanted)
            {
                if (wanted.Type is BooleanDataViewType)
                {
                    kind = ViewColumnKind.Boolean;
                    truth = (c, r) => c.IsNumeric ? c.Number(r) is var v && !double.IsNaN(v) && v != 0 : c.Text(r) == "true";
                }
                else if (wanted.Type is TextDataViewType) kind = ViewColumnKind.Text;
                else if (wanted.Type == NumberDataViewType.Single && source.IsNumeric) kind = ViewColumnKind.Single;
                else
                    throw Error(DiagnosticCodes.ExternalModelInputMismatch,
                        $"The model reads column '{name}' as {wanted.Type}, but the data's '{name}' is {source.Schema.Type.ToString().ToLowerInvariant()}; MlBuild feeds numbers as Single, booleans as Boolean and any column as text.", at);
            }
            viewColumns.Add(new ViewColumn(name, kind, source, truth));
        }
        var labelKind = _spec.Task switch { ModelTask.Binary => ViewColumnKind.Boolean, ModelTask.Regression => ViewColumnKind.Single, _ => ViewColumnKind.Text };
        viewColumns.Add(new ViewColumn(_spec.Label, labelKind, data.Table[_spec.Label], data.IsTrue));
        var trainView = new TableDataView(viewColumns, data.TrainRows);
        var testView = new TableDataView(viewColumns.Select(c => c with { Source = data.TestTable[c.Source.Name] }).ToList(), data.TestRows);

        ITransformer model = loaded.Onnx is { } onnx ? onnx : loaded.MlNet!;
        string labelColumn = _spec.Label;
        DataViewSchema output;
        try
        {
            output = model.GetOutputSchema(testView.Schema);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or FormatException)
        {
            var missing = loaded.MlNetInputSchema?.Where(c => !c.IsHidden && testView.Schema.GetColumnOrNull(c.Name) is null).Select(c => c.Name).ToList() ?? [];
            throw Error(DiagnosticCodes.ExternalModelInputMismatch,
                $"The model cannot read the data: {ex.Message.Split('\n')[0].Trim()}"
                + (missing.Count > 0 ? $" The model was trained with column(s) the dataset's schema lacks: {string.Join(", ", missing)}." : ""), at);
        }
        if (_spec.Task == ModelTask.Multiclass && loaded.MlNet is not null)
            (model, labelColumn) = WithLabelKey(loaded, output, testView, at);
        else if (_spec.Task == ModelTask.Multiclass)
            labelColumn = OnnxScorer.LabelKeyColumn;
        CheckOutputs(model.GetOutputSchema(testView.Schema), labelColumn, at);

        bool onnxModel = loaded.Onnx is not null;
        var bytes = onnxModel ? loaded.Bytes : ModelZip.Normalize(loaded.Bytes);
        var trained = new TrainedModel
        {
            Context = loaded.Context,
            Model = model,
            InputSchema = loaded.MlNetInputSchema ?? testView.Schema,
            ModelZipBytes = bytes,
            CanonicalHash = onnxModel ? "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes)) : ModelZip.CanonicalHash(new MemoryStream(bytes, writable: false)),
            ModelFileExtension = onnxModel ? ".onnx" : ".zip",
            Spec = _spec,
            Features = Plan.Features.Where(f => loaded.InputColumns.Contains(f.Column)).ToList(),
            Normalization = Normalization.None,
            TrainView = trainView,
            TestView = testView,
            TrainRowsBeforeSample = data.TrainRowsBeforeSample,
            Datasets = data.Datasets,
            LabelColumn = labelColumn,
            Diagnostics = data.Diagnostics,
        };
        // Score once here, so a model that loads but fails on these rows is a diagnostic, not a crash later.
        try
        {
            TestPredictions.Of(trained);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or FormatException or InvalidCastException)
        {
            throw Error(DiagnosticCodes.ExternalModelScoringFailed, $"The model failed on the test rows: {ex.Message.Split('\n')[0].Trim()}", at);
        }
        return trained;
    }

    /// <summary>The quick-train sample and the test split to files, the command, then the model it wrote.</summary>
    LoadedModel RunCommand(TrainingCommandSpec command, PreparedData data, TrainingOptions options)
    {
        var scratch = Directory.CreateTempSubdirectory("mlbuild-train-").FullName;
        try
        {
            var columns = Plan.Columns;
            var trainFile = Path.Combine(scratch, "train.csv");
            var testFile = Path.Combine(scratch, "test.csv");
            TrainingCommand.WriteCsv(trainFile, data.Table, columns, data.TrainRows);
            TrainingCommand.WriteCsv(testFile, data.TestTable, columns, data.TestRows);
            var output = _external.Path is { } p ? Path.GetFullPath(p, _pipeline.BaseDirectory)
                : Path.Combine(scratch, _external.Format == ExternalModelFormat.Onnx ? "model.onnx" : "model.zip");
            Directory.CreateDirectory(Path.GetDirectoryName(output)!);
            // A model left by an earlier run must not pass for this run's.
            File.Delete(output);
            var inputs = new TrainingCommandInputs(trainFile, testFile, output, _spec.Seed, _spec.Label, _spec.Task.ToString().ToLowerInvariant(),
                Plan.Features.Select(f => f.Column).ToList());
            TrainingCommand.Run(command, inputs, _pipeline.BaseDirectory, options.Progress);
            var display = _external.Path ?? "MLBUILD_MODEL_OUTPUT";
            var loaded = Load(File.ReadAllBytes(output), _external.Format, display, _spec, _external, _schema, command.Position);
            var missing = loaded.InputColumns.Where(c => !columns.Contains(c)).ToList();
            if (missing.Count > 0)
            {
                loaded.Onnx?.Dispose();
                throw Error(DiagnosticCodes.ExternalModelInputMismatch,
                    $"The model the command wrote reads column(s) {string.Join(", ", missing)}, which are not features of the model section (its features: {string.Join(", ", Plan.Features.Select(f => f.Column))}).", command.Position);
            }
            return loaded;
        }
        finally
        {
            try { Directory.Delete(scratch, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>
    /// A multiclass ML.NET model's label as a key column in the order of its <c>Score</c> values: the model's own when
    /// it maps the label to a key in place, otherwise one built from the class names on <c>Score</c>.
    /// </summary>
    (ITransformer, string) WithLabelKey(LoadedModel loaded, DataViewSchema output, IDataView testView, SourcePosition at)
    {
        if (output.GetColumnOrNull(_spec.Label) is { Type: KeyDataViewType } own && own.HasKeyValues())
            return (loaded.MlNet!, _spec.Label);
        var score = output.GetColumnOrNull("Score");
        var names = default(VBuffer<ReadOnlyMemory<char>>);
        if (score is not { Type: VectorDataViewType } || !score.Value.HasSlotNames())
            throw Error(DiagnosticCodes.ExternalModelOutputUnusable,
                "The multiclass model's 'Score' has no class names (slot names), so its probabilities cannot be matched to the labels; train it with the label mapped to a key (MapValueToKey) as ML.NET's multiclass trainers expect.", at);
        score.Value.GetSlotNames(ref names);
        var classes = names.DenseValues().Select(n => new ClassName { Value = n.ToString() }).ToList();
        var ml = loaded.Context;
        var mapper = ml.Transforms.Conversion.MapValueToKey("__label", _spec.Label, keyData: ml.Data.LoadFromEnumerable(classes))
            .Fit(testView);
        return (new TransformerChain<ITransformer>(loaded.MlNet!, mapper), "__label");
    }

    sealed class ClassName
    {
        [ColumnName("Label")] public string Value { get; set; } = "";
    }

    /// <summary>What <see cref="TestPredictions"/> reads must be there, in its type: MLB3414 otherwise.</summary>
    void CheckOutputs(DataViewSchema output, string labelColumn, SourcePosition at)
    {
        string Has() => string.Join(", ", output.Where(c => !c.IsHidden).Select(c => $"{c.Name} ({c.Type})"));
        bool Is(string name, DataViewType type) => output.GetColumnOrNull(name) is { } c && c.Type.Equals(type);
        string? problem = _spec.Task switch
        {
            ModelTask.Binary or ModelTask.Regression when output.GetColumnOrNull("Score") is { Type: VectorDataViewType } => "it is a multiclass classifier (its Score is a vector)",
            ModelTask.Regression or ModelTask.Multiclass when Is("PredictedLabel", BooleanDataViewType.Instance) => "it is a binary classifier (its PredictedLabel is Boolean)",
            ModelTask.Binary when !Is("PredictedLabel", BooleanDataViewType.Instance) => "a binary model needs a Boolean 'PredictedLabel'",
            ModelTask.Binary when !Is("Probability", NumberDataViewType.Single) && !Is("Score", NumberDataViewType.Single) => "a binary model needs a Single 'Probability' or 'Score'",
            ModelTask.Binary when !Is(_spec.Label, BooleanDataViewType.Instance) => $"the binary label '{_spec.Label}' must stay Boolean through the model",
            ModelTask.Regression when !Is("Score", NumberDataViewType.Single) => "a regression model needs a Single 'Score'",
            ModelTask.Regression when !Is(_spec.Label, NumberDataViewType.Single) => $"the regression label '{_spec.Label}' must stay Single through the model",
            ModelTask.Multiclass when output.GetColumnOrNull("Score") is not { Type: VectorDataViewType { ItemType: NumberDataViewType } } => "a multiclass model needs a 'Score' vector of class probabilities",
            ModelTask.Multiclass when output.GetColumnOrNull(labelColumn) is not { Type: KeyDataViewType } => "a multiclass model needs its label as a key",
            _ => null,
        };
        if (problem is not null)
            throw Error(DiagnosticCodes.ExternalModelOutputUnusable,
                $"The model's outputs do not fit model.task '{_spec.Task.ToString().ToLowerInvariant()}': {problem} (it gives: {Has()}).", at);
    }

    static MlBuildException Error(string code, string message, SourcePosition at) =>
        new(new MlDiagnostic(code, MlSeverity.Error, message, at.File, at.Line, at.Column));
}
