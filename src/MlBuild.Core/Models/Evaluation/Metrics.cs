using MlBuild.Core.Diagnostics;

namespace MlBuild.Core.Models.Evaluation;

/// <summary>
/// One metric: its name, task, direction, and how it is computed on weighted rows. Weights are bootstrap counts
/// (how often each row is drawn), so the point estimate is the computation with all weights 1 and a resample costs
/// one linear pass with no copy of the data.
/// </summary>
public sealed class MetricDefinition
{
    internal MetricDefinition(string name, ModelTask task, MetricDirection direction, string description,
                              Func<PredictionSet, int[], double> compute, Func<PredictionSet, (long Successes, long Trials)>? proportion = null,
                              Func<PredictionSet, bool>? applies = null)
    {
        Name = name; Task = task; Direction = direction; Description = description;
        Compute = compute; Proportion = proportion; _applies = applies;
    }

    readonly Func<PredictionSet, bool>? _applies;

    /// <summary>Canonical name (lower case, words joined by '-').</summary>
    public string Name { get; }
    /// <summary>The task it applies to.</summary>
    public ModelTask Task { get; }
    /// <summary>Which way is better.</summary>
    public MetricDirection Direction { get; }
    /// <summary>One line for help and reports.</summary>
    public string Description { get; }
    /// <summary>Value on rows weighted by the given counts (NaN when undefined, e.g. AUC with one class).</summary>
    internal Func<PredictionSet, int[], double> Compute { get; }
    /// <summary>For proportions: successes and trials on the unweighted rows (Wilson interval); null otherwise.</summary>
    internal Func<PredictionSet, (long Successes, long Trials)>? Proportion { get; }

    /// <summary>Whether the metric can be computed from what the prediction set holds (log-loss needs probabilities).</summary>
    public bool AppliesTo(PredictionSet set) => set.Task == Task && (_applies?.Invoke(set) ?? true);
}

