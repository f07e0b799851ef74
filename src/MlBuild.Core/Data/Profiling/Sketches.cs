using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MlBuild.Core.Data.Profiling;

/// <summary>64-bit hashing used by sketches and value tables: deterministic across processes and machines.</summary>
public static class StableHash
{
    /// <summary>Mixes a 64-bit value (the splitmix64 finaliser).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Mix(ulong x)
    {
        x ^= x >> 30; x *= 0xbf58476d1ce4e5b9UL;
        x ^= x >> 27; x *= 0x94d049bb133111ebUL;
        return x ^ (x >> 31);
    }

    /// <summary><see cref="Mix(ulong)"/> of four values at once (AVX2), to the same bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<ulong> Mix(Vector256<ulong> x)
    {
        x ^= x >>> 30; x = MultiplyLow(x, 0xbf58476d1ce4e5b9UL);
        x ^= x >>> 27; x = MultiplyLow(x, 0x94d049bb133111ebUL);
        return x ^ (x >>> 31);
    }

    /// <summary>The low 64 bits of each lane times a constant, from three 32x32-bit multiplies (AVX2 has no 64-bit one).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<ulong> MultiplyLow(Vector256<ulong> a, ulong c)
    {
        var cLow = Vector256.Create(c & 0xFFFF_FFFFUL).AsUInt32();
        var cHigh = Vector256.Create(c >> 32).AsUInt32();
        var low = Avx2.Multiply(a.AsUInt32(), cLow);
        var cross = Avx2.Multiply((a >>> 32).AsUInt32(), cLow) + Avx2.Multiply(a.AsUInt32(), cHigh);
        return low + (cross << 32);
    }

    /// <summary>
    /// <see cref="Bytes(ReadOnlySpan{byte})"/> of <c>buffer[start..start+length]</c>, to the same bits. A value of up to 16
    /// bytes with 16 readable bytes after its start is hashed from two unaligned loads, without the byte loop.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Bytes(byte[] buffer, int start, int length)
    {
        if ((uint)length > 16 || (uint)start + 16 > (uint)buffer.Length) return Bytes(buffer.AsSpan(start, length));
        ref byte at = ref Unsafe.Add(ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(buffer), start);
        ulong h = 0x9E3779B97F4A7C15UL ^ (ulong)length;
        ulong word = Unsafe.ReadUnaligned<ulong>(ref at);
        int tailBytes = length;
        if (length >= 8)
        {
            h = Mix(h ^ word);
            word = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref at, 8));
            tailBytes = length - 8;
        }
        if (tailBytes == 8) { h = Mix(h ^ word); tailBytes = 0; } // 16 bytes: two full words, an empty tail
        ulong tail = word & ((1UL << (tailBytes * 8)) - 1);
        return Mix(h ^ tail ^ 0x632BE59BD9B4E019UL);
    }

    /// <summary>Hashes bytes, eight at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Bytes(ReadOnlySpan<byte> s)
    {
        ulong h = 0x9E3779B97F4A7C15UL ^ (ulong)s.Length;
        int i = 0;
        for (; i + 8 <= s.Length; i += 8)
            h = Mix(h ^ Unsafe.ReadUnaligned<ulong>(ref Unsafe.AsRef(in s[i])));
        ulong tail = 0;
        for (int k = 0; i < s.Length; i++, k += 8) tail |= (ulong)s[i] << k;
        return Mix(h ^ tail ^ 0x632BE59BD9B4E019UL);
    }
}

/// <summary>HyperLogLog distinct-count estimate (2^12 registers, ~1.6 % error); merging takes the register maximum.</summary>
public sealed class HyperLogLog
{
    const int P = 12;
    const int M = 1 << P;
    /// <summary>The registers.</summary>
    public readonly byte[] Registers = new byte[M];

    /// <summary>Adds a 64-bit hash.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(ulong hash) => AddUnchecked(ref MemoryMarshal.GetArrayDataReference(Registers), hash);

