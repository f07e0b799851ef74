using MlBuild.Core.Data.Schema;

namespace MlBuild.Core.Data.Profiling;

/// <summary>Limits of a mergeable profile; profiles merge only when their limits agree.</summary>
public sealed record ProfileLimits
{
    /// <summary>Most distinct values a numeric column of a saved profile keeps exactly by default: a reference one
    /// commits stays a few MB per column.</summary>
    public const int DefaultExactValues = 100_000;
    /// <summary>Most distinct values a numeric column keeps exactly when two data files are compared directly (nothing is
    /// saved, so KS stays exact as far as memory allows: about 24 bytes per value while profiling).</summary>
    public const int InMemoryExactValues = 4_000_000;
    /// <summary>Most distinct values a numeric column keeps exactly (then KS, quantiles and distinct counts are exact).</summary>
    public int ExactValues { get; init; } = DefaultExactValues;
    /// <summary>Most distinct values a text column counts exactly.</summary>
    public int Categories { get; init; } = 10_000;
    /// <summary>Mantissa bits of the numeric sketch's buckets: a bucket spans at most 2^-bits of its values.</summary>
    public int SketchBits { get; init; } = 10;
}

/// <summary>How a column's values are compared: as numbers (integers, floats, dates, datetimes) or as categories.</summary>
public enum ProfileColumnKind
{
    /// <summary>Integers, floats, dates (day numbers) and datetimes (ticks).</summary>
    Numeric,
    /// <summary>Strings, categories and booleans.</summary>
    Categorical,
}

/// <summary>
/// The mergeable profile of one column: counts, extremes and moments (combined with Chan's formula, stable for any
/// split), and the values themselves (<see cref="NumericDistribution"/> or <see cref="CategoryCounts"/>), from which the
/// quantiles, histogram and distinct count are derived.
/// </summary>
public sealed class MergeableColumn
{
    /// <summary>Creates an empty column profile.</summary>
    public MergeableColumn(string name, ColumnType type, ProfileLimits limits)
    {
        Name = name;
        Type = type;
        Kind = type is ColumnType.String or ColumnType.Category or ColumnType.Boolean ? ProfileColumnKind.Categorical : ProfileColumnKind.Numeric;
        if (Kind == ProfileColumnKind.Numeric) Values = new NumericDistribution(limits.ExactValues, limits.SketchBits);
        else Categories = new CategoryCounts(limits.Categories);
    }

    /// <summary>Column name.</summary>
    public string Name { get; }
    /// <summary>The column's type as profiled.</summary>
    public ColumnType Type { get; }
    /// <summary>Numbers or categories.</summary>
    public ProfileColumnKind Kind { get; }
    /// <summary>Cells holding a value of the type (NaN and infinities included).</summary>
    public long Count { get; set; }
    /// <summary>Empty cells and missing-value tokens.</summary>
    public long Nulls { get; set; }
    /// <summary>Cells that did not parse as the type.</summary>
    public long Invalid { get; set; }
    /// <summary>NaN values (floats).</summary>
    public long NaN { get; set; }
    /// <summary>+∞ values.</summary>
    public long PositiveInfinity { get; set; }
    /// <summary>-∞ values.</summary>
    public long NegativeInfinity { get; set; }
    /// <summary>Smallest finite value (+∞ when none).</summary>
    public double Min { get; set; } = double.PositiveInfinity;
    /// <summary>Largest finite value (-∞ when none).</summary>
    public double Max { get; set; } = double.NegativeInfinity;
    /// <summary>Integer, date and datetime columns: the smallest value exactly (<see cref="Min"/> rounds past 2^53), or null.</summary>
    public long? MinInteger { get; set; }
    /// <summary>Integer, date and datetime columns: the largest value exactly, or null.</summary>
    public long? MaxInteger { get; set; }
    /// <summary>Finite values behind <see cref="Mean"/> and <see cref="M2"/>.</summary>
    public long MomentCount { get; set; }
    /// <summary>Mean of the finite values.</summary>
    public double Mean { get; set; }
    /// <summary>Sum of squared deviations from the mean.</summary>
    public double M2 { get; set; }
    /// <summary>The finite values (numeric columns).</summary>
    public NumericDistribution? Values { get; internal set; }
    /// <summary>The values and their counts (categorical columns).</summary>
    public CategoryCounts? Categories { get; internal set; }

    /// <summary>Sample variance (n - 1), or null under two values.</summary>
    public double? Variance => MomentCount > 1 ? M2 / (MomentCount - 1) : null;

    /// <summary>All non-null cells as the profile knows them: values of the type plus invalid cells.</summary>
    public long NonNull => Count + Invalid;

    /// <summary>Adds a group's moments (Chan et al.): exact in any order up to rounding, and stable for large counts.</summary>
    public void AddMoments(long n, double mean, double m2)
    {
        if (n == 0) return;
        if (MomentCount == 0) { MomentCount = n; Mean = mean; M2 = m2; return; }
        long total = MomentCount + n;
        double delta = mean - Mean;
        Mean += delta * ((double)n / total);
        M2 += m2 + delta * delta * ((double)MomentCount * n / total);
        MomentCount = total;
    }