/// <summary>Every metric MlBuild computes, by task, with its direction.</summary>
public static class MetricCatalog
{
    /// <summary>All metrics, binary first, in report order.</summary>
    public static IReadOnlyList<MetricDefinition> All { get; } =
    [
        new("auc", ModelTask.Binary, MetricDirection.HigherIsBetter, "Area under the ROC curve (exact, ties count half)", BinaryMetrics.Auc),
        new("auprc", ModelTask.Binary, MetricDirection.HigherIsBetter, "Area under the precision-recall curve (average precision, exact)", BinaryMetrics.AveragePrecision),
        new("accuracy", ModelTask.Binary, MetricDirection.HigherIsBetter, "Share of rows predicted right",
            (s, w) => BinaryMetrics.Confusion(s, w).Accuracy, s => { var c = BinaryMetrics.Confusion(s, null); return ((long)(c.Tp + c.Tn), s.Count); }),
        new("precision", ModelTask.Binary, MetricDirection.HigherIsBetter, "Share of predicted positives that are positive",
            (s, w) => BinaryMetrics.Confusion(s, w).Precision, s => { var c = BinaryMetrics.Confusion(s, null); return ((long)c.Tp, (long)(c.Tp + c.Fp)); }),
        new("recall", ModelTask.Binary, MetricDirection.HigherIsBetter, "Share of positives predicted positive",
            (s, w) => BinaryMetrics.Confusion(s, w).Recall, s => { var c = BinaryMetrics.Confusion(s, null); return ((long)c.Tp, (long)(c.Tp + c.Fn)); }),
        new("f1", ModelTask.Binary, MetricDirection.HigherIsBetter, "Harmonic mean of precision and recall", (s, w) => BinaryMetrics.Confusion(s, w).F1),
        new("log-loss", ModelTask.Binary, MetricDirection.LowerIsBetter, "Mean negative log-likelihood of the labels (probabilities clipped as scikit-learn)",
            WeightedMean.UnitLogLoss, applies: s => s.ScoresAreProbabilities),
        new("brier", ModelTask.Binary, MetricDirection.LowerIsBetter, "Mean squared difference of probability and label", BinaryMetrics.Brier,
            applies: s => s.ScoresAreProbabilities),
        new("accuracy", ModelTask.Multiclass, MetricDirection.HigherIsBetter, "Share of rows predicted right (micro accuracy)",
            MulticlassMetrics.Accuracy, s => (MulticlassMetrics.Correct(s), s.Count)),
        new("macro-accuracy", ModelTask.Multiclass, MetricDirection.HigherIsBetter, "Mean per-class recall (ML.NET's macro accuracy; balanced accuracy)", MulticlassMetrics.MacroAccuracy),
        new("precision", ModelTask.Multiclass, MetricDirection.HigherIsBetter, "Per-class precision averaged over classes (macro; 0 for a class never predicted)",
            (s, w) => MulticlassMetrics.MacroPrecisionRecall(s, w).Precision),
        new("recall", ModelTask.Multiclass, MetricDirection.HigherIsBetter, "Per-class recall averaged over classes seen in labels or predictions (macro)",
            (s, w) => MulticlassMetrics.MacroPrecisionRecall(s, w).Recall),
        new("macro-f1", ModelTask.Multiclass, MetricDirection.HigherIsBetter, "Mean per-class F1 over classes seen in labels or predictions", MulticlassMetrics.MacroF1),
        new("log-loss", ModelTask.Multiclass, MetricDirection.LowerIsBetter, "Mean negative log-probability of the true class",
            WeightedMean.UnitLogLoss, applies: s => s.Probabilities is not null),
        new("rmse", ModelTask.Regression, MetricDirection.LowerIsBetter, "Root mean squared error", RegressionMetrics.Rmse),
        new("mae", ModelTask.Regression, MetricDirection.LowerIsBetter, "Mean absolute error", RegressionMetrics.Mae),
        new("r2", ModelTask.Regression, MetricDirection.HigherIsBetter, "Coefficient of determination", RegressionMetrics.R2),
    ];

    // Keys and names are compared without case, '-', '_' or spaces, so "logLoss", "log_loss" and "log-loss" (and
    // ML.NET's "MicroAccuracy") all name one metric.
    static readonly Dictionary<string, string> Aliases = new(StringComparer.Ordinal)
    {
        ["aucroc"] = "auc", ["rocauc"] = "auc", ["auroc"] = "auc", ["areaundercurve"] = "auc", ["areaunderroccurve"] = "auc",
        ["aucpr"] = "auprc", ["prauc"] = "auprc", ["averageprecision"] = "auprc", ["areaunderprecisionrecallcurve"] = "auprc",
        ["microaccuracy"] = "accuracy", ["f1score"] = "f1", ["rsquared"] = "r2", ["brierscore"] = "brier",
        ["balancedaccuracy"] = "macro-accuracy", ["macroprecision"] = "precision", ["macrorecall"] = "recall",
        ["rootmeansquarederror"] = "rmse", ["meanabsoluteerror"] = "mae",
    };

    /// <summary>The metrics of a task that apply to what <paramref name="set"/> holds, in report order; for a multiclass
    /// model followed by each class's precision and recall (<c>precision[cat]</c>, <c>recall[cat]</c>).</summary>
    public static IReadOnlyList<MetricDefinition> For(PredictionSet set)
    {
        var metrics = All.Where(m => m.AppliesTo(set)).ToList();
        if (set.Task == ModelTask.Multiclass)
            for (int c = 0; c < set.ClassCount; c++)
            {
                metrics.Add(PerClass("precision", c, set));
                metrics.Add(PerClass("recall", c, set));
            }
        return metrics;
    }

