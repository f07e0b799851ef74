using System.Numerics;
using System.Runtime.CompilerServices;

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
    public void Add(ulong hash)
    {
        int idx = (int)(hash >> (64 - P));
        byte rank = (byte)(BitOperations.LeadingZeroCount((hash << P) | (1UL << (P - 1))) + 1);
        if (rank > Registers[idx]) Registers[idx] = rank;
    }

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
        int idx = (int)(hash >> (64 - P));
        byte rank = (byte)(BitOperations.LeadingZeroCount((hash << P) | (1UL << (P - 1))) + 1);
        regs[idx] = Math.Max(regs[idx], rank);
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
    const int SubBits = 7;
    const int Sub = 1 << SubBits;
    readonly long[]?[] _pages = new long[]?[1 << 12];
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

    /// <summary>
    /// Counts values inside a caller's loop, which calls <see cref="Counted"/> with how many it added. A struct holding
    /// the page table, so a fused check loop pays two loads and an increment per value.
    /// </summary>
    public readonly struct ValueCounter(QuantileSketch sketch)
    {
        readonly long[]?[] _pages = sketch._pages;

        /// <summary>Counts a value (without updating <see cref="Count"/>).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Add(double v)
        {
            ulong b = OrderedKey(v) >> (52 - SubBits);
            var page = _pages[(int)(b >> SubBits)] ?? sketch.NewPage((int)(b >> SubBits));
            page[(int)(b & (Sub - 1))]++;
        }
    }

    /// <summary>A counter for a loop over many values.</summary>
    public ValueCounter Counter() => new(this);

    /// <summary>Adds to <see cref="Count"/> what a <see cref="ValueCounter"/> counted.</summary>
    public void Counted(long n) => Count += n;

    long[] NewPage(int index) => _pages[index] = new long[Sub];

    static double FromOrderedKey(ulong key)
    {
        ulong bits = (key & 0x8000_0000_0000_0000UL) != 0 ? key & 0x7FFF_FFFF_FFFF_FFFFUL : ~key;
        return BitConverter.UInt64BitsToDouble(bits);
    }

    /// <summary>Counts a value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(double v)
    {
        ulong b = OrderedKey(v) >> (52 - SubBits);
        var page = _pages[(int)(b >> SubBits)] ??= new long[Sub];
        page[(int)(b & (Sub - 1))]++;
        Count++;
    }

    /// <summary>Counts a value <paramref name="count"/> times (what <see cref="Add(double)"/> that often would do).</summary>
    public void Add(double v, long count)
    {
        if (count <= 0) return;
        ulong b = OrderedKey(v) >> (52 - SubBits);
        var page = _pages[(int)(b >> SubBits)] ??= new long[Sub];
        page[(int)(b & (Sub - 1))] += count;
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
                    double mid = (FromOrderedKey(lo) + FromOrderedKey(hi)) / 2;
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
