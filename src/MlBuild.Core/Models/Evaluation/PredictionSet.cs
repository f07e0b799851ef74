using MlBuild.Core.Diagnostics;

namespace MlBuild.Core.Models.Evaluation;

/// <summary>The kind of model being evaluated.</summary>
public enum ModelTask
{
    /// <summary>Two classes; a score per row (a probability, or a raw margin with threshold 0).</summary>
    Binary,
    /// <summary>Several classes; a probability per class per row and/or a predicted class.</summary>
    Multiclass,
    /// <summary>A real-valued prediction per row.</summary>
    Regression,
}

/// <summary>
/// What a model predicted on a test set, with the true labels: the only input of evaluation and gates, so ML.NET,
/// ONNX and bring-your-own models are judged alike. Immutable; per-row quantities the metrics need are computed once.
/// </summary>
public sealed class PredictionSet
{
    /// <summary>Clip for log-loss, as scikit-learn's default (<c>eps="auto"</c>: the float64 machine epsilon).</summary>
    public const double LogLossEpsilon = 2.220446049250313e-16;

    /// <summary>The task.</summary>
    public ModelTask Task { get; }
    /// <summary>Row count.</summary>
    public int Count { get; }
    /// <summary>Binary: 0 or 1; multiclass: class index; regression: the value.</summary>
    public double[] Labels { get; }
    /// <summary>Binary: the score; regression: the prediction; multiclass: null.</summary>
    public double[]? Scores { get; }
    /// <summary>Multiclass: row-major probabilities (<see cref="Count"/> x <see cref="ClassCount"/>), or null.</summary>
    public double[]? Probabilities { get; }
    /// <summary>Binary: 0/1 predicted label; multiclass: predicted class index; regression: null.</summary>
    public int[]? Predicted { get; }
    /// <summary>Multiclass: number of classes; binary: 2; regression: 0.</summary>
    public int ClassCount { get; }
    /// <summary>Multiclass: class names by index (default "0", "1", ...), for per-class metrics.</summary>
    public IReadOnlyList<string> ClassNames { get; private init; } = [];
    /// <summary>Binary: a score above this is a positive prediction (0.5 for probabilities, 0 for margins).</summary>
    public double Threshold { get; }
    /// <summary>Binary: true when every score is a probability in [0, 1], so log-loss and Brier are defined.</summary>
    public bool ScoresAreProbabilities { get; }

    // Resampling units. A binary model's metrics depend on a row only through its (score, label, predicted) cell, so
    // rows are folded into cells ordered by descending score: a bootstrap replicate then draws rows as usual but counts
    // them per cell, and every metric is one pass over the cells (a few thousand for 3-decimal scores) instead of over
    // a million rows in score order (random memory access). Other tasks keep one unit per row.

    /// <summary>Number of resampling units (binary: cells; otherwise rows).</summary>
    internal int Units { get; }
    /// <summary>The unit of each row, or null when units are rows.</summary>
    internal int[]? UnitOfRow { get; }
    /// <summary>Rows per unit: the weights of the point estimate.</summary>
    internal int[] UnitCounts { get; }
    /// <summary>Binary cells: score (descending), label, predicted label.</summary>
    internal double[]? CellScore { get; }
    internal byte[]? CellLabel { get; }
    internal byte[]? CellPredicted { get; }
    /// <summary>Log-loss per unit (binary cell with probabilities; multiclass row with probabilities), or null.</summary>
    internal double[]? UnitLogLoss { get; }

    PredictionSet(ModelTask task, double[] labels, double[]? scores, double[]? probabilities, int[]? predicted,
                  int classCount, double threshold)
    {
        Task = task;
        Count = labels.Length;
        Labels = labels;
        Scores = scores;
        Probabilities = probabilities;
        Predicted = predicted;
        ClassCount = classCount;
        Threshold = threshold;
        Units = Count;
        if (task == ModelTask.Binary)
        {
            ScoresAreProbabilities = Array.TrueForAll(scores!, v => v is >= 0 and <= 1);
            var (cellScore, cellLabel, cellPredicted, cellCount, unitOfRow) = Cells(scores!, labels, predicted!);
            Units = cellScore.Length;
            UnitOfRow = unitOfRow;
            UnitCounts = cellCount;
            CellScore = cellScore; CellLabel = cellLabel; CellPredicted = cellPredicted;
            if (ScoresAreProbabilities)
            {
                UnitLogLoss = new double[Units];
                for (int c = 0; c < Units; c++)
                {
                    double p = Math.Clamp(CellScore[c], LogLossEpsilon, 1 - LogLossEpsilon);
                    UnitLogLoss[c] = CellLabel[c] == 1 ? -Math.Log(p) : -Math.Log(1 - p);
                }
            }
            return;
        }
        UnitCounts = new int[Count];
        Array.Fill(UnitCounts, 1);
        if (task == ModelTask.Multiclass && probabilities is not null)
        {
            // As scikit-learn: clip each probability, renormalise the row, take the true class's share.
            UnitLogLoss = new double[Count];
            for (int i = 0; i < Count; i++)
            {
                double sum = 0;
                for (int c = 0; c < classCount; c++) sum += Math.Clamp(probabilities[i * classCount + c], LogLossEpsilon, 1 - LogLossEpsilon);
                double p = Math.Clamp(probabilities[i * classCount + (int)labels[i]], LogLossEpsilon, 1 - LogLossEpsilon) / sum;
                UnitLogLoss[i] = -Math.Log(p);
            }
        }
    }

