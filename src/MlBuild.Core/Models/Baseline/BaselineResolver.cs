using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlBuild.Core.Diagnostics;
using MlBuild.Core.Models.Evaluation;
using MlBuild.Core.Models.Gates;
using MlBuild.Core.Models.Training;
using MlBuild.Core.Pipeline;
using MlBuild.Core.Registry;

// The namespace is "Baselines", not "Baseline" like its folder: a namespace MlBuild.Core.Models.Baseline would hide the
// Gates.Baseline record from every MlBuild.Core.Models.* namespace that imports it.
namespace MlBuild.Core.Models.Baselines;

/// <summary>Settings of a baseline resolution that are not in the pipeline file.</summary>
public sealed record BaselineOptions
{
    /// <summary>A registry location that overrides the pipeline file's <c>registry.store</c> (a folder, relative to
    /// <see cref="WorkingDirectory"/>, or <c>az://CONTAINER</c>), e.g. from <c>--registry</c>; null: the pipeline file's.</summary>
    public string? Registry { get; init; }
    /// <summary>The folder <see cref="Registry"/> is relative to (default: the current directory).</summary>
    public string? WorkingDirectory { get; init; }
    /// <summary>Environment lookup (<c>MLBUILD_REGISTRY</c>, the Azure connection string); tests pass their own.</summary>
    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;
}

/// <summary>How a gate's baseline could be compared with the candidate.</summary>
public enum BaselineComparison
{
    /// <summary>The baseline model scored the candidate's own test rows: paired resampling of the same rows.</summary>
    Paired,
    /// <summary>Only the baseline's metrics are known (its registered evidence, or a metrics file).</summary>
    Unpaired,
    /// <summary>No baseline: the gate's missing-baseline policy decides.</summary>
    Missing,
}

/// <summary>One baseline a gate names, as found: which registered version, and how it can be compared.</summary>
public sealed record ResolvedBaseline
{
    /// <summary>What the gate names: an alias such as <c>prod</c>, or a metrics file.</summary>
    public required string Reference { get; init; }
    /// <summary>How it is compared.</summary>
    public required BaselineComparison Comparison { get; init; }
    /// <summary>The registry as the user named it (<c>registry.store</c>, <c>--registry</c>), when it is an alias.</summary>
    public string? Registry { get; init; }
    /// <summary>The model name looked up in the registry.</summary>
    public string? Model { get; init; }
    /// <summary>The version that holds the alias, when found.</summary>
    public int? Version { get; init; }
    /// <summary>The register event of that version (its metrics, schema, lineage, evidence files).</summary>
    public RegistryEvent? Registered { get; init; }
    /// <summary>The baseline's metrics (registered with the version, or read from the metrics file), by name.</summary>
    public IReadOnlyDictionary<string, MetricValue>? Metrics { get; init; }
    /// <summary>For a paired comparison: the baseline model's predictions on the candidate's test rows.</summary>
    public TestPredictions? Predictions { get; init; }
    /// <summary>Why it is missing, or why it is compared unpaired; null for a paired baseline.</summary>
    public string? Reason { get; init; }

    /// <summary>
    /// The line <c>dotnet ml train --gate</c> and <c>dotnet test</c> print for it: what the reference resolved to and
    /// whether it was compared paired (scored on the candidate's <paramref name="testRows"/> test rows), unpaired, or is missing.
    /// </summary>
    public string Line(int testRows) => Comparison switch
    {
        BaselineComparison.Paired => $"mlbuild: baseline '{Reference}' is {Source} from registry '{Registry}', scored on the same {testRows.ToString(CultureInfo.InvariantCulture)} test rows (paired)",
        BaselineComparison.Unpaired => $"mlbuild: baseline '{Reference}' is {Source}{(Registry is null ? "" : $" from registry '{Registry}'")}, compared by its metrics (unpaired)",
        _ => $"mlbuild: baseline '{Reference}' is missing: {Reason}",
    };

    /// <summary>How results name it: <c>churn 3 (prod)</c> for a registered version, else the reference.</summary>
    public string Source => Model is not null && Version is { } v
        ? $"{Model} {v.ToString(CultureInfo.InvariantCulture)} ({Reference})"
        : Reference;