    /// <summary>One class's precision or recall, a proportion (Wilson interval): right predictions of class c out of
    /// rows predicted c (precision) or out of rows labelled c (recall).</summary>
    static MetricDefinition PerClass(string which, int c, PredictionSet set)
    {
        bool precision = which == "precision";
        return new MetricDefinition($"{which}[{set.ClassNames[c]}]", ModelTask.Multiclass, MetricDirection.HigherIsBetter,
            $"{(precision ? "Precision" : "Recall")} of class '{set.ClassNames[c]}'",
            (s, w) => { var (k, n) = MulticlassMetrics.ClassCounts(s, w, c, precision); return n == 0 ? double.NaN : k / n; },
            s => { var (k, n) = MulticlassMetrics.ClassCounts(s, s.UnitCounts, c, precision); return ((long)k, (long)n); });
    }

    /// <summary>Finds a metric by name or alias (case, '_' and ' ' ignored) for a task; null when unknown.</summary>
    public static MetricDefinition? Find(string name, ModelTask task)
    {
        if (name.Contains('[', StringComparison.Ordinal)) return null;   // per-class metrics need the set: see Get
        var key = Normalize(name);
        if (Aliases.TryGetValue(key, out var canonical)) key = Normalize(canonical);
        return All.FirstOrDefault(m => m.Task == task && Normalize(m.Name) == key);
    }

    /// <summary>Like <see cref="Find"/>, but an unknown metric, or one the predictions cannot support, is a coded error.</summary>
    public static MetricDefinition Get(string name, PredictionSet set, string? file = null, int line = 0, int column = 0)
    {
        if (set.Task == ModelTask.Multiclass && name.EndsWith(']') && name.IndexOf('[', StringComparison.Ordinal) is var open and > 0)
        {
            var which = Normalize(name[..open]);
            int c = set.ClassNames.ToList().IndexOf(name[(open + 1)..^1]);
            if (which is "precision" or "recall" && c >= 0) return PerClass(which, c, set);
            throw new MlBuildException(new MlDiagnostic(DiagnosticCodes.UnknownMetric, MlSeverity.Error,
                $"Unknown per-class metric '{name}'; write precision[CLASS] or recall[CLASS] with CLASS one of {string.Join(", ", set.ClassNames)}.", file, line, column));
        }
        var metric = Find(name, set.Task);
        if (metric is null)
        {
            var known = string.Join(", ", All.Where(m => m.Task == set.Task).Select(m => m.Name));
            throw new MlBuildException(new MlDiagnostic(DiagnosticCodes.UnknownMetric, MlSeverity.Error,
                $"Unknown metric '{name}' for a {set.Task.ToString().ToLowerInvariant()} model; known: {known}.", file, line, column));
        }
        if (!metric.AppliesTo(set))
            throw new MlBuildException(new MlDiagnostic(DiagnosticCodes.UnknownMetric, MlSeverity.Error,
                $"Metric '{metric.Name}' needs probabilities (scores in [0, 1]), which these predictions do not have.", file, line, column));
        return metric;
    }

    static string Normalize(string name) => name.Trim().ToLowerInvariant().Replace("_", "", StringComparison.Ordinal)
        .Replace("-", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal);
}

/// <summary>Weighted confusion counts of a binary prediction set.</summary>
internal readonly record struct BinaryConfusion(double Tp, double Fp, double Tn, double Fn)
{
    public double Accuracy => Tp + Fp + Tn + Fn == 0 ? double.NaN : (Tp + Tn) / (Tp + Fp + Tn + Fn);
    public double Precision => Tp + Fp == 0 ? double.NaN : Tp / (Tp + Fp);
    public double Recall => Tp + Fn == 0 ? double.NaN : Tp / (Tp + Fn);
    public double F1 => 2 * Tp + Fp + Fn == 0 ? double.NaN : 2 * Tp / (2 * Tp + Fp + Fn);
}

