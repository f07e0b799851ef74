using MlBuild.Core.Data.Schema;
using MlBuild.Core.Data.Validation;
using MlBuild.Core.Diagnostics;

namespace MlBuild.Core.Data.Profiling;

/// <summary>
/// Builds a <see cref="MergeableProfile"/> of a dataset in one pass of MlBuild's own CSV and Parquet readers: the
/// validator runs with a schema reduced to the column types (no checks to fail), and every decoded batch is handed,
/// in data order, to the column accumulators here. Validation itself is untouched by this: it passes no observer.
/// </summary>
public static class ProfileBuilder
{
    /// <summary>
    /// Profiles <paramref name="request"/>'s files with its schema's column types (checks are ignored). Throws
    /// <see cref="MlBuildException"/> for unreadable input, as validation reports it.
    /// </summary>
    public static MergeableProfile Build(DatasetRequest request, ProfileLimits? limits = null, int maxParallelism = 0, Action<long, long>? progress = null)
    {
        limits ??= new ProfileLimits();
        var typesOnly = TypesOnly(request.Schema);
        var columns = typesOnly.Columns.Select(c => new MergeableColumn(c.Name, c.Type, limits)).ToArray();
        var options = new ValidationOptions
        {
            MaxParallelism = maxParallelism > 0 ? maxParallelism : Environment.ProcessorCount,
            Progress = progress,
            BatchObserver = batch => Observe(batch, columns),
        };
        var result = DatasetValidator.Validate(request with { Schema = typesOnly }, options);
        if (result.InputErrors.Count > 0) throw new MlBuildException(result.InputErrors[0]);
        var profile = new MergeableProfile(limits) { Rows = result.Records };
        var present = result.Profile?.Columns.Select(c => c.Name).ToHashSet(StringComparer.Ordinal) ?? [];
        profile.Columns.AddRange(columns.Where(c => present.Contains(c.Name)));
        return profile;
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

    static void Observe(RowBatch batch, MergeableColumn[] columns)
    {
        for (int i = 0; i < columns.Length; i++)
        {
            if (batch.Columns[i] is not { } v) continue;
            var c = columns[i];
            int rows = batch.RowCount;
            if (c.Kind == ProfileColumnKind.Numeric) ObserveNumbers(c, v, rows);
            else ObserveCategories(c, v, rows);
        }
    }

    static void ObserveNumbers(MergeableColumn c, ColumnVector v, int rows)
    {
        var states = v.States.AsSpan(0, rows);
        bool floats = v.Type == ColumnType.Float;
        var values = c.Values!;
        long finite = 0;
        double sum = 0, min = c.Min, max = c.Max;
        long minInteger = c.MinInteger ?? long.MaxValue, maxInteger = c.MaxInteger ?? long.MinValue;
        for (int r = 0; r < rows; r++)
        {
            switch (states[r])
            {
                case CellState.Null: c.Nulls++; continue;
                case CellState.Invalid: c.Invalid++; continue;
                case CellState.Skipped: continue;
            }
            c.Count++;
            double x = floats ? v.Doubles[r] : v.Longs[r];
            if (!floats)
            {
                minInteger = Math.Min(minInteger, v.Longs[r]);
                maxInteger = Math.Max(maxInteger, v.Longs[r]);
            }
            if (!double.IsFinite(x))
            {
                if (double.IsNaN(x)) c.NaN++;
                else if (x > 0) c.PositiveInfinity++;
                else c.NegativeInfinity++;
                continue;
            }
            values.Add(x);
            finite++;
            sum += x;
            if (x < min) min = x;
            if (x > max) max = x;
        }
        c.Min = min; c.Max = max;
        if (!floats && minInteger <= maxInteger) { c.MinInteger = minInteger; c.MaxInteger = maxInteger; }
        if (finite == 0) return;
        // The batch's moments in two passes (the mean first), then combined with the column's: stable where a running
        // sum of squares cancels.
        double mean = sum / finite;
        if (!double.IsFinite(mean)) mean = MeanScaled(v, states, floats);
        double m2 = 0;
        for (int r = 0; r < rows; r++)
        {
            if (states[r] != CellState.Value) continue;
            double x = floats ? v.Doubles[r] : v.Longs[r];
            if (!double.IsFinite(x)) continue;
            double d = x - mean;
            m2 += d * d;
        }
        c.AddMoments(finite, mean, m2);
    }

    /// <summary>The mean when the plain sum overflows (values near the double range's ends): a running mean.</summary>
    static double MeanScaled(ColumnVector v, ReadOnlySpan<CellState> states, bool floats)
    {
        double mean = 0;
        long n = 0;
        for (int r = 0; r < states.Length; r++)
        {
            if (states[r] != CellState.Value) continue;
            double x = floats ? v.Doubles[r] : v.Longs[r];
            if (!double.IsFinite(x)) continue;
            n++;
            mean += x / n - mean / n;
        }
        return mean;
    }

    static void ObserveCategories(MergeableColumn c, ColumnVector v, int rows)
    {
        var states = v.States.AsSpan(0, rows);
        var counts = c.Categories!;
        bool booleans = v.Type == ColumnType.Boolean;
        long trues = 0, falses = 0;
        for (int r = 0; r < rows; r++)
        {
            switch (states[r])
            {
                case CellState.Null: c.Nulls++; continue;
                case CellState.Invalid: c.Invalid++; continue;
                case CellState.Skipped: continue;
            }
            c.Count++;
            if (booleans)
            {
                if (v.Longs[r] != 0) trues++; else falses++;
            }
            else counts.Add(v.Utf8(r));
        }
        if (booleans)
        {
            counts.Add("false", falses);
            counts.Add("true", trues);
        }
    }
}
