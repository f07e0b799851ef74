using MlBuild.Core.Diagnostics;
using MlBuild.Core.Models.Baselines;
using MlBuild.Core.Models.Evaluation;
using MlBuild.Core.Models.Gates;
using MlBuild.Core.Models.Training;
using MlBuild.Core.Pipeline;
using MlBuild.Core.Registry;
using MlBuild.Core.Tests.Training;

namespace MlBuild.Core.Tests.Models;

/// <summary>
/// Gates against what is serving: real models trained here, registered in a real registry folder and promoted to
/// <c>prod</c>; the gate's baseline is resolved from the registry and compared by paired resampling of the
/// candidate's own test rows.
/// </summary>
public sealed class BaselineResolverTests : IDisposable
{
    readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    const string Strong = ", \"task\": \"binary\", \"label\": \"y_bin\", \"trainer\": \"lbfgs\"";   // L-BFGS on every feature: the serving model
    const string Weak = ", \"task\": \"binary\", \"label\": \"y_bin\", \"trainer\": \"lightgbm\", \"hyperparameters\": { \"numberOfIterations\": 1, \"numberOfLeaves\": 2 }";

    static string Pipeline(string model, string gates, string registry = "\"registry\": { \"store\": \"reg\" },") => $$"""
    {
      "datasets": { "train": { "path": "train.csv", "schema": "train.schema.json" } },
      "model": {
        "name": "churn",
        "features": { "allBut": ["y_bin", "y_num", "y_cls"] },
        "split": { "test": 0.3, "key": "id" }, "seed": 11 {{model}}
      },
      {{registry}}
      "gates": [ {{gates}} ]
    }
    """;

    const string DropGate = "{ \"metric\": \"auc\", \"maxDrop\": 0.01, \"baseline\": \"prod\" }";

    TrainedModel Train(string model, string gates = DropGate, string registry = "\"registry\": { \"store\": \"reg\" },")
    {
        TrainingData.WriteAll(_dir, 1500, Pipeline(model, gates, registry));
        var outcome = ModelTrainer.Train(LoadPipeline(), new TrainingOptions { ReadParallelism = 2 });
        Assert.True(outcome.Model is not null, TrainingData.Lines(outcome.Diagnostics));
        return outcome.Model!;
    }

    PipelineFile LoadPipeline() => PipelineLoader.Load(Path.Combine(_dir.Path, "mlbuild.json"), "mlbuild.json");

    ModelRegistry Registry() => new(new FolderStore(Path.Combine(_dir.Path, "reg")),
        new RegistryOptions { WorkingDirectory = _dir.Path, SkipGit = true, Environment = v => v == "MLBUILD_ACTOR" ? "ci" : null });

    /// <summary>Trains, writes the zip and evidence as `dotnet ml train` does, registers it and moves <paramref name="alias"/> to it.</summary>
    int RegisterServing(TrainedModel trained, string alias = "prod")
    {
        var zip = _dir.WriteBytes($"serving{trained.CanonicalHash[7..15]}.zip", trained.ModelZipBytes);
        var predictions = TestPredictions.Of(trained);
        var metrics = Evaluator.Evaluate(predictions.Set, new IntervalOptions { Resamples = 200 });
        var evidence = Path.Combine(_dir.Path, Path.GetFileNameWithoutExtension(zip) + ".evidence");
        TrainingEvidence.Write(evidence, trained, Path.GetFileName(zip), quick: false, metrics, predictions);
        var registry = Registry();
        var registered = registry.Register("churn", zip, evidence);
        registry.Promote("churn", registered.Version, alias);
        return registered.Version;
    }

    static GateRun Gate(PipelineFile pipeline, TrainedModel candidate, BaselineResolution baselines)
    {
        var predictions = TestPredictions.Of(candidate);
        return GateEvaluator.Evaluate(pipeline.Gates with { Defaults = pipeline.Gates.Defaults with { Resamples = 500 } }, new GateInputs
        {
            Predictions = predictions.Set, Columns = predictions.Columns, Baselines = baselines.Baselines, MaxParallelism = 2,
        });
    }

