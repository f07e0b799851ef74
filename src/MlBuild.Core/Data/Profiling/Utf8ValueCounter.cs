using System.Text;

namespace MlBuild.Core.Data.Profiling;

/// <summary>
/// Counts the UTF-8 values of a text column on one reading thread without making a string per cell: exactly while it
/// holds at most <see cref="Limit"/> distinct values, past it only their HyperLogLog (the hashes
/// <see cref="CategoryCounts"/> uses). Poured into a <see cref="CategoryCounts"/> at the end, in any order: counts add.
/// </summary>
internal sealed class Utf8ValueCounter(int limit)
{
    struct Entry
    {
        public ulong Hash;
        public int Offset, Length;
        public long Count;
    }

    int[] _slots = NewSlots(64);
    Entry[] _entries = new Entry[32];
    byte[] _arena = new byte[1024];
    int _arenaUsed;
    HyperLogLog? _distinct;

    /// <summary>Most distinct values counted exactly.</summary>
    public int Limit { get; } = limit;
    /// <summary>Distinct values held (while exact).</summary>
    public int Count { get; private set; }

    static int[] NewSlots(int n) { var a = new int[n]; Array.Fill(a, -1); return a; }

    /// <summary>Counts <c>buffer[start..start+length]</c>.</summary>
    public void Add(byte[] buffer, int start, int length)
    {
        ulong hash = StableHash.Bytes(buffer, start, length);
        if (_distinct is not null) { _distinct.Add(hash); return; }
        int mask = _slots.Length - 1;
        int i = (int)(hash & (ulong)mask);
        var value = buffer.AsSpan(start, length);
        while (true)
        {
            int e = _slots[i];
            if (e < 0) break;
            ref var entry = ref _entries[e];
            if (entry.Hash == hash && entry.Length == length && value.SequenceEqual(_arena.AsSpan(entry.Offset, length)))
            {
                entry.Count++;
                return;
            }
            i = (i + 1) & mask;
        }
        if (Count == Limit) { ToSketch(); _distinct!.Add(hash); return; }
        if (_arenaUsed + length > _arena.Length) Array.Resize(ref _arena, Math.Max(_arena.Length * 2, _arenaUsed + length));
        value.CopyTo(_arena.AsSpan(_arenaUsed));
        if (Count == _entries.Length) Array.Resize(ref _entries, Count * 2);
        _entries[Count] = new Entry { Hash = hash, Offset = _arenaUsed, Length = length, Count = 1 };
        _slots[i] = Count++;
        _arenaUsed += length;
        if (Count * 2 > _slots.Length) Rehash();
    }

    void Rehash()
    {
        _slots = NewSlots(_slots.Length * 2);
        int mask = _slots.Length - 1;
        for (int e = 0; e < Count; e++)
        {
            int i = (int)(_entries[e].Hash & (ulong)mask);
            while (_slots[i] >= 0) i = (i + 1) & mask;
            _slots[i] = e;
        }
    }

    void ToSketch()
    {
        _distinct = new HyperLogLog();
        for (int e = 0; e < Count; e++) _distinct.Add(_entries[e].Hash);
        _entries = []; _slots = []; _arena = []; Count = 0;
    }

    /// <summary>Adds what this thread counted to <paramref name="into"/>.</summary>
    public void PourInto(CategoryCounts into)
    {
        if (_distinct is not null) { into.MergeDistinct(_distinct); return; }
        for (int e = 0; e < Count; e++)
        {
            ref var entry = ref _entries[e];
            into.Add(Encoding.UTF8.GetString(_arena, entry.Offset, entry.Length), entry.Count);
        }
    }
}
