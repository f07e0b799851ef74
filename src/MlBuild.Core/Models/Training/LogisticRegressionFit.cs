using System.Collections.Immutable;
using System.Reflection;
using System.Runtime.Intrinsics;
using Microsoft.ML;
using Microsoft.ML.Calibrators;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Microsoft.ML.Trainers;
using Microsoft.ML.Transforms;
using MlBuild.Core.Models.Evaluation;
using MlBuild.Core.Pipeline;

namespace MlBuild.Core.Models.Training;

/// <summary>The hyperparameters of an L-BFGS logistic regression, with ML.NET's defaults and meanings.</summary>
public sealed record LbfgsSettings
{
    /// <summary>L2 weight: the objective is (sum of log-losses + l2/2 * |w|^2) / rows, the bias unpenalised.</summary>
    public double L2Regularization { get; init; } = 1;
    /// <summary>Stop when the mean relative improvement of the objective over the last 5 iterations is below this.</summary>
    public double OptimizationTolerance { get; init; } = 1e-7;
    /// <summary>Iteration cap.</summary>
    public int MaximumNumberOfIterations { get; init; } = int.MaxValue;
    /// <summary>L-BFGS memory (correction pairs kept).</summary>
    public int HistorySize { get; init; } = 20;

    /// <summary>The settings of a pipeline file's <c>lbfgs</c> trainer, or null when ML.NET's own trainer must fit it (an L1 term).</summary>
    public static LbfgsSettings? From(TrainerSpec spec)
    {
        var s = new LbfgsSettings();
        // ML.NET's default L1 weight is 1: without an explicit l1Regularization of 0 the model has an L1 term (OWL-QN),
        // which only ML.NET's trainer fits.
        double l1 = 1;
        foreach (var h in spec.Hyperparameters)
            switch (h.Name)
            {
                case "l1Regularization": l1 = h.Value; break;
                case "l2Regularization": s = s with { L2Regularization = h.Value }; break;
                case "optimizationTolerance": s = s with { OptimizationTolerance = h.Value }; break;
                case "maximumNumberOfIterations": s = s with { MaximumNumberOfIterations = (int)h.Value }; break;
                case "historySize": s = s with { HistorySize = (int)h.Value }; break;
            }
        return l1 == 0 ? s : null;
    }
}

/// <summary>
/// MlBuild's own fit of binary L-BFGS logistic regression over the decoded columns of a <see cref="TrainingTable"/>:
/// one vectorised pass over the standardised features per evaluation, single-threaded, so one seed gives one model on
/// any machine. The result is a standard ML.NET model (the same featurisation transformers as the ML.NET pipeline, then a
/// <see cref="BinaryPredictionTransformer{TModel}"/> over a Platt-calibrated <see cref="LinearBinaryModelParameters"/>),
/// so saving, hashing, evaluation and consumers are unchanged. ML.NET's L-BFGS loop costs about 200 ns per row per
/// iteration through its cursors; this one is a few nanoseconds (docs/performance.md).
/// </summary>
public static class LogisticRegressionFit
{
    /// <summary>
    /// Whether the fast fit applies: every feature numeric (the others go through ML.NET's featurisers), missing values
    /// replaced by a statistic it computes (mean, zero, minimum, maximum), and no L1 term.
    /// </summary>
    public static bool Applies(ModelSpec spec, IReadOnlyList<FeatureColumnPlan> features) =>
        spec.Task == ModelTask.Binary && spec.Trainer.Name == "lbfgs" && LbfgsSettings.From(spec.Trainer) is not null
        && features.All(f => f.Handling == FeatureHandling.Numeric)
        && spec.Featurization.Missing != MissingValueReplacement.MostFrequent;

