using System.Globalization;
using System.Text;
using MlBuild.Core.Data.Schema;
using MlBuild.Core.Diagnostics;
using ExactReal = MlBuild.Core.Data.Checks.ExactReal;

namespace MlBuild.Core.Data.Validation;

/// <summary>A check of the plan: what it is and how it reports.</summary>
internal sealed record CheckDef(int Index, string Id, string? Column, string Kind, string Code, string Requirement, double Tolerance, MlSeverity Severity = MlSeverity.Error);

/// <summary>What the checker does for one schema column.</summary>
internal sealed class ColumnPlan
{
    public required ColumnSchema Schema { get; init; }
    public required int Index { get; init; }
    /// <summary>1-based position of the column in the data, 0 when the data lacks it.</summary>
    public int DataPosition { get; set; }
    public int TypeCheck = -1, NotNullCheck = -1, MinCheck = -1, MaxCheck = -1, AllowedCheck = -1, PatternCheck = -1, LengthCheck = -1, UniqueCheck = -1;
    public double Min = double.NegativeInfinity, Max = double.PositiveInfinity;
    public bool MinExclusive, MaxExclusive;
    /// <summary>For integer, date and datetime columns: the smallest and largest integer the bounds let through, exactly
    /// (<see cref="ExactReal"/>; outside the long range when no value or every value passes).</summary>
    public Int128 LowestInteger = long.MinValue, HighestInteger = long.MaxValue;
    public Utf8Set? Allowed;
    public HashSet<long>? AllowedIntegers;
}

/// <summary>
/// The checks a schema asks for, numbered once, so per-batch accumulators are flat arrays and every report lists
/// checks in the same order.
/// </summary>
internal sealed class ValidationPlan
{
    public DatasetSchema Schema { get; }
    public List<CheckDef> Checks { get; } = [];
    public ColumnPlan[] Columns { get; }
    public (RowRule Rule, int Check, int Left, int Right)[] Rules { get; }
    public int RowsCheck { get; }
    public int RecordsCheck { get; }
    public int ColumnsCheck { get; }
    public int ExtraColumnsCheck { get; }
    public byte[][] NullTokens { get; }

    public ValidationPlan(DatasetSchema schema)
    {
        Schema = schema;
        NullTokens = schema.Csv.NullTokens.Where(t => t.Length > 0).Select(Encoding.UTF8.GetBytes).ToArray();
        RowsCheck = Add(null, "dataset.rows", "rows", DiagnosticCodes.RowCountOutOfRange, RowsRequirement(schema), 0);
        ColumnsCheck = Add(null, "dataset.missingColumns", "missingColumns", DiagnosticCodes.MissingColumn, "every declared required column is present", 0, PolicySeverity(schema.MissingColumns));
        ExtraColumnsCheck = Add(null, "dataset.extraColumns", "extraColumns", DiagnosticCodes.ExtraColumn, "no undeclared columns", 0, PolicySeverity(schema.ExtraColumns));
        RecordsCheck = Add(null, "dataset.records", "records", DiagnosticCodes.FieldCountMismatch, "every record has the header's field count", 0);
        Columns = new ColumnPlan[schema.Columns.Count];
        for (int i = 0; i < schema.Columns.Count; i++)
        {
            var c = schema.Columns[i];
            var p = new ColumnPlan { Schema = c, Index = i };
            double Tol(string check) => c.Tolerance.TryGetValue(check, out var t) ? t : 0;
            var typeName = c.Type.ToString().ToLowerInvariant();
            if (c.Type is not (ColumnType.String or ColumnType.Category))
                p.TypeCheck = Add(c.Name, $"{c.Name}.type", "type", DiagnosticCodes.TypeMismatch, $"type {typeName}" + (c.Format is null ? "" : $" ({c.Format})"), Tol("type"));
            if (!c.Nullable)
                p.NotNullCheck = Add(c.Name, $"{c.Name}.notNull", "notNull", DiagnosticCodes.NullValue, "not null", Tol("notNull"));
            if (c.Min is { } min)
            {
                p.Min = min.Value; p.MinExclusive = min.Exclusive;
                p.LowestInteger = ExactBound(min).LowestAllowed(min.Exclusive);
                p.MinCheck = Add(c.Name, $"{c.Name}.min", "min", DiagnosticCodes.BelowMin, (min.Exclusive ? "exclusive min " : "min ") + min.Text, Tol("min"));
            }
            if (c.Max is { } max)
            {
                p.Max = max.Value; p.MaxExclusive = max.Exclusive;
                p.HighestInteger = ExactBound(max).HighestAllowed(max.Exclusive);
                p.MaxCheck = Add(c.Name, $"{c.Name}.max", "max", DiagnosticCodes.AboveMax, (max.Exclusive ? "exclusive max " : "max ") + max.Text, Tol("max"));
            }
            if (c.Allowed is { } allowed)
            {
                if (c.Type == ColumnType.Integer)
                    p.AllowedIntegers = allowed.Select(a => long.TryParse(a, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) ? v : long.MinValue).ToHashSet();
                else
                    p.Allowed = new Utf8Set(allowed);
                p.AllowedCheck = Add(c.Name, $"{c.Name}.allowed", "allowed", DiagnosticCodes.NotAllowed, "one of " + ShortList(allowed), Tol("allowed"));
            }
            if (c.Pattern is not null)
                p.PatternCheck = Add(c.Name, $"{c.Name}.pattern", "pattern", DiagnosticCodes.PatternMismatch, $"matches '{c.PatternText}'", Tol("pattern"));
            if (c.MinLength is not null || c.MaxLength is not null)
                p.LengthCheck = Add(c.Name, $"{c.Name}.length", "length", DiagnosticCodes.LengthOutOfRange,
                    $"length in [{c.MinLength ?? 0}, {(c.MaxLength is { } ml ? ml.ToString(CultureInfo.InvariantCulture) : "∞")}]", Tol("length"));
            if (c.Unique)
                p.UniqueCheck = Add(c.Name, $"{c.Name}.unique", "unique", DiagnosticCodes.DuplicateValue, "unique", Tol("unique"));
            Columns[i] = p;
        }
        var rules = new List<(RowRule, int, int, int)>();
        foreach (var r in schema.Rules)
        {
            // Left is always the column side; Right is -1 when the rule compares that column with a constant.
            int left = r.LeftConstant is null ? IndexOf(r.Left) : IndexOf(r.Right);
            int right = r.LeftConstant is null && r.RightConstant is null ? IndexOf(r.Right) : -1;
            rules.Add((r, Add(null, $"rule:{r.Name}", "rule", DiagnosticCodes.RuleViolated, r.Text, r.Tolerance), left, right));
            ExactReal constant = default;
            if (r.LeftConstant is { } lc) constant = r.LeftConstantInteger is { } li ? ExactReal.Of(li) : ExactReal.Parse(r.Left, lc);
            else if (r.RightConstant is { } rc) constant = r.RightConstantInteger is { } ri ? ExactReal.Of(ri) : ExactReal.Parse(r.Right, rc);
            RuleConstants.Add(constant);
        }
        Rules = [.. rules];
    }

