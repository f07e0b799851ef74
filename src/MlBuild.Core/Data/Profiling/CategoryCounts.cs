using System.Text;

namespace MlBuild.Core.Data.Profiling;

/// <summary>
/// The values of a text, category or boolean column with their counts, exact while the column has at most
/// <see cref="Limit"/> distinct values; past it only a HyperLogLog distinct count is kept (such a column is an
/// identifier or free text, whose category shares say nothing). Mergeable: counts add.
/// </summary>
public sealed class CategoryCounts(int limit)
{
    Dictionary<string, long>? _counts = new(StringComparer.Ordinal);
    HyperLogLog? _distinct;

    /// <summary>Most distinct values counted exactly.</summary>
    public int Limit { get; } = limit;
    /// <summary>Whether every value's count is held.</summary>
    public bool IsExact => _counts is not null;
    /// <summary>The distinct-count sketch, once past <see cref="Limit"/>.</summary>
    public HyperLogLog? Distinct => _distinct;

    /// <summary>Counts a value given as UTF-8.</summary>
    public void Add(ReadOnlySpan<byte> utf8)
    {
        if (_counts is null) { _distinct!.Add(StableHash.Bytes(utf8)); return; }
        int chars = Encoding.UTF8.GetMaxCharCount(utf8.Length);
        Span<char> buffer = chars <= 512 ? stackalloc char[chars] : new char[chars];
        int n = Encoding.UTF8.GetChars(utf8, buffer);
        var lookup = _counts.GetAlternateLookup<ReadOnlySpan<char>>();
        var key = buffer[..n];
        if (lookup.TryGetValue(key, out long c)) lookup[key] = c + 1;
        else { lookup[key] = 1; if (_counts.Count > Limit) ToSketch(); }
    }

    /// <summary>Counts a value <paramref name="count"/> times.</summary>
    public void Add(string value, long count)
    {
        if (count <= 0) return;
        if (_counts is null) { _distinct!.Add(StableHash.Bytes(Encoding.UTF8.GetBytes(value))); return; }
        _counts[value] = _counts.GetValueOrDefault(value) + count;
        if (_counts.Count > Limit) ToSketch();
    }

    /// <summary>The counts in ordinal order of the values (only while <see cref="IsExact"/>).</summary>
    public IReadOnlyList<KeyValuePair<string, long>> Sorted() =>
        _counts?.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList() ?? throw new InvalidOperationException("counts were dropped past the limit");

    /// <summary>The number of distinct values: exact, or the HyperLogLog estimate.</summary>
    public long DistinctCount() => _counts?.Count ?? _distinct!.Estimate();

    /// <summary>Adds another column's counts.</summary>
    public void Merge(CategoryCounts other)
    {
        if (other._counts is not null)
        {
            foreach (var (value, count) in other._counts) Add(value, count);
            return;
        }
        if (_counts is not null) ToSketch();
        _distinct!.Merge(other._distinct!);
    }

    /// <summary>Adds the distinct-count sketch of values counted elsewhere past the limit: the counts are dropped.</summary>
    internal void MergeDistinct(HyperLogLog distinct)
    {
        if (_counts is not null) ToSketch();
        _distinct!.Merge(distinct);
    }

    /// <summary>Restores counts saved past the limit.</summary>
    public static CategoryCounts FromSketch(HyperLogLog distinct, int limit) => new(limit) { _counts = null, _distinct = distinct };

    void ToSketch()
    {
        var hll = new HyperLogLog();
        foreach (var key in _counts!.Keys) hll.Add(StableHash.Bytes(Encoding.UTF8.GetBytes(key)));
        _distinct = hll;
        _counts = null;
    }
}