    /// <summary>
    /// Fits the model on the rows of <paramref name="trainView"/>: the numeric columns concatenated into
    /// <paramref name="numericColumn"/>, missing values replaced, normalised, concatenated into
    /// <paramref name="featuresColumn"/>, then the logistic regression on the boolean label column.
    /// </summary>
    public static ITransformer Fit(MLContext ml, TableDataView trainView, IReadOnlyList<string> numeric, string label,
        MissingValueReplacement missing, Normalization normalization, LbfgsSettings settings, string numericColumn, string featuresColumn)
    {
        int d = numeric.Count, n = trainView.Rows.Count;
        var rows = trainView.Rows;
        var sources = numeric.Select(c => trainView.Source(trainView.Schema[c].Index)).ToArray();
        var labelIndex = trainView.Schema[label].Index;

        // Per feature, the float values ML.NET would see (column-major), and the statistic replacing missing values.
        var x = new float[d][];
        var replacement = new float[d];
        for (int j = 0; j < d; j++)
        {
            var col = x[j] = new float[n];
            var src = sources[j];
            double sum = 0, min = double.PositiveInfinity, max = double.NegativeInfinity;
            long present = 0;
            for (int i = 0; i < n; i++)
            {
                float v = src.Feature(rows[i]);
                col[i] = v;
                if (float.IsNaN(v)) continue;
                present++; sum += v;
                if (v < min) min = v;
                if (v > max) max = v;
            }
            replacement[j] = present == 0 ? 0 : missing switch
            {
                MissingValueReplacement.Zero => 0,
                MissingValueReplacement.Minimum => (float)min,
                MissingValueReplacement.Maximum => (float)max,
                _ => (float)(sum / present),
            };
            if (present < n)
                for (int i = 0; i < n; i++)
                    if (float.IsNaN(col[i])) col[i] = replacement[j];
        }

        // ML.NET's transformers have no public constructors taking fitted statistics, so each is fitted on a tiny view
        // whose statistics are the ones computed here (one row of the replacement values; two rows mean -/+ standard
        // deviation, or minimum and maximum); the parameters actually fitted are read back and applied to the features.
        var concat = ml.Transforms.Concatenate(numericColumn, [.. numeric]).Fit(trainView);
        var replacer = ml.Transforms.ReplaceMissingValues(numericColumn, replacementMode: missing switch
        {
            MissingValueReplacement.Zero => MissingValueReplacingEstimator.ReplacementMode.DefaultValue,
            MissingValueReplacement.Minimum => MissingValueReplacingEstimator.ReplacementMode.Minimum,
            MissingValueReplacement.Maximum => MissingValueReplacingEstimator.ReplacementMode.Maximum,
            _ => MissingValueReplacingEstimator.ReplacementMode.Mean,
        }).Fit(VectorView(ml, numericColumn, [replacement]));
        var transformers = new List<ITransformer> { concat, replacer };
        if (normalization is Normalization.MeanVariance or Normalization.MinMax)
        {
            var (a, b) = (new float[d], new float[d]);
            for (int j = 0; j < d; j++)
            {
                if (normalization == Normalization.MinMax)
                {
                    (a[j], b[j]) = (x[j].Length == 0 ? 0 : x[j].Min(), x[j].Length == 0 ? 0 : x[j].Max());
                    continue;
                }
                double mean = 0, m2 = 0;
                var col = x[j];
                for (int i = 0; i < n; i++) mean += col[i];
                mean /= Math.Max(1, n);
                for (int i = 0; i < n; i++) { double e = col[i] - mean; m2 += e * e; }
                double spread = Math.Sqrt(m2 / Math.Max(1, n));
                (a[j], b[j]) = ((float)(mean - spread), (float)(mean + spread));
            }
            var estimator = normalization == Normalization.MinMax
                ? (IEstimator<NormalizingTransformer>)ml.Transforms.NormalizeMinMax(numericColumn)
                : ml.Transforms.NormalizeMeanVariance(numericColumn);
            var normalizer = estimator.Fit(VectorView(ml, numericColumn, [a, b]));
            var p = (NormalizingTransformer.AffineNormalizerModelParameters<ImmutableArray<float>>)normalizer.GetNormalizerModelParameters(0);
            for (int j = 0; j < d; j++)
            {
                float scale = p.Scale.Length == 1 ? p.Scale[0] : p.Scale[j];
                float offset = p.Offset.IsDefaultOrEmpty ? 0 : p.Offset.Length == 1 ? p.Offset[0] : p.Offset[j];
                var col = x[j];
                for (int i = 0; i < n; i++) col[i] = (col[i] - offset) * scale;
            }
            transformers.Add(normalizer);
        }
        IDataView schemaOnly = trainView;
        foreach (var t in transformers) schemaOnly = t.Transform(schemaOnly);
        var features = ml.Transforms.Concatenate(featuresColumn, numericColumn).Fit(schemaOnly);
        transformers.Add(features);

        var y = new float[n];
        var labelSource = trainView.Source(labelIndex);
        var isTrue = trainView.IsTrue(labelIndex);
        for (int i = 0; i < n; i++) y[i] = isTrue(labelSource, rows[i]) ? 1 : 0;

        // The optimiser works on centred, unit-variance columns u = (x - mu) / sd: b + w.x = (b + w.mu) + (w sd).u is the
        // same model and, with the penalty l2/2 sum (v_j / sd_j)^2 on v = w sd, the same objective (the bias is not
        // penalised), so the same optimum. ML.NET's normaliser keeps zero at zero (it only scales), and the uncentred,
        // unequally spread columns made the bias and the weights fight: 35 iterations instead of ~10 on the peers' file.
        var mu = new double[d];
        var sd = new double[d];
        var penalty = new double[d];
        for (int j = 0; j < d; j++)
        {
            var col = x[j];
            double sum = 0, m2 = 0;
            for (int i = 0; i < n; i++) sum += col[i];
            float m = (float)(sum / Math.Max(1, n));
            for (int i = 0; i < n; i++) { double e = col[i] - m; m2 += e * e; }
            float sdj = (float)Math.Sqrt(m2 / Math.Max(1, n));
            if (!(sdj > 0)) sdj = 1;
            float inv = 1 / sdj;
            for (int i = 0; i < n; i++) col[i] = (col[i] - m) * inv;
            (mu[j], sd[j]) = (m, sdj);
            penalty[j] = settings.L2Regularization / ((double)sdj * sdj);
        }
        var theta = Minimize(x, y, penalty, settings);
        for (int j = 0; j < d; j++)
        {
            theta[j + 1] /= sd[j];
            theta[0] -= theta[j + 1] * mu[j];
        }
        transformers.Add(Predictor(ml, theta, features.Transform(schemaOnly).Schema, featuresColumn));
        return new TransformerChain<ITransformer>([.. transformers]);
    }

