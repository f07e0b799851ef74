using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using MlBuild.Core.Diagnostics;
using MlBuild.Core.Json;
using MlBuild.Core.Models.Gates;
using MlBuild.Core.Models.Evaluation;

namespace MlBuild.Core.Models.External;

/// <summary>One ONNX input and the data columns that feed it (one column, or one per value of a vector input).</summary>
/// <param name="Name">The ONNX input name.</param>
/// <param name="Columns">The columns, in the order of the input's values.</param>
/// <param name="ElementType">The tensor's element type.</param>
/// <param name="BatchDimension">Whether the first dimension is the rows (dynamic); a fixed first dimension of 1 is scored row by row.</param>
/// <param name="Rank">The tensor's rank (1: [rows]; 2: [rows, values]).</param>
internal sealed record OnnxInput(string Name, IReadOnlyList<string> Columns, Type ElementType, bool BatchDimension, int Rank);

/// <summary>
/// Scores rows with an ONNX model through ONNX Runtime and shows the result to ML.NET as an <see cref="ITransformer"/>
/// that appends the columns MlBuild's built-in models produce: binary <c>Score</c> (and <c>Probability</c> when the
/// threshold is a probability's), <c>PredictedLabel</c>; regression <c>Score</c>; multiclass a <c>Score</c> vector with
/// one probability per class, <c>PredictedLabel</c> and the label as a key column (<see cref="LabelKeyColumn"/>).
/// So the test predictions, the evaluation and the gates read an ONNX model like any other.
/// </summary>
internal sealed class OnnxScorer : ITransformer, IDisposable
{
    /// <summary>The multiclass label as a key over <see cref="OnnxMapping.Classes"/> (what <c>TestPredictions</c> reads).</summary>
    public const string LabelKeyColumn = "__label";
    const int BatchRows = 1024;

    readonly InferenceSession _session;
    readonly IReadOnlyList<OnnxInput> _inputs;
    readonly string _output;
    readonly int _outputIndex;
    readonly ModelTask _task;
    readonly string _label;
    readonly OnnxMapping _mapping;
    readonly SourcePosition _at;

    OnnxScorer(InferenceSession session, IReadOnlyList<OnnxInput> inputs, string output, int outputIndex, ModelTask task, string label, OnnxMapping mapping, SourcePosition at)
    {
        _session = session;
        _inputs = inputs;
        _output = output;
        _outputIndex = outputIndex;
        _task = task;
        _label = label;
        _mapping = mapping;
        _at = at;
    }

    /// <summary>The data columns the model reads, in input order.</summary>
    public IEnumerable<string> Columns => _inputs.SelectMany(i => i.Columns).Distinct(StringComparer.Ordinal);

    /// <summary>The output read as the score.</summary>
    public string Output => _output;

