using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MlBuild.Core.Data.Profiling;

namespace MlBuild.Core.Data.Parquet;

/// <summary>
/// Maps the byte-array values of one column chunk to distinct entries (numbered in order of first occurrence) without
/// hashing every cell: Parquet.Net expands a dictionary-encoded column into values that share the dictionary entry's
/// array, so a cell is first looked up by array identity, and only a new array is hashed by content. Plain-encoded
/// values each have their own array and fall through to the content table.
/// </summary>
internal sealed class Utf8EntryTable
{
    // identity table: array reference -> entry
    object?[] _idKeys = new object?[64];
    int[] _idValues = new int[64];
    int _idCount;

    // content table: bytes -> entry
    int[] _slots = NewSlots(64);
    byte[] _arena = new byte[4096];
    int _arenaUsed;
    public int[] Offsets = new int[16];
    public int[] Lengths = new int[16];
    public ulong[] Hashes = new ulong[16];
    /// <summary>Cells holding each entry in this chunk.</summary>
    public long[] Counts = new long[16];
    public int Count { get; private set; }
    public byte[] Arena => _arena;
    public int ArenaUsed => _arenaUsed;

    static int[] NewSlots(int n) { var a = new int[n]; Array.Fill(a, -1); return a; }

    public void Clear()
    {
        if (_idCount > 0) { Array.Clear(_idKeys); _idCount = 0; }
        if (_idKeys.Length > 1 << 16) { _idKeys = new object?[64]; _idValues = new int[64]; }
        if (Count > 0) Array.Fill(_slots, -1);
        if (_slots.Length > 1 << 16) _slots = NewSlots(64);
        Count = 0;
        _arenaUsed = 0;
    }

    /// <summary>
    /// Sizes an empty table for about <paramref name="entries"/> entries of <paramref name="bytes"/> bytes in all (a
    /// dictionary page's), so a large dictionary does not grow the table by doubling and rehashing.
    /// </summary>
    public void Reserve(int entries, int bytes)
    {
        if (Count != 0) return;
        if (Hashes.Length < entries)
        {
            Offsets = new int[entries]; Lengths = new int[entries]; Hashes = new ulong[entries]; Counts = new long[entries];
        }
        int slots = (int)Math.Min(System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(entries, 32) * 2u), 1u << 30);
        if (_slots.Length < slots) _slots = NewSlots(slots);
        if (_arena.Length < bytes) _arena = new byte[bytes];
    }

    /// <summary>The entry of a value, added when new.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Intern(ReadOnlyMemory<byte> value, bool byIdentity)
    {
        if (byIdentity && MemoryMarshal.TryGetArray(value, out var seg) && seg.Array is { Length: > 0 } array && seg.Offset == 0 && seg.Count == array.Length)
        {
            int mask = _idKeys.Length - 1;
            int i = RuntimeHelpers.GetHashCode(array) & mask;
            while (true)
            {
                var k = _idKeys[i];
                if (k is null) break;
                if (ReferenceEquals(k, array)) return _idValues[i];
                i = (i + 1) & mask;
            }
            int e = InternContent(value.Span);
            if ((_idCount + 1) * 2 > _idKeys.Length) { GrowIdentity(); i = FindFreeIdentity(array); }
            _idKeys[i] = array;
            _idValues[i] = e;
            _idCount++;
            return e;
        }
        return InternContent(value.Span);
    }

    int FindFreeIdentity(object array)
    {
        int mask = _idKeys.Length - 1;
        int i = RuntimeHelpers.GetHashCode(array) & mask;
        while (_idKeys[i] is not null) i = (i + 1) & mask;
        return i;
    }

    void GrowIdentity()
    {
        var keys = _idKeys;
        var values = _idValues;
        _idKeys = new object?[keys.Length * 2];
        _idValues = new int[keys.Length * 2];
        for (int j = 0; j < keys.Length; j++)
        {
            if (keys[j] is not { } k) continue;
            int i = FindFreeIdentity(k);
            _idKeys[i] = k;
            _idValues[i] = values[j];
        }
    }

    public int InternContent(ReadOnlySpan<byte> value)
    {
        ulong hash = StableHash.Bytes(value);
        int mask = _slots.Length - 1;
        int i = (int)(hash & (ulong)mask);
        while (true)
        {
            int e = _slots[i];
            if (e < 0) break;
            if (Hashes[e] == hash && value.SequenceEqual(_arena.AsSpan(Offsets[e], Lengths[e]))) return e;
            i = (i + 1) & mask;
        }
        if (Count == Hashes.Length)
        {
            int n = Count * 2;
            Array.Resize(ref Offsets, n); Array.Resize(ref Lengths, n); Array.Resize(ref Hashes, n); Array.Resize(ref Counts, n);
        }
        if (_arenaUsed + value.Length > _arena.Length)
            Array.Resize(ref _arena, Math.Max(_arena.Length * 2, _arenaUsed + value.Length));
        value.CopyTo(_arena.AsSpan(_arenaUsed));
        int entry = Count++;
        Offsets[entry] = _arenaUsed; Lengths[entry] = value.Length; Hashes[entry] = hash; Counts[entry] = 0;
        _arenaUsed += value.Length;
        _slots[i] = entry;
        if (Count * 2 > _slots.Length) Rehash(_slots.Length * 2);
        return entry;
    }

    void Rehash(int size)
    {
        _slots = NewSlots(size);
        int mask = size - 1;
        for (int e = 0; e < Count; e++)
        {
            int i = (int)(Hashes[e] & (ulong)mask);
            while (_slots[i] >= 0) i = (i + 1) & mask;
            _slots[i] = e;
        }
    }

    public ReadOnlySpan<byte> Bytes(int entry) => _arena.AsSpan(Offsets[entry], Lengths[entry]);
}
