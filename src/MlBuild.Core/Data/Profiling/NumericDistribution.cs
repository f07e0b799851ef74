using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MlBuild.Core.Data.Profiling;

/// <summary>
/// The finite values of a numeric column, mergeable: exactly (sorted distinct values with counts) while the column has
/// at most <see cref="ExactLimit"/> distinct values, else a log-bucket histogram (<see cref="LogHistogram"/>, bucket
/// width at most <see cref="LogHistogram.RelativeWidth"/> of the value) with a HyperLogLog distinct count. Both forms
/// depend only on the multiset of values, never on their order or chunking, so shards merge to the whole exactly.
/// Values are counted in a hash table of their order-preserving keys (<see cref="QuantileSketch.OrderedKey"/>), which
/// is sorted (by radix, not by comparisons) only when it fills or when the sorted values are asked for.
/// </summary>
public sealed class NumericDistribution
{
    /// <summary>Most distinct keys the hash table holds before it is sorted into the kept list (4 MB of table).</summary>
    const int TableLimit = 1 << 17;
    KeyCountTable? _table;
    DecimalCounts? _decimals;
    bool _decimalsTried;
    double[] _leftovers = [];
    ulong[] _keys = [];
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
        _table = new KeyCountTable(Math.Min(TableLimit, exactLimit + 1));
    }

    /// <summary>Most distinct values kept exactly.</summary>
    public int ExactLimit { get; }
    /// <summary>Mantissa bits of the sketch's buckets.</summary>
    public int SketchBits { get; }
    /// <summary>The sketch, once the column outgrew <see cref="ExactLimit"/>; null while exact.</summary>
    public LogHistogram? Sketch { get; private set; }
    /// <summary>The distinct-count sketch, with <see cref="Sketch"/> (not fed when <see cref="DistinctCounted"/> is false).</summary>
    public HyperLogLog? Distinct { get; private set; }
    /// <summary>False for a sketch told not to count distinct values (<see cref="BecomeSketch"/>): it only compares, it is
    /// not saved; <see cref="DistinctCount"/> then throws.</summary>
    public bool DistinctCounted { get; private set; } = true;
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
        Count++;
        ulong key = QuantileSketch.OrderedKey(v);
        if (Sketch is not null) { AddToSketch(key, 1); return; }
        if (_table!.Increment(key, 1)) Flush();
    }

    /// <summary>Counts every value of <paramref name="values"/> (all finite).</summary>
    public void AddAll(ReadOnlySpan<double> values)
    {
        Count += values.Length;
        if (Sketch is not null)
        {
            Sketch.AddAll(values, DistinctCounted ? Distinct!.Registers : null);
            return;
        }
        if (!_decimalsTried) { _decimalsTried = true; _decimals = DecimalCounts.For(values); }
        if (_decimals is not null)
        {
            if (_leftovers.Length < values.Length) _leftovers = new double[values.Length];
            int left = _decimals.CountAll(values, _leftovers);
            values = _leftovers.AsSpan(0, left);
        }
        AddToTable(values);
        if (_decimals is not null && Sketch is null && (_decimals.Distinct + _table!.Count > ExactLimit || _decimals.Added > 1 << 30)) Flush();
    }

    void AddToTable(ReadOnlySpan<double> values)
    {
        var table = _table!;
        int done = 0;
        while (done < values.Length)
        {
            int full = table.IncrementAll(values[done..]);
            if (full < 0) return;
            done += full + 1;
            Flush();
            if (Sketch is not null)
            {
                Sketch.AddAll(values[done..], DistinctCounted ? Distinct!.Registers : null);
                return;
            }
        }
    }

    /// <summary>Turns the distribution into its sketch now (the values stay counted): for a column another part of the
    /// same data already found to have more than <see cref="ExactLimit"/> distinct values, so the whole will be a sketch.</summary>
    /// <param name="countDistinct">False to stop counting distinct values (cheaper), for a distribution that is only
    /// compared on its buckets, never saved or asked its distinct count.</param>
    public void BecomeSketch(bool countDistinct = true)
    {
        if (Sketch is null) ToSketch();
        if (!countDistinct) DistinctCounted = false;
    }

    /// <summary>Counts <paramref name="count"/> copies of a finite value.</summary>
    public void Add(double v, long count)
    {
        if (count <= 0) return;
        Count += count;
        ulong key = QuantileSketch.OrderedKey(v);
        if (Sketch is not null) { AddToSketch(key, count); return; }
        if (_table!.Increment(key, count)) Flush();
    }

    void AddToSketch(ulong key, long count)
    {
        Sketch!.AddKey((long)(key >> (52 - SketchBits)), count);
        if (DistinctCounted) Distinct!.Add(HyperLogLog.HashNumber(FromKey(key)));
    }

    /// <summary>The exact sorted distinct values and their counts (only while <see cref="IsExact"/>).</summary>
    public (double[] Values, long[] Counts) Exact()
    {
        if (!IsExact) throw new InvalidOperationException("the distribution is a sketch");
        var values = new double[_distinct];
        for (int i = 0; i < values.Length; i++) values[i] = FromKey(_keys[i]);
        return (values, _counts[.._distinct]);
    }

    /// <summary>The number of distinct values: exact, or the HyperLogLog estimate.</summary>
    public long DistinctCount()
    {
        if (!IsExact) return DistinctCounted ? Distinct!.Estimate() : throw new InvalidOperationException("the sketch does not count distinct values");
        return _distinct;
    }

    /// <summary>Adds every value of <paramref name="other"/> (same limits) to this one.</summary>
    public void Merge(NumericDistribution other)
    {
        if (other.IsExact)
        {
            if (IsExact)
            {
                MergeSorted(other._keys.AsSpan(0, other._distinct), other._counts.AsSpan(0, other._distinct));
                Count += other.Count;
                if (_distinct > ExactLimit) ToSketch();
            }
            else for (int i = 0; i < other._distinct; i++) { Count += other._counts[i]; AddToSketch(other._keys[i], other._counts[i]); }
            return;
        }
        if (IsExact) ToSketch();
        Sketch!.Merge(other.Sketch!);
        if (!other.DistinctCounted) DistinctCounted = false;
        if (DistinctCounted) Distinct!.Merge(other.Distinct!);
        Count += other.Count;
    }

    /// <summary>Restores a distribution that was saved exactly (values sorted ascending, distinct).</summary>
    public static NumericDistribution FromExact(double[] values, long[] counts, int exactLimit, int sketchBits)
    {
        var d = new NumericDistribution(exactLimit, sketchBits);
        var keys = new ulong[values.Length];
        for (int i = 0; i < keys.Length; i++) keys[i] = QuantileSketch.OrderedKey(values[i]);
        d.MergeSorted(keys, counts);
        foreach (var c in counts) d.Count += c;
        if (d._distinct > exactLimit) d.ToSketch();
        return d;
    }

    /// <summary>Restores a distribution that was saved as a sketch.</summary>
    public static NumericDistribution FromSketch(LogHistogram sketch, HyperLogLog distinct, int exactLimit) =>
        new(exactLimit, sketch.Bits) { Sketch = sketch, Distinct = distinct, Count = sketch.Count, _table = null };

    /// <summary>The value of an order-preserving key (the inverse of <see cref="QuantileSketch.OrderedKey"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static double FromKey(ulong key)
    {
        ulong bits = (key & 0x8000_0000_0000_0000UL) != 0 ? key & 0x7FFF_FFFF_FFFF_FFFFUL : ~key;
        return BitConverter.UInt64BitsToDouble(bits);
    }

    /// <summary>Sorts the hash table's counts into the kept list; past the limit, becomes the sketch.</summary>
    void Flush()
    {
        if (Sketch is not null) return;
        // More distinct keys in the table alone than the limit: the sketch, without sorting them first.
        if (_table is { } full && full.Count > ExactLimit) { ToSketch(); return; }
        if (_table is { Count: > 0 } table)
        {
            var (keys, counts) = table.Drain();
            KeyRadixSort.Sort(keys, counts);
            MergeSorted(keys, counts);
        }
        if (_decimals is { Distinct: > 0 } decimals)
        {
            var (keys, counts) = decimals.Drain();
            MergeSorted(keys, counts);
        }
        if (_distinct > ExactLimit) ToSketch();
    }

    void MergeSorted(ReadOnlySpan<ulong> keys, ReadOnlySpan<long> counts)
    {
        if (keys.Length == 0) return;
        var mergedKeys = new ulong[_distinct + keys.Length];
        var mergedCounts = new long[mergedKeys.Length];
        int i = 0, j = 0, k = 0;
        while (i < _distinct && j < keys.Length)
        {
            ulong a = _keys[i], b = keys[j];
            if (a < b) { mergedKeys[k] = a; mergedCounts[k++] = _counts[i++]; }
            else if (b < a) { mergedKeys[k] = b; mergedCounts[k++] = counts[j++]; }
            else { mergedKeys[k] = a; mergedCounts[k++] = _counts[i++] + counts[j++]; }
        }
        for (; i < _distinct; i++) { mergedKeys[k] = _keys[i]; mergedCounts[k++] = _counts[i]; }
        for (; j < keys.Length; j++) { mergedKeys[k] = keys[j]; mergedCounts[k++] = counts[j]; }
        _keys = mergedKeys;
        _counts = mergedCounts;
        _distinct = k;
    }

    void ToSketch()
    {
        var sketch = new LogHistogram(SketchBits);
        var hll = new HyperLogLog();
        Sketch = sketch;
        Distinct = hll;
        for (int i = 0; i < _distinct; i++) AddToSketch(_keys[i], _counts[i]);
        if (_table is { Count: > 0 } table)
        {
            var (keys, counts) = table.Drain();
            for (int i = 0; i < keys.Length; i++) AddToSketch(keys[i], counts[i]);
        }
        if (_decimals is { Distinct: > 0 } decimals)
        {
            var (keys, counts) = decimals.Drain();
            for (int i = 0; i < keys.Length; i++) AddToSketch(keys[i], counts[i]);
        }
        _keys = []; _counts = []; _distinct = 0; _table = null; _decimals = null; _leftovers = [];
    }
}

