using MlBuild.Core.Data.Drift.Statistics;
using MlBuild.Core.Diagnostics;

namespace MlBuild.Core.Data.Drift;

/// <summary>
/// What the HTML drift report shows: the dataset verdict and its rule, then every column with its score, statistics and
/// the two distributions to draw. Built by the drift analysis from its result; the writer only lays it out.
/// </summary>
/// <param name="Title">The report's heading, e.g. the current file's name.</param>
/// <param name="ReferenceName">Where the reference came from (a profile or data file, as the user named it).</param>
/// <param name="CurrentName">The current data file, as the user named it.</param>
/// <param name="ReferenceRows">Rows of the reference.</param>
/// <param name="CurrentRows">Rows of the current data.</param>
/// <param name="Verdict">The dataset's verdict under <paramref name="Rule"/>: <see cref="Verdict.Fail"/> when it drifted.</param>
/// <param name="Rule">The dataset rule in words, e.g. "fail when any column's score reaches its threshold".</param>
/// <param name="Columns">
/// The columns, in any order: the report sorts them by verdict (worst first), then <see cref="DriftReportColumn.Score"/>
/// (largest first), then name.
/// </param>
public sealed record DriftReportInput(
    string Title, string ReferenceName, string CurrentName, long ReferenceRows, long CurrentRows,
    Verdict Verdict, string Rule, IReadOnlyList<DriftReportColumn> Columns)
{
    /// <summary>Failing validation checks of the current data, listed after the columns (file, line, message).</summary>
    public IReadOnlyList<MlDiagnostic> ValidationFindings { get; init; } = [];
}

/// <summary>One column of the drift report.</summary>
/// <param name="Name">The column's name (any text: the writer escapes it).</param>
/// <param name="Kind">"numeric" or "categorical" (or another type name).</param>
/// <param name="Score">
/// The one drift score the report sorts by (descending), larger meaning more drift, the same kind of figure for every
/// column (e.g. the deciding statistic divided by its threshold, so 1 is the line).
/// </param>
/// <param name="ScoreMethod">What the score is, in words (e.g. "PSI / threshold").</param>
/// <param name="Verdict">The column's verdict.</param>
/// <param name="Statistics">Every statistic computed for the column with its threshold and verdict.</param>
public sealed record DriftReportColumn(
    string Name, string Kind, double Score, string ScoreMethod, Verdict Verdict, IReadOnlyList<DriftReportStatistic> Statistics)
{
    /// <summary>Rows and nulls of the reference.</summary>
    public (long Rows, long Nulls) Reference { get; init; }

    /// <summary>Rows and nulls of the current data.</summary>
    public (long Rows, long Nulls) Current { get; init; }

    /// <summary>The two distributions to draw, or null when there is nothing to draw.</summary>
    public DriftReportDistribution? Distribution { get; init; }

    /// <summary>Categories only the current data has.</summary>
    public IReadOnlyList<string> NewCategories { get; init; } = [];

    /// <summary>Categories only the reference has.</summary>
    public IReadOnlyList<string> MissingCategories { get; init; } = [];

    /// <summary>A type change in words ("int64 -> string"), or null.</summary>
    public string? TypeChange { get; init; }
}

/// <summary>One statistic of a column with the threshold it was judged by.</summary>
/// <param name="Statistic">The figure (value, p-value, exactness, error bound).</param>
/// <param name="Threshold">The value at or above which the statistic flags drift, or null when it only informs.</param>
/// <param name="Verdict">What the statistic decided under its threshold.</param>
public sealed record DriftReportStatistic(DriftStatistic Statistic, double? Threshold, Verdict Verdict)
{
    /// <summary>The p-value after Benjamini-Hochberg correction across columns, when the rule uses p-values.</summary>
    public double? AdjustedPValue { get; init; }
}

