using System.Buffers.Binary;
using System.IO.Hashing;
using MlBuild.Core.Data.Schema;
using MlBuild.Core.Data.Validation;

namespace MlBuild.Core.Data.Relations;

/// <summary>
/// Hashes a set of a row's cells, as decoded by MlBuild's readers, into 128 bits (XxHash128). Values are normalised so
/// that equal values hash alike whatever their spelling or file format: numbers by value (integer <c>1</c>, float
/// <c>1.0</c> and <c>1.00</c> are one value; <c>-0</c> is <c>0</c>; every NaN is one value), booleans, dates and
/// datetimes by their decoded value (day number, ticks), text by its UTF-8 bytes, missing cells (empty, a null token, a
/// column the file lacks) as one "missing" value, and cells that do not parse as the column's type by their text.
/// Each cell is written as a type tag plus a fixed-size value or a length-prefixed text, so cell boundaries cannot shift.
/// </summary>
internal sealed class RowHasher
{
    const byte Missing = 0, Unparsed = 1, Whole = 2, NaN = 3, Real = 4, Bool = 5, Date = 6, DateTime = 7, Text = 8;

    byte[] _buffer = new byte[256];
    int _length;

    /// <summary>Hash of the cells of <paramref name="columns"/> (indices into the batch's schema columns; -1: absent) of row <paramref name="row"/>.</summary>
    public UInt128 Hash(RowBatch batch, int[] columns, int row)
    {
        _length = 0;
        foreach (int c in columns) Append(c < 0 ? null : batch.Columns[c], row);
        return XxHash128.HashToUInt128(_buffer.AsSpan(0, _length));
    }

    /// <summary>Whether any of the cells is missing (empty, a null token, invalid or absent).</summary>
    public static bool AnyMissing(RowBatch batch, int[] columns, int row)
    {
        foreach (int c in columns)
            if (c < 0 || batch.Columns[c] is not { } v || v.States[row] != CellState.Value) return true;
        return false;
    }

    void Append(ColumnVector? v, int row)
    {
        if (v is null || v.States[row] is CellState.Null or CellState.Skipped) { Tag(Missing); return; }
        if (v.States[row] == CellState.Invalid)
        {
            Bytes(Unparsed, v.HasRawText ? v.Utf8(row) : []);
            return;
        }
        switch (v.Type)
        {
            case ColumnType.Integer: Long(Whole, v.Longs[row]); break;
            case ColumnType.Float: Number(v.Doubles[row]); break;
            case ColumnType.Boolean: Long(Bool, v.Longs[row]); break;
            case ColumnType.Date: Long(Date, v.Longs[row]); break;
            case ColumnType.DateTime: Long(DateTime, v.Longs[row]); break;
            default: Bytes(Text, v.Utf8(row)); break;
        }
    }

    // A float that holds a whole number hashes like the integer, so an integer column in one file and a float column in
    // another (or "1" and "1.0") compare equal; -0.0 == 0.0 takes this path too.
    void Number(double d)
    {
        if (double.IsNaN(d)) { Tag(NaN); return; }
        if (d == Math.Floor(d) && d >= -9.2233720368547758E18 && d < 9.2233720368547758E18) { Long(Whole, (long)d); return; }
        Long(Real, BitConverter.DoubleToInt64Bits(d));
    }

    void Tag(byte tag)
    {
        Ensure(1);
        _buffer[_length++] = tag;
    }

    void Long(byte tag, long value)
    {
        Ensure(9);
        _buffer[_length] = tag;
        BinaryPrimitives.WriteInt64LittleEndian(_buffer.AsSpan(_length + 1), value);
        _length += 9;
    }

    void Bytes(byte tag, ReadOnlySpan<byte> bytes)
    {
        Ensure(5 + bytes.Length);
        _buffer[_length] = tag;
        BinaryPrimitives.WriteInt32LittleEndian(_buffer.AsSpan(_length + 1), bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(_length + 5));
        _length += 5 + bytes.Length;
    }

    void Ensure(int more)
    {
        if (_length + more <= _buffer.Length) return;
        Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + more));
    }
}
