using System.Globalization;
using MlBuild.Core.Diagnostics;
using MlBuild.Core.Models.Baselines;
using MlBuild.Core.Models.Evaluation;
using MlBuild.Core.Models.Gates;
using MlBuild.Core.Models.Training;
using MlBuild.Core.Pipeline;
using MlBuild.Core.Reports;

namespace MlBuild.Core.Models.ModelTests;

/// <summary>Knobs of a model test that are not part of the pipeline file.</summary>
public sealed record ModelTestOptions
{
    /// <summary>The tool's version, written into the reports.</summary>
    public required string ToolVersion { get; init; }
    /// <summary>Reader and bootstrap threads (figures do not depend on it).</summary>
    public int Parallelism { get; init; } = Environment.ProcessorCount;
    /// <summary>Called with short progress messages ("reading train", "training lbfgs on 2,000 rows").</summary>
    public Action<string>? Progress { get; init; }
}

/// <summary>The outcome of one model test: the quick-trained model (when training got that far), its metrics, the gates
/// and the one report of it all. Disposing it releases the model (an ONNX model holds a native session).</summary>
public sealed class ModelTestOutcome : IDisposable
{
    /// <summary>Releases the quick-trained or loaded model.</summary>
    public void Dispose() => Model?.Dispose();

    /// <summary>The pipeline file tested.</summary>
    public required PipelineFile Pipeline { get; init; }
    /// <summary>The quick-trained model, or null when training stopped (the diagnostics say why).</summary>
    public TrainedModel? Model { get; init; }
    /// <summary>The model's predictions on the test rows, or null.</summary>
    public TestPredictions? Predictions { get; init; }
    /// <summary>Every metric of the test rows with its interval (empty when training stopped).</summary>
    public IReadOnlyList<MetricEstimate> Metrics { get; init; } = [];
    /// <summary>The gate results, or null when training stopped.</summary>
    public GateRun? Gates { get; init; }
    /// <summary>The baselines the gates name, as they resolved (paired, unpaired or missing), in gate order.</summary>
    public IReadOnlyList<ResolvedBaseline> Baselines { get; init; } = [];

    /// <summary>The pipeline file's gates on the published artifact (round trip, golden, latency, reproducibility), which
    /// judge the model <c>dotnet publish</c> builds, not a quick-trained one: named once, not run here.</summary>
    public IReadOnlyList<string> LeftToPublish { get; init; } = [];
    /// <summary>Training's diagnostics, then the gates', in order.</summary>
    public required IReadOnlyList<MlDiagnostic> Diagnostics { get; init; }
    /// <summary>The report: one model section with a child per gate.</summary>
    public required ReportDocument Report { get; init; }

    /// <summary>The process exit code: the report's verdict (gates after policy, training errors as their kind says).</summary>
    public ExitCodes ExitCode => Report.ExitCode;

    /// <summary>What a test runner prints: a line per gate (verdict, figures, interval), then the totals.</summary>
    public IEnumerable<string> Lines()
    {
        if (Model is { } m)
        {
            var rows = (int n) => n.ToString("N0", CultureInfo.InvariantCulture);
            if (m.Spec.External is { Command: null } made) // a model file made elsewhere: evaluated, not trained
                yield return $"mlbuild: model '{m.Spec.Name}' ({m.Spec.Task.ToString().ToLowerInvariant()}, {m.Spec.Trainer.Name} model {made.Path}) tested on {rows(m.TestView.Rows.Count)} rows";
            else
                yield return $"mlbuild: model '{m.Spec.Name}' ({m.Spec.Task.ToString().ToLowerInvariant()}, {m.Spec.Trainer.Name}, seed {m.Spec.Seed.ToString(CultureInfo.InvariantCulture)}) "
                    + $"quick-trained on {rows(m.TrainView.Rows.Count)} rows, tested on {rows(m.TestView.Rows.Count)} rows";
        }
        if (Gates is { } run)
        {
            foreach (var b in Baselines) yield return b.Line(Model!.TestView.Rows.Count);
            foreach (var r in run.Results)
            {
                yield return "  " + r.ToLine();
                foreach (var part in r.Parts) yield return "    " + part.ToLine();
            }
            if (LeftToPublish.Count > 0)
                yield return $"mlbuild: checked by dotnet publish on the published model: {string.Join(", ", LeftToPublish)}";
            yield return "mlbuild: " + run.Totals();
        }
        else
            yield return $"mlbuild: model '{Pipeline.Model?.Name}' was not trained; its gates did not run; result {Report.Verdict.Word().ToUpperInvariant()}";
    }
}