    /// <summary>
    /// Folds rows into (score, label, predicted) cells ordered by descending score. Scores with few distinct values (a
    /// model's rounded probabilities) are grouped by hashing, only the distinct values are sorted, and rows are visited
    /// in file order; otherwise the rows are sorted by score.
    /// </summary>
    static (double[] Score, byte[] Label, byte[] Predicted, int[] Count, int[] UnitOfRow) Cells(double[] scores, double[] labels, int[] predicted)
    {
        int n = scores.Length, limit = Math.Max(1024, n / 8);
        var unitOfRow = new int[n];
        var ids = new Dictionary<double, int>();
        bool few = true;
        for (int i = 0; i < n && few; i++)
        {
            ref int id = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(ids, scores[i], out bool exists);
            if (!exists) { id = ids.Count - 1; few = ids.Count <= limit; }
            unitOfRow[i] = id;
        }
        if (few)
        {
            // Rank the distinct scores (descending); a row's cell key is rank * 4 + label * 2 + predicted.
            var distinct = new double[ids.Count];
            foreach (var (value, id) in ids) distinct[id] = value;
            var byRank = new int[distinct.Length];
            for (int g = 0; g < byRank.Length; g++) byRank[g] = g;
            Array.Sort(distinct.Select(v => -v).ToArray(), byRank);
            var rank = new int[distinct.Length];
            for (int k = 0; k < byRank.Length; k++) rank[byRank[k]] = k;
            var keyCount = new int[distinct.Length * 4];
            for (int i = 0; i < n; i++)
            {
                int key = rank[unitOfRow[i]] * 4 + (int)labels[i] * 2 + predicted[i];
                unitOfRow[i] = key;
                keyCount[key]++;
            }
            var cellOfKey = new int[keyCount.Length];
            int cells = 0;
            for (int key = 0; key < keyCount.Length; key++) cellOfKey[key] = keyCount[key] > 0 ? cells++ : -1;
            var score = new double[cells]; var label = new byte[cells]; var pred = new byte[cells]; var count = new int[cells];
            for (int key = 0; key < keyCount.Length; key++)
            {
                int c = cellOfKey[key];
                if (c < 0) continue;
                score[c] = distinct[byRank[key / 4]]; label[c] = (byte)(key / 2 % 2); pred[c] = (byte)(key % 2); count[c] = keyCount[key];
            }
            for (int i = 0; i < n; i++) unitOfRow[i] = cellOfKey[unitOfRow[i]];
            return (score, label, pred, count, unitOfRow);
        }
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        var keys = new double[n];
        for (int i = 0; i < n; i++) keys[i] = -scores[i];
        Array.Sort(keys, order);
        var cellScore = new List<double>(); var cellLabel = new List<byte>(); var cellPredicted = new List<byte>(); var cellCount = new List<int>();
        Span<int> cellOf = stackalloc int[4];
        for (int i = 0; i < n;)
        {
            double s = scores[order[i]];
            cellOf.Fill(-1);
            for (; i < n && scores[order[i]] == s; i++)
            {
                int r = order[i], kind = (int)labels[r] * 2 + predicted[r];
                if (cellOf[kind] < 0)
                {
                    cellOf[kind] = cellScore.Count;
                    cellScore.Add(s); cellLabel.Add((byte)labels[r]); cellPredicted.Add((byte)predicted[r]); cellCount.Add(0);
                }
                unitOfRow[r] = cellOf[kind];
                cellCount[cellOf[kind]]++;
            }
        }
        return ([.. cellScore], [.. cellLabel], [.. cellPredicted], [.. cellCount], unitOfRow);
    }