    /// <summary>The hash of a number for the distinct count: its bits, with -0 as 0, mixed. Every reader path uses this one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong HashNumber(double x) => StableHash.Mix(BitConverter.DoubleToUInt64Bits(x == 0 ? 0 : x));

    /// <summary>The hash of an integer (or date, datetime) for the distinct count.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong HashNumber(long x) => StableHash.Mix((ulong)x);

    /// <summary>Adds a 64-bit hash to <paramref name="regs"/> (a sketch's <see cref="Registers"/>), for loops that hold them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddTo(byte[] regs, ulong hash)
    {
        if (regs.Length != M) throw new ArgumentException($"a sketch has {M} registers", nameof(regs));
        AddUnchecked(ref MemoryMarshal.GetArrayDataReference(regs), hash);
    }

    /// <summary>The number of registers.</summary>
    public const int RegisterCount = M;

    /// <summary>
    /// Adds a hash to <paramref name="registers"/>, the first of <see cref="RegisterCount"/> (unchecked): the register of
    /// its top bits keeps the largest rank (leading zeros of the rest, plus one).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void AddUnchecked(ref byte registers, ulong hash) =>
        Raise(ref registers, hash >> (64 - P), (ulong)BitOperations.LeadingZeroCount((hash << P) | (1UL << (P - 1))) + 1);

    /// <summary>Bits of a hash that choose its register.</summary>
    internal const int Precision = P;

    /// <summary>Raises register <paramref name="register"/> (below <see cref="RegisterCount"/>) to <paramref name="rank"/>; stores only when it rises.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Raise(ref byte registers, ulong register, ulong rank)
    {
        ref byte reg = ref Unsafe.Add(ref registers, (nint)register);
        if (rank > reg) reg = (byte)rank;
    }

    /// <summary>Merges another sketch into this one.</summary>
    public void Merge(HyperLogLog other)
    {
        for (int i = 0; i < M; i++)
            if (other.Registers[i] > Registers[i]) Registers[i] = other.Registers[i];
    }

    /// <summary>The estimated number of distinct hashes.</summary>
    public long Estimate()
    {
        double sum = 0;
        int zeros = 0;
        foreach (var r in Registers) { sum += Math.ScaleB(1.0, -r); if (r == 0) zeros++; }
        double alpha = 0.7213 / (1 + 1.079 / M);
        double e = alpha * M * M / sum;
        if (e <= 2.5 * M && zeros > 0) e = M * Math.Log((double)M / zeros);
        return (long)Math.Round(e);
    }
}

/// <summary>
/// A mergeable quantile sketch: a log-linear histogram over the order-preserving bits of doubles (sign, exponent and
/// the top 7 mantissa bits), so a bucket spans under 1 % of its value. Counting is two array loads per value, and the
/// result depends only on the multiset of values, never on the order or the chunking.
/// </summary>
public sealed class QuantileSketch
{
    internal const int SubBits = 7;
    internal const int Sub = 1 << SubBits;
    /// <summary>A value's bucket is its <see cref="OrderedKey"/> shifted right by this.</summary>
    public const int BucketShift = 52 - SubBits;
    const int PageCount = 1 << 12;
    readonly long[]?[] _pages = new long[]?[PageCount];
    /// <summary>Values counted.</summary>
    public long Count { get; private set; }

    /// <summary>Maps a double to an unsigned key whose order is the numeric order (branch-free: signs are random in data).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong OrderedKey(double v)
    {
        if (v == 0) v = 0; // fold -0 into +0
        ulong bits = BitConverter.DoubleToUInt64Bits(v);
        return bits ^ ((ulong)((long)bits >> 63) | 0x8000_0000_0000_0000UL);
    }