/// <summary>
/// One model test, what <c>dotnet test</c> and <c>dotnet ml test</c> run: quick-train the model of a pipeline file on
/// its seeded sample (<see cref="ModelTrainer"/> validates the data as it reads it), evaluate the test rows with
/// intervals (<see cref="Evaluator"/>), decide the pipeline file's gates (<see cref="GateEvaluator"/>, so a failing gate
/// is an MLB4xxx diagnostic at its line and column in the pipeline file and INCONCLUSIVE follows the file's policy),
/// and map it all onto the one report model (<see cref="GateReport"/>). It writes no second trainer, evaluator or gate.
/// </summary>
public static class ModelTestRunner
{
    /// <summary>The report's title (JUnit and TRX suites carry it).</summary>
    public const string Title = "model tests";

    /// <summary>Runs the test. The pipeline file's own mistakes throw <see cref="MlBuildException"/> (coded, positioned).</summary>
    public static ModelTestOutcome Run(PipelineFile pipeline, ModelTestOptions options)
    {
        var spec = pipeline.Model ?? throw new MlBuildException(new MlDiagnostic(DiagnosticCodes.ModelTestNoModel, MlSeverity.Error,
            $"'{pipeline.DisplayPath}' declares no model, so there is nothing to test. Add a \"model\" section (see docs/pipeline.md), or set MlBuildTestModel=false.",
            pipeline.DisplayPath));
        TrainingOutcome training;
        try
        {
            training = ModelTrainer.Train(pipeline, new TrainingOptions { Quick = true, ReadParallelism = options.Parallelism, Progress = options.Progress });
        }
        catch (MlBuildException e)
        {
            // A model that could not be made or read (a bad model file, a failing training command): this run's result,
            // so the reports say so instead of the last run's passing gates staying in TestResults/.
            training = new TrainingOutcome(null, [e.Diagnostic], (int)Verdicts.ExitCode([e.Diagnostic]));
        }
        var request = new EvaluationRequest
        {
            PredictionsPath = Path.Combine(pipeline.BaseDirectory, pipeline.DisplayPath),
            PredictionsDisplay = pipeline.DisplayPath,
            Task = spec.Task,
            Label = spec.Label,
        };
        var report = new ReportDocument { ToolVersion = options.ToolVersion, Title = Title };
        if (training.Model is not { } trained)
        {
            var section = new ReportSection
            {
                Kind = SectionKinds.Model, Id = spec.Name,
                // Training stopped on at least one error: its kind says fail (data findings) or error (configuration, input).
                Verdict = Verdicts.Worst(training.Diagnostics.Select(Verdicts.Of)),
                Summary = "The model was not trained, so its gates did not run.",
            };
            section.With("task", spec.Task.ToString().ToLowerInvariant()).With("label", spec.Label);
            section.Locations.Add(new ReportLocation { File = pipeline.DisplayPath });
            section.Diagnostics.AddRange(training.Diagnostics);
            report.Sections.Add(section);
            return new ModelTestOutcome { Pipeline = pipeline, Diagnostics = training.Diagnostics, Report = report };
        }

        options.Progress?.Invoke("evaluating");
        var predictions = TestPredictions.Of(trained);
        var defaults = pipeline.Gates.Defaults;
        var metrics = Evaluator.Evaluate(predictions.Set, new IntervalOptions
        {
            ConfidenceLevel = defaults.ConfidenceLevel, Resamples = defaults.Resamples, Seed = defaults.Seed, MaxParallelism = options.Parallelism,
        });
        options.Progress?.Invoke("gating");
        // Gates against "baseline": "prod" compare with the version serving in the registry, on these same test rows.
        var baselines = BaselineResolver.Resolve(pipeline, trained);
        var publishGates = pipeline.Gates.Gates.Where(IsPublishGate).ToList();
        var testGates = pipeline.Gates with
        {
            Gates = [.. pipeline.Gates.Gates.Where(g => !IsPublishGate(g))],
            AllowNoGates = pipeline.Gates.AllowNoGates || publishGates.Count > 0,
        };
        var gates = GateEvaluator.Evaluate(testGates, new GateInputs
        {
            Predictions = predictions.Set,
            Columns = predictions.Columns,
            Baselines = baselines.Baselines,
            // The quick-trained model's zip: its size is the deployed model's for every trainer whose size does not grow
            // with the rows (linear models); tree ensembles grow little with them (docs/testing.md).
            Artifacts = new ArtifactMeasurements { ModelBytes = trained.ModelZipBytes.LongLength },
            MaxParallelism = options.Parallelism,
        });
        var outcome = new EvaluationOutcome(predictions.Set.Count, metrics, gates);
        var model = GateReport.Section(outcome, request, spec.Name);
        model.With("trainer", spec.Trainer.Name).With("seed", spec.Seed.ToString(CultureInfo.InvariantCulture))
             .With("canonicalHash", trained.CanonicalHash);
        model.With(new Figure("trainRows", trained.TrainView.Rows.Count));
        // Training's warnings (and infos) belong to the model; the gates' diagnostics are on their own sections.
        model.Diagnostics.AddRange(training.Diagnostics);
        model.Diagnostics.AddRange(baselines.Diagnostics);
        model.Verdict = Verdicts.Worst(model.Verdict, Verdicts.Worst(training.Diagnostics.Select(Verdicts.Of)));
        report.Sections.Add(model);
        return new ModelTestOutcome
        {
            Pipeline = pipeline, Model = trained, Predictions = predictions, Metrics = metrics, Gates = gates, Baselines = baselines.Resolved,
            LeftToPublish = [.. publishGates.Select(PublishGateName)],
            Diagnostics = [.. training.Diagnostics, .. baselines.Diagnostics, .. gates.Diagnostics],
            Report = report,
        };
    }