    /// <summary>A data view of one vector column with the given rows (for fitting a transformer to known statistics).</summary>
    static IDataView VectorView(MLContext ml, string column, float[][] rows)
    {
        var definition = SchemaDefinition.Create(typeof(VectorRow));
        definition[0].ColumnName = column;
        definition[0].ColumnType = new VectorDataViewType(NumberDataViewType.Single, rows[0].Length);
        return ml.Data.LoadFromEnumerable(rows.Select(r => new VectorRow { Values = r }).ToList(), definition);
    }

    sealed class VectorRow
    {
        public float[] Values = [];
    }

    /// <summary>
    /// Minimises (sum_i logloss(b + w.x_i, y_i) + 1/2 sum_j penalty_j w_j^2) / n by L-BFGS (two-loop recursion, backtracking line
    /// search) and returns [b, w...]. Stops by ML.NET's rule: mean relative improvement over 5 iterations below the
    /// tolerance, or the iteration cap.
    /// </summary>
    internal static double[] Minimize(float[][] x, float[] y, double[] penalty, LbfgsSettings settings)
    {
        int d = x.Length, p = d + 1, m = Math.Max(1, settings.HistorySize);
        var theta = new double[p];
        var grad = new double[p];
        double f = Evaluate(x, y, penalty, theta, grad);
        var sHist = new List<double[]>();
        var yHist = new List<double[]>();
        var rhoHist = new List<double>();
        var past = new Queue<double>();
        var dir = new double[p];
        var alpha = new double[m];
        var next = new double[p];
        var nextGrad = new double[p];
        for (int iter = 1; ; iter++)
        {
            // Direction: -H g by the two-loop recursion.
            for (int k = 0; k < p; k++) dir[k] = -grad[k];
            for (int h = sHist.Count - 1; h >= 0; h--)
            {
                alpha[h] = rhoHist[h] * Dot(sHist[h], dir);
                Axpy(-alpha[h], yHist[h], dir);
            }
            if (sHist.Count > 0)
            {
                var (sl, yl) = (sHist[^1], yHist[^1]);
                double gamma = Dot(sl, yl) / Dot(yl, yl);
                for (int k = 0; k < p; k++) dir[k] *= gamma;
            }
            for (int h = 0; h < sHist.Count; h++)
            {
                double beta = rhoHist[h] * Dot(yHist[h], dir);
                Axpy(alpha[h] - beta, sHist[h], dir);
            }
            double slope = Dot(dir, grad);
            if (!(slope < 0))
            {
                // Not a descent direction (numerical trouble): restart from steepest descent.
                sHist.Clear(); yHist.Clear(); rhoHist.Clear();
                for (int k = 0; k < p; k++) dir[k] = -grad[k];
                slope = Dot(dir, grad);
                if (!(slope < 0)) break;
            }
            double step = sHist.Count == 0 ? Math.Min(1, 1 / Math.Sqrt(-slope)) : 1;
            double fNext = double.NaN;
            bool accepted = false;
            // Twelve halvings without sufficient decrease means the objective's float noise is reached (ML.NET stops there
            // too, with its "premature convergence" warning): keep the current point.
            for (int tries = 0; tries < 12; tries++)
            {
                for (int k = 0; k < p; k++) next[k] = theta[k] + step * dir[k];
                fNext = Evaluate(x, y, penalty, next, nextGrad);
                if (fNext <= f + 1e-4 * step * slope) { accepted = true; break; }
                step *= 0.5;
            }
            if (!accepted) break;
            var s = new double[p];
            var yy = new double[p];
            for (int k = 0; k < p; k++) { s[k] = next[k] - theta[k]; yy[k] = nextGrad[k] - grad[k]; }
            double sy = Dot(s, yy);
            if (sy > 1e-20)
            {
                if (sHist.Count == m) { sHist.RemoveAt(0); yHist.RemoveAt(0); rhoHist.RemoveAt(0); }
                sHist.Add(s); yHist.Add(yy); rhoHist.Add(1 / sy);
            }
            (theta, next) = (next, theta);
            (grad, nextGrad) = (nextGrad, grad);
            f = fNext;

            // ML.NET's MeanRelativeImprovementCriterion(tolerance, 5, maximumNumberOfIterations).
            if (iter >= settings.MaximumNumberOfIterations) break;
            if (past.Count < 5) { past.Enqueue(f); continue; }
            double improvement = (past.Dequeue() - f) / 5;
            past.Enqueue(f);
            if (improvement / Math.Abs(f) < settings.OptimizationTolerance) break;
        }
        return theta;
    }

