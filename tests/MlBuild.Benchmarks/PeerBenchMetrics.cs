using System.Diagnostics;
using System.Text.Json.Nodes;
using MlBuild.Core.Models.Evaluation;

namespace MlBuild.Benchmarks;

/// <summary>
/// peer-bench <c>--task metrics</c>: the peers' metrics (spec.json "metrics": score and label columns, threshold) on
/// MlBuild's path, as <c>dotnet ml evaluate</c> runs it: the predictions file read by <see cref="PredictionsFile"/>, a
/// <see cref="PredictionSet"/> (cells grouped by score), exact tie-aware AUC, accuracy and F1. The peers predict
/// positive at score &gt;= threshold (MlBuild's own default is ML.NET's score &gt; threshold), so this task passes
/// predictions made by the peers' rule: the figures are then the same as theirs.
/// </summary>
public static class PeerBenchMetrics
{
    public static void Run(JsonObject line, JsonNode spec, string file, int repeat)
    {
        var m = spec["metrics"];
        string scoreName = (string?)m?["score"] ?? "score", labelName = (string?)m?["label"] ?? "label";
        double threshold = (double?)m?["threshold"] ?? 0.5;
        var runs = new List<double>();
        // Phase ends per run: read (tokenised), parsed (labels and scores), set (cells), metrics.
        var phases = new Dictionary<string, List<double>> { ["read"] = [], ["parse"] = [], ["set"] = [], ["metrics"] = [] };
        (double Auc, double Accuracy, double F1, int N, int Positives) r = default;
        for (int i = 0; i < repeat; i++)
        {
            var sw = Stopwatch.StartNew();
            var predictions = PredictionsFile.Read(Path.GetFullPath(file), Path.GetFileName(file));
            double read = sw.Elapsed.TotalSeconds;
            var labels = predictions.Booleans(labelName);
            var scores = predictions.Numbers(scoreName);
            double parsed = sw.Elapsed.TotalSeconds;
            var predicted = new bool[scores.Length];
            for (int k = 0; k < scores.Length; k++) predicted[k] = scores[k] >= threshold;
            var set = PredictionSet.Binary(labels, scores, threshold, predicted);
            double cells = sw.Elapsed.TotalSeconds;
            var confusion = BinaryMetrics.Confusion(set, null);
            r = (BinaryMetrics.Auc(set, set.UnitCounts), confusion.Accuracy, confusion.F1, set.Count, (int)(confusion.Tp + confusion.Fn));
            runs.Add(sw.Elapsed.TotalSeconds);
            phases["read"].Add(read);
            phases["parse"].Add(parsed - read);
            phases["set"].Add(cells - parsed);
            phases["metrics"].Add(sw.Elapsed.TotalSeconds - cells);
        }
        var sorted = runs.Order().ToList();
        line["rows"] = r.N;
        line["min_s"] = Math.Round(sorted[0], 4);
        line["median_s"] = Math.Round(sorted[sorted.Count / 2], 4);
        line["runs"] = new JsonArray(runs.Select(x => (JsonNode)Math.Round(x, 4)).ToArray());
        var phaseLine = new JsonObject();
        foreach (var (name, times) in phases)
        {
            var t = times.Order().ToList();
            phaseLine[name] = new JsonObject { ["min_s"] = Math.Round(t[0], 4), ["median_s"] = Math.Round(t[t.Count / 2], 4) };
        }
        line["phases"] = phaseLine;
        line["notes"] = "in-process; runs are read (PredictionsFile: the validator's tokeniser and UTF-8 number parser, in parallel chunks) + cells (PredictionSet.Binary) + AUC/accuracy/F1; the bootstrap's per-row cell map is made when intervals ask for it, not here; predicted = score >= threshold as the peers";
        line["summary"] = new JsonObject
        {
            ["n"] = r.N,
            ["positives"] = r.Positives,
            ["auc"] = Math.Round(r.Auc, 6, MidpointRounding.AwayFromZero),
            ["accuracy"] = Math.Round(r.Accuracy, 6, MidpointRounding.AwayFromZero),
            ["f1"] = Math.Round(r.F1, 6, MidpointRounding.AwayFromZero),
        };
    }
}
