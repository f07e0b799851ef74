using System.Text;
using MlBuild.Core.Data.Drift;
using MlBuild.Core.Data.Drift.Statistics;
using MlBuild.Core.Diagnostics;
using MlBuild.Core.Reports;
using Xunit;
using Xunit.Abstractions;

namespace MlBuild.Core.Tests.Drift;

public sealed class HtmlDriftReportTests(ITestOutputHelper output)
{
    /// <summary>Normal-ish values from a seeded generator (sum of four uniforms), shifted and scaled.</summary>
    static double[] Bell(int n, int seed, double shift = 0, double scale = 1)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (rng.NextDouble() + rng.NextDouble() + rng.NextDouble() + rng.NextDouble() - 2) * scale + shift).ToArray();
    }

    static Dictionary<string, long> Categories(int n, int seed, params (string Name, double Weight)[] shares)
    {
        var rng = new Random(seed);
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        double total = shares.Sum(s => s.Weight);
        for (int i = 0; i < n; i++)
        {
            double u = rng.NextDouble() * total;
            foreach (var (name, weight) in shares)
            {
                if ((u -= weight) < 0 || name == shares[^1].Name) { counts[name] = counts.GetValueOrDefault(name) + 1; break; }
            }
        }
        return counts;
    }

    /// <summary>A numeric column judged by PSI &gt;= 0.2, as a drift analysis would build it from the real statistics.</summary>
    static DriftReportColumn NumericColumn(string name, double[] reference, double[] current, long refNulls = 0, long curNulls = 0)
    {
        var r = SortedSample.Sort(reference);
        var c = SortedSample.Sort(current);
        var psi = PopulationStabilityIndex.Compute(r, c);
        var ks = KolmogorovSmirnov.Test(r, c);
        var w = Wasserstein.Normalized(r, c);
        var nulls = ColumnDrift.NullRateChange(refNulls, reference.Length + refNulls, curNulls, current.Length + curNulls);
        var psiVerdict = psi.Value >= 0.2 ? Verdict.Fail : Verdict.Pass;
        var nullVerdict = nulls.Value >= 0.02 ? Verdict.Fail : Verdict.Pass;
        return new DriftReportColumn(name, "numeric", Math.Max(psi.Value / 0.2, nulls.Value / 0.02), "statistic / threshold",
            Verdicts.Worst(psiVerdict, nullVerdict),
            [
                new(psi, 0.2, psiVerdict),
                new(ks, null, Verdict.Pass) { AdjustedPValue = ks.PValue },
                new(w, 0.1, w.Value >= 0.1 ? Verdict.Warn : Verdict.Pass),
                new(nulls, 0.02, nullVerdict),
            ])
        {
            Reference = (reference.Length + refNulls, refNulls),
            Current = (current.Length + curNulls, curNulls),
            Distribution = DriftReportDistribution.Numeric(r, c),
        };
    }

    static DriftReportColumn CategoricalColumn(string name, Dictionary<string, long> reference, Dictionary<string, long> current)
    {
        var js = CategoricalDrift.JensenShannon(reference, current);
        var chi = CategoricalDrift.ChiSquare(reference, current);
        var v = CategoricalDrift.CramersV(reference, current);
        var unseen = CategoricalDrift.UnseenShare(reference, current);
        var (added, missing) = CategoricalDrift.CategoryChanges(reference, current);
        var jsVerdict = js.Value >= 0.1 ? Verdict.Fail : Verdict.Pass;
        return new DriftReportColumn(name, "categorical", js.Value / 0.1, "statistic / threshold", jsVerdict,
            [new(js, 0.1, jsVerdict), new(chi, null, Verdict.Pass), new(v, null, Verdict.Pass), new(unseen, 0.05, unseen.Value >= 0.05 ? Verdict.Fail : Verdict.Pass)])
        {
            Reference = (reference.Values.Sum(), 0),
            Current = (current.Values.Sum(), 0),
            Distribution = DriftReportDistribution.Categorical(reference, current),
            NewCategories = added,
            MissingCategories = missing,
        };
    }

    internal static DriftReportInput Sample(bool reverse = false)
    {
        var columns = new List<DriftReportColumn>
        {
            NumericColumn("f01", Bell(4000, 1), Bell(3000, 2, shift: 0.3)),
            NumericColumn("f02", Bell(4000, 3, 10, 4), Bell(3000, 4, 10, 4)),
            NumericColumn("n1", Bell(3800, 5, 50, 20), Bell(2400, 6, 50, 20), refNulls: 200, curNulls: 600),
            CategoricalColumn("c1",
                Categories(4000, 7, ("north", 40), ("south", 30), ("east", 20), ("west", 10)),
                Categories(3000, 8, ("north", 30), ("south", 30), ("east", 25), ("west", 10), ("unknown", 5))),
            CategoricalColumn("c3", Categories(4000, 9, Enumerable.Range(0, 30).Select(i => ($"store_{i:000}", 30.0 - i)).ToArray()),
                Categories(3000, 10, Enumerable.Range(0, 30).Select(i => ($"store_{i:000}", 30.0 - i)).ToArray())),
        };
        if (reverse) columns.Reverse();
        return new DriftReportInput("data/current.csv against data/train.profile.json", "data/train.profile.json", "data/current.csv",
            4000, 3000, Verdicts.Worst(columns.Select(c => c.Verdict)), "fail when any column's statistic reaches its threshold", columns)
        {
            ValidationFindings = [new MlDiagnostic("MLB1003", MlSeverity.Error, "column 'f06' value '-3' violates min 0 (record 17)", "data/current.csv", 18, 7)],
        };
    }

    [Fact]
    public void Same_input_gives_the_same_bytes_whatever_the_order_of_the_columns()
    {
        var first = HtmlDriftReport.Write(Sample());
        var again = HtmlDriftReport.Write(Sample());
        var reversed = HtmlDriftReport.Write(Sample(reverse: true));
        Assert.Equal(first, again);
        Assert.Equal(first, reversed);
        File.WriteAllBytes(Path.Combine(AppContext.BaseDirectory, "drift-report-sample.html"), first); // kept as a test artifact to look at
    }

    [Fact]
    public void Verdict_comes_first_and_columns_are_sorted_by_score()
    {
        var input = Sample();
        var html = HtmlDriftReport.Render(input);
        Assert.Equal(Verdict.Fail, input.Verdict);
        int banner = html.IndexOf("<h1>Drift detected</h1>", StringComparison.Ordinal);
        int table = html.IndexOf("<table class=\"columns\">", StringComparison.Ordinal);
        Assert.True(banner >= 0 && banner < table);
        var expectedOrder = input.Columns.OrderByDescending(c => c.Verdict).ThenByDescending(c => c.Score).Select(c => c.Name).ToArray();
        Assert.Equal(["n1", "c1", "f01"], expectedOrder[..3]); // the null-rate jump, then the moved shares, then the mean shift
        var positions = expectedOrder.Select(n => html.IndexOf("\">" + n + "</a><td>", StringComparison.Ordinal)).ToArray();
        Assert.All(positions, p => Assert.True(p > table));
        Assert.Equal(positions.OrderBy(p => p), positions);
        // Each column has its picture: numeric histograms and categorical bar pairs, reference and current.
        Assert.Equal(5, CountOf(html, "<svg "));
        Assert.Equal(5, CountOf(html, "<path class=\"r\""));
        Assert.Equal(5, CountOf(html, "<path class=\"c\""));
        Assert.Contains("New categories: <code>unknown</code>", html);
        Assert.Contains("data/current.csv(18,7)", html);
    }

    [Fact]
    public void Column_and_category_names_are_escaped()
    {
        var hostile = "<script>alert('x')</script>";
        var reference = new Dictionary<string, long> { ["a"] = 10, ["\"><img src=x onerror=alert(1)>"] = 5 };
        var current = new Dictionary<string, long> { ["a"] = 3, ["</svg><script>b()</script>"] = 9 };
        var input = new DriftReportInput(hostile, hostile, "cur & <x>.csv", 15, 12, Verdict.Fail, "rule <b>", [
            NumericColumn(hostile, Bell(100, 1), Bell(100, 2, 3)),
            CategoricalColumn("cat\"><script>", reference, current),
        ]);
        var html = HtmlDriftReport.Render(input);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<b>", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;", html);
        Assert.Contains("cur &amp; &lt;x&gt;.csv", html);
        Assert.Equal(2, CountOf(html, "<svg ")); // the names' "</svg>" and "<script>" stay text
        Assert.Equal(2, CountOf(html, "</svg>"));
    }

    [Fact]
    public void The_page_is_self_contained()
    {
        var html = HtmlDriftReport.Render(Sample());
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("src=", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("@import", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("url(", html, StringComparison.OrdinalIgnoreCase);
        // No address at all; every link points inside the page.
        Assert.DoesNotContain("http", html, StringComparison.OrdinalIgnoreCase);
        foreach (var part in html.Split("href=\"").Skip(1)) Assert.StartsWith("#", part);
    }

    [Fact]
    public void Size_grows_with_columns_not_rows()
    {
        DriftReportInput Wide(int rows)
        {
            var columns = Enumerable.Range(0, 1000).Select(i => i % 4 == 3
                ? CategoricalColumn($"cat_{i:0000}", Categories(rows, i, Enumerable.Range(0, 40).Select(k => ($"v{k}", 40.0 - k)).ToArray()),
                                    Categories(rows, i + 7, Enumerable.Range(0, 40).Select(k => ($"v{k}", 40.0 - k)).ToArray()))
                : NumericColumn($"num_{i:0000}", Bell(rows, i), Bell(rows, i + 5000, 0.01 * (i % 30)))).ToList();
            return new DriftReportInput("wide", "ref", "cur", rows, rows, Verdicts.Worst(columns.Select(c => c.Verdict)), "any column", columns);
        }
        var small = HtmlDriftReport.Write(Wide(200)).Length;
        var large = HtmlDriftReport.Write(Wide(2000)).Length;
        output.WriteLine($"1,000 columns: {small:N0} bytes at 200 rows, {large:N0} bytes at 2,000 rows");
        Assert.True(large < 2_000_000, $"1,000 columns took {large:N0} bytes");
        Assert.True(Math.Abs(large - small) < small / 20, $"{small:N0} bytes at 200 rows, {large:N0} at 2,000");
    }

    static int CountOf(string text, string part)
    {
        int count = 0;
        for (int i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + part.Length, StringComparison.Ordinal)) count++;
        return count;
    }
}