    /// <summary>
    /// Loads <paramref name="bytes"/> and maps its inputs to <paramref name="columns"/> (name to whether the column is
    /// text) and its output to the task: MLB3412 when ONNX Runtime cannot load it, MLB3413 for an input no column feeds,
    /// MLB3414 for no usable output.
    /// </summary>
    public static OnnxScorer Load(byte[] bytes, IReadOnlyDictionary<string, bool> columns, ModelTask task, string label, OnnxMapping mapping, SourcePosition at, string display)
    {
        InferenceSession session;
        try
        {
            // Errors only: ONNX Runtime's shape-merge warnings are not the user's business.
            session = new InferenceSession(bytes, new SessionOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR, IntraOpNumThreads = 1 });
        }
        catch (OnnxRuntimeException ex)
        {
            throw Error(DiagnosticCodes.ExternalOnnxInvalid, $"'{display}' is not an ONNX model ONNX Runtime can load: {FirstLine(ex.Message)}", at);
        }
        try
        {
            var inputs = MapInputs(session, columns, mapping, display, at);
            var (output, index) = ChooseOutput(session, task, mapping, display, at);
            return new OnnxScorer(session, inputs, output, index, task, label, mapping, at);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    static List<OnnxInput> MapInputs(InferenceSession session, IReadOnlyDictionary<string, bool> columns, OnnxMapping mapping, string display, SourcePosition at)
    {
        foreach (var (name, (_, pos)) in mapping.Inputs)
            if (!session.InputMetadata.ContainsKey(name))
                throw Error(DiagnosticCodes.ExternalModelInputMismatch, $"model.onnx.inputs maps '{name}', which is not an input of '{display}' (its inputs: {string.Join(", ", session.InputMetadata.Keys)}).", pos);
        var list = new List<OnnxInput>();
        foreach (var (name, meta) in session.InputMetadata.OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            var where = mapping.Inputs.TryGetValue(name, out var mapped) ? mapped.Position : at;
            string Which() => $"input '{name}' ({Describe(meta)}) of '{display}'";
            if (meta.OnnxValueType != OnnxValueType.ONNX_TYPE_TENSOR)
                throw Error(DiagnosticCodes.ExternalModelInputMismatch, $"The {Which()} is not a tensor; MlBuild feeds tensors of numbers, booleans or strings.", where);
            var type = meta.ElementType;
            if (type != typeof(float) && type != typeof(double) && type != typeof(long) && type != typeof(int) && type != typeof(bool) && type != typeof(string))
                throw Error(DiagnosticCodes.ExternalModelInputMismatch, $"The {Which()} has elements of type {type.Name}; MlBuild feeds float, double, int64, int32, bool and string tensors.", where);
            var cols = mapped.Columns ?? [name];
            foreach (var c in cols)
            {
                if (!columns.TryGetValue(c, out bool text))
                    throw Error(DiagnosticCodes.ExternalModelInputMismatch,
                        mapped.Columns is null
                            ? $"The {Which()} has no column of its name in the data (columns: {string.Join(", ", columns.Keys)}); map it with model.onnx.inputs: {{\"{name}\": \"COLUMN\"}}."
                            : $"model.onnx.inputs maps the {Which()} to '{c}', which is not a column of the data (columns: {string.Join(", ", columns.Keys)}).", where);
                if (text && type != typeof(string))
                    throw Error(DiagnosticCodes.ExternalModelInputMismatch, $"The {Which()} takes numbers, but column '{c}' is text; encode it in the model (a string input) or map another column.", where);
            }
            var dims = meta.Dimensions;
            int rank = dims.Length;
            bool batch = rank >= 1 && dims[0] != 1;
            int width = rank switch { 0 => 1, 1 => batch ? 1 : 1, _ => dims.Skip(1).Aggregate(1, (a, d) => a * d) };
            if (rank > 2 || rank == 0 || width <= 0 || width != cols.Count || (rank == 1 && !batch && cols.Count != 1))
                throw Error(DiagnosticCodes.ExternalModelInputMismatch,
                    $"The {Which()} takes {(width > 0 ? width.ToString(CultureInfo.InvariantCulture) : "a variable number of")} value(s) per row, but {cols.Count} column(s) feed it"
                    + (cols.Count == 1 && width > 1 ? $"; list its columns in order with model.onnx.inputs: {{\"{name}\": [\"COLUMN1\", ...]}}." : "."), where);
            list.Add(new OnnxInput(name, cols, type, batch, rank));
        }
        return list;
    }

    static readonly Dictionary<ModelTask, string[]> OutputNames = new()
    {
        [ModelTask.Binary] = ["probability", "probabilities", "output_probability", "score", "scores", "variable", "output"],
        [ModelTask.Regression] = ["score", "variable", "prediction", "predictions", "output"],
        [ModelTask.Multiclass] = ["probability", "probabilities", "output_probability", "score", "scores", "output"],
    };

    static (string Output, int Index) ChooseOutput(InferenceSession session, ModelTask task, OnnxMapping mapping, string display, SourcePosition at)
    {
        var outputs = session.OutputMetadata;
        string List() => string.Join(", ", outputs.Select(o => $"{o.Key} ({Describe(o.Value)})"));
        static bool Usable(NodeMetadata m) => m.OnnxValueType == OnnxValueType.ONNX_TYPE_TENSOR && (m.ElementType == typeof(float) || m.ElementType == typeof(double));
        string name;
        if (mapping.Output is { } wanted)
        {
            if (!outputs.TryGetValue(wanted, out var m))
                throw Error(DiagnosticCodes.ExternalModelOutputUnusable, $"model.onnx.output names '{wanted}', which is not an output of '{display}' (its outputs: {List()}).", mapping.Position ?? at);
            if (!Usable(m))
                throw Error(DiagnosticCodes.ExternalModelOutputUnusable, $"Output '{wanted}' of '{display}' is {Describe(m)}; the score must be a float or double tensor"
                    + (m.OnnxValueType != OnnxValueType.ONNX_TYPE_TENSOR ? " (for a scikit-learn classifier, convert with zipmap disabled)." : "."), mapping.Position ?? at);
            name = wanted;
        }
        else
        {
            static string Bare(string n) => (n.EndsWith(".output", StringComparison.OrdinalIgnoreCase) ? n[..^7] : n).ToLowerInvariant();
            var candidates = outputs.Where(o => Usable(o.Value)).ToList();
            name = OutputNames[task].Select(n => candidates.FirstOrDefault(c => Bare(c.Key) == n).Key).FirstOrDefault(n => n is not null)
                ?? (candidates.Count == 1 ? candidates[0].Key : null)
                ?? throw Error(DiagnosticCodes.ExternalModelOutputUnusable,
                    $"Cannot tell which output of '{display}' is the {(task == ModelTask.Regression ? "prediction" : "score")} (its outputs: {List()}); name it with model.onnx.output.", mapping.Position ?? at);
        }
        var dims = outputs[name].Dimensions;
        int width = dims.Length <= 1 ? 1 : dims.Skip(1).Aggregate(1, (a, d) => a * d);
        string shape = $"output '{name}' of '{display}' ({Describe(outputs[name])})";
        switch (task)
        {
            case ModelTask.Multiclass:
                var classes = mapping.Classes
                    ?? throw Error(DiagnosticCodes.ExternalModelOutputUnusable, $"A multiclass ONNX model needs its class names: list them in the order of the {shape}'s values with model.onnx.classes.", mapping.Position ?? at);
                if (width > 0 && width != classes.Count)
                    throw Error(DiagnosticCodes.ExternalModelOutputUnusable, $"The {shape} has {width} value(s) per row, but model.onnx.classes lists {classes.Count} classes.", mapping.Position ?? at);
                return (name, 0);
            case ModelTask.Binary:
                int index = mapping.OutputIndex ?? (width == 2 ? 1 : 0);
                if (width > 0 && (width > 2 || index >= width))
                    throw Error(DiagnosticCodes.ExternalModelOutputUnusable, $"The {shape} has {width} value(s) per row; a binary score is one value, or two (set model.onnx.outputIndex to the positive class's, default 1).", mapping.Position ?? at);
                return (name, index);
            default:
                if (width > 1)
                    throw Error(DiagnosticCodes.ExternalModelOutputUnusable, $"The {shape} has {width} values per row; a regression prediction is one.", mapping.Position ?? at);
                return (name, 0);
        }
    }

    static string Describe(NodeMetadata m) => m.OnnxValueType == OnnxValueType.ONNX_TYPE_TENSOR
        ? $"{m.ElementType.Name}[{string.Join(",", m.Dimensions.Select(d => d < 0 ? "?" : d.ToString(CultureInfo.InvariantCulture)))}]"
        : m.OnnxValueType switch { OnnxValueType.ONNX_TYPE_SEQUENCE => "a sequence", OnnxValueType.ONNX_TYPE_MAP => "a map", _ => m.OnnxValueType.ToString() };

    static string FirstLine(string s) => s.Split('\n')[0].Trim();

    static MlBuildException Error(string code, string message, SourcePosition at) =>
        new(new MlDiagnostic(code, MlSeverity.Error, message, at.File, at.Line, at.Column));

    // ---- ITransformer ----------------------------------------------------------------------------------------------

    /// <inheritdoc/>
    public bool IsRowToRowMapper => false;

    /// <inheritdoc/>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) =>
        throw new NotSupportedException("An ONNX model scores whole views (Transform), not single rows.");

    /// <inheritdoc/>
    public void Save(ModelSaveContext ctx) =>
        throw new NotSupportedException("An ONNX model is kept as its .onnx file, not saved into an ML.NET zip.");

    /// <inheritdoc/>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(inputSchema.Where(c => !c.IsHidden));
        foreach (var (name, type, annotations) in Appended()) builder.AddColumn(name, type, annotations);
        return builder.ToSchema();
    }

