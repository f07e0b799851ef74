using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.ML;
using Microsoft.ML.Trainers;
using MlBuild.Core.Data.Validation;
using MlBuild.Core.Models.Training;

namespace MlBuild.Benchmarks;

/// <summary>
/// peer-bench <c>--task train</c>: the peers' logistic regression (spec.json "train": features, label, test rule
/// <c>id % 5 == 0</c>, standardised, L-BFGS) on MlBuild's path: the readers into a <see cref="TrainingTable"/>, the
/// <see cref="TableDataView"/>, ML.NET's L-BFGS on one thread (as <c>dotnet ml train</c> runs it), AUC of the test rows.
/// </summary>
public static class PeerBenchTrain
{
    // A/B knobs for measurements: MLBUILD_BENCH_CACHE=0 trains without a cache checkpoint, MLBUILD_BENCH_TOLERANCE sets
    // L-BFGS's optimisation tolerance (ML.NET's default 1e-7; scikit-learn's 1e-4), MLBUILD_BENCH_ITERATIONS its
    // iteration cap, MLBUILD_BENCH_THREADS its threads (default 1, as dotnet ml train).
    static readonly bool Cache = Environment.GetEnvironmentVariable("MLBUILD_BENCH_CACHE") != "0";
    static readonly float? Tolerance = float.TryParse(Environment.GetEnvironmentVariable("MLBUILD_BENCH_TOLERANCE"), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var t) ? t : null;

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
            IEstimator<ITransformer> featurize = ml.Transforms.Concatenate("Features", features)
                .Append(ml.Transforms.NormalizeMeanVariance("Features"));
            if (Cache) featurize = featurize.AppendCacheCheckpoint(ml);
            var options = new LbfgsLogisticRegressionBinaryTrainer.Options { LabelColumnName = label, FeatureColumnName = "Features", NumberOfThreads = 1 };
            if (Tolerance is { } tol) options.OptimizationTolerance = tol;
            // The spec's model is scikit-learn's: an L2 penalty only (ML.NET's default adds an L1 term).
            options.L1Regularization = 0;
            if (Environment.GetEnvironmentVariable("MLBUILD_BENCH_ITERATIONS") is { } it) options.MaximumNumberOfIterations = int.Parse(it, System.Globalization.CultureInfo.InvariantCulture);
            if (Environment.GetEnvironmentVariable("MLBUILD_BENCH_THREADS") is { } th) options.NumberOfThreads = int.Parse(th, System.Globalization.CultureInfo.InvariantCulture);
            var pipeline = featurize.Append(ml.BinaryClassification.Trainers.LbfgsLogisticRegression(options));
            var model = pipeline.Fit(new TableDataView(columns, trainRows));
            double t2 = sw.Elapsed.TotalSeconds;
            var scored = model.Transform(new TableDataView(columns, testRows));
            auc = ml.BinaryClassification.EvaluateNonCalibrated(scored, label).AreaUnderRocCurve;
            double t3 = sw.Elapsed.TotalSeconds;
            runs.Add(t3); load.Add(t1); fit.Add(t2 - t1); score.Add(t3 - t2);
            (nTrain, nTest) = (trainRows.Length, testRows.Length);
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
        line["notes"] = $"in-process; load = MlBuild's reader (validating) into a TrainingTable; ML.NET L-BFGS logistic regression, one thread, {(Cache ? "cache checkpoint" : "no cache")}, tolerance {(Tolerance?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "1e-7 (default)")}, L2 1 and no L1; runs are load + fit + score";
        line["summary"] = new JsonObject
        {
            ["auc"] = Math.Round(auc, 4, MidpointRounding.AwayFromZero),
            ["n_train"] = nTrain,
            ["n_test"] = nTest,
        };
    }
}
