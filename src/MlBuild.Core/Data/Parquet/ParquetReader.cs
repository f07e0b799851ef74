using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using MlBuild.Core.Data.Validation;
using MlBuild.Core.Diagnostics;
using global::Parquet;
using global::Parquet.Schema;
using PqReader = global::Parquet.ParquetReader;

namespace MlBuild.Core.Data.Parquet;

/// <summary>Internal knobs of the Parquet reader, for tests that compare its fast paths with the general ones.</summary>
internal sealed class ParquetReadTuning
{
    public static readonly ParquetReadTuning Default = new();
    /// <summary>Every row's value decoded into its vector (no per-entry checks): what a profile pass reads.</summary>
    public static readonly ParquetReadTuning EveryValue = new() { EntryChecks = false };
    /// <summary>Evaluate checks once per distinct entry: strings and categories (<see cref="EntryStringChecker"/>), and numbers and dates of dictionary-encoded chunks (<see cref="EntryNumericChecker"/>).</summary>
    public bool EntryChecks { get; init; } = true;
    /// <summary>Decode common column chunks directly (<see cref="ChunkDecoder"/>) instead of through Parquet.Net.</summary>
    public bool DirectChunks { get; init; } = true;
}

/// <summary>
/// Reads Parquet files for validation. Each row group becomes one <see cref="RowBatch"/>: its columns are decoded and
/// checked by parallel threads (each with its own file stream and Parquet.Net reader, columns split between them, so
/// memory is one row group's columns), then the batch's result goes to the merger in row-group order, so results do not
/// depend on the thread count. Locations are file, row group, row within the file and record within the dataset.
/// </summary>
internal static class ParquetReader
{
    static readonly ParquetOptions ReaderOptions = new() { TreatByteArrayAsString = true };

    /// <summary>The top-level field names of a Parquet file, in order: what the validator maps schema columns to.</summary>
    public static IReadOnlyList<string> ReadColumnNames(string path, string? displayPath = null) =>
        ReadSchema(path, displayPath ?? path).Fields.Select(f => f.Name).ToArray();

    /// <summary>A Parquet file's schema, from its footer.</summary>
    static ParquetSchema ReadSchema(string path, string displayPath)
    {
        using var file = OpenFile(path, displayPath);
        var reader = Guard(displayPath, () => PqReader.CreateAsync(file.Stream, ReaderOptions, leaveStreamOpen: true).GetAwaiter().GetResult());
        return Guard(displayPath, () => reader.Schema);
    }

    /// <summary>
    /// Each top-level column of a Parquet file with the schema type it reads as most naturally (what <c>data infer</c>
    /// starts from): integers as integer, floating-point and decimal numbers as float, dates as date, timestamps as
    /// datetime, booleans as boolean, text as string; null for a column MlBuild cannot read (nested, repeated, or of an
    /// unsupported type such as TIME).
    /// </summary>
    public static IReadOnlyList<(string Name, Schema.ColumnType? Type)> ReadColumnTypes(string path, string? displayPath = null) =>
        ReadSchema(path, displayPath ?? path).Fields
            .Select(f => (f.Name, f is DataField { IsArray: false, MaxRepetitionLevel: 0, MaxDefinitionLevel: <= 1, SchemaElement: { } se }
                ? NaturalType(ParquetColumnBinding.Classify(se)) : null))
            .ToArray();

    static Schema.ColumnType? NaturalType(ParquetKind kind) => kind switch
    {
        ParquetKind.Int32 or ParquetKind.UInt32 or ParquetKind.Int64 or ParquetKind.UInt64 => Schema.ColumnType.Integer,
        ParquetKind.Float or ParquetKind.Double or ParquetKind.Decimal or ParquetKind.Float16 => Schema.ColumnType.Float,
        ParquetKind.Boolean => Schema.ColumnType.Boolean,
        ParquetKind.Date32 => Schema.ColumnType.Date,
        ParquetKind.TimestampMillis or ParquetKind.TimestampMicros or ParquetKind.TimestampNanos or ParquetKind.Int96 => Schema.ColumnType.DateTime,
        ParquetKind.Text => Schema.ColumnType.String,
        _ => null,
    };

