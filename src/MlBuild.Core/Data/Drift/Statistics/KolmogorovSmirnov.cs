namespace MlBuild.Core.Data.Drift.Statistics;

/// <summary>A range of values and how many of a sample's values fall in it (both ends inclusive): one bin of a summary.</summary>
/// <param name="Low">The smallest value the bin can hold.</param>
/// <param name="High">The largest value the bin can hold (&gt;= <paramref name="Low"/>).</param>
/// <param name="Count">How many values lie in [Low, High].</param>
public readonly record struct ValueBin(double Low, double High, long Count);

/// <summary>
/// The two-sample Kolmogorov-Smirnov test, two-sided, as scipy's <c>ks_2samp(method='auto')</c>: D is the largest gap
/// between the two empirical CDFs (ties grouped); the p-value is exact (Hodges' lattice-path counts) when both samples
/// have at most 10,000 values, otherwise the one-sample distribution <c>kstwo</c> at n = round(n1 n2 / (n1 + n2)).
/// </summary>
public static class KolmogorovSmirnov
{
    /// <summary>scipy's <c>MAX_AUTO_N</c>: the exact distribution is used while both samples are at most this large.</summary>
    public const int MaxExactSampleSize = 10_000;

    /// <summary>D and its p-value from every value of both samples.</summary>
    /// <exception cref="ArgumentException">A sample is empty.</exception>
    public static DriftStatistic Test(SortedSample reference, SortedSample current)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(current);
        long n1 = reference.Count, n2 = current.Count;
        if (n1 == 0 || n2 == 0) throw new ArgumentException("A Kolmogorov-Smirnov test needs values in both samples.");
        // Walk the merged distinct values; the gap |c1/n1 - c2/n2| is compared as the exact integer |c1 n2 - c2 n1|.
        var a = reference.Runs();
        var b = current.Runs();
        bool hasA = a.MoveNext(), hasB = b.MoveNext();
        long c1 = 0, c2 = 0;
        UInt128 best = 0;
        while (hasA || hasB)
        {
            double v = !hasB || (hasA && a.Value <= b.Value) ? a.Value : b.Value;
            if (hasA && a.Value == v) { c1 += a.Count; hasA = a.MoveNext(); }
            if (hasB && b.Value == v) { c2 += b.Count; hasB = b.MoveNext(); }
            Int128 gap = (Int128)c1 * n2 - (Int128)c2 * n1;
            UInt128 abs = (UInt128)(gap < 0 ? -gap : gap);
            if (abs > best) best = abs;
        }
        return FromGap(best, n1, n2);
    }

    /// <summary>
    /// D and p-value for a known largest gap: D = gap / (n1 n2), divided once so the same counts always give the same bits.
    /// </summary>
    static DriftStatistic FromGap(UInt128 gap, long n1, long n2)
    {
        double d = (double)gap / ((double)n1 * n2);
        var (p, method) = PValue(d, n1, n2);
        return new DriftStatistic(DriftMethod.KolmogorovSmirnov, d, IsExact: true) { PValue = p, PValueMethod = method };
    }

    /// <summary>
    /// The two-sided p-value of D for samples of n1 and n2 values, choosing the method as scipy's <c>method='auto'</c>
    /// does: exact while max(n1, n2) &lt;= 10,000 (falling back to the asymptotic one if the exact computation loses
    /// range), otherwise <c>kstwo.sf(d, round(n1 n2 / (n1 + n2)))</c>.
    /// </summary>
    public static (double PValue, PValueMethod Method) PValue(double d, long n1, long n2)
    {
        if (n1 <= 0 || n2 <= 0) throw new ArgumentOutOfRangeException(n1 <= 0 ? nameof(n1) : nameof(n2));
        if (double.IsNaN(d)) return (double.NaN, PValueMethod.None);
        if (Math.Max(n1, n2) <= MaxExactSampleSize)
        {
            long g = KolmogorovDistribution.Gcd(n1, n2);
            long lcm = n1 / g * n2;
            long h = (long)Math.Round(d * lcm, MidpointRounding.ToEven);
            if (h == 0) return (1.0, PValueMethod.Exact);
            double exact = KolmogorovDistribution.TwoSampleExactSurvival((int)n1, (int)n2, h);
            if (!double.IsNaN(exact)) return (exact, PValueMethod.Exact);
        }
        double m = Math.Max(n1, n2), n = Math.Min(n1, n2);
        double en = m * n / (m + n);
        int effective = (int)Math.Round(en, MidpointRounding.ToEven);
        return (KolmogorovDistribution.TwoSidedSurvival(effective, d), PValueMethod.Asymptotic);
    }

    /// <summary>
    /// D from binned summaries of the two samples (a quantile sketch's buckets), with the interval the exact D must lie in.
    /// Inside a bin the values' positions are unknown, so each ECDF is only known to lie between the counts of the bins
    /// entirely at or below x and of the bins starting at or below x. The result's <see cref="DriftStatistic.Value"/> is
    /// the middle of [lowest possible D, highest possible D] and <see cref="DriftStatistic.ErrorBound"/> half its width;
    /// the p-value is that of the middle value (asymptotic whenever the samples are large, as the exact one needs D on
    /// its lattice). Bins of one sample must be sorted by <see cref="ValueBin.Low"/> and must not overlap.
    /// </summary>
    public static DriftStatistic TestFromBins(IReadOnlyList<ValueBin> reference, IReadOnlyList<ValueBin> current)
    {
        var (low, high, n1, n2) = BoundsFromBins(reference, current);
        double middle = (low + high) / 2;
        var (p, method) = PValue(middle, n1, n2);
        return new DriftStatistic(DriftMethod.KolmogorovSmirnov, middle, IsExact: low == high)
        {
            PValue = p,
            PValueMethod = method,
            ErrorBound = (high - low) / 2,
        };
    }

    /// <summary>The smallest and largest D the two binned summaries allow, and the sample sizes.</summary>
    public static (double Low, double High, long N1, long N2) BoundsFromBins(IReadOnlyList<ValueBin> reference, IReadOnlyList<ValueBin> current)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(current);
        var a = new BinnedEcdf(reference, nameof(reference));
        var b = new BinnedEcdf(current, nameof(current));
        long n1 = a.Total, n2 = b.Total;
        if (n1 == 0 || n2 == 0) throw new ArgumentException("A Kolmogorov-Smirnov test needs values in both samples.");
        // Each ECDF bound is a step function that moves only at bin edges, so the extremes of their differences are at an
        // edge or just below one: evaluate at every edge x and at x-.
        var edges = SortedEdges(reference, current);
        double lowD = 0, highD = 0;
        foreach (var x in edges)
        {
            for (int side = 0; side < 2; side++)
            {
                bool below = side == 1;
                var (aMin, aMax) = a.CountBoundsAscending(x, below);
                var (bMin, bMax) = b.CountBoundsAscending(x, below);
                double fa0 = (double)aMin / n1, fa1 = (double)aMax / n1;
                double fb0 = (double)bMin / n2, fb1 = (double)bMax / n2;
                highD = Math.Max(highD, Math.Max(fa1 - fb0, fb1 - fa0));
                lowD = Math.Max(lowD, Math.Max(fa0 - fb1, fb0 - fa1));
            }
        }
        return (lowD, highD, n1, n2);
    }

    /// <summary>Every bin's low and high end, ascending: merged from the four ascending lists sorted bins give (a sketch's
    /// always), else sorted.</summary>
    static double[] SortedEdges(IReadOnlyList<ValueBin> reference, IReadOnlyList<ValueBin> current)
    {
        var lists = new[] { reference.Select(b => b.Low).ToArray(), reference.Select(b => b.High).ToArray(),
                            current.Select(b => b.Low).ToArray(), current.Select(b => b.High).ToArray() };
        if (!lists.All(Ascending))
        {
            var all = lists.SelectMany(x => x).ToArray();
            Array.Sort(all);
            return all;
        }
        return Merge(Merge(lists[0], lists[1]), Merge(lists[2], lists[3]));

        static bool Ascending(double[] xs)
        {
            for (int i = 1; i < xs.Length; i++)
                if (!(xs[i - 1] <= xs[i])) return false;
            return xs.Length == 0 || !double.IsNaN(xs[0]);
        }

        static double[] Merge(double[] a, double[] b)
        {
            var merged = new double[a.Length + b.Length];
            int i = 0, j = 0, k = 0;
            while (i < a.Length && j < b.Length) merged[k++] = b[j] < a[i] ? b[j++] : a[i++];
            while (i < a.Length) merged[k++] = a[i++];
            while (j < b.Length) merged[k++] = b[j++];
            return merged;
        }
    }

    /// <summary>Bounds on a sample's ECDF from its bins: prefix sums over bins ordered by both ends.</summary>
    sealed class BinnedEcdf
    {
        readonly double[] _lows, _highs;
        readonly long[] _prefix; // _prefix[i] = count of bins 0..i-1

        public BinnedEcdf(IReadOnlyList<ValueBin> bins, string name)
        {
            _lows = new double[bins.Count];
            _highs = new double[bins.Count];
            _prefix = new long[bins.Count + 1];
            for (int i = 0; i < bins.Count; i++)
            {
                var bin = bins[i];
                if (double.IsNaN(bin.Low) || double.IsNaN(bin.High) || bin.High < bin.Low || bin.Count < 0)
                    throw new ArgumentException($"Bin {i} is not a range with a count.", name);
                if (i > 0 && !(bin.Low > bins[i - 1].High))
                    throw new ArgumentException($"Bin {i} starts before bin {i - 1} ends: bins must be ascending and disjoint.", name);
                _lows[i] = bin.Low;
                _highs[i] = bin.High;
                _prefix[i + 1] = checked(_prefix[i] + bin.Count);
            }
        }

        public long Total => _prefix[^1];

        // Cursors of CountBoundsAscending: how many highs and lows are <= (or <) the last x asked.
        int _highsAtOrBelow, _highsBelow, _lowsAtOrBelow, _lowsBelow;

        /// <summary>
        /// <see cref="CountBounds"/> for calls whose x never decreases (an ascending walk over the edges): the counts
        /// only grow, so each is a cursor moved forward instead of a binary search.
        /// </summary>
        public (long Min, long Max) CountBoundsAscending(double x, bool below) => below
            ? (_prefix[Advance(_highs, x, true, ref _highsBelow)], _prefix[Advance(_lows, x, true, ref _lowsBelow)])
            : (_prefix[Advance(_highs, x, false, ref _highsAtOrBelow)], _prefix[Advance(_lows, x, false, ref _lowsAtOrBelow)]);

        static int Advance(double[] ascending, double x, bool strict, ref int cursor)
        {
            int i = cursor;
            while (i < ascending.Length && (strict ? ascending[i] < x : ascending[i] <= x)) i++;
            return cursor = i;
        }

        /// <summary>
        /// How many values surely lie at or below x (bins with High &lt;= x) and how many possibly do (bins with
        /// Low &lt;= x); with <paramref name="below"/>, strictly below x instead.
        /// </summary>
        public (long Min, long Max) CountBounds(double x, bool below) =>
            (_prefix[CountAtOrBelow(_highs, x, below)], _prefix[CountAtOrBelow(_lows, x, below)]);

        /// <summary>How many of the ascending values are &lt;= x (or &lt; x).</summary>
        static int CountAtOrBelow(double[] ascending, double x, bool strict)
        {
            int lo = 0, hi = ascending.Length;
            while (lo < hi)
            {
                int mid = (lo + hi) >>> 1;
                if (strict ? ascending[mid] < x : ascending[mid] <= x) lo = mid + 1; else hi = mid;
            }
            return lo;
        }
    }
}
