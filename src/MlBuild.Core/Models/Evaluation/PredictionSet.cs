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
    public double[] Labels => _labels ?? Once(ref _labels, () => Array.ConvertAll(_kinds!, k => (double)(k >> 1)));
    /// <summary>Binary: the score; regression: the prediction; multiclass: null.</summary>
    public double[]? Scores { get; }
    /// <summary>Multiclass: row-major probabilities (<see cref="Count"/> x <see cref="ClassCount"/>), or null.</summary>
    public double[]? Probabilities { get; }
    /// <summary>Binary: 0/1 predicted label; multiclass: predicted class index; regression: null.</summary>
    public int[]? Predicted => _predicted ?? (_kinds is null ? null : Once(ref _predicted, () => Array.ConvertAll(_kinds, k => k & 1)));
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
    internal int[]? UnitOfRow => _unitOfRow ?? (_kinds is null ? null
        : Once(ref _unitOfRow, () => ScoreCells.UnitOfRow(Scores!, _kinds, CellScore!, CellLabel!, CellPredicted!)));

    // A binary set keeps label * 2 + predicted per row; the per-row arrays above are made from it (and the cells) when
    // first asked for: the point metrics read only the cells, and a million-row array each cost as much as the cells.
    readonly byte[]? _kinds;
    double[]? _labels;
    int[]? _predicted;
    int[]? _unitOfRow;

    /// <summary>The value <paramref name="make"/> gives, stored once in <paramref name="field"/> (the first of racing callers wins).</summary>
    static T Once<T>(ref T? field, Func<T> make) where T : class => Interlocked.CompareExchange(ref field, make(), null) ?? field!;
    /// <summary>Rows per unit: the weights of the point estimate.</summary>
    internal int[] UnitCounts { get; }
    /// <summary>Binary cells: score (descending), label, predicted label.</summary>
    internal double[]? CellScore { get; }
    internal byte[]? CellLabel { get; }
    internal byte[]? CellPredicted { get; }
    /// <summary>Log-loss per unit (binary cell with probabilities; multiclass row with probabilities), or null.</summary>
    internal double[]? UnitLogLoss { get; }

    /// <summary>A prediction set; a binary one takes <paramref name="labels"/> and <paramref name="predicted"/>, or their
    /// <paramref name="kinds"/> (label * 2 + predicted per row) alone.</summary>
    PredictionSet(ModelTask task, double[]? labels, double[]? scores, double[]? probabilities, int[]? predicted,
                  int classCount, double threshold, byte[]? kinds = null, bool? scoresAreProbabilities = null)
    {
        Task = task;
        Count = labels?.Length ?? kinds!.Length;
        _labels = labels;
        Scores = scores;
        Probabilities = probabilities;
        _predicted = predicted;
        ClassCount = classCount;
        Threshold = threshold;
        Units = Count;
        if (task == ModelTask.Binary)
        {
            ScoresAreProbabilities = scoresAreProbabilities ?? Array.TrueForAll(scores!, v => v is >= 0 and <= 1);
            if (kinds is null)
            {
                kinds = new byte[Count];
                for (int i = 0; i < kinds.Length; i++) kinds[i] = (byte)((int)labels![i] * 2 + predicted![i]);
            }
            _kinds = kinds;
            var (cellScore, cellLabel, cellPredicted, cellCount, unitOfRow) = ScoreCells.Fold(scores!, kinds);
            Units = cellScore.Length;
            _unitOfRow = unitOfRow;
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
                double p = Math.Clamp(probabilities[i * classCount + (int)labels![i]], LogLossEpsilon, 1 - LogLossEpsilon) / sum;
                UnitLogLoss[i] = -Math.Log(p);
            }
        }
    }

    /// <summary>A binary prediction set. A row is predicted positive when its score is above <paramref name="threshold"/>
    /// (ML.NET's rule), unless <paramref name="predicted"/> gives the predicted labels.</summary>
    public static PredictionSet Binary(bool[] labels, double[] scores, double threshold = 0.5, bool[]? predicted = null)
    {
        Require(scores.Length == labels.Length, "scores and labels differ in length");
        Require(predicted is null || predicted.Length == labels.Length, "predicted labels and labels differ in length");
        var (kinds, probabilities) = Kinds(labels, scores, threshold, predicted);
        return new PredictionSet(ModelTask.Binary, null, scores, null, null, 2, threshold, kinds, probabilities);
    }

    /// <summary>Label * 2 + predicted per row, and whether every score is a probability, in one pass (a pass each cost as
    /// much as the cell folding); optimized from the first call, as a set is made once per file.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    static (byte[] Kinds, bool Probabilities) Kinds(bool[] labels, double[] scores, double threshold, bool[]? predicted)
    {
        var kinds = GC.AllocateUninitializedArray<byte>(labels.Length);
        bool probabilities = true;
        for (int i = 0; i < kinds.Length; i++)
        {
            double score = scores[i];
            if (double.IsNaN(score)) throw Bad($"score of row {i + 1} is NaN");
            probabilities &= score is >= 0 and <= 1;
            bool positive = predicted is null ? score > threshold : predicted[i];
            kinds[i] = (byte)((labels[i] ? 2 : 0) + (positive ? 1 : 0));
        }
        return (kinds, probabilities);
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
