using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using System.Text;
using MlBuild.Core.Data.Checks;
using MlBuild.Core.Data.Profiling;

namespace MlBuild.Core.Data.Validation;

/// <summary>
/// Counts distinct UTF-8 values of a batch without making a string per cell, and remembers per value which checks it
/// fails (<see cref="ValueChecks.Text"/>), so allowed-set, pattern and length checks run once per distinct value. Reused from batch to batch
/// (<see cref="Reset"/>): its arrays, and the strings of values it has drained before, stay.
/// </summary>
internal sealed class Utf8CountTable(int capacity)
{
    /// <summary>Values of up to this many bytes are held and compared as two words, and found by a cheap hash of them.</summary>
    const int ShortBytes = 16;

    struct Entry
    {
        /// <summary>The first 16 bytes, zero past the value's length.</summary>
        public ulong Head0, Head1;
        /// <summary><see cref="StableHash.Bytes(ReadOnlySpan{byte})"/> of the value: what the distinct-count sketch takes.</summary>
        public ulong Hash;
        public int Offset, Length;
        public long Count;
        public ValueFailures Flags;
    }

    int[] _slots = NewSlots(64);
    Entry[] _entries = new Entry[32];
    byte[] _arena = new byte[1024];
    int _arenaUsed;
    /// <summary>Strings of values drained before, by hash (with their bytes, to be sure): a value common to every
    /// batch becomes a string once per thread instead of once per batch.</summary>
    readonly Dictionary<ulong, (byte[] Bytes, string Text)> _texts = [];
    const int MaxTexts = 4096;

    public int Count { get; private set; }

    static int[] NewSlots(int n) { var a = new int[n]; Array.Fill(a, -1); return a; }

    /// <summary>Empties the table for the next batch, keeping its storage.</summary>
    public void Reset()
    {
        if (Count == 0) return;
        Array.Fill(_slots, -1);
        Count = 0;
        _arenaUsed = 0;
    }

    /// <summary>
    /// The slot hash of a short value (it is told apart by its head words, not by this): one 64x64-bit multiply of the
    /// two words, folded. Both halves of the product depend on every bit, so values that differ in any byte (store_010
    /// and store_020 differ in one high byte) land apart; a plain multiply only carries differences upwards.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static ulong ShortHash(ulong head0, ulong head1, int length)
    {
        // As a 128-bit product, both halves stay in registers (the out-parameter form of Math.BigMul went through memory).
        UInt128 product = (UInt128)(head0 ^ 0x9E3779B97F4A7C15UL) * (head1 ^ 0xBF58476D1CE4E5B9UL ^ (ulong)length);
        return (ulong)(product >> 64) ^ (ulong)product;
    }

