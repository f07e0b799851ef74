using System.Buffers.Text;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Text;

namespace MlBuild.Core.Data.Validation;

/// <summary>
/// Strict parsers over UTF-8 cell bytes. Strict means what a data engineer expects: no surrounding spaces, no
/// thousands separators, no NaN or infinity; an impossible date such as 2015-02-29 is not a date.
/// </summary>
public static class Utf8Parsers
{
    static readonly double[] PowersOf10 =
        [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

    /// <summary>Parses an optionally signed decimal integer that fits in 64 bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryParseInt64(ReadOnlySpan<byte> s, out long value)
    {
        value = 0;
        if (s.IsEmpty) return false;
        int i = 0;
        bool neg = false;
        if (s[0] == (byte)'-' || s[0] == (byte)'+') { neg = s[0] == (byte)'-'; i = 1; if (s.Length == 1) return false; }
        // Past 19 digits only leading zeros can keep the value in range; strip them.
        while (s.Length - i > 19 && s[i] == (byte)'0') i++;
        if (s.Length - i > 19) return false;
        ulong acc = 0;
        for (; i < s.Length; i++)
        {
            uint d = (uint)(s[i] - '0');
            if (d > 9) return false;
            acc = acc * 10 + d;
        }
        if (acc > (ulong)long.MaxValue + (neg ? 1UL : 0UL)) return false;
        value = neg ? (long)(0 - acc) : (long)acc;
        return true;
    }

    /// <summary>
    /// Parses a finite decimal number. Plain decimals with at most 15 significant digits take a fast exact path
    /// (integer mantissa divided by a power of ten, both exact doubles, so the division rounds correctly);
    /// exponents and longer numbers go through the BCL parser.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryParseDouble(ReadOnlySpan<byte> s, out double value)
    {
        int n = s.Length;
        if (n == 0) { value = 0; return false; }
        int i = 0;
        bool neg = false;
        byte c0 = s[0];
        if (c0 == (byte)'-' || c0 == (byte)'+') { neg = c0 == (byte)'-'; i = 1; }
        ulong mant = 0;
        int digits = 0, fracDigits = 0;
        int start = i;
        for (; i < n; i++)
        {
            uint d = (uint)(s[i] - '0');
            if (d > 9) break;
            mant = mant * 10 + d;
            digits++;
        }
        int intDigits = digits;
        if (i < n && s[i] == (byte)'.')
        {
            i++;
            // Four fraction digits at a time (SWAR), cutting the multiply chain that dominates decimal parsing.
            while (n - i >= 4 && TryFourDigits(Unsafe.ReadUnaligned<uint>(ref Unsafe.AsRef(in s[i])), out uint four))
            {
                mant = mant * 10000 + four;
                digits += 4;
                fracDigits += 4;
                i += 4;
            }
            for (; i < n; i++)
            {
                uint d = (uint)(s[i] - '0');
                if (d > 9) break;
                mant = mant * 10 + d;
                digits++;
                fracDigits++;
            }
        }
        if (i == n && digits > 0 && digits <= 15 && (intDigits > 0 || fracDigits > 0))
        {
            double v = fracDigits == 0 ? mant : mant / PowersOf10[fracDigits];
            value = neg ? -v : v;
            return true;
        }
        if (i == start) { value = 0; return false; }
        return TryParseDoubleSlow(s, out value);
    }

    /// <summary>10^k at k (0..15) and -10^k at 16 + k: dividing a mantissa by the signed power gives the signed value,
    /// -0 included, exactly as negating the quotient would.</summary>
    static readonly double[] SignedPowersOf10 = [.. PowersOf10[..16], .. PowersOf10[..16].Select(p => -p)];

    /// <summary>Bytes past a cell's start that <see cref="TryParseDouble(byte[], int, int, out double)"/> may read.</summary>
    public const int ReadAhead = 32;

    /// <summary>Body lengths the shape table has rows for: 0 to 16 bytes, and 17 for every longer body.</summary>
    const int ShapeRows = 18;

    /// <summary>Where <see cref="CellShapes"/> keeps its shape bytes, after the shuffles.</summary>
    const int ShapeBytesAt = ShapeRows * ShapeRows * 16;

    /// <summary>Where <see cref="CellShapes"/> keeps, per first byte of a cell, bit 0 set for a sign ('+' or '-') and
    /// bit 1 for '-'.</summary>
    const int SignsAt = ShapeBytesAt + ShapeRows * ShapeRows;

    /// <summary>Where <see cref="CellShapes"/> keeps <see cref="SignedPowersOf10"/> (8-byte aligned), so the column loop
    /// reaches them from the same base address.</summary>
    const int PowersAt = (SignsAt + 256 + 7) & ~7;

    /// <summary>
    /// Per cell shape, a body of n bytes (n &lt;= 17, 17 meaning longer) whose first non-digit is at k (k == n: none):
    /// at <c>(n * 18 + k) * 16</c>, the byte shuffle that right-aligns its digits, skipping the dot, with zeros (0x80)
    /// in front; at <see cref="ShapeBytesAt"/> + <c>n * 18 + k</c>, one byte: its fraction digits (bits 0-3), whether
    /// its length alone rejects it (bit 4: no body, over 16 bytes, no digit or over 15 digits) and whether it has a
    /// dot (bit 5), taking the non-digit at k for a dot (any other non-digit is rejected by the caller); then the sign
    /// bytes (<see cref="SignsAt"/>) and the signed powers of ten (<see cref="PowersAt"/>). One table, so the column loop
    /// keeps one base address for its four lookups.
    /// </summary>
    static readonly byte[] CellShapes = BuildCellShapes();

    /// <summary>10^<paramref name="fracDigits"/>, negated when <paramref name="minus"/> is 1, from <see cref="CellShapes"/>'
    /// data at <paramref name="tables"/>: what a plain cell's mantissa is divided by.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static double SignedPowerOf10(ref byte tables, int fracDigits, int minus) =>
        Unsafe.ReadUnaligned<double>(ref Unsafe.Add(ref tables, PowersAt + (nint)(uint)(fracDigits | (minus << 4)) * sizeof(double)));

    static byte[] BuildCellShapes()
    {
        var table = new byte[PowersAt + SignedPowersOf10.Length * sizeof(double)];
        SignedPowersOf10.AsSpan().CopyTo(MemoryMarshal.Cast<byte, double>(table.AsSpan(PowersAt)));
        table[SignsAt + '+'] = 1;
        table[SignsAt + '-'] = 3;
        for (int n = 0; n < ShapeRows; n++)
            for (int k = 0; k <= n; k++)
            {
                int index = n * ShapeRows + k;
                bool hasDot = k < n;
                int digits = hasDot ? n - 1 : n;
                bool lengthRejects = n == 0 || n > 16 || digits < 1 || digits > 15;
                int fracDigits = hasDot && !lengthRejects ? n - k - 1 : 0;
                table[ShapeBytesAt + index] = (byte)(fracDigits | (lengthRejects ? 0x10 : 0) | (hasDot ? 0x20 : 0));
                if (lengthRejects) continue; // any shuffle does; zeros keep the digits in range
                for (int j = 0; j < 16; j++)
                {
                    int d = j - (16 - digits);
                    table[index * 16 + j] = d < 0 ? (byte)0x80 : (byte)(d < k ? d : d + 1);
                }
            }
        return table;
    }

    /// <summary>
    /// Parses <c>buffer[start..start+length]</c> like <see cref="TryParseDouble(ReadOnlySpan{byte}, out double)"/>, to
    /// the same bits, reading ahead of the cell (see <see cref="PlainDigits"/>); other shapes take the scalar parser.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryParseDouble(byte[] buffer, int start, int length, out double value)
    {
        if (CanReadAhead(buffer, start))
        {
            var halves = PlainDigits(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(buffer), start), length,
                out int fracDigits, out _, out int minus, out int rejected);
            if (rejected == 0)
            {
                // Up to 15 digits: the mantissa and 10^fracDigits are exact doubles, so the quotient is correctly rounded.
                value = MantissaAsDouble(halves) / SignedPowerOf10(ref MemoryMarshal.GetArrayDataReference(CellShapes), fracDigits, minus);
                return true;
            }
        }
        return TryParseDoubleOutOfLine(buffer.AsSpan(start, length), out value);
    }

