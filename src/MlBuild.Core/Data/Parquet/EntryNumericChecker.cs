using MlBuild.Core.Data.Checks;
using MlBuild.Core.Data.Profiling;
using MlBuild.Core.Data.Schema;
using MlBuild.Core.Data.Validation;

namespace MlBuild.Core.Data.Parquet;

/// <summary>
/// The numeric and date checks of <see cref="BatchChecker"/> for a column chunk that is dictionary-encoded throughout:
/// bounds, allowed integers and the distinct-value sketch are evaluated once per dictionary entry, count, min, max and
/// moments come from the entry counts, and failures are still recorded row by row in row order. Counts, failures,
/// min, max, quantiles and distinct estimates equal the per-cell checker's; mean and variance are the same sums taken
/// in entry order, so they can differ from the per-cell ones in the last bits (they stay identical for any thread count).
/// </summary>
internal static class EntryNumericChecker
{
    const int UnixEpochDay = 719_162;

    /// <summary>Whether <see cref="TryCheck"/> checks a dictionary-encoded chunk of this kind, read as this type, per entry.</summary>
    public static bool ChecksEntriesOf(ParquetKind kind, ColumnType type) => (kind, type) switch
    {
        (ParquetKind.Double, ColumnType.Float) or (ParquetKind.Int64, ColumnType.Integer)
            or (ParquetKind.Int32, ColumnType.Integer) or (ParquetKind.Date32, ColumnType.Date) => true,
        _ => false,
    };