    [Fact]
    public void A_better_serving_model_fails_a_max_drop_gate_on_the_candidate_s_own_test_rows()
    {
        var version = RegisterServing(Train(Strong));
        var candidate = Train(Weak);
        var pipeline = LoadPipeline();

        var baselines = BaselineResolver.Resolve(pipeline, candidate);

        var resolved = Assert.Single(baselines.Resolved);
        Assert.Equal(BaselineComparison.Paired, resolved.Comparison);
        Assert.Equal(("churn", version, "reg"), (resolved.Model, resolved.Version, resolved.Registry));
        Assert.Equal("churn 1 (prod)", resolved.Source);
        Assert.Empty(baselines.Diagnostics);
        // The serving model scored exactly the candidate's test rows: same labels, in the same order.
        Assert.Equal(TestPredictions.Of(candidate).Set.Labels, resolved.Predictions!.Set.Labels);

        var run = Gate(pipeline, candidate, baselines);
        var result = Assert.Single(run.Results);
        Assert.Equal(Verdict.Fail, result.Verdict);
        Assert.Equal(DiagnosticCodes.GateRegression.Code, result.Diagnostic!.Code);
        Assert.Equal("churn 1 (prod)", result.BaselineSource);
        Assert.Equal(IntervalMethod.BootstrapPercentile, result.Method);
        // The difference is the candidate's AUC minus the serving model's on the same rows, well below -0.01.
        Assert.True(result.High < -0.01, result.ToLine());
        Assert.Contains(", baseline ", result.ToLine());
        Assert.Contains("(churn 1 (prod))", result.ToLine());
        Assert.Equal(("mlbuild.json", 9), (result.Diagnostic.File, result.Diagnostic.Line)); // at the gate
    }

    [Fact]
    public void An_equal_model_passes_with_a_difference_of_exactly_zero()
    {
        RegisterServing(Train(Strong));
        var candidate = Train(Strong);   // the same pipeline and seed: the same model
        var pipeline = LoadPipeline();

        var run = Gate(pipeline, candidate, BaselineResolver.Resolve(pipeline, candidate));

        var result = Assert.Single(run.Results);
        Assert.Equal(Verdict.Pass, result.Verdict);
        Assert.Equal((0.0, 0.0, 0.0), (result.Value, result.Low, result.High));
        Assert.Equal("churn 1 (prod)", result.BaselineSource);
    }

    [Theory]
    [InlineData("multiclass", "y_cls", "lightgbm", "accuracy")]
    [InlineData("regression", "y_num", "fasttree", "rmse")]
    public void Every_task_s_serving_model_loads_from_the_registry_and_scores_the_same_rows(string task, string label, string trainer, string metric)
    {
        var model = $", \"trainer\": \"{trainer}\", \"task\": \"{task}\", \"label\": \"{label}\"";
        var gate = $"{{ \"metric\": \"{metric}\", \"maxDrop\": 0.01, \"baseline\": \"prod\" }}";
        RegisterServing(Train(model, gate));
        var candidate = Train(model, gate);
        var pipeline = LoadPipeline();

        var baselines = BaselineResolver.Resolve(pipeline, candidate);

        Assert.Equal(BaselineComparison.Paired, Assert.Single(baselines.Resolved).Comparison);
        var result = Assert.Single(Gate(pipeline, candidate, baselines).Results);
        Assert.Equal(Verdict.Pass, result.Verdict);
        Assert.Equal(0.0, result.Value);
        Assert.Equal(TestPredictions.Of(candidate).Set.Predicted, baselines.Resolved[0].Predictions!.Set.Predicted);
    }

