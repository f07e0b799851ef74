using System.Globalization;
using System.Text;
using MlBuild.Core.Diagnostics;

namespace MlBuild.Core.Models.Evaluation;

/// <summary>
/// A predictions file: a CSV (RFC 4180, UTF-8, header row) with a label column, score columns and any other columns
/// (slices, groups), as written by <c>dotnet ml train</c>, an ONNX run, or a team's own scoring code. Cells stay text
/// until a task reads them, so every parse error can name its line and column.
/// </summary>
public sealed class PredictionsFile
{
    /// <summary>The file as the user named it.</summary>
    public string Display { get; }
    /// <summary>Column names in file order.</summary>
    public IReadOnlyList<string> Names { get; }
    /// <summary>Cells by column.</summary>
    public IReadOnlyList<string[]> Columns { get; }
    /// <summary>The physical line where each record starts (header = line 1).</summary>
    public int[] Lines { get; }
    /// <summary>Row count.</summary>
    public int Count => Lines.Length;

    PredictionsFile(string display, List<string> names, List<List<string>> rows, List<int> lines)
    {
        Display = display;
        Names = names;
        Lines = [.. lines];
        var columns = new string[names.Count][];
        for (int c = 0; c < columns.Length; c++)
        {
            columns[c] = new string[rows.Count];
            for (int r = 0; r < rows.Count; r++) columns[c][r] = rows[r][c];
        }
        Columns = columns;
    }

    /// <summary>Reads a predictions CSV; unreadable or malformed files are MLB3402 errors at their line.</summary>
    public static PredictionsFile Read(string path, string display)
    {
        string text;
        try { text = File.ReadAllText(path, new UTF8Encoding(false, throwOnInvalidBytes: true)); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DecoderFallbackException)
        {
            throw new MlBuildException(new MlDiagnostic(DiagnosticCodes.PredictionsFileInvalid, MlSeverity.Error, $"The predictions file cannot be read: {e.Message}", display));
        }
        var records = new List<(List<string> Cells, int Line)>();
        var cells = new List<string>();
        var cell = new StringBuilder();
        int line = 1, recordLine = 1, i = 0;
        bool quoted = false, any = false;
        if (text.Length > 0 && text[0] == '\uFEFF') i = 1;
        for (; i < text.Length; i++)
        {
            char ch = text[i];
            if (quoted)
            {
                if (ch == '"' && i + 1 < text.Length && text[i + 1] == '"') { cell.Append('"'); i++; }
                else if (ch == '"') quoted = false;
                else { if (ch == '\n') line++; cell.Append(ch); }
                continue;
            }
            switch (ch)
            {
                case '"' when cell.Length == 0: quoted = true; any = true; break;
                case ',': cells.Add(cell.ToString()); cell.Clear(); any = true; break;
                case '\r': break;
                case '\n':
                    if (any || cell.Length > 0) { cells.Add(cell.ToString()); records.Add((cells, recordLine)); }
                    cells = []; cell.Clear(); any = false; line++; recordLine = line;
                    break;
                default: cell.Append(ch); any = true; break;
            }
        }
        if (quoted) throw Bad(display, recordLine, 0, "a quoted field is never closed");
        if (any || cell.Length > 0) { cells.Add(cell.ToString()); records.Add((cells, recordLine)); }
        if (records.Count == 0) throw Bad(display, 1, 0, "the file is empty (no header)");
        var names = records[0].Cells;
        for (int c = 0; c < names.Count; c++)
            if (names.IndexOf(names[c]) != c) throw Bad(display, 1, c + 1, $"column '{names[c]}' appears twice in the header");
        foreach (var (row, at) in records.Skip(1))
            if (row.Count != names.Count) throw Bad(display, at, 0, $"the record has {row.Count} fields, the header {names.Count}");
        if (records.Count == 1) throw Bad(display, 1, 0, "the file has a header but no rows");
        return new PredictionsFile(display, names, records.Skip(1).Select(r => r.Cells).ToList(), records.Skip(1).Select(r => r.Line).ToList());
    }

    /// <summary>The cells of a column; an unknown name is an MLB3402 error listing the columns.</summary>
    public string[] Column(string name)
    {
        int c = ((List<string>)Names).IndexOf(name);
        if (c < 0) throw Bad(Display, 1, 0, $"no column '{name}'; columns: {string.Join(", ", Names)}");
        return Columns[c];
    }

    /// <summary>A column as numbers; an empty or non-numeric cell is an error at its line and column.</summary>
    public double[] Numbers(string name)
    {
        var cells = Column(name);
        var values = new double[cells.Length];
        for (int r = 0; r < cells.Length; r++)
            if (!double.TryParse(cells[r], NumberStyles.Float, CultureInfo.InvariantCulture, out values[r]) || double.IsNaN(values[r]))
                throw Bad(Display, Lines[r], ColumnNumber(name), cells[r].Length == 0 ? $"column '{name}' is empty" : $"column '{name}' value '{cells[r]}' is not a number");
        return values;
    }

    /// <summary>A binary label or prediction column: 1/0, true/false, yes/no (any case).</summary>
    public bool[] Booleans(string name)
    {
        var cells = Column(name);
        var values = new bool[cells.Length];
        for (int r = 0; r < cells.Length; r++)
        {
            var v = cells[r].Trim().ToLowerInvariant();
            values[r] = v switch
            {
                "1" or "true" or "yes" or "1.0" => true,
                "0" or "false" or "no" or "0.0" => false,
                _ => throw Bad(Display, Lines[r], ColumnNumber(name), v.Length == 0 ? $"column '{name}' is empty" : $"column '{name}' value '{cells[r]}' is not a binary label (1/0, true/false, yes/no)"),
            };
        }
        return values;
    }

    /// <summary>A class column as indices into <paramref name="classes"/>; a value outside them is an error.</summary>
    public int[] Classes(string name, IReadOnlyList<string> classes)
    {
        var cells = Column(name);
        var values = new int[cells.Length];
        for (int r = 0; r < cells.Length; r++)
        {
            values[r] = IndexOf(classes, cells[r]);
            if (values[r] < 0)
                throw Bad(Display, Lines[r], ColumnNumber(name), cells[r].Length == 0 ? $"column '{name}' is empty" : $"column '{name}' value '{cells[r]}' is not one of the classes {string.Join(", ", classes)}");
        }
        return values;
    }

    static int IndexOf(IReadOnlyList<string> list, string value)
    {
        for (int i = 0; i < list.Count; i++) if (list[i] == value) return i;
        return -1;
    }

    int ColumnNumber(string name) => ((List<string>)Names).IndexOf(name) + 1;

    internal static MlBuildException Bad(string display, int line, int column, string what) =>
        new(new MlDiagnostic(DiagnosticCodes.PredictionsFileInvalid, MlSeverity.Error, $"Predictions file: {what}.", display, line, column));
}
