using System.Globalization;
using System.Text;
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
public sealed class PredictionsFile
{
    readonly byte[] _bytes;           // the data records, quoted cells unescaped in place by the tokeniser
    readonly int[][] _start;          // column-major: cell (r, c) at _start[c][r]
    readonly int[][] _length;
    readonly Dictionary<string, string[]> _strings = new(StringComparer.Ordinal);

    /// <summary>The file as the user named it.</summary>
    public string Display { get; }
    /// <summary>Column names in file order.</summary>
    public IReadOnlyList<string> Names { get; }
    /// <summary>The physical line where each record starts (header = line 1).</summary>
    public int[] Lines { get; }
    /// <summary>Row count.</summary>
    public int Count => Lines.Length;

    PredictionsFile(string display, byte[] bytes, List<string> names, int[][] start, int[][] length, int[] lines)
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
        if (UnclosedQuote(bytes) is var (openLine, openField)) throw Bad(display, openLine, openField, "a quoted field is never closed");
        var (names, dataOffset, dataLine) = CsvReader.ReadHeader(new MemoryStream(bytes, writable: false), display, new CsvFormat(), new ValidationOptions());
        if (names is null) throw Bad(display, 1, 0, "the file is empty (no header)");
        for (int c = 0; c < names.Count; c++)
            if (names.IndexOf(names[c]) != c) throw Bad(display, 1, c + 1, $"column '{names[c]}' appears twice in the header");

        var body = bytes[(int)dataOffset..];
        var (newlines, quotes, _) = CsvReader.ScanBytes(body);
        var t = new TokenizedChunk();
        CsvTokenizer.Tokenize(body, body.Length, (byte)',', quotes, newlines, names.Count, t);
        if (t.Records == 0) throw Bad(display, 1, 0, "the file has a header but no rows");
        var lines = new int[t.Records];
        for (int r = 0; r < lines.Length; r++)
        {
            lines[r] = (int)dataLine + t.RecordLine[r];
            if (t.BadFieldCount[r] >= 0)
                throw Bad(display, lines[r], 0, $"the record has {t.BadFieldCount[r]} fields, the header {names.Count}");
        }
        return new PredictionsFile(display, body, names,
            [.. t.FieldStart.Take(names.Count).Select(a => a[..t.Records])], [.. t.FieldLength.Take(names.Count).Select(a => a[..t.Records])], lines);
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

    string Text(int column, int row) => Encoding.UTF8.GetString(_bytes, _start[column][row], _length[column][row]);

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
        for (int r = 0; r < values.Length; r++)
        {
            var v = Text(c, r);
            values[r] = intern.TryGetValue(v, out var same) ? same : intern[v] = v;
        }
        return _strings[name] = values;
    }

    /// <summary>A column as numbers; an empty or non-numeric cell is an error at its line and column.</summary>
    public double[] Numbers(string name)
    {
        int c = Index(name);
        var values = new double[Count];
        for (int r = 0; r < values.Length; r++)
        {
            int length = _length[c][r];
            if (length > 0 && Utf8Parsers.TryParseDouble(_bytes, _start[c][r], length, out values[r]) && double.IsFinite(values[r]))
                continue;
            var text = Text(c, r);
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out values[r]) || !double.IsFinite(values[r]))
                throw Bad(Display, Lines[r], c + 1, text.Length == 0 ? $"column '{name}' is empty" : $"column '{name}' value '{text}' is not a finite number");
        }
        return values;
    }

    /// <summary>A binary label or prediction column: 1/0, true/false, yes/no (any case).</summary>
    public bool[] Booleans(string name)
    {
        int c = Index(name);
        var values = new bool[Count];
        for (int r = 0; r < values.Length; r++)
        {
            if (_length[c][r] == 1 && _bytes[_start[c][r]] is (byte)'0' or (byte)'1') { values[r] = _bytes[_start[c][r]] == (byte)'1'; continue; }
            var text = Text(c, r);
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