    /// <summary><see cref="OrderedKey(double)"/> of four values at once, and their bits with -0 as 0 (<paramref name="bits"/>,
    /// what the distinct-count hash takes).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<ulong> OrderedKeys(Vector256<double> x, out Vector256<ulong> bits)
    {
        bits = Vector256.AndNot(x.AsUInt64(), Vector256.Equals(x, Vector256<double>.Zero).AsUInt64()); // -0 as 0
        return bits ^ (Vector256.LessThan(bits.AsInt64(), Vector256<long>.Zero).AsUInt64() | Vector256.Create(0x8000_0000_0000_0000UL));
    }

    /// <summary>
    /// Counts values inside a caller's loop, which calls <see cref="Counted"/> with how many it added. A struct holding
    /// the page table, so a fused check loop pays two loads and an increment per value.
    /// </summary>
    public readonly struct ValueCounter(QuantileSketch sketch)
    {
        readonly long[]?[] _pages = sketch._pages;

        /// <summary>Counts a value (without updating <see cref="Count"/>).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Add(double v) => sketch.Slot(OrderedKey(v) >> BucketShift)++;

        /// <summary>The page table's first entry: bucket b's page is at <c>b &gt;&gt; SubBits</c> from it (a bucket has
        /// 64 - BucketShift = 19 bits, so every page index is inside the table).</summary>
        internal ref long[]? FirstPage => ref MemoryMarshal.GetArrayDataReference(_pages);

        /// <summary>Makes page <paramref name="index"/> (a bucket shifted right by <see cref="SubBits"/>) if there is none yet.</summary>
        internal void EnsurePage(ulong index)
        {
            if (_pages[(int)index] is null) sketch.NewPage((int)index);
        }
    }

    /// <summary>A counter for a loop over many values.</summary>
    public ValueCounter Counter() => new(this);

    /// <summary>Adds to <see cref="Count"/> what a <see cref="ValueCounter"/> counted.</summary>
    public void Counted(long n) => Count += n;

    [MethodImpl(MethodImplOptions.NoInlining)] // rare: keeps the allocation out of the counting loops
    long[] NewPage(int index) => _pages[index] = new long[Sub];

    /// <summary>The count of a bucket (<c>OrderedKey(v) &gt;&gt; BucketShift</c>), its page made on first use.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    ref long Slot(ulong bucket)
    {
        int pageIndex = (int)(bucket >> SubBits);
        var page = _pages[pageIndex] ?? NewPage(pageIndex);
        return ref page[(int)(bucket & (Sub - 1))];
    }

    static double FromOrderedKey(ulong key)
    {
        ulong bits = (key & 0x8000_0000_0000_0000UL) != 0 ? key & 0x7FFF_FFFF_FFFF_FFFFUL : ~key;
        return BitConverter.UInt64BitsToDouble(bits);
    }

    /// <summary>Counts a value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(double v)
    {
        Slot(OrderedKey(v) >> BucketShift)++;
        Count++;
    }

    /// <summary>Counts a value <paramref name="count"/> times (what <see cref="Add(double)"/> that often would do).</summary>
    public void Add(double v, long count)
    {
        if (count <= 0) return;
        Slot(OrderedKey(v) >> BucketShift) += count;
        Count += count;
    }

    /// <summary>Merges another sketch into this one.</summary>
    public void Merge(QuantileSketch other)
    {
        for (int p = 0; p < _pages.Length; p++)
        {
            var o = other._pages[p];
            if (o is null) continue;
            var mine = _pages[p] ??= new long[Sub];
            for (int i = 0; i < Sub; i++) mine[i] += o[i];
        }
        Count += other.Count;
    }

    /// <summary>
    /// Estimates the q-quantile: the midpoint of the bucket holding the rank, clamped to the exact min and max.
    /// </summary>
    public double Quantile(double q, double min, double max)
    {
        if (Count == 0) return double.NaN;
        long rank = (long)Math.Floor(q * (Count - 1));
        long seen = 0;
        for (int p = 0; p < _pages.Length; p++)
        {
            var page = _pages[p];
            if (page is null) continue;
            for (int i = 0; i < Sub; i++)
            {
                if (page[i] == 0) continue;
                seen += page[i];
                if (seen > rank)
                {
                    ulong lo = (((ulong)(uint)p << SubBits) | (uint)i) << (52 - SubBits);
                    ulong hi = lo | ((1UL << (52 - SubBits)) - 1);
                    double mid = FromOrderedKey(lo) / 2 + FromOrderedKey(hi) / 2; // halves first: no overflow near ±1.7e308
                    return Math.Clamp(mid, min, max);
                }
            }
        }
        return max;
    }

