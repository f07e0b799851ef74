using MlBuild.Core.Data.Drift.Statistics;
using MlBuild.Core.Data.Profiling;
using MlBuild.Core.Diagnostics;

namespace MlBuild.Core.Data.Drift;

/// <summary>What became of a column in the comparison.</summary>
public enum ColumnDriftStatus
{
    /// <summary>Compared; no criterion reached its threshold with a significant test.</summary>
    Stable,
    /// <summary>Compared; at least one criterion did.</summary>
    Drifted,
    /// <summary>In the reference, not in the current data.</summary>
    Missing,
    /// <summary>Current values no longer read as the reference type.</summary>
    TypeChanged,
    /// <summary>Not compared (ignored, no values on a side, or an identifier-like text column).</summary>
    NotCompared,
}

/// <summary>One criterion of a column: an effect size, its threshold and, where the effect has a test, its p-values.</summary>
/// <param name="Name">The stable name (<c>wasserstein</c>, <c>psi</c>, <c>jensen_shannon</c>, <c>unseen_share</c>, <c>null_rate_change</c>, <c>type_change</c>).</param>
/// <param name="Value">The effect size; larger is more drift.</param>
/// <param name="Threshold">The cutoff it is held to.</param>
/// <param name="PValue">The raw p-value of the test backing it (KS for numeric effects, chi-square for categorical ones and null rates), or null.</param>
/// <param name="AdjustedPValue">The Benjamini-Hochberg adjusted p-value, or null.</param>
/// <param name="Exceeded">Whether the value reached the threshold and the test (if any) was significant.</param>
public sealed record DriftCriterion(string Name, double Value, double Threshold, double? PValue, double? AdjustedPValue, bool Exceeded)
{
    /// <summary>Value / threshold: 1 or more means the effect is large enough.</summary>
    public double Ratio => Threshold > 0 ? Value / Threshold : (Value > 0 ? double.PositiveInfinity : 0);
}

/// <summary>The comparison of one column.</summary>
public sealed class ColumnDriftResult
{
    /// <summary>Column name.</summary>
    public required string Name { get; init; }
    /// <summary>The reference type (schema spelling).</summary>
    public required string Type { get; init; }
    /// <summary><c>numeric</c> or <c>categorical</c>.</summary>
    public required string Kind { get; init; }
    /// <summary>The outcome.</summary>
    public ColumnDriftStatus Status { get; set; }
    /// <summary>The one score columns are sorted by: the largest value/threshold ratio of its criteria (1 or more is large
    /// enough to drift; a column drifts only when that criterion's test is also significant).</summary>
    public double Score { get; set; }
    /// <summary>The criterion behind <see cref="Score"/>.</summary>
    public string? Method { get; set; }
    /// <summary>Which way the data moved, in words (e.g. "current higher by 0.12 reference SD", "'pro' +5.0 points").</summary>
    public string Direction { get; set; } = "";
    /// <summary>Why the column was not compared, or what went missing.</summary>
    public string? Note { get; set; }
    /// <summary>Every criterion, in a fixed order.</summary>
    public List<DriftCriterion> Criteria { get; } = [];
    /// <summary>The statistics as computed (KS, PSI, Wasserstein, JS, chi-square, Cramér's V, unseen share, null-rate change).</summary>
    public List<DriftStatistic> Statistics { get; } = [];
    /// <summary>Rows of each side.</summary>
    public long ReferenceRows { get; set; }
    /// <summary>Rows of the current data.</summary>
    public long CurrentRows { get; set; }
    /// <summary>Null rate of the reference.</summary>
    public double ReferenceNullRate { get; set; }
    /// <summary>Null rate of the current data.</summary>
    public double CurrentNullRate { get; set; }
    /// <summary>Share of non-null current values that do not read as the reference type.</summary>
    public double CurrentInvalidShare { get; set; }
    /// <summary>Categories only the current data has (categorical columns).</summary>
    public IReadOnlyList<string> NewCategories { get; set; } = [];
    /// <summary>Categories only the reference has.</summary>
    public IReadOnlyList<string> MissingCategories { get; set; } = [];
    /// <summary>The two distributions over shared bins (numeric) or categories (categorical), for reports.</summary>
    public DriftReportDistribution? Distribution { get; set; }
    /// <summary>Nulls of the reference.</summary>
    public long ReferenceNulls { get; set; }
    /// <summary>Nulls of the current data.</summary>
    public long CurrentNulls { get; set; }
}