    /// <summary>
    /// Validates one Parquet file of a dataset: one batch per row group, handed to <paramref name="merger"/> in order;
    /// the merger is done with a batch when the call returns (its arrays are pooled). Failure locations carry the row
    /// group, the row within the file and a record number relative to the batch, to which the merger adds the records
    /// merged before (as for CSV). <paramref name="recordBase"/> grows by this file's rows. Throws
    /// <see cref="MlBuildException"/>: MLB1201 for a file that is not readable Parquet, MLB1202 for a column whose type
    /// cannot be read as the schema's, MLB1203 for a nested or repeated column.
    /// </summary>
    public static void Read(string path, string displayPath, ValidationPlan plan, BatchChecker checker, ValidationMerger merger,
        ValidationOptions options, ref long recordBase)
        => Read(path, displayPath, plan, checker, merger, options, ref recordBase, ParquetReadTuning.Default);

    internal static void Read(string path, string displayPath, ValidationPlan plan, BatchChecker checker, ValidationMerger merger,
        ValidationOptions options, ref long recordBase, ParquetReadTuning tuning)
    {
        using var pool = new ChunkReaderPool(path, displayPath);
        var main = pool.Rent();
        var meta = main.Reader.Metadata ?? throw Corrupt(displayPath, "the footer has no metadata");
        var schema = Guard(displayPath, () => main.Reader.Schema);
        var bindings = ParquetColumnBinding.Bind(plan, schema, displayPath);
        pool.Return(main);
        // The footer knows the file's rows: size the uniqueness sets once rather than doubling them batch by batch.
        if (meta.NumRows > 0) merger.ExpectRecords(merger.Records + meta.NumRows);

        // Columns compared by a row rule are decoded and checked by the same thread, so the rule sees both.
        var groups = GroupByRules(plan, bindings);
        var positions = plan.Columns.Select(c => c.DataPosition).ToArray();
        long firstRow = 0;
        int rowGroups = meta.RowGroups?.Count ?? 0;
        for (int g = 0; g < rowGroups; g++)
        {
            var rg = meta.RowGroups![g];
            if (rg.NumRows < 0 || rg.NumRows > Array.MaxLength)
                throw Corrupt(displayPath, $"row group {g} declares {rg.NumRows} rows");
            int rows = (int)rg.NumRows;
            var batch = new RowBatch { Columns = new ColumnVector?[plan.Columns.Length], DataColumnPositions = positions, RowCount = rows };
            if (options.ColumnObserver is not null) batch.ColumnStates = new object?[plan.Columns.Length];
            batch.Locator = new ParquetRowLocator(displayPath, g, firstRow);
            foreach (var b in bindings)
                batch.Columns[b.Plan.Index] = VectorArrays.Rent(b.Target, rows, b.IsText);
            var result = BatchResult.Create(plan, batch);
            result.Records = rows;
            if (rows > 0)
            {
                // Order the work by size (largest first) so the last column to finish is a small one.
                var work = groups.OrderByDescending(grp => grp.Sum(b => ChunkSize(rg, b, g, displayPath))).ThenBy(grp => grp[0].Plan.Index).ToArray();
                void Run(ParquetColumnBinding[] group)
                {
                    var w = pool.Rent();
                    try { ProcessGroup(w, g, rows, group, batch, result, plan, checker, merger, options, tuning, displayPath); }
                    finally { pool.Return(w); }
                }
                if (options.MaxParallelism <= 1 || work.Length == 1)
                    foreach (var grp in work) Run(grp);
                else
                {
                    try
                    {
                        Parallel.ForEach(System.Collections.Concurrent.Partitioner.Create(work, EnumerablePartitionerOptions.NoBuffering),
                            new ParallelOptions { MaxDegreeOfParallelism = options.MaxParallelism }, Run);
                    }
                    catch (AggregateException ae)
                    {
                        var inner = ae.Flatten().InnerExceptions;
                        throw inner.OfType<MlBuildException>().FirstOrDefault() ?? inner[0];
                    }
                }
            }
            merger.Merge(result, uniquenessChecked: true);
            // The merger is done with the batch once it returns (as for CSV batches): its arrays go back to the pool.
            foreach (var v in batch.Columns)
                if (v is not null) VectorArrays.Return(v);
            firstRow += rows;
        }
        recordBase += firstRow;
    }