    /// <summary>The non-empty buckets in order, as (lower edge, upper edge, count): the histogram reports draw.</summary>
    public IEnumerable<(double Low, double High, long Count)> Buckets()
    {
        for (int p = 0; p < _pages.Length; p++)
        {
            var page = _pages[p];
            if (page is null) continue;
            for (int i = 0; i < Sub; i++)
            {
                if (page[i] == 0) continue;
                ulong lo = (((ulong)(uint)p << SubBits) | (uint)i) << (52 - SubBits);
                ulong hi = lo | ((1UL << (52 - SubBits)) - 1);
                yield return (FromOrderedKey(lo), FromOrderedKey(hi), page[i]);
            }
        }
    }
}

/// <summary>
/// Feeds a run of values without nulls to a column's quantile sketch and distinct-count sketch at once. The two keys
/// of each value (its bucket and its hash, the same bits as <see cref="QuantileSketch.OrderedKey"/> and
/// <see cref="HyperLogLog.HashNumber(double)"/>) are computed four at a time in vector registers; only the counting,
/// which indexes memory, stays scalar. Half the instructions of the scalar loop, which was a third of a float column's
/// check.
/// </summary>
public static class NumericSketches
{
    /// <summary>Counts every value of <paramref name="values"/> (the caller adds their number to the sketch's count).</summary>
    public static void Add(ReadOnlySpan<double> values, QuantileSketch.ValueCounter quantiles, byte[] registers) =>
        Add(values, default, quantiles, registers);

    /// <summary>
    /// Counts an integer (or date, datetime) column's values: <paramref name="integers"/>, and the same values as doubles
    /// in <paramref name="values"/> (the quantile sketch's keys); the distinct count hashes the integers, as
    /// <see cref="HyperLogLog.HashNumber(long)"/> does.
    /// </summary>
    public static void Add(ReadOnlySpan<double> values, ReadOnlySpan<long> integers, QuantileSketch.ValueCounter quantiles, byte[] registers)
    {
        bool hashIntegers = !integers.IsEmpty;
        if (hashIntegers && integers.Length != values.Length) throw new ArgumentException("one integer per value", nameof(integers));
        int i = 0;
        if (Avx2.IsSupported && values.Length >= 4 && registers.Length == HyperLogLog.RegisterCount)
        {
            ref byte regs = ref MemoryMarshal.GetArrayDataReference(registers);
            Span<ulong> keys = stackalloc ulong[16]; // per block of four: pages, registers, ranks, slots
            ref ulong key0 = ref MemoryMarshal.GetReference(keys);
            // The inner loop has no call (one would make it keep its values on the stack): it stops at a block whose
            // buckets need a new histogram page, which the outer loop makes before going on with that block.
            while (true)
            {
                i = AddBlocks(values, integers, i, quantiles, ref regs, ref key0);
                if (i > values.Length - 4) break;
                for (int k = 0; k < 4; k++) quantiles.EnsurePage(Unsafe.Add(ref key0, k));
            }
        }
        for (; i < values.Length; i++)
        {
            quantiles.Add(values[i]);
            HyperLogLog.AddTo(registers, hashIntegers ? HyperLogLog.HashNumber(integers[i]) : HyperLogLog.HashNumber(values[i]));
        }
    }

