using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Text;
using MlBuild.Core.Data.Checks;
using MlBuild.Core.Data.Profiling;
using MlBuild.Core.Data.Schema;
using MlBuild.Core.Diagnostics;

namespace MlBuild.Core.Data.Validation;

/// <summary>Failures of one check within a batch: an exact count, the first few with locations, the top failing values.</summary>
internal sealed class CheckAccumulator
{
    public long Failures;
    public long Evaluated;
    public readonly List<Failure> First = [];
    public readonly Dictionary<string, long> Top = new(StringComparer.Ordinal);
    public string? FirstMessage;
}

/// <summary>Running statistics of one column within a batch (or, after merging, of the dataset).</summary>
internal sealed class ColumnAccumulator(QuantileSketch? sketch = null, HyperLogLog? hll = null)
{
    public long Count, Nulls, Invalid, Trues;
    public double Min = double.PositiveInfinity, Max = double.NegativeInfinity, Mean, M2;
    /// <summary>Integer, date and datetime columns: the extremes exactly (<see cref="Min"/> and <see cref="Max"/> may round past 2^53).</summary>
    public long MinInteger = long.MaxValue, MaxInteger = long.MinValue;
    /// <summary>M2 is in units of 4^Exponent: 0 unless values past <see cref="Moments.InSafeRange"/> were seen.</summary>
    public int Exponent;
    public readonly QuantileSketch Sketch = sketch ?? new();
    public readonly HyperLogLog Hll = hll ?? new();
    public Dictionary<string, long>? Values;
    public bool ValuesTruncated;
    public int MinLength = int.MaxValue, MaxLength;

    /// <summary>
    /// Chan et al.'s pairwise update: the merged mean and M2 depend only on merge order, which is chunk order.
    /// <paramref name="m2"/> is in units of 4^<paramref name="exponent"/>; the merge is carried out at the larger of
    /// the two exponents, so neither the difference of two means nor its square leaves the double range.
    /// </summary>
    public void AddMoments(long n, double mean, double m2, int exponent = 0)
    {
        if (n == 0) return;
        long total = Count + n;
        if ((exponent | Exponent) == 0)
        {
            double delta = mean - Mean;
            Mean += delta * n / total;
            M2 += m2 + delta * delta * ((double)Count * n / total);
        }
        else if (Count == 0) { Mean = mean; M2 = m2; Exponent = exponent; }
        else
        {
            int e = Math.Max(Exponent, exponent);
            double delta = Math.ScaleB(mean, -e) - Math.ScaleB(Mean, -e);
            M2 = Math.ScaleB(M2, 2 * (Exponent - e)) + Math.ScaleB(m2, 2 * (exponent - e)) + delta * delta * ((double)Count * n / total);
            Mean += Math.ScaleB(delta * n / total, e);
            Exponent = e;
        }
        Count = total;
    }
}

/// <summary>A batch's share of the work: its accumulators and the batch itself (kept until merged, for uniqueness).</summary>
internal sealed class BatchResult
{
    public required CheckAccumulator[] Checks { get; init; }
    public required ColumnAccumulator[] Columns { get; init; }
    public required RowBatch Batch { get; init; }
    public long Records;
    public MlDiagnostic? Fatal;
    /// <summary>Returned to the pool once merged.</summary>
    public byte[]? Buffer;
    /// <summary>Gives the batch's reusable storage back once merged.</summary>
    public Action? Release;

    /// <summary>Whether the batch counts into long-lived <see cref="SketchSet"/> sketches, merged once at the end.</summary>
    public bool SharedSketches;