    static long ChunkSize(global::Parquet.Meta.RowGroup rg, ParquetColumnBinding b, int g, string displayPath)
    {
        foreach (var c in rg.Columns)
            if (c.MetaData is { } m && m.PathInSchema.Count == 1 && m.PathInSchema[0] == b.FileField.Name)
                return m.TotalUncompressedSize;
        throw Corrupt(displayPath, $"row group {g} has no data for column '{b.FileField.Name}'");
    }

    static List<ParquetColumnBinding[]> GroupByRules(ValidationPlan plan, ParquetColumnBinding[] bindings)
    {
        var parent = Enumerable.Range(0, plan.Columns.Length).ToArray();
        int Find(int x) { while (parent[x] != x) x = parent[x] = parent[parent[x]]; return x; }
        foreach (var (_, _, left, right) in plan.Rules)
            if (right >= 0) parent[Find(left)] = Find(right); // a rule with a constant (right -1) joins no columns
        return bindings.GroupBy(b => Find(b.Plan.Index)).Select(grp => grp.ToArray()).ToList();
    }

    static void ProcessGroup(ChunkReader w, int g, int rows, ParquetColumnBinding[] group, RowBatch batch, BatchResult result,
        ValidationPlan plan, BatchChecker checker, ValidationMerger merger, ValidationOptions options, ParquetReadTuning tuning, string displayPath)
    {
        // A view of the batch holding only this group's columns; it shares the batch's accumulators, and the checks of
        // different groups touch disjoint accumulators, so groups run concurrently without locks.
        var partial = new RowBatch
        {
            Columns = new ColumnVector?[plan.Columns.Length],
            DataColumnPositions = batch.DataColumnPositions,
            RowCount = rows,
            Locator = batch.Locator,
        };
        var view = new BatchResult { Checks = result.Checks, Columns = result.Columns, Batch = partial };
        var rowGroup = Guard(displayPath, () => w.Reader.OpenRowGroupReader(g));
        bool inRule = group.Length > 1 || plan.Rules.Any(r => r.Left == group[0].Plan.Index || r.Right == group[0].Plan.Index);
        foreach (var b in group)
        {
            var v = batch.Columns[b.Plan.Index]!;
            bool entryChecks = tuning.EntryChecks && !inRule && b.Target is Schema.ColumnType.String or Schema.ColumnType.Category;
            // A uniqueness check needs every row's value, so its column's values are never deferred.
            w.DeferDictionaryValues = tuning.EntryChecks && !inRule && b.Plan.UniqueCheck < 0 && EntryNumericChecker.ChecksEntriesOf(b.Kind, b.Target);
            ParquetColumnDecoder.Decode(w, rowGroup, b, v, rows, view, checker, displayPath, tuning.DirectChunks);
            w.DeferDictionaryValues = false;
            if (entryChecks && b.IsText)
                EntryStringChecker.Check(checker, options, view, b.Plan, v, w.Entries, w.RowEntry.AsSpan(0, rows));
            else if (!(tuning.EntryChecks && !inRule && EntryNumericChecker.TryCheck(checker, plan, view, b.Plan, v, w, b.Kind)))
            {
                // The dictionary holds a value the entry checks do not take (a non-finite number, a day out of range):
                // decode the chunk again with every row's value, for the per-cell checks.
                if (w.ValuesDeferred) ParquetColumnDecoder.Decode(w, rowGroup, b, v, rows, view, checker, displayPath, tuning.DirectChunks);
                partial.Columns[b.Plan.Index] = v;
            }
        }
        checker.Check(view);
        checker.Observe(partial, batch);
        // Uniqueness against the earlier row groups (all merged by now) runs here, beside the other columns' work,
        // instead of on the merge's single thread; each column has its own set.
        foreach (var b in group)
            if (b.Plan.UniqueCheck >= 0) merger.CheckUniqueness(view, b.Plan, batch.Columns[b.Plan.Index]!);
    }