    /// <summary>A binary prediction set. A row is predicted positive when its score is above <paramref name="threshold"/>
    /// (ML.NET's rule), unless <paramref name="predicted"/> gives the predicted labels.</summary>
    public static PredictionSet Binary(bool[] labels, double[] scores, double threshold = 0.5, bool[]? predicted = null)
    {
        Require(scores.Length == labels.Length, "scores and labels differ in length");
        Require(predicted is null || predicted.Length == labels.Length, "predicted labels and labels differ in length");
        for (int i = 0; i < scores.Length; i++)
            if (double.IsNaN(scores[i])) throw Bad($"score of row {i + 1} is NaN");
        var y = new double[labels.Length];
        var p = new int[labels.Length];
        for (int i = 0; i < y.Length; i++)
        {
            y[i] = labels[i] ? 1 : 0;
            p[i] = (predicted is null ? scores[i] > threshold : predicted[i]) ? 1 : 0;
        }
        return new PredictionSet(ModelTask.Binary, y, scores, null, p, 2, threshold);
    }

    /// <summary>A multiclass prediction set: labels are class indices in [0, classCount); give probabilities
    /// (row-major, rows x classCount), predicted classes, or both (predicted defaults to the most probable class,
    /// lowest index on ties).</summary>
    public static PredictionSet Multiclass(int[] labels, int classCount, double[]? probabilities = null, int[]? predicted = null,
                                           IReadOnlyList<string>? classNames = null)
    {
        Require(classCount >= 2, "a multiclass task needs at least 2 classes");
        Require(probabilities is not null || predicted is not null, "give probabilities or predicted classes");
        Require(probabilities is null || probabilities.Length == (long)labels.Length * classCount, "probabilities are not rows x classes");
        Require(predicted is null || predicted.Length == labels.Length, "predicted classes and labels differ in length");
        var y = new double[labels.Length];
        var p = new int[labels.Length];
        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classCount) throw Bad($"label of row {i + 1} is not a class index below {classCount}");
            y[i] = labels[i];
            if (predicted is not null)
            {
                if ((uint)predicted[i] >= (uint)classCount) throw Bad($"predicted class of row {i + 1} is not below {classCount}");
                p[i] = predicted[i];
            }
            else
            {
                int best = 0;
                for (int c = 1; c < classCount; c++)
                    if (probabilities![i * classCount + c] > probabilities[i * classCount + best]) best = c;
                p[i] = best;
            }
        }
        Require(classNames is null || classNames.Count == classCount, "class names and class count differ");
        return new PredictionSet(ModelTask.Multiclass, y, null, probabilities, p, classCount, double.NaN)
        {
            ClassNames = classNames ?? Enumerable.Range(0, classCount).Select(c => c.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray(),
        };
    }

    /// <summary>A regression prediction set.</summary>
    public static PredictionSet Regression(double[] labels, double[] predictions)
    {
        Require(predictions.Length == labels.Length, "predictions and labels differ in length");
        for (int i = 0; i < labels.Length; i++)
            if (!double.IsFinite(labels[i]) || !double.IsFinite(predictions[i])) throw Bad($"row {i + 1} has a non-finite label or prediction");
        return new PredictionSet(ModelTask.Regression, labels, predictions, null, null, 0, double.NaN);
    }

    /// <summary>The rows at <paramref name="rows"/> (a slice, a group), as a prediction set of their own.</summary>
    public PredictionSet Subset(IReadOnlyList<int> rows)
    {
        var y = new double[rows.Count];
        for (int i = 0; i < y.Length; i++) y[i] = Labels[rows[i]];
        double[]? s = null;
        if (Scores is not null) { s = new double[rows.Count]; for (int i = 0; i < s.Length; i++) s[i] = Scores[rows[i]]; }
        int[]? p = null;
        if (Predicted is not null) { p = new int[rows.Count]; for (int i = 0; i < p.Length; i++) p[i] = Predicted[rows[i]]; }
        double[]? prob = null;
        if (Probabilities is not null)
        {
            prob = new double[rows.Count * ClassCount];
            for (int i = 0; i < rows.Count; i++) Array.Copy(Probabilities, rows[i] * ClassCount, prob, i * ClassCount, ClassCount);
        }
        return new PredictionSet(Task, y, s, prob, p, ClassCount, Threshold) { ClassNames = ClassNames };
    }

    static void Require(bool condition, string what)
    {
        if (!condition) throw Bad(what);
    }

    static MlBuildException Bad(string what) =>
        new(new MlDiagnostic(DiagnosticCodes.PredictionsInvalid, MlSeverity.Error, $"Predictions cannot be evaluated: {what}."));
}
