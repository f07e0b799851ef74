using System.Buffers;
using System.Text;
using System.Text.Unicode;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using MlBuild.Core.Data.Schema;
using MlBuild.Core.Data.Validation;
using MlBuild.Core.Diagnostics;

namespace MlBuild.Core.Data.Csv;

/// <summary>A chunk of whole records, as read by the sequential reader.</summary>
internal sealed class CsvChunk
{
    public required byte[] Buffer;
    public int Length;
    /// <summary>Byte offset of the chunk in the file.</summary>
    public long StartOffset;
    /// <summary>1-based physical line of the chunk's first byte.</summary>
    public long StartLine;
    public int Newlines;
    public bool HasQuotes;
    /// <summary>Whether the chunk's bytes are all ASCII without NUL (valid UTF-8 without another look); false may also
    /// mean only that the bytes read after the chunk's last record are not.</summary>
    public bool PlainAscii;
}

/// <summary>Locates CSV cells: the line where the record starts, the field's position, its byte offset, the record.</summary>
internal sealed class CsvLocator(string file, CsvChunk chunk, TokenizedChunk tokens) : IRowLocator
{
    public DataLocation Locate(int row, int dataColumn)
    {
        long line = chunk.StartLine + tokens.RecordLine[row];
        long offset = chunk.StartOffset + (dataColumn > 0 && tokens.BadFieldCount[row] < 0
            ? tokens.FieldStart[dataColumn - 1][row]
            : tokens.RecordOffset[row]);
        return new DataLocation(file, line, dataColumn, offset, row + 1);
    }
}

/// <summary>
/// Streams a CSV file through the checker: one thread reads chunks ending at record boundaries (quote-aware), checking
/// threads tokenise, decode and check them, and batches are merged in file order. Memory is bounded by chunk size
/// times the chunks in flight, whatever the file size.
/// </summary>
internal static class CsvReader
{
    /// <summary>Reads the header record; null when the file is empty. Throws MLB11xx for unreadable headers.</summary>
    public static (List<string>? Names, long DataOffset, long DataLine) ReadHeader(Stream stream, string display, CsvFormat format, ValidationOptions options)
    {
        var buffer = new byte[Math.Min(options.ChunkBytes, 1 << 20)];
        int filled = 0;
        while (true)
        {
            int n = stream.Read(buffer, filled, buffer.Length - filled);
            filled += n;
            int bom = filled >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF ? 3 : 0;
            bool eof = n == 0;
            var data = buffer.AsSpan(bom, filled - bom);
            if (eof && data.Trim("\r\n"u8).IsEmpty)
                return (null, 0, 1);
            if (!format.Header)
                return ([], bom, 1);
            int end = FindRecordEnd(data, out bool inQuote);
            if (end < 0 && !eof)
            {
                if (filled == buffer.Length)
                {
                    if (buffer.Length >= options.MaxRecordBytes)
                        throw Input(DiagnosticCodes.RecordTooLong, $"The header record is longer than {options.MaxRecordBytes >> 20} MB.", display, 1);
                    Array.Resize(ref buffer, buffer.Length * 2);
                }
                continue;
            }
            if (inQuote && end < 0)
                throw Input(DiagnosticCodes.UnterminatedQuote, "Unterminated quoted field in the header: a '\"' opens a field that never closes.", display, 1);
            int headerLength = end < 0 ? data.Length : end + 1;
            var header = data[..headerLength];
            if (header.IndexOf((byte)0) is var nul and >= 0)
                throw Input(DiagnosticCodes.NulByte, $"The file contains a NUL byte at offset {bom + nul}; it is not a text CSV file (binary or UTF-16?).", display, 1);
            if (!Utf8.IsValid(header))
                throw Input(DiagnosticCodes.InvalidUtf8, "The header is not valid UTF-8. Save the file as UTF-8.", display, 1);
            var copy = header.ToArray();
            var t = new TokenizedChunk();
            CsvTokenizer.Tokenize(copy, copy.Length, format.Delimiter, copy.AsSpan().Contains((byte)'"'), copy.AsSpan().Count((byte)'\n'), 4096, t);
            if (t.Records == 0)
                return (null, 0, 1);
            int fields = t.BadFieldCount[0] < 0 ? 4096 : t.BadFieldCount[0];
            if (fields > 4096) throw Input(DiagnosticCodes.BadHeader, "The header has more than 4096 columns.", display, 1);
            var names = new List<string>(fields);
            for (int f = 0; f < fields; f++)
                names.Add(Encoding.UTF8.GetString(copy, t.FieldStart[f][0], t.FieldLength[f][0]));
            long dataLine = 1 + header.Count((byte)'\n');
            return (names, bom + headerLength, dataLine);
        }
    }

