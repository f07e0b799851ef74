using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace MlBuild.Core.Data.Validation;

/// <summary>
/// Mean and sum of squared deviations (M2) over the whole double range. The column loops sum values and squares
/// directly, which is exact enough and fast while magnitudes stay within <see cref="InSafeRange"/>; past it (values
/// near 1e155 square to infinity, two near 1.7e308 sum to it, values near 1e-300 square to zero) a batch's moments are
/// taken here on values scaled by a power of two, and kept as M2 in units of 4^exponent
/// (<see cref="ColumnAccumulator.AddMoments"/>).
/// </summary>
internal static class Moments
{
    /// <summary>
    /// Whether plain sums are safe for values between <paramref name="min"/> and <paramref name="max"/>: a deviation
    /// of up to 2e144 squares to 4e288, which two billion rows still sum far below double's 1.8e308; a magnitude of at
    /// least 1e-90 keeps the squares of its smallest deviations (2^-52 of it) normal. All zeros are safe too.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool InSafeRange(double min, double max)
    {
        double m = Math.Max(Math.Abs(min), Math.Abs(max));
        return m <= 1e144 && (m >= 1e-90 || m == 0);
    }

    /// <summary>
    /// The sum, smallest and largest of <paramref name="values"/>, four at a time in vector registers (four partial sums,
    /// so the result depends on the values and their order only, never on threads). A NaN makes the sum NaN.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static (double Sum, double Min, double Max) SumMinMax(ReadOnlySpan<double> values)
    {
        double total = 0, low = double.PositiveInfinity, high = double.NegativeInfinity;
        int whole = 0;
        if (Vector256.IsHardwareAccelerated && values.Length >= Vector256<double>.Count)
        {
            var sum = Vector256<double>.Zero;
            var min = Vector256.Create(double.PositiveInfinity);
            var max = Vector256.Create(double.NegativeInfinity);
            whole = values.Length - values.Length % Vector256<double>.Count;
            ref double v0 = ref MemoryMarshal.GetReference(values);
            for (int i = 0; i < whole; i += Vector256<double>.Count)
            {
                var x = Vector256.LoadUnsafe(ref v0, (nuint)i);
                sum += x;
                min = Vector256.Min(min, x);
                max = Vector256.Max(max, x);
            }
            total = Vector256.Sum(sum);
            for (int k = 0; k < Vector256<double>.Count; k++) { low = Math.Min(low, min.GetElement(k)); high = Math.Max(high, max.GetElement(k)); }
        }
        for (int i = whole; i < values.Length; i++)
        {
            double x = values[i];
            total += x;
            low = Math.Min(low, x);
            high = Math.Max(high, x);
        }
        return (total, low, high);
    }

    /// <summary>The sum of squared deviations of <paramref name="values"/> from <paramref name="mean"/>, four at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double SquaredDeviations(ReadOnlySpan<double> values, double mean)
    {
        double m2Total = 0;
        int whole = 0;
        if (Vector256.IsHardwareAccelerated && values.Length >= Vector256<double>.Count)
        {
            var centre = Vector256.Create(mean);
            var m2 = Vector256<double>.Zero;
            whole = values.Length - values.Length % Vector256<double>.Count;
            ref double v0 = ref MemoryMarshal.GetReference(values);
            for (int i = 0; i < whole; i += Vector256<double>.Count)
            {
                var d = Vector256.LoadUnsafe(ref v0, (nuint)i) - centre;
                m2 += d * d;
            }
            m2Total = Vector256.Sum(m2);
        }
        for (int i = whole; i < values.Length; i++) { double d = values[i] - mean; m2Total += d * d; }
        return m2Total;
    }

    /// <summary>
    /// Mean and M2 of finite <paramref name="values"/>, each counted <paramref name="counts"/>[i] times (once when
    /// <paramref name="counts"/> is empty), on the values scaled by 2^-exponent where 2^exponent is their largest
    /// magnitude: the mean is in value units, M2 in units of 4^<paramref name="exponent"/>.
    /// </summary>
    public static void Scaled(ReadOnlySpan<double> values, ReadOnlySpan<int> counts, out long n, out double mean, out double m2, out int exponent)
    {
        bool weighted = !counts.IsEmpty;
        double largest = 0;
        n = 0;
        for (int i = 0; i < values.Length; i++)
        {
            long c = weighted ? counts[i] : 1;
            if (c == 0) continue;
            n += c;
            largest = Math.Max(largest, Math.Abs(values[i]));
        }
        exponent = largest == 0 ? 0 : Math.ILogB(largest);
        mean = m2 = 0;
        if (n == 0) return;
        double sum = 0;
        for (int i = 0; i < values.Length; i++)
            sum += Math.ScaleB(values[i], -exponent) * (weighted ? counts[i] : 1);
        double centre = sum / n;
        for (int i = 0; i < values.Length; i++)
        {
            long c = weighted ? counts[i] : 1;
            if (c == 0) continue;
            double d = Math.ScaleB(values[i], -exponent) - centre;
            m2 += d * d * c;
        }
        mean = Math.ScaleB(centre, exponent);
    }

    /// <summary><see cref="Scaled"/> of the cells of <paramref name="states"/> that hold a value.</summary>
    public static void ScaledPresent(ReadOnlySpan<CellState> states, ReadOnlySpan<double> values, out long n, out double mean, out double m2, out int exponent)
    {
        var packed = System.Buffers.ArrayPool<double>.Shared.Rent(Math.Max(values.Length, 1));
        try
        {
            int k = 0;
            for (int i = 0; i < values.Length; i++)
                if (states[i] == CellState.Value) packed[k++] = values[i];
            Scaled(packed.AsSpan(0, k), default, out n, out mean, out m2, out exponent);
        }
        finally { System.Buffers.ArrayPool<double>.Shared.Return(packed); }
    }

    /// <summary>The sample standard deviation of <paramref name="count"/> values with M2 in units of 4^<paramref name="exponent"/>;
    /// null for fewer than two values, or when it lies beyond the largest double (values near ±1.7e308).</summary>
    public static double? SampleStdDev(long count, double m2, int exponent)
    {
        if (count < 2) return null;
        double sd = Math.ScaleB(Math.Sqrt(m2 / (count - 1)), exponent);
        return double.IsFinite(sd) ? sd : null;
    }
}