    /// <summary>Parses <c>buffer[start..start+length]</c> like <see cref="TryParseInt64(ReadOnlySpan{byte}, out long)"/>, reading ahead of the cell.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryParseInt64(byte[] buffer, int start, int length, out long value)
    {
        if (CanReadAhead(buffer, start))
        {
            long mantissa = MantissaAsInt64(PlainDigits(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(buffer), start), length,
                out _, out int hasDot, out int minus, out int rejected));
            if ((rejected | hasDot) == 0)
            {
                value = minus != 0 ? -mantissa : mantissa;
                return true;
            }
        }
        return TryParseInt64OutOfLine(buffer.AsSpan(start, length), out value);
    }

    /// <summary>Whether <see cref="PlainDigits"/> may read a cell at <paramref name="start"/>: SSSE3, and <see cref="ReadAhead"/> bytes in the buffer.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static bool CanReadAhead(byte[] buffer, int start) => Ssse3.IsSupported && (uint)start + ReadAhead <= (uint)buffer.Length;

    /// <summary>
    /// The digits of a plain decimal cell (an optional sign, 1 to 15 digits, at most one dot) as an integer mantissa, in
    /// vector registers: one compare finds the dot and checks the digits, a shuffle right-aligns the digits and three
    /// multiply-adds sum them. <paramref name="cell"/> must have <see cref="ReadAhead"/> readable bytes and the CPU SSSE3
    /// (<see cref="CanReadAhead"/>). Every cell shape, the rejected ones included, runs the same instructions, so a
    /// column loop around it has no branch on the data and no call. Its parts come out as 0/1 integers
    /// (<paramref name="rejected"/> 1: not a plain decimal, the other parts are then meaningless), which an inlining loop
    /// keeps in registers.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector128<int> PlainDigits(ref byte cell, int length, out int fracDigits, out int hasDot, out int minus, out int rejected) =>
        PlainDigits(ref MemoryMarshal.GetArrayDataReference(CellShapes), ref cell, length, out fracDigits, out hasDot, out minus, out rejected);

    /// <summary><see cref="PlainDigits(ref byte, int, out int, out int, out int, out int)"/> with <see cref="CellShapes"/>'
    /// data at <paramref name="tables"/>, which a column loop holds in a register instead of loading it per cell.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector128<int> PlainDigits(ref byte tables, ref byte cell, int length, out int fracDigits, out int hasDot, out int minus, out int rejected)
    {
        // Data columns mix signs and lengths at random, so everything below is arithmetic on 0/1 values: a mispredicted
        // branch costs more than the whole parse (and the JIT turns conditional constants into branches).
        int sign = Unsafe.Add(ref Unsafe.Add(ref tables, SignsAt), (nuint)cell);
        minus = sign >> 1;
        int signed = sign & 1;
        // The body's length, 17 for any longer one (and for a negative one, which only a sign read past an empty cell
        // gives): the shape table rejects both.
        uint body = (uint)(length - signed);
        int n = (int)Math.Min(body, ShapeRows - 1u);
        var raw = Vector128.LoadUnsafe(ref Unsafe.Add(ref cell, (nuint)signed));
        var digits = raw - Vector128.Create((byte)'0');
        uint isDigit = Vector128.Equals(Vector128.Min(digits, Vector128.Create((byte)9)), digits).ExtractMostSignificantBits();
        uint isDot = Vector128.Equals(raw, Vector128.Create((byte)'.')).ExtractMostSignificantBits();
        uint end = 1u << n;
        uint nonDigits = ~isDigit & (end - 1);
        nuint shapeIndex = (nuint)(uint)(n * ShapeRows + BitOperations.TrailingZeroCount(nonDigits | end)); // the first non-digit, n if none
        int shape = Unsafe.Add(ref Unsafe.Add(ref tables, ShapeBytesAt), shapeIndex);
        // Rejected unless the only non-digit is one dot (no other, not two) and the length fits (the shape's bit 4).
        uint bad = (nonDigits & ~isDot) | (nonDigits & (nonDigits - 1)) | (uint)(shape & 0x10);
        rejected = bad != 0 ? 1 : 0;
        hasDot = shape >> 5;
        fracDigits = shape & 15;
        var aligned = Ssse3.Shuffle(digits, Vector128.LoadUnsafe(ref tables, shapeIndex * 16));
        var pairs = Ssse3.MultiplyAddAdjacent(aligned, Vector128.Create((sbyte)10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1));
        var fours = Sse2.MultiplyAddAdjacent(pairs, Vector128.Create((short)100, 1, 100, 1, 100, 1, 100, 1));
        var packed = Sse2.PackSignedSaturate(fours, fours);
        // The high eight digits in element 0, the low eight in element 1 (see MantissaAsInt64, MantissaAsDouble).
        return Sse2.MultiplyAddAdjacent(packed, Vector128.Create((short)10000, 1, 10000, 1, 10000, 1, 10000, 1));
    }

    /// <summary>The mantissa of <see cref="PlainDigits"/>'s halves as an integer.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static long MantissaAsInt64(Vector128<int> halves) => (long)halves.GetElement(0) * 100_000_000 + halves.GetElement(1);

    /// <summary>
    /// The mantissa of <see cref="PlainDigits"/>'s halves as a double, converted in the vector register: both halves and
    /// high * 10^8 are integers below 2^53, so the product and the sum are exact, the same double as converting the
    /// integer mantissa, in fewer instructions.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static double MantissaAsDouble(Vector128<int> halves)
    {
        var d = Sse2.ConvertToVector128Double(halves);
        return d.ToScalar() * 1e8 + d.GetElement(1);
    }

    /// <summary>
    /// Parses a column of cells, <c>buffer[starts[r]..starts[r]+lengths[r]]</c>, the way
    /// <see cref="TryParseDouble(byte[], int, int, out double)"/> does, in one loop without a call: a plain decimal cell
    /// gets its value and <see cref="CellState.Value"/>; any other (empty, a missing-value token, an exponent, over 15
    /// digits, not a number, too near the buffer's end) gets <see cref="CellState.Invalid"/> for the caller to settle
    /// with the scalar parser. Returns how many cells it left, or -1 (nothing done) without SSSE3.
    /// </summary>
    public static int ParsePlainDoubles(byte[] buffer, ReadOnlySpan<int> starts, ReadOnlySpan<int> lengths, Span<double> values, Span<CellState> states) =>
        ParsePlain(buffer, starts, lengths, values, states);

    /// <summary>
    /// <see cref="ParsePlainDoubles"/> for integers: a plain cell is an optional sign and 1 to 15 digits; others (longer
    /// integers among them) are left <see cref="CellState.Invalid"/> for the scalar parser.
    /// </summary>
    public static int ParsePlainInt64s(byte[] buffer, ReadOnlySpan<int> starts, ReadOnlySpan<int> lengths, Span<long> values, Span<CellState> states) =>
        ParsePlain(buffer, starts, lengths, values, states);

    /// <summary>The column loop of <see cref="ParsePlainDoubles"/> and <see cref="ParsePlainInt64s"/>.</summary>
    static int ParsePlain<T>(byte[] buffer, ReadOnlySpan<int> starts, ReadOnlySpan<int> lengths, Span<T> values, Span<CellState> states)
        where T : unmanaged
    {
        int rows = starts.Length;
        if (!Ssse3.IsSupported || lengths.Length < rows || values.Length < rows || states.Length < rows || buffer.Length < ReadAhead) return -1;
        return EveryCellReadable(buffer, starts)
            ? ParsePlain<T, AllCellsReadable>(buffer, starts, lengths, values, states)
            : ParsePlain<T, SomeCellsNearEnd>(buffer, starts, lengths, values, states);
    }

    struct AllCellsReadable;
    struct SomeCellsNearEnd;

    /// <summary>One compiled loop per value type and per bounds case.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static int ParsePlain<T, TBounds>(byte[] buffer, ReadOnlySpan<int> starts, ReadOnlySpan<int> lengths, Span<T> values, Span<CellState> states)
        where T : unmanaged where TBounds : struct
    {
        nint rows = starts.Length;
        ref byte b0 = ref MemoryMarshal.GetArrayDataReference(buffer);
        ref int start0 = ref MemoryMarshal.GetReference(starts);
        ref int length0 = ref MemoryMarshal.GetReference(lengths);
        ref T value0 = ref MemoryMarshal.GetReference(values);
        ref CellState state0 = ref MemoryMarshal.GetReference(states);
        uint lastSafe = (uint)(buffer.Length - ReadAhead);
        ref byte tables = ref MemoryMarshal.GetArrayDataReference(CellShapes);
        bool guard = typeof(TBounds) == typeof(SomeCellsNearEnd);
        for (nint r = 0; r < rows; r++)
        {
            uint start = (uint)Unsafe.Add(ref start0, r);
            // A cell too near the end is read from a safe place and rejected, so the load never leaves the buffer.
            var halves = PlainDigits(ref tables, ref Unsafe.Add(ref b0, guard ? Math.Min(start, lastSafe) : start), Unsafe.Add(ref length0, r),
                out int fracDigits, out int hasDot, out int minus, out int rejected);
            if (guard) rejected |= start > lastSafe ? 1 : 0;
            if (typeof(T) == typeof(double))
            {
                // Up to 15 digits: the mantissa and 10^fracDigits are exact doubles, so the quotient is correctly rounded.
                Unsafe.As<T, double>(ref Unsafe.Add(ref value0, r)) = MantissaAsDouble(halves) / SignedPowerOf10(ref tables, fracDigits, minus);
            }
            else
            {
                rejected |= hasDot;
                long sign = -(long)minus; // 0 or -1, branch-free like the double path
                Unsafe.As<T, long>(ref Unsafe.Add(ref value0, r)) = (MantissaAsInt64(halves) ^ sign) - sign;
            }
            Unsafe.Add(ref state0, r) = (CellState)(rejected * (int)CellState.Invalid);
        }
        // Counted after the loop, which has no register to spare for the count.
        return MemoryMarshal.AsBytes(states[..(int)rows]).Count((byte)CellState.Invalid);
    }

    /// <summary>First year of <see cref="MonthStarts"/>; dates of the 256 years from it take the column loop's table.</summary>
    const int MonthTableFirstYear = 1900;

    /// <summary>Per month of the years 1900 to 2155, at <c>(year - 1900) * 12 + month - 1</c>: the day number of its first
    /// day (<see cref="MonthLengths"/>: how many days it has). A lookup instead of the calendar arithmetic.</summary>
    static readonly int[] MonthStarts = Enumerable.Range(0, 256 * 12)
        .Select(i => new DateOnly(MonthTableFirstYear + i / 12, i % 12 + 1, 1).DayNumber).ToArray();

    static readonly byte[] MonthLengths = Enumerable.Range(0, 256 * 12)
        .Select(i => (byte)DateTime.DaysInMonth(MonthTableFirstYear + i / 12, i % 12 + 1)).ToArray();

    /// <summary>
    /// Parses a column of <c>yyyy-MM-dd</c> cells to day numbers, as <see cref="TryParseDate"/> without a format does, in
    /// one loop without a call or a branch on the data: the ten bytes read as two words, every digit and dash tested at
    /// once, the year, month and day taken from the word, the day number from a table of months. Any other cell (empty,
    /// a missing-value token, another shape, an impossible date, a year outside 1900-2155, too near the buffer's end)
    /// is left <see cref="CellState.Invalid"/> for the cell parser. Returns how many it left.
    /// </summary>
    public static int ParseIsoDates(byte[] buffer, ReadOnlySpan<int> starts, ReadOnlySpan<int> lengths, Span<long> values, Span<CellState> states)
    {
        int rows = starts.Length;
        if (lengths.Length < rows || values.Length < rows || states.Length < rows || buffer.Length < ReadAhead) return -1;
        return EveryCellReadable(buffer, starts)
            ? ParseIsoDates<AllCellsReadable>(buffer, starts, lengths, values, states)
            : ParseIsoDates<SomeCellsNearEnd>(buffer, starts, lengths, values, states);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static int ParseIsoDates<TBounds>(byte[] buffer, ReadOnlySpan<int> starts, ReadOnlySpan<int> lengths, Span<long> values, Span<CellState> states)
        where TBounds : struct
    {
        nint rows = starts.Length;
        ref byte b0 = ref MemoryMarshal.GetArrayDataReference(buffer);
        ref int start0 = ref MemoryMarshal.GetReference(starts);
        ref int length0 = ref MemoryMarshal.GetReference(lengths);
        ref long value0 = ref MemoryMarshal.GetReference(values);
        ref CellState state0 = ref MemoryMarshal.GetReference(states);
        ref int monthStart0 = ref MemoryMarshal.GetArrayDataReference(MonthStarts);
        ref byte monthLength0 = ref MemoryMarshal.GetArrayDataReference(MonthLengths);
        uint lastSafe = (uint)(buffer.Length - ReadAhead);
        bool guard = typeof(TBounds) == typeof(SomeCellsNearEnd);
        const ulong Zeros = 0x3030_3030_3030_3030UL, High = 0xF0F0_F0F0_F0F0_F0F0UL, Sixes = 0x0606_0606_0606_0606UL;
        const ulong DashBytes = 0xFF00_00FF_0000_0000UL; // bytes 4 and 7 of "yyyy-MM-"
        int left = 0;
        for (nint r = 0; r < rows; r++)
        {
            uint start = (uint)Unsafe.Add(ref start0, r);
            ref byte at = ref Unsafe.Add(ref b0, guard ? Math.Min(start, lastSafe) : start);
            ulong word = Unsafe.ReadUnaligned<ulong>(ref at);
            uint dayText = Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref at, 8));
            // The dashes as '0's, then every byte a digit: the SWAR test of both nibbles.
            ulong digits = (word & ~DashBytes) | (Zeros & DashBytes);
            int bad = (Unsafe.Add(ref length0, r) ^ 10)
                      | ((word & DashBytes) != 0x2D00_002D_0000_0000UL ? 1 : 0)
                      | ((digits & High) != Zeros ? 1 : 0) | (((digits + Sixes) & High) != Zeros ? 1 : 0)
                      | ((dayText & 0xF0F0) != 0x3030 ? 1 : 0) | (((dayText + 0x0606) & 0xF0F0) != 0x3030 ? 1 : 0);
            if (guard) bad |= start > lastSafe ? 1 : 0;
            ulong x = digits - Zeros;
            ulong pairs = x * 10 + (x >> 8); // byte 0: first two year digits, byte 2: last two, byte 5: the month
            int year = (int)(pairs & 0xFF) * 100 + (int)((pairs >> 16) & 0xFF);
            int month = (int)((pairs >> 40) & 0xFF);
            int day = (int)(dayText & 0xF) * 10 + (int)((dayText >> 8) & 0xF);
            int index = (year - MonthTableFirstYear) * 12 + month - 1;
            bad |= ((uint)(year - MonthTableFirstYear) >= 256u ? 1 : 0) | ((uint)(month - 1) >= 12u ? 1 : 0);
            index = bad == 0 ? index : 0; // keeps the lookups inside the tables
            bad |= (uint)(day - 1) >= Unsafe.Add(ref monthLength0, index) ? 1 : 0;
            int rejected = bad != 0 ? 1 : 0;
            Unsafe.Add(ref value0, r) = Unsafe.Add(ref monthStart0, index) + day - 1;
            Unsafe.Add(ref state0, r) = (CellState)(rejected * (int)CellState.Invalid);
            left += rejected;
        }
        return left;
    }

    /// <summary>
    /// Whether every cell has <see cref="ReadAhead"/> readable bytes from its start, as a chunk's slack keeps them: the
    /// usual column, whose loop then needs no per-cell guard. One vector pass over the starts decides.
    /// </summary>
    static bool EveryCellReadable(byte[] buffer, ReadOnlySpan<int> starts) => MaxOf(starts) <= (uint)(buffer.Length - ReadAhead);

    /// <summary>The largest of <paramref name="values"/> read as unsigned (a negative one counts as huge).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static uint MaxOf(ReadOnlySpan<int> values)
    {
        var unsigned = MemoryMarshal.Cast<int, uint>(values);
        var max = Vector256<uint>.Zero;
        int i = 0;
        for (; i <= unsigned.Length - 8; i += 8) max = Vector256.Max(max, Vector256.Create(unsigned.Slice(i, 8)));
        uint m = 0;
        for (int k = 0; k < 8; k++) m = Math.Max(m, max.GetElement(k));
        for (; i < unsigned.Length; i++) m = Math.Max(m, unsigned[i]);
        return m;
    }

    /// <summary>The scalar parser as a call, so the hot loop that inlines the fast path stays small.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    static bool TryParseDoubleOutOfLine(ReadOnlySpan<byte> s, out double value) => TryParseDouble(s, out value);

    [MethodImpl(MethodImplOptions.NoInlining)]
    static bool TryParseInt64OutOfLine(ReadOnlySpan<byte> s, out long value) => TryParseInt64(s, out value);

    /// <summary>Four ASCII digits (first in the lowest byte) to their value; false if any byte is not a digit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static bool TryFourDigits(uint x, out uint value)
    {
        value = 0;
        if ((x & 0xF0F0F0F0u) != 0x30303030u || ((x + 0x06060606u) & 0xF0F0F0F0u) != 0x30303030u) return false;
        x -= 0x30303030u;
        x = x * 10 + (x >> 8);                             // byte 0: d0d1, byte 2: d2d3
        value = ((x & 0x00FF00FFu) * 0x00640001u) >> 16;    // d0d1 * 100 + d2d3
        return true;
    }

    static bool TryParseDoubleSlow(ReadOnlySpan<byte> s, out double value)
    {
        // Exponents and long mantissas. Reject anything the BCL would accept that is not a plain number.
        foreach (var b in s)
            if (!((b >= '0' && b <= '9') || b is (byte)'.' or (byte)'-' or (byte)'+' or (byte)'e' or (byte)'E'))
            { value = 0; return false; }
        if (double.TryParse(s, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent,
                CultureInfo.InvariantCulture, out value) && double.IsFinite(value))
            return true;
        value = 0;
        return false;
    }

    /// <summary>Parses true/false, 1/0, yes/no, t/f, y/n (ASCII, case-insensitive).</summary>
    public static bool TryParseBoolean(ReadOnlySpan<byte> s, out bool value)
    {
        value = false;
        switch (s.Length)
        {
            case 1:
                switch (s[0] | 0x20)
                {
                    case '1' | 0x20 when s[0] == '1': value = true; return true;
                    case '0' | 0x20 when s[0] == '0': return true;
                    case 't': case 'y': value = true; return true;
                    case 'f': case 'n': return true;
                }
                return false;
            case 2: if (Ascii.EqualsIgnoreCase(s, "no"u8)) return true; return false;
            case 3: if (Ascii.EqualsIgnoreCase(s, "yes"u8)) { value = true; return true; } return false;
            case 4: if (Ascii.EqualsIgnoreCase(s, "true"u8)) { value = true; return true; } return false;
            case 5: if (Ascii.EqualsIgnoreCase(s, "false"u8)) return true; return false;
            default: return false;
        }
    }

    static readonly int[] DaysBeforeMonth = [0, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
    static readonly int[] DaysInMonth = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

    /// <summary>
    /// Parses a date to its day number (days since 0001-01-01). <paramref name="format"/> null means yyyy-MM-dd,
    /// parsed without allocation; other formats use the BCL's exact parser.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryParseDate(ReadOnlySpan<byte> s, string? format, out long dayNumber)
    {
        dayNumber = 0;
        if (format is null)
        {
            if (s.Length != 10 || s[4] != (byte)'-' || s[7] != (byte)'-') return false;
            uint y0 = (uint)(s[0] - '0'), y1 = (uint)(s[1] - '0'), y2 = (uint)(s[2] - '0'), y3 = (uint)(s[3] - '0');
            uint m0 = (uint)(s[5] - '0'), m1 = (uint)(s[6] - '0'), d0 = (uint)(s[8] - '0'), d1 = (uint)(s[9] - '0');
            if (y0 > 9 || y1 > 9 || y2 > 9 || y3 > 9 || m0 > 9 || m1 > 9 || d0 > 9 || d1 > 9) return false;
            int year = (int)(y0 * 1000 + y1 * 100 + y2 * 10 + y3), month = (int)(m0 * 10 + m1), day = (int)(d0 * 10 + d1);
            if (year < 1 || month < 1 || month > 12 || day < 1) return false;
            // Non-short-circuit & and |: a column's years alternate between leap and common at random, and a
            // branch on it mispredicted half the time.
            int leap = ((year & 3) == 0 ? 1 : 0) & ((year % 100 != 0 ? 1 : 0) | (year % 400 == 0 ? 1 : 0));
            if (day > DaysInMonth[month] + ((month == 2 ? 1 : 0) & leap)) return false;
            int y = year - 1;
            dayNumber = y * 365L + y / 4 - y / 100 + y / 400 + DaysBeforeMonth[month] + ((month > 2 ? 1 : 0) & leap) + day - 1;
            return true;
        }
        Span<char> chars = stackalloc char[64];
        if (s.Length > 64 || !Encoding.UTF8.TryGetChars(s, chars, out int n)) return false;
        if (!DateOnly.TryParseExact(chars[..n], format, CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)) return false;
        dayNumber = d.DayNumber;
        return true;
    }

    static readonly string[] IsoDateTimeFormats =
    [
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mmK",
        "yyyy-MM-dd HH:mm:ss.FFFFFFFK", "yyyy-MM-dd HH:mm:ssK", "yyyy-MM-dd HH:mmK",
    ];

    /// <summary>Parses a datetime to UTC ticks: ISO 8601 (T or space separator, optional fraction and offset) or an explicit format.</summary>
    public static bool TryParseDateTime(ReadOnlySpan<byte> s, string? format, out long ticks)
    {
        if (format is null && TryParseCommonIsoDateTime(s, out ticks)) return true;
        ticks = 0;
        Span<char> chars = stackalloc char[64];
        if (s.Length > 64 || s.Length < 10 || !Encoding.UTF8.TryGetChars(s, chars, out int n)) return false;
        var text = chars[..n];
        // DateTimeOffset, not DateTime: DateTime's AdjustToUniversal wraps an instant before 0001-01-01 UTC
        // (0001-01-01T00:00:00+01:00) round to 23:00 of that day; DateTimeOffset refuses it, so it is a type error.
        const DateTimeStyles styles = DateTimeStyles.AssumeUniversal;
        bool ok = format is null
            ? DateTimeOffset.TryParseExact(text, IsoDateTimeFormats, CultureInfo.InvariantCulture, styles, out var dt)
            : DateTimeOffset.TryParseExact(text, format, CultureInfo.InvariantCulture, styles, out dt);
        if (!ok) return false;
        ticks = dt.UtcTicks;
        return true;
    }

    /// <summary>
    /// The usual ISO 8601 datetimes, without the BCL's format matching (which cost more than every other column of a
    /// row together): <c>yyyy-MM-ddTHH:mm:ss</c> (or a space for the T), an optional fraction of 1 to 7 digits, an
    /// optional Z. True only with the ticks the BCL's parse gives; false means "ask the BCL" (offsets, other shapes and
    /// every invalid value), never "invalid".
    /// </summary>
    static bool TryParseCommonIsoDateTime(ReadOnlySpan<byte> s, out long ticks)
    {
        ticks = 0;
        int n = s.Length;
        if (n > 0 && s[n - 1] == (byte)'Z') n--;
        if (n < 19 || n == 20 || n > 27 || (s[10] != (byte)'T' && s[10] != (byte)' ') || s[13] != (byte)':' || s[16] != (byte)':')
            return false;
        if (!TryParseDate(s[..10], null, out long day)) return false;
        uint h0 = (uint)(s[11] - '0'), h1 = (uint)(s[12] - '0'), m0 = (uint)(s[14] - '0'), m1 = (uint)(s[15] - '0');
        uint s0 = (uint)(s[17] - '0'), s1 = (uint)(s[18] - '0');
        if (h0 > 9 || h1 > 9 || m0 > 9 || m1 > 9 || s0 > 9 || s1 > 9) return false;
        uint hour = h0 * 10 + h1, minute = m0 * 10 + m1, second = s0 * 10 + s1;
        if (hour > 23 || minute > 59 || second > 59) return false;
        long fraction = 0;
        if (n > 19)
        {
            if (s[19] != (byte)'.') return false;
            int digits = n - 20; // 1..7
            for (int i = 20; i < n; i++)
            {
                uint d = (uint)(s[i] - '0');
                if (d > 9) return false;
                fraction = fraction * 10 + d;
            }
            for (int i = digits; i < 7; i++) fraction *= 10;
        }
        ticks = day * TimeSpan.TicksPerDay + hour * TimeSpan.TicksPerHour + minute * TimeSpan.TicksPerMinute
                + second * TimeSpan.TicksPerSecond + fraction;
        return true;
    }

    /// <summary>Formats a day number as yyyy-MM-dd.</summary>
    public static string FormatDate(long dayNumber) =>
        DateOnly.FromDayNumber((int)dayNumber).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>Formats UTC ticks as ISO 8601.</summary>
    public static string FormatDateTime(long ticks) =>
        new DateTime(ticks, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);
}
