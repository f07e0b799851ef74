using MlBuild.Core.Models.Evaluation;
using System.Globalization;
using System.Text;
using Microsoft.ML;
using MlBuild.Core.Diagnostics;
using MlBuild.Core.Models.Gates;
using MlBuild.Core.Models.Training;

namespace MlBuild.Core.Models.Artifacts;

/// <summary>
/// Golden predictions: a CSV of model inputs (as the model reads them: numbers as the float it sees, booleans as
/// 0/1, dates as day numbers, text as is) and the expected outputs (<c>expected.score</c>, or
/// <c>expected.score[i]</c> per class), written by <c>dotnet ml golden record</c> and compared by the golden gate.
/// </summary>
public static class GoldenFile
{
    /// <summary>Prefix of the expected-output columns.</summary>
    public const string ExpectedPrefix = "expected.";

    /// <summary>
    /// Records <paramref name="rows"/> test rows of <paramref name="trained"/>, chosen by <paramref name="seed"/> (kept in
    /// test-split order), scored by <paramref name="model"/> (the trained model when null). Deterministic bytes.
    /// </summary>
    public static byte[] Record(TrainedModel trained, int rows, int seed, ITransformer? model = null)
    {
        var all = ScoringRows.From(trained.TestView);
        var chosen = Enumerable.Range(0, all.Count).ToArray();
        new Random(seed).Shuffle(chosen);
        chosen = chosen.Take(Math.Min(rows, chosen.Length)).Order().ToArray();
        var scores = ArtifactMeasurer.Score(model ?? trained.Model, all.View(chosen), trained.Spec.Task);

        var inputs = InputColumns(trained);
        var sb = new StringBuilder();
        sb.AppendJoin(',', inputs.Concat(ExpectedColumns(scores.Width)).Select(Quote)).Append('\n');
        for (int r = 0; r < chosen.Length; r++)
        {
            foreach (var name in inputs)
            {
                sb.Append(all.Column(name) switch
                {
                    float[] f => float.IsNaN(f[chosen[r]]) ? "" : f[chosen[r]].ToString("R", CultureInfo.InvariantCulture),
                    bool[] b => b[chosen[r]] ? "true" : "false",
                    string[] s => Quote(s[chosen[r]]),
                    _ => "",
                }).Append(',');
            }
            for (int c = 0; c < scores.Width; c++)
            {
                var v = scores.Values[r * scores.Width + c];
                sb.Append(double.IsNaN(v) ? "" : v.ToString("R", CultureInfo.InvariantCulture)).Append(c + 1 < scores.Width ? "," : "\n");
            }
        }
        return new UTF8Encoding(false).GetBytes(sb.ToString());
    }

