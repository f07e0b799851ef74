using System.Runtime.InteropServices;
using MlBuild.Core.Data.Schema;
using MlBuild.Core.Data.Validation;
using MlBuild.Core.Diagnostics;

namespace MlBuild.Core.Data.Profiling;

/// <summary>
/// Builds a <see cref="MergeableProfile"/> of a dataset in one pass of MlBuild's own CSV and Parquet readers: the
/// validator runs with a schema reduced to the column types (no checks to fail). Each reading thread counts the values
/// of the batches it decoded into its own distributions (<see cref="NumericDistribution"/>, <see cref="Utf8ValueCounter"/>),
/// which depend only on the multiset of values, and sums up each batch's counts, extremes and moments; the merging
/// thread folds those batch summaries in data order (moments are order-sensitive to rounding), and the threads'
/// distributions are merged at the end. So the profile is the same for any thread count: batches are cut by the file
/// (chunk bytes, row groups), never by the threads. Validation itself is untouched by this: it passes no observer.
/// </summary>
public static class ProfileBuilder
{
    /// <summary>
    /// Profiles <paramref name="request"/>'s files with its schema's column types (checks are ignored). Throws
    /// <see cref="MlBuildException"/> for unreadable input, as validation reports it.
    /// </summary>
    public static MergeableProfile Build(DatasetRequest request, ProfileLimits? limits = null, int maxParallelism = 0, Action<long, long>? progress = null) =>
        Build(request, limits, new ValidationOptions { MaxParallelism = maxParallelism > 0 ? maxParallelism : Environment.ProcessorCount, Progress = progress });

    /// <summary>Profiles with the reading options of <paramref name="reading"/> (threads, chunk bytes, progress); its
    /// observers are replaced by the profile's.</summary>
    public static MergeableProfile Build(DatasetRequest request, ProfileLimits? limits, ValidationOptions reading) => Build(request, limits, reading, null);

    /// <summary>
    /// Profiles the current data to compare with <paramref name="reference"/> (<see cref="Drift.DriftAnalyzer"/>), with its
    /// limits. A numeric column the reference holds as a sketch is counted as a sketch from the start, without a distinct
    /// count: the comparison puts both sides on the sketch's buckets then, which an exact count gives the same, so the
    /// drift found is the same as with <see cref="Build(DatasetRequest, ProfileLimits?, int, Action{long, long}?)"/> and
    /// only cheaper. The profile is for this comparison, not for saving (such a column may be a sketch where a profile of
    /// its own would be exact, and has no distinct count: writing it throws).
    /// </summary>
    public static MergeableProfile BuildForDrift(DatasetRequest current, MergeableProfile reference, int maxParallelism = 0, Action<long, long>? progress = null) =>
        Build(current, reference.Limits,
            new ValidationOptions { MaxParallelism = maxParallelism > 0 ? maxParallelism : Environment.ProcessorCount, Progress = progress }, SketchedIn(reference));

    /// <summary>
    /// Validates <paramref name="current"/> with its schema's checks and, in the same pass over its files, profiles it as
    /// <see cref="BuildForDrift"/> does: how <c>dotnet build</c> checks a dataset with a reference profile without reading
    /// it twice. The validation result is what <see cref="DatasetValidator.Validate"/> gives with
    /// <paramref name="options"/>; the profile is null when the result has input errors (then there is no drift to judge).
    /// </summary>
    public static (ValidationResult Result, MergeableProfile? Profile) ValidateForDrift(DatasetRequest current, MergeableProfile reference, ValidationOptions options)
    {
        var (result, profile) = Run(current, reference.Limits, options, SketchedIn(reference), validate: true);
        return (result, result.InputErrors.Count > 0 ? null : profile);
    }

    static HashSet<(string Name, ColumnType Type)> SketchedIn(MergeableProfile reference) =>
        reference.Columns.Where(c => c.Kind == ProfileColumnKind.Numeric && !c.Values!.IsExact).Select(c => (c.Name, c.Type)).ToHashSet();

    static MergeableProfile Build(DatasetRequest request, ProfileLimits? limits, ValidationOptions reading, HashSet<(string Name, ColumnType Type)>? sketches)
    {
        var (result, profile) = Run(request, limits, reading, sketches, validate: false);
        if (result.InputErrors.Count > 0) throw new MlBuildException(result.InputErrors[0]);
        return profile;
    }