    static double Dot(double[] a, double[] b)
    {
        double s = 0;
        for (int k = 0; k < a.Length; k++) s += a[k] * b[k];
        return s;
    }

    static void Axpy(double a, double[] x, double[] y)
    {
        for (int k = 0; k < x.Length; k++) y[k] += a * x[k];
    }

    const int Block = 1024;

    /// <summary>
    /// The objective and its gradient at theta = [b, w...], in one pass over the rows in blocks (the block's columns stay
    /// in cache between the margin and the gradient). Sums run in a fixed order: the same bits on every run.
    /// </summary>
    internal static double Evaluate(float[][] x, float[] y, double[] penalty, double[] theta, double[] grad)
    {
        int d = x.Length, n = y.Length;
        Array.Clear(grad);
        double loss = 0;
        Span<float> z = stackalloc float[Block];
        Span<float> r = stackalloc float[Block];
        var w = new float[d];
        for (int j = 0; j < d; j++) w[j] = (float)theta[j + 1];
        float b = (float)theta[0];
        for (int start = 0; start < n; start += Block)
        {
            int len = Math.Min(Block, n - start);
            var zb = z[..len];
            zb.Fill(b);
            for (int j = 0; j < d; j++) MultiplyAdd(x[j].AsSpan(start, len), w[j], zb);
            var (blockLoss, blockBias) = LossAndResidual(zb, y.AsSpan(start, len), r[..len]);
            loss += blockLoss;
            grad[0] += blockBias;
            var rb = r[..len];
            for (int j = 0; j < d; j++) grad[j + 1] += DotBlock(x[j].AsSpan(start, len), rb);
        }
        double reg = 0;
        for (int j = 1; j <= d; j++)
        {
            reg += penalty[j - 1] * theta[j] * theta[j];
            grad[j] += penalty[j - 1] * theta[j];
        }
        double scale = 1.0 / n;
        for (int k = 0; k < grad.Length; k++) grad[k] *= scale;
        return (loss + 0.5 * reg) * scale;
    }

