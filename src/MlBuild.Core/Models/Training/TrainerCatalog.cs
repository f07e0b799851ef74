using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Trainers;
using Microsoft.ML.Trainers.FastTree;
using Microsoft.ML.Trainers.LightGbm;
using MlBuild.Core.Diagnostics;
using MlBuild.Core.Models.Evaluation;
using MlBuild.Core.Pipeline;

namespace MlBuild.Core.Models.Training;

/// <summary>
/// The trainers a pipeline file may name, with their hyperparameters. Every trainer runs single-threaded with the
/// model's seed, so one seed gives one model whatever the machine's core count.
/// </summary>
public static class TrainerCatalog
{
    static readonly Dictionary<string, string[]> HyperparametersByTrainer = new(StringComparer.Ordinal)
    {
        ["lbfgs"] = ["l1Regularization", "l2Regularization", "optimizationTolerance", "historySize", "maximumNumberOfIterations"],
        ["sdca"] = ["l1Regularization", "l2Regularization", "maximumNumberOfIterations", "convergenceTolerance"],
        ["lightgbm"] = ["numberOfIterations", "numberOfLeaves", "learningRate", "minimumExampleCountPerLeaf"],
        ["fasttree"] = ["numberOfTrees", "numberOfLeaves", "learningRate", "minimumExampleCountPerLeaf"],
    };

    /// <summary>The hyperparameter names a trainer takes (empty for an unknown trainer).</summary>
    public static IReadOnlyList<string> Hyperparameters(string trainer) =>
        HyperparametersByTrainer.TryGetValue(trainer, out var names) ? names : [];

    /// <summary>Whether the trainer fits a linear model (whose features want rescaling).</summary>
    public static bool IsLinear(string trainer) => trainer is "lbfgs" or "sdca";

    /// <summary>The ML.NET class a trainer name stands for, per task (recorded in the evidence).</summary>
    public static string MlNetTrainer(ModelTask task, string trainer) => (task, trainer) switch
    {
        (ModelTask.Binary, "lbfgs") => "LbfgsLogisticRegression",
        (ModelTask.Binary, "sdca") => "SdcaLogisticRegression",
        (ModelTask.Multiclass, "lbfgs") => "LbfgsMaximumEntropy",
        (ModelTask.Regression, "sdca") => "Sdca",
        (_, "lightgbm") => "LightGbm",
        (_, "fasttree") => "FastTree",
        _ => trainer,
    };

    /// <summary>What every trainer's options get: the columns and the hyperparameters (<see cref="Apply{T}"/>), and the seed.</summary>
    sealed record TrainerInputs(TrainerSpec Spec, int Seed, string Label, string Features)
    {
        public T Options<T>(T options) where T : TrainerInputBaseWithLabel
        {
            options.LabelColumnName = Label;
            options.FeatureColumnName = Features;
            return Apply(options, Spec);
        }
    }

    /// <summary>Per task and trainer, its estimator: one thread, and the seed where the trainer takes one.</summary>
    static readonly Dictionary<(ModelTask, string), Func<MLContext, TrainerInputs, IEstimator<ITransformer>>> Trainers = new()
    {
        [(ModelTask.Binary, "lbfgs")] = (ml, i) => ml.BinaryClassification.Trainers.LbfgsLogisticRegression(i.Options(new LbfgsLogisticRegressionBinaryTrainer.Options { NumberOfThreads = 1 })),
        [(ModelTask.Binary, "sdca")] = (ml, i) => ml.BinaryClassification.Trainers.SdcaLogisticRegression(i.Options(new SdcaLogisticRegressionBinaryTrainer.Options { NumberOfThreads = 1 })),
        [(ModelTask.Binary, "lightgbm")] = (ml, i) => ml.BinaryClassification.Trainers.LightGbm(i.Options(new LightGbmBinaryTrainer.Options { NumberOfThreads = 1, Seed = i.Seed })),
        [(ModelTask.Binary, "fasttree")] = (ml, i) => ml.BinaryClassification.Trainers.FastTree(i.Options(new FastTreeBinaryTrainer.Options { NumberOfThreads = 1, Seed = i.Seed })),
        [(ModelTask.Multiclass, "lbfgs")] = (ml, i) => ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(i.Options(new LbfgsMaximumEntropyMulticlassTrainer.Options { NumberOfThreads = 1 })),
        [(ModelTask.Multiclass, "lightgbm")] = (ml, i) => ml.MulticlassClassification.Trainers.LightGbm(i.Options(new LightGbmMulticlassTrainer.Options { NumberOfThreads = 1, Seed = i.Seed })),
        [(ModelTask.Regression, "sdca")] = (ml, i) => ml.Regression.Trainers.Sdca(i.Options(new SdcaRegressionTrainer.Options { NumberOfThreads = 1 })),
        [(ModelTask.Regression, "lightgbm")] = (ml, i) => ml.Regression.Trainers.LightGbm(i.Options(new LightGbmRegressionTrainer.Options { NumberOfThreads = 1, Seed = i.Seed })),
        [(ModelTask.Regression, "fasttree")] = (ml, i) => ml.Regression.Trainers.FastTree(i.Options(new FastTreeRegressionTrainer.Options { NumberOfThreads = 1, Seed = i.Seed })),
    };