/// <summary>
/// Counts of values written with a few decimals (k / 10^s for an integer k in a range), the usual CSV number: a dense
/// array indexed by k, which stays in the caches where a hash table of the same values does not, and is already in
/// order. A value counts here only when k / 10^s gives back its exact bits, so the counts are exact; others are
/// left to the caller.
/// </summary>
internal sealed class DecimalCounts
{
    /// <summary>Most slots (counts of one k each): 2 MB.</summary>
    const int MaxSlots = 1 << 19;
    /// <summary>|k| stays below this (under 2^51), where it converts exactly to and from a double.</summary>
    const double IndexRange = 2e15;
    readonly double _scale;
    readonly long _base;
    readonly int[] _counts;

    DecimalCounts(double scale, long lowest, int slots)
    {
        _scale = scale;
        _base = lowest;
        _counts = new int[slots];
    }

    /// <summary>Distinct values counted since the last drain.</summary>
    public int Distinct { get; private set; }
    /// <summary>Values counted since the last drain.</summary>
    public long Added { get; private set; }

    /// <summary>
    /// Counts for a column whose first values are these, or null: the fewest decimals (up to 6) that write the first
    /// values exactly, and a range of k twice as wide as theirs (they may not have met the tails yet).
    /// </summary>
    public static DecimalCounts? For(ReadOnlySpan<double> first)
    {
        if (first.Length < 16) return null;
        var sample = first[..Math.Min(first.Length, 256)];
        double scale = 1;
        for (int s = 0; s <= 6; s++, scale *= 10)
        {
            bool all = true;
            long low = long.MaxValue, high = long.MinValue;
            foreach (var x in sample)
            {
                if (!TryIndex(x, scale, out long k)) { all = false; break; }
                low = Math.Min(low, k);
                high = Math.Max(high, k);
            }
            if (!all) continue;
            long width = high - low + 1;
            if (width > MaxSlots / 2) return null;
            long slots = Math.Min(MaxSlots, Math.Max(1024, width * 2));
            return new DecimalCounts(scale, low - (slots - width) / 2, (int)slots);
        }
        return null;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static bool TryIndex(double x, double scale, out long k)
    {
        double y = Math.Round(x * scale);
        k = (long)y;
        return Math.Abs(y) < IndexRange && y / scale == x;
    }

    /// <summary>Counts the values it can hold; copies the others to <paramref name="leftovers"/> and returns how many.</summary>
    public int CountAll(ReadOnlySpan<double> values, double[] leftovers)
    {
        int left = 0, distinct = 0, i = 0;
        double scale = _scale;
        long lowest = _base;
        var counts = _counts;
        ref int count0 = ref MemoryMarshal.GetArrayDataReference(counts);
        uint slots = (uint)counts.Length;
        if (Avx.IsSupported && values.Length >= 4)
        {
            // Four values at a time: k = round(x 10^s), checked by dividing back (exact, as the scalar test), and made an
            // integer by adding 1.5 * 2^52, which puts it in the low mantissa bits.
            var vScale = Vector256.Create(scale);
            var magic = Vector256.Create(6755399441055744.0);
            var range = Vector256.Create(IndexRange);
            var vLowest = Vector256.Create(lowest);
            var vSlots = Vector256.Create((ulong)slots);
            Span<long> index = stackalloc long[4];
            ref long index0 = ref MemoryMarshal.GetReference(index);
            ref double v0 = ref MemoryMarshal.GetReference(values);
            for (; i <= values.Length - 4; i += 4)
            {
                var x = Vector256.LoadUnsafe(ref v0, (nuint)i);
                var y = Avx.RoundToNearestInteger(x * vScale);
                var k = (y + magic).AsInt64() - magic.AsInt64();
                var slot = k - vLowest;
                var ok = Vector256.Equals(y / vScale, x).AsUInt64() & Vector256.LessThan(Vector256.Abs(y), range).AsUInt64()
                    & Vector256.LessThan(slot.AsUInt64(), vSlots);
                uint mask = ok.ExtractMostSignificantBits();
                if (mask == 0b1111)
                {
                    slot.StoreUnsafe(ref index0);
                    for (int lane = 0; lane < 4; lane++)
                        if (Unsafe.Add(ref count0, (nint)Unsafe.Add(ref index0, lane))++ == 0) distinct++;
                    continue;
                }
                slot.StoreUnsafe(ref index0);
                for (int lane = 0; lane < 4; lane++)
                {
                    if ((mask & (1u << lane)) != 0)
                    {
                        if (Unsafe.Add(ref count0, (nint)Unsafe.Add(ref index0, lane))++ == 0) distinct++;
                    }
                    else leftovers[left++] = Unsafe.Add(ref v0, i + lane);
                }
            }
        }
        for (; i < values.Length; i++)
        {
            double x = values[i];
            double y = Math.Round(x * scale);
            long index = (long)y - lowest;
            if ((ulong)index < slots && y / scale == x && Math.Abs(y) < IndexRange)
            {
                ref int c = ref Unsafe.Add(ref count0, (nint)index);
                if (c++ == 0) distinct++;
            }
            else leftovers[left++] = x;
        }
        Distinct += distinct;
        Added += values.Length - left;
        return left;
    }

    /// <summary>The values counted, ascending, with their counts, as order-preserving keys; leaves it empty.</summary>
    public (ulong[] Keys, long[] Counts) Drain()
    {
        var keys = new ulong[Distinct];
        var counts = new long[Distinct];
        int n = 0;
        for (int i = 0; i < _counts.Length && n < keys.Length; i++)
        {
            if (_counts[i] == 0) continue;
            keys[n] = QuantileSketch.OrderedKey((_base + i) / _scale);
            counts[n++] = _counts[i];
        }
        Array.Clear(_counts);
        Distinct = 0;
        Added = 0;
        return (keys, counts);
    }
}

/// <summary>
/// Counts of 64-bit keys (order-preserving keys of finite doubles, never 0) in an open-addressing table that doubles
/// as it fills, up to a fixed number of keys.
/// </summary>
internal sealed class KeyCountTable(int limit)
{
    // Key and count side by side (slot i at 2i, 2i+1): a probe touches one cache line.
    ulong[] _slots = new ulong[2 * 64];
    int _shift = 64 - 6;

