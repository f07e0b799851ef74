using System.Globalization;
using System.Text;
using System.Text.Json;
using MlBuild.Core.Diagnostics;
using MlBuild.Core.Json;
using MlBuild.Core.Models.Gates;

namespace MlBuild.Core.Models.Evaluation;

/// <summary>What to evaluate: a predictions file, how to read it, optional baseline and gates.</summary>
public sealed record EvaluationRequest
{
    /// <summary>Full path of the predictions CSV.</summary>
    public required string PredictionsPath { get; init; }
    /// <summary>The predictions file as the user named it.</summary>
    public required string PredictionsDisplay { get; init; }
    /// <summary>The task.</summary>
    public required ModelTask Task { get; init; }
    /// <summary>The label column.</summary>
    public required string Label { get; init; }
    /// <summary>Binary: the score column; regression: the prediction column; multiclass: one probability column per class.</summary>
    public IReadOnlyList<string> Score { get; init; } = [];
    /// <summary>Optional predicted-label column (binary: 1/0; multiclass: class name).</summary>
    public string? Predicted { get; init; }
    /// <summary>Binary: a score above it is positive (default 0.5 for probabilities, 0 for margins).</summary>
    public double? Threshold { get; init; }
    /// <summary>Multiclass: class names in the order of the probability columns (default: the probability columns' names).</summary>
    public IReadOnlyList<string>? Classes { get; init; }
    /// <summary>A second score column of the same file holding the baseline model's scores (paired comparison).</summary>
    public string? BaselineScore { get; init; }
    /// <summary>How gates name the baseline (e.g. <c>prod</c>).</summary>
    public string BaselineName { get; init; } = "baseline";
    /// <summary>Full path and display name of a baseline metrics JSON file (unpaired comparison), or null.</summary>
    public (string Path, string Display)? BaselineMetrics { get; init; }
    /// <summary>Gates to run, or null to only compute metrics.</summary>
    public GateSet? Gates { get; init; }
    /// <summary>Interval settings of the metrics table.</summary>
    public IntervalOptions Intervals { get; init; } = new();
}

/// <summary>Metrics (and gate results when gates were given) of one predictions file.</summary>
/// <param name="Rows">Test rows.</param>
/// <param name="Metrics">Every applicable metric with its interval.</param>
/// <param name="Gates">Gate results, or null.</param>
public sealed record EvaluationOutcome(int Rows, IReadOnlyList<MetricEstimate> Metrics, GateRun? Gates)
{
    /// <summary>Exit code: the gates' verdicts, or 0 when only metrics were asked for.</summary>
    public ExitCodes ExitCode => Gates?.ExitCode ?? ExitCodes.Ok;
}

/// <summary>Reads a predictions file, computes metrics with intervals and runs the gates: the engine of <c>dotnet ml evaluate</c>.</summary>
public static class EvaluationRunner
{
    /// <summary>Runs the request.</summary>
    public static EvaluationOutcome Run(EvaluationRequest request)
    {
        var file = PredictionsFile.Read(request.PredictionsPath, request.PredictionsDisplay);
        var set = Build(request, file, request.Score);
        var baselines = new Dictionary<string, Baseline>(StringComparer.Ordinal);
        if (request.BaselineScore is { } b)
            baselines[request.BaselineName] = new Baseline(request.BaselineName, Build(request, file, [b], predictedColumn: null));
        if (request.BaselineMetrics is { } m)
            baselines[request.BaselineName] = (baselines.GetValueOrDefault(request.BaselineName) ?? new Baseline(request.BaselineName))
                with { Metrics = ReadMetrics(m.Path, m.Display) };
        var metrics = Evaluator.Evaluate(set, request.Intervals);
        GateRun? gates = null;
        if (request.Gates is { } g)
        {
            var columns = new Dictionary<string, string[]>(StringComparer.Ordinal);
            // Only the columns gates slice or group by become text (an unknown one is an error naming the file's columns).
            foreach (var gate in g.Gates)
                if (((gate as MetricGateSpec)?.SliceColumn ?? (gate as FairnessGateSpec)?.GroupColumn) is { } name && !columns.ContainsKey(name))
                    columns[name] = file.Column(name);
            gates = GateEvaluator.Evaluate(g, new GateInputs
            {
                Predictions = set, Columns = columns, Baselines = baselines, MaxParallelism = request.Intervals.MaxParallelism,
            });
        }
        return new EvaluationOutcome(set.Count, metrics, gates);
    }

