using System.Globalization;
using System.Text;
using MlBuild.Core.Data.Validation;
using MlBuild.Core.Diagnostics;

namespace MlBuild.Core.Models.Evaluation;

/// <summary>
/// A predictions file: a CSV (RFC 4180, UTF-8, header row) with a label column, score columns and any other columns
/// (slices, groups), as written by <c>dotnet ml train</c>, an ONNX run, or a team's own scoring code. The file is kept
/// as bytes with each cell's span; a column becomes numbers (MlBuild's UTF-8 number parser) or strings only when a task
/// asks for it, and every parse error names its line and column.
/// </summary>
public sealed class PredictionsFile
{
    const int QuotedFlag = 1 << 30;   // set in a cell's length when the cell was quoted (its "" must be unescaped)

    readonly byte[] _bytes;
    readonly int[] _start;            // row-major: cell (r, c) at r * Names.Count + c
    readonly int[] _length;
    readonly Dictionary<string, string[]> _strings = new(StringComparer.Ordinal);

    /// <summary>The file as the user named it.</summary>
    public string Display { get; }
    /// <summary>Column names in file order.</summary>
    public IReadOnlyList<string> Names { get; }
    /// <summary>The physical line where each record starts (header = line 1).</summary>
    public int[] Lines { get; }
    /// <summary>Row count.</summary>
    public int Count => Lines.Length;

    PredictionsFile(string display, byte[] bytes, List<string> names, int[] start, int[] length, int[] lines)
    {
        Display = display; _bytes = bytes; Names = names; _start = start; _length = length; Lines = lines;
    }