    /// <summary>Distinct keys held.</summary>
    public int Count { get; private set; }

    /// <summary>Adds <paramref name="count"/> to a key; true when the table now holds its limit of keys (drain it).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Increment(ulong key, long count)
    {
        var slots = _slots;
        int mask = (slots.Length >> 1) - 1;
        ref ulong slot0 = ref MemoryMarshal.GetArrayDataReference(slots);
        int i = (int)((key * 0x9E3779B97F4A7C15UL) >> _shift);
        while (true)
        {
            ulong k = Unsafe.Add(ref slot0, 2 * i);
            if (k == key) { Unsafe.Add(ref slot0, 2 * i + 1) += (ulong)count; return false; }
            if (k == 0) break;
            i = (i + 1) & mask;
        }
        Unsafe.Add(ref slot0, 2 * i) = key;
        Unsafe.Add(ref slot0, 2 * i + 1) = (ulong)count;
        Count++;
        if (Count >= limit) return true;
        if (Count * 4 > slots.Length) Grow();
        return false;
    }

    /// <summary>
    /// Counts each value's order-preserving key once. The home slots of a block of values are computed and fetched
    /// ahead (the table outgrows the caches), then the block is counted. Returns -1, or the index of the value after
    /// which the table reached its limit (the rest is not counted).
    /// </summary>
    public int IncrementAll(ReadOnlySpan<double> values)
    {
        const int Block = 16;
        Span<ulong> keys = stackalloc ulong[Block];
        int i = 0;
        while (i < values.Length)
        {
            int n = Math.Min(Block, values.Length - i);
            var slots = _slots;
            int shift = _shift;
            for (int k = 0; k < n; k++)
            {
                ulong key = QuantileSketch.OrderedKey(values[i + k]);
                keys[k] = key;
                if (Sse.IsSupported)
                    unsafe
                    {
                        int home = (int)((key * 0x9E3779B97F4A7C15UL) >> shift);
                        Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(slots), 2 * home)));
                    }
            }
            for (int k = 0; k < n; k++)
                if (Increment(keys[k], 1)) return i + k;
            i += n;
        }
        return -1;
    }

    void Grow()
    {
        var old = _slots;
        _slots = new ulong[old.Length * 2];
        _shift--;
        int mask = (_slots.Length >> 1) - 1;
        for (int j = 0; j < old.Length; j += 2)
        {
            ulong key = old[j];
            if (key == 0) continue;
            int i = (int)((key * 0x9E3779B97F4A7C15UL) >> _shift);
            while (_slots[2 * i] != 0) i = (i + 1) & mask;
            _slots[2 * i] = key;
            _slots[2 * i + 1] = old[j + 1];
        }
    }

    /// <summary>The keys and counts held (unordered), leaving the table empty with its storage.</summary>
    public (ulong[] Keys, long[] Counts) Drain()
    {
        var keys = new ulong[Count];
        var counts = new long[Count];
        int n = 0;
        for (int j = 0; j < _slots.Length; j += 2)
        {
            if (_slots[j] == 0) continue;
            keys[n] = _slots[j];
            counts[n++] = (long)_slots[j + 1];
        }
        Array.Clear(_slots);
        Count = 0;
        return (keys, counts);
    }
}