    IEnumerable<(string Name, DataViewType Type, DataViewSchema.Annotations? Annotations)> Appended()
    {
        switch (_task)
        {
            case ModelTask.Binary:
                yield return ("Score", NumberDataViewType.Single, null);
                if (IsProbability) yield return ("Probability", NumberDataViewType.Single, null);
                yield return ("PredictedLabel", BooleanDataViewType.Instance, null);
                break;
            case ModelTask.Multiclass:
                var classes = _mapping.Classes!;
                var names = new DataViewSchema.Annotations.Builder();
                names.Add("KeyValues", new VectorDataViewType(TextDataViewType.Instance, classes.Count), (ref VBuffer<ReadOnlyMemory<char>> v) =>
                    v = new VBuffer<ReadOnlyMemory<char>>(classes.Count, classes.Select(c => c.AsMemory()).ToArray()));
                yield return ("Score", new VectorDataViewType(NumberDataViewType.Single, classes.Count), null);
                yield return ("PredictedLabel", TextDataViewType.Instance, null);
                yield return (LabelKeyColumn, new KeyDataViewType(typeof(uint), classes.Count), names.ToAnnotations());
                break;
            default:
                yield return ("Score", NumberDataViewType.Single, null);
                break;
        }
    }

    /// <summary>A threshold strictly between 0 and 1 says the output is a probability (so log-loss applies).</summary>
    bool IsProbability => _mapping.Threshold is > 0 and < 1;

