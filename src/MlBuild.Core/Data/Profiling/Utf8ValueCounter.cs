using MlBuild.Core.Data.Checks;
using MlBuild.Core.Data.Validation;

namespace MlBuild.Core.Data.Profiling;

/// <summary>
/// Counts the UTF-8 values of a text column on one reading thread without making a string per cell: exactly while it
/// holds at most <c>limit</c> distinct values, past it only their HyperLogLog (the hashes
/// <see cref="CategoryCounts"/> uses). The exact counts live in the validator's <see cref="Utf8CountTable"/>, whose
/// loop counts a short value already seen (the usual category cell) without a call or a full hash. Poured into a
/// <see cref="CategoryCounts"/> at the end, in any order: counts add.
/// </summary>
internal sealed class Utf8ValueCounter(int limit)
{
    readonly Utf8CountTable _table = new(limit);
    HyperLogLog? _distinct;

    /// <summary>Counts the cells of a batch's text column that hold a value (<see cref="CellState.Value"/>).</summary>
    public void AddAll(ReadOnlySpan<CellState> states, ReadOnlySpan<int> starts, ReadOnlySpan<int> lengths, byte[] buffer)
    {
        long counted = 0;
        for (int i = 0; i < states.Length; i++)
        {
            if (_distinct is null)
            {
                i = _table.CountKnown(states, starts, lengths, buffer, i, ref counted);
                if (i >= states.Length) break;
            }
            else if (states[i] != CellState.Value) continue;
            Add(buffer, starts[i], lengths[i]);
        }
    }

    /// <summary>Counts <c>buffer[start..start+length]</c>.</summary>
    public void Add(byte[] buffer, int start, int length)
    {
        if (_distinct is not null) { _distinct.Add(StableHash.Bytes(buffer, start, length)); return; }
        int e = _table.Find(buffer, start, length);
        if (e >= 0) { _table.CountOne(e); return; }
        if (_table.TryAdd(buffer.AsSpan(start, length), ValueFailures.None)) return;
        _distinct = new HyperLogLog();
        _table.AddHashesTo(_distinct);
        _table.Reset();
        _distinct.Add(StableHash.Bytes(buffer, start, length));
    }

    /// <summary>Adds what this thread counted to <paramref name="into"/>.</summary>
    public void PourInto(CategoryCounts into)
    {
        if (_distinct is not null) { into.MergeDistinct(_distinct); return; }
        _table.ForEachValue(into.Add);
    }
}
