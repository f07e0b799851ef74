using System.Runtime.CompilerServices;
using System.Text;
using MlBuild.Core.Data.Validation;
using MlBuild.Core.Diagnostics;

namespace MlBuild.Core.Data.Checks;

/// <summary>The checks one value can fail; a value's outcome is a set of them.</summary>
[Flags]
internal enum ValueFailures : byte
{
    /// <summary>The value passes every check of its column.</summary>
    None = 0,
    /// <summary>Below <c>min</c>, or at it when <c>exclusiveMin</c>.</summary>
    BelowMin = 1,
    /// <summary>Above <c>max</c>, or at it when <c>exclusiveMax</c>.</summary>
    AboveMax = 2,
    /// <summary>Not in <c>allowed</c> (strings and categories, or integers).</summary>
    NotAllowed = 4,
    /// <summary>Does not match <c>pattern</c>.</summary>
    PatternMismatch = 8,
    /// <summary>Length in characters outside <c>minLength</c>..<c>maxLength</c>.</summary>
    BadLength = 16,
}

/// <summary>
/// The value checks of a column, written once. The per-cell loops (<see cref="BatchChecker"/>) and the per-entry
/// loops (a Parquet dictionary's entries, a batch's distinct strings in <see cref="Utf8CountTable"/>) ask these
/// predicates, and report what they find through <see cref="BatchChecker.FailValue"/>, so a value fails the same
/// checks with the same message whichever way it was read.
/// </summary>
internal static class ValueChecks
{
    /// <summary>
    /// The bound a number fails, if any: at most one, <see cref="ValueFailures.BelowMin"/> when below (or at an
    /// exclusive) min. Absent bounds are infinite, so one predictable test covers a column with or without them.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ValueFailures Bounds(double x, double min, double max, bool minExclusive, bool maxExclusive)
    {
        if (x < min || x > max || (x == min && minExclusive) || (x == max && maxExclusive))
            return x < min || (x == min && minExclusive) ? ValueFailures.BelowMin : ValueFailures.AboveMax;
        return ValueFailures.None;
    }

    /// <summary><see cref="Bounds(double, double, double, bool, bool)"/> with the column's bounds.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ValueFailures Bounds(ColumnPlan p, double x) => Bounds(x, p.Min, p.Max, p.MinExclusive, p.MaxExclusive);

    /// <summary>The bound an integer, date (day number) or datetime (ticks) fails, if any, compared exactly with the
    /// bounds as written (a double would round 9007199254740993 to 9007199254740992, or a tick away).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ValueFailures Bounds(ColumnPlan p, long x) =>
        x < p.LowestInteger ? ValueFailures.BelowMin : x > p.HighestInteger ? ValueFailures.AboveMax : ValueFailures.None;

    /// <summary>Whether every integer between <paramref name="low"/> and <paramref name="high"/> (a batch's extremes) passes the column's bounds.</summary>
    public static bool AllWithinBounds(ColumnPlan p, long low, long high) => low >= p.LowestInteger && high <= p.HighestInteger;

    /// <summary>Whether every value between <paramref name="low"/> and <paramref name="high"/> (a batch's minimum and
    /// maximum, no NaN among them) passes the column's bounds: the test of a whole batch at once.</summary>
    public static bool AllWithinBounds(ColumnPlan p, double low, double high) =>
        Bounds(p, low) == ValueFailures.None && Bounds(p, high) == ValueFailures.None;

    /// <summary>The checks a number fails: its bounds and, for an integer column with <c>allowed</c>, the set. A float
    /// (<paramref name="isFloat"/>) is <paramref name="x"/>; an integer, date or datetime is <paramref name="integer"/>,
    /// compared exactly (<paramref name="x"/> is the same as a double).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ValueFailures Number(ColumnPlan p, bool isFloat, double x, long integer, HashSet<long>? allowed)
    {
        var f = isFloat ? Bounds(p, x) : Bounds(p, integer);
        if (allowed is not null && !allowed.Contains(integer)) f |= ValueFailures.NotAllowed;
        return f;
    }

