using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlBuild.Core.Models.Training;

/// <summary>How a table column appears to ML.NET.</summary>
public enum ViewColumnKind
{
    /// <summary>A <see cref="float"/> (numbers, booleans as 0/1, dates as days).</summary>
    Single,
    /// <summary>Text (<see cref="ReadOnlyMemory{T}"/> of char); missing values are empty.</summary>
    Text,
    /// <summary>A <see cref="bool"/> (the binary label).</summary>
    Boolean,
}

/// <summary>One column of a <see cref="TableDataView"/>.</summary>
/// <param name="Name">The column name ML.NET sees.</param>
/// <param name="Kind">Its ML.NET type.</param>
/// <param name="Source">The table column its values come from.</param>
/// <param name="IsTrue">For <see cref="ViewColumnKind.Boolean"/>: which source values mean true.</param>
public sealed record ViewColumn(string Name, ViewColumnKind Kind, TableColumn Source, Func<TableColumn, int, bool>? IsTrue = null);

/// <summary>
/// An <see cref="IDataView"/> over rows of a <see cref="TrainingTable"/> (ML.NET's own array-backed view is internal).
/// Rows are served in the given order, or shuffled by the generator ML.NET passes (seeded from its context).
/// </summary>
public sealed class TableDataView : IDataView
{
    readonly ViewColumn[] _columns;
    readonly int[] _rows;

    /// <summary>A view of <paramref name="rows"/> (indices into the table) with <paramref name="columns"/>.</summary>
    public TableDataView(IReadOnlyList<ViewColumn> columns, int[] rows)
    {
        _columns = [.. columns];
        _rows = rows;
        var builder = new DataViewSchema.Builder();
        foreach (var c in _columns)
            builder.AddColumn(c.Name, c.Kind switch
            {
                ViewColumnKind.Single => NumberDataViewType.Single,
                ViewColumnKind.Boolean => BooleanDataViewType.Instance,
                _ => TextDataViewType.Instance,
            });
        Schema = builder.ToSchema();
    }

    /// <summary>The table column behind view column <paramref name="column"/>.</summary>
    public TableColumn Source(int column) => _columns[column].Source;

    /// <summary>For a boolean view column: which source values mean true.</summary>
    internal Func<TableColumn, int, bool> IsTrue(int column) =>
        _columns[column].IsTrue ?? throw new InvalidOperationException($"Column '{_columns[column].Name}' is not boolean.");

    /// <summary>The rows shown, as indices into the table.</summary>
    public IReadOnlyList<int> Rows => _rows;

    /// <inheritdoc/>
    public bool CanShuffle => true;

    /// <inheritdoc/>
    public DataViewSchema Schema { get; }

    /// <inheritdoc/>
    public long? GetRowCount() => _rows.Length;

    /// <inheritdoc/>
    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var active = new bool[_columns.Length];
        foreach (var c in columnsNeeded) active[c.Index] = true;
        int[] order = _rows;
        if (rand is not null)
        {
            order = (int[])_rows.Clone();
            for (int i = order.Length - 1; i > 0; i--)
            {
                int j = rand.Next(i + 1);
                (order[i], order[j]) = (order[j], order[i]);
            }
        }
        return new Cursor(this, active, order);
    }

    /// <inheritdoc/>
    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    sealed class Cursor(TableDataView view, bool[] active, int[] order) : DataViewRowCursor
    {
        long _position = -1;
        int Row => order[(int)_position];

        public override DataViewSchema Schema => view.Schema;
        public override long Position => _position;
        public override long Batch => 0;

        public override bool IsColumnActive(DataViewSchema.Column column) => active[column.Index];

        public override bool MoveNext()
        {
            if (_position + 1 >= order.Length) { _position = order.Length; return false; }
            _position++;
            return true;
        }

        public override ValueGetter<DataViewRowId> GetIdGetter() =>
            (ref DataViewRowId id) => id = new DataViewRowId((ulong)Row, 0);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (!active[column.Index])
                throw new InvalidOperationException($"Column '{column.Name}' was not requested from the cursor.");
            var c = view._columns[column.Index];
            Delegate getter = c.Kind switch
            {
                ViewColumnKind.Single => (ValueGetter<float>)((ref float v) => v = c.Source.Feature(Row)),
                ViewColumnKind.Boolean => (ValueGetter<bool>)((ref bool v) => v = c.IsTrue!(c.Source, Row)),
                _ => (ValueGetter<ReadOnlyMemory<char>>)((ref ReadOnlyMemory<char> v) => v = (c.Source.Text(Row) ?? "").AsMemory()),
            };
            return getter as ValueGetter<TValue>
                ?? throw new InvalidOperationException($"Column '{column.Name}' is {column.Type}, not {typeof(TValue).Name}.");
        }
    }
}
