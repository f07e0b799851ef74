using System.Globalization;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Text;
using MlBuild.Core.Data.Schema;
using MlBuild.Core.Data.Validation;
using global::Parquet;
using global::Parquet.Schema;

namespace MlBuild.Core.Data.Parquet;

/// <summary>
/// Decodes one column chunk into a <see cref="ColumnVector"/> of the schema's type. Values come from Parquet.Net's raw
/// read (non-null values packed, plus definition levels), are spread to their rows, and are converted where the file's
/// type differs from the schema's; a value that does not fit (e.g. 2.5 declared integer, text that is not a date) is an
/// invalid cell recorded as a type failure.
/// </summary>
internal static class ParquetColumnDecoder
{
    const int UnixEpochDay = 719_162; // DateOnly(1970, 1, 1).DayNumber
    const long UnixEpochTicks = 621_355_968_000_000_000;
    static readonly long MaxTicks = DateTime.MaxValue.Ticks;

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static void Decode(ChunkReader w, ParquetRowGroupReader rg, ParquetColumnBinding b, ColumnVector v, int rows,
        BatchResult view, BatchChecker checker, string displayPath, bool direct)
    {
        var chunk = rg.GetMetadata(b.ReadField)?.MetaData
            ?? throw ParquetReader.Corrupt(displayPath, $"column '{b.FileField.Name}' has no column chunk metadata");
        if (chunk.NumValues != rows)
            throw ParquetReader.Corrupt(displayPath, $"column '{b.FileField.Name}' holds {chunk.NumValues} values in a row group of {rows} rows");
        int[]? levels = b.ReadField.MaxDefinitionLevel > 0 ? ChunkReader.Ensure(ref w.Levels, rows) : null;
        var states = v.States.AsSpan(0, rows);
        w.AllDictionary = false;
        w.ValuesDeferred = false;
        w.TextParsed = false;
        var ctx = new Ctx(view, checker, b, v, displayPath);
        var src = new Source(w, rg, b, chunk, direct, displayPath);
        int defined;
        switch (b.Kind)
        {
            case ParquetKind.Double when b.Target == ColumnType.Float:
                src.Read(v.Doubles.AsMemory(0, rows), levels, rows);
                defined = SetStates(states, levels, rows);
                if (w.ValuesDeferred) break; // checked per dictionary entry
                Expand(v.Doubles, states, defined, rows);
                // One vector scan finds the usual column all finite (nulls hold 0); only others take the row loop.
                if (!AllFinite(v.Doubles.AsSpan(0, rows)))
                    for (int i = 0; i < rows; i++)
                        if (!double.IsFinite(v.Doubles[i]) && states[i] == CellState.Value) ctx.Invalid(i, Format(v.Doubles[i]));
                break;
            case ParquetKind.Int64 when b.Target == ColumnType.Integer:
                src.Read(v.Longs.AsMemory(0, rows), levels, rows);
                defined = SetStates(states, levels, rows);
                if (w.ValuesDeferred) break; // checked per dictionary entry
                Expand(v.Longs, states, defined, rows);
                break;
            case ParquetKind.Double:
            case ParquetKind.Float:
            {
                if (b.Kind == ParquetKind.Double)
                    src.Read(ChunkReader.Ensure(ref w.Doubles, rows).AsMemory(0, rows), levels, rows);
                else
                    src.Read(ChunkReader.Ensure(ref w.Floats, rows).AsMemory(0, rows), levels, rows);
                defined = SetStates(states, levels, rows);
                for (int i = 0, k = 0; i < rows; i++)
                {
                    if (states[i] != CellState.Value) continue;
                    double x = b.Kind == ParquetKind.Double ? w.Doubles[k++] : w.Floats[k++];
                    // Target is Integer (Float from double took the direct path above; float32 lands here too).
                    if (b.Target == ColumnType.Float)
                    {
                        v.Doubles[i] = x;
                        if (!double.IsFinite(x)) ctx.Invalid(i, Format(x));
                    }
                    else if (double.IsFinite(x) && Math.Floor(x) == x && x >= -9.2233720368547758E18 && x < 9.2233720368547758E18)
                        v.Longs[i] = (long)x;
                    else ctx.Invalid(i, Format(x));
                }
                break;
            }
            case ParquetKind.Int32:
            case ParquetKind.UInt32:
            case ParquetKind.Date32:
            {
                var ints = ChunkReader.Ensure(ref w.Ints, rows);
                src.Read(ints.AsMemory(0, rows), levels, rows);
                defined = SetStates(states, levels, rows);
                if (w.ValuesDeferred) break; // checked per dictionary entry
                bool unsigned = b.Kind == ParquetKind.UInt32;
                for (int i = 0, k = 0; i < rows; i++)
                {
                    if (states[i] != CellState.Value) continue;
                    int raw = ints[k++];
                    long x = unsigned ? (uint)raw : raw;
                    if (b.Kind == ParquetKind.Date32)
                    {
                        long day = x + UnixEpochDay;
                        if (day < 0 || day > DateOnly.MaxValue.DayNumber) { ctx.Invalid(i, x.ToString(CultureInfo.InvariantCulture) + " days"); continue; }
                        if (b.Target == ColumnType.Date) v.Longs[i] = day;
                        else v.Longs[i] = day * TimeSpan.TicksPerDay;
                    }
                    else StoreInteger(ctx, i, x, false);
                }
                break;
            }
            case ParquetKind.Int64:
            case ParquetKind.UInt64:
            case ParquetKind.TimestampMillis:
            case ParquetKind.TimestampMicros:
            case ParquetKind.TimestampNanos:
            {
                var longs = ChunkReader.Ensure(ref w.Longs, rows);
                src.Read(longs.AsMemory(0, rows), levels, rows);
                defined = SetStates(states, levels, rows);
                for (int i = 0, k = 0; i < rows; i++)
                {
                    if (states[i] != CellState.Value) continue;
                    long x = longs[k++];
                    switch (b.Kind)
                    {
                        case ParquetKind.Int64: StoreInteger(ctx, i, x, false); break;
                        case ParquetKind.UInt64: StoreInteger(ctx, i, x, true); break;
                        default: StoreTicks(ctx, i, x); break;
                    }
                }
                break;
            }
            case ParquetKind.Boolean:
            {
                var bools = ChunkReader.Ensure(ref w.Bools, rows);
                src.Read(bools.AsMemory(0, rows), levels, rows);
                defined = SetStates(states, levels, rows);
                for (int i = 0, k = 0; i < rows; i++)
                    if (states[i] == CellState.Value) v.Longs[i] = bools[k++] ? 1 : 0;
                break;
            }
            case ParquetKind.Decimal:
            {
                var decs = ChunkReader.Ensure(ref w.Decimals, rows);
                src.Read(decs.AsMemory(0, rows), levels, rows);
                defined = SetStates(states, levels, rows);
                for (int i = 0, k = 0; i < rows; i++)
                {
                    if (states[i] != CellState.Value) continue;
                    decimal x = decs[k++];
                    if (b.Target == ColumnType.Float) v.Doubles[i] = (double)x;
                    else if (decimal.Truncate(x) == x && x >= long.MinValue && x <= long.MaxValue) v.Longs[i] = (long)x;
                    else ctx.Invalid(i, x.ToString(CultureInfo.InvariantCulture));
                }
                break;
            }
            case ParquetKind.Int96:
            {
                var dts = ChunkReader.Ensure(ref w.DateTimes, rows);
                src.Read(dts.AsMemory(0, rows), levels, rows);
                defined = SetStates(states, levels, rows);
                for (int i = 0, k = 0; i < rows; i++)
                    if (states[i] == CellState.Value) StoreDateTimeTicks(ctx, i, dts[k++].Ticks);
                break;
            }
            case ParquetKind.Text:
            case ParquetKind.Float16:
                DecodeText(w, src, b, v, rows, levels, chunk, ctx);
                break;
            default:
                throw new InvalidOperationException($"Unexpected Parquet kind {b.Kind}.");
        }
    }