    internal static MlBuildException Corrupt(string displayPath, string reason) =>
        new(new MlDiagnostic(DiagnosticCodes.ParquetUnreadable, MlSeverity.Error,
            $"'{displayPath}' is not a readable Parquet file ({reason}). Check that the file is complete and was written as Parquet.", displayPath));

    /// <summary>Runs a Parquet.Net call; anything it throws means the file is not readable Parquet (MLB1201).</summary>
    internal static T Guard<T>(string displayPath, Func<T> read)
    {
        try { return read(); }
        catch (MlBuildException) { throw; }
        catch (Exception ex) when (ex is not (OperationCanceledException or StackOverflowException))
        {
            throw Corrupt(displayPath, Reason(ex));
        }
    }

    static string Reason(Exception ex)
    {
        var msg = ex.Message.ReplaceLineEndings(" ");
        if (msg.Length > 200) msg = msg[..200] + "…";
        return ex is EndOfStreamException ? "it ends early: " + msg : msg;
    }

    static FileHandle OpenFile(string path, string displayPath)
    {
        try
        {
            var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16, FileOptions.RandomAccess);
            if (stream.Length == 0)
            {
                stream.Dispose();
                throw Corrupt(displayPath, "the file is empty");
            }
            if (stream.Length < 12)
            {
                stream.Dispose();
                throw Corrupt(displayPath, $"the file has only {new FileInfo(path).Length} bytes");
            }
            return new FileHandle(stream);
        }
        catch (MlBuildException) { throw; }
        catch (FileNotFoundException) { throw new MlBuildException(new MlDiagnostic(DiagnosticCodes.DataFileNotFound, MlSeverity.Error, $"Data file '{displayPath}' was not found.", displayPath)); }
        catch (DirectoryNotFoundException) { throw new MlBuildException(new MlDiagnostic(DiagnosticCodes.DataFileNotFound, MlSeverity.Error, $"Data file '{displayPath}' was not found.", displayPath)); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new MlBuildException(new MlDiagnostic(DiagnosticCodes.ParquetUnreadable, MlSeverity.Error, $"'{displayPath}' cannot be opened: {ex.Message}", displayPath));
        }
    }

    sealed class FileHandle(FileStream stream) : IDisposable
    {
        public FileStream Stream { get; } = stream;
        public void Dispose() => Stream.Dispose();
    }

    /// <summary>Chunk readers of one file, one per concurrent thread, each on its own stream.</summary>
    sealed class ChunkReaderPool(string path, string displayPath) : IDisposable
    {
        readonly ConcurrentBag<ChunkReader> _idle = [];
        readonly ConcurrentBag<ChunkReader> _all = [];

        public ChunkReader Rent()
        {
            if (_idle.TryTake(out var w)) return w;
            var file = OpenFile(path, displayPath);
            try
            {
                var reader = Guard(displayPath, () => PqReader.CreateAsync(file.Stream, ReaderOptions, leaveStreamOpen: true).GetAwaiter().GetResult());
                w = new ChunkReader(file.Stream, reader);
            }
            catch
            {
                file.Dispose();
                throw;
            }
            _all.Add(w);
            return w;
        }

        public void Return(ChunkReader w) => _idle.Add(w);

        public void Dispose()
        {
            foreach (var w in _all) w.Dispose();
        }
    }
}