    /// <summary>
    /// The first 16 bytes of a value of up to 16 bytes at <paramref name="at"/> (16 bytes readable there) as two words,
    /// zero past its length: masked by BZHI where the CPU has it (no branch on the length), else by shifts.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static (ulong, ulong) HeadInPlace(ref byte at, int length)
    {
        ulong word0 = Unsafe.ReadUnaligned<ulong>(ref at), word1 = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref at, 8));
        // BZHI keeps every bit for an index of 64 or more: a value of 8+ bytes keeps its whole first word.
        if (Bmi2.X64.IsSupported)
            return (Bmi2.X64.ZeroHighBits(word0, (ulong)(length * 8)), Bmi2.X64.ZeroHighBits(word1, (ulong)Math.Max(length * 8 - 64, 0)));
        return (length >= 8 ? word0 : word0 & ((1UL << (length * 8)) - 1),
                length >= 16 ? word1 : length <= 8 ? 0 : word1 & ((1UL << ((length - 8) * 8)) - 1));
    }

    static (ulong, ulong) Head(ReadOnlySpan<byte> value)
    {
        Span<byte> head = stackalloc byte[ShortBytes];
        head.Clear();
        value[..Math.Min(ShortBytes, value.Length)].CopyTo(head);
        return (BitConverter.ToUInt64(head), BitConverter.ToUInt64(head[8..]));
    }

    /// <summary>
    /// The entry of <c>buffer[start..start+length]</c>, or -1 when the table does not hold it. A short value with 16
    /// readable bytes after its start is read as two masked words, without a call.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Find(byte[] buffer, int start, int length)
    {
        int e = FindShortInPlace(buffer, start, length);
        return e != NotShortInPlace ? e : Find(buffer.AsSpan(start, length));
    }

    /// <summary>What <see cref="FindShortInPlace"/> returns for a value it does not look up.</summary>
    public const int NotShortInPlace = -2;

    /// <summary>
    /// <see cref="Find(byte[], int, int)"/> of a short value with 16 readable bytes after its start (the usual cell),
    /// <see cref="NotShortInPlace"/> for any other: a lookup without a call, for tight loops.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int FindShortInPlace(byte[] buffer, int start, int length)
    {
        if ((uint)length > ShortBytes || (uint)start + ShortBytes > (uint)buffer.Length) return NotShortInPlace;
        (ulong head0, ulong head1) = HeadInPlace(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(buffer), start), length);
        return FindShort(head0, head1, length);
    }

    /// <summary><see cref="Find(byte[], int, int)"/> of a value alone.</summary>
    public int Find(ReadOnlySpan<byte> value)
    {
        if (value.Length <= ShortBytes)
        {
            (ulong head0, ulong head1) = Head(value);
            return FindShort(head0, head1, value.Length);
        }
        ulong hash = StableHash.Bytes(value);
        int mask = _slots.Length - 1;
        for (int i = (int)(hash & (ulong)mask); ; i = (i + 1) & mask)
        {
            int e = _slots[i];
            if (e < 0) return -1;
            ref var entry = ref _entries[e];
            if (entry.Hash == hash && entry.Length == value.Length && value.SequenceEqual(_arena.AsSpan(entry.Offset, entry.Length))) return e;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    int FindShort(ulong head0, ulong head1, int length) =>
        FindShort(ref MemoryMarshal.GetArrayDataReference(_slots), _slots.Length - 1, ref MemoryMarshal.GetArrayDataReference(_entries), head0, head1, length);

    /// <summary>The entry of a short value given as its head words, or -1; the table's arrays come in as references, so
    /// a loop can keep them in registers. The slot count is a power of two (<paramref name="mask"/> + 1), and slots hold
    /// entries below Count, all inside the entry array.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static int FindShort(ref int slot0, int mask, ref Entry entry0, ulong head0, ulong head1, int length)
    {
        for (int i = (int)(ShortHash(head0, head1, length) & (ulong)mask); ; i = (i + 1) & mask)
        {
            int e = Unsafe.Add(ref slot0, i);
            if (e < 0) return -1;
            ref var entry = ref Unsafe.Add(ref entry0, e);
            // Equal lengths and first 16 bytes: equal values of up to 16 bytes.
            if (entry.Length == length && entry.Head0 == head0 && entry.Head1 == head1) return e;
        }
    }

    /// <summary>
    /// Counts the cells from row <paramref name="i"/> on while each is empty of work: not a value (counted elsewhere),
    /// or a short value already in the table that fails no check. Returns the first other row (or the end) and adds the
    /// values it counted to <paramref name="counted"/>. One loop with the table's arrays in registers and no bounds
    /// checks: the usual cell of a category column costs this loop only.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int CountKnown(ReadOnlySpan<CellState> states, ReadOnlySpan<int> starts, ReadOnlySpan<int> lengths, byte[] buffer, int i, ref long counted)
    {
        int rows = states.Length;
        if (starts.Length < rows || lengths.Length < rows || buffer.Length < ShortBytes) return i;
        ref CellState state0 = ref MemoryMarshal.GetReference(states);
        ref int start0 = ref MemoryMarshal.GetReference(starts);
        ref int length0 = ref MemoryMarshal.GetReference(lengths);
        ref byte b0 = ref MemoryMarshal.GetArrayDataReference(buffer);
        ref int slot0 = ref MemoryMarshal.GetArrayDataReference(_slots);
        ref Entry entry0 = ref MemoryMarshal.GetArrayDataReference(_entries);
        int mask = _slots.Length - 1;
        uint lastSafe = (uint)(buffer.Length - ShortBytes);
        long n = 0;
        for (; (uint)i < (uint)rows; i++)
        {
            if (Unsafe.Add(ref state0, i) != CellState.Value) continue;
            int length = Unsafe.Add(ref length0, i);
            uint start = (uint)Unsafe.Add(ref start0, i);
            if ((uint)length > ShortBytes || start > lastSafe) break;
            (ulong head0, ulong head1) = HeadInPlace(ref Unsafe.Add(ref b0, start), length);
            int e = FindShort(ref slot0, mask, ref entry0, head0, head1, length);
            if (e < 0) break;
            ref Entry entry = ref Unsafe.Add(ref entry0, e);
            if (entry.Flags != ValueFailures.None) break;
            entry.Count++;
            n++;
        }
        counted += n;
        return i;
    }

    /// <summary>Counts one more of entry <paramref name="e"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void CountOne(int e) => _entries[e].Count++;

    /// <summary>The failed checks of entry <paramref name="e"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ValueFailures FlagsOf(int e) => _entries[e].Flags;

    /// <summary>The count of entry <paramref name="e"/> in this batch.</summary>
    public long CountOf(int e) => _entries[e].Count;

    /// <summary>Adds a value seen once; false when the table is full (the value then goes uncounted by value).</summary>
    public bool TryAdd(ReadOnlySpan<byte> value, ValueFailures flags)
    {
        if (Count >= capacity) return false;
        if (Count == _entries.Length) Array.Resize(ref _entries, Count * 2);
        if ((Count + 1) * 2 > _slots.Length) Rehash(_slots.Length * 2);
        while (_arenaUsed + value.Length > _arena.Length) Array.Resize(ref _arena, _arena.Length * 2);
        value.CopyTo(_arena.AsSpan(_arenaUsed));
        int e = Count++;
        (ulong head0, ulong head1) = Head(value);
        _entries[e] = new Entry
        {
            Head0 = head0, Head1 = head1, Hash = StableHash.Bytes(value),
            Offset = _arenaUsed, Length = value.Length, Count = 1, Flags = flags,
        };
        _arenaUsed += value.Length;
        Insert(e);
        return true;
    }

    ulong SlotHash(in Entry entry) =>
        entry.Length <= ShortBytes ? ShortHash(entry.Head0, entry.Head1, entry.Length) : entry.Hash;

    void Insert(int e)
    {
        int mask = _slots.Length - 1;
        int i = (int)(SlotHash(_entries[e]) & (ulong)mask);
        while (_slots[i] >= 0) i = (i + 1) & mask;
        _slots[i] = e;
    }

    void Rehash(int size)
    {
        _slots = NewSlots(size);
        for (int e = 0; e < Count; e++) Insert(e);
    }

    /// <summary>Adds each distinct value's hash to <paramref name="sketch"/>: the registers of adding every occurrence.</summary>
    public void AddHashesTo(HyperLogLog sketch)
    {
        for (int e = 0; e < Count; e++) sketch.Add(_entries[e].Hash);
    }

    /// <summary>Adds this batch's counts to the dataset's; past <paramref name="cap"/> distinct values new ones are dropped and flagged.</summary>
    public void DrainInto(Dictionary<string, long> target, int cap, ref bool truncated)
    {
        for (int e = 0; e < Count; e++)
        {
            ref var entry = ref _entries[e];
            var key = Text(entry);
            if (target.TryGetValue(key, out var c)) target[key] = c + entry.Count;
            else if (target.Count < cap) target[key] = entry.Count;
            else truncated = true;
        }
    }

    /// <summary>Hands each distinct value held, as a string, and its count to <paramref name="take"/>.</summary>
    public void ForEachValue(Action<string, long> take)
    {
        for (int e = 0; e < Count; e++) take(Text(_entries[e]), _entries[e].Count);
    }

    string Text(in Entry entry)
    {
        var bytes = _arena.AsSpan(entry.Offset, entry.Length);
        if (_texts.TryGetValue(entry.Hash, out var known) && bytes.SequenceEqual(known.Bytes)) return known.Text;
        var text = Encoding.UTF8.GetString(bytes);
        if (_texts.Count < MaxTexts) _texts.TryAdd(entry.Hash, (bytes.ToArray(), text));
        return text;
    }
}
