namespace MlBuild.Core.Data.Profiling;

/// <summary>
/// The finite values of a numeric column, mergeable: exactly (a sorted, compacted value/count list) while the column has
/// at most <see cref="ExactLimit"/> distinct values, else a log-bucket histogram (<see cref="LogHistogram"/>, bucket
/// width at most <see cref="LogHistogram.RelativeWidth"/> of the value) with a HyperLogLog distinct count. Both forms
/// depend only on the multiset of values, never on their order or chunking, so shards merge to the whole exactly.
/// </summary>
public sealed class NumericDistribution
{
    const int MinBuffer = 1 << 16;
    /// <summary>Distinct values counted in a hash table before values are buffered and sorted: a column of few values
    /// (codes, ages, dates) is counted in O(1) per value and never sorted.</summary>
    const int FewValues = 1024;
    Dictionary<double, long>? _few = [];
    double[] _buffer = new double[MinBuffer];
    int _buffered;
    double[] _values = [];
    long[] _counts = [];
    int _distinct;

    /// <summary>Creates an empty distribution.</summary>
    /// <param name="exactLimit">Most distinct values kept exactly; past it the distribution becomes a sketch.</param>
    /// <param name="sketchBits">Mantissa bits of the sketch's buckets (relative bucket width 2^-bits).</param>
    public NumericDistribution(int exactLimit, int sketchBits)
    {
        if (exactLimit < 1) throw new ArgumentOutOfRangeException(nameof(exactLimit));
        ExactLimit = exactLimit;
        SketchBits = sketchBits;
    }

    /// <summary>Most distinct values kept exactly.</summary>
    public int ExactLimit { get; }
    /// <summary>Mantissa bits of the sketch's buckets.</summary>
    public int SketchBits { get; }
    /// <summary>The sketch, once the column outgrew <see cref="ExactLimit"/>; null while exact.</summary>
    public LogHistogram? Sketch { get; private set; }
    /// <summary>The distinct-count sketch, with <see cref="Sketch"/>.</summary>
    public HyperLogLog? Distinct { get; private set; }
    /// <summary>Values counted.</summary>
    public long Count { get; private set; }
    /// <summary>Whether every value is still held exactly.</summary>
    public bool IsExact
    {
        get { Flush(); return Sketch is null; }
    }