/// <summary>The comparison of a dataset with its reference.</summary>
public sealed class DriftResult
{
    /// <summary>Whether the dataset rule says the data drifted.</summary>
    public bool Drifted { get; set; }
    /// <summary>The rule applied.</summary>
    public required DriftRule Rule { get; init; }
    /// <summary>Rows of the reference.</summary>
    public long ReferenceRows { get; init; }
    /// <summary>Rows of the current data.</summary>
    public long CurrentRows { get; init; }
    /// <summary>Columns, drifted first, then by <see cref="ColumnDriftResult.Score"/> descending, then by name.</summary>
    public List<ColumnDriftResult> Columns { get; } = [];
    /// <summary>Compared columns that drifted (missing and type-changed columns count).</summary>
    public int DriftedColumns => Columns.Count(c => c.Status is ColumnDriftStatus.Drifted or ColumnDriftStatus.Missing or ColumnDriftStatus.TypeChanged);
    /// <summary>Columns compared (all but <see cref="ColumnDriftStatus.NotCompared"/>).</summary>
    public int ComparedColumns => Columns.Count(c => c.Status != ColumnDriftStatus.NotCompared);

    /// <summary>One diagnostic per drifted, missing or type-changed column (errors), and per column not compared (info).</summary>
    public IEnumerable<MlDiagnostic> Diagnostics(string currentDisplay)
    {
        foreach (var c in Columns)
            if (DiagnosticOf(c, currentDisplay) is { } d) yield return d;
    }

    /// <summary>The diagnostic of one column: an error when it drifted, went missing or changed type, info when not compared, else null.</summary>
    public static MlDiagnostic? DiagnosticOf(ColumnDriftResult c, string currentDisplay) => c.Status switch
    {
        ColumnDriftStatus.Drifted => new MlDiagnostic(DriftCodes.ColumnDrifted, MlSeverity.Error,
            $"column '{c.Name}' drifted: {c.Method} {Format(c.Criteria.First(k => k.Name == c.Method).Value)} >= {Format(c.Criteria.First(k => k.Name == c.Method).Threshold)} (score {Format(c.Score)}; {c.Direction})", currentDisplay),
        ColumnDriftStatus.Missing => new MlDiagnostic(DriftCodes.ColumnMissing, MlSeverity.Error,
            $"column '{c.Name}' of the reference is missing from the current data", currentDisplay),
        ColumnDriftStatus.TypeChanged => new MlDiagnostic(DriftCodes.TypeChanged, MlSeverity.Error,
            $"column '{c.Name}' changed type: {DriftAnalyzer.Percent(c.CurrentInvalidShare)} of its current values do not read as {c.Type}", currentDisplay),
        ColumnDriftStatus.NotCompared => new MlDiagnostic(DriftCodes.ColumnNotCompared, MlSeverity.Info,
            $"column '{c.Name}' was not compared: {c.Note}", currentDisplay),
        _ => null,
    };

    /// <summary>The one-line verdict.</summary>
    public string Summary(string currentDisplay) => Drifted
        ? $"mlbuild: '{currentDisplay}' drifted: {DriftedColumns} of {ComparedColumns} columns ({CurrentRows} rows against a reference of {ReferenceRows})."
        : $"mlbuild: '{currentDisplay}' shows no drift: {DriftedColumns} of {ComparedColumns} columns drifted ({CurrentRows} rows against a reference of {ReferenceRows}).";

    /// <summary>What the HTML report draws: the verdict, the rule in words, and every column with its statistics.</summary>
    public DriftReportInput ToReportInput(string referenceDisplay, string currentDisplay)
    {
        var columns = Columns.Select(c =>
        {
            var verdict = c.Status switch
            {
                ColumnDriftStatus.Stable => Verdict.Pass,
                ColumnDriftStatus.NotCompared => Verdict.Skipped,
                _ => Verdict.Fail,
            };
            // KS backs the numeric effects and chi-square the categorical ones: they carry those criteria's adjusted p-values.
            var backing = c.Criteria.FirstOrDefault(k => k.Name is "wasserstein" or "jensen_shannon");
            var statistics = c.Statistics.Select(s =>
            {
                var criterion = c.Criteria.FirstOrDefault(k => k.Name == s.Name);
                return new DriftReportStatistic(s, criterion?.Threshold, criterion is { Exceeded: true } ? Verdict.Fail : Verdict.Pass)
                {
                    AdjustedPValue = criterion?.AdjustedPValue ?? (s.PValue is not null && s.Name is "ks" or "chi_square" ? backing?.AdjustedPValue : null),
                };
            }).ToList();
            return new DriftReportColumn(c.Name, c.Kind, double.IsFinite(c.Score) ? c.Score : 1, c.Method is null ? "not compared" : $"{c.Method} / threshold", verdict, statistics)
            {
                Reference = (c.ReferenceRows, c.ReferenceNulls),
                Current = (c.CurrentRows, c.CurrentNulls),
                Distribution = c.Distribution,
                NewCategories = c.NewCategories,
                MissingCategories = c.MissingCategories,
                TypeChange = c.Status switch
                {
                    ColumnDriftStatus.TypeChanged => $"{c.Type} -> {DriftAnalyzer.Percent(c.CurrentInvalidShare)} of current values are not {c.Type}",
                    ColumnDriftStatus.Missing => $"{c.Type} -> missing from the current data",
                    _ => null,
                },
            };
        }).ToList();
        return new DriftReportInput(currentDisplay, referenceDisplay, currentDisplay, ReferenceRows, CurrentRows,
            Drifted ? Verdict.Fail : Verdict.Pass, RuleText(), columns);
    }