    /// <summary>The estimator for a trainer, with its hyperparameters applied, single-threaded and seeded.</summary>
    public static IEstimator<ITransformer> Create(MLContext ml, ModelTask task, TrainerSpec spec, int seed, string label, string features)
    {
        if (Trainers.TryGetValue((task, spec.Name), out var create)) return create(ml, new TrainerInputs(spec, seed, label, features));
        var pos = spec.Position;
        throw new MlBuildException(new MlDiagnostic(DiagnosticCodes.PipelineUnknownTrainer, MlSeverity.Error,
            $"Trainer '{spec.Name}' does not train {task.ToString().ToLowerInvariant()} models; use one of {string.Join(", ", PipelineLoader.TrainersByTask[task])}.",
            pos.File, pos.Line, pos.Column));
    }

    /// <summary>
    /// Fits the model with MlBuild's own trainer where one applies (binary <c>lbfgs</c> without an L1 term, numeric
    /// features: <see cref="LogisticRegressionFit"/>), featurisation included; null when ML.NET's estimator
    /// (<see cref="Create"/>) must fit it.
    /// </summary>
    public static ITransformer? FitDirect(MLContext ml, ModelSpec spec, IReadOnlyList<FeatureColumnPlan> features, Normalization normalization,
        TableDataView trainView, string numericColumn, string featuresColumn)
    {
        if (!LogisticRegressionFit.Applies(spec, features)) return null;
        // The same checks of the values as ML.NET's options get (a coded diagnostic at the hyperparameter).
        Apply(new LbfgsLogisticRegressionBinaryTrainer.Options(), spec.Trainer);
        return LogisticRegressionFit.Fit(ml, trainView, features.Select(f => f.Column).ToList(), spec.Label, spec.Featurization.Missing,
            normalization, LbfgsSettings.From(spec.Trainer)!, numericColumn, featuresColumn);
    }

    /// <summary>Sets each hyperparameter on the options object (ML.NET's options are public fields, some nullable).</summary>
    static T Apply<T>(T options, TrainerSpec spec) where T : class
    {
        foreach (var h in spec.Hyperparameters)
        {
            var member = char.ToUpperInvariant(h.Name[0]) + h.Name[1..];
            var field = typeof(T).GetField(member, BindingFlags.Public | BindingFlags.Instance);
            var prop = field is null ? typeof(T).GetProperty(member, BindingFlags.Public | BindingFlags.Instance) : null;
            var type = field?.FieldType ?? prop?.PropertyType
                ?? throw new InvalidOperationException($"{typeof(T).Name} has no member {member}");
            var target = Nullable.GetUnderlyingType(type) ?? type;
            object value;
            if (target == typeof(int))
            {
                if (h.Value != Math.Floor(h.Value) || h.Value < 1 || h.Value > int.MaxValue)
                    throw Bad(h, "a whole number of at least 1");
                value = (int)h.Value;
            }
            else if (target == typeof(float) || target == typeof(double))
            {
                if (!(h.Value >= 0) || double.IsInfinity(h.Value)) throw Bad(h, "a number of at least 0");
                if (h.Name is "learningRate" && h.Value == 0) throw Bad(h, "greater than 0");
                value = target == typeof(float) ? (object)(float)h.Value : h.Value; // boxed as the field's type (a bare ?: would box a double)
            }
            else throw new InvalidOperationException($"{typeof(T).Name}.{member} has unsupported type {type}");
            if (field is not null) field.SetValue(options, value);
            else prop!.SetValue(options, value);
        }
        return options;
    }

    static MlBuildException Bad(Hyperparameter h, string what) =>
        new(new MlDiagnostic(DiagnosticCodes.PipelineUnknownTrainer, MlSeverity.Error, $"Hyperparameter '{h.Name}' must be {what}, not {h.Value}.",
            h.Position.File, h.Position.Line, h.Position.Column));
}
