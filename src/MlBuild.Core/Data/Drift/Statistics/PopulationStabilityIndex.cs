namespace MlBuild.Core.Data.Drift.Statistics;

/// <summary>
/// The population stability index over bins cut at the reference's quantiles: PSI = sum over bins of
/// (c - r) ln(c / r), where r and c are the reference's and the current sample's shares of the bin. A share below
/// <see cref="DefaultMinimumShare"/> (an empty bin above all) is raised to it, as Evidently replaces an empty bin's 0 by
/// 0.0001, so the logarithm stays finite; the peers' harness passes its own floor (1e-6).
/// </summary>
public static class PopulationStabilityIndex
{
    /// <summary>The default number of bins (deciles of the reference).</summary>
    public const int DefaultBins = 10;

    /// <summary>The share an empty (or nearly empty) bin counts as: Evidently's 0.0001.</summary>
    public const double DefaultMinimumShare = 1e-4;

    /// <summary>
    /// The <paramref name="bins"/> - 1 interior edges: the reference's quantiles at 1/bins, 2/bins, ... by linear
    /// interpolation between order statistics (numpy's default <c>quantile</c> method). Equal edges (ties) are kept, which
    /// leaves the bins between them empty in both samples, contributing 0.
    /// </summary>
    public static double[] Edges(SortedSample reference, int bins = DefaultBins)
    {
        ArgumentNullException.ThrowIfNull(reference);
        if (bins < 1) throw new ArgumentOutOfRangeException(nameof(bins));
        if (reference.Count == 0) throw new ArgumentException("A reference without values has no quantiles.", nameof(reference));
        var edges = new double[bins - 1];
        long n = reference.Count;
        for (int i = 1; i < bins; i++)
        {
            double q = (double)i / bins;
            double virtualIndex = (n - 1) * q;
            long previous = (long)Math.Floor(virtualIndex);
            if (virtualIndex >= n - 1) { edges[i - 1] = reference.ValueAtRank(n - 1); continue; }
            double gamma = virtualIndex - previous;
            double a = reference.ValueAtRank(previous), b = reference.ValueAtRank(previous + 1);
            double diff = b - a;
            edges[i - 1] = gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma; // numpy's _lerp, both halves
        }
        return edges;
    }

    /// <summary>How many values fall in each bin; a value's bin is the number of edges strictly below it.</summary>
    public static long[] Count(SortedSample sample, IReadOnlyList<double> edges)
    {
        ArgumentNullException.ThrowIfNull(sample);
        ArgumentNullException.ThrowIfNull(edges);
        var counts = new long[edges.Count + 1];
        int bin = 0;
        var runs = sample.Runs();
        while (runs.MoveNext())
        {
            while (bin < edges.Count && edges[bin] < runs.Value) bin++;
            counts[bin] += runs.Count;
        }
        return counts;
    }

    /// <summary>PSI from the bin counts of the two samples (same bins, same order).</summary>
    public static DriftStatistic FromCounts(IReadOnlyList<long> referenceCounts, IReadOnlyList<long> currentCounts,
                                            double minimumShare = DefaultMinimumShare)
    {
        ArgumentNullException.ThrowIfNull(referenceCounts);
        ArgumentNullException.ThrowIfNull(currentCounts);
        if (referenceCounts.Count != currentCounts.Count) throw new ArgumentException("Both samples need the same bins.");
        if (!(minimumShare > 0)) throw new ArgumentOutOfRangeException(nameof(minimumShare));
        long n1 = referenceCounts.Sum(), n2 = currentCounts.Sum();
        if (n1 == 0 || n2 == 0) throw new ArgumentException("PSI needs values in both samples.");
        var sum = new CompensatedSum();
        for (int i = 0; i < referenceCounts.Count; i++)
        {
            double r = Math.Max((double)referenceCounts[i] / n1, minimumShare);
            double c = Math.Max((double)currentCounts[i] / n2, minimumShare);
            sum.Add((c - r) * Math.Log(c / r));
        }
        return new DriftStatistic(DriftMethod.PopulationStabilityIndex, sum.Value, IsExact: true);
    }

    /// <summary>PSI of two samples over <paramref name="bins"/> reference-quantile bins.</summary>
    public static DriftStatistic Compute(SortedSample reference, SortedSample current, int bins = DefaultBins,
                                         double minimumShare = DefaultMinimumShare)
    {
        var edges = Edges(reference, bins);
        return FromCounts(Count(reference, edges), Count(current, edges), minimumShare);
    }
}

/// <summary>Neumaier's compensated sum: the same terms in the same order always give the same bits, within an ulp or so of exact.</summary>
internal struct CompensatedSum
{
    double _sum, _compensation;

    public void Add(double x)
    {
        double t = _sum + x;
        _compensation += Math.Abs(_sum) >= Math.Abs(x) ? (_sum - t) + x : (x - t) + _sum;
        _sum = t;
    }

    public readonly double Value => _sum + _compensation;
}
