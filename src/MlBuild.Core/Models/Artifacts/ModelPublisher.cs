using System.Globalization;
using System.Text.Json;
using MlBuild.Core.Diagnostics;
using MlBuild.Core.Models.Baselines;
using MlBuild.Core.Models.Evaluation;
using MlBuild.Core.Models.Gates;
using MlBuild.Core.Models.Training;
using MlBuild.Core.Pipeline;
using MlBuild.Core.Registry;
using MlBuild.Core.Reports;

namespace MlBuild.Core.Models.Artifacts;

/// <summary>What <c>dotnet publish</c> asks the engine (<c>mlbuild engine publish-model</c>).</summary>
public sealed record PublishRequest
{
    /// <summary>The format version this engine reads.</summary>
    public const int FormatVersion = 1;
    /// <summary>The project directory: the pipeline file's display path and git's working tree are taken from it.</summary>
    public required string ProjectDirectory { get; init; }
    /// <summary>The pipeline file (relative to the project directory, or rooted).</summary>
    public required string Pipeline { get; init; }
    /// <summary>Where the files to publish are written (the targets copy them to the publish folder).</summary>
    public required string OutputDirectory { get; init; }
    /// <summary>Where the list of files the model was made from is written (the targets' incremental inputs), or null.</summary>
    public string? InputsFile { get; init; }
    /// <summary>Register the model with its evidence in the pipeline file's registry.</summary>
    public bool Register { get; init; }
    /// <summary>The <c>Microsoft.ML</c> version the app references, or null when it references none.</summary>
    public string? ConsumerMlNetVersion { get; init; }

    /// <summary>Reads a request file; anything unreadable is <see cref="DiagnosticCodes.EngineRequestUnreadable"/>.</summary>
    public static PublishRequest Read(string path)
    {
        return EngineRequestFile.Read(path, FormatVersion, root =>
        {
            string? Optional(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.GetString()!.Length > 0 ? v.GetString() : null;
            return new PublishRequest
            {
                ProjectDirectory = root.GetProperty("projectDirectory").GetString()!,
                Pipeline = root.GetProperty("pipeline").GetString()!,
                OutputDirectory = root.GetProperty("outputDirectory").GetString()!,
                InputsFile = Optional("inputsFile"),
                Register = root.TryGetProperty("register", out var r) && r.ValueKind == JsonValueKind.True,
                ConsumerMlNetVersion = Optional("consumerMlNetVersion"),
            };
        });
    }
}

/// <summary>The outcome of a model publish: exit code, diagnostics, summary lines, and the files written.</summary>
/// <param name="ExitCode">0 published; 1 a gate failed; 2 bad input.</param>
/// <param name="Diagnostics">Every diagnostic (training, measurements, gates).</param>
/// <param name="Messages">Summary lines for the publish log.</param>
/// <param name="Files">The files written to the output directory (names).</param>
/// <param name="RegisteredVersion">The registry version when the model was registered.</param>
public sealed record PublishOutcome(int ExitCode, IReadOnlyList<MlDiagnostic> Diagnostics, IReadOnlyList<string> Messages,
    IReadOnlyList<string> Files, int? RegisteredVersion = null);

/// <summary>
/// The model half of <c>dotnet publish</c>: trains the pipeline file's model on its full training data, evaluates it,
/// measures the artifact, runs every gate, and writes the model zip, <c>metrics.json</c>, <c>gates.json</c>,
/// <c>schema.json</c>, <c>lineage.json</c> and <c>model-card.md</c>; optionally registers them.
/// </summary>
public static class ModelPublisher
{
    /// <summary>The lineage file's format version.</summary>
    public const int LineageFormatVersion = 1;

    /// <summary>Runs a publish; user mistakes come back as diagnostics.</summary>
    public static PublishOutcome Run(PublishRequest request)
    {
        var diagnostics = new List<MlDiagnostic>();
        var messages = new List<string>();
        try
        {
            return Publish(request, diagnostics, messages);
        }
        catch (MlBuildException e)
        {
            diagnostics.Add(e.Diagnostic);
            return new PublishOutcome((int)Verdicts.ExitCode(diagnostics), diagnostics, messages, []);
        }
    }

