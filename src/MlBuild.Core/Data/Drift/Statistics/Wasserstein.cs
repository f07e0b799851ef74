namespace MlBuild.Core.Data.Drift.Statistics;

/// <summary>
/// The Wasserstein-1 (earth mover's) distance between two samples, the area between their empirical CDFs (scipy
/// <c>wasserstein_distance</c>), and its scale-free form for drift: divided by the reference's population standard
/// deviation (ddof = 0), floored at <see cref="MinimumScale"/> for a constant reference, as Evidently's
/// <c>wasserstein_distance_norm</c> does.
/// </summary>
public static class Wasserstein
{
    /// <summary>The smallest reference spread divided by: Evidently's 0.001, so a constant reference gives a finite score.</summary>
    public const double MinimumScale = 0.001;

    /// <summary>The integral of |F_ref(x) - F_cur(x)| over x, summed between consecutive distinct values of both samples.</summary>
    public static double Distance(SortedSample reference, SortedSample current)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(current);
        long n1 = reference.Count, n2 = current.Count;
        if (n1 == 0 || n2 == 0) throw new ArgumentException("A Wasserstein distance needs values in both samples.");
        var a = reference.Runs();
        var b = current.Runs();
        bool hasA = a.MoveNext(), hasB = b.MoveNext();
        long c1 = 0, c2 = 0;
        double previous = double.NaN;
        var sum = new CompensatedSum();
        while (hasA || hasB)
        {
            double v = !hasB || (hasA && a.Value <= b.Value) ? a.Value : b.Value;
            if (c1 + c2 > 0) sum.Add(Math.Abs((double)c1 / n1 - (double)c2 / n2) * (v - previous));
            if (hasA && a.Value == v) { c1 += a.Count; hasA = a.MoveNext(); }
            if (hasB && b.Value == v) { c2 += b.Count; hasB = b.MoveNext(); }
            previous = v;
        }
        return sum.Value;
    }

    /// <summary>The population standard deviation (ddof = 0) of a sample, two-pass.</summary>
    public static double PopulationStandardDeviation(SortedSample sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        if (sample.Count == 0) return double.NaN;
        var total = new CompensatedSum();
        var runs = sample.Runs();
        while (runs.MoveNext()) total.Add(runs.Value * runs.Count);
        double mean = total.Value / sample.Count;
        var squares = new CompensatedSum();
        runs = sample.Runs();
        while (runs.MoveNext())
        {
            double d = runs.Value - mean;
            squares.Add(d * d * runs.Count);
        }
        return Math.Sqrt(squares.Value / sample.Count);
    }

    /// <summary><see cref="Distance"/> / max(reference population std, <see cref="MinimumScale"/>).</summary>
    public static DriftStatistic Normalized(SortedSample reference, SortedSample current)
    {
        double distance = Distance(reference, current);
        double scale = Math.Max(PopulationStandardDeviation(reference), MinimumScale);
        return new DriftStatistic(DriftMethod.NormalizedWasserstein, distance / scale, IsExact: true);
    }
}
