using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlBuild.Core.Diagnostics;
using MlBuild.Core.Models.Evaluation;
using MlBuild.Core.Models.External;
using MlBuild.Core.Models.Gates;
using MlBuild.Core.Models.Training;

namespace MlBuild.Core.Models.Artifacts;

/// <summary>Knobs of the artifact measurements.</summary>
public sealed record ArtifactOptions
{
    /// <summary>Single-row predictions timed (after the warm-up), each on a seeded random test row.</summary>
    public int LatencyRows { get; init; } = 1000;
    /// <summary>Predictions before timing starts (a latency gate's <c>warmupRows</c> overrides it).</summary>
    public int WarmupRows { get; init; } = 100;
    /// <summary>Seeds the choice of rows for the latency measurement.</summary>
    public int Seed { get; init; } = 42;
    /// <summary>Where golden files named by gates are resolved (the pipeline file's folder).</summary>
    public string BaseDirectory { get; init; } = Directory.GetCurrentDirectory();
    /// <summary>The ML.NET version the consuming app references, when known (e.g. <c>5.0.0</c>).</summary>
    public string? ConsumerMlNetVersion { get; init; }
    /// <summary>Bootstrap settings for the reproducibility check's metric comparison.</summary>
    public IntervalOptions Intervals { get; init; } = new();
}

/// <summary>Everything measured on one model artifact.</summary>
public sealed record ArtifactReport
{
    /// <summary>The model file's size in bytes.</summary>
    public required long ModelBytes { get; init; }
    /// <summary>Largest absolute score difference between the in-memory model and the model saved, loaded back and scored.</summary>
    public required double RoundTripMaxDifference { get; init; }
    /// <summary>Test rows scored for the round trip.</summary>
    public required int RoundTripRows { get; init; }
    /// <summary>Per-row latencies (ms) of single-row predictions after the warm-up, in measurement order.</summary>
    public required IReadOnlyList<double> LatenciesMs { get; init; }
    /// <summary>Golden comparisons by the file as the gate names it.</summary>
    public IReadOnlyDictionary<string, GoldenComparison> Golden { get; init; } = new Dictionary<string, GoldenComparison>();
    /// <summary>The train-twice comparison, when a reproducibility gate asked for it.</summary>
    public ReproducibilityResult? Reproducibility { get; init; }
    /// <summary>Why a reproducibility gate does not apply to this model (a model made elsewhere), or null.</summary>
    public string? ReproducibilityNotApplicable { get; init; }
    /// <summary>The ML.NET version recorded in the zip (<c>TrainingInfo/Version.txt</c>), or null.</summary>
    public string? SavedMlNetVersion { get; init; }
    /// <summary>The ML.NET version the consumer references, when known.</summary>
    public string? ConsumerMlNetVersion { get; init; }
    /// <summary>Findings that are not gates (e.g. the ML.NET version check).</summary>
    public IReadOnlyList<MlDiagnostic> Diagnostics { get; init; } = [];

    /// <summary>Nearest-rank latency percentile (ms), or NaN without measurements.</summary>
    public double LatencyPercentile(int percentile) => LatenciesMs.Count == 0 ? double.NaN : ArtifactGates.NearestRank(LatenciesMs, percentile);

    /// <summary>The measurements as the artifact gates read them.</summary>
    public ArtifactMeasurements ToMeasurements() => new()
    {
        ModelBytes = ModelBytes,
        LatenciesMs = LatenciesMs,
        GoldenByFile = Golden,
        RoundTripMaxDifference = RoundTripMaxDifference,
        Reproducibility = Reproducibility?.Level,
        ReproducibilityNotApplicable = ReproducibilityNotApplicable,
    };
}

