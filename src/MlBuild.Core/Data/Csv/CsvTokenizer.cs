using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace MlBuild.Core.Data.Csv;

/// <summary>
/// The fields of a chunk's records: offsets into the chunk buffer, one array per column (field f of record r at
/// <c>FieldStart[f][r]</c>) so decoding a column reads memory sequentially, and a column vector can take its column's
/// arrays as they are.
/// </summary>
internal sealed class TokenizedChunk
{
    public int Columns;
    /// <summary>Capacity of each column's arrays, in records.</summary>
    public int Capacity;
    public int Records;
    public int[][] FieldStart = [];
    public int[][] FieldLength = [];
    /// <summary>
    /// Where the data of column c's arrays is: <c>FieldStart[c]</c> at 2c, <c>FieldLength[c]</c> at 2c + 1 (the arrays are
    /// pinned). The tokeniser stores a field through these with one load and one store; through the arrays of arrays it
    /// took two dependent loads and a null check per array.
    /// </summary>
    public nint[] FieldAddresses = [];
    /// <summary>Physical line of each record's start, relative to the chunk's first line.</summary>
    public int[] RecordLine = [];
    public int[] RecordOffset = [];
    /// <summary>Field count of each record when it differs from <see cref="Columns"/>, else -1.</summary>
    public int[] BadFieldCount = [];
    public bool AnyMalformed;

    public void Reset(int maxRecords, int columns)
    {
        Columns = columns;
        Records = 0;
        AnyMalformed = false;
        if (RecordLine.Length < maxRecords)
        {
            // Not zeroed: every entry below Records is written (a predictions file tokenises a fresh chunk per 128 KB, where zeroing cost a tenth of the tokenising).
            RecordLine = GC.AllocateUninitializedArray<int>(maxRecords);
            RecordOffset = GC.AllocateUninitializedArray<int>(maxRecords);
            BadFieldCount = GC.AllocateUninitializedArray<int>(maxRecords);
        }
        if (FieldStart.Length < columns || Capacity < maxRecords)
        {
            Capacity = Math.Max(Capacity, maxRecords);
            FieldStart = new int[columns][];
            FieldLength = new int[columns][];
            FieldAddresses = new nint[2 * columns];
            for (int c = 0; c < columns; c++)
            {
                FieldStart[c] = GC.AllocateUninitializedArray<int>(Capacity, pinned: true);
                FieldLength[c] = GC.AllocateUninitializedArray<int>(Capacity, pinned: true);
                FieldAddresses[2 * c] = AddressOf(FieldStart[c]);
                FieldAddresses[2 * c + 1] = AddressOf(FieldLength[c]);
            }
        }
    }

    static unsafe nint AddressOf(int[] pinned) => (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(pinned));
}

/// <summary>
/// Splits a chunk (which starts at a record start and ends at a record end) into fields. A chunk with no quote takes
/// a vectorised path over separator bitmasks; a chunk with quotes takes a byte state machine that unescapes quoted
/// fields in place (unescaping only shrinks a field). Blank lines are skipped but counted as lines.
/// </summary>
internal static class CsvTokenizer
{
    public static void Tokenize(byte[] buffer, int length, byte delimiter, bool hasQuotes, int newlines, int columns, TokenizedChunk t) =>
        Tokenize(buffer, 0, length, delimiter, hasQuotes, newlines, columns, t);