    static PredictionSet Build(EvaluationRequest request, PredictionsFile file, IReadOnlyList<string> score, string? predictedColumn = "")
    {
        predictedColumn = predictedColumn == "" ? request.Predicted : predictedColumn;
        switch (request.Task)
        {
            case ModelTask.Binary:
            {
                if (score.Count != 1) throw Usage("a binary model needs exactly one score column (--score)");
                var labels = file.Booleans(request.Label);
                if (labels.All(l => l) || labels.All(l => !l))
                    throw PredictionsFile.Bad(file.Display, 1, 0, $"label column '{request.Label}' has a single class ({(labels[0] ? "positive" : "negative")}); AUC, precision and recall need both");
                var scores = file.Numbers(score[0]);
                double threshold = request.Threshold ?? (scores.All(s => s is >= 0 and <= 1) ? 0.5 : 0);
                return PredictionSet.Binary(labels, scores, threshold, predictedColumn is null ? null : file.Booleans(predictedColumn));
            }
            case ModelTask.Multiclass:
            {
                if (score.Count < 2 && predictedColumn is null) throw Usage("a multiclass model needs one probability column per class (--score a,b,c) or --predicted");
                var classes = request.Classes ?? (score.Count >= 2 ? score : file.Column(request.Label).Distinct().Order(StringComparer.Ordinal).ToList());
                if (score.Count >= 2 && classes.Count != score.Count) throw Usage($"{classes.Count} classes but {score.Count} probability columns");
                var labels = file.Classes(request.Label, classes);
                double[]? probabilities = null;
                if (score.Count >= 2)
                {
                    var columns = score.Select(file.Numbers).ToArray();
                    probabilities = new double[file.Count * classes.Count];
                    for (int r = 0; r < file.Count; r++)
                        for (int c = 0; c < classes.Count; c++) probabilities[r * classes.Count + c] = columns[c][r];
                }
                return PredictionSet.Multiclass(labels, classes.Count, probabilities, predictedColumn is null ? null : file.Classes(predictedColumn, classes), classes);
            }
            default:
                if (score.Count != 1) throw Usage("a regression model needs exactly one prediction column (--score)");
                return PredictionSet.Regression(file.Numbers(request.Label), file.Numbers(score[0]));
        }
    }

    static MlBuildException Usage(string what) => new(new MlDiagnostic(DiagnosticCodes.CommandLine, MlSeverity.Error, $"Cannot evaluate: {what}."));