    static PublishOutcome Publish(PublishRequest request, List<MlDiagnostic> diagnostics, List<string> messages)
    {
        var pipelineFull = Path.GetFullPath(request.Pipeline, request.ProjectDirectory);
        var display = Path.GetRelativePath(request.ProjectDirectory, pipelineFull).Replace('\\', '/');
        var pipeline = PipelineLoader.Load(pipelineFull, display);
        if (pipeline.Model is null)
        {
            // A pipeline file of datasets only: the app publishes alone, unless a registration was asked for.
            if (request.Register)
                throw new MlBuildException(new MlDiagnostic(DiagnosticCodes.PublishModelConfiguration, MlSeverity.Error,
                    $"MlBuildRegisterOnPublish is true but '{display}' has no 'model' section, so there is no model to register. Add one (docs/pipeline.md).", display, 1, 1));
            if (Directory.Exists(request.OutputDirectory)) Directory.Delete(request.OutputDirectory, recursive: true);
            messages.Add($"{display} declares no model: nothing to train or publish.");
            return new PublishOutcome(0, diagnostics, messages, []);
        }
        if (request.Register && pipeline.Registry is null)
            throw new MlBuildException(new MlDiagnostic(DiagnosticCodes.PublishModelConfiguration, MlSeverity.Error,
                $"MlBuildRegisterOnPublish is true but '{display}' has no 'registry' section; add \"registry\": {{ \"store\": \".mlregistry\" }}.", display, 1, 1));

        var training = new TrainingOptions { Quick = false };
        var outcome = ModelTrainer.Train(pipeline, training);
        using var owned = outcome.Model; // an ONNX model's native session is released when publishing ends
        diagnostics.AddRange(outcome.Diagnostics);
        if (outcome.Model is not { } trained)
            return new PublishOutcome(outcome.ExitCode, diagnostics, messages, []);

        var spec = trained.Spec;
        var defaults = pipeline.Gates.Defaults;
        var intervals = new IntervalOptions { ConfidenceLevel = defaults.ConfidenceLevel, Resamples = defaults.Resamples, Seed = defaults.Seed };
        var predictions = TestPredictions.Of(trained);
        var metrics = Evaluator.Evaluate(predictions.Set, intervals);
        var artifacts = ArtifactMeasurer.Measure(trained, pipeline.Gates, new ArtifactOptions
        {
            Seed = spec.Seed, BaseDirectory = pipeline.BaseDirectory, ConsumerMlNetVersion = request.ConsumerMlNetVersion, Intervals = intervals,
        }, retrain: () => ModelTrainer.Train(pipeline, training).Model);
        diagnostics.AddRange(artifacts.Diagnostics);
        // The published model is compared with the one serving (a gate's "baseline": "prod"), as in `dotnet test`.
        var baselines = BaselineResolver.Resolve(pipeline, trained);
        diagnostics.AddRange(baselines.Diagnostics);
        var run = GateEvaluator.Evaluate(pipeline.Gates, new GateInputs
        {
            Predictions = predictions.Set, Columns = predictions.Columns, Artifacts = artifacts.ToMeasurements(), Baselines = baselines.Baselines,
        });
        diagnostics.AddRange(run.Diagnostics);

        // The files: written fresh (a stale file of a previous model must never be published beside this one).
        var output = request.OutputDirectory;
        if (Directory.Exists(output)) Directory.Delete(output, recursive: true);
        var modelFile = spec.Name + trained.ModelFileExtension; // NAME.onnx for an ONNX model, its bytes as given
        TrainingEvidence.Write(output, trained, modelFile, quick: false, metrics);
        AtomicFile.WriteAllBytes(Path.Combine(output, modelFile), trained.ModelZipBytes);
        AtomicFile.WriteAllBytes(Path.Combine(output, "gates.json"), Json(w => WriteGates(w, run)));
        bool latencyGated = pipeline.Gates.Gates.OfType<LatencyGateSpec>().Any();
        var git = LineageProbe.GitState(request.ProjectDirectory);
        var lineage = Json(w => WriteLineage(w, trained, Path.Combine(output, "training.json"), git, artifacts, run, latencyGated, baselines));
        AtomicFile.WriteAllBytes(Path.Combine(output, "lineage.json"), lineage);
        AtomicFile.WriteAllBytes(Path.Combine(output, "model-card.md"),
            new System.Text.UTF8Encoding(false).GetBytes(ModelCard.Markdown(trained, metrics, run, artifacts, git, latencyGated)));
        File.Delete(Path.Combine(output, "training.json")); // folded into lineage.json

        messages.Add($"{spec.Name}: trained {spec.Trainer.Name} (seed {spec.Seed}) on {N(trained.TrainView.Rows.Count)} rows, tested on {N(trained.TestView.Rows.Count)}; {modelFile} {trained.CanonicalHash}");
        messages.Add($"{spec.Name}: model {N(artifacts.ModelBytes)} bytes, round trip max difference {ArtifactMeasurer.F(artifacts.RoundTripMaxDifference)}, latency per row p50 {Ms(artifacts.LatencyPercentile(50))} p95 {Ms(artifacts.LatencyPercentile(95))} p99 {Ms(artifacts.LatencyPercentile(99))} ms, {(trained.ModelFileExtension == ".onnx" ? "ONNX, scored with ONNX Runtime" : $"saved by ML.NET {artifacts.SavedMlNetVersion ?? "unknown"}")}");
        foreach (var r in run.Results) messages.Add($"{spec.Name}: {r.ToLine()}");
        messages.Add($"{spec.Name}: {run.Totals()}");

        if (Inputs(request, pipeline, trained) is { } list && request.InputsFile is { } inputsFile)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(inputsFile))!);
            AtomicFile.WriteAllBytes(inputsFile, new System.Text.UTF8Encoding(false).GetBytes(string.Join('\n', list) + "\n"));
        }

        int exit = (int)Verdicts.ExitCode(diagnostics);
        int? version = null;
        if (exit == 0 && request.Register)
        {
            var store = pipeline.Registry!.Store;
            IRegistryStore registryStore = store.StartsWith("az://", StringComparison.Ordinal)
                ? AzureBlobStore.FromLocation(store, Environment.GetEnvironmentVariable)
                : new FolderStore(Path.GetFullPath(store, pipeline.BaseDirectory));
            var registry = new ModelRegistry(registryStore, new RegistryOptions { WorkingDirectory = pipeline.BaseDirectory });
            var registered = registry.Register(spec.Name, Path.Combine(output, modelFile), output, "dotnet publish", notice: diagnostics.Add);
            version = registered.Version;
            var v = version?.ToString(CultureInfo.InvariantCulture) ?? "?";
            AtomicFile.WriteAllBytes(Path.Combine(output, "registration.json"), Json(w =>
            {
                w.WriteStartObject();
                w.WriteString("model", spec.Name);
                if (version is { } ver) w.WriteNumber("version", ver);
                w.WriteString("registry", store);
                w.WriteNumber("event", registered.Seq);
                w.WriteString("artifact", registered.Artifact?.Digest);
                w.WriteEndObject();
            }));
            messages.Add($"{spec.Name}: registered as {spec.Name}@{v} in registry {store} (event {registered.Seq.ToString(CultureInfo.InvariantCulture)})");
        }
        var files = Directory.GetFiles(output).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        return new PublishOutcome(exit, diagnostics, messages, files!, version);
    }

    /// <summary>The files the model was made from (full paths): the targets rerun the publish when one changes.</summary>
    static List<string>? Inputs(PublishRequest request, PipelineFile pipeline, TrainedModel trained)
    {
        var list = new List<string> { Path.GetFullPath(request.Pipeline, request.ProjectDirectory) };
        foreach (var d in pipeline.Datasets.Where(d => trained.Datasets.Any(t => t.Name == d.Name)))
            list.Add(Path.GetFullPath(d.Schema, pipeline.BaseDirectory));
        foreach (var d in trained.Datasets)
            foreach (var f in d.Files) list.Add(Path.GetFullPath(f.Path, pipeline.BaseDirectory));
        foreach (var g in pipeline.Gates.Gates.OfType<GoldenGateSpec>()) list.Add(Path.GetFullPath(g.File, pipeline.BaseDirectory));
        return list.Distinct(StringComparer.Ordinal).ToList();
    }

    static void WriteGates(Utf8JsonWriter w, GateRun run)
    {
        w.WriteStartObject();
        w.WriteString("verdict", run.Verdict.Word().ToUpperInvariant());
        w.WriteStartArray("gates");
        foreach (var r in run.Results)
        {
            w.WriteStartObject();
            w.WriteString("name", r.Name);
            w.WriteString("kind", r.Kind);
            w.WriteString("verdict", r.Verdict.Word().ToUpperInvariant());
            if (r.Metric is { } m) w.WriteString("metric", m);
            Number(w, "value", r.Value);
            Number(w, "low", r.Low);
            Number(w, "high", r.High);
            Number(w, "threshold", r.Threshold);
            if (!double.IsNaN(r.Threshold)) w.WriteString("comparison", r.Comparison);
            if (r.Diagnostic is { } d && d.Severity != MlSeverity.Info) w.WriteString("code", d.Code);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    static void WriteLineage(Utf8JsonWriter w, TrainedModel t, string trainingJson, (string? Commit, bool? Dirty) git,
        ArtifactReport artifacts, GateRun run, bool latencyGated, BaselineResolution baselines)
    {
        using var training = JsonDocument.Parse(File.ReadAllBytes(trainingJson));
        var tr = training.RootElement;
        w.WriteStartObject();
        w.WriteNumber("formatVersion", LineageFormatVersion);
        w.WriteString("model", t.Spec.Name);
        w.WriteString("modelFile", t.Spec.Name + t.ModelFileExtension);
        w.WriteString("canonicalHash", t.CanonicalHash);
        w.WriteString("fileSha256", tr.GetProperty("fileSha256").GetString());
        w.WriteStartObject("git");
        if (git.Commit is { } c) w.WriteString("commit", c); else w.WriteNull("commit");
        if (git.Dirty is { } d) w.WriteBoolean("dirty", d); else w.WriteNull("dirty");
        w.WriteEndObject();
        w.WritePropertyName("datasets");
        tr.GetProperty("datasets").WriteTo(w);
        w.WritePropertyName("rows");
        tr.GetProperty("rows").WriteTo(w);
        w.WriteString("task", t.Spec.Task.ToString().ToLowerInvariant());
        w.WriteString("label", t.Spec.Label);
        w.WritePropertyName("parameters");
        tr.GetProperty("parameters").WriteTo(w);
        w.WriteNumber("seed", t.Spec.Seed);
        w.WriteString("mlbuildVersion", LineageProbe.MlBuildVersion());
        w.WriteString("mlnetVersion", LineageProbe.LoadedMlNetVersion() ?? "unknown");
        if (artifacts.SavedMlNetVersion is { } saved) w.WriteString("mlnetVersionInZip", saved); else w.WriteNull("mlnetVersionInZip");
        if (artifacts.ConsumerMlNetVersion is { } consumer) w.WriteString("mlnetVersionReferenced", consumer); else w.WriteNull("mlnetVersionReferenced");
        // What the gates compared with: the registry version (or metrics file) each baseline name resolved to.
        if (baselines.Resolved.Count == 0) w.WriteNull("baseline");
        else
        {
            w.WriteStartArray("baseline");
            foreach (var b in baselines.Resolved)
            {
                w.WriteStartObject();
                w.WriteString("name", b.Reference);
                w.WriteString("source", b.Source);
                w.WriteString("comparison", b.Comparison.ToString().ToLowerInvariant());
                if (b.Reason is { } reason) w.WriteString("reason", reason);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        w.WriteStartObject("artifact");
        w.WriteNumber("bytes", artifacts.ModelBytes);
        Number(w, "roundTripMaxDifference", artifacts.RoundTripMaxDifference);
        w.WriteNumber("roundTripRows", artifacts.RoundTripRows);
        if (latencyGated)
        {
            // Timings differ from run to run: recorded only when a latency gate judged them.
            w.WriteStartObject("latencyMs");
            foreach (var p in new[] { 50, 95, 99 }) Number(w, "p" + p.ToString(CultureInfo.InvariantCulture), artifacts.LatencyPercentile(p));
            w.WriteNumber("rows", artifacts.LatenciesMs.Count);
            w.WriteEndObject();
        }
        foreach (var (file, g) in artifacts.Golden.OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            w.WriteStartObject("golden:" + file);
            w.WriteNumber("rows", g.Rows);
            w.WriteNumber("mismatches", g.Mismatches);
            Number(w, "maxAbsDifference", g.MaxAbsDifference);
            w.WriteEndObject();
        }
        if (artifacts.Reproducibility is { } rep)
        {
            w.WriteStartObject("reproducibility");
            w.WriteString("level", rep.Level switch { ReproducibilityLevel.Identical => "identical", ReproducibilityLevel.WithinTolerance => "within-tolerance", _ => "different" });
            w.WriteString("secondHash", rep.SecondHash);
            Number(w, "maxPredictionDifference", rep.MaxPredictionDifference);
            Number(w, "maxMetricDifference", rep.MaxMetricDifference);
            w.WriteEndObject();
        }
        w.WriteEndObject();
        w.WriteString("verdict", run.Verdict.Word().ToUpperInvariant());
        w.WriteStartObject("verdicts");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var r in run.Results)
            if (seen.Add(r.Name)) w.WriteString(r.Name, r.Verdict.Word().ToUpperInvariant());
        w.WriteEndObject();
        w.WriteEndObject();
    }

    static void Number(Utf8JsonWriter w, string name, double value)
    {
        if (double.IsFinite(value)) w.WriteNumber(name, value);
        else w.WriteNull(name);
    }

    static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    static string Ms(double v) => double.IsNaN(v) ? "n/a" : v.ToString("0.###", CultureInfo.InvariantCulture);

    internal static byte[] Json(Action<Utf8JsonWriter> write)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true, NewLine = "\n", Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            write(w);
        ms.WriteByte((byte)'\n');
        return ms.ToArray();
    }
}