/// <summary>
/// Measures a trained model's artifact: its size; the save → load → predict round trip against the in-memory model;
/// per-row latency of single-row predictions through the loaded model after a warm-up; the golden files its gates
/// name; reproducibility (a second training with the same seed, when a gate asks); the ML.NET version that saved it.
/// </summary>
public static class ArtifactMeasurer
{
    /// <summary>Measures <paramref name="trained"/> for <paramref name="gates"/>; <paramref name="retrain"/> trains the
    /// same model again (needed only by a reproducibility gate).</summary>
    public static ArtifactReport Measure(TrainedModel trained, GateSet gates, ArtifactOptions? options = null, Func<TrainedModel?>? retrain = null)
    {
        options ??= new ArtifactOptions();
        var task = trained.Spec.Task;
        // An ONNX model is published as its .onnx bytes: it comes back through ONNX Runtime, not as an ML.NET zip.
        using var reloadedOnnx = trained.Model is OnnxScorer onnx ? onnx.Reload(trained.ModelZipBytes) : null;
        ITransformer loaded = reloadedOnnx ?? Load(trained.ModelZipBytes);

        // Round trip: the shipped bytes, loaded back, must score the test rows as the in-memory model did.
        var inMemory = ModelScores.Read(trained.Model.Transform(trained.TestView), task);
        var fromZip = Score(loaded, trained.TestView, task);
        double roundTrip = ModelScores.MaxAbsDifference(inMemory.Values, fromZip.Values);

        var warmup = gates.Gates.OfType<LatencyGateSpec>().Select(g => g.WarmupRows).DefaultIfEmpty(options.WarmupRows).Max();
        var latencies = reloadedOnnx is not null
            ? OnnxLatencies(reloadedOnnx, trained.TestView, warmup, options.LatencyRows, options.Seed)
            : Latencies(loaded, ScoringRows.From(trained.TestView), task, warmup, options.LatencyRows, options.Seed);

        var golden = new Dictionary<string, GoldenComparison>(StringComparer.Ordinal);
        foreach (var g in gates.Gates.OfType<GoldenGateSpec>())
            if (!golden.ContainsKey(g.File))
                golden[g.File] = GoldenFile.Compare(Path.GetFullPath(g.File, options.BaseDirectory), g.File, trained, loaded, g.Tolerance);

        ReproducibilityResult? reproducibility = null;
        // A model made elsewhere (a file the pipeline names, no training command) is not trained here, so training it
        // twice does not apply: the gate is skipped with that reason rather than judged.
        string? reproducibilityNotApplicable = trained.Spec.External is { Command: null } external
            ? $"the model is the file '{external.Path ?? "?"}' made elsewhere (no training command), so MlBuild cannot train it twice"
            : null;
        if (reproducibilityNotApplicable is null && gates.Gates.OfType<ReproducibilityGateSpec>().FirstOrDefault() is { } rg && retrain?.Invoke() is { } second)
            using (second) // the retrained model is only compared
                reproducibility = Reproducibility.Compare(trained, second, rg.Tolerance, options.Intervals);

        var saved = SavedMlNetVersion(trained.ModelZipBytes);
        var diagnostics = new List<MlDiagnostic>();
        if (saved is not null && options.ConsumerMlNetVersion is { } consumer && Newer(saved, consumer))
            diagnostics.Add(new MlDiagnostic(DiagnosticCodes.MlNetVersionMismatch, MlSeverity.Warning,
                $"The model was saved by ML.NET {saved}, but the app references Microsoft.ML {consumer}; an older ML.NET may fail to load it. Reference Microsoft.ML {saved} or newer."));
        return new ArtifactReport
        {
            ModelBytes = trained.ModelZipBytes.LongLength,
            RoundTripMaxDifference = roundTrip,
            RoundTripRows = inMemory.Rows,
            LatenciesMs = latencies,
            Golden = golden,
            Reproducibility = reproducibility,
            ReproducibilityNotApplicable = reproducibilityNotApplicable,
            SavedMlNetVersion = saved,
            ConsumerMlNetVersion = options.ConsumerMlNetVersion,
            Diagnostics = diagnostics,
        };
    }

    /// <summary>Loads a model zip; an unreadable one is MLB3501.</summary>
    public static ITransformer Load(byte[] zip)
    {
        try
        {
            return new MLContext(seed: 0).Model.Load(new MemoryStream(zip, writable: false), out _);
        }
        catch (Exception ex) when (ex is InvalidOperationException or InvalidDataException or FormatException or ArgumentException or IOException)
        {
            throw new MlBuildException(new MlDiagnostic(DiagnosticCodes.ModelNotScorable, MlSeverity.Error,
                $"The model zip could not be loaded back ({ex.Message})."));
        }
    }