    /// <summary>
    /// Counts four values on paged counts: their pages are the four keys at <paramref name="key0"/>, their slots the four
    /// from <paramref name="slotsAt"/> on. False, counting nothing, when a page is not made yet. No bounds checks: the
    /// callers' keys index their page tables and pages by construction.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool CountFour(ref long[]? pages0, ref ulong key0, int slotsAt)
    {
        var p0 = Unsafe.Add(ref pages0, (nint)key0);
        var p1 = Unsafe.Add(ref pages0, (nint)Unsafe.Add(ref key0, 1));
        var p2 = Unsafe.Add(ref pages0, (nint)Unsafe.Add(ref key0, 2));
        var p3 = Unsafe.Add(ref pages0, (nint)Unsafe.Add(ref key0, 3));
        if (p0 is null || p1 is null || p2 is null || p3 is null) return false;
        Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(p0), (nint)Unsafe.Add(ref key0, slotsAt))++;
        Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(p1), (nint)Unsafe.Add(ref key0, slotsAt + 1))++;
        Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(p2), (nint)Unsafe.Add(ref key0, slotsAt + 2))++;
        Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(p3), (nint)Unsafe.Add(ref key0, slotsAt + 3))++;
        return true;
    }

    /// <summary>Counts blocks of four from <paramref name="i"/> on; returns where it stopped: the end, or a block whose
    /// buckets lack a page (their page indices are left at <paramref name="key0"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static int AddBlocks(ReadOnlySpan<double> values, ReadOnlySpan<long> integers, int i, QuantileSketch.ValueCounter quantiles, ref byte regs, ref ulong key0)
    {
        ref double v0 = ref MemoryMarshal.GetReference(values);
        ref long n0 = ref MemoryMarshal.GetReference(integers);
        bool hashIntegers = !integers.IsEmpty;
        ref long[]? pages0 = ref quantiles.FirstPage;
        for (; i <= values.Length - 4; i += 4)
        {
            var x = Vector256.LoadUnsafe(ref v0, (nuint)i);
            // -0 counts as 0 in both keys, as in the scalar forms.
            var ordered = QuantileSketch.OrderedKeys(x, out var bits);
            var bucket = ordered >>> QuantileSketch.BucketShift;
            // Each bucket's page and slot on it, here four at a time rather than per value in the counting below.
            Vector256.StoreUnsafe(bucket >>> QuantileSketch.SubBits, ref key0);
            Vector256.StoreUnsafe(bucket & Vector256.Create((ulong)QuantileSketch.Sub - 1), ref key0, 12);
            var hash = StableHash.Mix(hashIntegers ? Vector256.LoadUnsafe(ref n0, (nuint)i).AsUInt64() : bits);
            // The HyperLogLog register (top bits) and rank (leading zeros of the other 52 bits, plus one, at most 53) of
            // each hash, as HyperLogLog.AddUnchecked takes them: the 52 bits as a double's mantissa over 2^52, minus
            // 2^52, is their exact value, whose exponent gives their highest set bit.
            Vector256.StoreUnsafe(hash >>> (64 - HyperLogLog.Precision), ref key0, 4);
            var low = (hash & Vector256.Create(0x000F_FFFF_FFFF_FFFFUL)) | Vector256.Create(0x4330_0000_0000_0000UL);
            var exponent = (low.AsDouble() - Vector256.Create(4503599627370496.0)).AsUInt64() >>> 52;
            Vector256.StoreUnsafe(Vector256.Min(Vector256.Create(1075UL) - exponent, Vector256.Create(53UL)), ref key0, 8);
            if (!CountFour(ref pages0, ref key0, 12)) return i;
            HyperLogLog.Raise(ref regs, Unsafe.Add(ref key0, 4), Unsafe.Add(ref key0, 8));
            HyperLogLog.Raise(ref regs, Unsafe.Add(ref key0, 5), Unsafe.Add(ref key0, 9));
            HyperLogLog.Raise(ref regs, Unsafe.Add(ref key0, 6), Unsafe.Add(ref key0, 10));
            HyperLogLog.Raise(ref regs, Unsafe.Add(ref key0, 7), Unsafe.Add(ref key0, 11));
        }
        return i;
    }
}