    /// <summary>
    /// Tokenises the records of <c>buffer[start..length]</c> (<paramref name="start"/> at a record start): one buffer
    /// holding several chunks, each tokenised on its own (a predictions file read whole, in parallel). Field and record
    /// offsets are positions in <paramref name="buffer"/>; record lines count from the chunk's first line.
    /// </summary>
    public static void Tokenize(byte[] buffer, int start, int length, byte delimiter, bool hasQuotes, int newlines, int columns, TokenizedChunk t)
    {
        t.Reset(newlines + 1, columns);
        if (hasQuotes) TokenizeQuoted(buffer, start, length, delimiter, t);
        else TokenizePlain(buffer, start, length, delimiter, t);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static unsafe void TokenizePlain(byte[] buffer, int start, int length, byte delimiter, TokenizedChunk t)
    {
        int cols = t.Columns;
        int capacity = t.Capacity;
        int rec = 0, field = 0, fieldStart = start, recStart = start, line = 0;
        // Unchecked refs: every index below is bounded by the chunk (positions < length) or by Reset's sizing
        // (records <= newlines + 1 <= Capacity, fields stored only while field < cols).
        ref byte b0 = ref MemoryMarshal.GetArrayDataReference(buffer);
        ref nint columns0 = ref MemoryMarshal.GetArrayDataReference(t.FieldAddresses);
        nint recordOffset = 0; // rec * sizeof(int): where this record's cell goes in each column's arrays
        var vd = Vector256.Create(delimiter);
        var vn = Vector256.Create((byte)'\n');
        // 64-byte blocks: a block's separators are cut in loops whose exits the branch predictor cannot learn (the
        // count per segment varies with the data), so fewer, longer blocks mean fewer mispredicted exits per record.
        for (int block = start; block < length; block += 64)
        {
            ulong dmask, nmask;
            if (block + 64 <= length)
            {
                var v = Vector256.LoadUnsafe(ref b0, (nuint)block);
                var w = Vector256.LoadUnsafe(ref b0, (nuint)block + 32);
                dmask = Vector256.Equals(v, vd).ExtractMostSignificantBits() | ((ulong)Vector256.Equals(w, vd).ExtractMostSignificantBits() << 32);
                nmask = Vector256.Equals(v, vn).ExtractMostSignificantBits() | ((ulong)Vector256.Equals(w, vn).ExtractMostSignificantBits() << 32);
            }
            else
            {
                dmask = nmask = 0;
                for (int k = block; k < length; k++)
                {
                    byte c = buffer[k];
                    if (c == delimiter) dmask |= 1UL << (k - block);
                    else if (c == (byte)'\n') nmask |= 1UL << (k - block);
                }
            }
            ulong mask = dmask | nmask;
            while (mask != 0)
            {
                // The separators before the block's next newline (all of them when none is left) in a loop of their own,
                // without asking at each one whether it is a newline, nor, when the record's columns leave room for all
                // of them (the usual case), whether the field is one of the columns.
                ulong separators = mask & ((nmask & mask & (0UL - (nmask & mask))) - 1);
                mask ^= separators;
                ref nint column = ref Unsafe.Add(ref columns0, (nint)(uint)field * 2); // the next field's column
                if (field + BitOperations.PopCount(separators) <= cols)
                {
                    field += BitOperations.PopCount(separators);
                    while (separators != 0)
                    {
                        int p = block + BitOperations.TrailingZeroCount(separators);
                        separators &= separators - 1;
                        StoreAt(ref column, recordOffset, fieldStart, p - fieldStart);
                        column = ref Unsafe.Add(ref column, 2);
                        fieldStart = p + 1;
                    }
                }
                else
                {
                    while (separators != 0)
                    {
                        int p = block + BitOperations.TrailingZeroCount(separators);
                        separators &= separators - 1;
                        if (field < cols) Store(ref columns0, field, recordOffset, fieldStart, p - fieldStart);
                        field++;
                        fieldStart = p + 1;
                    }
                }
                if (mask == 0) break;
                // A newline: it ends the record (or a blank line).
                int newline = block + BitOperations.TrailingZeroCount(mask);
                mask &= mask - 1;
                int end = newline > fieldStart && Unsafe.Add(ref b0, newline - 1) == (byte)'\r' ? newline - 1 : newline;
                if (field == 0 && end == fieldStart)
                {
                    line++;
                    fieldStart = recStart = newline + 1;
                    continue;
                }
                if (field < cols) Store(ref columns0, field, recordOffset, fieldStart, end - fieldStart);
                EndRecord(t, rec, field + 1, line, recStart);
                rec++; line++; field = 0; fieldStart = recStart = newline + 1;
                recordOffset += sizeof(int);
                // The unchecked stores above rely on records <= newlines + 1 (Reset's sizing); never write past it.
                if (rec >= capacity) throw new InvalidOperationException("CSV chunk has more records than newlines.");
            }
        }
        // A last record without a newline; its last field may be empty ("1," at the very end), a lone '\r' is no record.
        int tailEnd = length > fieldStart && buffer[length - 1] == (byte)'\r' ? length - 1 : length;
        if (field > 0 || tailEnd > fieldStart)
        {
            if (field < cols) Store(ref columns0, field, recordOffset, fieldStart, tailEnd - fieldStart);
            EndRecord(t, rec, field + 1, line, recStart);
            rec++;
        }
        t.Records = rec;
    }

    /// <summary>Stores a field of the record at <paramref name="recordOffset"/> through the column's pinned addresses
    /// (the caller keeps field &lt; columns and the record within capacity).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Store(ref nint columns0, int field, nint recordOffset, int start, int length) =>
        StoreAt(ref Unsafe.Add(ref columns0, (nint)(uint)field * 2), recordOffset, start, length);

    /// <summary>Stores a field through its column's pair of addresses at <paramref name="column"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static unsafe void StoreAt(ref nint column, nint recordOffset, int start, int length)
    {
        *(int*)(column + recordOffset) = start;
        *(int*)(Unsafe.Add(ref column, 1) + recordOffset) = length;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void EndRecord(TokenizedChunk t, int rec, int fields, int line, int recStart)
    {
        t.RecordLine[rec] = line;
        t.RecordOffset[rec] = recStart;
        if (fields == t.Columns) t.BadFieldCount[rec] = -1;
        else { t.BadFieldCount[rec] = fields; t.AnyMalformed = true; }
    }

    static void TokenizeQuoted(byte[] buffer, int from, int length, byte delimiter, TokenizedChunk t)
    {
        int cols = t.Columns;
        int rec = 0, line = 0, i = from;
        var span = buffer.AsSpan(0, length);
        while (i < length)
        {
            int recStart = i, recLine = line;
            // Blank line: skipped, but it is a physical line.
            if (buffer[i] == (byte)'\n') { i++; line++; continue; }
            if (buffer[i] == (byte)'\r' && i + 1 < length && buffer[i + 1] == (byte)'\n') { i += 2; line++; continue; }
            int field = 0;
            while (true)
            {
                int start, len;
                if (i < length && buffer[i] == (byte)'"')
                {
                    i++;
                    start = i;
                    int w = i;
                    while (i < length)
                    {
                        int q = span[i..].IndexOfAny((byte)'"', (byte)'\n');
                        int stop = q < 0 ? length : i + q;
                        if (w != i) span[i..stop].CopyTo(span[w..]);
                        w += stop - i;
                        i = stop;
                        if (i >= length) break;
                        if (buffer[i] == (byte)'\n') { line++; buffer[w++] = (byte)'\n'; i++; continue; }
                        if (i + 1 < length && buffer[i + 1] == (byte)'"') { buffer[w++] = (byte)'"'; i += 2; continue; }
                        i++; // closing quote
                        break;
                    }
                    len = w - start;
                    // Text between a closing quote and the next separator is kept out of the value (lenient, like most readers).
                    int sep = span[i..].IndexOfAny(delimiter, (byte)'\n');
                    i = sep < 0 ? length : i + sep;
                }
                else
                {
                    start = i;
                    int sep = span[i..].IndexOfAny(delimiter, (byte)'\n');
                    i = sep < 0 ? length : i + sep;
                    int end = i;
                    if ((i == length || buffer[i] == (byte)'\n') && end > start && buffer[end - 1] == (byte)'\r') end--;
                    len = end - start;
                }
                if (field < cols) { t.FieldStart[field][rec] = start; t.FieldLength[field][rec] = len; }
                field++;
                if (i < length && buffer[i] == delimiter) { i++; continue; }
                if (i < length) { i++; line++; } // newline ends the record
                break;
            }
            EndRecord(t, rec, field, recLine, recStart);
            rec++;
        }
        t.Records = rec;
    }
}