    /// <summary>Scores <paramref name="rows"/>; a model whose inputs the rows lack is MLB3501.</summary>
    internal static ModelScores Score(ITransformer model, IDataView rows, ModelTask task, string? file = null)
    {
        try
        {
            return ModelScores.Read(model.Transform(rows), task);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or FormatException)
        {
            throw new MlBuildException(new MlDiagnostic(DiagnosticCodes.ModelNotScorable, MlSeverity.Error,
                $"The model could not score the rows ({ex.Message}).", file));
        }
    }

    /// <summary>Per-row latency: one row through the model's row-to-row mapper (what a prediction engine does), seeded rows.</summary>
    static List<double> Latencies(ITransformer model, ScoringRows rows, ModelTask task, int warmup, int count, int seed)
    {
        if (rows.Count == 0 || count <= 0) return [];
        var mapper = model.GetRowToRowMapper(rows.Schema);
        var input = rows.Row();
        var scoreColumn = mapper.OutputSchema[ModelScores.ColumnName(mapper.OutputSchema, task)];
        using var output = mapper.GetRow(input, [scoreColumn]);
        Action predict;
        if (scoreColumn.Type is VectorDataViewType)
        {
            var getter = output.GetGetter<VBuffer<float>>(scoreColumn);
            var buffer = default(VBuffer<float>);
            predict = () => getter(ref buffer);
        }
        else
        {
            var getter = output.GetGetter<float>(scoreColumn);
            float value = 0;
            predict = () => getter(ref value);
        }
        var random = new Random(seed);
        for (int i = 0; i < warmup; i++) { input.Index = random.Next(rows.Count); predict(); }
        var latencies = new List<double>(count);
        for (int i = 0; i < count; i++)
        {
            input.Index = random.Next(rows.Count);
            long start = Stopwatch.GetTimestamp();
            predict();
            latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
        return latencies;
    }

    /// <summary>Per-row latency of an ONNX model: one row at a time through ONNX Runtime, seeded rows, after the warm-up.</summary>
    static List<double> OnnxLatencies(OnnxScorer scorer, IDataView testView, int warmup, int count, int seed)
    {
        var (rows, predict) = scorer.SingleRowPredictor(testView);
        if (rows == 0 || count <= 0) return [];
        var random = new Random(seed);
        for (int i = 0; i < warmup; i++) predict(random.Next(rows));
        var latencies = new List<double>(count);
        for (int i = 0; i < count; i++)
        {
            int row = random.Next(rows);
            long start = Stopwatch.GetTimestamp();
            predict(row);
            latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
        return latencies;
    }

    /// <summary>The ML.NET version recorded in a model zip (its <c>Version.txt</c>: the leading version number), or null.</summary>
    public static string? SavedMlNetVersion(byte[] zip)
    {
        try
        {
            using var archive = new ZipArchive(new MemoryStream(zip, writable: false), ZipArchiveMode.Read);
            var entry = archive.Entries.FirstOrDefault(e => e.FullName == "Version.txt" || e.FullName.EndsWith("/Version.txt", StringComparison.Ordinal));
            if (entry is null) return null;
            using var reader = new StreamReader(entry.Open());
            var text = reader.ReadToEnd();
            var match = System.Text.RegularExpressions.Regex.Match(text, @"\d+\.\d+(\.\d+)?");
            return match.Success ? match.Value : null;
        }
        catch (InvalidDataException)
        {
            return null;
        }
    }

    /// <summary>Whether version <paramref name="a"/> is newer than <paramref name="b"/> (numeric parts only; unparsable means no).</summary>
    internal static bool Newer(string a, string b) =>
        Version.TryParse(Numeric(a), out var va) && Version.TryParse(Numeric(b), out var vb) && Normalize(va) > Normalize(vb);

    static string Numeric(string v) => System.Text.RegularExpressions.Regex.Match(v, @"^\d+(\.\d+){0,3}").Value;

    static Version Normalize(Version v) => new(v.Major, Math.Max(0, v.Minor), Math.Max(0, v.Build));

    internal static string F(double v) => v.ToString("0.######", CultureInfo.InvariantCulture);
}