    /// <inheritdoc/>
    public IDataView Transform(IDataView input)
    {
        ObjectDisposedException.ThrowIf(_disposed, this); // ONNX Runtime's native session is gone
        var columns = Columns.ToList();
        var (values, texts, labels, rows) = ReadInputs(input, columns);
        var scores = Score(values, texts, rows, columns);
        return new AppendedView(input, GetOutputSchema(input.Schema), rows, BuildGetters(scores, labels, rows));
    }

    (Dictionary<string, double[]> Values, Dictionary<string, string[]> Texts, string?[] Labels, int Rows) ReadInputs(IDataView input, List<string> columns)
    {
        var numbers = columns.ToDictionary(c => c, _ => new List<double>(), StringComparer.Ordinal);
        var texts = columns.ToDictionary(c => c, _ => new List<string>(), StringComparer.Ordinal);
        var labels = new List<string?>();
        var needed = columns.Select(c => input.Schema.GetColumnOrNull(c)
            ?? throw Error(DiagnosticCodes.ExternalModelInputMismatch, $"The data scored has no column '{c}', which the ONNX model reads.", _at)).ToList();
        var labelColumn = _task == ModelTask.Multiclass ? input.Schema.GetColumnOrNull(_label) : null;
        using var cursor = input.GetRowCursor(labelColumn is { } l ? needed.Append(l) : needed);
        var readers = needed.Select(c => Reader(cursor, c)).ToList();
        var labelReader = labelColumn is { } lc ? Reader(cursor, lc) : null;
        int rows = 0;
        while (cursor.MoveNext())
        {
            for (int i = 0; i < needed.Count; i++)
            {
                var (number, text) = readers[i]();
                numbers[columns[i]].Add(number);
                texts[columns[i]].Add(text);
            }
            if (labelReader is not null) labels.Add(labelReader().Text);
            rows++;
        }
        return (numbers.ToDictionary(p => p.Key, p => p.Value.ToArray()), texts.ToDictionary(p => p.Key, p => p.Value.ToArray()),
            labelReader is null ? new string?[rows] : labels.ToArray(), rows);
    }

    /// <summary>Reads a column of any type MlBuild's views have as a number (NaN where not one) and as text.</summary>
    static Func<(double Number, string Text)> Reader(DataViewRowCursor cursor, DataViewSchema.Column column)
    {
        var type = column.Type.RawType;
        if (type == typeof(float)) { var g = cursor.GetGetter<float>(column); float v = 0; return () => { g(ref v); return (v, v.ToString("R", CultureInfo.InvariantCulture)); }; }
        if (type == typeof(double)) { var g = cursor.GetGetter<double>(column); double v = 0; return () => { g(ref v); return (v, v.ToString("R", CultureInfo.InvariantCulture)); }; }
        if (type == typeof(bool)) { var g = cursor.GetGetter<bool>(column); bool v = false; return () => { g(ref v); return (v ? 1 : 0, v ? "true" : "false"); }; }
        if (type == typeof(ReadOnlyMemory<char>))
        {
            var g = cursor.GetGetter<ReadOnlyMemory<char>>(column);
            ReadOnlyMemory<char> v = default;
            return () =>
            {
                g(ref v);
                var s = v.ToString();
                return (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : double.NaN, s);
            };
        }
        throw Error(DiagnosticCodes.ExternalModelInputMismatch, $"Column '{column.Name}' is {column.Type}; the ONNX scorer reads numbers, booleans and text.", new SourcePosition("", 0, 0));
    }