    /// <summary>Where a chunk's values come from: the direct decoder when it can, else Parquet.Net's raw read.</summary>
    readonly struct Source(ChunkReader w, ParquetRowGroupReader rg, ParquetColumnBinding b, global::Parquet.Meta.ColumnMetaData chunk, bool direct, string displayPath)
    {
        public string DisplayPath => displayPath;

        public bool TryDirect(int width, bool byteArrays, int[]? levels, int rows, out int defined) =>
            TryDirect(width, byteArrays, rows, [], out defined);

        bool TryDirect(int width, bool byteArrays, int rows, Span<byte> dest, out int defined)
        {
            defined = 0;
            if (!direct || (byteArrays && chunk.Type != global::Parquet.Meta.Type.BYTE_ARRAY)) return false;
            if (byteArrays) ChunkReader.Ensure(ref w.PackedEntries, Math.Max(rows, 1));
            try
            {
                return ChunkDecoder.TryDecode(w, chunk, b.ReadField.MaxDefinitionLevel, rows, width, byteArrays, w.FileLength, dest, out defined);
            }
            catch (Exception ex) when (ex is InvalidDataException or IOException or ArgumentException or IndexOutOfRangeException or OverflowException)
            {
                throw ParquetReader.Corrupt(displayPath, ex.Message);
            }
        }

        /// <summary>Reads the non-null values packed, and the definition levels into <paramref name="levels"/>.</summary>
        public void Read<T>(Memory<T> values, int[]? levels, int rows) where T : struct
        {
            int width = typeof(T) == typeof(double) || typeof(T) == typeof(long) ? 8 : typeof(T) == typeof(int) || typeof(T) == typeof(float) ? 4 : -1;
            if (width > 0 && TryDirect(width, false, rows, System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.Span), out _))
                return;
            ReadLibrary(values, levels, rows);
        }