    /// <summary>
    /// One pass of the validator over <paramref name="request"/>'s files with the profile's observers: with the schema's
    /// checks (<paramref name="validate"/>), or with its column types only. The observers see the same cells either way:
    /// a cell's state (value, null, invalid, skipped) depends on its column's type, not on the checks.
    /// </summary>
    static (ValidationResult Result, MergeableProfile Profile) Run(DatasetRequest request, ProfileLimits? limits, ValidationOptions reading,
        HashSet<(string Name, ColumnType Type)>? sketches, bool validate)
    {
        limits ??= new ProfileLimits();
        var typesOnly = TypesOnly(request.Schema);
        var columns = typesOnly.Columns.Select(c => new MergeableColumn(c.Name, c.Type, limits)).ToArray();
        // Per column, whether it is counted as a sketch (a reading thread sets it when its values outgrow the exact limit).
        var sketched = columns.Select(c => c.Kind == ProfileColumnKind.Numeric && sketches is not null && sketches.Contains((c.Name, c.Type))).ToArray();
        // Those sketched for the reference only compare on their buckets: they skip the distinct count.
        var uncounted = (bool[])sketched.Clone();
        using var perThread = new ThreadLocal<ThreadValues>(() => new ThreadValues(columns, limits, sketched, uncounted), trackAllValues: true);
        var options = reading with
        {
            ColumnObserver = (batch, i) => perThread.Value!.Observe(batch, i),
            BatchObserver = batch => Fold(batch, columns),
            ColumnChecks = validate, // without checks the validator keeps no statistics of its own: the observers profile
        };
        var result = DatasetValidator.Validate(validate ? request : request with { Schema = typesOnly }, options);
        // Each column's thread distributions merge on their own (counts add, in any order): columns in parallel.
        var threads = perThread.Values;
        Parallel.For(0, columns.Length, new ParallelOptions { MaxDegreeOfParallelism = reading.MaxParallelism }, i =>
        {
            foreach (var values in threads) values.PourInto(columns[i], i);
        });
        var profile = new MergeableProfile(limits) { Rows = result.Records };
        var present = result.Profile?.Columns.Select(c => c.Name).ToHashSet(StringComparer.Ordinal) ?? [];
        profile.Columns.AddRange(columns.Where(c => present.Contains(c.Name)));
        return (result, profile);
    }

    /// <summary>Profiles files with a schema inferred from them (<see cref="SchemaInferrer"/>) when none is given.</summary>
    public static MergeableProfile Build(string name, IReadOnlyList<string> files, string baseDirectory, DatasetSchema? schema,
        ProfileLimits? limits = null, int maxParallelism = 0, Action<long, long>? progress = null)
    {
        schema ??= SchemaInferrer.Infer(name, files, baseDirectory).Schema;
        return Build(new DatasetRequest(name, files, schema, baseDirectory), limits, maxParallelism, progress);
    }

    /// <summary>A schema with the same columns, types and CSV format but no checks: a profile describes the data, it
    /// does not judge it. Missing and extra columns are allowed (a missing column is left out of the profile).</summary>
    public static DatasetSchema TypesOnly(DatasetSchema schema) => new()
    {
        Columns = schema.Columns.Select(c => new ColumnSchema { Name = c.Name, Type = c.Type, Format = c.Format, Nullable = true, Required = true }).ToList(),
        ExtraColumns = ColumnPolicy.Ignore,
        MissingColumns = ColumnPolicy.Ignore,
        Csv = schema.Csv,
        SourcePath = schema.SourcePath,
    };

    /// <summary>Folds each column's batch summary into the dataset's, in data order (the merging thread).</summary>
    static void Fold(RowBatch batch, MergeableColumn[] columns)
    {
        if (batch.ColumnStates is not { } states) return;
        for (int i = 0; i < columns.Length; i++)
            if (states[i] is BatchSummary s) s.FoldInto(columns[i]);
    }

    /// <summary>A column's counts, extremes and moments in one batch.</summary>
    sealed class BatchSummary
    {
        public long Count, Nulls, Invalid, NaN, PositiveInfinity, NegativeInfinity, Trues, Falses;
        public double Min = double.PositiveInfinity, Max = double.NegativeInfinity;
        public long MinInteger = long.MaxValue, MaxInteger = long.MinValue;
        public long Finite;
        public double Mean, M2;

