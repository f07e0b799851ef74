using System.Buffers;
using MlBuild.Core.Data.Schema;
using MlBuild.Core.Data.Validation;

namespace MlBuild.Core.Data.Parquet;

/// <summary>
/// Column vectors for Parquet row groups with pooled arrays: a row group's vectors are large (up to a million rows
/// each) and live only until the batch is merged, so they are rented instead of allocated, which spares the GC and the
/// page faults of fresh memory. Numeric vectors get no string slices (Parquet numbers have no text).
/// </summary>
internal static class VectorArrays
{
    public static ColumnVector Rent(ColumnType type, int rows, bool text)
    {
        var v = new ColumnVector(type) { Count = rows };
        int n = Math.Max(rows, 1);
        v.States = ArrayPool<CellState>.Shared.Rent(n);
        if (v.UsesLongs) v.Longs = ArrayPool<long>.Shared.Rent(n);
        if (type == ColumnType.Float) v.Doubles = ArrayPool<double>.Shared.Rent(n);
        if (text || v.UsesBytes)
        {
            v.Starts = ArrayPool<int>.Shared.Rent(n);
            v.Lengths = ArrayPool<int>.Shared.Rent(n);
        }
        return v;
    }

    /// <summary>Room for one cell's text in a numeric vector (only when a value is reported).</summary>
    public static void EnsureText(ColumnVector v)
    {
        // Rented like the others: an allocated array whose length happened to be a power of two (a row group of 4
        // rows) was handed to the pool on return, which refuses arrays it did not make (an internal error).
        if (v.Starts.Length < v.Count)
        {
            v.Starts = ArrayPool<int>.Shared.Rent(v.Count);
            v.Lengths = ArrayPool<int>.Shared.Rent(v.Count);
        }
    }

    public static void Return(ColumnVector v)
    {
        Give(ref v.States);
        Give(ref v.Longs);
        Give(ref v.Doubles);
        Give(ref v.Starts);
        Give(ref v.Lengths);
        v.Bytes = [];
    }

    static void Give<T>(ref T[] array)
    {
        if (array.Length > 0) ArrayPool<T>.Shared.Return(array);
        array = [];
    }
}