    /// <summary>
    /// Scores the golden file's inputs with <paramref name="model"/> and compares with its expected outputs. A missing
    /// file, a header of another schema, or a cell that does not parse is MLB3500 at its line and column.
    /// </summary>
    public static GoldenComparison Compare(string path, string display, TrainedModel trained, ITransformer model, double tolerance)
    {
        if (!File.Exists(path))
            throw Invalid($"Golden file '{display}' does not exist. Record it with 'dotnet ml golden record -o {display}'.", display, 0, 0);
        var records = Parse(File.ReadAllText(path, Encoding.UTF8));
        if (records.Count == 0) throw Invalid($"Golden file '{display}' is empty; expected a header of the model's inputs and expected outputs.", display, 1, 1);
        var header = records[0];
        var inputs = InputColumns(trained);
        var template = ScoringRows.From(trained.TestView);
        var width = ScoreWidth(trained);
        var expected = ExpectedColumns(width).ToList();
        var known = inputs.Concat(expected).ToHashSet(StringComparer.Ordinal);
        foreach (var (name, line, column) in header)
            if (!known.Contains(name))
                throw Invalid($"Golden file '{display}' has column '{name}', which is not an input of model '{trained.Spec.Name}' nor one of its expected outputs ({string.Join(", ", expected)}); it was recorded for another model. Record it again with 'dotnet ml golden record'.", display, line, column);
        var index = header.Select((h, i) => (h.Text, i)).GroupBy(h => h.Text).ToDictionary(g => g.Key, g => g.First().i, StringComparer.Ordinal);
        foreach (var name in inputs.Concat(expected))
            if (!index.ContainsKey(name))
                throw Invalid($"Golden file '{display}' lacks column '{name}' that model '{trained.Spec.Name}' needs; it was recorded for another model or schema. Record it again with 'dotnet ml golden record'.", display, header[0].Line, header[0].Column);

        int n = records.Count - 1;
        var columns = new List<(string, Array)>();
        foreach (var name in template.Schema.Select(c => c.Name))
        {
            var kind = template.Column(name)!;
            if (!index.TryGetValue(name, out var at))
            {
                // The label (not an input): a neutral value; prediction does not read it.
                columns.Add((name, kind switch { float[] => Enumerable.Repeat(float.NaN, n).ToArray(), bool[] => new bool[n], _ => Enumerable.Repeat("", n).ToArray() }));
                continue;
            }
            switch (kind)
            {
                case float[]:
                    columns.Add((name, Cells(records, at, display, c => c.Text.Length == 0 ? float.NaN
                        : float.TryParse(c.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out var f) ? f : throw NotNumber(c, display, name))));
                    break;
                case bool[]:
                    columns.Add((name, Cells(records, at, display, c => c.Text is "true" or "1" || (c.Text is "false" or "0" ? false : throw NotNumber(c, display, name)))));
                    break;
                default:
                    columns.Add((name, Cells(records, at, display, c => c.Text)));
                    break;
            }
        }
        var expectedValues = new double[n * width];
        for (int c = 0; c < width; c++)
        {
            var values = Cells(records, index[expected[c]], display, cell => cell.Text.Length == 0 ? double.NaN
                : double.TryParse(cell.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : throw NotNumber(cell, display, expected[c]));
            for (int r = 0; r < n; r++) expectedValues[r * width + c] = values[r];
        }
        var actual = ArtifactMeasurer.Score(model, new ScoringRows(columns).View(), trained.Spec.Task, display);
        long mismatches = 0;
        double max = 0;
        for (int r = 0; r < n; r++)
        {
            double rowMax = 0;
            for (int c = 0; c < width; c++) rowMax = Math.Max(rowMax, ModelScores.Difference(actual.Values[r * width + c], expectedValues[r * width + c]));
            if (rowMax > tolerance) mismatches++;
            max = Math.Max(max, rowMax);
        }
        return new GoldenComparison(n, mismatches, max);
    }

    /// <summary>The model's input columns in the golden file: the test view's columns without the label.</summary>
    static List<string> InputColumns(TrainedModel trained) =>
        trained.TestView.Schema.Select(c => c.Name).Where(n => n != trained.Spec.Label).ToList();

    static int ScoreWidth(TrainedModel trained)
    {
        var output = trained.Model.GetOutputSchema(trained.TestView.Schema);
        return output[ModelScores.ColumnName(output, trained.Spec.Task)].Type is Microsoft.ML.Data.VectorDataViewType v ? v.Size : 1;
    }

    static IEnumerable<string> ExpectedColumns(int width) =>
        width == 1 ? [ExpectedPrefix + "score"] : Enumerable.Range(0, width).Select(i => ExpectedPrefix + "score[" + i.ToString(CultureInfo.InvariantCulture) + "]");

    static T[] Cells<T>(List<List<Cell>> records, int column, string display, Func<Cell, T> parse)
    {
        var values = new T[records.Count - 1];
        for (int r = 1; r < records.Count; r++)
        {
            var record = records[r];
            if (column >= record.Count)
                throw Invalid($"Golden file '{display}' line {record[0].Line.ToString(CultureInfo.InvariantCulture)} has {record.Count} fields; the header has more.", display, record[0].Line, record[^1].Column);
            values[r - 1] = parse(record[column]);
        }
        return values;
    }

    static MlBuildException NotNumber(Cell c, string display, string column) =>
        Invalid($"Golden file '{display}': '{c.Text}' in column '{column}' is not a number as the model reads it.", display, c.Line, c.Column);

    static MlBuildException Invalid(string message, string file, int line, int column) =>
        new(new MlDiagnostic(DiagnosticCodes.GoldenFileInvalid, MlSeverity.Error, message, file, line, column));

    /// <summary>A field with the line and column (1-based) where it starts.</summary>
    readonly record struct Cell(string Text, int Line, int Column);

    /// <summary>RFC 4180 records (quoted fields, doubled quotes, LF or CRLF); blank lines are skipped.</summary>
    static List<List<Cell>> Parse(string text)
    {
        var records = new List<List<Cell>>();
        var record = new List<Cell>();
        var field = new StringBuilder();
        int line = 1, column = 1, startLine = 1, startColumn = 1;
        bool quoted = false, fieldStarted = false;
        void EndField()
        {
            record.Add(new Cell(field.ToString(), startLine, startColumn));
            field.Clear();
            fieldStarted = false;
        }
        for (int i = 0; i < text.Length; i++)
        {
            char ch = text[i];
            if (!fieldStarted) { startLine = line; startColumn = column; fieldStarted = true; }
            if (quoted)
            {
                if (ch == '"' && i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; column += 2; continue; }
                if (ch == '"') { quoted = false; column++; continue; }
                field.Append(ch);
                if (ch == '\n') { line++; column = 1; } else column++;
                continue;
            }
            switch (ch)
            {
                case '"' when field.Length == 0: quoted = true; column++; break;
                case ',': EndField(); column++; break;
                case '\r': column++; break;
                case '\n':
                    EndField();
                    if (!(record.Count == 1 && record[0].Text.Length == 0)) records.Add(record);
                    record = [];
                    line++; column = 1;
                    break;
                default: field.Append(ch); column++; break;
            }
        }
        if (fieldStarted || record.Count > 0)
        {
            EndField();
            if (!(record.Count == 1 && record[0].Text.Length == 0)) records.Add(record);
        }
        return records;
    }

    static string Quote(string s) => s.IndexOfAny([',', '"', '\n', '\r']) < 0 ? s : "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