    /// <summary>
    /// Accumulators for one batch. With <paramref name="sketches"/>, quantile sketches and HyperLogLogs are the reader's
    /// long-lived ones: their merges (sums of counts, register maxima) give the same result whichever batches they saw,
    /// so they need not be made and merged per batch.
    /// </summary>
    public static BatchResult Create(ValidationPlan plan, RowBatch batch, SketchSet? sketches = null) => new()
    {
        Checks = plan.Checks.Select(_ => new CheckAccumulator()).ToArray(),
        Columns = plan.Columns.Select(c => sketches is null ? new ColumnAccumulator() : new ColumnAccumulator(sketches.Sketches[c.Index], sketches.Hlls[c.Index])).ToArray(),
        Batch = batch,
        SharedSketches = sketches is not null,
    };
}

/// <summary>One quantile sketch and one HyperLogLog per schema column, reused across the batches of one thread.</summary>
internal sealed class SketchSet(ValidationPlan plan)
{
    public readonly QuantileSketch[] Sketches = plan.Columns.Select(_ => new QuantileSketch()).ToArray();
    public readonly HyperLogLog[] Hlls = plan.Columns.Select(_ => new HyperLogLog()).ToArray();
}

/// <summary>Runs every value check and profiles every column of a decoded batch, column by column.</summary>
internal sealed class BatchChecker(ValidationPlan plan, ValidationOptions options)
{
    /// <summary>Records a failure; the location and text are computed only for the first few.</summary>
    public void Fail(BatchResult r, int check, int row, int dataColumn, ColumnVector? v, string? messageWhenFirst = null)
    {
        var acc = r.Checks[check];
        acc.Failures++;
        bool keep = acc.First.Count < options.MaxFailuresPerCheck;
        bool top = acc.Top.Count < options.MaxTrackedFailingValues;
        if (!keep && !top) return;
        string text = v is null ? "" : CellText(v, row);
        if (keep)
        {
            acc.First.Add(new Failure(r.Batch.Locator.Locate(row, dataColumn), text));
            if (acc.First.Count == 1) acc.FirstMessage = messageWhenFirst;
        }
        if (acc.Top.TryGetValue(text, out long seen)) acc.Top[text] = seen + 1;
        else if (top) acc.Top[text] = 1;
    }

    /// <summary>The cell's text as written (CSV), or the value formatted (Parquet), shortened for reports.</summary>
    public static string CellText(ColumnVector v, int row)
    {
        if (v.HasRawText || v.UsesBytes)
        {
            var bytes = v.Utf8(row);
            var s = Encoding.UTF8.GetString(bytes.Length > 400 ? bytes[..400] : bytes);
            return s.Length > 200 ? string.Concat(s.AsSpan(0, 200), "…") : s;
        }
        if (v.States[row] != CellState.Value) return "";
        return v.Type switch
        {
            ColumnType.Float => v.Doubles[row].ToString("R", CultureInfo.InvariantCulture),
            ColumnType.Date => Utf8Parsers.FormatDate(v.Longs[row]),
            ColumnType.DateTime => Utf8Parsers.FormatDateTime(v.Longs[row]),
            ColumnType.Boolean => v.Longs[row] != 0 ? "true" : "false",
            _ => v.Longs[row].ToString(CultureInfo.InvariantCulture),
        };
    }

    /// <summary>
    /// Runs <see cref="ValidationOptions.ColumnObserver"/> on the columns of <paramref name="view"/> (a batch, or a view of
    /// some of its columns), keeping what it returns in <paramref name="batch"/>'s <see cref="RowBatch.ColumnStates"/>.
    /// Nothing without an observer.
    /// </summary>
    public void Observe(RowBatch view, RowBatch batch)
    {
        if (options.ColumnObserver is not { } observe) return;
        var states = batch.ColumnStates ??= new object?[batch.Columns.Length]; // Parquet batches come with theirs: views of one run concurrently
        for (int i = 0; i < view.Columns.Length; i++)
            if (view.Columns[i] is not null) states[i] = observe(view, i);
    }

    public void Check(BatchResult r)
    {
        foreach (var p in plan.Columns) CheckColumn(r, p);
        CheckRules(r);
    }

