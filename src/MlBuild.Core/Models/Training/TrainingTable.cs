using MlBuild.Core.Diagnostics;
using System.Buffers.Text;
using System.Globalization;
using System.IO.Hashing;
using System.Text;
using MlBuild.Core.Data.Schema;
using MlBuild.Core.Data.Validation;

namespace MlBuild.Core.Models.Training;

/// <summary>
/// One column of a <see cref="TrainingTable"/>, decoded once by MlBuild's readers. Numbers, booleans (0/1), dates (day
/// numbers) and datetimes (ticks) are doubles, NaN where missing; strings and categories are interned strings, null
/// where missing.
/// </summary>
public sealed class TableColumn
{
    internal TableColumn(ColumnSchema schema) => Schema = schema;

    /// <summary>The column's schema.</summary>
    public ColumnSchema Schema { get; }
    /// <summary>The column name.</summary>
    public string Name => Schema.Name;
    /// <summary>Whether values are numbers (not text).</summary>
    public bool IsNumeric => Schema.Type is not (ColumnType.String or ColumnType.Category);
    internal double[] Numbers = [];
    internal string?[] Texts = [];
    internal int Count;

    /// <summary>Row <paramref name="row"/> as a number (NaN when missing); only for numeric columns.</summary>
    public double Number(int row) => Numbers[row];

