using MlBuild.Core.Data.Schema;

namespace MlBuild.Core.Data.Validation;

/// <summary>Per-row state of a cell after decoding.</summary>
public enum CellState : byte
{
    /// <summary>A value of the column's type.</summary>
    Value = 0,
    /// <summary>Empty or a missing-value token.</summary>
    Null = 1,
    /// <summary>Could not be read as the column's type (already reported as a type error).</summary>
    Invalid = 2,
    /// <summary>Not part of the data (a malformed record, already reported).</summary>
    Skipped = 3,
}

/// <summary>
/// One column of a <see cref="RowBatch"/>, decoded into typed storage. Integers, booleans (0/1), dates (day numbers)
/// and datetimes (ticks) live in <see cref="Longs"/>; floats in <see cref="Doubles"/>; strings as UTF-8 slices of
/// <see cref="Bytes"/>. Readers fill it; the checker reads it. Capacity grows and is reused across batches.
/// </summary>
public sealed class ColumnVector
{
    /// <summary>The declared type.</summary>
    public ColumnType Type { get; }
    /// <summary>Per-row state.</summary>
    public CellState[] States = [];
    /// <summary>Values of integer, boolean, date and datetime columns.</summary>
    public long[] Longs = [];
    /// <summary>Values of float columns.</summary>
    public double[] Doubles = [];
    /// <summary>Start of each string value in <see cref="Bytes"/>; for CSV also the field's offset in the chunk for every type.</summary>
    public int[] Starts = [];
    /// <summary>Length of each string value.</summary>
    public int[] Lengths = [];
    /// <summary>Backing bytes of string values (the CSV chunk, or a decoded Parquet buffer).</summary>
    public byte[] Bytes = [];
    /// <summary>Whether <see cref="Starts"/>/<see cref="Lengths"/> hold each cell's text as written (CSV), whatever the type.</summary>
    public bool HasRawText;
    /// <summary>Number of rows.</summary>
    public int Count;

    /// <summary>Creates an empty vector of the given type.</summary>
    public ColumnVector(ColumnType type) => Type = type;

    /// <summary>Whether values live in <see cref="Longs"/>.</summary>
    public bool UsesLongs => Type is ColumnType.Integer or ColumnType.Boolean or ColumnType.Date or ColumnType.DateTime;
    /// <summary>Whether values are strings.</summary>
    public bool UsesBytes => Type is ColumnType.String or ColumnType.Category;

    /// <summary>Makes room for <paramref name="rows"/> rows and sets <see cref="Count"/>.</summary>
    public void Reset(int rows)
    {
        Count = rows;
        if (States.Length < rows) States = new CellState[Grow(rows)];
        if (Starts.Length < rows) { Starts = new int[Grow(rows)]; Lengths = new int[Starts.Length]; }
        if (UsesLongs && Longs.Length < rows) Longs = new long[Grow(rows)];
        if (Type == ColumnType.Float && Doubles.Length < rows) Doubles = new double[Grow(rows)];
    }

    static int Grow(int rows) => Math.Max(rows, 1024) + rows / 4;

    /// <summary>The UTF-8 bytes of row <paramref name="row"/> (strings, or the raw CSV field text).</summary>
    public ReadOnlySpan<byte> Utf8(int row) => Bytes.AsSpan(Starts[row], Lengths[row]);

    /// <summary>The value of a numeric, date or datetime row as a double, for comparisons with bounds.</summary>
    public double AsDouble(int row) => Type == ColumnType.Float ? Doubles[row] : Longs[row];
}

/// <summary>Where rows of a batch come from; filled by the reader, used to place every failure.</summary>
public interface IRowLocator
{
    /// <summary>Location of a cell: row index within the batch, schema column index and the data column's 1-based position.</summary>
    DataLocation Locate(int row, int dataColumn);
}

/// <summary>
/// Where a value is. CSV: physical line where the record starts (header = line 1), 1-based column (field position),
/// byte offset of the field and 1-based record number (header excluded). Parquet: row group and row within the file.
/// </summary>
public readonly record struct DataLocation(string File, long Line, int Column, long ByteOffset, long Record, int RowGroup = -1, long Row = -1);

/// <summary>A batch of rows decoded into one <see cref="ColumnVector"/> per schema column (null where the data lacks it).</summary>
public sealed class RowBatch
{
    /// <summary>Vectors indexed like the schema's columns; null for a column the data does not have.</summary>
    public required ColumnVector?[] Columns { get; init; }
    /// <summary>For each schema column, its 1-based position in the data, or 0.</summary>
    public required int[] DataColumnPositions { get; init; }
    /// <summary>Rows in this batch.</summary>
    public int RowCount;
    /// <summary>Locates rows for diagnostics.</summary>
    public IRowLocator Locator = null!;
    /// <summary>What <see cref="ValidationOptions.ColumnObserver"/> returned for each column (null without one).</summary>
    public object?[]? ColumnStates;
}