    /// <summary>Index of the first record-ending '\n' outside quotes, or -1; <paramref name="inQuote"/> is the state at the end.</summary>
    static int FindRecordEnd(ReadOnlySpan<byte> data, out bool inQuote)
    {
        inQuote = false;
        for (int i = 0; i < data.Length; i++)
        {
            if (data[i] == (byte)'"') inQuote = !inQuote;
            else if (data[i] == (byte)'\n' && !inQuote) return i;
        }
        return -1;
    }

    /// <summary>
    /// A buffer's newline count, whether it holds a quote, and whether every byte is ASCII other than NUL, in one pass:
    /// the reader needs the first two before it can hand out the next chunk, the checking thread the third; three scans of
    /// their own cost three times the memory reads.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static (int Newlines, bool Quotes, bool PlainAscii) ScanBytes(ReadOnlySpan<byte> data)
    {
        ref byte b0 = ref MemoryMarshal.GetReference(data);
        int i = 0, newlines = 0;
        var quotes = Vector256<byte>.Zero;
        var notAscii = Vector256<byte>.Zero;
        var newline = Vector256.Create((byte)'\n');
        var quote = Vector256.Create((byte)'"');
        while (i <= data.Length - Vector256<byte>.Count)
        {
            // Newlines counted per byte lane, summed every 255 blocks, before a lane could overflow.
            var counts = Vector256<byte>.Zero;
            int last = Math.Min(data.Length - Vector256<byte>.Count, i + 254 * Vector256<byte>.Count);
            for (; i <= last; i += Vector256<byte>.Count)
            {
                var v = Vector256.LoadUnsafe(ref b0, (nuint)i);
                counts -= Vector256.Equals(v, newline);
                quotes |= Vector256.Equals(v, quote);
                notAscii |= Vector256.LessThanOrEqual(v.AsSByte(), Vector256<sbyte>.Zero).AsByte(); // NUL, or 0x80 and above
            }
            var (low, high) = Vector256.Widen(counts);
            newlines += Vector256.Sum(low + high);
        }
        bool anyQuote = quotes != Vector256<byte>.Zero, plainAscii = notAscii == Vector256<byte>.Zero;
        for (; i < data.Length; i++)
        {
            byte b = data[i];
            newlines += b == (byte)'\n' ? 1 : 0;
            anyQuote |= b == (byte)'"';
            plainAscii &= b is >= 1 and <= 0x7F;
        }
        return (newlines, anyQuote, plainAscii);
    }

    /// <summary>
    /// The end (exclusive) of the last complete record in <paramref name="data"/>, which starts at a record start; -1 if
    /// none ends. Quote parity decides which newlines end records; a quote-free block is one vectorised search.
    /// </summary>
    static int LastRecordEnd(ReadOnlySpan<byte> data, bool hasQuotes, out int openQuoteAt)
    {
        openQuoteAt = -1;
        if (!hasQuotes)
        {
            int nl = data.LastIndexOf((byte)'\n');
            return nl < 0 ? -1 : nl + 1;
        }
        int last = -1, pos = 0;
        bool inQuote = false;
        while (pos < data.Length)
        {
            int q = data[pos..].IndexOf((byte)'"');
            int segEnd = q < 0 ? data.Length : pos + q;
            if (!inQuote)
            {
                int nl = data[pos..segEnd].LastIndexOf((byte)'\n');
                if (nl >= 0) last = pos + nl;
            }
            if (q < 0) break;
            inQuote = !inQuote;
            if (inQuote) openQuoteAt = segEnd;
            pos = segEnd + 1;
        }
        if (!inQuote) openQuoteAt = -1;
        return last < 0 ? -1 : last + 1;
    }

    static MlBuildException Input(string code, string message, string file, long line) =>
        new(new MlDiagnostic(code, MlSeverity.Error, message, file, (int)Math.Min(line, int.MaxValue), 0));