/// <summary>LSD radix sort of 64-bit keys with a companion array: 8-bit digits, a digit all keys share is skipped.</summary>
internal static class KeyRadixSort
{
    /// <summary>Sorts <paramref name="keys"/> ascending, moving <paramref name="counts"/> with them.</summary>
    public static void Sort(ulong[] keys, long[] counts)
    {
        int n = keys.Length;
        if (n < 64)
        {
            Array.Sort(keys, counts);
            return;
        }
        // One pass counts every digit's histogram.
        var histograms = new int[8 * 256];
        foreach (ulong k in keys)
            for (int d = 0; d < 8; d++) histograms[d * 256 + (int)((k >> (d * 8)) & 0xFF)]++;
        var keysB = new ulong[n];
        var countsB = new long[n];
        ulong[] src = keys, dst = keysB;
        long[] srcC = counts, dstC = countsB;
        Span<int> offsets = stackalloc int[256];
        for (int d = 0; d < 8; d++)
        {
            var h = histograms.AsSpan(d * 256, 256);
            if (h[(int)((src[0] >> (d * 8)) & 0xFF)] == n) continue; // every key has this digit
            int sum = 0;
            for (int b = 0; b < 256; b++) { offsets[b] = sum; sum += h[b]; }
            int shift = d * 8;
            for (int i = 0; i < n; i++)
            {
                ulong k = src[i];
                int o = offsets[(int)((k >> shift) & 0xFF)]++;
                dst[o] = k;
                dstC[o] = srcC[i];
            }
            (src, dst) = (dst, src);
            (srcC, dstC) = (dstC, srcC);
        }
        if (!ReferenceEquals(src, keys))
        {
            src.AsSpan().CopyTo(keys);
            srcC.AsSpan().CopyTo(counts);
        }
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

    /// <summary>
    /// Counts every value of <paramref name="values"/> (finite) once, and adds each one's hash
    /// (<see cref="HyperLogLog.HashNumber(double)"/>) to the HyperLogLog <paramref name="registers"/> unless null: both
    /// keys are computed four values at a time in vector registers, only the counting stays scalar.
    /// </summary>
    public void AddAll(ReadOnlySpan<double> values, byte[]? registers)
    {
        if (registers is null) { AddAllBuckets(values); return; }
        if (registers.Length != HyperLogLog.RegisterCount) throw new ArgumentException("not a sketch's registers", nameof(registers));
        int i = 0;
        int shift = Shift;
        if (Avx2.IsSupported)
        {
            Span<ulong> keys = stackalloc ulong[12]; // per block of four: buckets, registers, ranks
            ref ulong key0 = ref MemoryMarshal.GetReference(keys);
            ref byte regs = ref MemoryMarshal.GetArrayDataReference(registers);
            ref double v0 = ref MemoryMarshal.GetReference(values);
            for (; i <= values.Length - 4; i += 4)
            {
                var x = Vector256.LoadUnsafe(ref v0, (nuint)i);
                var ordered = QuantileSketch.OrderedKeys(x, out var bits);
                Vector256.StoreUnsafe(ordered >>> shift, ref key0);
                var hash = StableHash.Mix(bits);
                // Register (top bits) and rank (leading zeros of the other 52 bits, plus one), as NumericSketches does.
                Vector256.StoreUnsafe(hash >>> (64 - HyperLogLog.Precision), ref key0, 4);
                var low = (hash & Vector256.Create(0x000F_FFFF_FFFF_FFFFUL)) | Vector256.Create(0x4330_0000_0000_0000UL);
                var exponent = (low.AsDouble() - Vector256.Create(4503599627370496.0)).AsUInt64() >>> 52;
                Vector256.StoreUnsafe(Vector256.Min(Vector256.Create(1075UL) - exponent, Vector256.Create(53UL)), ref key0, 8);
                for (int k = 0; k < 4; k++)
                {
                    Slot((long)Unsafe.Add(ref key0, k))++;
                    HyperLogLog.Raise(ref regs, Unsafe.Add(ref key0, 4 + k), Unsafe.Add(ref key0, 8 + k));
                }
            }
        }
        for (; i < values.Length; i++)
        {
            Slot(KeyOf(values[i]))++;
            HyperLogLog.AddTo(registers, HyperLogLog.HashNumber(values[i]));
        }
        Count += values.Length;
    }

    /// <summary>Counts every value of <paramref name="values"/> (finite) once, bucket keys four at a time.</summary>
    void AddAllBuckets(ReadOnlySpan<double> values)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            Span<ulong> keys = stackalloc ulong[8]; // per block of four: pages, slots
            ref ulong key0 = ref MemoryMarshal.GetReference(keys);
            // The inner loop has no call: it stops at a block whose buckets need a new page, made here before going on.
            while (true)
            {
                i = AddBucketBlocks(values, i, ref key0);
                if (i > values.Length - 4) break;
                for (int k = 0; k < 4; k++) _pages[(int)Unsafe.Add(ref key0, k)] ??= new long[1 << Bits];
            }
        }
        for (; i < values.Length; i++) Slot(KeyOf(values[i]))++;
        Count += values.Length;
    }

    /// <summary>Counts blocks of four from <paramref name="i"/> on; returns where it stopped: the end, or a block whose
    /// buckets lack a page (their page indices are left at <paramref name="key0"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    int AddBucketBlocks(ReadOnlySpan<double> values, int i, ref ulong key0)
    {
        ref double v0 = ref MemoryMarshal.GetReference(values);
        ref long[]? pages0 = ref MemoryMarshal.GetArrayDataReference(_pages);
        var slotMask = Vector256.Create((1UL << Bits) - 1);
        int shift = Shift;
        for (; i <= values.Length - 4; i += 4)
        {
            var x = Vector256.LoadUnsafe(ref v0, (nuint)i);
            var ordered = QuantileSketch.OrderedKeys(x, out _);
            // The page is the key's top 12 bits (sign and exponent), always one of the 4096.
            Vector256.StoreUnsafe(ordered >>> 52, ref key0);
            Vector256.StoreUnsafe((ordered >>> shift) & slotMask, ref key0, 4);
            if (!NumericSketches.CountFour(ref pages0, ref key0, 4)) return i;
        }
        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    ref long Slot(long key)
    {
        int page = (int)(key >> Bits);
        var counts = _pages[page] ?? NewPage(page);
        return ref counts[(int)(key & ((1L << Bits) - 1))];
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    long[] NewPage(int page) => _pages[page] = new long[1 << Bits];

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