    /// <summary>Counts a finite value (-0 counts as 0).</summary>
    public void Add(double v)
    {
        if (v == 0) v = 0;
        Count++;
        if (_few is not null)
        {
            ref long seen = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_few, v, out bool exists);
            seen++;
            if (!exists && _few.Count > Math.Min(FewValues, ExactLimit)) { FlushFew(); _few = null; }
            return;
        }
        if (Sketch is null && _buffered == _buffer.Length) Flush();
        if (Sketch is not null) { Sketch.Add(v, 1); Distinct!.Add(HyperLogLog.HashNumber(v)); return; }
        _buffer[_buffered++] = v;
    }

    /// <summary>Counts <paramref name="count"/> copies of a finite value.</summary>
    public void Add(double v, long count)
    {
        if (count <= 0) return;
        if (Sketch is not null)
        {
            if (v == 0) v = 0;
            Count += count;
            Sketch.Add(v, count);
            Distinct!.Add(HyperLogLog.HashNumber(v));
            return;
        }
        Flush();
        if (Sketch is not null) { Add(v, count); return; }
        MergeSorted([v == 0 ? 0 : v], [count]);
        Count += count;
        if (_distinct > ExactLimit) ToSketch();
    }

    /// <summary>The exact sorted distinct values and their counts (only while <see cref="IsExact"/>).</summary>
    public (double[] Values, long[] Counts) Exact()
    {
        if (!IsExact) throw new InvalidOperationException("the distribution is a sketch");
        Flush();
        return (_values[.._distinct], _counts[.._distinct]);
    }

    /// <summary>The number of distinct values: exact, or the HyperLogLog estimate.</summary>
    public long DistinctCount()
    {
        if (!IsExact) return Distinct!.Estimate();
        Flush();
        return _distinct;
    }

    /// <summary>Adds every value of <paramref name="other"/> (same limits) to this one.</summary>
    public void Merge(NumericDistribution other)
    {
        if (other.IsExact)
        {
            var (values, counts) = other.Exact();
            if (IsExact)
            {
                Flush();
                MergeSorted(values, counts);
                Count += other.Count;
                if (_distinct > ExactLimit) ToSketch();
            }
            else for (int i = 0; i < values.Length; i++) Add(values[i], counts[i]);
            return;
        }
        if (IsExact) ToSketch();
        Sketch!.Merge(other.Sketch!);
        Distinct!.Merge(other.Distinct!);
        Count += other.Count;
    }

    /// <summary>Restores a distribution that was saved exactly (values sorted ascending, distinct).</summary>
    public static NumericDistribution FromExact(double[] values, long[] counts, int exactLimit, int sketchBits)
    {
        var d = new NumericDistribution(exactLimit, sketchBits);
        d.MergeSorted(values, counts);
        foreach (var c in counts) d.Count += c;
        if (d._distinct > exactLimit) d.ToSketch();
        return d;
    }

    /// <summary>Restores a distribution that was saved as a sketch.</summary>
    public static NumericDistribution FromSketch(LogHistogram sketch, HyperLogLog distinct, int exactLimit)
    {
        var d = new NumericDistribution(exactLimit, sketch.Bits) { Sketch = sketch, Distinct = distinct, Count = sketch.Count };
        d._buffer = [];
        d._few = null;
        return d;
    }

    /// <summary>Moves the hash table's counts into the sorted list.</summary>
    void FlushFew()
    {
        if (_few is not { Count: > 0 }) return;
        var values = _few.Keys.ToArray();
        Array.Sort(values);
        var counts = new long[values.Length];
        for (int i = 0; i < values.Length; i++) counts[i] = _few[values[i]];
        _few.Clear();
        MergeSorted(values, counts);
    }

    void Flush()
    {
        if (Sketch is not null) return;
        FlushFew();
        if (_distinct > ExactLimit) { ToSketch(); return; }
        if (_buffered == 0) return;
        var span = _buffer.AsSpan(0, _buffered);
        span.Sort();
        // Compact the sorted buffer in place into (value, count) runs, then merge with the kept list.
        var runValues = new double[CountRuns(span)];
        var runCounts = new long[runValues.Length];
        int r = -1;
        for (int i = 0; i < span.Length; i++)
        {
            if (r < 0 || span[i] != runValues[r]) { r++; runValues[r] = span[i]; }
            runCounts[r]++;
        }
        _buffered = 0;
        MergeSorted(runValues, runCounts);
        if (_distinct > ExactLimit) { ToSketch(); return; }
        // The buffer grows with the kept list, so each value is merged O(log n) times in all.
        if (_buffer.Length < _distinct) _buffer = new double[Math.Min(Math.Max(_distinct, MinBuffer), ExactLimit + 1)];
    }

    static int CountRuns(ReadOnlySpan<double> sorted)
    {
        int n = sorted.Length == 0 ? 0 : 1;
        for (int i = 1; i < sorted.Length; i++) if (sorted[i] != sorted[i - 1]) n++;
        return n;
    }

    void MergeSorted(ReadOnlySpan<double> values, ReadOnlySpan<long> counts)
    {
        var mergedValues = new double[_distinct + values.Length];
        var mergedCounts = new long[mergedValues.Length];
        int i = 0, j = 0, k = 0;
        while (i < _distinct || j < values.Length)
        {
            if (j == values.Length || (i < _distinct && _values[i] < values[j])) { mergedValues[k] = _values[i]; mergedCounts[k++] = _counts[i++]; }
            else if (i == _distinct || values[j] < _values[i]) { mergedValues[k] = values[j]; mergedCounts[k++] = counts[j++]; }
            else { mergedValues[k] = _values[i]; mergedCounts[k++] = _counts[i++] + counts[j++]; }
        }
        _values = mergedValues;
        _counts = mergedCounts;
        _distinct = k;
    }

    void ToSketch()
    {
        var sketch = new LogHistogram(SketchBits);
        var hll = new HyperLogLog();
        for (int i = 0; i < _distinct; i++)
        {
            sketch.Add(_values[i], _counts[i]);
            hll.Add(HyperLogLog.HashNumber(_values[i]));
        }
        for (int i = 0; i < _buffered; i++)
        {
            sketch.Add(_buffer[i], 1);
            hll.Add(HyperLogLog.HashNumber(_buffer[i]));
        }
        Sketch = sketch;
        Distinct = hll;
        _values = []; _counts = []; _distinct = 0; _buffer = []; _buffered = 0; _few = null;
    }
}