    /// <summary>The row rules (comparisons between columns) of a batch whose columns are decoded.</summary>
    public void CheckRules(BatchResult r)
    {
        for (int k = 0; k < plan.Rules.Length; k++)
        {
            var (rule, check, left, right) = plan.Rules[k];
            if (right < 0)
                CheckConstantRule(r, rule, check, r.Batch.Columns[left], plan.Columns[left].DataPosition, plan.RuleConstants[k]);
            else
                CheckRule(r, rule, check, r.Batch.Columns[left], r.Batch.Columns[right], plan.Columns[left].DataPosition);
        }
    }

    /// <summary>The sign of a minus b for two cells holding values: exact for integers, dates and datetimes (longs),
    /// and for an integer against a float; doubles otherwise.</summary>
    static int CompareCells(ColumnVector left, ColumnVector right, int i)
    {
        if (left.UsesLongs && right.UsesLongs) return left.Longs[i].CompareTo(right.Longs[i]);
        if (left.UsesLongs) return ExactReal.Compare(left.Longs[i], right.Doubles[i]);
        if (right.UsesLongs) return -ExactReal.Compare(right.Longs[i], left.Doubles[i]);
        double a = left.Doubles[i], b = right.Doubles[i];
        return a < b ? -1 : a > b ? 1 : a == b ? 0 : 2; // 2: unordered (NaN), which only != holds for
    }

    /// <summary>The checks and profile of one column of the batch.</summary>
    internal void CheckColumn(BatchResult r, ColumnPlan p)
    {
        var v = r.Batch.Columns[p.Index];
        if (v is null || !options.ColumnChecks) return;
        switch (p.Schema.Type)
        {
            case ColumnType.Float: CheckDoubles(r, p, v); break;
            case ColumnType.String:
            case ColumnType.Category: CheckStrings(r, p, v); break;
            case ColumnType.Boolean: CheckBooleans(r, p, v); break;
            default: CheckLongs(r, p, v); break;
        }
    }

    /// <summary>Counts nulls and unreadable cells (failing the not-null check); returns the number of cells that hold a value.</summary>
    internal long CountNullsAndInvalid(BatchResult r, ColumnPlan p, ColumnVector v, ColumnAccumulator acc)
    {
        // States are bytes: vectorised counts, and a row loop only when a non-nullable column has nulls.
        var bytes = MemoryMarshal.AsBytes(v.States.AsSpan(0, v.Count));
        // The usual column holds only values: one scan says so, instead of three counts.
        bool onlyValues = bytes.IndexOfAnyExcept((byte)CellState.Value) < 0;
        long nulls = onlyValues ? 0 : bytes.Count((byte)CellState.Null);
        long invalid = onlyValues ? 0 : bytes.Count((byte)CellState.Invalid);
        long skipped = onlyValues ? 0 : bytes.Count((byte)CellState.Skipped);
        if (nulls > 0 && p.NotNullCheck >= 0)
            for (int i = bytes.IndexOf((byte)CellState.Null); i >= 0 && i < bytes.Length; i++)
                if (bytes[i] == (byte)CellState.Null) FailNull(r, p, v, i);
        acc.Nulls += nulls;
        acc.Invalid += invalid;
        if (p.NotNullCheck >= 0) r.Checks[p.NotNullCheck].Evaluated += bytes.Length - skipped;
        if (p.TypeCheck >= 0) r.Checks[p.TypeCheck].Evaluated += bytes.Length - nulls - skipped;
        return bytes.Length - nulls - invalid - skipped;
    }

    void CheckDoubles(BatchResult r, ColumnPlan p, ColumnVector v) => CheckNumbers(r, p, v, v.Doubles.AsSpan(0, v.Count));

    void CheckLongs(BatchResult r, ColumnPlan p, ColumnVector v) => CheckNumbers(r, p, v, v.Longs.AsSpan(0, v.Count));