    /// <summary>What <see cref="GateEvaluator"/> reads: predictions (paired), metrics (unpaired), or the reason it is missing.</summary>
    public Baseline ToGateBaseline() => new(Reference, Predictions?.Set,
        Comparison == BaselineComparison.Missing || Metrics is null ? null : Metrics.ToDictionary(m => m.Key, m => m.Value.Value, StringComparer.Ordinal))
    {
        Source = Comparison == BaselineComparison.Missing ? null : Source,
        MissingReason = Comparison == BaselineComparison.Missing ? Reason : null,
    };
}

/// <summary>The baselines of one candidate, ready for <see cref="GateInputs.Baselines"/>.</summary>
/// <param name="Baselines">By the name the gates use (their <c>baseline</c>).</param>
/// <param name="Resolved">What was found for each, in the order the gates name them.</param>
/// <param name="Diagnostics">Warnings about the comparison (MLB4201: compared unpaired, and why).</param>
public sealed record BaselineResolution(IReadOnlyDictionary<string, Baseline> Baselines, IReadOnlyList<ResolvedBaseline> Resolved,
    IReadOnlyList<MlDiagnostic> Diagnostics);

/// <summary>
/// Finds the baselines a pipeline file's gates name. <c>"baseline": "prod"</c> is the version that holds the alias
/// <c>prod</c> for the model's name in the pipeline file's registry (what is serving): its model zip, loaded from the
/// registry, scores the candidate's own test rows (the scoring code of training, <see cref="TestPredictions.Of(ITransformer, TableDataView, ModelSpec, string)"/>),
/// so the gates compare the two models by paired resampling of the same rows. When it cannot score those rows, its
/// registered metrics are compared unpaired (MLB4201). A missing registry, model or alias is a missing baseline: the
/// gate's missing-baseline policy decides, and its MLB4005 says what was missing where. A <c>baseline</c> that names a
/// <c>.json</c> file (relative to the pipeline file) is a metrics file, compared unpaired.
/// </summary>
public static class BaselineResolver
{
    /// <summary>The registry folder when neither the pipeline file, the options nor <c>MLBUILD_REGISTRY</c> name one.</summary>
    public const string DefaultRegistry = ".mlregistry";

    /// <summary>
    /// Resolves every baseline the pipeline file's gates name, for <paramref name="candidate"/> (null: no model in hand,
    /// so registry baselines are compared unpaired by their registered metrics).
    /// </summary>
    public static BaselineResolution Resolve(PipelineFile pipeline, TrainedModel? candidate, BaselineOptions? options = null) =>
        Resolve(pipeline, pipeline.Gates, candidate, options);

    /// <summary>Resolves every baseline <paramref name="gates"/> name (gates other than the pipeline file's own).</summary>
    public static BaselineResolution Resolve(PipelineFile pipeline, GateSet gates, TrainedModel? candidate, BaselineOptions? options = null)
    {
        options ??= new BaselineOptions();
        var resolved = new List<ResolvedBaseline>();
        var diagnostics = new List<MlDiagnostic>();
        var named = gates.Gates.OfType<MetricGateSpec>()
            .Where(g => g.Baseline is not null && (g.MaxDrop is not null || g.MinGain is not null))
            .GroupBy(g => g.Baseline!, StringComparer.Ordinal)
            .Select(g => (Reference: g.Key, First: g.First().Position))
            .ToList();
        if (named.Count == 0) return new BaselineResolution(new Dictionary<string, Baseline>(StringComparer.Ordinal), resolved, diagnostics);

        ModelRegistry? registry = null;
        string? registryDisplay = null;
        foreach (var (reference, position) in named)
        {
            if (IsMetricsFile(reference, pipeline.BaseDirectory))
            {
                resolved.Add(FromMetricsFile(reference, pipeline.BaseDirectory));
                continue;
            }
            if (registry is null)
                (registry, registryDisplay) = OpenRegistry(pipeline, options);
            var model = candidate?.Spec.Name ?? pipeline.Model?.Name;
            var found = model is null
                ? Missing(reference, registryDisplay!, null, "the pipeline file names no model to look up in the registry")
                : Find(registry, registryDisplay!, model, reference);
            if (found.Comparison != BaselineComparison.Missing && candidate is not null)
            {
                found = Pair(registry, found, candidate);
                if (found.Comparison == BaselineComparison.Unpaired)
                    diagnostics.Add(new MlDiagnostic(DiagnosticCodes.BaselineUnpaired, MlSeverity.Warning,
                        $"Baseline '{reference}' ({found.Source} in registry '{registryDisplay}') cannot score the candidate's test rows: {found.Reason}; " +
                        "the gates compare with the metrics it was registered with (unpaired).",
                        position?.File ?? pipeline.DisplayPath, position?.Line ?? 0, position?.Column ?? 0));
            }
            resolved.Add(found);
        }
        var baselines = resolved.ToDictionary(r => r.Reference, r => r.ToGateBaseline(), StringComparer.Ordinal);
        return new BaselineResolution(baselines, resolved, diagnostics);
    }