    float[] Score(Dictionary<string, double[]> values, Dictionary<string, string[]> texts, int rows, List<string> columns)
    {
        int width = _task == ModelTask.Multiclass ? _mapping.Classes!.Count : 1;
        var scores = new float[rows * width];
        bool batched = _inputs.All(i => i.BatchDimension);
        int step = batched ? BatchRows : 1;
        for (int start = 0; start < rows; start += step)
        {
            int n = Math.Min(step, rows - start);
            var feeds = _inputs.Select(i => Feed(i, values, texts, start, n)).ToList();
            try
            {
                using var results = _session.Run(feeds, [_output]);
                var output = results[0];
                var raw = output.Value switch
                {
                    Tensor<float> f => f.ToArray(),
                    Tensor<double> d => d.ToArray().Select(x => (float)x).ToArray(),
                    _ => throw Error(DiagnosticCodes.ExternalModelOutputUnusable, $"Output '{_output}' is not a float tensor.", _mapping.Position ?? _at),
                };
                int perRow = raw.Length / n;
                if (raw.Length != perRow * n || perRow < (_task == ModelTask.Binary ? _outputIndex + 1 : width) || (_task != ModelTask.Binary && perRow != width))
                    throw Error(DiagnosticCodes.ExternalModelOutputUnusable,
                        $"Output '{_output}' gave {raw.Length} value(s) for {n} row(s); expected {(_task == ModelTask.Binary ? "1 or 2" : width.ToString(CultureInfo.InvariantCulture))} per row.", _mapping.Position ?? _at);
                for (int r = 0; r < n; r++)
                    if (_task == ModelTask.Binary) scores[start + r] = raw[r * perRow + _outputIndex];
                    else Array.Copy(raw, r * perRow, scores, (start + r) * width, width);
            }
            catch (OnnxRuntimeException ex)
            {
                throw Error(DiagnosticCodes.ExternalModelScoringFailed, $"ONNX Runtime failed on test rows {start + 1}-{start + n}: {FirstLine(ex.Message)}", _at);
            }
        }
        return scores;
    }

    NamedOnnxValue Feed(OnnxInput input, Dictionary<string, double[]> values, Dictionary<string, string[]> texts, int start, int n)
    {
        int width = input.Columns.Count;
        int[] shape = input.Rank == 1 ? [n] : [n, width];
        T[] Fill<T>(Func<string, int, T> value)
        {
            var data = new T[n * width];
            for (int r = 0; r < n; r++)
                for (int c = 0; c < width; c++) data[r * width + c] = value(input.Columns[c], start + r);
            return data;
        }
        long Whole(string column, int row)
        {
            double v = values[column][row];
            return double.IsNaN(v)
                ? throw Error(DiagnosticCodes.ExternalModelScoringFailed, $"Column '{column}' is missing in test row {row + 1}, and the ONNX input '{input.Name}' is an integer tensor, which has no missing value; fill it or make the input float.", _at)
                : (long)v;
        }
        var t = input.ElementType;
        if (t == typeof(float)) return NamedOnnxValue.CreateFromTensor(input.Name, new DenseTensor<float>(Fill((c, r) => (float)values[c][r]), shape));
        if (t == typeof(double)) return NamedOnnxValue.CreateFromTensor(input.Name, new DenseTensor<double>(Fill((c, r) => values[c][r]), shape));
        if (t == typeof(long)) return NamedOnnxValue.CreateFromTensor(input.Name, new DenseTensor<long>(Fill(Whole), shape));
        if (t == typeof(int)) return NamedOnnxValue.CreateFromTensor(input.Name, new DenseTensor<int>(Fill((c, r) => (int)Whole(c, r)), shape));
        if (t == typeof(bool)) return NamedOnnxValue.CreateFromTensor(input.Name, new DenseTensor<bool>(Fill((c, r) => values[c][r] is var v && !double.IsNaN(v) && v != 0), shape));
        return NamedOnnxValue.CreateFromTensor(input.Name, new DenseTensor<string>(Fill((c, r) => texts[c][r]), shape));
    }

