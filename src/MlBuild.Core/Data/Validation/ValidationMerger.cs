using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using MlBuild.Core.Data.Profiling;
using MlBuild.Core.Data.Schema;
using MlBuild.Core.Diagnostics;

namespace MlBuild.Core.Data.Validation;

/// <summary>
/// Folds batch results into the dataset's, strictly in batch order, so every count, first failure and statistic is the
/// same for any number of threads. Uniqueness is decided here, in file order, while the batch's data is still alive.
/// </summary>
internal sealed class ValidationMerger
{
    readonly ValidationPlan _plan;
    readonly ValidationOptions _options;
    readonly BatchChecker _checker;
    readonly CheckAccumulator[] _checks;
    readonly ColumnAccumulator[] _columns;
    readonly object?[] _uniqueSets;
    // per column, so the uniqueness of different columns can be decided on different threads
    readonly long[]?[] _keyBuffers;
    readonly int[]?[] _rowBuffers;

    /// <summary>Records merged so far (the next batch's record numbers start after these).</summary>
    public long Records { get; private set; }
    /// <summary>The first input error met, in file order; later batches are ignored.</summary>
    public MlDiagnostic? Fatal { get; private set; }

    public ValidationMerger(ValidationPlan plan, ValidationOptions options, BatchChecker checker)
    {
        _plan = plan;
        _options = options;
        _checker = checker;
        _checks = plan.Checks.Select(_ => new CheckAccumulator()).ToArray();
        _columns = plan.Columns.Select(_ => new ColumnAccumulator()).ToArray();
        _uniqueSets = plan.Columns.Select(c => c.UniqueCheck < 0 ? null
            : c.Schema.Type is ColumnType.String or ColumnType.Category ? new HashSet<UInt128>() : (object)new LongSet()).ToArray();
        _keyBuffers = new long[]?[plan.Columns.Length];
        _rowBuffers = new int[]?[plan.Columns.Length];
    }

    /// <summary>Records an input error found outside any batch (e.g. while reading a header).</summary>
    public void SetFatal(MlDiagnostic d) => Fatal ??= d;

    /// <summary>Fails a dataset-level check (missing or extra column, record shape) with an explicit location.</summary>
    public void FailDatasetCheck(int check, DataLocation location, string value, string message)
    {
        var acc = _checks[check];
        acc.Failures++;
        acc.Evaluated++;
        if (acc.First.Count < _options.MaxFailuresPerCheck)
        {
            acc.First.Add(new Failure(location, value));
            acc.FirstMessage ??= message;
        }
    }

    /// <summary>Merges the next batch in order.</summary>
    public void Merge(BatchResult r) => Merge(r, uniquenessChecked: false);

    /// <summary>
    /// Merges the next batch in order; with <paramref name="uniquenessChecked"/> the reader has already run
    /// <see cref="CheckUniqueness(BatchResult, ColumnPlan, ColumnVector)"/> on each of the batch's unique columns.
    /// </summary>
    public void Merge(BatchResult r, bool uniquenessChecked)
    {
        if (Fatal is not null) return;
        if (r.Fatal is not null) { Fatal = r.Fatal; return; }
        if (!uniquenessChecked) CheckUniqueness(r);
        _options.BatchObserver?.Invoke(r.Batch);
        long offset = Records;
        for (int i = 0; i < _checks.Length; i++)
        {
            var into = _checks[i];
            var from = r.Checks[i];
            into.Failures += from.Failures;
            into.Evaluated += from.Evaluated;
            foreach (var f in from.First)
            {
                if (into.First.Count >= _options.MaxFailuresPerCheck) break;
                into.First.Add(f with { Location = f.Location with { Record = f.Location.Record + offset } });
                into.FirstMessage ??= from.FirstMessage;
            }
            foreach (var (value, count) in from.Top)
            {
                if (into.Top.TryGetValue(value, out var c)) into.Top[value] = c + count;
                else if (into.Top.Count < _options.MaxTrackedFailingValues) into.Top[value] = count;
            }
        }
        for (int i = 0; i < _columns.Length; i++)
        {
            var into = _columns[i];
            var from = r.Columns[i];
            into.Nulls += from.Nulls;
            into.Invalid += from.Invalid;
            into.Trues += from.Trues;
            var type = _plan.Columns[i].Schema.Type;
            if (type is ColumnType.Integer or ColumnType.Float or ColumnType.Date or ColumnType.DateTime)
            {
                into.AddMoments(from.Count, from.Mean, from.M2, from.Exponent);
                if (from.Min < into.Min) into.Min = from.Min;
                if (from.Max > into.Max) into.Max = from.Max;
                into.MinInteger = Math.Min(into.MinInteger, from.MinInteger);
                into.MaxInteger = Math.Max(into.MaxInteger, from.MaxInteger);
                if (!r.SharedSketches) into.Sketch.Merge(from.Sketch);
            }
            else into.Count += from.Count;
            if (!r.SharedSketches) into.Hll.Merge(from.Hll);
            into.MinLength = Math.Min(into.MinLength, from.MinLength);
            into.MaxLength = Math.Max(into.MaxLength, from.MaxLength);
            into.ValuesTruncated |= from.ValuesTruncated;
            if (from.Values is not null)
            {
                into.Values ??= new Dictionary<string, long>(StringComparer.Ordinal);
                foreach (var (k, c) in from.Values)
                {
                    if (into.Values.TryGetValue(k, out var have)) into.Values[k] = have + c;
                    else if (into.Values.Count < _options.MaxDistinctValues) into.Values[k] = c;
                    else into.ValuesTruncated = true;
                }
            }
        }
        Records += r.Records;
    }