    /// <summary>The dataset rule in words.</summary>
    public string RuleText()
    {
        var dataset = Rule.Kind switch
        {
            DatasetRuleKind.ShareOfColumns => $"fail when at least {DriftAnalyzer.Percent(Rule.Share)} of the compared columns drift",
            DatasetRuleKind.NamedColumns => $"fail when any of {string.Join(", ", Rule.Columns)} drifts",
            _ => "fail when any compared column drifts",
        };
        return $"{dataset}; a column drifts when an effect reaches its threshold and its test is significant (Benjamini-Hochberg, alpha {Format(Rule.Alpha)})";
    }

    internal static string Format(double x) => x.ToString("0.####", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>
/// Compares the current data's profile with a reference profile, column by column, with the statistics of
/// <see cref="Statistics"/>: exact where both profiles hold their values, from the sketches (with error bounds) where
/// one does not. Then applies the <see cref="DriftRule"/>.
/// </summary>
public static class DriftAnalyzer
{
    /// <summary>A text column with more distinct values than this share of its values is an identifier or free text.</summary>
    public const double IdentifierDistinctShare = 0.5;
    const int CategoryBars = 20;

    /// <summary>Compares two profiles. Throws MLB2007 when they have no column in common, MLB2008 when a side has no rows,
    /// MLB2009 when the rule names a column the reference lacks.</summary>
    public static DriftResult Analyze(MergeableProfile reference, MergeableProfile current, DriftRule rule, string referenceDisplay, string currentDisplay)
    {
        if (reference.Rows == 0)
            throw new MlBuildException(new MlDiagnostic(DriftCodes.EmptyData, MlSeverity.Error, $"The reference '{referenceDisplay}' has no rows: nothing to compare with.", referenceDisplay));
        if (current.Rows == 0)
            throw new MlBuildException(new MlDiagnostic(DriftCodes.EmptyData, MlSeverity.Error, $"The current data '{currentDisplay}' has no rows: nothing to compare.", currentDisplay));
        var currentByName = current.Columns.ToDictionary(c => c.Name, StringComparer.Ordinal);
        if (!reference.Columns.Any(c => currentByName.ContainsKey(c.Name)))
            throw new MlBuildException(new MlDiagnostic(DriftCodes.NoCommonColumns, MlSeverity.Error,
                $"The reference '{referenceDisplay}' ({string.Join(", ", reference.Columns.Select(c => c.Name))}) and the current data '{currentDisplay}' have no column in common.", currentDisplay));
        var names = reference.Columns.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var n in rule.Columns.Concat(rule.ColumnThresholds.Keys).Concat(rule.Ignore))
            if (!names.Contains(n))
                throw new MlBuildException(new MlDiagnostic(DriftCodes.InvalidRule, MlSeverity.Error,
                    $"The drift rule names column '{n}', which the reference does not have (it has {string.Join(", ", names.Order(StringComparer.Ordinal))}).", referenceDisplay));

        // The numeric columns' statistics, the costly part, each column on its own (in parallel); used in order below.
        var numeric = new NumericComparison?[reference.Columns.Count];
        Parallel.For(0, numeric.Length, i =>
        {
            var r = reference.Columns[i];
            if (r.Kind == ProfileColumnKind.Numeric && !rule.Ignore.Contains(r.Name) && currentByName.TryGetValue(r.Name, out var c) && c.Type == r.Type)
                numeric[i] = CompareValues(r, c);
        });
        var result = new DriftResult { Rule = rule, ReferenceRows = reference.Rows, CurrentRows = current.Rows };
        // Tests whose p-values are corrected together, each with the criteria it backs (column, criterion index).
        var tests = new List<Test>();
        for (int index = 0; index < reference.Columns.Count; index++)
        {
            var r = reference.Columns[index];
            var column = new ColumnDriftResult
            {
                Name = r.Name, Type = ProfileJson.TypeName(r.Type), Kind = r.Kind == ProfileColumnKind.Numeric ? "numeric" : "categorical",
                ReferenceRows = reference.Rows, CurrentRows = current.Rows,
                ReferenceNullRate = (double)r.Nulls / reference.Rows, ReferenceNulls = r.Nulls,
            };
            result.Columns.Add(column);
            if (rule.Ignore.Contains(r.Name)) { column.Status = ColumnDriftStatus.NotCompared; column.Note = "ignored by the rule"; continue; }
            if (!currentByName.TryGetValue(r.Name, out var c)) { column.Status = ColumnDriftStatus.Missing; column.Score = double.PositiveInfinity; column.Note = "missing from the current data"; continue; }
            column.CurrentNullRate = (double)c.Nulls / current.Rows;
            column.CurrentNulls = c.Nulls;
            column.CurrentInvalidShare = c.NonNull == 0 ? 0 : (double)c.Invalid / c.NonNull;
            double referenceInvalid = r.NonNull == 0 ? 0 : (double)r.Invalid / r.NonNull;
            if (c.Type != r.Type)
            {
                // Only when the current side is a saved profile of another schema: data is always read as the reference type.
                column.Status = ColumnDriftStatus.TypeChanged;
                column.Score = double.PositiveInfinity;
                column.Method = "type_change";
                column.Note = $"profiled as {ProfileJson.TypeName(c.Type)}";
                column.CurrentInvalidShare = 1;
                continue;
            }

            // The values first (their effects lead ties), then what every column has: nulls and type.
            if (r.Kind == ProfileColumnKind.Numeric) CompareNumbers(column, r, c, numeric[index], rule, tests);
            else CompareCategories(column, r, c, rule, tests);
            var nullChange = ColumnDrift.NullRateChange(r.Nulls, reference.Rows, c.Nulls, current.Rows);
            column.Statistics.Add(nullChange);
            var nullTest = CategoricalDrift.ChiSquare([r.Nulls, reference.Rows - r.Nulls], [c.Nulls, current.Rows - c.Nulls]);
            AddTested(column, NewTest(tests, nullTest.PValue), "null_rate_change", nullChange.Value, rule.NullRateChange);
            column.Criteria.Add(new DriftCriterion("type_change", Math.Max(0, column.CurrentInvalidShare - referenceInvalid), rule.TypeChange, null, null, false));
        }

        // Benjamini-Hochberg across every test of every column, then each criterion's verdict.
        var adjusted = BenjaminiHochberg.Adjust(tests.Select(t => t.P).ToArray());
        for (int i = 0; i < tests.Count; i++)
            foreach (var (column, index) in tests[i].Criteria)
            {
                var k = column.Criteria[index];
                column.Criteria[index] = k with { AdjustedPValue = adjusted[i], Exceeded = k.Value >= k.Threshold && adjusted[i] <= rule.Alpha };
            }
        foreach (var column in result.Columns)
        {
            if (column.Status is ColumnDriftStatus.Missing || column.Criteria.Count == 0) continue; // missing, or ignored
            for (int i = 0; i < column.Criteria.Count; i++)
                if (column.Criteria[i].PValue is null)
                    column.Criteria[i] = column.Criteria[i] with { Exceeded = column.Criteria[i].Value >= column.Criteria[i].Threshold };
            var top = column.Criteria.OrderByDescending(k => k.Exceeded).ThenByDescending(k => k.Ratio).First();
            column.Score = column.Criteria.Max(k => k.Ratio);
            column.Method = top.Name;
            if (column.Criteria.Any(k => k.Name == "type_change" && k.Exceeded)) { column.Status = ColumnDriftStatus.TypeChanged; column.Method = "type_change"; }
            else if (column.Criteria.Any(k => k.Exceeded)) column.Status = ColumnDriftStatus.Drifted;
            else if (column.Status != ColumnDriftStatus.NotCompared) column.Status = ColumnDriftStatus.Stable; // else its values could not be compared
            if (column.Criteria.Any(k => k.Name == "null_rate_change" && k.Exceeded) && column.Direction.Length == 0 || column.Method == "null_rate_change")
                column.Direction = $"null rate {Percent(column.ReferenceNullRate)} -> {Percent(column.CurrentNullRate)}";
        }
        result.Columns.Sort((a, b) =>
        {
            int byDrift = IsDrift(b).CompareTo(IsDrift(a));
            if (byDrift != 0) return byDrift;
            int byScore = b.Score.CompareTo(a.Score);
            return byScore != 0 ? byScore : string.CompareOrdinal(a.Name, b.Name);
        });

        var decided = result.Columns.Where(c => c.Status != ColumnDriftStatus.NotCompared).ToList();
        result.Drifted = rule.Kind switch
        {
            DatasetRuleKind.AnyColumn => decided.Any(IsDrift),
            DatasetRuleKind.ShareOfColumns => decided.Count > 0 && decided.Count(IsDrift) >= rule.Share * decided.Count,
            DatasetRuleKind.NamedColumns => decided.Any(c => IsDrift(c) && rule.Columns.Contains(c.Name)),
            _ => false,
        };
        return result;
    }

    internal static string Percent(double share) => (share * 100).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) + "%";