    [Theory]
    [InlineData("fail", Verdict.Fail)]
    [InlineData("warn", Verdict.Warn)]
    [InlineData("skip", Verdict.Skipped)]
    public void A_missing_alias_follows_the_missing_baseline_policy_and_says_what_is_missing_where(string policy, Verdict expected)
    {
        RegisterServing(Train(Strong), alias: "staging");
        var candidate = Train(Strong, $"{{ \"metric\": \"auc\", \"maxDrop\": 0.01, \"baseline\": \"prod\", \"missingBaseline\": \"{policy}\" }}");
        var pipeline = LoadPipeline();

        var baselines = BaselineResolver.Resolve(pipeline, candidate);
        Assert.Equal(BaselineComparison.Missing, Assert.Single(baselines.Resolved).Comparison);

        var result = Assert.Single(Gate(pipeline, candidate, baselines).Results);
        Assert.Equal(expected, result.Verdict);
        Assert.Equal(DiagnosticCodes.GateBaselineMissing.Code, result.Diagnostic!.Code);
        Assert.Contains("no version of 'churn' holds the alias 'prod' in registry 'reg' (aliases held: staging)", result.Diagnostic.Message);
        Assert.Contains($"(missing-baseline policy: {policy})", result.Diagnostic.Message);
        Assert.Equal("mlbuild.json", result.Diagnostic.File);
    }

    [Fact]
    public void A_missing_registry_is_a_missing_baseline_not_a_crash()
    {
        var candidate = Train(Strong, registry: "\"registry\": { \"store\": \"nowhere\" },");
        var pipeline = LoadPipeline();

        var result = Assert.Single(Gate(pipeline, candidate, BaselineResolver.Resolve(pipeline, candidate)).Results);

        Assert.Equal(Verdict.Fail, result.Verdict); // the default policy
        Assert.Contains("there is no registry at 'nowhere'", result.Diagnostic!.Message);
        Assert.False(Directory.Exists(Path.Combine(_dir.Path, "nowhere"))); // looking does not create one
    }

    [Fact]
    public void A_serving_model_that_reads_a_column_the_candidate_dropped_is_compared_unpaired_by_its_registered_metrics()
    {
        RegisterServing(Train(Strong));
        var served = Registry().Resolve(new ModelReference("churn", null, "prod")).Registered.Metrics!["auc"].Value;
        var candidate = Train(Strong + ", \"featurization\": { \"columns\": { \"x1\": \"ignore\" } }");
        var pipeline = LoadPipeline();

        var baselines = BaselineResolver.Resolve(pipeline, candidate);

        var resolved = Assert.Single(baselines.Resolved);
        Assert.Equal(BaselineComparison.Unpaired, resolved.Comparison);
        var warning = Assert.Single(baselines.Diagnostics);
        Assert.Equal(DiagnosticCodes.BaselineUnpaired.Code, warning.Code);
        Assert.Equal(MlSeverity.Warning, warning.Severity);
        Assert.Contains("its model reads column 'x1', which the candidate's test rows do not have", warning.Message);
        var result = Assert.Single(Gate(pipeline, candidate, baselines).Results);
        Assert.Equal(served, result.Baseline);          // the registered AUC, not a re-scoring
        Assert.Equal(served - 0.01, result.Threshold, 12); // the candidate's own interval against baseline - maxDrop
        Assert.Equal("churn 1 (prod)", result.BaselineSource);
    }

    [Fact]
    public void Without_a_candidate_model_the_registered_metrics_are_the_baseline()
    {
        RegisterServing(Train(Strong));
        var baselines = BaselineResolver.Resolve(LoadPipeline(), candidate: null);
        var resolved = Assert.Single(baselines.Resolved);
        Assert.Equal(BaselineComparison.Unpaired, resolved.Comparison);
        Assert.True(baselines.Baselines["prod"].Metrics!["auc"] > 0.8);
        Assert.Null(baselines.Baselines["prod"].Predictions);
    }
}