/// <summary>
/// A histogram over log-spaced buckets of finite doubles: a bucket is the top 12 + <see cref="Bits"/> bits of the
/// value's order-preserving key (sign, exponent, leading mantissa bits), so it spans at most
/// <see cref="RelativeWidth"/> of its values. Counts add under merge, so a merged sketch equals the whole's exactly.
/// </summary>
public sealed class LogHistogram
{
    readonly long[]?[] _pages = new long[]?[1 << 12];

    /// <summary>Creates an empty histogram with 2^<paramref name="bits"/> buckets per binary order of magnitude.</summary>
    public LogHistogram(int bits)
    {
        if (bits is < 1 or > 20) throw new ArgumentOutOfRangeException(nameof(bits), "between 1 and 20");
        Bits = bits;
    }

    /// <summary>Mantissa bits per bucket.</summary>
    public int Bits { get; }
    /// <summary>Values counted.</summary>
    public long Count { get; private set; }
    /// <summary>Largest width of a bucket relative to the magnitude of its values: a quantile read from the sketch is
    /// within this share of the true one (2^-<see cref="Bits"/>).</summary>
    public double RelativeWidth => Math.ScaleB(1.0, -Bits);

    int Shift => 52 - Bits;

    /// <summary>The bucket key of a value.</summary>
    public long KeyOf(double v) => (long)(QuantileSketch.OrderedKey(v) >> Shift);

    /// <summary>Adds <paramref name="count"/> copies of a value.</summary>
    public void Add(double v, long count) => AddKey(KeyOf(v), count);

    /// <summary>Adds <paramref name="count"/> to bucket <paramref name="key"/>.</summary>
    public void AddKey(long key, long count)
    {
        int page = (int)(key >> Bits);
        (_pages[page] ??= new long[1 << Bits])[(int)(key & ((1L << Bits) - 1))] += count;
        Count += count;
    }

    /// <summary>Adds another histogram's counts (same bits).</summary>
    public void Merge(LogHistogram other)
    {
        if (other.Bits != Bits) throw new ArgumentException("histograms of different resolution", nameof(other));
        foreach (var (key, count) in other.Buckets()) AddKey(key, count);
    }

    /// <summary>The non-empty buckets in ascending value order as (key, count).</summary>
    public IEnumerable<(long Key, long Count)> Buckets()
    {
        for (int p = 0; p < _pages.Length; p++)
        {
            if (_pages[p] is not { } page) continue;
            for (int i = 0; i < page.Length; i++)
                if (page[i] != 0) yield return (((long)p << Bits) | (long)i, page[i]);
        }
    }

    /// <summary>The smallest and largest value a bucket holds.</summary>
    public (double Low, double High) Bounds(long key)
    {
        ulong lo = (ulong)key << Shift;
        ulong hi = lo | ((1UL << Shift) - 1);
        return (FromOrderedKey(lo), FromOrderedKey(hi));
    }

    static double FromOrderedKey(ulong key)
    {
        ulong bits = (key & 0x8000_0000_0000_0000UL) != 0 ? key & 0x7FFF_FFFF_FFFF_FFFFUL : ~key;
        return BitConverter.UInt64BitsToDouble(bits);
    }
}