    /// <summary>
    /// The files a model test read besides the pipeline file: every declared dataset's schema and data files (globs
    /// expanded), a model file made elsewhere, the gates' baseline metrics files and the registry's head file when a
    /// gate compares with a registry alias, full paths in a fixed order. The build keeps them as the inputs of its up-to-date check; a file that
    /// cannot be listed (a missing one) is left out, since the test already reported it.
    /// </summary>
    public static IReadOnlyList<string> InputFiles(PipelineFile pipeline) => InputFiles(pipeline, null);

    /// <summary>
    /// <see cref="InputFiles(PipelineFile)"/>, adding to <paramref name="warnings"/> an MLB4300 at its line and column for
    /// each <c>model.command.inputs</c> entry that matches no file: a typo there would otherwise silently stop the
    /// model from training again when its code changes.
    /// </summary>
    public static IReadOnlyList<string> InputFiles(PipelineFile pipeline, List<MlDiagnostic>? warnings)
    {
        var files = new List<string>();
        foreach (var d in pipeline.Datasets)
        {
            files.Add(Path.GetFullPath(d.Schema, pipeline.BaseDirectory));
            try
            {
                files.AddRange(Data.Validation.DatasetValidator.ResolveFiles(new Data.Validation.DatasetRequest(d.Name, d.Files, null!, pipeline.BaseDirectory))
                    .Select(f => f.FullPath));
            }
            catch (MlBuildException)
            {
                // A dataset whose files cannot be listed: the run reported it; the pipeline file stays an input.
            }
        }
        // A model file made elsewhere (model.path, model.onnx) is what is tested: a new file is a new model.
        if (pipeline.Model?.External is { Command: null, Path: { } model })
            files.Add(Path.GetFullPath(model, pipeline.BaseDirectory));
        // The user's training code, as the pipeline file lists it (model.command.inputs): a pattern that matches nothing
        // adds nothing but a warning (the project's own Compile items are inputs of the target already).
        if (pipeline.Model?.External?.Command is { Inputs.Count: > 0 } command)
        {
            var nodes = pipeline.Root?["model"]?["command"]?["inputs"]?.Items;
            for (int i = 0; i < command.Inputs.Count; i++)
            {
                var pattern = command.Inputs[i];
                try
                {
                    files.AddRange(Data.Validation.DatasetValidator.ResolveFiles(new Data.Validation.DatasetRequest("model.command.inputs", [pattern], null!, pipeline.BaseDirectory))
                        .Select(f => f.FullPath));
                }
                catch (MlBuildException)
                {
                    var at = nodes is not null && i < nodes.Count ? nodes[i] : null;
                    warnings?.Add(new MlDiagnostic(DiagnosticCodes.CommandInputMatchesNothing, MlSeverity.Warning,
                        $"model.command.inputs '{pattern}' {UnmatchedInput(pattern, pipeline.BaseDirectory)}, so a change of the training code it should list will not train the model again. Fix the pattern (relative to {pipeline.DisplayPath}'s folder) or remove it.",
                        pipeline.DisplayPath, at?.Line ?? 0, at?.Column ?? 0));
                }
            }
        }
        // Baselines: a metrics file is read as it is; an alias is read from the registry, whose head file
        // (head.json, rewritten after every event: register, promote, rollback) changes when an alias moves, so that
        // `dotnet ml promote` makes the next `dotnet test` decide the gates again. Listed whether or not it exists yet:
        // a missing input keeps the test running until the registry is there. A registry in Azure Blob storage
        // cannot be watched by the build (docs/testing.md).
        var references = pipeline.Gates.Gates.OfType<MetricGateSpec>().Select(g => g.Baseline).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        foreach (var reference in references)
        {
            var full = Path.GetFullPath(reference, pipeline.BaseDirectory);
            if (reference.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || File.Exists(full)) files.Add(full);
        }
        if (references.Any(r => !r.EndsWith(".json", StringComparison.OrdinalIgnoreCase)))
        {
            try
            {
                if (BaselineResolver.OpenRegistry(pipeline, new BaselineOptions()).Registry.Store is Registry.FolderStore folder)
                    files.Add(Path.Combine(folder.Root, "head.json"));
            }
            catch (MlBuildException)
            {
                // An unusable registry location: the gates reported it.
            }
        }
        return files.Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>Why an input pattern lists nothing: a glob with no match, a folder, or a name of no file.</summary>
    static string UnmatchedInput(string pattern, string baseDirectory)
    {
        if (pattern.IndexOfAny(['*', '?', '[']) >= 0) return "matches no file";
        var folder = pattern.TrimEnd('/', '\\');
        return Directory.Exists(Path.GetFullPath(pattern, baseDirectory))
            ? $"is a folder (list its files with a glob such as '{folder}/*.cs')"
            : "names no file";
    }

    /// <summary>The files <see cref="WriteOutputs"/> writes into its folder, by purpose.</summary>
    public static class FileNames
    {
        /// <summary>The JSON report.</summary>
        public const string Json = "model-test.json";
        /// <summary>JUnit XML.</summary>
        public const string JUnit = "model-test.junit.xml";
        /// <summary>The Visual Studio test results file.</summary>
        public const string Trx = "model-test.trx";
        /// <summary>The files the test read, one full path a line (the engine verb writes it for the build's up-to-date check).</summary>
        public const string Inputs = "model-test.inputs";
        /// <summary>The pull-request summary (Markdown): the candidate beside the serving model.</summary>
        public const string Summary = "model-test.summary.md";
    }

    /// <summary>
    /// Writes the model zip (<c>NAME.zip</c>) and its evidence folder (<c>NAME.evidence/</c>: training.json,
    /// metrics.json, schema.json, predictions.csv) when the model was trained, and always the reports
    /// (<see cref="FileNames"/>). Every file is written atomically; the same inputs give the same bytes.
    /// </summary>
    /// <returns>The files written, full paths, in a fixed order.</returns>
    public static IReadOnlyList<string> WriteOutputs(ModelTestOutcome outcome, string folder)
    {
        Directory.CreateDirectory(folder);
        var written = new List<string>();
        if (outcome.Model is { } trained)
        {
            var zip = Path.Combine(folder, trained.Spec.Name + ".zip");
            AtomicFile.WriteAllBytes(zip, trained.ModelZipBytes);
            var evidence = Path.Combine(folder, trained.Spec.Name + ".evidence");
            TrainingEvidence.Write(evidence, trained, trained.Spec.Name + ".zip", quick: true, outcome.Metrics, outcome.Predictions);
            if (outcome.Gates is { } gates && outcome.Predictions is { } predictions)
            {
                // The gate results beside the metrics, as `dotnet ml train --gate` keeps them: the summary and
                // `dotnet ml register --evidence` read them from there.
                TrainingEvidence.WriteGates(evidence, trained.Spec.Name + ".evidence", trained, predictions, outcome.Metrics, gates);
            }
            written.Add(zip);
            written.Add(evidence);
        }
        else
        {
            // Not trained this time: the last run's model and evidence are not this run's.
            var spec = outcome.Pipeline.Model;
            if (spec is not null && File.Exists(Path.Combine(folder, spec.Name + ".zip"))) File.Delete(Path.Combine(folder, spec.Name + ".zip"));
            if (spec is not null && Directory.Exists(Path.Combine(folder, spec.Name + ".evidence"))) Directory.Delete(Path.Combine(folder, spec.Name + ".evidence"), recursive: true);
        }
        foreach (var (name, bytes) in new[]
        {
            (FileNames.Json, ReportWriters.Json(outcome.Report)),
            (FileNames.JUnit, ReportWriters.JUnit(outcome.Report)),
            (FileNames.Trx, TrxWriter.Trx(outcome.Report)),
        })
        {
            var path = Path.Combine(folder, name);
            AtomicFile.WriteAllBytes(path, bytes);
            written.Add(path);
        }
        return written;
    }

    /// <summary>
    /// Writes the pull-request summary (<see cref="FileNames.Summary"/>) of an outcome whose outputs
    /// <see cref="WriteOutputs"/> wrote into <paramref name="folder"/>: the quick-trained candidate beside the serving
    /// model (the registry version holding the alias the gates compare with, when they name one), its metrics with
    /// intervals, the gates, slices, the drift reports given and the schema change (<see cref="PullRequestSummary"/>).
    /// A model that was not trained gets a summary that says why. A drift report or registry that cannot be read leaves
    /// its part out with a warning (returned), never failing the test.
    /// </summary>
    /// <returns>The summary file and the warnings.</returns>
    public static (string Path, IReadOnlyList<MlDiagnostic> Warnings) WriteSummary(ModelTestOutcome outcome, string folder,
        IReadOnlyList<(string Path, string Display)>? driftReports = null)
    {
        var warnings = new List<MlDiagnostic>();
        var path = Path.Combine(folder, FileNames.Summary);
        if (outcome.Model is not { } trained)
        {
            AtomicFile.WriteAllText(path, PullRequestSummary.NotTrained(outcome.Pipeline.Model?.Name ?? outcome.Pipeline.DisplayPath, outcome.Diagnostics));
            return (path, warnings);
        }
        var sources = new PullRequestSummarySources
        {
            EvidenceFolder = Path.Combine(folder, trained.Spec.Name + ".evidence"),
            EvidenceDisplay = trained.Spec.Name + ".evidence",
            Pipeline = outcome.Pipeline,
            WorkingDirectory = outcome.Pipeline.BaseDirectory,
        };
        PullRequestSummaryInput input;
        try
        {
            input = PullRequestSummary.Compose(sources);
        }
        catch (MlBuildException e)
        {
            // The registry could not be read for the serving model (the gates said so already): the candidate alone.
            warnings.Add(e.Diagnostic with { Severity = MlSeverity.Warning });
            input = PullRequestSummary.Compose(sources with { Pipeline = null });
        }
        var drift = new List<DriftSummary>();
        foreach (var (file, display) in driftReports ?? [])
        {
            try
            {
                drift.AddRange(DriftSummary.Read(file, display));
            }
            catch (MlBuildException e)
            {
                warnings.Add(e.Diagnostic with { Severity = MlSeverity.Warning });
            }
        }
        AtomicFile.WriteAllText(path, PullRequestSummary.Markdown(input with { Drift = drift }));
        return (path, warnings);
    }

    static bool IsPublishGate(GateSpec gate) => gate is RoundTripGateSpec or GoldenGateSpec or LatencyGateSpec or ReproducibilityGateSpec;

    static string PublishGateName(GateSpec gate) => gate.Name ?? gate switch
    {
        RoundTripGateSpec => "save/load round trip",
        GoldenGateSpec g => $"golden predictions {g.File}",
        LatencyGateSpec l => $"latency p{l.Percentile.ToString(CultureInfo.InvariantCulture)}",
        _ => "reproducibility",
    };
}
