using MlBuild.Core.Data.Drift.Statistics;
using Xunit;

namespace MlBuild.Core.Tests.Drift;

public sealed class DriftStatisticsTests
{
    static double[] Bell(int n, int seed, double shift = 0, double scale = 1)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (rng.NextDouble() + rng.NextDouble() + rng.NextDouble() + rng.NextDouble() - 2) * scale + shift).ToArray();
    }

    [Fact]
    public void Larger_shifts_give_larger_statistics_and_smaller_p_values()
    {
        var reference = SortedSample.Sort(Bell(5000, 1));
        DriftStatistic? lastKs = null, lastPsi = null, lastW = null;
        foreach (var shift in new[] { 0.0, 0.05, 0.2, 0.6, 2.0 })
        {
            var current = SortedSample.Sort(Bell(4000, 2, shift));
            var ks = KolmogorovSmirnov.Test(reference, current);
            var psi = PopulationStabilityIndex.Compute(reference, current);
            var w = Wasserstein.Normalized(reference, current);
            Assert.All(new[] { ks, psi, w }, s => Assert.Equal(DriftDirection.HigherIsMoreDrift, s.Direction));
            if (lastKs is not null)
            {
                Assert.True(ks.Value > lastKs.Value, $"KS at shift {shift}");
                Assert.True(ks.PValue < lastKs.PValue || ks.PValue == 0, $"KS p at shift {shift}");
                Assert.True(psi.Value > lastPsi!.Value, $"PSI at shift {shift}");
                Assert.True(w.Value > lastW!.Value, $"Wasserstein at shift {shift}");
            }
            (lastKs, lastPsi, lastW) = (ks, psi, w);
        }
        // A shift of two reference spreads (std of the bell is 1/sqrt(3)) moves the distance by about that much.
        Assert.InRange(lastW!.Value, 3.3, 3.6);
    }

    [Fact]
    public void Ks_from_bins_brackets_the_exact_d_and_is_exact_when_each_bin_holds_one_value()
    {
        var rv = Bell(3000, 3);
        var cv = Bell(2500, 4, 0.15);
        var exact = KolmogorovSmirnov.Test(SortedSample.Sort(rv), SortedSample.Sort(cv)).Value;
        double lastWidth = double.PositiveInfinity;
        foreach (var width in new[] { 0.5, 0.1, 0.02, 0.004 })
        {
            var (low, high, n1, n2) = KolmogorovSmirnov.BoundsFromBins(Bins(rv, width), Bins(cv, width));
            Assert.Equal(3000, n1);
            Assert.Equal(2500, n2);
            Assert.InRange(exact, low - 1e-12, high + 1e-12);
            Assert.True(high - low <= lastWidth, $"bins of {width} widened the interval");
            lastWidth = high - low;
            var sketched = KolmogorovSmirnov.TestFromBins(Bins(rv, width), Bins(cv, width));
            Assert.False(sketched.IsExact);
            Assert.True(Math.Abs(sketched.Value - exact) <= sketched.ErrorBound + 1e-12);
        }
        Assert.True(lastWidth < 0.01, $"fine bins still leave {lastWidth}");

        // One bin per distinct value: nothing is unknown inside a bin, so the answer is the exact D.
        static List<ValueBin> PointBins(double[] v) => v.GroupBy(x => x).OrderBy(g => g.Key).Select(g => new ValueBin(g.Key, g.Key, g.Count())).ToList();
        var point = KolmogorovSmirnov.TestFromBins(PointBins(rv), PointBins(cv));
        Assert.True(point.IsExact);
        Assert.Equal(0, point.ErrorBound);
        Assert.Equal(exact, point.Value, 12);
    }

    /// <summary>Equal-width bins [k w, (k+1) w) over the values, as a sketch would summarise them.</summary>
    static List<ValueBin> Bins(double[] values, double width) => values
        .GroupBy(v => Math.Floor(v / width))
        .OrderBy(g => g.Key)
        .Select(g => new ValueBin(Math.Min(g.Key * width, g.Min()), Math.Max(Math.BitDecrement((g.Key + 1) * width), g.Max()), g.Count()))
        .ToList();

    [Fact]
    public void Identical_samples_show_no_drift_on_any_statistic()
    {
        var values = Bell(1500, 5);
        var a = SortedSample.Sort(values);
        var b = SortedSample.Sort(values.Reverse());
        Assert.Equal(0, KolmogorovSmirnov.Test(a, b).Value);
        Assert.Equal(1, KolmogorovSmirnov.Test(a, b).PValue);
        Assert.Equal(0, PopulationStabilityIndex.Compute(a, b).Value);
        Assert.Equal(0, Wasserstein.Normalized(a, b).Value);
        var counts = new Dictionary<string, long> { ["x"] = 5, ["y"] = 7 };
        Assert.Equal(0, CategoricalDrift.JensenShannon(counts, counts).Value);
        Assert.Equal(1, CategoricalDrift.ChiSquare(counts, counts).PValue!.Value, 12);
        Assert.Equal(0, CategoricalDrift.UnseenShare(counts, counts).Value);
        Assert.Equal(0, ColumnDrift.NullRateChange(3, 10, 30, 100).Value);
    }

    [Fact]
    public void Null_rate_change_is_the_absolute_difference_of_rates()
    {
        Assert.Equal(0.05, ColumnDrift.NullRateChange(0, 1000, 50, 1000).Value, 15);
        Assert.Equal(0.15, ColumnDrift.NullRateChange(200, 1000, 50, 1000).Value, 15);
        Assert.Throws<ArgumentOutOfRangeException>(() => ColumnDrift.NullRateChange(5, 4, 0, 1));
    }

    [Fact]
    public void Unseen_share_counts_current_values_in_categories_the_reference_lacks()
    {
        var reference = new Dictionary<string, long> { ["a"] = 10, ["b"] = 5, ["gone"] = 4 };
        var current = new Dictionary<string, long> { ["a"] = 6, ["new1"] = 3, ["new2"] = 1 };
        Assert.Equal(0.4, CategoricalDrift.UnseenShare(reference, current).Value, 15);
        var (added, missing) = CategoricalDrift.CategoryChanges(reference, current);
        Assert.Equal(["new1", "new2"], added);
        Assert.Equal(["b", "gone"], missing);
    }

    [Fact]
    public void Benjamini_Hochberg_keeps_order_is_monotone_and_never_below_the_raw_p()
    {
        var rng = new Random(9);
        var p = Enumerable.Range(0, 200).Select(_ => Math.Pow(rng.NextDouble(), 3)).ToArray();
        var adjusted = BenjaminiHochberg.Adjust(p);
        var order = Enumerable.Range(0, p.Length).OrderBy(i => p[i]).ToArray();
        for (int k = 0; k < order.Length; k++)
        {
            Assert.True(adjusted[order[k]] >= p[order[k]]);
            Assert.InRange(adjusted[order[k]], 0, 1);
            if (k > 0) Assert.True(adjusted[order[k]] >= adjusted[order[k - 1]]);
        }
        Assert.Empty(BenjaminiHochberg.Adjust([]));
        Assert.Throws<ArgumentException>(() => BenjaminiHochberg.Adjust([0.1, double.NaN]));
        Assert.Throws<ArgumentException>(() => BenjaminiHochberg.Adjust([1.5]));
    }

    [Fact]
    public void Bad_samples_are_refused_with_argument_errors()
    {
        Assert.Throws<ArgumentException>(() => SortedSample.FromSorted([1, 3, 2]));
        Assert.Throws<ArgumentException>(() => SortedSample.FromSorted([1, double.NaN]));
        Assert.Throws<ArgumentException>(() => SortedSample.FromCounts([1, 1], [2, 3]));
        Assert.Throws<ArgumentException>(() => SortedSample.FromCounts([1, 2], [2, 0]));
        var empty = SortedSample.FromSorted([]);
        var one = SortedSample.FromSorted([1.0]);
        Assert.Throws<ArgumentException>(() => KolmogorovSmirnov.Test(empty, one));
        Assert.Throws<ArgumentException>(() => Wasserstein.Distance(one, empty));
        Assert.Throws<ArgumentException>(() => PopulationStabilityIndex.Compute(empty, one));
        Assert.Throws<ArgumentException>(() => KolmogorovSmirnov.TestFromBins([new ValueBin(0, 1, 3), new ValueBin(1, 2, 1)], [new ValueBin(0, 1, 1)]));
        Assert.Throws<ArgumentException>(() => CategoricalDrift.ChiSquare(new Dictionary<string, long> { ["a"] = 1 }, new Dictionary<string, long>()));
    }

    [Fact]
    public void Large_samples_use_the_asymptotic_distribution_and_stay_quick()
    {
        // 200k vs 150k: beyond scipy's exact limit, so kstwo at n = round(n1 n2 / (n1 + n2)); the Smirnov sum runs over
        // tens of thousands of terms and must still be fast.
        var r = SortedSample.Sort(Bell(200_000, 11));
        var c = SortedSample.Sort(Bell(150_000, 12, 0.01));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var ks = KolmogorovSmirnov.Test(r, c);
        watch.Stop();
        Assert.Equal(PValueMethod.Asymptotic, ks.PValueMethod);
        Assert.InRange(ks.PValue!.Value, 0, 1);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"KS of 350k values took {watch.Elapsed}");
    }
}
