using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MlBuild.Core.Models.Evaluation;

/// <summary>
/// Folds a binary prediction set's rows into (score, label, predicted) cells ordered by descending score, then by
/// kind (label * 2 + predicted): every binary metric is then a pass over the cells. Scores with few distinct values (a
/// model's rounded probabilities) are counted: each block of rows numbers its distinct scores in a small hash table of
/// their bits and counts rows per (score, kind), and only the distinct scores are sorted; each row's cell (for the
/// bootstrap) is looked up later, when asked for. Otherwise the rows are sorted by score. Both give the same cells, in
/// the same order, on any thread count.
/// </summary>
internal static class ScoreCells
{
    /// <summary>Rows per block of the counting pass: the unit of parallel work (the cells do not depend on it).</summary>
    const int BlockRows = 1 << 16;

    /// <summary>The cells of the rows, and the cell of each row when sorting found it (else null: see <see cref="UnitOfRow"/>).
    /// <paramref name="kinds"/>: label * 2 + predicted per row; <paramref name="count"/> false sorts whatever the scores
    /// (for tests: both ways give the same).</summary>
    public static (double[] Score, byte[] Label, byte[] Predicted, int[] Count, int[]? UnitOfRow) Fold(double[] scores, byte[] kinds, bool count = true) =>
        (count ? Counted(scores, kinds, Math.Max(1024, scores.Length / 8)) : null) ?? Sorted(scores, kinds);

    /// <summary>Counts rows per (distinct score, kind); null when there are more than <paramref name="limit"/> distinct scores.</summary>
    static (double[], byte[], byte[], int[], int[]?)? Counted(double[] scores, byte[] kinds, int limit)
    {
        int n = scores.Length, blocks = (n + BlockRows - 1) / BlockRows;
        var tables = new ScoreTable?[blocks];
        var options = new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount };
        // Per block: a local number per distinct score, and rows per (local number, kind).
        Parallel.For(0, blocks, options, (b, state) =>
        {
            int from = b * BlockRows, to = Math.Min(n, from + BlockRows);
            var table = new ScoreTable();
            if (table.Count(scores, kinds, from, to, limit)) tables[b] = table;
            else state.Stop();
        });
        if (Array.Exists(tables, t => t is null)) return null;