    /// <summary>A hint from the reader: about this many records are coming (sizes the uniqueness sets once).</summary>
    public void ExpectRecords(long records)
    {
        foreach (var set in _uniqueSets)
            if (set is LongSet longs) longs.EnsureCapacity(records);
    }

    /// <summary>Folds a reader's long-lived sketches in (see <see cref="BatchResult.SharedSketches"/>); order does not matter.</summary>
    public void MergeSketches(SketchSet set)
    {
        for (int i = 0; i < _columns.Length; i++)
        {
            _columns[i].Sketch.Merge(set.Sketches[i]);
            _columns[i].Hll.Merge(set.Hlls[i]);
        }
    }

    void CheckUniqueness(BatchResult r)
    {
        foreach (var p in _plan.Columns)
            if (p.UniqueCheck >= 0 && r.Batch.Columns[p.Index] is { } v) CheckUniqueness(r, p, v);
    }

    /// <summary>
    /// Decides the uniqueness of one column of the next batch (the one merged next) against every earlier batch. A reader
    /// may call it from a checking thread before <see cref="Merge(BatchResult, bool)"/>, once the batch before has been merged:
    /// each column has its own set and buffers, so different columns may run concurrently; nothing else may run then.
    /// </summary>
    public void CheckUniqueness(BatchResult r, ColumnPlan p, ColumnVector v)
    {
        if (p.UniqueCheck < 0) return;
        long evaluated = 0;
        if (_uniqueSets[p.Index] is LongSet longs)
        {
            bool isFloat = v.Type == ColumnType.Float;
            var states = MemoryMarshal.AsBytes(v.States.AsSpan(0, v.Count));
            if (!isFloat && states.IndexOfAnyExcept((byte)CellState.Value) < 0)
            {
                // Integers without nulls are their own keys, in row order: no copy.
                longs.AddBatch(v.Longs.AsSpan(0, v.Count), j => FailDuplicate(r, p, v, j));
                r.Checks[p.UniqueCheck].Evaluated += v.Count;
                return;
            }
            var keyBuffer = _keyBuffers[p.Index] ?? [];
            var rowBuffer = _rowBuffers[p.Index] ?? [];
            if (keyBuffer.Length < v.Count) { _keyBuffers[p.Index] = keyBuffer = new long[v.Count]; _rowBuffers[p.Index] = rowBuffer = new int[v.Count]; }
            int n = 0;
            for (int i = 0; i < v.Count; i++)
            {
                if (v.States[i] != CellState.Value) continue;
                keyBuffer[n] = isFloat ? BitConverter.DoubleToInt64Bits(v.Doubles[i] == 0 ? 0 : v.Doubles[i]) : v.Longs[i];
                rowBuffer[n++] = i;
            }
            evaluated = n;
            longs.AddBatch(keyBuffer.AsSpan(0, n), j => FailDuplicate(r, p, v, rowBuffer[j]));
        }
        else if (_uniqueSets[p.Index] is HashSet<UInt128> strings)
        {
            for (int i = 0; i < v.Count; i++)
            {
                if (v.States[i] != CellState.Value) continue;
                evaluated++;
                // 128 bits from two independent hashes: a false duplicate needs a collision of both (~1e-20 at 10^9 values).
                var bytes = v.Utf8(i);
                ulong hash = StableHash.Bytes(bytes);
                var key = new UInt128(hash, StableHash.Mix(hash ^ 0x5bd1e995UL) ^ (ulong)bytes.Length * 0x9E3779B97F4A7C15UL);
                if (!strings.Add(key)) FailDuplicate(r, p, v, i);
            }
        }
        r.Checks[p.UniqueCheck].Evaluated += evaluated;
    }