        public void ReadLibrary<T>(Memory<T> values, int[]? levels, int rows) where T : struct
        {
            var group = rg;
            var field = b.ReadField;
            ParquetReader.Guard(displayPath, () =>
            {
                var task = group.ReadRawAsync(field, values, levels is null ? (Memory<int>?)null : levels.AsMemory(0, rows), null);
                if (task.IsCompletedSuccessfully) return 0;
                task.AsTask().GetAwaiter().GetResult();
                return 0;
            });
        }
    }

    /// <summary>Whether every value is finite (no NaN, no infinity): an exponent of all ones marks the others.</summary>
    static bool AllFinite(ReadOnlySpan<double> values)
    {
        var bits = MemoryMarshal.Cast<double, ulong>(values);
        var exponent = Vector256.Create(0x7FF0_0000_0000_0000UL);
        var any = Vector256<ulong>.Zero;
        int i = 0;
        for (; i <= bits.Length - 4; i += 4)
            any |= Vector256.Equals(Vector256.Create(bits.Slice(i, 4)) & exponent, exponent);
        if (any != Vector256<ulong>.Zero) return false;
        for (; i < bits.Length; i++)
            if ((bits[i] & 0x7FF0_0000_0000_0000UL) == 0x7FF0_0000_0000_0000UL) return false;
        return true;
    }

    /// <summary>Sets each row's state from its definition level; returns the number of values.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    static int SetStates(Span<CellState> states, int[]? levels, int rows)
    {
        if (levels is null || levels.AsSpan(0, rows).IndexOfAnyExcept(1) < 0) { states.Clear(); return rows; } // no nulls (vectorised scan)
        int defined = 0;
        for (int i = 0; i < rows; i++)
        {
            int d = levels[i] == 1 ? 1 : 0;
            states[i] = d != 0 ? CellState.Value : CellState.Null;
            defined += d;
        }
        return defined;
    }

    /// <summary>Moves the packed values (the first <paramref name="defined"/>) to their rows, back to front.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    static void Expand<T>(T[] data, ReadOnlySpan<CellState> states, int defined, int rows)
    {
        int k = defined - 1;
        for (int i = rows - 1; i > k; i--)
        {
            if (states[i] == CellState.Value) data[i] = data[k--];
            else data[i] = default!;
        }
    }

    static void StoreInteger(in Ctx ctx, int row, long x, bool unsigned)
    {
        var v = ctx.Vector;
        switch (ctx.Binding.Target)
        {
            case ColumnType.Integer:
                if (unsigned && x < 0) ctx.Invalid(row, ((ulong)x).ToString(CultureInfo.InvariantCulture));
                else v.Longs[row] = x;
                break;
            case ColumnType.Float:
                v.Doubles[row] = unsigned ? (double)(ulong)x : x;
                break;
            case ColumnType.Boolean:
                if (x is 0 or 1) v.Longs[row] = x;
                else ctx.Invalid(row, unsigned ? ((ulong)x).ToString(CultureInfo.InvariantCulture) : x.ToString(CultureInfo.InvariantCulture));
                break;
            default:
                throw new InvalidOperationException($"Integer data bound to {ctx.Binding.Target}.");
        }
    }

    static void StoreTicks(in Ctx ctx, int row, long raw)
    {
        long ticks;
        bool ok;
        switch (ctx.Binding.Kind)
        {
            case ParquetKind.TimestampMillis: ok = Scale(raw, TimeSpan.TicksPerMillisecond, out ticks); break;
            case ParquetKind.TimestampMicros: ok = Scale(raw, TimeSpan.TicksPerMicrosecond, out ticks); break;
            default: ticks = UnixEpochTicks + (raw >= 0 ? raw / 100 : -((-raw + 99) / 100)); ok = true; break; // nanos, floored
        }
        if (!ok || ticks < 0 || ticks > MaxTicks) { ctx.Invalid(row, raw.ToString(CultureInfo.InvariantCulture) + " (out of range)"); return; }
        StoreDateTimeTicks(ctx, row, ticks);

        static bool Scale(long raw, long factor, out long ticks)
        {
            ticks = 0;
            try { ticks = checked(UnixEpochTicks + raw * factor); return true; }
            catch (OverflowException) { return false; }
        }
    }

    static void StoreDateTimeTicks(in Ctx ctx, int row, long ticks)
    {
        if (ctx.Binding.Target == ColumnType.DateTime) { ctx.Vector.Longs[row] = ticks; return; }
        if (ticks % TimeSpan.TicksPerDay != 0)
        {
            ctx.Invalid(row, Utf8Parsers.FormatDateTime(ticks) + " (has a time of day)");
            return;
        }
        ctx.Vector.Longs[row] = ticks / TimeSpan.TicksPerDay;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    static void DecodeText(ChunkReader w, in Source src, ParquetColumnBinding b, ColumnVector v, int rows, int[]? levels,
        global::Parquet.Meta.ColumnMetaData chunk, in Ctx ctx)
    {
        var states = v.States.AsSpan(0, rows);
        var table = w.Entries;
        var rowEntry = ChunkReader.Ensure(ref w.RowEntry, rows);
        if (src.TryDirect(0, true, levels, rows, out int direct))
        {
            int d = SetStates(states, levels, rows);
            if (d != direct) throw ParquetReader.Corrupt(src.DisplayPath, $"column '{b.FileField.Name}' has {direct} values for {d} defined rows");
            var packed = w.PackedEntries;
            for (int i = 0, k = 0; i < rows; i++)
            {
                if (states[i] != CellState.Value) { rowEntry[i] = -1; continue; }
                int e = packed[k++];
                table.Counts[e]++;
                rowEntry[i] = e;
            }
        }
        else
            ReadBlobs(w, src, b, rows, levels, chunk, states, table, rowEntry);
        FinishText(w, b, v, rows, ctx, table, rowEntry, states);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    static void ReadBlobs(ChunkReader w, in Source src, ParquetColumnBinding b, int rows, int[]? levels,
        global::Parquet.Meta.ColumnMetaData chunk, Span<CellState> states, Utf8EntryTable table, int[] rowEntry)
    {
        var blobs = ChunkReader.Ensure(ref w.Blobs, rows);
        src.ReadLibrary(blobs.AsMemory(0, rows), levels, rows);
        int defined = SetStates(states, levels, rows);
        // Dictionary-encoded values share their entry's array: look them up by identity before hashing content.
        bool byIdentity = chunk.DictionaryPageOffset > 0 || chunk.Encodings.Any(e => e is global::Parquet.Meta.Encoding.PLAIN_DICTIONARY or global::Parquet.Meta.Encoding.RLE_DICTIONARY);
        table.Clear();
        for (int i = 0, k = 0; i < rows; i++)
        {
            if (states[i] != CellState.Value) { rowEntry[i] = -1; continue; }
            int e = table.Intern(blobs[k++], byIdentity);
            table.Counts[e]++;
            rowEntry[i] = e;
        }
        Array.Clear(blobs, 0, defined); // drop references to the decoded arrays
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    static void FinishText(ChunkReader w, ParquetColumnBinding b, ColumnVector v, int rows, in Ctx ctx, Utf8EntryTable table, int[] rowEntry, Span<CellState> states)
    {
        v.Bytes = table.ArenaUsed == 0 ? [] : table.Arena.AsSpan(0, table.ArenaUsed).ToArray();
        var starts = v.Starts.AsSpan(0, rows);
        var lengths = v.Lengths.AsSpan(0, rows);
        var offs = table.Offsets;
        var lens = table.Lengths;
        if (b.Target is ColumnType.String or ColumnType.Category)
        {
            for (int i = 0; i < rows; i++)
            {
                int e = rowEntry[i];
                if (e < 0) { starts[i] = 0; lengths[i] = 0; }
                else { starts[i] = offs[e]; lengths[i] = lens[e]; }
            }
            return;
        }

        // Text declared as another type: parse each distinct entry once; the vector keeps the text for reports.
        v.HasRawText = true;
        int n = table.Count;
        // Kept in the chunk reader for EntryNumericChecker, which checks per entry too.
        var ok = ChunkReader.Ensure(ref w.EntryOk, n);
        var values = ChunkReader.Ensure(ref w.EntryValues, n);
        w.TextParsed = true;
        var format = b.Plan.Schema.Format;
        for (int e = 0; e < n; e++)
        {
            var s = table.Bytes(e);
            switch (b.Target)
            {
                case ColumnType.Integer: ok[e] = Utf8Parsers.TryParseInt64(s, out values[e]); break;
                case ColumnType.Float:
                {
                    double d;
                    if (b.Kind == ParquetKind.Float16) { ok[e] = s.Length == 2; d = ok[e] ? (double)BitConverter.ToHalf(s) : 0; ok[e] &= double.IsFinite(d); }
                    else ok[e] = Utf8Parsers.TryParseDouble(s, out d);
                    values[e] = BitConverter.DoubleToInt64Bits(d);
                    break;
                }
                case ColumnType.Boolean: ok[e] = Utf8Parsers.TryParseBoolean(s, out bool bv); values[e] = bv ? 1 : 0; break;
                case ColumnType.Date: ok[e] = Utf8Parsers.TryParseDate(s, format, out values[e]); break;
                case ColumnType.DateTime: ok[e] = Utf8Parsers.TryParseDateTime(s, format, out values[e]); break;
            }
        }
        // What a row needs of its entry, in one 16-byte cell (a chunk can have 10^5 entries, past the L2 cache: one
        // miss per row instead of four); an entry that did not parse has the start's sign bit set.
        var cells = ChunkReader.Ensure(ref w.EntryCells, n);
        for (int e = 0; e < n; e++)
            cells[e] = new EntryCell { Start = offs[e] | (ok[e] ? 0 : int.MinValue), Length = lens[e], Value = values[e] };
        // One pass sets each row's text and value; a double is stored as its bits (values hold those for floats).
        var dest = b.Target == ColumnType.Float ? MemoryMarshal.Cast<double, long>(v.Doubles.AsSpan(0, rows)) : v.Longs.AsSpan(0, rows);
        bool emptyIsNull = b.Kind == ParquetKind.Text; // an empty text is missing, as in CSV
        for (int i = 0; i < rows; i++)
        {
            int e = rowEntry[i];
            if (e < 0) { starts[i] = 0; lengths[i] = 0; continue; }
            var c = cells[e];
            starts[i] = c.Start & int.MaxValue;
            lengths[i] = c.Length;
            if (c.Length == 0 && emptyIsNull) { states[i] = CellState.Null; continue; }
            if (c.Start < 0) { ctx.Invalid(i, null); continue; }
            dest[i] = c.Value;
        }
    }

    internal struct EntryCell
    {
        public int Start;
        public int Length;
        public long Value;
    }

    static string Format(double x) => x.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>What an invalid cell needs to be reported.</summary>
    readonly struct Ctx(BatchResult view, BatchChecker checker, ParquetColumnBinding binding, ColumnVector vector, string displayPath)
    {
        public ParquetColumnBinding Binding => binding;
        public ColumnVector Vector => vector;
        public string DisplayPath => displayPath;

        /// <summary>Marks the cell invalid and records a type failure; <paramref name="text"/> is the value as shown (null: the vector's raw text).</summary>
        public void Invalid(int row, string? text)
        {
            vector.States[row] = CellState.Invalid;
            var p = binding.Plan;
            if (p.TypeCheck < 0) return;
            bool swap = text is not null && !vector.HasRawText;
            byte[] saved = vector.Bytes;
            if (swap)
            {
                VectorArrays.EnsureText(vector);
                vector.Bytes = Encoding.UTF8.GetBytes(text!);
                vector.Starts[row] = 0;
                vector.Lengths[row] = vector.Bytes.Length;
                vector.HasRawText = true;
            }
            try
            {
                string? message = null;
                if (view.Checks[p.TypeCheck].First.Count == 0)
                {
                    var shown = BatchChecker.CellText(vector, row);
                    var type = p.Schema.Type.ToString().ToLowerInvariant();
                    message = $"column '{p.Schema.Name}' value '{shown}' is not a valid {type}" + (p.Schema.Format is { } f ? $" (format {f})" : "");
                }
                checker.Fail(view, p.TypeCheck, row, p.DataPosition, vector, message);
            }
            finally
            {
                if (swap)
                {
                    vector.HasRawText = false;
                    vector.Bytes = saved;
                    vector.Starts[row] = 0;
                    vector.Lengths[row] = 0;
                }
            }
        }
    }
}