/// <summary>Binary metrics over the prediction set's (score, label, predicted) cells, weighted by draw counts per cell.</summary>
internal static class BinaryMetrics
{
    public static BinaryConfusion Confusion(PredictionSet s, int[]? w)
    {
        w ??= s.UnitCounts;
        double tp = 0, fp = 0, tn = 0, fn = 0;
        var y = s.CellLabel!; var p = s.CellPredicted!;
        for (int c = 0; c < w.Length; c++)
        {
            double wc = w[c];
            if (p[c] == 1) { if (y[c] == 1) tp += wc; else fp += wc; }
            else { if (y[c] == 1) fn += wc; else tn += wc; }
        }
        return new BinaryConfusion(tp, fp, tn, fn);
    }

    /// <summary>Mann-Whitney form over tie groups of the score: a negative tied with a positive counts half.</summary>
    public static double Auc(PredictionSet s, int[] w)
    {
        var scores = s.CellScore!; var y = s.CellLabel!;
        double positivesAbove = 0, sum = 0, negatives = 0;
        int c = 0;
        while (c < w.Length)
        {
            double score = scores[c], gp = 0, gn = 0;
            for (; c < w.Length && scores[c] == score; c++)
                if (y[c] == 1) gp += w[c]; else gn += w[c];
            sum += gn * (positivesAbove + gp / 2);
            positivesAbove += gp;
            negatives += gn;
        }
        return positivesAbove == 0 || negatives == 0 ? double.NaN : sum / (positivesAbove * negatives);
    }

    /// <summary>Average precision as scikit-learn: the sum over distinct thresholds of recall gained times precision.</summary>
    public static double AveragePrecision(PredictionSet s, int[] w)
    {
        var scores = s.CellScore!; var y = s.CellLabel!;
        double positives = 0;
        for (int c = 0; c < w.Length; c++) if (y[c] == 1) positives += w[c];
        if (positives == 0) return double.NaN;
        double tp = 0, fp = 0, ap = 0;
        int i = 0;
        while (i < w.Length)
        {
            double score = scores[i], gp = 0, gn = 0;
            for (; i < w.Length && scores[i] == score; i++)
                if (y[i] == 1) gp += w[i]; else gn += w[i];
            tp += gp; fp += gn;
            if (gp > 0) ap += gp / positives * (tp / (tp + fp));
        }
        return ap;
    }

    public static double Brier(PredictionSet s, int[] w)
    {
        double sum = 0, n = 0;
        var y = s.CellLabel!; var p = s.CellScore!;
        for (int c = 0; c < w.Length; c++) { double d = p[c] - y[c]; sum += w[c] * d * d; n += w[c]; }
        return n == 0 ? double.NaN : sum / n;
    }
}

internal static class WeightedMean
{
    public static double UnitLogLoss(PredictionSet s, int[] w)
    {
        var l = s.UnitLogLoss!;
        double sum = 0, n = 0;
        for (int i = 0; i < l.Length; i++) { sum += w[i] * l[i]; n += w[i]; }
        return n == 0 ? double.NaN : sum / n;
    }
}

internal static class MulticlassMetrics
{
    public static long Correct(PredictionSet s)
    {
        long k = 0;
        for (int i = 0; i < s.Count; i++) if (s.Predicted![i] == (int)s.Labels[i]) k++;
        return k;
    }

    public static double Accuracy(PredictionSet s, int[] w)
    {
        double k = 0, n = 0;
        for (int i = 0; i < s.Count; i++) { n += w[i]; if (s.Predicted![i] == (int)s.Labels[i]) k += w[i]; }
        return n == 0 ? double.NaN : k / n;
    }

    static (double[] Tp, double[] Fp, double[] Fn) PerClass(PredictionSet s, int[] w)
    {
        var tp = new double[s.ClassCount]; var fp = new double[s.ClassCount]; var fn = new double[s.ClassCount];
        for (int i = 0; i < s.Count; i++)
        {
            if (w[i] == 0) continue;
            int y = (int)s.Labels[i], p = s.Predicted![i];
            if (y == p) tp[y] += w[i];
            else { fp[p] += w[i]; fn[y] += w[i]; }
        }
        return (tp, fp, fn);
    }

