namespace MlBuild.Core.Data.Drift.Statistics;

/// <summary>
/// The non-null values of one numeric column, ascending: either every value (<see cref="FromSorted"/>) or each distinct
/// value with its count (<see cref="FromCounts"/>, what an exact profile keeps). NaN is not a value here: callers leave it
/// out, as they leave out nulls.
/// </summary>
public sealed class SortedSample
{
    readonly double[] _values;
    readonly long[]? _counts;

    SortedSample(double[] values, long[]? counts, long count)
    {
        _values = values;
        _counts = counts;
        Count = count;
    }

    /// <summary>How many values (the sum of the counts).</summary>
    public long Count { get; }

    /// <summary>How many runs of equal values there are at most (the array length).</summary>
    internal int RunCapacity => _values.Length;

    /// <summary>Every value, ascending (ties repeated). Throws when not ascending or when a value is NaN.</summary>
    public static SortedSample FromSorted(double[] sortedValues)
    {
        ArgumentNullException.ThrowIfNull(sortedValues);
        for (int i = 0; i < sortedValues.Length; i++)
        {
            if (double.IsNaN(sortedValues[i])) throw new ArgumentException("NaN is not a value of a sorted sample.", nameof(sortedValues));
            if (i > 0 && sortedValues[i] < sortedValues[i - 1]) throw new ArgumentException($"Values are not ascending at index {i}.", nameof(sortedValues));
        }
        return new SortedSample(sortedValues, null, sortedValues.Length);
    }

    /// <summary>Sorts a copy of the values (NaN not allowed) and wraps it.</summary>
    public static SortedSample Sort(IEnumerable<double> values)
    {
        var copy = values.ToArray();
        Array.Sort(copy);
        return FromSorted(copy);
    }

    /// <summary>
    /// Distinct values, strictly ascending, each with a positive count. Throws when not strictly ascending, when a value
    /// is NaN or when a count is not positive.
    /// </summary>
    public static SortedSample FromCounts(double[] distinctValues, long[] counts)
    {
        ArgumentNullException.ThrowIfNull(distinctValues);
        ArgumentNullException.ThrowIfNull(counts);
        if (distinctValues.Length != counts.Length) throw new ArgumentException("One count per value.", nameof(counts));
        long total = 0;
        for (int i = 0; i < distinctValues.Length; i++)
        {
            if (double.IsNaN(distinctValues[i])) throw new ArgumentException("NaN is not a value of a sorted sample.", nameof(distinctValues));
            if (i > 0 && !(distinctValues[i] > distinctValues[i - 1])) throw new ArgumentException($"Values are not strictly ascending at index {i}.", nameof(distinctValues));
            if (counts[i] <= 0) throw new ArgumentException($"Count {counts[i]} at index {i} is not positive.", nameof(counts));
            total = checked(total + counts[i]);
        }
        return new SortedSample(distinctValues, counts, total);
    }

    /// <summary>The runs of equal values in order: each distinct value with how many times it occurs.</summary>
    internal RunCursor Runs() => new(_values, _counts);

    /// <summary>The value at 0-based rank <paramref name="rank"/> (0 &lt;= rank &lt; <see cref="Count"/>).</summary>
    internal double ValueAtRank(long rank)
    {
        if (_counts is null) return _values[rank];
        long seen = 0;
        for (int i = 0; i < _values.Length; i++)
        {
            seen += _counts[i];
            if (rank < seen) return _values[i];
        }
        throw new ArgumentOutOfRangeException(nameof(rank));
    }

    /// <summary>Walks the runs of equal values of a <see cref="SortedSample"/>.</summary>
    internal struct RunCursor(double[] values, long[]? counts)
    {
        int _next;

        /// <summary>The current run's value.</summary>
        public double Value { get; private set; }

        /// <summary>The current run's length.</summary>
        public long Count { get; private set; }

        /// <summary>Moves to the next run; false at the end.</summary>
        public bool MoveNext()
        {
            if (_next >= values.Length) return false;
            Value = values[_next];
            if (counts is not null)
            {
                Count = counts[_next++];
                return true;
            }
            int start = _next;
            while (_next < values.Length && values[_next] == Value) _next++;
            Count = _next - start;
            return true;
        }
    }
}