        // The distinct scores of all blocks, descending; a block's local numbers become global ranks.
        var distinct = new Dictionary<long, double>();
        foreach (var t in tables)
            for (int id = 0; id < t!.Distinct; id++) distinct.TryAdd(t.Bits[id], t.Values[id]);
        if (distinct.Count > limit) return null;
        var values = distinct.Values.ToArray();
        Array.Sort(values, (a, b) => b.CompareTo(a));
        var rankOf = new Dictionary<long, int>(values.Length);
        for (int k = 0; k < values.Length; k++) rankOf[ScoreTable.Key(values[k])] = k;
        var keyCount = new int[values.Length * 4];
        foreach (var t in tables)
            for (int id = 0; id < t!.Distinct; id++)
            {
                int rank = rankOf[t.Bits[id]];
                for (int kind = 0; kind < 4; kind++) keyCount[rank * 4 + kind] += t.Counts[id * 4 + kind];
            }
        var cellOfKey = new int[keyCount.Length];
        int cells = 0;
        for (int key = 0; key < keyCount.Length; key++) cellOfKey[key] = keyCount[key] > 0 ? cells++ : -1;
        var score = new double[cells]; var label = new byte[cells]; var predicted = new byte[cells]; var count = new int[cells];
        for (int key = 0; key < keyCount.Length; key++)
        {
            int c = cellOfKey[key];
            if (c < 0) continue;
            score[c] = values[key / 4]; label[c] = (byte)(key / 2 % 2); predicted[c] = (byte)(key % 2); count[c] = keyCount[key];
        }
        return (score, label, predicted, count, null);
    }

    /// <summary>The cell of each row, given the cells <see cref="Fold"/> made of these rows: the cells' scores numbered
    /// by rank in a hash table, each row looked up in it.</summary>
    public static int[] UnitOfRow(double[] scores, byte[] kinds, double[] cellScore, byte[] cellLabel, byte[] cellPredicted)
    {
        var table = new ScoreTable();
        var cellOfKey = new int[cellScore.Length * 4];
        for (int c = 0, rank = -1; c < cellScore.Length; c++)
        {
            if (c == 0 || cellScore[c] != cellScore[c - 1]) rank = table.Add(cellScore[c]);
            cellOfKey[rank * 4 + cellLabel[c] * 2 + cellPredicted[c]] = c;
        }
        int n = scores.Length;
        var unitOfRow = GC.AllocateUninitializedArray<int>(n);
        Parallel.For(0, (n + BlockRows - 1) / BlockRows, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, b =>
        {
            for (int i = b * BlockRows, to = Math.Min(n, i + BlockRows); i < to; i++)
                unitOfRow[i] = cellOfKey[table.Find(scores[i]) * 4 + kinds[i]];
        });
        return unitOfRow;
    }

    /// <summary>Many distinct scores: the rows sorted by descending score, each tie group split by kind.</summary>
    static (double[], byte[], byte[], int[], int[]?) Sorted(double[] scores, byte[] kinds)
    {
        int n = scores.Length;
        var unitOfRow = new int[n];
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        var keys = new double[n];
        for (int i = 0; i < n; i++) keys[i] = -scores[i];
        Array.Sort(keys, order);
        var cellScore = new List<double>(); var cellLabel = new List<byte>(); var cellPredicted = new List<byte>(); var cellCount = new List<int>();
        Span<int> cellOf = stackalloc int[4];
        for (int i = 0; i < n;)
        {
            double s = scores[order[i]];
            cellOf.Fill(-1);
            for (; i < n && scores[order[i]] == s; i++)
            {
                int r = order[i], kind = kinds[r];
                if (cellOf[kind] < 0)
                {
                    cellOf[kind] = cellScore.Count;
                    cellScore.Add(s + 0.0); cellLabel.Add((byte)(kind >> 1)); cellPredicted.Add((byte)(kind & 1)); cellCount.Add(0);
                }
                unitOfRow[r] = cellOf[kind];
                cellCount[cellOf[kind]]++;
            }
        }
        // A tie group's cells in kind order, as the counted path gives them.
        var cells = Enumerable.Range(0, cellScore.Count).OrderBy(c => -cellScore[c]).ThenBy(c => cellLabel[c] * 2 + cellPredicted[c]).ToArray();
        var newIndex = new int[cells.Length];
        for (int k = 0; k < cells.Length; k++) newIndex[cells[k]] = k;
        for (int i = 0; i < n; i++) unitOfRow[i] = newIndex[unitOfRow[i]];
        return ([.. cells.Select(c => cellScore[c])], [.. cells.Select(c => cellLabel[c])], [.. cells.Select(c => cellPredicted[c])],
                [.. cells.Select(c => cellCount[c])], unitOfRow);
    }

    /// <summary>
    /// Open addressing over score bits (0 and -0 one key; NaN never comes here): a local number per distinct score of
    /// a block, and rows per (number, kind). A few thousand distinct scores fit in the core's L1/L2 cache, where a
    /// <see cref="Dictionary{TKey, TValue}"/> lookup cost several times more per row.
    /// </summary>
    sealed class ScoreTable
    {
        long[] _slotBits = new long[4096];
        int[] _slotId = new int[4096];   // local number + 1; 0 = empty
        int _shift = 64 - 12;
        public long[] Bits = new long[1024];
        public double[] Values = new double[1024];
        public int[] Counts = new int[4096];
        public int Distinct;

        /// <summary>The key of a score: its bits, with -0 as 0 (they are one score).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static long Key(double score) => BitConverter.DoubleToInt64Bits(score + 0.0);

        const long HashMultiplier = unchecked((long)0x9E3779B97F4A7C15UL);

        int SlotOf(long bits) => (int)((ulong)(bits * HashMultiplier) >> _shift);

        /// <summary>Numbers rows <paramref name="from"/>..<paramref name="to"/>; false past <paramref name="limit"/> distinct scores.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public bool Count(double[] scores, byte[] kinds, int from, int to, int limit)
        {
            if ((uint)to > (uint)scores.Length || (uint)to > (uint)kinds.Length) throw new ArgumentOutOfRangeException(nameof(to));
            // The table in locals (re-read after an insert, which may grow it); unchecked refs: slots are masked, keys
            // are below Distinct * 4 <= Counts.Length, rows are below 'to' (checked above).
            ref long slotBits = ref MemoryMarshal.GetArrayDataReference(_slotBits);
            ref int slotId = ref MemoryMarshal.GetArrayDataReference(_slotId);
            ref int counts = ref MemoryMarshal.GetArrayDataReference(Counts);
            int mask = _slotId.Length - 1, shift = _shift;
            for (int i = from; i < to; i++)
            {
                long bits = Key(scores[i]);
                int slot = (int)((ulong)(bits * HashMultiplier) >> shift), id;
                while (true)
                {
                    id = Unsafe.Add(ref slotId, slot) - 1;
                    if (Unsafe.Add(ref slotBits, slot) == bits && id >= 0) break;
                    if (id < 0)
                    {
                        id = Insert(bits, scores[i], slot);
                        if (Distinct > limit) return false;
                        slotBits = ref MemoryMarshal.GetArrayDataReference(_slotBits);
                        slotId = ref MemoryMarshal.GetArrayDataReference(_slotId);
                        counts = ref MemoryMarshal.GetArrayDataReference(Counts);
                        (mask, shift) = (_slotId.Length - 1, _shift);
                        break;
                    }
                    slot = (slot + 1) & mask;
                }
                Unsafe.Add(ref counts, id * 4 + kinds[i])++;
            }
            return true;
        }

        /// <summary>Numbers a score not in the table yet.</summary>
        public int Add(double score)
        {
            long bits = Key(score);
            int slot = SlotOf(bits);
            while (_slotId[slot] != 0) slot = (slot + 1) & (_slotId.Length - 1);
            return Insert(bits, score, slot);
        }

        /// <summary>The number of a score in the table (it must be there).</summary>
        public int Find(double score)
        {
            long bits = Key(score);
            int mask = _slotId.Length - 1;
            for (int slot = SlotOf(bits); ; slot = (slot + 1) & mask)
            {
                if (_slotId[slot] == 0) throw new InvalidOperationException("A score is missing from its cells.");
                if (_slotBits[slot] == bits) return _slotId[slot] - 1;
            }
        }

        int Insert(long bits, double value, int slot)
        {
            int id = Distinct++;
            if (id == Bits.Length)
            {
                Array.Resize(ref Bits, id * 2); Array.Resize(ref Values, id * 2); Array.Resize(ref Counts, id * 8);
            }
            Bits[id] = bits; Values[id] = value + 0.0;
            _slotBits[slot] = bits; _slotId[slot] = id + 1;
            if (Distinct * 2 > _slotId.Length) Grow();
            return id;
        }

        /// <summary>Doubles the slots (kept at most half full) and re-inserts the numbered scores.</summary>
        void Grow()
        {
            _slotBits = new long[_slotBits.Length * 2];
            _slotId = new int[_slotId.Length * 2];
            _shift--;
            int mask = _slotId.Length - 1;
            for (int id = 0; id < Distinct; id++)
            {
                int slot = SlotOf(Bits[id]);
                while (_slotId[slot] != 0) slot = (slot + 1) & mask;
                _slotBits[slot] = Bits[id]; _slotId[slot] = id + 1;
            }
        }
    }
}