    /// <summary>
    /// Bounds, allowed integers, moments, the quantile sketch and the distinct-count sketch of a numeric, date or
    /// datetime column, in one loop over the values (then one more for the second moment). Generic over the storage
    /// type so the JIT compiles one tight loop for doubles and one for longs.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    void CheckNumbers<T>(BatchResult r, ColumnPlan p, ColumnVector v, ReadOnlySpan<T> values) where T : struct, System.Numerics.INumberBase<T>
    {
        var acc = r.Columns[p.Index];
        bool dense = CountNullsAndInvalid(r, p, v, acc) == v.Count;
        if (typeof(T) == typeof(double) || p.AllowedIntegers is null)
        {
            // The vector path takes the column's values; a column with nulls (or type errors, already reported) lends it
            // its values packed together, which is all the checks and the profile look at.
            T[]? packed = dense ? null : System.Buffers.ArrayPool<T>.Shared.Rent(v.Count);
            try
            {
                var present = dense ? values : Pack(v.States.AsSpan(0, v.Count), values, packed!);
                if (typeof(T) == typeof(double) && CheckDenseDoubles(r, p, acc, MemoryMarshal.Cast<T, double>(present))) return;
                if (typeof(T) == typeof(long) && CheckDenseLongs(r, p, acc, MemoryMarshal.Cast<T, long>(present))) return;
            }
            finally { if (packed is not null) System.Buffers.ArrayPool<T>.Shared.Return(packed); }
        }
        var states = v.States.AsSpan(0, v.Count);
        long n = 0;
        double sum = 0, min = acc.Min, max = acc.Max;
        long minInteger = acc.MinInteger, maxInteger = acc.MaxInteger;
        double lo = p.Min, hi = p.Max;
        bool minExclusive = p.MinExclusive, maxExclusive = p.MaxExclusive;
        var allowed = typeof(T) == typeof(long) ? p.AllowedIntegers : null;
        var quantiles = acc.Sketch.Counter();
        var distinct = acc.Hll.Registers;
        for (int i = 0; i < values.Length; i++)
        {
            if (states[i] != CellState.Value) continue;
            double x = double.CreateTruncating(values[i]);
            n++;
            sum += x;
            if (x < min) min = x;
            if (x > max) max = x;
            if (typeof(T) == typeof(long))
            {
                long integer = long.CreateTruncating(values[i]);
                if (integer < minInteger) minInteger = integer;
                if (integer > maxInteger) maxInteger = integer;
            }
            var failed = typeof(T) == typeof(double) ? ValueChecks.Bounds(x, lo, hi, minExclusive, maxExclusive) : ValueChecks.Bounds(p, long.CreateTruncating(values[i]));
            if (allowed is not null && !allowed.Contains(long.CreateTruncating(values[i]))) failed |= ValueFailures.NotAllowed;
            if (failed != ValueFailures.None) FailValue(r, p, v, i, failed);
            quantiles.Add(x);
            HyperLogLog.AddTo(distinct, typeof(T) == typeof(double) ? HyperLogLog.HashNumber(x) : HyperLogLog.HashNumber(long.CreateTruncating(values[i])));
        }
        acc.Sketch.Counted(n);
        CountEvaluated(r, p, n, allowed is not null);
        if (n == 0) return;
        acc.Min = min;
        acc.Max = max;
        acc.MinInteger = minInteger;
        acc.MaxInteger = maxInteger;
        if (typeof(T) == typeof(double) && !Moments.InSafeRange(min, max))
        {
            Moments.ScaledPresent(states, MemoryMarshal.Cast<T, double>(values), out _, out double scaledMean, out double scaledM2, out int exponent);
            acc.AddMoments(n, scaledMean, scaledM2, exponent);
            return;
        }
        double mean = sum / n;
        // Second pass around the batch mean: numerically stable and still a tight loop.
        double m2 = 0;
        for (int i = 0; i < values.Length; i++)
            if (states[i] == CellState.Value) { double d = double.CreateTruncating(values[i]) - mean; m2 += d * d; }
        acc.AddMoments(n, mean, m2);
    }