    Delegate[] BuildGetters(float[] scores, string?[] labels, int rows)
    {
        switch (_task)
        {
            case ModelTask.Binary:
                float threshold = (float)_mapping.Threshold;
                var list = new List<Delegate> { (Func<int, float>)(r => scores[r]) };
                if (IsProbability) list.Add((Func<int, float>)(r => scores[r]));
                list.Add((Func<int, bool>)(r => scores[r] > threshold));
                return [.. list];
            case ModelTask.Multiclass:
                var classes = _mapping.Classes!;
                int k = classes.Count;
                var index = classes.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => (uint)(p.i + 1), StringComparer.Ordinal);
                return
                [
                    (Func<int, VBuffer<float>>)(r => new VBuffer<float>(k, scores.AsSpan(r * k, k).ToArray())),
                    (Func<int, ReadOnlyMemory<char>>)(r =>
                    {
                        int best = 0;
                        for (int c = 1; c < k; c++) if (scores[r * k + c] > scores[r * k + best]) best = c;
                        return classes[best].AsMemory();
                    }),
                    // A label outside the classes is key 0 (missing), as ML.NET's own key mapping makes it.
                    (Func<int, uint>)(r => labels[r] is { } l && index.TryGetValue(l, out var key) ? key : 0),
                ];
            default:
                return [(Func<int, float>)(r => scores[r])];
        }
    }

    /// <summary>
    /// A second scorer over <paramref name="bytes"/> (the published file) with this one's input and output mapping: the
    /// round trip of an ONNX model. Bytes ONNX Runtime cannot load are MLB3501.
    /// </summary>
    public OnnxScorer Reload(byte[] bytes)
    {
        try
        {
            var session = new InferenceSession(bytes, new SessionOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR, IntraOpNumThreads = 1 });
            return new OnnxScorer(session, _inputs, _output, _outputIndex, _task, _label, _mapping, _at);
        }
        catch (OnnxRuntimeException ex)
        {
            throw Error(DiagnosticCodes.ModelNotScorable, $"The ONNX model could not be loaded back ({FirstLine(ex.Message)}).", _at);
        }
    }

    /// <summary>
    /// One prediction of row <c>i</c> of <paramref name="rows"/> alone through ONNX Runtime (what an app scoring one
    /// request does): the inputs are read once up front, so the timed call is the session run only.
    /// </summary>
    public (int Rows, Action<int> Predict) SingleRowPredictor(IDataView rows)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var columns = Columns.ToList();
        var (values, texts, _, count) = ReadInputs(rows, columns);
        return (count, row =>
        {
            var feeds = _inputs.Select(i => Feed(i, values, texts, row, 1)).ToList();
            using var results = _session.Run(feeds, [_output]);
        });
    }

    bool _disposed;

    /// <summary>Releases the native ONNX Runtime session; scoring afterwards throws <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        _disposed = true;
        _session.Dispose();
    }

    /// <summary>The input view with computed columns appended (values by row position; rows in input order).</summary>
    sealed class AppendedView(IDataView input, DataViewSchema schema, int rows, Delegate[] appended) : IDataView
    {
        public bool CanShuffle => false;
        public DataViewSchema Schema => schema;
        public long? GetRowCount() => rows;

        public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
        {
            int inputCount = schema.Count - appended.Length;
            var fromInput = columnsNeeded.Where(c => c.Index < inputCount).Select(c => input.Schema[c.Name]).ToList();
            var active = new bool[schema.Count];
            foreach (var c in columnsNeeded) active[c.Index] = true;
            return new Cursor(this, input.GetRowCursor(fromInput), active, inputCount);
        }

        public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
            [GetRowCursor(columnsNeeded, rand)];

        sealed class Cursor(AppendedView view, DataViewRowCursor inner, bool[] active, int inputCount) : DataViewRowCursor
        {
            long _position = -1;

            public override DataViewSchema Schema => view.Schema;
            public override long Position => _position;
            public override long Batch => 0;
            public override bool IsColumnActive(DataViewSchema.Column column) => active[column.Index];

            public override bool MoveNext()
            {
                if (!inner.MoveNext()) return false;
                _position++;
                return true;
            }

            public override ValueGetter<DataViewRowId> GetIdGetter() => inner.GetIdGetter();

            public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
            {
                if (column.Index < inputCount) return inner.GetGetter<TValue>(inner.Schema[column.Name]);
                var compute = view.Appended[column.Index - inputCount] as Func<int, TValue>
                    ?? throw new InvalidOperationException($"Column '{column.Name}' is {column.Type}, not {typeof(TValue).Name}.");
                return (ref TValue value) => value = compute((int)_position);
            }

            protected override void Dispose(bool disposing)
            {
                if (disposing) inner.Dispose();
                base.Dispose(disposing);
            }
        }

        public Delegate[] Appended => appended;
    }
}
