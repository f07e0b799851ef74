using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Unicode;
using MlBuild.Core.Data.Csv;
using MlBuild.Core.Data.Schema;
using MlBuild.Core.Data.Validation;
using MlBuild.Core.Diagnostics;

namespace MlBuild.Core.Models.Evaluation;

/// <summary>
/// A predictions file: a CSV (RFC 4180, UTF-8, header row) with a label column, score columns and any other columns
/// (slices, groups), as written by <c>dotnet ml train</c>, an ONNX run, or a team's own scoring code. It is split into
/// cells by the validator's own tokeniser (one CSV scanner in MlBuild); a column becomes numbers (MlBuild's UTF-8
/// number parser) or strings only when a task asks for it, and every parse error names its line and column.
/// </summary>
/// <remarks>
/// The file is read whole into one buffer and cut into chunks of about <see cref="ChunkBytes"/> at newlines, which are
/// tokenised, and later parsed, in parallel, each in place: cells are offsets into the one buffer and a column's
/// values go straight into the array the caller keeps. The cut depends only on the file's bytes, so every result and
/// every error is the same on any thread count. A file with a quote is one chunk (a newline may be inside a field).
/// </remarks>
public sealed class PredictionsFile
{
    /// <summary>Bytes per chunk: a chunk's bytes and its cell offsets stay in a core's L2 cache while it is tokenised.</summary>
    internal const int ChunkBytes = 128 << 10;

    /// <summary>The header reader's first buffer: a header is short (ReadHeader grows it for a longer one).</summary>
    static readonly ValidationOptions HeaderOptions = new() { ChunkBytes = 64 << 10 };

    /// <summary>Records of one chunk: the tokens, the first record's row and the chunk's first physical line.</summary>
    sealed class Chunk(int start, int end)
    {
        public readonly int Start = start, End = end;
        public readonly TokenizedChunk Tokens = new();
        public int Newlines, FirstRow, FirstLine;
        public bool InvalidUtf8;
    }

    readonly byte[] _bytes;           // the whole file and ReadAhead zero bytes; quoted cells unescaped in place by the tokeniser
    readonly Chunk[] _chunks;         // in file order
    readonly int _parallelism;
    readonly Dictionary<string, string[]> _strings = new(StringComparer.Ordinal);
    int[]? _lines;

    /// <summary>The file as the user named it.</summary>
    public string Display { get; }
    /// <summary>Column names in file order.</summary>
    public IReadOnlyList<string> Names { get; }
    /// <summary>The physical line where each record starts (header = line 1).</summary>
    public int[] Lines => _lines ??= AllLines();
    /// <summary>Row count.</summary>
    public int Count { get; }

    PredictionsFile(string display, byte[] bytes, List<string> names, Chunk[] chunks, int count, int parallelism)
    {
        Display = display; _bytes = bytes; Names = names; _chunks = chunks; Count = count; _parallelism = parallelism;
    }