        public void FoldInto(MergeableColumn c)
        {
            c.Count += Count; c.Nulls += Nulls; c.Invalid += Invalid;
            c.NaN += NaN; c.PositiveInfinity += PositiveInfinity; c.NegativeInfinity += NegativeInfinity;
            if (c.Kind == ProfileColumnKind.Categorical)
            {
                if (Falses > 0) c.Categories!.Add("false", Falses);
                if (Trues > 0) c.Categories!.Add("true", Trues);
                return;
            }
            c.Min = Math.Min(c.Min, Min); c.Max = Math.Max(c.Max, Max);
            if (MinInteger <= MaxInteger)
            {
                c.MinInteger = Math.Min(c.MinInteger ?? long.MaxValue, MinInteger);
                c.MaxInteger = Math.Max(c.MaxInteger ?? long.MinValue, MaxInteger);
            }
            if (Finite > 0) c.AddMoments(Finite, Mean, M2);
        }
    }

    /// <summary>One reading thread's distributions of every column, and its scratch space.</summary>
    /// <param name="sketched">Per column, whether some thread's values of it already outgrew the exact limit: then the
    /// whole column is a sketch, and every thread turns its own into one rather than keep counting exactly.</param>
    /// <param name="uncounted">Per column, whether its sketch skips the distinct count (it is never saved).</param>
    sealed class ThreadValues(MergeableColumn[] columns, ProfileLimits limits, bool[] sketched, bool[] uncounted)
    {
        readonly NumericDistribution?[] _numbers = columns.Select((c, i) => c.Kind != ProfileColumnKind.Numeric ? null
            : uncounted[i] ? Sketched(new NumericDistribution(limits.ExactValues, limits.SketchBits)) : new NumericDistribution(limits.ExactValues, limits.SketchBits)).ToArray();

        static NumericDistribution Sketched(NumericDistribution d)
        {
            d.BecomeSketch(countDistinct: false);
            return d;
        }

        readonly Utf8ValueCounter?[] _texts = columns.Select(c => c.Kind == ProfileColumnKind.Categorical && c.Type != ColumnType.Boolean ? new Utf8ValueCounter(limits.Categories) : null).ToArray();
        double[] _finite = [];

        public BatchSummary? Observe(RowBatch batch, int i)
        {
            if (batch.Columns[i] is not { } v) return null;
            var s = new BatchSummary();
            if (_numbers[i] is { } numbers) ObserveNumbers(s, numbers, v, batch.RowCount, i);
            else ObserveCategories(s, _texts[i], v, batch.RowCount);
            return s;
        }

        /// <summary>Adds what this thread counted of column <paramref name="i"/> to <paramref name="into"/>.</summary>
        public void PourInto(MergeableColumn into, int i)
        {
            if (_numbers[i] is { } numbers)
            {
                // The first thread's distribution is taken as it is rather than copied into the empty one.
                if (into.Values!.Count == 0 && into.Values.IsExact) into.Values = numbers;
                else into.Values!.Merge(numbers);
            }
            else _texts[i]?.PourInto(into.Categories!);
        }

        void ObserveNumbers(BatchSummary s, NumericDistribution values, ColumnVector v, int rows, int column)
        {
            var states = v.States.AsSpan(0, rows);
            bool floats = v.Type == ColumnType.Float;
            if (floats && states.IndexOfAnyExcept(CellState.Value) < 0 && ObserveDenseFloats(s, values, v.Doubles.AsSpan(0, rows), column)) return;
            if (_finite.Length < rows) _finite = new double[Math.Max(rows, 4096)];
            var finite = _finite;
            if (!floats && rows > 0 && states.IndexOfAnyExcept(CellState.Value) < 0) { ObserveDenseIntegers(s, values, v.Longs.AsSpan(0, rows), finite, column); return; }
            int n = 0;
            double sum = 0, min = double.PositiveInfinity, max = double.NegativeInfinity;
            long minInteger = long.MaxValue, maxInteger = long.MinValue;
            for (int r = 0; r < rows; r++)
            {
                switch (states[r])
                {
                    case CellState.Null: s.Nulls++; continue;
                    case CellState.Invalid: s.Invalid++; continue;
                    case CellState.Skipped: continue;
                }
                s.Count++;
                double x;
                if (floats)
                {
                    x = v.Doubles[r];
                    if (!double.IsFinite(x))
                    {
                        if (double.IsNaN(x)) s.NaN++;
                        else if (x > 0) s.PositiveInfinity++;
                        else s.NegativeInfinity++;
                        continue;
                    }
                }
                else
                {
                    long l = v.Longs[r];
                    minInteger = Math.Min(minInteger, l);
                    maxInteger = Math.Max(maxInteger, l);
                    x = l;
                }
                finite[n++] = x;
                sum += x;
                if (x < min) min = x;
                if (x > max) max = x;
            }
            s.Min = min; s.Max = max; s.MinInteger = minInteger; s.MaxInteger = maxInteger;
            if (n == 0) return;
            AddValues(s, values, finite.AsSpan(0, n), sum, column);
        }