/// <summary>
/// Two distributions over the same bins: numeric columns have <see cref="Edges"/> (one more than the bins) and are drawn as
/// overlaid histograms; categorical columns have <see cref="Labels"/> and are drawn as bar pairs.
/// </summary>
public sealed record DriftReportDistribution(IReadOnlyList<long> Reference, IReadOnlyList<long> Current)
{
    /// <summary>Bin edges of a numeric column, ascending, one more than the bins.</summary>
    public IReadOnlyList<double>? Edges { get; init; }

    /// <summary>Category names of a categorical column, one per bin.</summary>
    public IReadOnlyList<string>? Labels { get; init; }

    /// <summary>How many categories are left out of <see cref="Labels"/> (the least frequent), summed below.</summary>
    public int OtherCategories { get; init; }

    /// <summary>Reference values in the categories left out of <see cref="Labels"/>.</summary>
    public long OtherReference { get; init; }

    /// <summary>Current values in the categories left out of <see cref="Labels"/>.</summary>
    public long OtherCurrent { get; init; }

    /// <summary>
    /// Equal-width bins over the range of both samples (so both histograms share their axis), at most
    /// <paramref name="bins"/>; one bin when every value is the same.
    /// </summary>
    public static DriftReportDistribution Numeric(SortedSample reference, SortedSample current, int bins = 20)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(current);
        if (bins < 1) throw new ArgumentOutOfRangeException(nameof(bins));
        double min = Math.Min(First(reference), First(current)), max = Math.Max(Last(reference), Last(current));
        if (double.IsNaN(min)) return new DriftReportDistribution([], []) { Edges = [] };
        if (!(max > min) || double.IsInfinity(max - min)) bins = 1;
        var edges = new double[bins + 1];
        for (int i = 0; i <= bins; i++) edges[i] = i == bins ? max : min + (max - min) * i / bins;
        return new DriftReportDistribution(Histogram(reference, edges), Histogram(current, edges)) { Edges = edges };
    }

    static double First(SortedSample s)
    {
        var runs = s.Runs();
        return runs.MoveNext() ? runs.Value : double.NaN;
    }

    static double Last(SortedSample s)
    {
        var runs = s.Runs();
        double last = double.NaN;
        while (runs.MoveNext()) last = runs.Value;
        return last;
    }

    static long[] Histogram(SortedSample sample, double[] edges)
    {
        int bins = edges.Length - 1;
        var counts = new long[bins];
        int bin = 0;
        var runs = sample.Runs();
        while (runs.MoveNext())
        {
            while (bin < bins - 1 && runs.Value >= edges[bin + 1]) bin++; // [edge_i, edge_i+1), the last bin closed
            counts[bin] += runs.Count;
        }
        return counts;
    }

    /// <summary>
    /// The <paramref name="maxBars"/> categories with the most values in both samples together (ties by name); the rest
    /// are summed into <see cref="OtherReference"/> and <see cref="OtherCurrent"/>, so the picture stays small however
    /// many categories there are. Shares are of all values, the left-out ones included.
    /// </summary>
    public static DriftReportDistribution Categorical(IReadOnlyDictionary<string, long> reference,
                                                      IReadOnlyDictionary<string, long> current, int maxBars = 16)
    {
        if (maxBars < 1) throw new ArgumentOutOfRangeException(nameof(maxBars));
        var (names, r, c) = CategoricalDrift.Align(reference, current);
        var order = Enumerable.Range(0, names.Length)
            .OrderByDescending(i => r[i] + c[i]).ThenBy(i => names[i], StringComparer.Ordinal).ToArray();
        int shown = Math.Min(order.Length, maxBars);
        var labels = new List<string>();
        var refCounts = new List<long>();
        var curCounts = new List<long>();
        for (int k = 0; k < shown; k++) { labels.Add(names[order[k]]); refCounts.Add(r[order[k]]); curCounts.Add(c[order[k]]); }
        long restR = 0, restC = 0;
        for (int k = shown; k < order.Length; k++) { restR += r[order[k]]; restC += c[order[k]]; }
        return new DriftReportDistribution(refCounts, curCounts)
        {
            Labels = labels,
            OtherCategories = order.Length - shown,
            OtherReference = restR,
            OtherCurrent = restC,
        };
    }
}