    /// <summary>Reads a predictions CSV; unreadable or malformed files are MLB3402 errors at their line.</summary>
    /// <param name="path">The file.</param>
    /// <param name="display">The name diagnostics give it.</param>
    /// <param name="maxParallelism">Threads that tokenise and parse (0: the processor count); results never depend on it.</param>
    public static PredictionsFile Read(string path, string display, int maxParallelism = 0)
    {
        var (bytes, length) = ReadAll(path, display);
        var data = bytes.AsSpan(0, length);
        bool quoted = data.Contains((byte)'"');
        if (quoted)
        {
            if (!Utf8.IsValid(data)) throw NotUtf8(display);
            if (UnclosedQuote(data) is var (openLine, openField)) throw Bad(display, openLine, openField, "a quoted field is never closed");
        }
        else if (!Utf8.IsValid(data.IndexOf((byte)'\n') is var headerEnd and >= 0 ? data[..headerEnd] : data))
            throw NotUtf8(display); // the header (the chunks check the rest)
        var (names, dataOffset, dataLine) = CsvReader.ReadHeader(new MemoryStream(bytes, 0, length, writable: false), display, new CsvFormat(), HeaderOptions);
        if (names is null) throw Bad(display, 1, 0, "the file is empty (no header)");
        for (int c = 0; c < names.Count; c++)
            if (names.IndexOf(names[c]) != c) throw Bad(display, 1, c + 1, $"column '{names[c]}' appears twice in the header");

        var chunks = Cut(bytes, (int)dataOffset, length, quoted);
        int parallelism = maxParallelism > 0 ? maxParallelism : Environment.ProcessorCount;
        ForEach(chunks.Length, parallelism, k =>
        {
            var chunk = chunks[k];
            var (newlines, _, plainAscii) = CsvReader.ScanBytes(bytes.AsSpan(chunk.Start, chunk.End - chunk.Start));
            chunk.Newlines = newlines;
            // A chunk starts after a newline, so it starts a character: chunk by chunk is the file's own UTF-8 check.
            if (!plainAscii && !Utf8.IsValid(bytes.AsSpan(chunk.Start, chunk.End - chunk.Start))) { chunk.InvalidUtf8 = true; return; }
            CsvTokenizer.Tokenize(bytes, chunk.Start, chunk.End, (byte)',', quoted, newlines, names.Count, chunk.Tokens);
        });
        if (chunks.Any(c => c.InvalidUtf8)) throw NotUtf8(display);

        int rows = 0, line = (int)dataLine;
        foreach (var chunk in chunks)
        {
            (chunk.FirstRow, chunk.FirstLine) = (rows, line);
            rows += chunk.Tokens.Records;
            line += chunk.Newlines;
        }
        if (rows == 0) throw Bad(display, 1, 0, "the file has a header but no rows");
        foreach (var chunk in chunks.Where(c => c.Tokens.AnyMalformed))
        {
            var t = chunk.Tokens;
            int r = Array.FindIndex(t.BadFieldCount, 0, t.Records, fields => fields >= 0);
            throw Bad(display, chunk.FirstLine + t.RecordLine[r], 0, $"the record has {t.BadFieldCount[r]} fields, the header {names.Count}");
        }
        return new PredictionsFile(display, bytes, names, chunks, rows, parallelism);
    }

