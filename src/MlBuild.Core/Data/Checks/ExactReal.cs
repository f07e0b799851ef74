using System.Globalization;
using System.Numerics;

namespace MlBuild.Core.Data.Checks;

/// <summary>
/// A real number (a bound or a rule's constant as the schema writes it) held exactly enough to compare with any 64-bit
/// integer: its floor and whether a fraction remains. A double cannot do this: 9007199254740993 reads as
/// 9007199254740992, so an integer column would let a value one above its max through. Integer, date (day number) and
/// datetime (ticks) values are compared through this type only; floats keep comparing as doubles.
/// </summary>
internal readonly record struct ExactReal(Int128 Floor, bool Fractional)
{
    /// <summary>Far beyond any long: what a larger magnitude saturates to (with a fraction, so it never equals one).</summary>
    static readonly Int128 Saturated = Int128.One << 100;

    /// <summary>An integer exactly.</summary>
    public static ExactReal Of(long value) => new(value, false);

    /// <summary>
    /// The number written as <paramref name="text"/> (JSON or rule number syntax: sign, digits, fraction, exponent),
    /// exactly; a text that is not such a number falls back to the nearest double <paramref name="fallback"/>.
    /// </summary>
    public static ExactReal Parse(string text, double fallback)
    {
        var s = text.AsSpan().Trim();
        int i = 0;
        bool negative = false;
        if (i < s.Length && (s[i] == '-' || s[i] == '+')) negative = s[i++] == '-';
        var digits = new System.Text.StringBuilder();
        int fractionDigits = 0;
        bool seenPoint = false, any = false;
        for (; i < s.Length; i++)
        {
            char c = s[i];
            if (c is >= '0' and <= '9') { digits.Append(c); any = true; if (seenPoint) fractionDigits++; }
            else if (c == '.' && !seenPoint) seenPoint = true;
            else break;
        }
        long exponent = 0;
        if (any && i < s.Length && (s[i] == 'e' || s[i] == 'E'))
        {
            i++;
            bool expNegative = false;
            if (i < s.Length && (s[i] == '-' || s[i] == '+')) expNegative = s[i++] == '-';
            int start = i;
            for (; i < s.Length && s[i] is >= '0' and <= '9'; i++)
                exponent = Math.Min(exponent * 10 + (s[i] - '0'), 1_000_000_000); // clamped: far past any long either way
            if (i == start) return FromDouble(fallback);
            if (expNegative) exponent = -exponent;
        }
        if (!any || i != s.Length) return FromDouble(fallback);

        var d = digits.ToString().TrimStart('0');
        if (d.Length == 0) return new ExactReal(0, false);
        long scale = exponent - fractionDigits; // value = d × 10^scale
        Int128 floor;
        bool fractional;
        if (scale >= 0)
        {
            if (d.Length + scale > 38) return Saturate(negative);
            floor = (Int128)(BigInteger.Parse(d, CultureInfo.InvariantCulture) * BigInteger.Pow(10, (int)scale));
            fractional = false;
        }
        else
        {
            long cut = d.Length + scale; // digits before the point
            if (cut > 38) return Saturate(negative);
            floor = cut <= 0 ? 0 : (Int128)BigInteger.Parse(d.AsSpan(0, (int)cut), CultureInfo.InvariantCulture);
            fractional = d.AsSpan((int)Math.Max(cut, 0)).IndexOfAnyExcept('0') >= 0;
        }
        // floor(-r) = -floor(r) - 1 when r has a fraction.
        if (negative) floor = fractional ? -floor - 1 : -floor;
        return new ExactReal(floor, fractional);
    }

    static ExactReal Saturate(bool negative) => new(negative ? -Saturated : Saturated, true);

    static ExactReal FromDouble(double value)
    {
        if (double.IsNaN(value)) return new ExactReal(0, false);
        if (value >= 1e30 || value <= -1e30) return Saturate(value < 0);
        double f = Math.Floor(value);
        return new ExactReal((Int128)f, f != value);
    }

    /// <summary>The sign of <paramref name="x"/> minus this number: negative when below, 0 when equal, positive when above.</summary>
    public int CompareWith(long x) => x < Floor ? -1 : x > Floor ? 1 : Fractional ? -1 : 0;

    /// <summary>The smallest integer a lower bound lets through (may lie outside the long range: then none or all do).</summary>
    public Int128 LowestAllowed(bool exclusive) => exclusive || Fractional ? Floor + 1 : Floor;

    /// <summary>The largest integer an upper bound lets through.</summary>
    public Int128 HighestAllowed(bool exclusive) => exclusive && !Fractional ? Floor - 1 : Floor;

    /// <summary>Whether <c>a OP b</c> holds, given the sign of <c>a - b</c>.</summary>
    public static bool Holds(Schema.CompareOp op, int sign) => op switch
    {
        Schema.CompareOp.Less => sign < 0,
        Schema.CompareOp.LessOrEqual => sign <= 0,
        Schema.CompareOp.Greater => sign > 0,
        Schema.CompareOp.GreaterOrEqual => sign >= 0,
        Schema.CompareOp.Equal => sign == 0,
        _ => sign != 0,
    };

    /// <summary>The sign of <paramref name="a"/> minus <paramref name="b"/>, exactly (a double past the long range
    /// compares by its magnitude; a NaN, which a float column never holds as a value, compares as unequal and above).</summary>
    public static int Compare(long a, double b)
    {
        if (double.IsNaN(b)) return -1;
        if (b >= 9223372036854775808.0) return -1;
        if (b < -9223372036854775808.0) return 1;
        double f = Math.Floor(b);
        long whole = (long)f; // exact: f is an integer within the long range
        return a < whole ? -1 : a > whole ? 1 : f == b ? 0 : -1;
    }
}
