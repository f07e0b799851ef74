using System.Text;
using MlBuild.Core.Data.Validation;

namespace MlBuild.Core.Data.Parquet;

/// <summary>
/// The string and category checks of <see cref="BatchChecker"/> evaluated per distinct entry of a decoded column chunk
/// instead of per cell: allowed set, pattern and length once per entry, HyperLogLog once per entry (it is idempotent),
/// value counts from the entry counts. Failures are still recorded cell by cell in row order through
/// <see cref="BatchChecker.Fail"/>, so the outcome equals <see cref="BatchChecker.Check"/> on the same vector
/// (a test asserts this).
/// </summary>
internal static class EntryStringChecker
{
    [Flags]
    enum Flags : byte { None = 0, NotAllowed = 1, PatternMismatch = 2, BadLength = 4 }

    /// <param name="rowEntry">Per row: the entry, or -1 for a null cell.</param>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static void Check(BatchChecker checker, ValidationPlan plan, ValidationOptions options, BatchResult r, ColumnPlan p,
        ColumnVector v, Utf8EntryTable table, ReadOnlySpan<int> rowEntry)
    {
        var acc = r.Columns[p.Index];
        var c = p.Schema;
        int rows = v.Count;

        long nulls = 0;
        for (int i = 0; i < rows; i++)
        {
            if (rowEntry[i] >= 0) continue;
            nulls++;
            if (p.NotNullCheck >= 0)
                checker.Fail(r, p.NotNullCheck, i, p.DataPosition, v, $"column '{c.Name}' is empty but is not nullable");
        }
        acc.Nulls += nulls;
        if (p.NotNullCheck >= 0) r.Checks[p.NotNullCheck].Evaluated += rows;
        long n = rows - nulls;

        int entries = table.Count;
        var flags = new Flags[entries];
        bool anyFlag = false;
        for (int e = 0; e < entries; e++)
        {
            if (table.Counts[e] == 0) continue;
            var bytes = table.Bytes(e);
            acc.Hll.Add(table.Hashes[e]);
            var f = Evaluate(p, bytes, out int length);
            if (length < acc.MinLength) acc.MinLength = length;
            if (length > acc.MaxLength) acc.MaxLength = length;
            flags[e] = f;
            anyFlag |= f != Flags.None;
        }
        if (anyFlag)
        {
            for (int i = 0; i < rows; i++)
            {
                int e = rowEntry[i];
                if (e < 0) continue;
                var f = flags[e];
                if (f == Flags.None) continue;
                if ((f & Flags.NotAllowed) != 0)
                    checker.Fail(r, p.AllowedCheck, i, p.DataPosition, v, $"column '{c.Name}' value '{BatchChecker.CellText(v, i)}' is not {plan.Checks[p.AllowedCheck].Requirement}");
                if ((f & Flags.PatternMismatch) != 0)
                    checker.Fail(r, p.PatternCheck, i, p.DataPosition, v, $"column '{c.Name}' value '{BatchChecker.CellText(v, i)}' does not match pattern '{c.PatternText}'");
                if ((f & Flags.BadLength) != 0)
                    checker.Fail(r, p.LengthCheck, i, p.DataPosition, v, $"column '{c.Name}' value '{BatchChecker.CellText(v, i)}' has length {Encoding.UTF8.GetCharCount(v.Utf8(i))}, outside {plan.Checks[p.LengthCheck].Requirement["length in ".Length..]}");
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

    static Flags Evaluate(ColumnPlan p, ReadOnlySpan<byte> bytes, out int length)
    {
        var flags = Flags.None;
        length = Encoding.UTF8.GetCharCount(bytes);
        if (p.Allowed is not null && !p.Allowed.Contains(bytes)) flags |= Flags.NotAllowed;
        if (p.Schema.Pattern is { } re)
        {
            bool match;
            try { match = re.IsMatch(Encoding.UTF8.GetString(bytes)); }
            catch (System.Text.RegularExpressions.RegexMatchTimeoutException) { match = false; }
            if (!match) flags |= Flags.PatternMismatch;
        }
        if ((p.Schema.MinLength is { } mn && length < mn) || (p.Schema.MaxLength is { } mx && length > mx))
            flags |= Flags.BadLength;
        return flags;
    }
}
