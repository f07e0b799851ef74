using System.Text;
using MlBuild.Core.Data.Checks;
using MlBuild.Core.Data.Validation;

namespace MlBuild.Core.Data.Parquet;

/// <summary>
/// The string and category checks (<see cref="ValueChecks.Text"/>) evaluated per distinct entry of a decoded column
/// chunk instead of per cell: allowed set, pattern and length once per entry, HyperLogLog once per entry (it is idempotent),
/// value counts from the entry counts. Failures are still recorded cell by cell in row order through
/// <see cref="BatchChecker.FailValue"/>, so the outcome equals <see cref="BatchChecker.Check"/> on the same vector
/// (a test asserts this).
/// </summary>
internal static class EntryStringChecker
{
    /// <param name="rowEntry">Per row: the entry, or -1 for a null cell.</param>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static void Check(BatchChecker checker, ValidationOptions options, BatchResult r, ColumnPlan p,
        ColumnVector v, Utf8EntryTable table, ReadOnlySpan<int> rowEntry)
    {
        var acc = r.Columns[p.Index];
        int rows = v.Count;

        long nulls = 0;
        for (int i = 0; i < rows; i++)
        {
            if (rowEntry[i] >= 0) continue;
            nulls++;
            if (p.NotNullCheck >= 0) checker.FailNull(r, p, v, i);
        }
        acc.Nulls += nulls;
        if (p.NotNullCheck >= 0) r.Checks[p.NotNullCheck].Evaluated += rows;
        long n = rows - nulls;

        int entries = table.Count;
        var flags = new ValueFailures[entries];
        bool anyFlag = false;
        for (int e = 0; e < entries; e++)
        {
            if (table.Counts[e] == 0) continue;
            var bytes = table.Bytes(e);
            acc.Hll.Add(table.Hashes[e]);
            var f = ValueChecks.Text(p, bytes, out int length);
            if (length < acc.MinLength) acc.MinLength = length;
            if (length > acc.MaxLength) acc.MaxLength = length;
            flags[e] = f;
            anyFlag |= f != ValueFailures.None;
        }
        if (anyFlag)
        {
            for (int i = 0; i < rows; i++)
            {
                int e = rowEntry[i];
                if (e < 0) continue;
                var f = flags[e];
                if (f != ValueFailures.None) checker.FailValue(r, p, v, i, f);
            }
        }
        acc.Count += n;
        foreach (var check in new[] { p.AllowedCheck, p.PatternCheck, p.LengthCheck })
            if (check >= 0) r.Checks[check].Evaluated += n;

        // Value counts as the checker's per-batch table would hold them: entries in first-occurrence order, at most
        // MaxDistinctValues per batch, then drained into the column's counts under the same cap.
        acc.Values ??= new Dictionary<string, long>(StringComparer.Ordinal);
        int cap = options.MaxDistinctValues;
        var target = acc.Values;
        for (int e = 0; e < entries; e++)
        {
            if (table.Counts[e] == 0) continue;
            if (e >= cap) { acc.ValuesTruncated = true; break; }
            var key = Encoding.UTF8.GetString(table.Bytes(e));
            if (target.TryGetValue(key, out var count)) target[key] = count + table.Counts[e];
            else if (target.Count < cap) target[key] = table.Counts[e];
            else acc.ValuesTruncated = true;
        }
    }
}