    /// <summary>Class c's right predictions and the rows predicted c (precision) or labelled c (recall), weighted.</summary>
    public static (double Right, double Of) ClassCounts(PredictionSet s, int[] w, int c, bool precision)
    {
        double right = 0, of = 0;
        for (int i = 0; i < s.Count; i++)
        {
            int y = (int)s.Labels[i], p = s.Predicted![i];
            if ((precision ? p : y) != c) continue;
            of += w[i];
            if (y == p) right += w[i];
        }
        return (right, of);
    }

    public static double MacroAccuracy(PredictionSet s, int[] w)
    {
        var (tp, _, fn) = PerClass(s, w);
        double sum = 0; int classes = 0;
        for (int c = 0; c < s.ClassCount; c++)
            if (tp[c] + fn[c] > 0) { sum += tp[c] / (tp[c] + fn[c]); classes++; }
        return classes == 0 ? double.NaN : sum / classes;
    }

    /// <summary>As scikit-learn's average="macro": over classes in labels or predictions, an undefined ratio counting 0.</summary>
    public static (double Precision, double Recall) MacroPrecisionRecall(PredictionSet s, int[] w)
    {
        var (tp, fp, fn) = PerClass(s, w);
        double precision = 0, recall = 0; int classes = 0;
        for (int c = 0; c < s.ClassCount; c++)
        {
            if (tp[c] + fp[c] + fn[c] == 0) continue;
            classes++;
            if (tp[c] + fp[c] > 0) precision += tp[c] / (tp[c] + fp[c]);
            if (tp[c] + fn[c] > 0) recall += tp[c] / (tp[c] + fn[c]);
        }
        return classes == 0 ? (double.NaN, double.NaN) : (precision / classes, recall / classes);
    }

    public static double MacroF1(PredictionSet s, int[] w)
    {
        var (tp, fp, fn) = PerClass(s, w);
        double sum = 0; int classes = 0;
        for (int c = 0; c < s.ClassCount; c++)
        {
            double d = 2 * tp[c] + fp[c] + fn[c];
            if (d > 0) { sum += 2 * tp[c] / d; classes++; }
        }
        return classes == 0 ? double.NaN : sum / classes;
    }
}

internal static class RegressionMetrics
{
    static (double Sse, double Sae, double N, double Sst) Sums(PredictionSet s, int[] w)
    {
        var y = s.Labels; var p = s.Scores!;
        double n = 0, mean = 0;
        for (int i = 0; i < y.Length; i++) { n += w[i]; mean += w[i] * y[i]; }
        if (n == 0) return (0, 0, 0, 0);
        mean /= n;
        double sse = 0, sae = 0, sst = 0;
        for (int i = 0; i < y.Length; i++)
        {
            double e = y[i] - p[i], t = y[i] - mean;
            sse += w[i] * e * e; sae += w[i] * Math.Abs(e); sst += w[i] * t * t;
        }
        return (sse, sae, n, sst);
    }

    public static double Rmse(PredictionSet s, int[] w) { var (sse, _, n, _) = Sums(s, w); return n == 0 ? double.NaN : Math.Sqrt(sse / n); }
    public static double Mae(PredictionSet s, int[] w) { var (_, sae, n, _) = Sums(s, w); return n == 0 ? double.NaN : sae / n; }

    /// <summary>As scikit-learn: a constant label gives 1 for a perfect fit, 0 otherwise.</summary>
    public static double R2(PredictionSet s, int[] w)
    {
        var (sse, _, n, sst) = Sums(s, w);
        if (n == 0) return double.NaN;
        if (sst == 0) return sse == 0 ? 1 : 0;
        return 1 - sse / sst;
    }
}
