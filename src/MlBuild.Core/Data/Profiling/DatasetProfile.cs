namespace MlBuild.Core.Data.Profiling;

/// <summary>Statistics of one column, computed in the same pass as the checks.</summary>
public sealed class ColumnProfile
{
    /// <summary>Column name.</summary>
    public required string Name { get; init; }
    /// <summary>Declared type (lower case).</summary>
    public required string Type { get; init; }
    /// <summary>Non-null values of the column's type.</summary>
    public long Count { get; set; }
    /// <summary>Empty cells and missing-value tokens.</summary>
    public long Nulls { get; set; }
    /// <summary>Cells that did not parse as the type.</summary>
    public long Invalid { get; set; }
    /// <summary>Minimum (numbers), or null.</summary>
    public double? Min { get; set; }
    /// <summary>Maximum (numbers), or null.</summary>
    public double? Max { get; set; }
    /// <summary>Minimum as text (dates and datetimes in ISO form; numbers in round-trip form).</summary>
    public string? MinText { get; set; }
    /// <summary>Maximum as text.</summary>
    public string? MaxText { get; set; }
    /// <summary>Mean (numbers), or null.</summary>
    public double? Mean { get; set; }
    /// <summary>Sample standard deviation (numbers, n &gt; 1), or null.</summary>
    public double? StdDev { get; set; }
    /// <summary>Quantiles p01, p05, p25, p50, p75, p95, p99 (numbers; within 1 % of the exact value).</summary>
    public SortedDictionary<string, double>? Quantiles { get; set; }
    /// <summary>Distinct non-null values.</summary>
    public long Distinct { get; set; }
    /// <summary>Whether <see cref="Distinct"/> is exact (false: a HyperLogLog estimate).</summary>
    public bool DistinctExact { get; set; }
    /// <summary>The most frequent values (strings, categories, booleans), most frequent first.</summary>
    public List<MlBuild.Core.Data.Validation.ValueCount>? TopValues { get; set; }
    /// <summary>Every distinct value when counted exactly (text columns); used by schema inference, not serialised.</summary>
    public List<string>? AllValues { get; set; }
    /// <summary>Shortest and longest string length in characters.</summary>
    public int? MinLength { get; set; }
    /// <summary>Longest string length in characters.</summary>
    public int? MaxLength { get; set; }
    /// <summary>Histogram of numeric values (bucket lower edge, upper edge, count), for reports.</summary>
    public List<(double Low, double High, long Count)>? Histogram { get; set; }
}

/// <summary>The profile of a dataset: one <see cref="ColumnProfile"/> per schema column present in the data.</summary>
public sealed class DatasetProfile
{
    /// <summary>Rows profiled.</summary>
    public long Rows { get; set; }
    /// <summary>Column profiles in schema order.</summary>
    public List<ColumnProfile> Columns { get; } = [];
}
