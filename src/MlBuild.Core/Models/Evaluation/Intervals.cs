using MathNet.Numerics.Distributions;

namespace MlBuild.Core.Models.Evaluation;

/// <summary>How an interval was computed.</summary>
public enum IntervalMethod
{
    /// <summary>No interval (strict mode, or an undefined metric).</summary>
    None,
    /// <summary>Wilson score interval for a proportion.</summary>
    Wilson,
    /// <summary>Percentile interval of seeded bootstrap replicates.</summary>
    BootstrapPercentile,
}

/// <summary>Settings of an evaluation's intervals. Same settings and data give the same figures on any thread count.</summary>
public sealed record IntervalOptions
{
    /// <summary>Two-sided confidence level.</summary>
    public double ConfidenceLevel { get; init; } = 0.95;
    /// <summary>Bootstrap replicate count.</summary>
    public int Resamples { get; init; } = 2000;
    /// <summary>Bootstrap seed.</summary>
    public int Seed { get; init; } = 42;
    /// <summary>Threads for the bootstrap (results do not depend on it).</summary>
    public int MaxParallelism { get; init; } = Environment.ProcessorCount;
}

/// <summary>A metric's value with its interval and how it was obtained.</summary>
/// <param name="Metric">Canonical metric name (for a comparison: the metric whose difference this is).</param>
/// <param name="Direction">Which way is better.</param>
/// <param name="Value">Point estimate on the test rows (NaN when undefined).</param>
/// <param name="Low">Lower end of the interval (NaN when none).</param>
/// <param name="High">Upper end of the interval (NaN when none).</param>
/// <param name="Count">Rows (for Wilson: the proportion's trials).</param>
/// <param name="Method">How the interval was computed.</param>
/// <param name="ConfidenceLevel">Its confidence level.</param>
/// <param name="Seed">Bootstrap seed, or null.</param>
/// <param name="Resamples">Bootstrap replicates used (those where the metric was defined), or null.</param>
public sealed record MetricEstimate(string Metric, MetricDirection Direction, double Value, double Low, double High, long Count,
                                   IntervalMethod Method, double ConfidenceLevel, int? Seed = null, int? Resamples = null);

/// <summary>Confidence intervals: Wilson for proportions, seeded percentile bootstrap for everything else.</summary>
public static class Intervals
{
    /// <summary>The standard normal quantile for a two-sided level (1.959964 for 0.95).</summary>
    public static double Z(double confidenceLevel) => Normal.InvCDF(0, 1, 1 - (1 - confidenceLevel) / 2);

    /// <summary>Wilson score interval of <paramref name="successes"/> out of <paramref name="trials"/>; NaNs for no trials.</summary>
    public static (double Low, double High) Wilson(long successes, long trials, double confidenceLevel)
    {
        if (trials <= 0) return (double.NaN, double.NaN);
        double z = Z(confidenceLevel), n = trials, p = successes / n, z2 = z * z;
        double centre = (p + z2 / (2 * n)) / (1 + z2 / n);
        double half = z / (1 + z2 / n) * Math.Sqrt(p * (1 - p) / n + z2 / (4 * n * n));
        // Exact at the ends (0 successes has low 0), not a rounding error away from it.
        return (successes == 0 ? 0 : Math.Max(0, centre - half), successes == trials ? 1 : Math.Min(1, centre + half));
    }

    /// <summary>
    /// Bootstrap replicates of several statistics over the same resamples. Replicate r draws <paramref name="rows"/>
    /// rows with replacement from a generator seeded by (seed, r) alone, and writes its own slot, so the result does
    /// not depend on the thread count or scheduling. Returns [replicate, statistic]. <paramref name="compute"/> gets
    /// how often each row was drawn.
    /// </summary>
    public static double[,] Bootstrap(int rows, int statistics, IntervalOptions options, Action<int[], double[]> compute) =>
        Bootstrap(rows, [(rows, null)], statistics, options, (w, values) => compute(w[0], values));

    /// <summary>
    /// Like the row bootstrap, with the draws counted per unit in each of several unit spaces (a unit space maps each
    /// row to a unit, e.g. a binary model's score cells; null maps a row to itself). Several spaces over the same rows
    /// and the same draws make a paired comparison of two models.
    /// </summary>
    internal static double[,] Bootstrap(int rows, IReadOnlyList<(int Units, int[]? UnitOfRow)> spaces, int statistics, IntervalOptions options,
                                        Action<int[][], double[]> compute)
    {
        var result = new double[options.Resamples, statistics];
        Parallel.For(0, options.Resamples, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.MaxParallelism) },
            () => (Weights: spaces.Select(s => new int[s.Units]).ToArray(), Values: new double[statistics]),
            (r, _, buffers) =>
            {
                Resample(buffers.Weights, spaces, rows, options.Seed, r);
                compute(buffers.Weights, buffers.Values);
                for (int j = 0; j < statistics; j++) result[r, j] = buffers.Values[j];
                return buffers;
            },
            _ => { });
        return result;
    }

    /// <summary>Fills <paramref name="weights"/> with how often each row is drawn in replicate <paramref name="replicate"/>.</summary>
    public static void Resample(int[] weights, int seed, int replicate) => Resample([weights], [(weights.Length, null)], weights.Length, seed, replicate);

    static void Resample(int[][] weights, IReadOnlyList<(int Units, int[]? UnitOfRow)> spaces, int rows, int seed, int replicate)
    {
        foreach (var w in weights) Array.Clear(w);
        var rng = new SplitMix64(((ulong)(uint)seed << 32) ^ (ulong)(uint)replicate ^ 0x9E3779B97F4A7C15UL);
        ulong n = (ulong)rows;
        if (spaces.Count == 1)
        {
            var w = weights[0]; var map = spaces[0].UnitOfRow;
            if (map is null) for (int i = 0; i < rows; i++) w[(int)Math.BigMul(rng.Next(), n, out _)]++;
            else for (int i = 0; i < rows; i++) w[map[(int)Math.BigMul(rng.Next(), n, out _)]]++;
            return;
        }
        for (int i = 0; i < rows; i++)
        {
            int row = (int)Math.BigMul(rng.Next(), n, out _);
            for (int k = 0; k < weights.Length; k++) weights[k][spaces[k].UnitOfRow is { } map ? map[row] : row]++;
        }
    }

    /// <summary>Percentile interval of one statistic's replicates (NaN replicates left out; linear interpolation
    /// between order statistics, as numpy's default). Returns the interval and the replicates used.</summary>
    public static (double Low, double High, int Used) Percentile(double[,] replicates, int statistic, double confidenceLevel)
    {
        var values = new List<double>(replicates.GetLength(0));
        for (int r = 0; r < replicates.GetLength(0); r++)
            if (!double.IsNaN(replicates[r, statistic])) values.Add(replicates[r, statistic]);
        if (values.Count == 0) return (double.NaN, double.NaN, 0);
        values.Sort();
        double alpha = 1 - confidenceLevel;
        return (Quantile(values, alpha / 2), Quantile(values, 1 - alpha / 2), values.Count);
    }

    static double Quantile(List<double> sorted, double q)
    {
        double pos = q * (sorted.Count - 1);
        int lo = (int)Math.Floor(pos), hi = Math.Min(lo + 1, sorted.Count - 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }

    /// <summary>SplitMix64 (Steele, Lea, Flood 2014): tiny, fast, and the same sequence on every platform.</summary>
    struct SplitMix64(ulong state)
    {
        ulong _state = state;

        public ulong Next()
        {
            ulong z = _state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }
}
