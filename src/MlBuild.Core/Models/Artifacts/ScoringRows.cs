using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlBuild.Core.Models.Artifacts;

/// <summary>
/// Input rows held in memory with a model's input schema (single, boolean and text columns), served as an
/// <see cref="IDataView"/> for batch scoring and as one settable <see cref="DataViewRow"/> for single-row scoring.
/// The artifact measurements score these rows: the test rows of a training run, or the rows of a golden file.
/// </summary>
public sealed class ScoringRows
{
    readonly string[] _names;
    readonly DataViewType[] _types;
    readonly object[] _values; // float[], bool[] or string[] per column

    /// <summary>Rows from arrays: per column its name and its values (<see cref="float"/>, <see cref="bool"/> or <see cref="string"/>).</summary>
    public ScoringRows(IReadOnlyList<(string Name, Array Values)> columns)
    {
        _names = columns.Select(c => c.Name).ToArray();
        _values = columns.Select(c => (object)c.Values).ToArray();
        _types = columns.Select(c => c.Values switch
        {
            float[] => (DataViewType)NumberDataViewType.Single,
            bool[] => BooleanDataViewType.Instance,
            string[] => TextDataViewType.Instance,
            _ => throw new ArgumentException($"Column '{c.Name}' holds {c.Values.GetType().Name}; expected float[], bool[] or string[]."),
        }).ToArray();
        Count = columns.Count == 0 ? 0 : columns[0].Values.Length;
        var builder = new DataViewSchema.Builder();
        for (int i = 0; i < _names.Length; i++) builder.AddColumn(_names[i], _types[i]);
        Schema = builder.ToSchema();
    }

    /// <summary>Row count.</summary>
    public int Count { get; }

    /// <summary>The columns as ML.NET sees them.</summary>
    public DataViewSchema Schema { get; }

    /// <summary>Reads every single, boolean and text column of <paramref name="view"/> into memory (other columns are left out).</summary>
    public static ScoringRows From(IDataView view)
    {
        var columns = view.Schema.Where(c => c.Type is NumberDataViewType { RawType: var t } && t == typeof(float)
                                              || c.Type is BooleanDataViewType or TextDataViewType).ToList();
        var lists = columns.Select(c => c.Type switch
        {
            BooleanDataViewType => (System.Collections.IList)new List<bool>(),
            TextDataViewType => new List<string>(),
            _ => new List<float>(),
        }).ToList();
        using (var cursor = view.GetRowCursor(columns))
        {
            var readers = columns.Select<DataViewSchema.Column, Action<System.Collections.IList>>(c => c.Type switch
            {
                BooleanDataViewType => Reader<bool, bool>(cursor, c, v => v),
                TextDataViewType => Reader<ReadOnlyMemory<char>, string>(cursor, c, v => v.ToString()),
                _ => Reader<float, float>(cursor, c, v => v),
            }).ToList();
            while (cursor.MoveNext())
                for (int i = 0; i < readers.Count; i++) readers[i](lists[i]);
        }
        return new ScoringRows(columns.Select((c, i) => (c.Name, lists[i] switch
        {
            List<bool> b => (Array)b.ToArray(),
            List<string> s => s.ToArray(),
            List<float> f => f.ToArray(),
            _ => throw new InvalidOperationException(),
        })).ToList());
    }

    static Action<System.Collections.IList> Reader<TRaw, TOut>(DataViewRowCursor cursor, DataViewSchema.Column column, Func<TRaw, TOut> convert)
    {
        var getter = cursor.GetGetter<TRaw>(column);
        return list =>
        {
            TRaw value = default!;
            getter(ref value);
            ((List<TOut>)list).Add(convert(value));
        };
    }

    /// <summary>The values of a column (<see cref="float"/>[], <see cref="bool"/>[] or <see cref="string"/>[]), or null when absent.</summary>
    public Array? Column(string name)
    {
        int i = Array.IndexOf(_names, name);
        return i < 0 ? null : (Array)_values[i];
    }

    /// <summary>The rows <paramref name="rows"/> (indices, in that order) as a data view; every row when null.</summary>
    public IDataView View(int[]? rows = null) => new RowsView(this, rows ?? Enumerable.Range(0, Count).ToArray());

    /// <summary>One row whose index <see cref="SettableRow.Index"/> is set between predictions (single-row scoring).</summary>
    public SettableRow Row() => new(this);

    Delegate Getter(int column, Func<int> row) => _values[column] switch
    {
        float[] f => (ValueGetter<float>)((ref float v) => v = f[row()]),
        bool[] b => (ValueGetter<bool>)((ref bool v) => v = b[row()]),
        string[] s => (ValueGetter<ReadOnlyMemory<char>>)((ref ReadOnlyMemory<char> v) => v = (s[row()] ?? "").AsMemory()),
        _ => throw new InvalidOperationException(),
    };

    static ValueGetter<T> Typed<T>(Delegate getter, DataViewSchema.Column column) => getter as ValueGetter<T>
        ?? throw new InvalidOperationException($"Column '{column.Name}' is {column.Type}, not {typeof(T).Name}.");

    /// <summary>A row of <see cref="ScoringRows"/> that moves to any index; each move is a new position, so ML.NET's
    /// per-position caches never serve a previous row's value.</summary>
    public sealed class SettableRow : DataViewRow
    {
        readonly ScoringRows _rows;
        long _position = -1;
        int _index;

        internal SettableRow(ScoringRows rows) => _rows = rows;

        /// <summary>The row served; setting it moves to a new position.</summary>
        public int Index
        {
            get => _index;
            set { _index = value; _position++; }
        }

        /// <inheritdoc/>
        public override long Position => _position;
        /// <inheritdoc/>
        public override long Batch => 0;
        /// <inheritdoc/>
        public override DataViewSchema Schema => _rows.Schema;
        /// <inheritdoc/>
        public override bool IsColumnActive(DataViewSchema.Column column) => true;
        /// <inheritdoc/>
        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => Typed<TValue>(_rows.Getter(column.Index, () => _index), column);
        /// <inheritdoc/>
        public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId id) => id = new DataViewRowId((ulong)_position, 0);
    }

    sealed class RowsView(ScoringRows rows, int[] order) : IDataView
    {
        public bool CanShuffle => false;
        public DataViewSchema Schema => rows.Schema;
        public long? GetRowCount() => order.Length;
        public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) => new Cursor(rows, order);
        public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) => [new Cursor(rows, order)];
    }

    sealed class Cursor(ScoringRows rows, int[] order) : DataViewRowCursor
    {
        long _position = -1;
        public override long Position => _position;
        public override long Batch => 0;
        public override DataViewSchema Schema => rows.Schema;
        public override bool IsColumnActive(DataViewSchema.Column column) => true;
        public override bool MoveNext()
        {
            if (_position + 1 >= order.Length) { _position = order.Length; return false; }
            _position++;
            return true;
        }
        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => Typed<TValue>(rows.Getter(column.Index, () => order[(int)_position]), column);
        public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId id) => id = new DataViewRowId((ulong)_position, 0);
    }
}