    /// <summary>Row <paramref name="row"/> as text, null when missing: the value itself for text, the invariant rendering for numbers.</summary>
    public string? Text(int row)
    {
        if (!IsNumeric) return Texts[row];
        double v = Numbers[row];
        if (double.IsNaN(v)) return null;
        return Schema.Type switch
        {
            ColumnType.Integer => ((long)v).ToString(CultureInfo.InvariantCulture),
            ColumnType.Boolean => v != 0 ? "true" : "false",
            ColumnType.Date => DateOnly.FromDayNumber((int)v).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ColumnType.DateTime => new DateTime((long)v).ToString("yyyy-MM-ddTHH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture),
            _ => v.ToString("R", CultureInfo.InvariantCulture),
        };
    }

    /// <summary>
    /// The value as an ML.NET feature: numbers as they are, booleans 0/1, dates in days and datetimes in seconds since
    /// 1970-01-01 (so single precision keeps them apart); NaN when missing.
    /// </summary>
    public float Feature(int row)
    {
        double v = Numbers[row];
        return Schema.Type switch
        {
            ColumnType.Date => (float)(v - UnixEpochDay),
            ColumnType.DateTime => (float)((v - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerSecond),
            _ => (float)v,
        };
    }

    static readonly int UnixEpochDay = DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber;

    internal void EnsureCapacity(int rows)
    {
        if (IsNumeric ? Numbers.Length >= rows : Texts.Length >= rows) return;
        int size = Math.Max(rows, Math.Min(Array.MaxLength, Math.Max(1024, (IsNumeric ? Numbers.Length : Texts.Length) * 2)));
        if (IsNumeric) Array.Resize(ref Numbers, size);
        else Array.Resize(ref Texts, size);
    }
}

/// <summary>
/// Training data held in memory: the columns a model needs, read once by MlBuild's own CSV and Parquet readers (the
/// same pass validates them), in data order. <see cref="TableDataView"/> shows a subset of its rows to ML.NET.
/// </summary>
public sealed class TrainingTable
{
    readonly Dictionary<string, TableColumn> _byName = new(StringComparer.Ordinal);

    /// <summary>The columns, in the order asked for.</summary>
    public IReadOnlyList<TableColumn> Columns { get; }
    /// <summary>Rows read.</summary>
    public int RowCount { get; private set; }
    /// <summary>Per row, a hash of the split key's value (or of the row number when there is no key).</summary>
    public ulong[] KeyHashes { get; private set; } = [];
    /// <summary>The validation of the data read.</summary>
    public ValidationResult Validation { get; private set; } = null!;
    /// <summary>The first rows of each column whose value is missing or invalid, with their location, per column name.</summary>
    public IReadOnlyDictionary<string, (long Count, DataLocation First)> Missing => _missing;

    readonly Dictionary<string, (long Count, DataLocation First)> _missing = new(StringComparer.Ordinal);
    readonly string? _keyColumn;

    TrainingTable(IReadOnlyList<TableColumn> columns, string? keyColumn)
    {
        Columns = columns;
        foreach (var c in columns) _byName[c.Name] = c;
        _keyColumn = keyColumn;
    }

    /// <summary>The column of that name.</summary>
    public TableColumn this[string name] => _byName[name];

    /// <summary>
    /// Validates and reads <paramref name="request"/>, keeping the schema columns named in <paramref name="columns"/>.
    /// Check the result's <see cref="Validation"/> before training: a failing check means the data must not be used.
    /// </summary>
    public static TrainingTable Load(DatasetRequest request, IReadOnlyList<string> columns, string? keyColumn, ValidationOptions? options = null)
    {
        var wanted = columns.Select(n => request.Schema.Columns.First(c => c.Name == n)).Select(s => new TableColumn(s)).ToList();
        var table = new TrainingTable(wanted, keyColumn);
        var indices = wanted.Select(c => IndexOf(request.Schema, c.Name)).ToArray();
        int keyIndex = keyColumn is null ? -1 : IndexOf(request.Schema, keyColumn);
        options ??= new ValidationOptions();
        // The validator's batch observer hands over each decoded batch in data order (one pass validates and reads).
        table.Validation = DatasetValidator.Validate(request, new ValidationOptions
        {
            MaxParallelism = options.MaxParallelism, ChunkBytes = options.ChunkBytes, MaxRecordBytes = options.MaxRecordBytes,
            MaxFailuresPerCheck = options.MaxFailuresPerCheck, MaxTrackedFailingValues = options.MaxTrackedFailingValues,
            MaxDistinctValues = options.MaxDistinctValues, Progress = options.Progress, TopValues = options.TopValues,
            BatchObserver = batch => table.Append(batch, indices, keyIndex),
        });
        return table;
    }

    static int IndexOf(DatasetSchema schema, string name)
    {
        for (int i = 0; i < schema.Columns.Count; i++)
            if (schema.Columns[i].Name == name) return i;
        throw new ArgumentException($"column '{name}' is not in the schema", nameof(name));
    }

    Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>>[]? _lookups;

    void Append(RowBatch batch, int[] indices, int keyIndex)
    {
        int rows = batch.RowCount;
        if ((long)RowCount + rows > Array.MaxLength)
            throw new Diagnostics.MlBuildException(new Diagnostics.MlDiagnostic(DiagnosticCodes.TrainingSplitEmpty, Diagnostics.MlSeverity.Error,
                $"The training data has more than {Array.MaxLength} rows; train on a sample (model.quickTrain.rows)."));
        _lookups ??= Columns.Select(_ => new Dictionary<string, string>(StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>()).ToArray();
        char[] chars = new char[256];
        for (int c = 0; c < Columns.Count; c++)
        {
            var col = Columns[c];
            col.EnsureCapacity(RowCount + rows);
            var v = batch.Columns[indices[c]];
            for (int r = 0; r < rows; r++)
            {
                bool present = v is not null && v.States[r] == CellState.Value;
                if (!present) NoteMissing(col.Name, batch, r, indices[c]);
                if (col.IsNumeric)
                    col.Numbers[RowCount + r] = !present ? double.NaN : v!.Type == ColumnType.Float ? v.Doubles[r] : v.Longs[r];
                else if (!present) col.Texts[RowCount + r] = null;
                else
                {
                    var utf8 = v!.Utf8(r);
                    if (chars.Length < utf8.Length) chars = new char[utf8.Length];
                    int n = Encoding.UTF8.GetChars(utf8, chars);
                    var lookup = _lookups[c];
                    var span = chars.AsSpan(0, n);
                    if (!lookup.TryGetValue(span, out var s)) { s = new string(span); lookup[span] = s; }
                    col.Texts[RowCount + r] = s;
                }
            }
            col.Count = RowCount + rows;
        }
        if (KeyHashes.Length < RowCount + rows) KeyHashes = ResizeKeys(KeyHashes, RowCount + rows);
        var keyVector = keyIndex < 0 ? null : batch.Columns[keyIndex];
        Span<byte> text = stackalloc byte[32];
        for (int r = 0; r < rows; r++)
        {
            long rowNumber = RowCount + r + 1;
            ulong h;
            if (_keyColumn is null) h = RowSplitter.Mix((ulong)rowNumber);
            else if (keyVector is null || keyVector.States[r] != CellState.Value) h = XxHash64.HashToUInt64([]);
            else if (keyVector.UsesBytes) h = XxHash64.HashToUInt64(keyVector.Utf8(r));
            else
            {
                // Hash the value's canonical text, so "007" in a CSV and 7 in a Parquet file fall on the same side.
                int written;
                bool ok = keyVector.Type == ColumnType.Float
                    ? Utf8Formatter.TryFormat(keyVector.Doubles[r], text, out written)
                    : Utf8Formatter.TryFormat(keyVector.Longs[r], text, out written);
                h = XxHash64.HashToUInt64(ok ? text[..written] : []);
            }
            KeyHashes[RowCount + r] = h;
        }
        RowCount += rows;
    }

    static ulong[] ResizeKeys(ulong[] keys, int rows)
    {
        int size = Math.Max(rows, Math.Min(Array.MaxLength, Math.Max(1024, keys.Length * 2)));
        Array.Resize(ref keys, size);
        return keys;
    }

    void NoteMissing(string column, RowBatch batch, int row, int schemaIndex)
    {
        if (_missing.TryGetValue(column, out var m)) { _missing[column] = (m.Count + 1, m.First); return; }
        var location = batch.Locator.Locate(row, batch.DataColumnPositions[schemaIndex]);
        _missing[column] = (1, location with { Record = RowCount + row + 1 });
    }
}