    /// <summary>
    /// The registry a pipeline file names: <paramref name="options"/>' <c>Registry</c>, else <c>registry.store</c>
    /// (relative to the pipeline file), else <c>$MLBUILD_REGISTRY</c>, else <c>.mlregistry</c> beside the pipeline file.
    /// Returns the registry and its name as the user wrote it (for messages and reports: no absolute path).
    /// </summary>
    public static (ModelRegistry Registry, string Display) OpenRegistry(PipelineFile? pipeline, BaselineOptions options)
    {
        string location, baseDirectory;
        if (!string.IsNullOrWhiteSpace(options.Registry))
            (location, baseDirectory) = (options.Registry, options.WorkingDirectory ?? Directory.GetCurrentDirectory());
        else if (pipeline?.Registry is { } spec)
            (location, baseDirectory) = (spec.Store, pipeline.BaseDirectory);
        else
            (location, baseDirectory) = (options.Environment("MLBUILD_REGISTRY") is { Length: > 0 } env ? env : DefaultRegistry,
                                         pipeline?.BaseDirectory ?? options.WorkingDirectory ?? Directory.GetCurrentDirectory());
        IRegistryStore store = location.StartsWith("az://", StringComparison.Ordinal)
            ? AzureBlobStore.FromLocation(location, options.Environment)
            : new FolderStore(Path.GetFullPath(location, baseDirectory));
        return (new ModelRegistry(store, new RegistryOptions { WorkingDirectory = baseDirectory, Environment = options.Environment, SkipGit = true }), location);
    }

    /// <summary>
    /// The version of <paramref name="model"/> that holds <paramref name="alias"/>, with its registered metrics (an
    /// unpaired baseline), or a missing one that says what is missing. A broken registry (a corrupt log) is an error.
    /// </summary>
    public static ResolvedBaseline Find(ModelRegistry registry, string registryDisplay, string model, string alias)
    {
        if (!RegistryNames.IsValid(alias))
            return Missing(alias, registryDisplay, model, $"'{alias}' is neither a registry alias (letters, digits, '.', '_', '-') nor a .json metrics file");
        if (!registry.Store.Exists())
            return Missing(alias, registryDisplay, model, $"there is no registry at '{registryDisplay}'");
        if (!registry.State.Models.TryGetValue(model, out var state))
            return Missing(alias, registryDisplay, model, $"registry '{registryDisplay}' has no model '{model}'");
        if (state.Holder(alias) is not { } version)
            return Missing(alias, registryDisplay, model,
                $"no version of '{model}' holds the alias '{alias}' in registry '{registryDisplay}'" +
                (state.Aliases.Any(a => a.Value.Count > 0) ? $" (aliases held: {string.Join(", ", state.Aliases.Where(a => a.Value.Count > 0).Select(a => a.Key))})" : ""));
        var (_, registered) = registry.Resolve(new ModelReference(model, version, null));
        return new ResolvedBaseline
        {
            Reference = alias, Comparison = BaselineComparison.Unpaired, Registry = registryDisplay, Model = model, Version = version,
            Registered = registered, Metrics = registered.Metrics,
            Reason = registered.Metrics is null ? "it was registered without metrics" : "no candidate model to score",
        };
    }