/// <summary>One file stream with its Parquet.Net reader and the reusable buffers that column chunks are read and
/// decoded into (sized for the largest row group seen); used by one thread at a time.</summary>
internal sealed class ChunkReader(FileStream stream, PqReader reader) : IDisposable
{
    public PqReader Reader { get; } = reader;
    public Microsoft.Win32.SafeHandles.SafeFileHandle Handle => stream.SafeFileHandle;
    public long FileLength { get; } = stream.Length;
    // buffers of the direct chunk decoder
    public byte[] Chunk = [];
    public byte[] Page = [];
    public byte[] Raw = [];
    public byte[] Dict = [];
    public int[] Indices = [];
    public int[] DictOffsets = [];
    public int[] DictLengths = [];
    public int[] DictEntry = [];
    public int[] PackedEntries = [];
    /// <summary>Whether the last directly decoded numeric chunk was all dictionary-encoded (its indices in <see cref="Indices"/>, its entries in <see cref="Dict"/>).</summary>
    public bool AllDictionary;
    /// <summary>
    /// Set by the caller before decoding a numeric chunk that <see cref="EntryNumericChecker"/> will check per entry: if
    /// the chunk is dictionary-encoded throughout, its values are left as indices (<see cref="ValuesDeferred"/>) instead
    /// of being copied to every row, and the checker sets the value of each failing row for its report.
    /// </summary>
    public bool DeferDictionaryValues;
    /// <summary>Whether the last decoded numeric chunk's values were left in <see cref="Indices"/> (the vector's values are not set).</summary>
    public bool ValuesDeferred;
    public int DictCount;
    public int[] Levels = [];
    public int[] Ints = [];
    public long[] Longs = [];
    public float[] Floats = [];
    public double[] Doubles = [];
    public bool[] Bools = [];
    public decimal[] Decimals = [];
    public DateTime[] DateTimes = [];
    public ReadOnlyMemory<byte>[] Blobs = [];
    public int[] RowEntry = [];
    /// <summary>Whether the last decoded text column was parsed as another type: per entry of <see cref="Entries"/>, whether it parsed (<see cref="EntryOk"/>) and its value (<see cref="EntryValues"/>, a double's bits for floats).</summary>
    public bool TextParsed;
    public bool[] EntryOk = [];
    public long[] EntryValues = [];
    public int[] EntryCounts = [];
    public int[] EntryLanes = [];
    public double[] EntryDoubles = [];
    public ParquetColumnDecoder.EntryCell[] EntryCells = [];
    public byte[] EntryFlags = [];
    public readonly Utf8EntryTable Entries = new();

    public static T[] Ensure<T>(ref T[] buffer, int n)
    {
        if (buffer.Length < n)
        {
            if (buffer.Length > 0) System.Buffers.ArrayPool<T>.Shared.Return(buffer, RuntimeHelpers.IsReferenceOrContainsReferences<T>());
            buffer = System.Buffers.ArrayPool<T>.Shared.Rent(Math.Max(n, 1024));
        }
        return buffer;
    }

    static void Give<T>(ref T[] buffer)
    {
        if (buffer.Length > 0) System.Buffers.ArrayPool<T>.Shared.Return(buffer, RuntimeHelpers.IsReferenceOrContainsReferences<T>());
        buffer = [];
    }

    public void Dispose()
    {
        Give(ref Levels); Give(ref Ints); Give(ref Longs); Give(ref Floats); Give(ref Doubles); Give(ref Bools);
        Give(ref Decimals); Give(ref DateTimes); Give(ref Blobs); Give(ref RowEntry);
        Give(ref EntryOk); Give(ref EntryValues); Give(ref EntryCounts); Give(ref EntryLanes); Give(ref EntryDoubles); Give(ref EntryFlags); Give(ref EntryCells);
        Give(ref Chunk); Give(ref Page); Give(ref Raw); Give(ref Dict); Give(ref Indices);
        Give(ref DictOffsets); Give(ref DictLengths); Give(ref DictEntry); Give(ref PackedEntries);
        Reader.DisposeAsync().AsTask().GetAwaiter().GetResult();
        stream.Dispose();
    }
}