    /// <summary>
    /// Checks the column from its dictionary; false (nothing recorded) when the chunk does not qualify. When the
    /// decoder left the values as indices (<see cref="ChunkReader.ValuesDeferred"/>), each failing row gets its value here.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static bool TryCheck(BatchChecker checker, ValidationPlan plan, BatchResult r, ColumnPlan p, ColumnVector v, ChunkReader w, ParquetKind kind)
    {
        if (kind is ParquetKind.Text or ParquetKind.Float16)
        {
            if (!w.TextParsed) return false;
            if (p.Schema.Type == ColumnType.Float) CheckParsedText<double>(checker, plan, r, p, v, w, kind, v.Doubles);
            else if (p.Schema.Type is ColumnType.Integer or ColumnType.Date or ColumnType.DateTime) CheckParsedText<long>(checker, plan, r, p, v, w, kind, v.Longs);
            else return false;
            return true;
        }
        // A chunk that is not dictionary-encoded has no entries to check once: the checker's fused per-cell loops.
        if (!w.AllDictionary) return false;
        int dictCount = w.DictCount;
        var type = p.Schema.Type;
        bool isFloat = type == ColumnType.Float;
        // The chunk reader's buffers: a large dictionary's per-entry arrays would otherwise be fresh large-object allocations per chunk.
        var values = ChunkReader.Ensure(ref w.EntryDoubles, dictCount);
        var longs = isFloat ? null : ChunkReader.Ensure(ref w.EntryValues, dictCount);
        var dict = w.Dict;
        switch (kind)
        {
            case ParquetKind.Double when isFloat:
                for (int e = 0; e < dictCount; e++)
                {
                    values[e] = BitConverter.ToDouble(dict, e * 8);
                    if (!double.IsFinite(values[e])) return false;
                }
                break;
            case ParquetKind.Int64 when type == ColumnType.Integer:
                for (int e = 0; e < dictCount; e++) { longs![e] = BitConverter.ToInt64(dict, e * 8); values[e] = longs[e]; }
                break;
            case ParquetKind.Int32 when type == ColumnType.Integer:
                for (int e = 0; e < dictCount; e++) { longs![e] = BitConverter.ToInt32(dict, e * 4); values[e] = longs[e]; }
                break;
            case ParquetKind.Date32 when type == ColumnType.Date:
                for (int e = 0; e < dictCount; e++)
                {
                    long day = BitConverter.ToInt32(dict, e * 4) + (long)UnixEpochDay;
                    if (day < 0 || day > DateOnly.MaxValue.DayNumber) return false;
                    longs![e] = day; values[e] = day;
                }
                break;
            default:
                return false;
        }

        int rows = v.Count;
        var states = v.States.AsSpan(0, rows);
        var acc = r.Columns[p.Index];
        // The indices are those of the chunk's values (its other cells are nulls), in row order.
        long n = checker.CountNullsAndInvalid(r, p, v, acc);

        var idx = w.Indices.AsSpan(0, (int)n);
        var counts = ChunkReader.Ensure(ref w.EntryCounts, dictCount).AsSpan(0, dictCount);
        CountEntries(idx, counts, w);

        var allowed = p.AllowedIntegers;
        var fails = ChunkReader.Ensure(ref w.EntryFlags, dictCount); // ValueFailures per entry (set for every entry in use)
        bool anyFail = false;
        double sum = 0, min = acc.Min, max = acc.Max;
        long minInteger = acc.MinInteger, maxInteger = acc.MaxInteger;
        for (int e = 0; e < dictCount; e++)
        {
            long c = counts[e];
            if (c == 0) continue;
            double x = values[e];
            sum += x * c;
            if (x < min) min = x;
            if (x > max) max = x;
            if (!isFloat) { minInteger = Math.Min(minInteger, longs![e]); maxInteger = Math.Max(maxInteger, longs[e]); }
            acc.Sketch.Add(x, c);
            acc.Hll.Add(isFloat ? HyperLogLog.HashNumber(x) : HyperLogLog.HashNumber(longs![e]));
            var f = ValueChecks.Number(p, isFloat, x, isFloat ? 0 : longs![e], allowed);
            fails[e] = (byte)f;
            anyFail |= f != ValueFailures.None;
        }
        if (anyFail)
        {
            bool deferred = w.ValuesDeferred;
            for (int i = 0, k = 0; i < rows; i++)
            {
                if (states[i] != CellState.Value) continue;
                int e = idx[k++];
                byte f = fails[e];
                if (f == 0) continue;
                if (deferred)
                {
                    if (isFloat) v.Doubles[i] = values[e];
                    else v.Longs[i] = longs![e];
                }
                checker.FailValue(r, p, v, i, (ValueFailures)f);
            }
        }
        BatchChecker.CountEvaluated(r, p, n, allowedChecked: !isFloat);
        if (n == 0) return true;
        acc.Min = min;
        acc.Max = max;
        acc.MinInteger = minInteger;
        acc.MaxInteger = maxInteger;
        if (isFloat && !Moments.InSafeRange(min, max))
        {
            Moments.Scaled(values.AsSpan(0, dictCount), counts, out _, out double scaledMean, out double scaledM2, out int exponent);
            acc.AddMoments(n, scaledMean, scaledM2, exponent);
            return true;
        }
        double mean = sum / n;
        double m2 = 0;
        for (int e = 0; e < dictCount; e++)
        {
            if (counts[e] == 0) continue;
            double d = values[e] - mean;
            m2 += d * d * counts[e];
        }
        acc.AddMoments(n, mean, m2);
        return true;
    }

    /// <summary>
    /// Cells per dictionary entry. A small dictionary is counted in four interleaved lanes (summed at the end): runs of
    /// one entry, as in a 0/1 column, would otherwise chain every increment through the same memory word.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    static void CountEntries(ReadOnlySpan<int> idx, Span<int> counts, ChunkReader w)
    {
        counts.Clear();
        int n = counts.Length;
        // Past 16k entries the lanes (four ints each) would outgrow the L2 cache, and runs of one entry are rare.
        if (n > 16_384 || idx.Length < 4 * n)
        {
            foreach (int k in idx) counts[k]++;
            return;
        }
        var lanes = ChunkReader.Ensure(ref w.EntryLanes, 4 * n).AsSpan(0, 4 * n);
        lanes.Clear();
        int i = 0;
        for (; i + 4 <= idx.Length; i += 4)
        {
            lanes[idx[i] * 4]++;
            lanes[idx[i + 1] * 4 + 1]++;
            lanes[idx[i + 2] * 4 + 2]++;
            lanes[idx[i + 3] * 4 + 3]++;
        }
        for (; i < idx.Length; i++) counts[idx[i]]++;
        for (int e = 0; e < n; e++) counts[e] += lanes[4 * e] + lanes[4 * e + 1] + lanes[4 * e + 2] + lanes[4 * e + 3];
    }