    /// <summary>
    /// Reads the data records after the header and feeds them, in order, to <paramref name="merger"/>. With more than one
    /// thread, each checking thread reads its own chunk (the reads take turns, the processing does not): a chunk read on one core
    /// and checked on another crossed the caches, which cost about 15 % more CPU than reading where it is checked.
    /// </summary>
    public static void ReadRecords(Stream stream, string display, long dataOffset, long dataLine, int columns,
        ValidationPlan plan, BatchChecker checker, ValidationMerger merger, ValidationOptions options)
    {
        stream.Position = dataOffset;
        var source = new ChunkSource(stream, display, dataOffset, dataLine, merger, options);
        var workspaces = new System.Collections.Concurrent.ConcurrentBag<Workspace>();
        int parallel = Math.Max(1, options.MaxParallelism);
        if (parallel == 1)
        {
            while (merger.Fatal is null && source.Next() is { } chunk)
                MergeAndRelease(merger, Process(chunk, display, columns, plan, checker, workspaces));
        }
        else
        {
            // Results in chunk order: a checking thread queues its chunk's task while it holds the read turn.
            using var ordered = new System.Collections.Concurrent.BlockingCollection<Task<BatchResult>>();
            // Chunks read but not yet merged, bounded so memory stays a few chunks per thread.
            using var slots = new SemaphoreSlim(2 * parallel);
            var readTurn = new object();
            int running = parallel;
            bool stopped = false;
            void Work()
            {
                try
                {
                    while (true)
                    {
                        slots.Wait();
                        CsvChunk? chunk;
                        TaskCompletionSource<BatchResult> result = new();
                        lock (readTurn)
                        {
                            chunk = merger.Fatal is null && !stopped ? source.Next() : null;
                            if (chunk is null) { slots.Release(); return; }
                            ordered.Add(result.Task);
                        }
                        try { result.SetResult(Process(chunk, display, columns, plan, checker, workspaces)); }
                        catch (Exception e) { result.SetException(e); }
                    }
                }
                finally
                {
                    if (Interlocked.Decrement(ref running) == 0) ordered.CompleteAdding();
                }
            }
            var checkers = Enumerable.Range(0, parallel).Select(_ => Task.Factory.StartNew(Work, TaskCreationOptions.LongRunning)).ToArray();
            try
            {
                foreach (var task in ordered.GetConsumingEnumerable())
                {
                    MergeAndRelease(merger, task.GetAwaiter().GetResult());
                    slots.Release();
                }
            }
            finally
            {
                // On a failure here, let the checking threads see it and stop rather than wait for slots forever.
                Volatile.Write(ref stopped, true);
                slots.Release(parallel);
                foreach (var w in checkers) ((IAsyncResult)w).AsyncWaitHandle.WaitOne(); // without throwing over the first error
            }
            foreach (var w in checkers) w.GetAwaiter().GetResult(); // a reading error, as itself
        }
        // An error found while reading (after every earlier chunk was merged, as in a sequential read).
        if (source.Fatal is { } fatal) merger.SetFatal(fatal);
        // Every workspace is back in the bag once its last batch is merged.
        foreach (var ws in workspaces) merger.MergeSketches(ws.Sketches);
    }

    /// <summary>
    /// Cuts the stream into chunks that end at a record boundary (quote parity decides which newlines end records),
    /// carrying a partial record into the next chunk. Not thread-safe: callers take turns.
    /// </summary>
    sealed class ChunkSource(Stream stream, string display, long dataOffset, long dataLine, ValidationMerger merger, ValidationOptions options)
    {
        byte[] _carry = [];
        int _carryLength;
        long _offset = dataOffset, _line = dataLine;
        int _bufferSize = options.ChunkBytes;
        bool _first = true, _done;

        /// <summary>An unreadable-input error that ended the reading.</summary>
        public MlDiagnostic? Fatal { get; private set; }