    static bool IsDrift(ColumnDriftResult c) => c.Status is ColumnDriftStatus.Drifted or ColumnDriftStatus.Missing or ColumnDriftStatus.TypeChanged;

    sealed record Test(double P, List<(ColumnDriftResult Column, int Criterion)> Criteria);

    static Test NewTest(List<Test> tests, double? p)
    {
        var test = new Test(p is { } x && !double.IsNaN(x) ? x : 1, []);
        tests.Add(test);
        return test;
    }

    /// <summary>Adds a criterion backed by <paramref name="test"/> (one test may back several effects: corrected once).</summary>
    static void AddTested(ColumnDriftResult column, Test test, string name, double value, double threshold)
    {
        column.Criteria.Add(new DriftCriterion(name, value, threshold, test.P, null, false));
        test.Criteria.Add((column, column.Criteria.Count - 1));
    }

    /// <summary>A numeric column's distribution statistics and picture (null fields when a side has no finite value).</summary>
    sealed record NumericComparison(DriftStatistic Ks, DriftStatistic Psi, DriftStatistic Wasserstein, DriftReportDistribution Distribution);

    static void CompareNumbers(ColumnDriftResult column, MergeableColumn r, MergeableColumn c, NumericComparison? compared, DriftRule rule, List<Test> tests)
    {
        if (compared is null)
        {
            column.Status = ColumnDriftStatus.NotCompared;
            column.Note = r.Values!.Count == 0 ? "the reference has no finite value" : "the current data has no finite value";
            return;
        }
        var (ks, psi, wasserstein, distribution) = compared;
        column.Distribution = distribution;
        double meanShift = (c.Mean - r.Mean) / Math.Max(Math.Sqrt(r.M2 / r.MomentCount), Statistics.Wasserstein.MinimumScale);
        column.Statistics.Add(ks);
        column.Statistics.Add(psi);
        column.Statistics.Add(wasserstein);
        var test = NewTest(tests, ks.PValue);
        AddTested(column, test, "wasserstein", wasserstein.Value, rule.ColumnThresholds.GetValueOrDefault(column.Name, rule.Wasserstein));
        AddTested(column, test, "psi", psi.Value, rule.Psi);
        column.Direction = $"current {(meanShift >= 0 ? "higher" : "lower")} by {Math.Abs(meanShift).ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)} reference SD (mean)";
    }

