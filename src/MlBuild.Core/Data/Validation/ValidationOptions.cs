namespace MlBuild.Core.Data.Validation;

/// <summary>Knobs of a validation run. Results never depend on <see cref="MaxParallelism"/>.</summary>
public sealed record ValidationOptions
{
    /// <summary>Threads that read and check chunks; defaults to the processor count.</summary>
    public int MaxParallelism { get; init; } = Environment.ProcessorCount;
    /// <summary>CSV bytes per chunk. Part of what makes results reproducible: keep it fixed for comparable reports.</summary>
    public int ChunkBytes { get; init; } = 1 << 20; // two threads with 4 MB chunks outgrew the shared L3: 1 MB measured ~8 % faster
    /// <summary>A record longer than this is reported (MLB1107) rather than read.</summary>
    public int MaxRecordBytes { get; init; } = 64 << 20;
    /// <summary>Failures kept with their location per check.</summary>
    public int MaxFailuresPerCheck { get; init; } = 10;
    /// <summary>Distinct failing values counted per check.</summary>
    public int MaxTrackedFailingValues { get; init; } = 1000;
    /// <summary>Distinct values counted exactly per string column; past it the distinct count is an estimate.</summary>
    public int MaxDistinctValues { get; init; } = 100_000;
    /// <summary>Called from the reading thread with (bytes read, total bytes) of the current file; for progress bars.</summary>
    public Action<long, long>? Progress { get; init; }
    /// <summary>Most frequent values kept in profiles and failing-value lists.</summary>
    public int TopValues { get; init; } = 10;
    /// <summary>
    /// Called on the merging thread with each decoded batch, in data order, before its buffers are reused: how a
    /// profile pass (<see cref="Profiling.ProfileBuilder"/>) sees every value without a reader of its own. Null in
    /// validation, which then pays nothing for it.
    /// </summary>
    public Action<RowBatch>? BatchObserver { get; init; }
    /// <summary>
    /// Called on the reading thread that decoded a batch's column (concurrently, in any order), with the batch and the
    /// schema column index, before <see cref="BatchObserver"/> sees the batch; what it returns is kept in
    /// <see cref="RowBatch.ColumnStates"/> for it. How a profile pass does its per-value work on every reading thread
    /// and only folds the per-batch results, in data order, on the merging one. Null in validation.
    /// </summary>
    public Func<RowBatch, int, object?>? ColumnObserver { get; init; }
    /// <summary>
    /// False: columns are decoded but their values are neither checked nor profiled by the validator (the result's
    /// column statistics stay empty). For a profile pass with a types-only schema, whose observers do that work.
    /// </summary>
    public bool ColumnChecks { get; init; } = true;
}