        /// <summary>The next chunk, or null at the end of the data or after an error.</summary>
        public CsvChunk? Next()
        {
            if (_done) return null;
            while (true)
            {
                // Slack past the data lets parsers read ahead of the last cells (Utf8Parsers.ReadAhead) and stay on their fast path.
                var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(_bufferSize, _carryLength + 1 + Utf8Parsers.ReadAhead));
                int capacity = buffer.Length - Utf8Parsers.ReadAhead;
                _carry.AsSpan(0, _carryLength).CopyTo(buffer);
                int filled = _carryLength;
                bool eof = false;
                while (filled < capacity)
                {
                    int n = stream.Read(buffer, filled, capacity - filled);
                    if (n == 0) { eof = true; break; }
                    filled += n;
                }
                if (filled == 0) { ArrayPool<byte>.Shared.Return(buffer); return Stop(null); }
                var data = buffer.AsSpan(0, filled);
                var (newlines, hasQuotes, plainAscii) = ScanBytes(data);
                int end = LastRecordEnd(data, hasQuotes, out int openQuote);
                if (eof)
                {
                    if (openQuote >= 0)
                    {
                        long qLine = _line + data[..openQuote].Count((byte)'\n');
                        ArrayPool<byte>.Shared.Return(buffer);
                        return Stop(new MlDiagnostic(DiagnosticCodes.UnterminatedQuote, MlSeverity.Error,
                            "Unterminated quoted field: a '\"' opens a field that never closes before the end of the file. Close the quote or escape it as \"\".",
                            display, (int)Math.Min(qLine, int.MaxValue), 0));
                    }
                    end = filled;
                }
                else if (end < 0)
                {
                    // No record ends in this buffer: one record is longer than the buffer. Grow, within limits.
                    if (buffer.Length >= options.MaxRecordBytes)
                    {
                        var code = openQuote >= 0 ? DiagnosticCodes.UnterminatedQuote : DiagnosticCodes.RecordTooLong;
                        var msg = openQuote >= 0
                            ? $"Unterminated quoted field: a '\"' opens a field with no closing quote within {options.MaxRecordBytes >> 20} MB."
                            : $"A record is longer than {options.MaxRecordBytes >> 20} MB.";
                        ArrayPool<byte>.Shared.Return(buffer);
                        return Stop(new MlDiagnostic(code, MlSeverity.Error, msg, display, (int)Math.Min(_line, int.MaxValue), 0));
                    }
                    _carry = buffer[..filled];
                    _carryLength = filled;
                    _bufferSize = Math.Min(options.MaxRecordBytes, buffer.Length * 2);
                    ArrayPool<byte>.Shared.Return(buffer);
                    continue;
                }
                var chunk = new CsvChunk
                {
                    Buffer = buffer, Length = end, StartOffset = _offset, StartLine = _line,
                    // The bytes after the last record (carried to the next chunk) hold no newline unless quoted ones.
                    Newlines = newlines - data[end..].Count((byte)'\n'), HasQuotes = hasQuotes && data[..end].Contains((byte)'"'),
                    PlainAscii = plainAscii,
                };
                _carryLength = filled - end;
                if (_carry.Length < _carryLength) _carry = new byte[Math.Max(_carryLength, 4096)];
                data[end..].CopyTo(_carry);
                if (_first && chunk.Newlines > 0 && !eof)
                    merger.ExpectRecords(stream.Length / Math.Max(1, end / chunk.Newlines));
                _first = false;
                _offset += end;
                _line += chunk.Newlines;
                options.Progress?.Invoke(_offset, stream.Length);
                _bufferSize = options.ChunkBytes;
                _done = eof;
                return chunk;
            }
        }