    /// <summary>Each rule's constant exactly, for integer, date and datetime columns (default for column-to-column rules).</summary>
    public List<ExactReal> RuleConstants { get; } = [];

    /// <summary>A bound exactly: a date's or datetime's integer, or a number's text read without rounding.</summary>
    static ExactReal ExactBound(Bound b) => b.Integer is { } i ? ExactReal.Of(i) : ExactReal.Parse(b.Text, b.Value);

    int IndexOf(string column)
    {
        for (int i = 0; i < Schema.Columns.Count; i++)
            if (Schema.Columns[i].Name == column) return i;
        throw new InvalidOperationException($"Rule names unknown column '{column}'.");
    }

    static MlSeverity PolicySeverity(ColumnPolicy policy) => policy == ColumnPolicy.Error ? MlSeverity.Error : MlSeverity.Warning;

    int Add(string? column, string id, string kind, string code, string requirement, double tolerance, MlSeverity severity = MlSeverity.Error)
    {
        Checks.Add(new CheckDef(Checks.Count, id, column, kind, code, requirement, tolerance, severity));
        return Checks.Count - 1;
    }

    static string RowsRequirement(DatasetSchema s) => (s.MinRows, s.MaxRows) switch
    {
        (null, null) => "at least 1 row",
        ({ } a, null) => $"at least {a} rows",
        (null, { } b) => $"at most {b} rows",
        ({ } a, { } b) => $"between {a} and {b} rows",
    };

    internal static string ShortList(IReadOnlyList<string> values)
    {
        var shown = values.Take(8).Select(v => $"'{v}'");
        return "{" + string.Join(", ", shown) + (values.Count > 8 ? $", … ({values.Count} in all)" : "") + "}";
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)] // keeps decode loops small
    public bool IsNullToken(ReadOnlySpan<byte> cell)
    {
        if (cell.IsEmpty) return true;
        foreach (var t in NullTokens)
            if (cell.SequenceEqual(t)) return true;
        return false;
    }
}

/// <summary>An immutable set of UTF-8 strings with lookups by byte span (no string per cell).</summary>
internal sealed class Utf8Set
{
    readonly byte[][] _slots;
    readonly int _mask;

    public Utf8Set(IEnumerable<string> values)
    {
        var distinct = values.Distinct(StringComparer.Ordinal).Select(Encoding.UTF8.GetBytes).ToList();
        int size = 16;
        while (size < distinct.Count * 4) size <<= 1;
        _slots = new byte[size][];
        _mask = size - 1;
        foreach (var v in distinct)
        {
            int i = (int)(Profiling.StableHash.Bytes(v) & (ulong)_mask);
            while (_slots[i] is not null) i = (i + 1) & _mask;
            _slots[i] = v;
        }
    }

    public bool Contains(ReadOnlySpan<byte> value)
    {
        int i = (int)(Profiling.StableHash.Bytes(value) & (ulong)_mask);
        while (_slots[i] is { } s)
        {
            if (value.SequenceEqual(s)) return true;
            i = (i + 1) & _mask;
        }
        return false;
    }
}