    /// <summary>Reads a metrics file: <c>{"auc": 0.81}</c>, or <c>{"metrics": {"auc": {"value": 0.81, ...}}}</c> as MlBuild writes.</summary>
    public static IReadOnlyDictionary<string, double> ReadMetrics(string path, string display)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MlBuildException(new MlDiagnostic(DiagnosticCodes.PredictionsFileInvalid, MlSeverity.Error, $"The baseline metrics file cannot be read: {e.Message}", display));
        }
        var root = PositionedJson.Parse(bytes, display, DiagnosticCodes.PredictionsFileInvalid);
        var node = root["metrics"] ?? root;
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        if (node.Kind == PositionedJsonKind.Array)
        {
            foreach (var item in node.Items)
                if (item["metric"] is { Text: { } name } && item["value"] is { Kind: PositionedJsonKind.Number, Text: { } v })
                    result[name] = double.Parse(v, CultureInfo.InvariantCulture);
            return result;
        }
        foreach (var (name, _, _, value) in node.Members)
        {
            var number = value.Kind == PositionedJsonKind.Number ? value : value["value"];
            if (number is { Kind: PositionedJsonKind.Number, Text: { } t }) result[name] = double.Parse(t, CultureInfo.InvariantCulture);
        }
        return result;
    }

    /// <summary>The deterministic JSON report of an evaluation (invariant culture, fixed order, no timestamps).</summary>
    public static string Json(EvaluationOutcome outcome, EvaluationRequest request)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("predictions", request.PredictionsDisplay);
            w.WriteString("task", request.Task.ToString().ToLowerInvariant());
            w.WriteNumber("rows", outcome.Rows);
            w.WriteStartArray("metrics");
            foreach (var m in outcome.Metrics) WriteEstimate(w, m);
            w.WriteEndArray();
            if (outcome.Gates is { } gates)
            {
                w.WriteString("verdict", gates.Verdict.Word());
                w.WriteStartArray("gates");
                foreach (var r in gates.Results) WriteGate(w, r);
                w.WriteEndArray();
            }
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray()).Replace("\r\n", "\n", StringComparison.Ordinal) + "\n";
    }

    static void Number(Utf8JsonWriter w, string name, double value)
    {
        if (double.IsFinite(value)) w.WriteNumber(name, value);
        else w.WriteNull(name);
    }

    static string Method(IntervalMethod m) => m switch
    {
        IntervalMethod.Wilson => "wilson", IntervalMethod.BootstrapPercentile => "bootstrap-percentile", _ => "none",
    };

    static void WriteEstimate(Utf8JsonWriter w, MetricEstimate m)
    {
        w.WriteStartObject();
        w.WriteString("metric", m.Metric);
        w.WriteString("direction", m.Direction == MetricDirection.HigherIsBetter ? "higher-is-better" : "lower-is-better");
        Number(w, "value", m.Value);
        Number(w, "low", m.Low);
        Number(w, "high", m.High);
        w.WriteNumber("n", m.Count);
        w.WriteString("interval", Method(m.Method));
        w.WriteNumber("confidence", m.ConfidenceLevel);
        if (m.Seed is { } seed) w.WriteNumber("seed", seed);
        if (m.Resamples is { } resamples) w.WriteNumber("resamples", resamples);
        w.WriteEndObject();
    }

    static void WriteGate(Utf8JsonWriter w, GateResult r)
    {
        w.WriteStartObject();
        w.WriteString("name", r.Name);
        w.WriteString("kind", r.Kind);
        w.WriteString("decision", r.Decision.Word());
        w.WriteString("verdict", r.Verdict.Word());
        if (r.Metric is not null) w.WriteString("metric", r.Metric);
        Number(w, "value", r.Value);
        Number(w, "low", r.Low);
        Number(w, "high", r.High);
        Number(w, "threshold", r.Threshold);
        w.WriteString("comparison", r.Comparison);
        w.WriteNumber("n", r.Count);
        if (r.Baseline is { } b) Number(w, "baseline", b);
        if (r.BaselineSource is { } source) w.WriteString("baselineSource", source);
        w.WriteString("interval", Method(r.Method));
        if (r.Method != IntervalMethod.None) w.WriteNumber("confidence", r.ConfidenceLevel);
        if (r.Seed is { } seed) w.WriteNumber("seed", seed);
        if (r.Resamples is { } resamples) w.WriteNumber("resamples", resamples);
        if (r.RowsToDecide is { } rows) w.WriteNumber("rowsToDecide", rows);
        if (r.Diagnostic is { } d)
        {
            w.WriteStartObject("diagnostic");
            w.WriteString("code", d.Code);
            w.WriteString("severity", d.Severity.ToString().ToLowerInvariant());
            w.WriteString("message", d.Message);
            if (d.File is not null) w.WriteString("file", d.File);
            if (d.Line > 0) w.WriteNumber("line", d.Line);
            if (d.Column > 0) w.WriteNumber("column", d.Column);
            w.WriteEndObject();
        }
        if (r.Excluded.Count > 0)
        {
            w.WriteStartArray("excluded");
            foreach (var (value, count) in r.Excluded) { w.WriteStartObject(); w.WriteString("value", value); w.WriteNumber("n", count); w.WriteEndObject(); }
            w.WriteEndArray();
        }
        if (r.Parts.Count > 0)
        {
            w.WriteStartArray("parts");
            foreach (var p in r.Parts) WriteGate(w, p);
            w.WriteEndArray();
        }
        w.WriteEndObject();
    }
}