    /// <summary>
    /// A float column's values (all of a column without nulls, or its values packed together) in vector registers:
    /// sums, minimum, maximum and the bound test four values at a time, then the sketches (their keys also four at a
    /// time). Records nothing and returns false when a value is out of bounds or not finite, leaving the column to the
    /// scalar loop, which records failures at their rows.
    /// <paramref name="integers"/>: the column's own values when <paramref name="values"/> are integers as doubles.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    bool CheckDenseDoubles(BatchResult r, ColumnPlan p, ColumnAccumulator acc, ReadOnlySpan<double> values, ReadOnlySpan<long> integers = default, bool boundsChecked = false)
    {
        if (!Vector256.IsHardwareAccelerated || values.Length < Vector256<double>.Count) return false;
        var (total, low, high) = Moments.SumMinMax(values);
        // The batch's extremes pass the bounds: every value does (a NaN makes the total NaN). Magnitudes past the
        // safe range take the scalar loop too, whose moments are scaled.
        if (!double.IsFinite(total) || !(boundsChecked || ValueChecks.AllWithinBounds(p, low, high)) || !Moments.InSafeRange(low, high))
            return false;

        long n = values.Length;
        double mean = total / n;
        double m2Total = Moments.SquaredDeviations(values, mean);

        NumericSketches.Add(values, integers, acc.Sketch.Counter(), acc.Hll.Registers);
        acc.Sketch.Counted(n);
        CountEvaluated(r, p, n, allowedChecked: false);
        acc.Min = Math.Min(acc.Min, low);
        acc.Max = Math.Max(acc.Max, high);
        acc.AddMoments(n, mean, m2Total);
        return true;
    }

    /// <summary>The values of the cells that hold one, in row order, in <paramref name="into"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static ReadOnlySpan<T> Pack<T>(ReadOnlySpan<CellState> states, ReadOnlySpan<T> values, T[] into)
    {
        int k = 0;
        for (int i = 0; i < states.Length; i++)
        {
            into[k] = values[i]; // written always, kept only for a value: no branch on the states
            k += states[i] == CellState.Value ? 1 : 0;
        }
        return into.AsSpan(0, k);
    }

    /// <summary>
    /// An integer, date or datetime column's values: the bounds tested exactly on the batch's integer extremes, then
    /// as doubles (what the scalar loop sums too) through <see cref="CheckDenseDoubles"/>, the distinct count still
    /// hashing the integers.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    bool CheckDenseLongs(BatchResult r, ColumnPlan p, ColumnAccumulator acc, ReadOnlySpan<long> values)
    {
        if (values.IsEmpty) return false;
        var doubles = System.Buffers.ArrayPool<double>.Shared.Rent(values.Length);
        try
        {
            long low = values[0], high = values[0];
            int i = 0;
            if (Vector256.IsHardwareAccelerated && values.Length >= Vector256<long>.Count)
            {
                // Four at a time: the conversion and the exact extremes in one pass over the integers.
                var lows = Vector256.Create(low);
                var highs = lows;
                ref long from = ref MemoryMarshal.GetReference(values);
                ref double to = ref MemoryMarshal.GetArrayDataReference(doubles);
                for (; i <= values.Length - Vector256<long>.Count; i += Vector256<long>.Count)
                {
                    var x = Vector256.LoadUnsafe(ref from, (nuint)i);
                    lows = Vector256.Min(lows, x);
                    highs = Vector256.Max(highs, x);
                    Vector256.ConvertToDouble(x).StoreUnsafe(ref to, (nuint)i);
                }
                for (int k = 0; k < Vector256<long>.Count; k++)
                {
                    low = Math.Min(low, lows.GetElement(k));
                    high = Math.Max(high, highs.GetElement(k));
                }
            }
            for (; i < values.Length; i++)
            {
                long x = values[i];
                doubles[i] = x;
                low = Math.Min(low, x);
                high = Math.Max(high, x);
            }
            if (!ValueChecks.AllWithinBounds(p, low, high)) return false;
            if (!CheckDenseDoubles(r, p, acc, doubles.AsSpan(0, values.Length), values, boundsChecked: true)) return false;
            acc.MinInteger = Math.Min(acc.MinInteger, low);
            acc.MaxInteger = Math.Max(acc.MaxInteger, high);
            return true;
        }
        finally { System.Buffers.ArrayPool<double>.Shared.Return(doubles); }
    }