    /// <summary>The file's bytes followed by <see cref="Utf8Parsers.ReadAhead"/> zero bytes, so the number parser's
    /// vector path reads every cell, the last included.</summary>
    static (byte[] Bytes, int Length) ReadAll(string path, string display)
    {
        try
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
            long size = RandomAccess.GetLength(handle);
            if (size > Array.MaxLength - Utf8Parsers.ReadAhead) throw Bad(display, 0, 0, "the file is larger than 2 GB");
            var bytes = GC.AllocateUninitializedArray<byte>((int)size + Utf8Parsers.ReadAhead);
            int length = 0;
            while (length < size && RandomAccess.Read(handle, bytes.AsSpan(length, (int)size - length), length) is var n and > 0) length += n;
            bytes.AsSpan(length).Clear();
            return (bytes, length);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Bad(display, 0, 0, $"the file cannot be read: {e.Message}");
        }
    }

    /// <summary>Chunks of about <see cref="ChunkBytes"/> from <paramref name="start"/>, each ending after a newline (the
    /// last at the end of the data); one chunk when the file has quotes.</summary>
    static Chunk[] Cut(byte[] bytes, int start, int length, bool quoted)
    {
        var chunks = new List<Chunk>();
        int from = start;
        while (!quoted && length - from > ChunkBytes)
        {
            int newline = bytes.AsSpan(from + ChunkBytes, length - from - ChunkBytes).IndexOf((byte)'\n');
            if (newline < 0) break;
            int end = from + ChunkBytes + newline + 1;
            chunks.Add(new Chunk(from, end));
            from = end;
        }
        if (from < length || chunks.Count == 0) chunks.Add(new Chunk(from, length));
        return [.. chunks];
    }

    /// <summary>Runs <paramref name="body"/> for 0..count-1 on up to <paramref name="parallelism"/> threads.</summary>
    static void ForEach(int count, int parallelism, Action<int> body)
    {
        if (count == 1 || parallelism == 1)
        {
            for (int k = 0; k < count; k++) body(k);
            return;
        }
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = parallelism }, body);
    }

    /// <summary>The record line and field (1-based) of a quote that never closes, or null. The tokeniser reads such a field
    /// to the end of the file, so it is found first, with the same quote rule (a doubled quote toggles twice).</summary>
    static (int Line, int Field)? UnclosedQuote(ReadOnlySpan<byte> b)
    {
        if (b.IndexOf((byte)'"') < 0) return null;
        bool inQuote = false;
        int line = 1, recordLine = 1, field = 1, openLine = 0, openField = 0;
        foreach (var c in b)
        {
            if (c == (byte)'"')
            {
                if (!inQuote) (openLine, openField) = (recordLine, field);
                inQuote = !inQuote;
            }
            else if (c == (byte)'\n')
            {
                line++;
                if (!inQuote) (recordLine, field) = (line, 1);
            }
            else if (c == (byte)',' && !inQuote) field++;
        }
        return inQuote ? (openLine, openField) : null;
    }

    int[] AllLines()
    {
        var lines = new int[Count];
        foreach (var chunk in _chunks)
            for (int r = 0; r < chunk.Tokens.Records; r++) lines[chunk.FirstRow + r] = chunk.FirstLine + chunk.Tokens.RecordLine[r];
        return lines;
    }

    /// <summary>The chunk holding <paramref name="row"/>.</summary>
    Chunk ChunkOf(int row)
    {
        int lo = 0, hi = _chunks.Length - 1;
        while (lo < hi)
        {
            int mid = (lo + hi + 1) / 2;
            if (_chunks[mid].FirstRow <= row) lo = mid; else hi = mid - 1;
        }
        return _chunks[lo];
    }

    int LineOf(int row)
    {
        var chunk = ChunkOf(row);
        return chunk.FirstLine + chunk.Tokens.RecordLine[row - chunk.FirstRow];
    }

    string Text(Chunk chunk, int column, int r) =>
        Encoding.UTF8.GetString(_bytes, chunk.Tokens.FieldStart[column][r], chunk.Tokens.FieldLength[column][r]);

    int Index(string name)
    {
        for (int c = 0; c < Names.Count; c++) if (Names[c] == name) return c;
        throw Bad(Display, 1, 0, $"no column '{name}'; columns: {string.Join(", ", Names)}");
    }

    /// <summary>The cells of a column as text; an unknown name is an MLB3402 error listing the columns.</summary>
    public string[] Column(string name)
    {
        int c = Index(name);
        if (_strings.TryGetValue(name, out var cached)) return cached;
        var values = new string[Count];
        var intern = new Dictionary<string, string>(StringComparer.Ordinal);   // slice/group columns repeat few values
        foreach (var chunk in _chunks)
            for (int r = 0; r < chunk.Tokens.Records; r++)
            {
                var v = Text(chunk, c, r);
                values[chunk.FirstRow + r] = intern.TryGetValue(v, out var same) ? same : intern[v] = v;
            }
        return _strings[name] = values;
    }

    /// <summary>
    /// Parses column <paramref name="c"/> chunk by chunk in parallel into <paramref name="values"/>; a cell
    /// <paramref name="parse"/> rejects is an error at its line and column, the first in the file when there are several.
    /// </summary>
    void ParseColumn<T>(int c, T[] values, ColumnParser<T> parse, Func<string, string> describe)
    {
        var firstBad = new int[_chunks.Length];
        ForEach(_chunks.Length, _parallelism, k =>
        {
            var chunk = _chunks[k];
            int rows = chunk.Tokens.Records;
            firstBad[k] = rows == 0 ? -1 : parse(_bytes, chunk.Tokens.FieldStart[c].AsSpan(0, rows), chunk.Tokens.FieldLength[c].AsSpan(0, rows), values.AsSpan(chunk.FirstRow, rows));
        });
        for (int k = 0; k < _chunks.Length; k++)
        {
            if (firstBad[k] < 0) continue;
            var chunk = _chunks[k];
            int r = firstBad[k];
            throw Bad(Display, chunk.FirstLine + chunk.Tokens.RecordLine[r], c + 1, describe(Text(chunk, c, r)));
        }
    }

    /// <summary>Parses cells into <paramref name="values"/>; the index of the first cell it rejects, or -1.</summary>
    delegate int ColumnParser<T>(byte[] bytes, ReadOnlySpan<int> starts, ReadOnlySpan<int> lengths, Span<T> values);

    /// <summary>A column as numbers; an empty or non-numeric cell is an error at its line and column.</summary>
    public double[] Numbers(string name)
    {
        int c = Index(name);
        var values = GC.AllocateUninitializedArray<double>(Count);
        ParseColumn(c, values, ParseNumbers,
            text => text.Length == 0 ? $"column '{name}' is empty" : $"column '{name}' value '{text}' is not a finite number");
        return values;
    }

    // The column loops below run once or twice per file: optimized from the first call, not after tiering.

    /// <summary>Plain decimals in the parser's vector loop, any other cell (an exponent, spaces, an empty cell) one by one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static int ParseNumbers(byte[] bytes, ReadOnlySpan<int> starts, ReadOnlySpan<int> lengths, Span<double> values)
    {
        var states = ArrayPool<CellState>.Shared.Rent(starts.Length);
        try
        {
            int left = Utf8Parsers.ParsePlainDoubles(bytes, starts, lengths, values, states);
            for (int r = 0; r < starts.Length && left != 0; r++)
            {
                if (left > 0 && states[r] == CellState.Value) continue;
                left--;
                int start = starts[r], length = lengths[r];
                if (length > 0 && Utf8Parsers.TryParseDouble(bytes, start, length, out values[r]) && double.IsFinite(values[r])) continue;
                var text = Encoding.UTF8.GetString(bytes, start, length);
                if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out values[r]) || !double.IsFinite(values[r])) return r;
            }
            return -1;
        }
        finally { ArrayPool<CellState>.Shared.Return(states); }
    }

    /// <summary>A binary label or prediction column: 1/0, true/false, yes/no (any case).</summary>
    public bool[] Booleans(string name)
    {
        int c = Index(name);
        var values = GC.AllocateUninitializedArray<bool>(Count);
        ParseColumn(c, values, ParseBooleans,
            text => text.Length == 0 ? $"column '{name}' is empty" : $"column '{name}' value '{text}' is not a binary label (1/0, true/false, yes/no)");
        return values;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static int ParseBooleans(byte[] bytes, ReadOnlySpan<int> starts, ReadOnlySpan<int> lengths, Span<bool> values)
    {
        for (int r = 0; r < starts.Length; r++)
        {
            byte first = bytes[starts[r]];
            if (lengths[r] == 1 && first is (byte)'0' or (byte)'1') { values[r] = first == (byte)'1'; continue; }
            switch (Encoding.UTF8.GetString(bytes, starts[r], lengths[r]).Trim().ToLowerInvariant())
            {
                case "1" or "true" or "yes" or "1.0": values[r] = true; break;
                case "0" or "false" or "no" or "0.0": values[r] = false; break;
                default: return r;
            }
        }
        return -1;
    }

    /// <summary>A class column as indices into <paramref name="classes"/>; a value outside them is an error.</summary>
    public int[] Classes(string name, IReadOnlyList<string> classes)
    {
        var cells = Column(name);
        int c = Index(name);
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int k = 0; k < classes.Count; k++) index.TryAdd(classes[k], k);
        var values = new int[cells.Length];
        for (int r = 0; r < cells.Length; r++)
            if (!index.TryGetValue(cells[r], out values[r]))
                throw Bad(Display, LineOf(r), c + 1, cells[r].Length == 0 ? $"column '{name}' is empty" : $"column '{name}' value '{cells[r]}' is not one of the classes {string.Join(", ", classes)}");
        return values;
    }

    static MlBuildException NotUtf8(string display) => Bad(display, 0, 0, "the file is not valid UTF-8");

    internal static MlBuildException Bad(string display, int line, int column, string what) =>
        new(new MlDiagnostic(DiagnosticCodes.PredictionsFileInvalid, MlSeverity.Error, $"Predictions file: {what}.", display, line, column));
}