    /// <summary>
    /// Per row, the log-loss log(1 + e^z) - y z and the residual sigmoid(z) - y into <paramref name="r"/>, eight lanes at a
    /// time (written without overflow: e = exp(-|z|)); returns the sums of both, in fixed lanes then a fixed-order sum.
    /// </summary>
    static (double Loss, double Residual) LossAndResidual(ReadOnlySpan<float> z, ReadOnlySpan<float> y, Span<float> r)
    {
        var lossAcc = Vector256<double>.Zero;
        var resAcc = Vector256<double>.Zero;
        var one = Vector256.Create(1f);
        int i = 0;
        for (; i <= z.Length - 8; i += 8)
        {
            var zv = Vector256.Create(z[i..]);
            var yv = Vector256.Create(y[i..]);
            var e = Vector256.Exp(-Vector256.Abs(zv));
            var onePlus = one + e;
            var lv = Vector256.Max(zv, Vector256<float>.Zero) + Vector256.Log(onePlus) - yv * zv;
            lossAcc += Vector256.WidenLower(lv) + Vector256.WidenUpper(lv);
            var sigmoid = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(zv, Vector256<float>.Zero), one, e) / onePlus;
            var rv = sigmoid - yv;
            rv.CopyTo(r[i..]);
            resAcc += Vector256.WidenLower(rv) + Vector256.WidenUpper(rv);
        }
        double loss = 0, residual = 0;
        for (int k = 0; k < 4; k++) { loss += lossAcc[k]; residual += resAcc[k]; }
        for (; i < z.Length; i++)
        {
            float zi = z[i], yi = y[i];
            float e = MathF.Exp(-MathF.Abs(zi));
            loss += MathF.Max(zi, 0) + MathF.Log(1 + e) - yi * zi;
            float ri = (zi >= 0 ? 1 : e) / (1 + e) - yi;
            r[i] = ri;
            residual += ri;
        }
        return (loss, residual);
    }

    /// <summary>z += a * x, eight lanes at a time.</summary>
    static void MultiplyAdd(ReadOnlySpan<float> x, float a, Span<float> z)
    {
        int i = 0;
        var av = Vector256.Create(a);
        for (; i <= x.Length - 8; i += 8)
            (Vector256.Create(x[i..]) * av + Vector256.Create<float>(z[i..])).CopyTo(z[i..]);
        for (; i < x.Length; i++) z[i] += a * x[i];
    }

    /// <summary>The dot product of a block, in eight fixed lanes then a fixed-order sum (the same bits on every machine).</summary>
    static double DotBlock(ReadOnlySpan<float> x, ReadOnlySpan<float> r)
    {
        var acc = Vector256<float>.Zero;
        int i = 0;
        for (; i <= x.Length - 8; i += 8) acc += Vector256.Create(x[i..]) * Vector256.Create(r[i..]);
        double s = 0;
        for (int k = 0; k < 8; k++) s += acc[k];
        for (; i < x.Length; i++) s += (double)x[i] * r[i];
        return s;
    }

    /// <summary>
    /// The prediction transformer ML.NET's LbfgsLogisticRegression returns: its calibrated linear model (Platt slope -1,
    /// offset 0: the probability is the sigmoid of the score). ML.NET 6.0.0 keeps these constructors internal; they are
    /// called by reflection (the model saves and loads like one ML.NET trained).
    /// </summary>
    static ITransformer Predictor(MLContext ml, double[] theta, DataViewSchema schema, string featuresColumn)
    {
        const BindingFlags Internal = BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public;
        var weights = new VBuffer<float>(theta.Length - 1, theta.Skip(1).Select(v => (float)v).ToArray());
        var env = (IHostEnvironment)ml;
        var linear = Construct(typeof(LinearBinaryModelParameters), [typeof(IHostEnvironment), typeof(VBuffer<float>).MakeByRefType(), typeof(float), typeof(ModelStatisticsBase)],
            [env, weights, (float)theta[0], null]);
        var platt = Construct(typeof(PlattCalibrator), [typeof(IHostEnvironment), typeof(double), typeof(double)], [env, -1.0, 0.0]);
        var calibratedType = typeof(CalibratedModelParametersBase<,>).Assembly
            .GetType("Microsoft.ML.Calibrators.ParameterMixingCalibratedModelParameters`2", throwOnError: true)!
            .MakeGenericType(typeof(LinearBinaryModelParameters), typeof(PlattCalibrator));
        var calibrated = Construct(calibratedType, [typeof(IHostEnvironment), typeof(LinearBinaryModelParameters), typeof(PlattCalibrator)], [env, linear, platt]);
        var transformerType = typeof(BinaryPredictionTransformer<>).MakeGenericType(typeof(CalibratedModelParametersBase<LinearBinaryModelParameters, PlattCalibrator>));
        return (ITransformer)Construct(transformerType,
            [typeof(IHostEnvironment), typeof(CalibratedModelParametersBase<LinearBinaryModelParameters, PlattCalibrator>), typeof(DataViewSchema), typeof(string), typeof(float), typeof(string)],
            [env, calibrated, schema, featuresColumn, 0f, "Score"]);

        static object Construct(Type type, Type[] parameters, object?[] arguments) =>
            (type.GetConstructor(Internal, parameters)
                ?? throw new InvalidOperationException($"ML.NET's {type.Name} has no constructor ({string.Join(", ", parameters.Select(p => p.Name))}); the fast L-BFGS fit needs ML.NET 6.0.0."))
            .Invoke(arguments);
    }
}