    /// <summary>Counts <paramref name="n"/> numeric values as evaluated by the column's bound (and allowed-set) checks.</summary>
    internal static void CountEvaluated(BatchResult r, ColumnPlan p, long n, bool allowedChecked)
    {
        if (p.MinCheck >= 0) r.Checks[p.MinCheck].Evaluated += n;
        if (p.MaxCheck >= 0) r.Checks[p.MaxCheck].Evaluated += n;
        if (p.AllowedCheck >= 0 && allowedChecked) r.Checks[p.AllowedCheck].Evaluated += n;
    }

    /// <summary>
    /// Records each check a value failed (<see cref="ValueChecks"/>), in the order min, max, allowed, pattern, length;
    /// the message is made only for a check's first failure.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal void FailValue(BatchResult r, ColumnPlan p, ColumnVector v, int row, ValueFailures failures)
    {
        for (int rest = (int)failures; rest != 0; rest &= rest - 1)
        {
            var one = (ValueFailures)(rest & -rest);
            int check = ValueChecks.CheckOf(p, one);
            string? message = r.Checks[check].First.Count == 0
                ? ValueChecks.Message(plan, p, one, CellText(v, row), v.HasRawText || v.UsesBytes ? v.Utf8(row) : default)
                : null;
            Fail(r, check, row, p.DataPosition, v, message);
        }
    }

    /// <summary>Records an empty cell of a column that is not nullable.</summary>
    internal void FailNull(BatchResult r, ColumnPlan p, ColumnVector v, int row) =>
        Fail(r, p.NotNullCheck, row, p.DataPosition, v, r.Checks[p.NotNullCheck].First.Count == 0 ? ValueChecks.NotNullMessage(p) : null);

