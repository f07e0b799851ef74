using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.ML;
using Microsoft.ML.Trainers;
using MlBuild.Core.Data.Validation;
using MlBuild.Core.Data.Schema;
using MlBuild.Core.Models.Evaluation;
using MlBuild.Core.Models.Gates;
using MlBuild.Core.Models.Training;
using MlBuild.Core.Pipeline;

namespace MlBuild.Benchmarks;

/// <summary>
/// peer-bench <c>--task train</c>: the peers' logistic regression (spec.json "train": features, label, test rule
/// <c>id % 5 == 0</c>, standardised, L-BFGS) on MlBuild's path: the readers into a <see cref="TrainingTable"/>, the
/// <see cref="TableDataView"/>, the L-BFGS fit <c>dotnet ml train</c> runs (<see cref="TrainerCatalog.FitDirect"/>), AUC of the test rows.
/// </summary>
public static class PeerBenchTrain
{
    // A/B knobs for measurements: MLBUILD_BENCH_MLNET=1 trains with ML.NET's own L-BFGS pipeline instead of the
    // product's path (TrainerCatalog.FitDirect); for that pipeline MLBUILD_BENCH_CACHE=0 trains without a cache checkpoint, MLBUILD_BENCH_TOLERANCE sets
    // L-BFGS's optimisation tolerance (ML.NET's default 1e-7; scikit-learn's 1e-4), MLBUILD_BENCH_ITERATIONS its
    // iteration cap, MLBUILD_BENCH_THREADS its threads (default 1, as dotnet ml train).
    static readonly bool Cache = Environment.GetEnvironmentVariable("MLBUILD_BENCH_CACHE") != "0";
    static readonly double? Tolerance = double.TryParse(Environment.GetEnvironmentVariable("MLBUILD_BENCH_TOLERANCE"), NumberStyles.Float, CultureInfo.InvariantCulture, out var t) ? t : null;
    static readonly int? Iterations = int.TryParse(Environment.GetEnvironmentVariable("MLBUILD_BENCH_ITERATIONS"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i : null;
    static readonly bool MlNet = Environment.GetEnvironmentVariable("MLBUILD_BENCH_MLNET") == "1";
    static readonly SourcePosition Here = new("peer-bench");

    public static void Run(JsonObject line, JsonNode spec, string file, int repeat, int threads)
    {
        var train = spec["train"]!;
        var features = train["features"]!.AsArray().Select(f => (string)f!).ToArray();
        var label = (string)train["label"]!;
        if ((string?)train["test_rule"] is { } rule && rule != "id % 5 == 0")
            throw new NotSupportedException($"test rule '{rule}'");
        var request = new DatasetRequest("bench", [Path.GetFullPath(file)], PeerBench.SchemaFromSpec(spec), Directory.GetCurrentDirectory());
        var runs = new List<double>();
        var load = new List<double>();
        var fit = new List<double>();
        var score = new List<double>();
        double auc = 0;
        int nTrain = 0, nTest = 0;
        long rows = 0;
        for (int r = 0; r < repeat; r++)
        {
            var sw = Stopwatch.StartNew();
            var table = TrainingTable.Load(request, ["id", .. features, label], null, new ValidationOptions { MaxParallelism = threads });
            rows = table.RowCount;
            // The peers drop rows with a missing feature or label; the test rule is on the id.
            var id = table["id"];
            var usable = Enumerable.Range(0, table.RowCount).Where(i => features.Append(label).All(f => !double.IsNaN(table[f].Number(i)))).ToArray();
            var testRows = usable.Where(i => (long)id.Number(i) % 5 == 0).ToArray();
            var trainRows = usable.Where(i => (long)id.Number(i) % 5 != 0).ToArray();
            var columns = features.Select(f => new ViewColumn(f, ViewColumnKind.Single, table[f]))
                .Append(new ViewColumn(label, ViewColumnKind.Boolean, table[label], (c, i) => c.Number(i) == 1)).ToList();
            double t1 = sw.Elapsed.TotalSeconds;
            var ml = new MLContext(seed: 42);
            var trainView = new TableDataView(columns, trainRows);
            // The product's path (as dotnet ml train): TrainerCatalog.FitDirect, MlBuild's own L-BFGS fit, unless
            // MLBUILD_BENCH_MLNET=1 asks for ML.NET's pipeline (the A/B baseline).
            var hyper = new List<Hyperparameter> { new("l1Regularization", 0, Here) };
            if (Tolerance is { } tol) hyper.Add(new("optimizationTolerance", tol, Here));
            if (Iterations is { } its) hyper.Add(new("maximumNumberOfIterations", its, Here));
            var modelSpec = new ModelSpec { Name = "bench", Task = ModelTask.Binary, Label = label, Trainer = new TrainerSpec("lbfgs", hyper, Here) };
            var plans = features.Select(f => new FeatureColumnPlan(f, ColumnType.Float, FeatureHandling.Numeric)).ToList();
            ITransformer? model = MlNet ? null : TrainerCatalog.FitDirect(ml, modelSpec, plans, Normalization.MeanVariance, trainView, "__numeric", "Features");
            if (model is null)
            {
                IEstimator<ITransformer> featurize = ml.Transforms.Concatenate("Features", features)
                    .Append(ml.Transforms.NormalizeMeanVariance("Features"));
                if (Cache) featurize = featurize.AppendCacheCheckpoint(ml);
                var options = new LbfgsLogisticRegressionBinaryTrainer.Options { LabelColumnName = label, FeatureColumnName = "Features", NumberOfThreads = 1 };
                if (Tolerance is { } t0) options.OptimizationTolerance = (float)t0;
                // The spec's model is scikit-learn's: an L2 penalty only (ML.NET's default adds an L1 term).
                options.L1Regularization = 0;
                if (Iterations is { } it) options.MaximumNumberOfIterations = it;
                if (Environment.GetEnvironmentVariable("MLBUILD_BENCH_THREADS") is { } th) options.NumberOfThreads = int.Parse(th, System.Globalization.CultureInfo.InvariantCulture);
                model = featurize.Append(ml.BinaryClassification.Trainers.LbfgsLogisticRegression(options)).Fit(trainView);
            }
            double t2 = sw.Elapsed.TotalSeconds;
            var scored = model.Transform(new TableDataView(columns, testRows));
            // The model's scores of the test rows (ML.NET's transform, as TestPredictions reads them), then a tie-aware
            // AUC by one sort (scikit-learn's phase: predict_proba + roc_auc_score).
            var scoreColumn = scored.Schema["Score"];
            var scores = new float[testRows.Length];
            using (var cursor = scored.GetRowCursor([scoreColumn]))
            {
                var getter = cursor.GetGetter<float>(scoreColumn);
                for (int k = 0; cursor.MoveNext(); k++) getter(ref scores[k]);
            }
            var labels = testRows.Select(i => table[label].Number(i) == 1).ToArray();
            auc = Auc(scores, labels);
            double t3 = sw.Elapsed.TotalSeconds;
            runs.Add(t3); load.Add(t1); fit.Add(t2 - t1); score.Add(t3 - t2);
            (nTrain, nTest) = (trainRows.Length, testRows.Length);
        }
        static double Auc(float[] scores, bool[] labels)
        {
            var order = Enumerable.Range(0, scores.Length).ToArray();
            Array.Sort((float[])scores.Clone(), order);
            double rankSumPositive = 0;
            long positives = 0;
            for (int i = 0; i < order.Length;)
            {
                int j = i;
                while (j < order.Length && scores[order[j]] == scores[order[i]]) j++;
                double rank = (i + 1 + j) / 2.0; // mean rank of the tie group (1-based)
                for (int k = i; k < j; k++)
                    if (labels[order[k]]) { rankSumPositive += rank; positives++; }
                i = j;
            }
            long negatives = order.Length - positives;
            return (rankSumPositive - positives * (positives + 1) / 2.0) / ((double)positives * negatives);
        }
        static JsonObject Phase(List<double> xs)
        {
            var s = xs.Order().ToList();
            return new JsonObject { ["min_s"] = Math.Round(s[0], 4), ["median_s"] = Math.Round(s[s.Count / 2], 4) };
        }
        var sorted = runs.Order().ToList();
        line["rows"] = rows;
        line["min_s"] = Math.Round(sorted[0], 4);
        line["median_s"] = Math.Round(sorted[sorted.Count / 2], 4);
        line["runs"] = new JsonArray(runs.Select(x => (JsonNode)Math.Round(x, 4)).ToArray());
        line["phases"] = new JsonObject { ["load"] = Phase(load), ["fit"] = Phase(fit), ["score"] = Phase(score) };
        line["notes"] = $"in-process; load = MlBuild's reader (validating) into a TrainingTable; {(MlNet ? $"ML.NET's L-BFGS logistic regression pipeline, one thread, {(Cache ? "cache checkpoint" : "no cache")}" : "MlBuild's L-BFGS fit (TrainerCatalog.FitDirect, as dotnet ml train) into a standard ML.NET model, one thread")}, tolerance {(Tolerance?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "1e-7 (default)")}, L2 1 and no L1; runs are load + fit + score";
        line["summary"] = new JsonObject
        {
            ["auc"] = Math.Round(auc, 4, MidpointRounding.AwayFromZero),
            ["n_train"] = nTrain,
            ["n_test"] = nTest,
        };
    }
}