    /// <summary>Reads a predictions CSV; unreadable or malformed files are MLB3402 errors at their line.</summary>
    public static PredictionsFile Read(string path, string display)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Bad(display, 0, 0, $"the file cannot be read: {e.Message}");
        }
        if (!System.Text.Unicode.Utf8.IsValid(bytes)) throw Bad(display, 0, 0, "the file is not valid UTF-8");
        int pos = bytes.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0, line = 1;
        var cells = new CellList();
        if (!NextRecord(bytes, ref pos, ref line, cells, display, out _)) throw Bad(display, 1, 0, "the file is empty (no header)");
        var names = new List<string>();
        for (int c = 0; c < cells.Count; c++) names.Add(Text(bytes, cells.Start[c], cells.Length[c]));
        for (int c = 0; c < names.Count; c++)
            if (names.IndexOf(names[c]) != c) throw Bad(display, 1, c + 1, $"column '{names[c]}' appears twice in the header");
        var data = new CellList();
        var lines = new List<int>();
        while (true)
        {
            int before = data.Count;
            if (!NextRecord(bytes, ref pos, ref line, data, display, out int recordLine)) break;
            if (data.Count - before != names.Count)
                throw Bad(display, recordLine, 0, $"the record has {data.Count - before} fields, the header {names.Count}");
            lines.Add(recordLine);
        }
        if (lines.Count == 0) throw Bad(display, 1, 0, "the file has a header but no rows");
        return new PredictionsFile(display, bytes, names, data.Start[..data.Count], data.Length[..data.Count], [.. lines]);
    }

    sealed class CellList
    {
        public int[] Start = new int[1024], Length = new int[1024];
        public int Count;

        public void Add(int start, int length)
        {
            if (Count == Start.Length) { Array.Resize(ref Start, Count * 2); Array.Resize(ref Length, Count * 2); }
            Start[Count] = start; Length[Count++] = length;
        }
    }

    /// <summary>Reads one record's cells; skips blank lines; false at the end of the file.</summary>
    static bool NextRecord(byte[] b, ref int pos, ref int line, CellList cells, string display, out int recordLine)
    {
        while (pos < b.Length && (b[pos] == (byte)'\n' || (b[pos] == (byte)'\r' && pos + 1 < b.Length && b[pos + 1] == (byte)'\n')))
        {
            pos += b[pos] == (byte)'\r' ? 2 : 1;
            line++;
        }
        recordLine = line;
        if (pos >= b.Length) return false;
        int first = cells.Count;
        while (true)
        {
            if (pos < b.Length && b[pos] == (byte)'"')
            {
                int start = ++pos;
                bool closed = false;
                while (pos < b.Length)
                {
                    if (b[pos] == (byte)'"')
                    {
                        if (pos + 1 < b.Length && b[pos + 1] == (byte)'"') { pos += 2; continue; }
                        closed = true;
                        break;
                    }
                    if (b[pos] == (byte)'\n') line++;
                    pos++;
                }
                if (!closed) throw Bad(display, recordLine, cells.Count - first + 1, "a quoted field is never closed");
                cells.Add(start, (pos - start) | QuotedFlag);
                pos++;                                   // the closing quote
                int rest = b.AsSpan(pos).IndexOfAny((byte)',', (byte)'\n');
                pos = rest < 0 ? b.Length : pos + rest;  // anything between the closing quote and the delimiter is ignored
            }
            else
            {
                int rest = b.AsSpan(pos).IndexOfAny((byte)',', (byte)'\n');
                int end = rest < 0 ? b.Length : pos + rest;
                int cellEnd = end > pos && b[end - 1] == (byte)'\r' && (end == b.Length || b[end] == (byte)'\n') ? end - 1 : end;
                cells.Add(pos, cellEnd - pos);
                pos = end;
            }
            if (pos >= b.Length) return true;
            if (b[pos] == (byte)',') { pos++; if (pos >= b.Length) { cells.Add(pos, 0); return true; } continue; }
            pos++;                                       // '\n'
            line++;
            return true;
        }
    }

    static string Text(byte[] b, int start, int length)
    {
        bool quoted = (length & QuotedFlag) != 0;
        var text = Encoding.UTF8.GetString(b, start, length & ~QuotedFlag);
        return quoted ? text.Replace("\"\"", "\"", StringComparison.Ordinal) : text;
    }

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
        int columns = Names.Count;
        var intern = new Dictionary<string, string>(StringComparer.Ordinal);   // slice/group columns repeat few values
        for (int r = 0; r < values.Length; r++)
        {
            var v = Text(_bytes, _start[r * columns + c], _length[r * columns + c]);
            values[r] = intern.TryGetValue(v, out var same) ? same : intern[v] = v;
        }
        return _strings[name] = values;
    }

    /// <summary>A column as numbers; an empty or non-numeric cell is an error at its line and column.</summary>
    public double[] Numbers(string name)
    {
        int c = Index(name), columns = Names.Count;
        var values = new double[Count];
        for (int r = 0; r < values.Length; r++)
        {
            int i = r * columns + c, length = _length[i];
            if ((length & QuotedFlag) == 0 && length > 0 && Utf8Parsers.TryParseDouble(_bytes, _start[i], length, out values[r]) && double.IsFinite(values[r]))
                continue;
            var text = Text(_bytes, _start[i], length);
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out values[r]) || !double.IsFinite(values[r]))
                throw Bad(Display, Lines[r], c + 1, text.Length == 0 ? $"column '{name}' is empty" : $"column '{name}' value '{text}' is not a finite number");
        }
        return values;
    }

    /// <summary>A binary label or prediction column: 1/0, true/false, yes/no (any case).</summary>
    public bool[] Booleans(string name)
    {
        int c = Index(name), columns = Names.Count;
        var values = new bool[Count];
        for (int r = 0; r < values.Length; r++)
        {
            int i = r * columns + c;
            if (_length[i] == 1 && _bytes[_start[i]] is (byte)'0' or (byte)'1') { values[r] = _bytes[_start[i]] == (byte)'1'; continue; }
            var text = Text(_bytes, _start[i], _length[i]);
            values[r] = text.Trim().ToLowerInvariant() switch
            {
                "1" or "true" or "yes" or "1.0" => true,
                "0" or "false" or "no" or "0.0" => false,
                _ => throw Bad(Display, Lines[r], c + 1, text.Length == 0 ? $"column '{name}' is empty" : $"column '{name}' value '{text}' is not a binary label (1/0, true/false, yes/no)"),
            };
        }
        return values;
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
                throw Bad(Display, Lines[r], c + 1, cells[r].Length == 0 ? $"column '{name}' is empty" : $"column '{name}' value '{cells[r]}' is not one of the classes {string.Join(", ", classes)}");
        return values;
    }

    internal static MlBuildException Bad(string display, int line, int column, string what) =>
        new(new MlDiagnostic(DiagnosticCodes.PredictionsFileInvalid, MlSeverity.Error, $"Predictions file: {what}.", display, line, column));
}