    void FailDuplicate(BatchResult r, ColumnPlan p, ColumnVector v, int row) =>
        _checker.Fail(r, p.UniqueCheck, row, p.DataPosition, v,
            $"column '{p.Schema.Name}' value '{BatchChecker.CellText(v, row)}' is a duplicate of an earlier row");

    /// <summary>Builds the dataset result: every check in plan order, and the profile.</summary>
    public ValidationResult Finish(string dataset, IReadOnlyList<string> files, IReadOnlySet<int> absentColumns)
    {
        var result = new ValidationResult { Dataset = dataset, Files = files, Records = Records };
        if (Fatal is not null) result.InputErrors.Add(Fatal);
        var schema = _plan.Schema;
        // The row-count check is decided here, once every record is counted.
        long min = schema.MinRows ?? 1;
        var rows = _checks[_plan.RowsCheck];
        rows.Evaluated = 1;
        if (Fatal is null && (Records < min || (schema.MaxRows is { } max && Records > max)))
        {
            rows.Failures = 1;
            rows.FirstMessage = $"dataset '{dataset}' has {Records} rows; the schema requires {_plan.Checks[_plan.RowsCheck].Requirement}";
            rows.First.Add(new Failure(new DataLocation(files.Count > 0 ? files[0] : dataset, 0, 0, -1, 0), Records.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
        foreach (var def in _plan.Checks)
        {
            var acc = _checks[def.Index];
            var severity = def.Severity;
            var check = new CheckResult
            {
                Id = def.Id, Column = def.Column, Kind = def.Kind, Code = def.Code, Requirement = def.Requirement,
                Tolerance = def.Tolerance, Severity = severity, Failures = acc.Failures, Evaluated = acc.Evaluated,
                FirstMessage = acc.FirstMessage,
                TopFailingValues = acc.Top.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal)
                    .Take(_options.TopValues).Select(kv => new ValueCount(kv.Key, kv.Value)).ToList(),
            };
            check.FirstFailures.AddRange(acc.First);
            result.Checks.Add(check);
        }
        result.Profile = BuildProfile(absentColumns);
        return result;
    }

    DatasetProfile BuildProfile(IReadOnlySet<int> absentColumns)
    {
        var profile = new DatasetProfile { Rows = Records };
        foreach (var p in _plan.Columns)
        {
            if (absentColumns.Contains(p.Index)) continue;
            var a = _columns[p.Index];
            var type = p.Schema.Type;
            var cp = new ColumnProfile { Name = p.Schema.Name, Type = type.ToString().ToLowerInvariant(), Count = a.Count, Nulls = a.Nulls, Invalid = a.Invalid };
            bool numeric = type is ColumnType.Integer or ColumnType.Float;
            if ((numeric || type is ColumnType.Date or ColumnType.DateTime) && a.Count > 0)
            {
                cp.Min = a.Min; cp.Max = a.Max;
                // Integers, dates and datetimes from their exact extremes: a double would print 9007199254740993 as
                // ...992, or a datetime a tick off.
                bool exact = type != ColumnType.Float && a.MinInteger <= a.MaxInteger;
                cp.MinText = exact ? FormatInteger(type, a.MinInteger) : FormatValue(type, a.Min);
                cp.MaxText = exact ? FormatInteger(type, a.MaxInteger) : FormatValue(type, a.Max);
                if (numeric)
                {
                    cp.Mean = a.Mean;
                    cp.StdDev = Moments.SampleStdDev(a.Count, a.M2, a.Exponent);
                    cp.Quantiles = new SortedDictionary<string, double>(StringComparer.Ordinal);
                    foreach (var (name, q) in new[] { ("p01", 0.01), ("p05", 0.05), ("p25", 0.25), ("p50", 0.5), ("p75", 0.75), ("p95", 0.95), ("p99", 0.99) })
                        cp.Quantiles[name] = a.Sketch.Quantile(q, a.Min, a.Max);
                    cp.Histogram = CoarseHistogram(a);
                }
                cp.Distinct = a.Hll.Estimate();
                cp.DistinctExact = false;
            }
            if (type is ColumnType.String or ColumnType.Category && a.Values is not null)
            {
                cp.DistinctExact = !a.ValuesTruncated;
                cp.Distinct = cp.DistinctExact ? a.Values.Count : a.Hll.Estimate();
                cp.TopValues = a.Values.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal)
                    .Take(_options.TopValues).Select(kv => new ValueCount(kv.Key, kv.Value)).ToList();
                if (a.Count > 0) { cp.MinLength = a.MinLength; cp.MaxLength = a.MaxLength; }
                if (cp.DistinctExact) cp.AllValues = a.Values.Keys.Order(StringComparer.Ordinal).ToList();
            }
            if (type == ColumnType.Boolean)
            {
                cp.Distinct = (a.Trues > 0 ? 1 : 0) + (a.Count - a.Trues > 0 ? 1 : 0);
                cp.DistinctExact = true;
                cp.TopValues = new[] { new ValueCount("true", a.Trues), new ValueCount("false", a.Count - a.Trues) }
                    .Where(v => v.Count > 0).OrderByDescending(v => v.Count).ThenBy(v => v.Value, StringComparer.Ordinal).ToList();
            }
            profile.Columns.Add(cp);
        }
        return profile;
    }

    static string FormatInteger(ColumnType type, long v) => type switch
    {
        ColumnType.Date => Utf8Parsers.FormatDate(v),
        ColumnType.DateTime => Utf8Parsers.FormatDateTime(v),
        _ => v.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    static string FormatValue(ColumnType type, double v) => type switch
    {
        ColumnType.Date => Utf8Parsers.FormatDate((long)v),
        ColumnType.DateTime => Utf8Parsers.FormatDateTime((long)v),
        _ => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>Twenty equal-width bins between min and max, filled from the sketch's fine buckets (for HTML reports).</summary>
    static List<(double, double, long)> CoarseHistogram(ColumnAccumulator a)
    {
        const int bins = 20;
        var counts = new long[bins];
        double width = (a.Max - a.Min) / bins;
        // Past half the double range the span overflows: the edges are then taken between min and max scaled down.
        bool wide = double.IsInfinity(width);
        double Edge(int i) => !wide ? a.Min + i * width : i == bins ? a.Max : a.Min / bins * (bins - i) + a.Max / bins * i;
        foreach (var (low, high, count) in a.Sketch.Buckets())
        {
            double mid = Math.Clamp(low / 2 + high / 2, a.Min, a.Max);
            int b = wide ? Math.Min(bins - 1, (int)((mid / bins - a.Min / bins) / (a.Max / bins - a.Min / bins) * bins))
                : width > 0 ? Math.Min(bins - 1, (int)((mid - a.Min) / width)) : 0;
            counts[b] += count;
        }
        return Enumerable.Range(0, bins).Select(i => (Edge(i), Edge(i + 1), counts[i])).ToList();
    }
}

/// <summary>
/// An open-addressing set of 64-bit keys for uniqueness of integer, date and float columns. One array (an empty slot
/// holds <see cref="long.MinValue"/>, whose own presence is a flag), so an insert costs one cache miss; batches are
/// inserted with software prefetch, since the table outgrows the caches and the merge runs on one thread.
/// </summary>
internal sealed unsafe class LongSet
{
    const long Empty = long.MinValue;
    const int PrefetchDistance = 32;
    long[] _keys = NewTable(1 << 16);
    int _count;
    bool _hasEmptyKey;
    /// <summary>A larger table being made off the caller's thread (<see cref="EnsureCapacity"/>), and its size; the next
    /// call that needs the table takes it.</summary>
    Task<long[]>? _pendingTable;
    int _pendingSize;

    // Filled on creation, with a marker other than 0: a table of fresh zero pages (0 as the marker, no fill) measured
    // 40 % slower on Parquet, its first write to each page faulting in the middle of the inserts and flushing every
    // core's TLB; the fill takes those faults at once, on one thread.
    static long[] NewTable(int size)
    {
        var t = GC.AllocateUninitializedArray<long>(size);
        Array.Fill(t, Empty);
        return t;
    }

    public bool Add(long key)
    {
        if (_pendingTable is not null) TakePendingTable();
        if (key == Empty)
        {
            if (_hasEmptyKey) return false;
            _hasEmptyKey = true;
            return true;
        }
        if ((_count + 1) * 4L > _keys.Length * 3L) Grow();
        return Insert(_keys, key);
    }

    bool Insert(long[] keys, long key) => InsertAt(keys, key, (int)(StableHash.Mix((ulong)key) & (ulong)(keys.Length - 1)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    bool InsertAt(long[] keys, long key, int i)
    {
        int mask = keys.Length - 1;
        while (true)
        {
            long k = keys[i];
            if (k == key) return false;
            if (k == Empty) { keys[i] = key; _count++; return true; }
            i = (i + 1) & mask;
        }
    }

    int[] _batchSlots = [];

    /// <summary>Adds keys in order; calls <paramref name="onDuplicate"/> with the index of each key already present.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void AddBatch(ReadOnlySpan<long> batch, Action<int> onDuplicate)
    {
        if (_pendingTable is not null) TakePendingTable();
        // Load factor up to 3/4: linear probing stays within a cache line or two, and 10M keys fit in 128 MB.
        while ((_count + batch.Length) * 4L > _keys.Length * 3L) Grow();
        var keys = _keys;
        int mask = keys.Length - 1;
        // Every key's home slot first (hashed four at a time), so the insert loop can prefetch far ahead cheaply.
        if (_batchSlots.Length < batch.Length) _batchSlots = new int[batch.Length];
        var slots = _batchSlots.AsSpan(0, batch.Length);
        HomeSlots(batch, mask, slots);
        fixed (long* table = keys)
        {
            for (int j = 0; j < batch.Length; j++)
            {
                if (j + PrefetchDistance < batch.Length && Sse.IsSupported)
                    Sse.Prefetch0(table + slots[j + PrefetchDistance]);
                long key = batch[j];
                bool added = key == Empty ? !_hasEmptyKey && (_hasEmptyKey = true) : InsertAt(keys, key, slots[j]);
                if (!added) onDuplicate(j);
            }
        }
    }

    /// <summary><c>StableHash.Mix(key) &amp; mask</c> of every key: the home slots of keys in a hash table.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void HomeSlots(ReadOnlySpan<long> keys, int mask, Span<int> slots)
    {
        int i = 0;
        if (Avx2.IsSupported)
        {
            ref long k0 = ref MemoryMarshal.GetReference(keys);
            ref int s0 = ref MemoryMarshal.GetReference(slots);
            var m = Vector256.Create((ulong)(uint)mask);
            var lowHalves = Vector256.Create(0, 2, 4, 6, 0, 0, 0, 0);
            for (; i <= keys.Length - 4 && i <= slots.Length - 4; i += 4)
            {
                var h = StableHash.Mix(Vector256.LoadUnsafe(ref k0, (nuint)i).AsUInt64()) & m;
                Avx2.PermuteVar8x32(h.AsInt32(), lowHalves).GetLower().StoreUnsafe(ref s0, (nuint)i);
            }
        }
        for (; i < keys.Length; i++) slots[i] = (int)(StableHash.Mix((ulong)keys[i]) & (ulong)(uint)mask);
    }

    /// <summary>Sizes the table for about <paramref name="keys"/> keys up front, so a large file does not pay for (and
    /// leave garbage from) repeated doubling. The table is made and filled on a pool thread: a reader calls this before
    /// (or while) it hands out its first data, and 10M keys' table is 128 MB of fresh pages, whose faults and fill took
    /// that long on the reader's own thread (a tenth of a 1M-row Parquet validation) while the checking threads waited.</summary>
    public void EnsureCapacity(long keys)
    {
        long needed = Math.Min(keys * 4 / 3 + 1, 1L << 30);
        if (needed <= Math.Max(_keys.Length, _pendingSize)) return;
        if (_pendingTable is not null) TakePendingTable();
        int size = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((ulong)needed);
        _pendingSize = size;
        _pendingTable = Task.Run(() => NewTable(size));
    }

    /// <summary>Moves the keys into the table <see cref="EnsureCapacity"/> made, once it is ready.</summary>
    void TakePendingTable()
    {
        var table = _pendingTable!.GetAwaiter().GetResult();
        _pendingTable = null;
        _pendingSize = 0;
        Rehash(table);
    }

    void Grow() => Resize(_keys.Length * 2);

    void Resize(int size) => Rehash(NewTable(size));

    void Rehash(long[] keys)
    {
        var old = _keys;
        _count = 0;
        foreach (var k in old)
            if (k != Empty) Insert(keys, k);
        _keys = keys;
    }
}
