using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace MlBuild.Core.Data.Validation;

/// <summary>
/// Counts distinct UTF-8 values of a batch without making a string per cell, and remembers per value which checks it
/// fails, so allowed-set, pattern and length checks run once per distinct value.
/// </summary>
internal sealed class Utf8CountTable(int capacity)
{
    [Flags]
    public enum Flags : byte { None = 0, NotAllowed = 1, PatternMismatch = 2, BadLength = 4 }

    int[] _slots = NewSlots(64);
    ulong[] _hashes = new ulong[16];
    int[] _offsets = new int[16];
    int[] _lengths = new int[16];
    ulong[] _heads = new ulong[32];
    byte[] _arena = new byte[1024];
    int _arenaUsed;
    public long[] Counts = new long[16];
    public Flags[] EntryFlags = new Flags[16];
    public int Count { get; private set; }
    /// <summary>The hash of each entry.</summary>
    public ReadOnlySpan<ulong> Hashes => _hashes.AsSpan(0, Count);

    static int[] NewSlots(int n) { var a = new int[n]; Array.Fill(a, -1); return a; }

    public int Find(ReadOnlySpan<byte> value, ulong hash)
    {
        int mask = _slots.Length - 1;
        for (int i = (int)(hash & (ulong)mask); ; i = (i + 1) & mask)
        {
            int e = _slots[i];
            if (e < 0) return -1;
            if (_hashes[e] == hash && value.SequenceEqual(_arena.AsSpan(_offsets[e], _lengths[e]))) return e;
        }
    }

    /// <summary>
    /// <see cref="Find(ReadOnlySpan{byte}, ulong)"/> for <c>buffer[start..start+length]</c>. A value of up to 16 bytes with
    /// 16 readable bytes after its start is compared as two masked words, without a call per value.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Find(byte[] buffer, int start, int length, ulong hash)
    {
        if ((uint)length > 16 || (uint)start + 16 > (uint)buffer.Length) return Find(buffer.AsSpan(start, length), hash);
        ref byte at = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(buffer), start);
        (ulong head0, ulong head1) = Head(Unsafe.ReadUnaligned<ulong>(ref at), Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref at, 8)), length);
        int mask = _slots.Length - 1;
        for (int i = (int)(hash & (ulong)mask); ; i = (i + 1) & mask)
        {
            int e = _slots[i];
            if (e < 0) return -1;
            // Equal hashes, lengths and first 16 bytes: equal values of up to 16 bytes.
            if (_hashes[e] == hash && _lengths[e] == length && _heads[e * 2] == head0 && _heads[e * 2 + 1] == head1) return e;
        }
    }

    /// <summary>A value's first 16 bytes as two words, zero past its length.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static (ulong, ulong) Head(ulong word0, ulong word1, int length) =>
        (length >= 8 ? word0 : word0 & ((1UL << (length * 8)) - 1),
         length >= 16 ? word1 : length <= 8 ? 0 : word1 & ((1UL << ((length - 8) * 8)) - 1));

    /// <summary>Adds a value seen once; false when the table is full (the value then goes uncounted by value).</summary>
    public bool TryAdd(ReadOnlySpan<byte> value, ulong hash, Flags flags)
    {
        if (Count >= capacity) return false;
        if (Count == _hashes.Length)
        {
            int n = Count * 2;
            Array.Resize(ref _hashes, n); Array.Resize(ref _offsets, n); Array.Resize(ref _lengths, n); Array.Resize(ref _heads, n * 2);
            Array.Resize(ref Counts, n); Array.Resize(ref EntryFlags, n);
        }
        if ((Count + 1) * 2 > _slots.Length) Rehash(_slots.Length * 2);
        while (_arenaUsed + value.Length > _arena.Length) Array.Resize(ref _arena, _arena.Length * 2);
        value.CopyTo(_arena.AsSpan(_arenaUsed));
        int e = Count++;
        _hashes[e] = hash; _offsets[e] = _arenaUsed; _lengths[e] = value.Length; Counts[e] = 1; EntryFlags[e] = flags;
        Span<byte> head = stackalloc byte[16];
        head.Clear();
        value[..Math.Min(16, value.Length)].CopyTo(head);
        (_heads[e * 2], _heads[e * 2 + 1]) = (BitConverter.ToUInt64(head), BitConverter.ToUInt64(head[8..]));
        _arenaUsed += value.Length;
        Insert(e);
        return true;
    }

    void Insert(int e)
    {
        int mask = _slots.Length - 1;
        int i = (int)(_hashes[e] & (ulong)mask);
        while (_slots[i] >= 0) i = (i + 1) & mask;
        _slots[i] = e;
    }

    void Rehash(int size)
    {
        _slots = NewSlots(size);
        for (int e = 0; e < Count; e++) Insert(e);
    }

    /// <summary>Adds this batch's counts to the dataset's; past <paramref name="cap"/> distinct values new ones are dropped and flagged.</summary>
    public void DrainInto(Dictionary<string, long> target, int cap, ref bool truncated)
    {
        for (int e = 0; e < Count; e++)
        {
            var key = Encoding.UTF8.GetString(_arena, _offsets[e], _lengths[e]);
            if (target.TryGetValue(key, out var c)) target[key] = c + Counts[e];
            else if (target.Count < cap) target[key] = Counts[e];
            else truncated = true;
        }
    }
}