        /// <summary>An integer, date or datetime column's batch with a value in every row (the usual one): no state checks.
        /// The same figures as the general loop (the conversion to double keeps order, so the extremes convert).</summary>
        void ObserveDenseIntegers(BatchSummary s, NumericDistribution values, ReadOnlySpan<long> longs, double[] finite, int column)
        {
            double sum = 0;
            long minInteger = long.MaxValue, maxInteger = long.MinValue;
            var kept = finite.AsSpan(0, longs.Length);
            for (int r = 0; r < longs.Length; r++)
            {
                long l = longs[r];
                if (l < minInteger) minInteger = l;
                if (l > maxInteger) maxInteger = l;
                double x = l;
                kept[r] = x;
                sum += x;
            }
            s.Count = longs.Length;
            s.MinInteger = minInteger; s.MaxInteger = maxInteger;
            s.Min = minInteger; s.Max = maxInteger;
            AddValues(s, values, kept, sum, column);
        }

        /// <summary>A float column's batch with a finite value in every row (the usual one): no copy, no state checks.
        /// False (nothing counted) when a value is NaN or infinite.</summary>
        bool ObserveDenseFloats(BatchSummary s, NumericDistribution values, ReadOnlySpan<double> xs, int column)
        {
            if (xs.IsEmpty) return false;
            var (sum, min, max) = Moments.SumMinMax(xs);
            if (!double.IsFinite(min) || !double.IsFinite(max) || double.IsNaN(sum)) return false;
            s.Count = xs.Length;
            s.Min = min; s.Max = max;
            AddValues(s, values, xs, sum, column);
            return true;
        }

        /// <summary>Counts a batch's finite values and takes their moments.</summary>
        void AddValues(BatchSummary s, NumericDistribution values, ReadOnlySpan<double> kept, double sum, int column)
        {
            if (Volatile.Read(ref sketched[column])) values.BecomeSketch();
            values.AddAll(kept);
            if (values.Sketch is not null) Volatile.Write(ref sketched[column], true);
            int n = kept.Length;
            // The batch's moments in two passes (the mean first), then combined with the column's in data order:
            // stable where a running sum of squares cancels.
            double mean = sum / n;
            if (!double.IsFinite(mean)) mean = MeanScaled(kept);
            double m2 = Moments.SquaredDeviations(kept, mean);
            s.Finite = n; s.Mean = mean; s.M2 = m2;
        }

        static void ObserveCategories(BatchSummary s, Utf8ValueCounter? counter, ColumnVector v, int rows)
        {
            var states = v.States.AsSpan(0, rows);
            var bytes = MemoryMarshal.Cast<CellState, byte>(states);
            s.Nulls = bytes.Count((byte)CellState.Null);
            s.Invalid = bytes.Count((byte)CellState.Invalid);
            s.Count = bytes.Count((byte)CellState.Value);
            if (v.Type != ColumnType.Boolean)
            {
                counter!.AddAll(states, v.Starts.AsSpan(0, rows), v.Lengths.AsSpan(0, rows), v.Bytes);
                return;
            }
            for (int r = 0; r < rows; r++)
                if (states[r] == CellState.Value)
                {
                    if (v.Longs[r] != 0) s.Trues++; else s.Falses++;
                }
        }
    }

    /// <summary>The mean when the plain sum overflows (values near the double range's ends): a running mean.</summary>
    static double MeanScaled(ReadOnlySpan<double> values)
    {
        double mean = 0;
        long n = 0;
        foreach (var x in values)
        {
            n++;
            mean += x / n - mean / n;
        }
        return mean;
    }
}