    /// <summary>The checks a string or category value fails (allowed set, pattern, length), and its length in characters.</summary>
    public static ValueFailures Text(ColumnPlan p, ReadOnlySpan<byte> utf8, out int length)
    {
        var f = ValueFailures.None;
        length = Encoding.UTF8.GetCharCount(utf8);
        if (p.Allowed is not null && !p.Allowed.Contains(utf8)) f |= ValueFailures.NotAllowed;
        if (p.Schema.Pattern is { } re)
        {
            bool match;
            try { match = re.IsMatch(Encoding.UTF8.GetString(utf8)); }
            catch (System.Text.RegularExpressions.RegexMatchTimeoutException)
            {
                // A slow pattern is the schema's fault, not the value's: stop at the first timeout (so the whole check
                // costs one timeout, not one per distinct value) and name the pattern where it is written.
                var s = p.Schema;
                throw new MlBuildException(new MlDiagnostic(DiagnosticCodes.SchemaPatternTimeout, MlSeverity.Error,
                    $"The pattern '{s.PatternText}' of column '{s.Name}' ran longer than {re.MatchTimeout.TotalSeconds:0.###} s on one value (catastrophic backtracking). Rewrite it without backreferences or lookarounds so it runs in linear time, or simplify nested quantifiers.",
                    s.PatternFile, s.PatternLine, s.PatternColumn));
            }
            if (!match) f |= ValueFailures.PatternMismatch;
        }
        if ((p.Schema.MinLength is { } mn && length < mn) || (p.Schema.MaxLength is { } mx && length > mx))
            f |= ValueFailures.BadLength;
        return f;
    }

    /// <summary>The message of an empty cell in a column that is not nullable.</summary>
    public static string NotNullMessage(ColumnPlan p) => $"column '{p.Schema.Name}' is empty but is not nullable";

    /// <summary>The message of one failed check (a single flag) of the value shown as <paramref name="text"/>.</summary>
    public static string Message(ValidationPlan plan, ColumnPlan p, ValueFailures failed, string text, ReadOnlySpan<byte> utf8) => failed switch
    {
        ValueFailures.BelowMin =>
            $"column '{p.Schema.Name}' value '{text}' {(p.MinExclusive ? "is not above" : "is below")} {plan.Checks[p.MinCheck].Requirement}",
        ValueFailures.AboveMax =>
            $"column '{p.Schema.Name}' value '{text}' {(p.MaxExclusive ? "is not below" : "is above")} {plan.Checks[p.MaxCheck].Requirement}",
        ValueFailures.NotAllowed => $"column '{p.Schema.Name}' value '{text}' is not {plan.Checks[p.AllowedCheck].Requirement}",
        ValueFailures.PatternMismatch => $"column '{p.Schema.Name}' value '{text}' does not match pattern '{p.Schema.PatternText}'",
        ValueFailures.BadLength =>
            $"column '{p.Schema.Name}' value '{text}' has length {Encoding.UTF8.GetCharCount(utf8)}, outside {plan.Checks[p.LengthCheck].Requirement["length in ".Length..]}",
        _ => throw new ArgumentOutOfRangeException(nameof(failed)),
    };

    /// <summary>The check (its index in the plan) that a single flag stands for.</summary>
    public static int CheckOf(ColumnPlan p, ValueFailures failed) => failed switch
    {
        ValueFailures.BelowMin => p.MinCheck,
        ValueFailures.AboveMax => p.MaxCheck,
        ValueFailures.NotAllowed => p.AllowedCheck,
        ValueFailures.PatternMismatch => p.PatternCheck,
        ValueFailures.BadLength => p.LengthCheck,
        _ => throw new ArgumentOutOfRangeException(nameof(failed)),
    };
}