    void CheckBooleans(BatchResult r, ColumnPlan p, ColumnVector v)
    {
        var acc = r.Columns[p.Index];
        CountNullsAndInvalid(r, p, v, acc);
        long n = 0, trues = 0;
        for (int i = 0; i < v.Count; i++)
        {
            if (v.States[i] != CellState.Value) continue;
            n++;
            trues += v.Longs[i];
        }
        acc.Count += n;
        acc.Trues += trues;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    void CheckStrings(BatchResult r, ColumnPlan p, ColumnVector v)
    {
        var acc = r.Columns[p.Index];
        CountNullsAndInvalid(r, p, v, acc);
        // Every check of a string column is a function of the value: evaluate it once per distinct value in the batch.
        var table = _tables.TryTake(out var reused) ? reused : new Utf8CountTable(options.MaxDistinctValues);
        table.Reset();
        long n = 0;
        for (int i = 0; i < v.Count; i++)
        {
            // The usual cells (values seen before in this batch that fail no check) in a loop without calls; then the
            // cell it stopped at, here.
            i = table.CountKnown(v.States.AsSpan(0, v.Count), v.Starts, v.Lengths, v.Bytes, i, ref n);
            if (i >= v.Count) break;
            if (v.States[i] != CellState.Value) continue;
            n++;
            int e = table.Find(v.Bytes, v.Starts[i], v.Lengths[i]);
            ValueFailures flags;
            if (e >= 0) { table.CountOne(e); flags = table.FlagsOf(e); }
            else
            {
                var bytes = v.Utf8(i);
                flags = ValueChecks.Text(p, bytes, out int length);
                if (length < acc.MinLength) acc.MinLength = length;
                if (length > acc.MaxLength) acc.MaxLength = length;
                // A value the table has no room for goes into the distinct-count sketch now; the others at the end.
                if (!table.TryAdd(bytes, flags)) { acc.ValuesTruncated = true; acc.Hll.Add(StableHash.Bytes(bytes)); }
            }
            if (flags != ValueFailures.None) FailValue(r, p, v, i, flags);
        }
        acc.Count += n;
        // Register maxima: adding each distinct value once gives the same sketch as adding every occurrence.
        table.AddHashesTo(acc.Hll);
        foreach (var check in new[] { p.AllowedCheck, p.PatternCheck, p.LengthCheck })
            if (check >= 0) r.Checks[check].Evaluated += n;
        acc.Values ??= new Dictionary<string, long>(StringComparer.Ordinal);
        table.DrainInto(acc.Values, options.MaxDistinctValues, ref acc.ValuesTruncated);
        _tables.Add(table);
    }

    /// <summary>Value tables for string columns, reused by whichever thread checks one next (a table per column per
    /// batch made the allocations cost more than the counting).</summary>
    readonly System.Collections.Concurrent.ConcurrentBag<Utf8CountTable> _tables = [];

    void CheckRule(BatchResult r, RowRule rule, int check, ColumnVector? left, ColumnVector? right, int dataColumn)
    {
        if (left is null || right is null) return;
        long evaluated = 0;
        for (int i = 0; i < left.Count; i++)
        {
            if (left.States[i] != CellState.Value || right.States[i] != CellState.Value) continue;
            evaluated++;
            int sign = CompareCells(left, right, i);
            bool ok = sign == 2 ? rule.Op == CompareOp.NotEqual : ExactReal.Holds(rule.Op, sign);
            if (!ok)
                Fail(r, check, i, dataColumn, left,
                    $"rule '{rule.Text}' fails: {rule.Left} '{CellText(left, i)}', {rule.Right} '{CellText(right, i)}'");
        }
        r.Checks[check].Evaluated += evaluated;
    }

    /// <summary>A rule between a column and a constant; a constant on the left is turned around once per batch
    /// (<c>5 &lt; x</c> is <c>x &gt; 5</c>) so the row loop always reads column OP constant.</summary>
    void CheckConstantRule(BatchResult r, RowRule rule, int check, ColumnVector? column, int dataColumn, ExactReal exact)
    {
        if (column is null) return;
        bool constantOnLeft = rule.LeftConstant is not null;
        double k = rule.LeftConstant ?? rule.RightConstant!.Value;
        var op = !constantOnLeft ? rule.Op : rule.Op switch
        {
            CompareOp.Less => CompareOp.Greater,
            CompareOp.LessOrEqual => CompareOp.GreaterOrEqual,
            CompareOp.Greater => CompareOp.Less,
            CompareOp.GreaterOrEqual => CompareOp.LessOrEqual,
            var same => same,
        };
        string name = constantOnLeft ? rule.Right : rule.Left;
        long evaluated = 0;
        for (int i = 0; i < column.Count; i++)
        {
            if (column.States[i] != CellState.Value) continue;
            evaluated++;
            if (column.UsesLongs)
            {
                if (!ExactReal.Holds(op, exact.CompareWith(column.Longs[i])))
                    Fail(r, check, i, dataColumn, column, $"rule '{rule.Text}' fails: {name} '{CellText(column, i)}'");
                continue;
            }
            double a = column.Doubles[i];
            bool ok = op switch
            {
                CompareOp.Less => a < k,
                CompareOp.LessOrEqual => a <= k,
                CompareOp.Greater => a > k,
                CompareOp.GreaterOrEqual => a >= k,
                CompareOp.Equal => a == k,
                _ => a != k,
            };
            if (!ok)
                Fail(r, check, i, dataColumn, column, $"rule '{rule.Text}' fails: {name} '{CellText(column, i)}'");
        }
        r.Checks[check].Evaluated += evaluated;
    }
}