    /// <summary>KS, PSI and Wasserstein of a numeric column and the two histograms; null when a side has no finite value.
    /// Reads only the two columns, so columns are compared in parallel.</summary>
    static NumericComparison? CompareValues(MergeableColumn r, MergeableColumn c)
    {
        if (r.Values!.Count == 0 || c.Values!.Count == 0) return null;
        DriftStatistic ks, psi, wasserstein;
        DriftReportDistribution distribution;
        if (r.Values.IsExact && c.Values.IsExact)
        {
            var rs = Sample(r.Values);
            var cs = Sample(c.Values);
            ks = KolmogorovSmirnov.Test(rs, cs);
            distribution = DriftReportDistribution.Numeric(rs, cs);
            psi = PopulationStabilityIndex.Compute(rs, cs);
            wasserstein = Statistics.Wasserstein.Normalized(rs, cs);
        }
        else
        {
            // One side is a sketch: both go on the sketch's buckets. KS gets bounds from the bins; PSI and Wasserstein
            // take each bucket's values at its middle, off by at most the bucket width.
            var rb = Buckets(r.Values);
            var cb = Buckets(c.Values);
            ks = KolmogorovSmirnov.TestFromBins(rb, cb);
            var rs = Midpoints(rb);
            var cs = Midpoints(cb);
            distribution = DriftReportDistribution.Numeric(rs, cs);
            double width = Math.ScaleB(1.0, -r.Values.SketchBits) * Math.Max(Math.Max(Math.Abs(r.Min), Math.Abs(r.Max)), Math.Max(Math.Abs(c.Min), Math.Abs(c.Max)));
            psi = PopulationStabilityIndex.Compute(rs, cs) with { IsExact = false };
            var w = Statistics.Wasserstein.Normalized(rs, cs);
            wasserstein = w with { IsExact = false, ErrorBound = width / Math.Max(Statistics.Wasserstein.PopulationStandardDeviation(rs), Statistics.Wasserstein.MinimumScale) };
        }
        return new NumericComparison(ks, psi, wasserstein, distribution);
    }

