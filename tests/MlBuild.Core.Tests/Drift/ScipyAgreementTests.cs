using System.Text.Json;
using MlBuild.Core.Data.Drift.Statistics;
using Xunit;

namespace MlBuild.Core.Tests.Drift;

/// <summary>
/// Every drift figure against the one scipy computed (Drift/fixtures/make_fixtures.py wrote drift-fixtures.json once; no
/// Python at test time): 1e-9 relative, or 1e-12 absolute for a statistic near 0.
/// </summary>
public sealed class ScipyAgreementTests
{
    const double Relative = 1e-9;
    static readonly JsonElement Fixtures = Load();

    static JsonElement Load()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Drift", "fixtures", "drift-fixtures.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.Clone();
    }

    public static TheoryData<string> Cases(string section)
    {
        var data = new TheoryData<string>();
        foreach (var c in Fixtures.GetProperty(section).EnumerateArray()) data.Add(c.GetProperty("name").GetString()!);
        return data;
    }

    public static TheoryData<string> NumericCases() => Cases("numeric");
    public static TheoryData<string> CategoricalCases() => Cases("categorical");

    static JsonElement Case(string section, string name) =>
        Fixtures.GetProperty(section).EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);

    /// <summary>A statistic: relative 1e-9, or absolute 1e-12 when the expected value is near 0.</summary>
    static void AssertStatistic(double expected, double actual, string what)
    {
        double tolerance = Math.Max(Relative * Math.Abs(expected), 1e-12);
        Assert.True(Math.Abs(actual - expected) <= tolerance, $"{what}: expected {expected:R}, got {actual:R}");
    }

    /// <summary>A probability: relative 1e-9 however small (a p-value of 1e-80 must be 1e-80, not 0).</summary>
    static void AssertProbability(double expected, double actual, string what)
    {
        double tolerance = Math.Max(Relative * Math.Abs(expected), 1e-300);
        Assert.True(Math.Abs(actual - expected) <= tolerance, $"{what}: expected {expected:R}, got {actual:R}");
    }

    /// <summary>The fixture's sample: listed values, or drawn by splitmix64 exactly as make_fixtures.py draws them.</summary>
    static double[] Sample(JsonElement entry)
    {
        if (entry.TryGetProperty("values", out var values)) return values.EnumerateArray().Select(v => v.GetDouble()).ToArray();
        var g = entry.GetProperty("generate");
        int n = g.GetProperty("n").GetInt32();
        ulong seed = g.GetProperty("seed").GetUInt64();
        double shift = g.GetProperty("shift").GetDouble(), scale = g.GetProperty("scale").GetDouble();
        switch (g.GetProperty("kind").GetString())
        {
            case "bell":
            {
                var u = Uniforms(seed, 4 * n);
                return Enumerable.Range(0, n).Select(i => ((((u[4 * i] + u[4 * i + 1]) + u[4 * i + 2]) + u[4 * i + 3]) - 2.0) * scale + shift).ToArray();
            }
            case "grid":
            {
                double levels = g.GetProperty("levels").GetDouble();
                return Uniforms(seed, n).Select(x => Math.Floor(x * levels) * scale + shift).ToArray();
            }
            default: throw new InvalidDataException("unknown generator");
        }
    }

    static double[] Uniforms(ulong state, int count)
    {
        var result = new double[count];
        for (int i = 0; i < count; i++)
        {
            state += 0x9E3779B97F4A7C15UL;
            ulong z = state;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            z ^= z >> 31;
            result[i] = (z >> 11) * Math.ScaleB(1.0, -53);
        }
        return result;
    }

    [Theory]
    [MemberData(nameof(NumericCases))]
    public void Numeric_statistics_match_scipy(string name)
    {
        var c = Case("numeric", name);
        var e = c.GetProperty("expected");
        var reference = SortedSample.Sort(Sample(c.GetProperty("reference")));
        var current = SortedSample.Sort(Sample(c.GetProperty("current")));
        Assert.Equal(e.GetProperty("n_reference").GetInt64(), reference.Count);
        Assert.Equal(e.GetProperty("n_current").GetInt64(), current.Count);

        var ks = KolmogorovSmirnov.Test(reference, current);
        AssertStatistic(e.GetProperty("ks_d").GetDouble(), ks.Value, "KS D");
        AssertProbability(e.GetProperty("ks_p").GetDouble(), ks.PValue!.Value, "KS p-value");
        Assert.Equal(e.GetProperty("ks_method").GetString() == "exact" ? PValueMethod.Exact : PValueMethod.Asymptotic, ks.PValueMethod);

        int bins = c.GetProperty("psi_bins").GetInt32();
        double floor = c.GetProperty("psi_floor").GetDouble();
        var edges = PopulationStabilityIndex.Edges(reference, bins);
        var expectedEdges = e.GetProperty("psi_edges").EnumerateArray().Select(x => x.GetDouble()).ToArray();
        Assert.Equal(expectedEdges.Length, edges.Length);
        for (int i = 0; i < edges.Length; i++) AssertStatistic(expectedEdges[i], edges[i], $"PSI edge {i}");
        AssertStatistic(e.GetProperty("psi").GetDouble(), PopulationStabilityIndex.Compute(reference, current, bins, floor).Value, "PSI");

        AssertStatistic(e.GetProperty("wasserstein").GetDouble(), Wasserstein.Distance(reference, current), "Wasserstein");
        AssertStatistic(e.GetProperty("reference_std").GetDouble(), Wasserstein.PopulationStandardDeviation(reference), "reference std");
        AssertStatistic(e.GetProperty("wasserstein_norm").GetDouble(), Wasserstein.Normalized(reference, current).Value, "normalised Wasserstein");
    }

    [Fact]
    public void Numeric_statistics_from_distinct_values_with_counts_equal_those_from_every_value()
    {
        // An exact profile keeps each distinct value once with its count; the figures must be the same bits.
        foreach (var c in Fixtures.GetProperty("numeric").EnumerateArray())
        {
            var all = SortedSample.Sort(Sample(c.GetProperty("reference")));
            var cur = SortedSample.Sort(Sample(c.GetProperty("current")));
            var grouped = Group(Sample(c.GetProperty("reference")));
            var groupedCur = Group(Sample(c.GetProperty("current")));
            Assert.Equal(KolmogorovSmirnov.Test(all, cur), KolmogorovSmirnov.Test(grouped, groupedCur));
            Assert.Equal(PopulationStabilityIndex.Compute(all, cur), PopulationStabilityIndex.Compute(grouped, groupedCur));
            Assert.Equal(Wasserstein.Normalized(all, cur), Wasserstein.Normalized(grouped, groupedCur));
        }
    }

    static SortedSample Group(double[] values)
    {
        var groups = values.GroupBy(v => v).OrderBy(g => g.Key).ToArray();
        return SortedSample.FromCounts(groups.Select(g => g.Key).ToArray(), groups.Select(g => (long)g.Count()).ToArray());
    }

    [Fact]
    public void Kolmogorov_two_sided_distribution_matches_scipy_kstwo_on_every_branch()
    {
        foreach (var p in Fixtures.GetProperty("kstwo_sf").EnumerateArray())
        {
            int n = p.GetProperty("n").GetInt32();
            double x = p.GetProperty("x").GetDouble();
            AssertProbability(p.GetProperty("sf").GetDouble(), KolmogorovDistribution.TwoSidedSurvival(n, x), $"kstwo.sf({x}, {n})");
        }
    }

    [Fact]
    public void Smirnov_one_sided_survival_matches_scipy()
    {
        foreach (var p in Fixtures.GetProperty("smirnov_sf").EnumerateArray())
        {
            int n = p.GetProperty("n").GetInt32();
            double x = p.GetProperty("x").GetDouble();
            AssertProbability(p.GetProperty("sf").GetDouble(), KolmogorovDistribution.SmirnovSurvival(n, x), $"smirnov({n}, {x})");
        }
    }

    [Fact]
    public void Exact_two_sample_distribution_matches_scipy()
    {
        foreach (var p in Fixtures.GetProperty("ks_exact_two_sample").EnumerateArray())
        {
            int n1 = p.GetProperty("n1").GetInt32(), n2 = p.GetProperty("n2").GetInt32();
            long h = p.GetProperty("h").GetInt64();
            AssertProbability(p.GetProperty("p").GetDouble(), KolmogorovDistribution.TwoSampleExactSurvival(n1, n2, h), $"exact({n1}, {n2}, {h})");
        }
    }

    static Dictionary<string, long> Counts(JsonElement e) =>
        e.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64(), StringComparer.Ordinal);

    [Theory]
    [MemberData(nameof(CategoricalCases))]
    public void Categorical_statistics_match_scipy(string name)
    {
        var c = Case("categorical", name);
        var e = c.GetProperty("expected");
        var reference = Counts(c.GetProperty("reference"));
        var current = Counts(c.GetProperty("current"));

        var (categories, _, _) = CategoricalDrift.Align(reference, current);
        Assert.Equal(e.GetProperty("categories").EnumerateArray().Select(x => x.GetString()), categories);
        AssertStatistic(e.GetProperty("js").GetDouble(), CategoricalDrift.JensenShannon(reference, current).Value, "Jensen-Shannon");

        var chi = CategoricalDrift.ChiSquare(reference, current);
        AssertStatistic(e.GetProperty("chi2").GetDouble(), chi.Value, "chi-square");
        AssertProbability(e.GetProperty("chi2_p").GetDouble(), chi.PValue!.Value, "chi-square p");
        Assert.Equal(e.GetProperty("dof").GetInt32(), chi.DegreesOfFreedom);
        var plain = CategoricalDrift.ChiSquare(reference, current, continuityCorrection: false);
        AssertStatistic(e.GetProperty("chi2_uncorrected").GetDouble(), plain.Value, "uncorrected chi-square");
        AssertProbability(e.GetProperty("chi2_uncorrected_p").GetDouble(), plain.PValue!.Value, "uncorrected chi-square p");

        AssertStatistic(e.GetProperty("cramers_v").GetDouble(), CategoricalDrift.CramersV(reference, current).Value, "Cramér's V");
        AssertStatistic(e.GetProperty("unseen_share").GetDouble(), CategoricalDrift.UnseenShare(reference, current).Value, "unseen share");
    }

    [Fact]
    public void Benjamini_Hochberg_matches_scipy_false_discovery_control()
    {
        foreach (var c in Fixtures.GetProperty("benjamini_hochberg").EnumerateArray())
        {
            var p = c.GetProperty("p").EnumerateArray().Select(x => x.GetDouble()).ToArray();
            var expected = c.GetProperty("adjusted").EnumerateArray().Select(x => x.GetDouble()).ToArray();
            var actual = BenjaminiHochberg.Adjust(p);
            for (int i = 0; i < p.Length; i++) AssertProbability(expected[i], actual[i], $"BH adjusted p[{i}] of [{string.Join(", ", p)}]");
        }
    }
}