    /// <summary>Scores the candidate's test rows with the baseline's model zip; on failure the baseline stays unpaired, with the reason.</summary>
    static ResolvedBaseline Pair(ModelRegistry registry, ResolvedBaseline found, TrainedModel candidate)
    {
        var artifact = found.Registered?.Artifact;
        if (artifact is null) return Unpaired(found, "it has no model file");
        byte[] zip;
        using (var blob = registry.OpenBlob(artifact.Digest))
        using (var copy = new MemoryStream())
        {
            blob.CopyTo(copy);
            zip = copy.ToArray();
        }
        var ml = new MLContext(seed: candidate.Spec.Seed);
        // A model saved with LightGBM or FastTree loads only when their assemblies are known to the catalog, which a
        // process that trained the candidate with another trainer has not needed yet.
        ml.ComponentCatalog.RegisterAssembly(typeof(Microsoft.ML.Trainers.LightGbm.LightGbmBinaryTrainer).Assembly);
        ml.ComponentCatalog.RegisterAssembly(typeof(Microsoft.ML.Trainers.FastTree.FastTreeBinaryTrainer).Assembly);
        ITransformer model;
        List<(string Name, DataViewType Type)> reads;
        try
        {
            model = ml.Model.Load(new MemoryStream(zip, writable: false), out var inputSchema);
            reads = inputSchema.Select(c => (c.Name, c.Type)).ToList();
        }
        catch (Exception e) when (IsLoadFailure(e))
        {
            return Unpaired(found, $"its model file ({artifact.Path}) does not load as an ML.NET model ({e.Message.TrimEnd('.')})");
        }
        // Every column the baseline reads must be among the candidate's test columns, with the same type.
        var view = candidate.TestView.Schema;
        foreach (var (name, type) in reads)
        {
            if (view.GetColumnOrNull(name) is not { } have)
                return Unpaired(found, $"its model reads column '{name}', which the candidate's test rows do not have");
            if (!have.Type.Equals(type))
                return Unpaired(found, $"its model reads column '{name}' as {type}, the candidate's test rows hold {have.Type}");
        }
        TestPredictions scored;
        try
        {
            scored = TestPredictions.Of(model, candidate.TestView, candidate.Spec, candidate.LabelColumn);
        }
        catch (Exception e) when (IsLoadFailure(e))
        {
            return Unpaired(found, $"scoring the candidate's test rows failed ({e.Message.TrimEnd('.')})");
        }
        if (candidate.Spec.Task == ModelTask.Multiclass)
        {
            var own = TestPredictions.Of(candidate).Classes;
            if (!own.SequenceEqual(scored.Classes, StringComparer.Ordinal))
                return Unpaired(found, $"its classes ({string.Join(", ", scored.Classes)}) are not the candidate's ({string.Join(", ", own)})");
        }
        return found with { Comparison = BaselineComparison.Paired, Predictions = scored, Reason = null };
    }

    static bool IsLoadFailure(Exception e) =>
        e is InvalidOperationException or ArgumentException or FormatException or InvalidDataException or NotSupportedException
            or IOException or KeyNotFoundException or IndexOutOfRangeException or InvalidCastException;

    static ResolvedBaseline Unpaired(ResolvedBaseline found, string reason) =>
        found.Metrics is null
            ? found with { Comparison = BaselineComparison.Missing, Reason = $"{found.Source} in registry '{found.Registry}' cannot score the candidate's test rows ({reason}) and was registered without metrics" }
            : found with { Comparison = BaselineComparison.Unpaired, Reason = reason };

    static ResolvedBaseline Missing(string reference, string registry, string? model, string reason) => new()
    {
        Reference = reference, Comparison = BaselineComparison.Missing, Registry = registry, Model = model, Reason = reason,
    };

    /// <summary>A baseline that names a <c>.json</c> file, or a file that exists beside the pipeline file, is a metrics file.</summary>
    static bool IsMetricsFile(string reference, string baseDirectory) =>
        reference.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || File.Exists(Path.GetFullPath(reference, baseDirectory));

    static ResolvedBaseline FromMetricsFile(string reference, string baseDirectory)
    {
        var full = Path.GetFullPath(reference, baseDirectory);
        if (!File.Exists(full))
            return new ResolvedBaseline { Reference = reference, Comparison = BaselineComparison.Missing, Reason = $"the metrics file '{reference}' does not exist" };
        var metrics = EvaluationRunner.ReadMetrics(full, reference);
        return new ResolvedBaseline
        {
            Reference = reference, Comparison = BaselineComparison.Unpaired,
            Metrics = metrics.ToDictionary(m => m.Key, m => new MetricValue(m.Value), StringComparer.Ordinal),
            Reason = "a metrics file",
        };
    }
}