    /// <summary>
    /// Text declared as a number or date, each distinct entry already parsed (<see cref="ChunkReader.EntryOk"/>) and the
    /// vector filled: bounds, allowed integers, the sketch and the HyperLogLog once per entry, but sum and squared
    /// deviations over the cells in row order, exactly as <see cref="BatchChecker"/> takes them, so every statistic
    /// (mean and std included) is bit-identical to the per-cell checker's.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    static void CheckParsedText<T>(BatchChecker checker, ValidationPlan plan, BatchResult r, ColumnPlan p, ColumnVector v, ChunkReader w, ParquetKind kind, T[] data)
        where T : System.Numerics.INumberBase<T>
    {
        int rows = v.Count;
        var states = v.States.AsSpan(0, rows);
        var values = data.AsSpan(0, rows);
        var rowEntry = w.RowEntry.AsSpan(0, rows);
        var acc = r.Columns[p.Index];
        var table = w.Entries;
        int entries = table.Count;
        // A row's state follows from its entry (empty text: null, unparsed: invalid), so the entry's cell count is its
        // count of values; the row pass below then reads only sequential arrays.
        var counts = ChunkReader.Ensure(ref w.EntryCounts, entries).AsSpan(0, entries);
        bool emptyIsNull = kind == ParquetKind.Text;
        for (int e = 0; e < entries; e++)
            counts[e] = w.EntryOk[e] && !(emptyIsNull && table.Lengths[e] == 0) ? checked((int)table.Counts[e]) : 0;

        long n = checker.CountNullsAndInvalid(r, p, v, acc);
        double sum = 0;
        for (int i = 0; i < rows; i++)
            if (states[i] == CellState.Value) sum += double.CreateTruncating(values[i]);

        // Per entry, the per-cell checker's predicates (ValueChecks).
        bool isFloat = typeof(T) == typeof(double);
        var parsed = w.EntryValues;
        var allowed = isFloat ? null : p.AllowedIntegers;
        double min = acc.Min, max = acc.Max;
        long minInteger = acc.MinInteger, maxInteger = acc.MaxInteger;
        var fails = ChunkReader.Ensure(ref w.EntryFlags, entries); // ValueFailures per entry (set for every entry in use)
        bool anyFail = false;
        for (int e = 0; e < entries; e++)
        {
            int c = counts[e];
            if (c == 0) continue;
            double x = isFloat ? BitConverter.Int64BitsToDouble(parsed[e]) : parsed[e];
            if (x < min) min = x;
            if (x > max) max = x;
            if (!isFloat) { minInteger = Math.Min(minInteger, parsed[e]); maxInteger = Math.Max(maxInteger, parsed[e]); }
            acc.Sketch.Add(x, c);
            acc.Hll.Add(isFloat ? HyperLogLog.HashNumber(x) : HyperLogLog.HashNumber(parsed[e]));
            var f = ValueChecks.Number(p, isFloat, x, parsed[e], allowed);
            fails[e] = (byte)f;
            anyFail |= f != ValueFailures.None;
        }
        if (anyFail)
        {
            for (int i = 0; i < rows; i++)
            {
                if (states[i] != CellState.Value) continue;
                byte f = fails[rowEntry[i]];
                if (f != 0) checker.FailValue(r, p, v, i, (ValueFailures)f);
            }
        }
        BatchChecker.CountEvaluated(r, p, n, allowed is not null);
        if (n == 0) return;
        acc.Min = min;
        acc.Max = max;
        acc.MinInteger = minInteger;
        acc.MaxInteger = maxInteger;
        if (isFloat && !Moments.InSafeRange(min, max))
        {
            Moments.ScaledPresent(states, ((double[])(object)data).AsSpan(0, rows), out _, out double scaledMean, out double scaledM2, out int exponent);
            acc.AddMoments(n, scaledMean, scaledM2, exponent);
            return;
        }
        double mean = sum / n;
        double m2 = 0;
        for (int i = 0; i < rows; i++)
            if (states[i] == CellState.Value) { double d = double.CreateTruncating(values[i]) - mean; m2 += d * d; }
        acc.AddMoments(n, mean, m2);
    }
}