    static SortedSample Sample(NumericDistribution d)
    {
        var (values, counts) = d.Exact();
        return SortedSample.FromCounts(values, counts);
    }

    static List<ValueBin> Buckets(NumericDistribution d)
    {
        var sketch = d.Sketch;
        if (sketch is null)
        {
            sketch = new LogHistogram(d.SketchBits);
            var (values, counts) = d.Exact();
            for (int i = 0; i < values.Length; i++) sketch.Add(values[i], counts[i]);
        }
        return sketch.Buckets().Select(b => { var (lo, hi) = sketch.Bounds(b.Key); return new ValueBin(lo, hi, b.Count); }).ToList();
    }

    static SortedSample Midpoints(List<ValueBin> bins) =>
        SortedSample.FromCounts(bins.Select(b => b.Low + (b.High - b.Low) / 2).ToArray(), bins.Select(b => b.Count).ToArray());

    static void CompareCategories(ColumnDriftResult column, MergeableColumn r, MergeableColumn c, DriftRule rule, List<Test> tests)
    {
        if (!r.Categories!.IsExact || !c.Categories!.IsExact)
        {
            column.Status = ColumnDriftStatus.NotCompared;
            column.Note = $"more than {r.Categories.Limit} distinct values (an identifier or free text): category counts are not kept";
            return;
        }
        var rd = r.Categories.Sorted().ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        var cd = c.Categories.Sorted().ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        if (rd.Count == 0 || cd.Count == 0)
        {
            column.Status = ColumnDriftStatus.NotCompared;
            column.Note = rd.Count == 0 ? "the reference has no value" : "the current data has no value";
            return;
        }
        if (rd.Count > 100 && rd.Count > IdentifierDistinctShare * r.Count)
        {
            column.Status = ColumnDriftStatus.NotCompared;
            column.Note = $"{rd.Count} distinct values in {r.Count} (an identifier or free text): shares of such values say nothing";
            return;
        }
        var js = CategoricalDrift.JensenShannon(rd, cd);
        var chi = CategoricalDrift.ChiSquare(rd, cd);
        var v = CategoricalDrift.CramersV(rd, cd);
        var unseen = CategoricalDrift.UnseenShare(rd, cd);
        column.Statistics.AddRange([js, chi, v, unseen]);
        var (added, missing) = CategoricalDrift.CategoryChanges(rd, cd);
        column.NewCategories = added;
        column.MissingCategories = missing;
        var test = NewTest(tests, chi.PValue);
        AddTested(column, test, "jensen_shannon", js.Value, rule.ColumnThresholds.GetValueOrDefault(column.Name, rule.JensenShannon));
        AddTested(column, test, "unseen_share", unseen.Value, rule.UnseenShare);

        var (names, rc, cc) = CategoricalDrift.Align(rd, cd);
        long rt = rc.Sum(), ct = cc.Sum();
        int moved = 0;
        for (int i = 1; i < names.Length; i++)
            if (Math.Abs((double)cc[i] / ct - (double)rc[i] / rt) > Math.Abs((double)cc[moved] / ct - (double)rc[moved] / rt)) moved = i;
        double change = (double)cc[moved] / ct - (double)rc[moved] / rt;
        column.Direction = $"'{names[moved]}' {(change >= 0 ? "+" : "-")}{Math.Abs(change * 100).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)} points";
        column.Distribution = DriftReportDistribution.Categorical(rd, cd, CategoryBars);
    }
}