    /// <summary>Adds another profile of the same column (later rows) to this one.</summary>
    public void Merge(MergeableColumn other)
    {
        Count += other.Count; Nulls += other.Nulls; Invalid += other.Invalid;
        NaN += other.NaN; PositiveInfinity += other.PositiveInfinity; NegativeInfinity += other.NegativeInfinity;
        Min = Math.Min(Min, other.Min); Max = Math.Max(Max, other.Max);
        MinInteger = MinInteger is { } a && other.MinInteger is { } b ? Math.Min(a, b) : MinInteger ?? other.MinInteger;
        MaxInteger = MaxInteger is { } c && other.MaxInteger is { } d ? Math.Max(c, d) : MaxInteger ?? other.MaxInteger;
        AddMoments(other.MomentCount, other.Mean, other.M2);
        if (Values is not null) Values.Merge(other.Values!);
        else Categories!.Merge(other.Categories!);
    }

    /// <summary>The q-quantile (0..1) of the finite values, interpolated linearly between order statistics (numpy's
    /// default); exact while the values are, else read from the sketch (within its relative bucket width).</summary>
    public double? Quantile(double q)
    {
        if (Values is null || Values.Count == 0) return null;
        long n = Values.Count;
        double h = (n - 1) * q;
        long lo = (long)Math.Floor(h);
        double frac = h - lo;
        if (Values.IsExact)
        {
            var (values, counts) = Values.Exact();
            double a = AtRank(values, counts, lo);
            double b = frac > 0 ? AtRank(values, counts, Math.Min(lo + 1, n - 1)) : a;
            return a + frac * (b - a);
        }
        long seen = 0;
        foreach (var (key, count) in Values.Sketch!.Buckets())
        {
            seen += count;
            if (seen > lo)
            {
                var (low, high) = Values.Sketch.Bounds(key);
                return Math.Clamp(low + (high - low) / 2, Min, Max);
            }
        }
        return Max;
    }

    static double AtRank(double[] values, long[] counts, long rank)
    {
        long seen = 0;
        for (int i = 0; i < values.Length; i++)
        {
            seen += counts[i];
            if (seen > rank) return values[i];
        }
        return values[^1];
    }
}

/// <summary>
/// A dataset's mergeable profile: one <see cref="MergeableColumn"/> per column present in the data, in schema order.
/// Saved as JSON by <see cref="ProfileJson"/>; built by <see cref="ProfileBuilder"/>; merged by <see cref="Merge"/>.
/// </summary>
public sealed class MergeableProfile
{
    /// <summary>Creates an empty profile.</summary>
    public MergeableProfile(ProfileLimits limits) => Limits = limits;

    /// <summary>The limits every column was profiled with.</summary>
    public ProfileLimits Limits { get; }
    /// <summary>Rows profiled.</summary>
    public long Rows { get; set; }
    /// <summary>Column profiles in schema order.</summary>
    public List<MergeableColumn> Columns { get; } = [];

    /// <summary>
    /// Merges profiles of parts of one dataset, in the order given: counts, extremes, exact values and category counts
    /// add exactly; moments combine to rounding. Throws MLB2004 when the parts differ in columns, types or limits.
    /// </summary>
    public static MergeableProfile Merge(IReadOnlyList<(MergeableProfile Profile, string Display)> parts)
    {
        if (parts.Count == 0) throw new ArgumentException("nothing to merge", nameof(parts));
        var (first, firstName) = parts[0];
        var whole = new MergeableProfile(first.Limits);
        foreach (var c in first.Columns) whole.Columns.Add(new MergeableColumn(c.Name, c.Type, first.Limits));
        foreach (var (part, display) in parts)
        {
            if (part.Limits != first.Limits)
                throw Mismatch(display, $"it was profiled with other limits than '{firstName}' (exact values {part.Limits.ExactValues} vs {first.Limits.ExactValues}, categories {part.Limits.Categories} vs {first.Limits.Categories}, sketch bits {part.Limits.SketchBits} vs {first.Limits.SketchBits})");
            var shape = string.Join(", ", part.Columns.Select(c => $"{c.Name}:{ProfileJson.TypeName(c.Type)}"));
            var expected = string.Join(", ", first.Columns.Select(c => $"{c.Name}:{ProfileJson.TypeName(c.Type)}"));
            if (shape != expected)
                throw Mismatch(display, $"its columns ({shape}) differ from those of '{firstName}' ({expected})");
            whole.Rows += part.Rows;
            for (int i = 0; i < part.Columns.Count; i++) whole.Columns[i].Merge(part.Columns[i]);
        }
        return whole;
    }

    static MlBuild.Core.Diagnostics.MlBuildException Mismatch(string display, string why) =>
        new(new MlBuild.Core.Diagnostics.MlDiagnostic(Drift.DriftCodes.ProfilesDoNotMerge, MlBuild.Core.Diagnostics.MlSeverity.Error,
            $"Cannot merge profile '{display}': {why}. Profile every part with the same schema and limits.", display));
}