        CsvChunk? Stop(MlDiagnostic? fatal)
        {
            Fatal = fatal;
            _done = true;
            return null;
        }
    }

    static void MergeAndRelease(ValidationMerger merger, BatchResult r)
    {
        merger.Merge(r);
        if (r.Buffer is not null) ArrayPool<byte>.Shared.Return(r.Buffer);
        r.Release?.Invoke();
    }

    /// <summary>
    /// Token arrays and column vectors of one chunk in flight, reused across chunks: allocating them per chunk made the
    /// GC and page faults cost more than the parsing.
    /// </summary>
    sealed class Workspace(ValidationPlan plan)
    {
        public readonly TokenizedChunk Tokens = new();
        public readonly ColumnVector?[] Vectors = plan.Columns.Select(p => p.DataPosition > 0 ? new ColumnVector(p.Schema.Type) { HasRawText = true } : null).ToArray();
        public readonly SketchSet Sketches = new(plan);
    }

    /// <summary>A checking thread's work on one chunk: validate bytes, tokenise, decode each column, run the checks.</summary>
    static BatchResult Process(CsvChunk chunk, string display, int columns, ValidationPlan plan, BatchChecker checker, System.Collections.Concurrent.ConcurrentBag<Workspace> workspaces)
    {
        var ws = workspaces.TryTake(out var w) ? w : new Workspace(plan);
        var tokens = ws.Tokens;
        var vectors = ws.Vectors;
        var batch = new RowBatch { Columns = vectors, DataColumnPositions = plan.Columns.Select(p => p.DataPosition).ToArray() };
        var result = BatchResult.Create(plan, batch, ws.Sketches);
        result.Buffer = chunk.Buffer;
        result.Release = () => workspaces.Add(ws);
        var data = chunk.Buffer.AsSpan(0, chunk.Length);

        // One pass settles the usual chunk: ASCII without NUL is valid UTF-8. Others take the two exact scans.
        bool plainAscii = chunk.PlainAscii;
        int nul = plainAscii ? -1 : data.IndexOf((byte)0);
        int invalid = plainAscii || Utf8.IsValid(data) ? -1 : FirstInvalidUtf8(data);
        if (nul >= 0 || invalid >= 0)
        {
            bool isNul = nul >= 0 && (invalid < 0 || nul < invalid);
            int at = isNul ? nul : invalid;
            long line = chunk.StartLine + data[..at].Count((byte)'\n');
            result.Fatal = new MlDiagnostic(isNul ? DiagnosticCodes.NulByte : DiagnosticCodes.InvalidUtf8, MlSeverity.Error,
                isNul ? $"NUL byte at offset {chunk.StartOffset + at}: this is not a text CSV file (binary, or UTF-16?)."
                      : $"Invalid UTF-8 at offset {chunk.StartOffset + at}. Save the file as UTF-8.",
                display, (int)Math.Min(line, int.MaxValue), 0);
            return result;
        }

        CsvTokenizer.Tokenize(chunk.Buffer, chunk.Length, plan.Schema.Csv.Delimiter, chunk.HasQuotes, chunk.Newlines, columns, tokens);
        int rows = tokens.Records;
        batch.RowCount = rows;
        batch.Locator = new CsvLocator(display, chunk, tokens);
        result.Records = rows;
        if (tokens.AnyMalformed)
        {
            for (int r = 0; r < rows; r++)
                if (tokens.BadFieldCount[r] >= 0)
                    checker.Fail(result, plan.RecordsCheck, r, 0, null,
                        $"record has {tokens.BadFieldCount[r]} fields; the header has {columns}. Check the delimiter and quoting of this line");
        }
        result.Checks[plan.RecordsCheck].Evaluated += rows;

        DecodeColumns(plan, vectors, chunk.Buffer, tokens, result, checker, checkEach: true);
        checker.CheckRules(result);
        checker.Observe(batch, batch);
        return result;
    }

    static int FirstInvalidUtf8(ReadOnlySpan<byte> data)
    {
        var chars = new char[4096];
        int pos = 0;
        while (pos < data.Length)
        {
            var status = Utf8.ToUtf16(data[pos..Math.Min(data.Length, pos + 4096)], chars, out int read, out _, replaceInvalidSequences: false, isFinalBlock: pos + 4096 >= data.Length);
            if (status == OperationStatus.InvalidData) return pos + read;
            if (read == 0) return pos;
            pos += read;
        }
        return -1;
    }

    /// <summary>
    /// Decodes every column of a tokenised chunk into its vector; with <paramref name="checkEach"/> checks and profiles
    /// each column as soon as it is decoded, while its values are still in the core's cache (checking after decoding
    /// every column read them back from the shared cache: as long as the decoding itself).
    /// </summary>
    internal static void DecodeColumns(ValidationPlan plan, ColumnVector?[] vectors, byte[] buffer, TokenizedChunk t, BatchResult result, BatchChecker checker, bool checkEach = false)
    {
        // Column by column over the whole chunk (decoding in row blocks that stay in L2 measured no faster).
        int rows = t.Records;
        foreach (var p in plan.Columns)
        {
            if (vectors[p.Index] is not { } v) continue;
            // The vector takes its column's token arrays as its cell offsets: no copy.
            v.Starts = t.FieldStart[p.DataPosition - 1];
            v.Lengths = t.FieldLength[p.DataPosition - 1];
            v.Reset(rows);
            v.Bytes = buffer;
            Decode(p, v, buffer, t, result, checker, plan);
            if (checkEach) checker.CheckColumn(result, p);
        }
    }

    static void Decode(ColumnPlan p, ColumnVector v, byte[] buffer, TokenizedChunk t, BatchResult result, BatchChecker checker, ValidationPlan plan)
    {
        if (t.AnyMalformed)
            for (int r = 0; r < t.Records; r++)
                if (t.BadFieldCount[r] >= 0) { v.Lengths[r] = 0; v.Starts[r] = t.RecordOffset[r]; }
        switch (p.Schema.Type)
        {
            case ColumnType.Float: DecodeAs<FloatCell, double>(p, v, v.Doubles, buffer, t, result, checker, plan); break;
            case ColumnType.Integer: DecodeAs<IntegerCell, long>(p, v, v.Longs, buffer, t, result, checker, plan); break;
            case ColumnType.Boolean: DecodeAs<BooleanCell, long>(p, v, v.Longs, buffer, t, result, checker, plan); break;
            case ColumnType.Date: DecodeAs<DateCell, long>(p, v, v.Longs, buffer, t, result, checker, plan); break;
            case ColumnType.DateTime: DecodeAs<DateTimeCell, long>(p, v, v.Longs, buffer, t, result, checker, plan); break;
            default: DecodeAs<TextCell, long>(p, v, [], buffer, t, result, checker, plan); break;
        }
    }

    /// <summary>
    /// How one type's cells parse; a struct per type so the JIT compiles one tight loop per type. A cell is
    /// <c>chunk[start..start+length]</c>; parsers may read ahead within the chunk buffer (see <see cref="Utf8Parsers.ReadAhead"/>).
    /// </summary>
    interface ICellParser<T> where T : unmanaged
    {
        static abstract bool Parse(byte[] chunk, int start, int length, string? format, out T value);
        /// <summary>Whether values are stored (text stays in the chunk).</summary>
        static virtual bool Stores => true;
        /// <summary>
        /// Parses a column's plain cells in one call-free loop, leaving the others <see cref="CellState.Invalid"/> for
        /// <see cref="Parse"/>; how many it left, or -1 when the type has no such loop.
        /// </summary>
        static virtual int ParsePlain(byte[] chunk, ReadOnlySpan<int> starts, ReadOnlySpan<int> lengths, Span<T> values, Span<CellState> states, string? format) => -1;
    }

    struct FloatCell : ICellParser<double>
    {
        public static bool Parse(byte[] b, int s, int n, string? f, out double v) => Utf8Parsers.TryParseDouble(b, s, n, out v);
        public static int ParsePlain(byte[] chunk, ReadOnlySpan<int> starts, ReadOnlySpan<int> lengths, Span<double> values, Span<CellState> states, string? format) =>
            Utf8Parsers.ParsePlainDoubles(chunk, starts, lengths, values, states);
    }
    struct IntegerCell : ICellParser<long>
    {
        public static bool Parse(byte[] b, int s, int n, string? f, out long v) => Utf8Parsers.TryParseInt64(b, s, n, out v);
        public static int ParsePlain(byte[] chunk, ReadOnlySpan<int> starts, ReadOnlySpan<int> lengths, Span<long> values, Span<CellState> states, string? format) =>
            Utf8Parsers.ParsePlainInt64s(chunk, starts, lengths, values, states);
    }
    struct DateCell : ICellParser<long>
    {
        public static bool Parse(byte[] b, int s, int n, string? f, out long v) => Utf8Parsers.TryParseDate(Cell(b, s, n), f, out v);
        public static int ParsePlain(byte[] chunk, ReadOnlySpan<int> starts, ReadOnlySpan<int> lengths, Span<long> values, Span<CellState> states, string? format) =>
            format is null ? Utf8Parsers.ParseIsoDates(chunk, starts, lengths, values, states) : -1;
    }
    struct DateTimeCell : ICellParser<long> { public static bool Parse(byte[] b, int s, int n, string? f, out long v) => Utf8Parsers.TryParseDateTime(Cell(b, s, n), f, out v); }
    struct TextCell : ICellParser<long>
    {
        public static bool Parse(byte[] b, int s, int n, string? f, out long v) { v = 0; return true; }
        public static bool Stores => false;
    }
    struct BooleanCell : ICellParser<long>
    {
        public static bool Parse(byte[] b, int s, int n, string? f, out long v)
        {
            bool ok = Utf8Parsers.TryParseBoolean(Cell(b, s, n), out bool value);
            v = value ? 1 : 0;
            return ok;
        }
    }

    /// <summary>A cell's bytes without a bounds check: offsets come from the tokenizer, inside the chunk.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static ReadOnlySpan<byte> Cell(byte[] chunk, int start, int length) =>
        MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(chunk), start), length);

    // Per-chunk loops are optimized from their first call (here and in the checker, parsers and sketches): a build runs
    // one pass, whose first few hundred chunks tiered compilation would otherwise run in unoptimized code.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void DecodeAs<TParser, T>(ColumnPlan p, ColumnVector v, T[] values, byte[] buffer, TokenizedChunk t, BatchResult result, BatchChecker checker, ValidationPlan plan)
        where TParser : struct, ICellParser<T> where T : unmanaged
    {
        int rows = t.Records;
        if (rows > v.States.Length || (TParser.Stores && rows > values.Length)) throw new ArgumentOutOfRangeException(nameof(values));
        var format = p.Schema.Format;
        // Plain cells first, in a loop without calls (a missing-value token that reads as a number must take the cell
        // loop, which tests for it before parsing); then the cell loop settles only what that left.
        bool settleOnly = false;
        if (plan.NullTokens.Length == 0 || !plan.NullTokens.Any(token => TParser.Parse(token, 0, token.Length, format, out _)))
        {
            int left = TParser.ParsePlain(buffer, v.Starts.AsSpan(0, rows), v.Lengths.AsSpan(0, rows), values, v.States.AsSpan(0, rows), format);
            if (left == 0) return;
            settleOnly = left > 0;
        }
        // Unchecked refs: every row is inside every array (checked above; Reset sized them).
        ref CellState states = ref MemoryMarshal.GetArrayDataReference(v.States);
        ref int starts = ref MemoryMarshal.GetArrayDataReference(v.Starts);
        ref int lengths = ref MemoryMarshal.GetArrayDataReference(v.Lengths);
        ref T slots = ref MemoryMarshal.GetArrayDataReference(values);
        bool onlyEmptyIsNull = plan.NullTokens.Length == 0;
        bool malformed = t.AnyMalformed;
        for (int r = 0; r < rows; r++)
        {
            if (settleOnly)
            {
                int next = v.States.AsSpan(r, rows - r).IndexOf(CellState.Invalid);
                if (next < 0) break;
                r += next;
            }
            int len = Unsafe.Add(ref lengths, r), start = Unsafe.Add(ref starts, r);
            if (len == 0 || (!onlyEmptyIsNull && plan.IsNullToken(Cell(buffer, start, len))))
            {
                Unsafe.Add(ref states, r) = malformed && t.BadFieldCount[r] >= 0 ? CellState.Skipped : CellState.Null;
                continue;
            }
            bool ok = TParser.Parse(buffer, start, len, format, out T value);
            if (TParser.Stores) Unsafe.Add(ref slots, r) = value;
            if (ok) { Unsafe.Add(ref states, r) = CellState.Value; continue; }
            Unsafe.Add(ref states, r) = CellState.Invalid;
            FailType(p, v, r, result, checker);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static void FailType(ColumnPlan p, ColumnVector v, int row, BatchResult result, BatchChecker checker) =>
        checker.Fail(result, p.TypeCheck, row, p.DataPosition, v,
            $"column '{p.Schema.Name}' value '{BatchChecker.CellText(v, row)}' is not a valid {TypeText(p.Schema)}");

    internal static string TypeText(ColumnSchema c) => c.Type switch
    {
        ColumnType.Integer => "integer",
        ColumnType.Float => "finite number",
        ColumnType.Boolean => "boolean (true/false, 1/0, yes/no)",
        ColumnType.Date => $"date ({c.Format ?? "yyyy-MM-dd"})",
        ColumnType.DateTime => c.Format is null ? "ISO 8601 datetime" : $"datetime ({c.Format})",
        _ => "value",
    };
}
