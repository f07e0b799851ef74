using MathNet.Numerics;

namespace MlBuild.Core.Data.Drift.Statistics;

/// <summary>
/// Drift statistics of a categorical column from its category counts (nulls left out): Jensen-Shannon distance, the
/// chi-square test of homogeneity on the 2 x k table, Cramér's V and the share of unseen categories. Categories are taken
/// in ordinal order of their names, so the same counts always give the same bits.
/// </summary>
public static class CategoricalDrift
{
    /// <summary>The union of both samples' categories, ordinal order, with each sample's count (0 where absent).</summary>
    public static (string[] Categories, long[] Reference, long[] Current) Align(
        IReadOnlyDictionary<string, long> reference, IReadOnlyDictionary<string, long> current)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(current);
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (name, count) in reference) { CheckCount(name, count, nameof(reference)); if (count > 0) names.Add(name); }
        foreach (var (name, count) in current) { CheckCount(name, count, nameof(current)); if (count > 0) names.Add(name); }
        var categories = names.ToArray();
        var r = new long[categories.Length];
        var c = new long[categories.Length];
        for (int i = 0; i < categories.Length; i++)
        {
            r[i] = reference.TryGetValue(categories[i], out var rc) ? rc : 0;
            c[i] = current.TryGetValue(categories[i], out var cc) ? cc : 0;
        }
        return (categories, r, c);
    }

    static void CheckCount(string name, long count, string parameter)
    {
        if (count < 0) throw new ArgumentException($"Category '{name}' has a negative count.", parameter);
    }

    static (long R, long C) Totals(IReadOnlyList<long> reference, IReadOnlyList<long> current)
    {
        if (reference.Count != current.Count) throw new ArgumentException("Both samples need the same categories.");
        long r = 0, c = 0;
        for (int i = 0; i < reference.Count; i++) { r = checked(r + reference[i]); c = checked(c + current[i]); }
        if (r == 0 || c == 0) throw new ArgumentException("Categorical drift needs values in both samples.");
        return (r, c);
    }

    /// <summary>
    /// Jensen-Shannon distance with base-2 logarithms, 0 (same shares) to 1 (no category in common): scipy
    /// <c>jensenshannon(p, q, base=2)</c>. A divergence that rounds below 0 for nearly equal shares counts as 0.
    /// </summary>
    public static DriftStatistic JensenShannon(IReadOnlyDictionary<string, long> reference, IReadOnlyDictionary<string, long> current)
    {
        var (_, r, c) = Align(reference, current);
        return JensenShannon(r, c);
    }

    /// <summary><see cref="JensenShannon(IReadOnlyDictionary{string, long}, IReadOnlyDictionary{string, long})"/> over aligned counts.</summary>
    public static DriftStatistic JensenShannon(IReadOnlyList<long> reference, IReadOnlyList<long> current)
    {
        var (nr, nc) = Totals(reference, current);
        var left = new CompensatedSum();
        var right = new CompensatedSum();
        for (int i = 0; i < reference.Count; i++)
        {
            double p = (double)reference[i] / nr, q = (double)current[i] / nc;
            double m = (p + q) / 2.0;
            left.Add(RelativeEntropy(p, m));
            right.Add(RelativeEntropy(q, m));
        }
        double js = (left.Value + right.Value) / Math.Log(2);
        return new DriftStatistic(DriftMethod.JensenShannon, Math.Sqrt(Math.Max(js, 0) / 2.0), IsExact: true);
    }

    /// <summary>x ln(x / y), 0 when x is 0 (scipy <c>rel_entr</c> for the shares met here).</summary>
    static double RelativeEntropy(double x, double y) => x == 0 ? 0 : x * Math.Log(x / y);

    /// <summary>
    /// Pearson's chi-square test of homogeneity on the 2 x k table (reference row, current row), as scipy
    /// <c>chi2_contingency</c>: k - 1 degrees of freedom; Yates' continuity correction only with two categories (one
    /// degree of freedom) and <paramref name="continuityCorrection"/> (scipy's default); the p-value is the chi-square
    /// survival function (MathNet's regularised upper incomplete gamma). One category: statistic 0, p-value 1.
    /// </summary>
    public static DriftStatistic ChiSquare(IReadOnlyDictionary<string, long> reference, IReadOnlyDictionary<string, long> current,
                                           bool continuityCorrection = true)
    {
        var (_, r, c) = Align(reference, current);
        return ChiSquare(r, c, continuityCorrection);
    }

    /// <summary><see cref="ChiSquare(IReadOnlyDictionary{string, long}, IReadOnlyDictionary{string, long}, bool)"/> over aligned counts.</summary>
    public static DriftStatistic ChiSquare(IReadOnlyList<long> reference, IReadOnlyList<long> current, bool continuityCorrection = true)
    {
        var (statistic, dof) = ChiSquareStatistic(reference, current, continuityCorrection);
        double p = dof == 0 ? 1.0 : ChiSquareSurvival(statistic, dof);
        return new DriftStatistic(DriftMethod.ChiSquare, statistic, IsExact: true)
        {
            PValue = p,
            PValueMethod = PValueMethod.Asymptotic,
            DegreesOfFreedom = dof,
        };
    }

    /// <summary>Pr(X &gt;= x) for X chi-square with <paramref name="degreesOfFreedom"/> (scipy <c>chi2.sf</c>).</summary>
    public static double ChiSquareSurvival(double x, int degreesOfFreedom)
    {
        if (degreesOfFreedom <= 0) throw new ArgumentOutOfRangeException(nameof(degreesOfFreedom));
        if (double.IsNaN(x)) return double.NaN;
        if (x <= 0) return 1.0;
        if (double.IsPositiveInfinity(x)) return 0.0;
        return SpecialFunctions.GammaUpperRegularized(degreesOfFreedom / 2.0, x / 2.0);
    }

    static (double Statistic, int Dof) ChiSquareStatistic(IReadOnlyList<long> reference, IReadOnlyList<long> current, bool correction)
    {
        var (nr, nc) = Totals(reference, current);
        int k = 0;
        for (int i = 0; i < reference.Count; i++) if (reference[i] + current[i] > 0) k++;
        int dof = k - 1;
        if (dof <= 0) return (0.0, 0);
        double total = (double)nr + nc;
        var sum = new CompensatedSum();
        for (int row = 0; row < 2; row++)
        {
            var counts = row == 0 ? reference : current;
            double rowSum = row == 0 ? nr : nc;
            for (int i = 0; i < counts.Count; i++)
            {
                double column = (double)reference[i] + current[i];
                if (column == 0) continue; // a category neither sample has is no column of the table
                double expected = rowSum * column / total;
                double observed = counts[i];
                if (dof == 1 && correction)
                {
                    double diff = expected - observed;
                    observed += Math.Min(0.5, Math.Abs(diff)) * Math.Sign(diff);
                }
                double d = observed - expected;
                sum.Add(d * d / expected);
            }
        }
        return (sum.Value, dof);
    }

    /// <summary>
    /// Cramér's V of the 2 x k table, sqrt(chi2 / n) with the uncorrected chi-square (scipy
    /// <c>contingency.association(method='cramer')</c>); 0 to 1. One category: 0.
    /// </summary>
    public static DriftStatistic CramersV(IReadOnlyDictionary<string, long> reference, IReadOnlyDictionary<string, long> current)
    {
        var (_, r, c) = Align(reference, current);
        return CramersV(r, c);
    }

    /// <summary><see cref="CramersV(IReadOnlyDictionary{string, long}, IReadOnlyDictionary{string, long})"/> over aligned counts.</summary>
    public static DriftStatistic CramersV(IReadOnlyList<long> reference, IReadOnlyList<long> current)
    {
        var (nr, nc) = Totals(reference, current);
        var (statistic, dof) = ChiSquareStatistic(reference, current, correction: false);
        // V = sqrt(chi2 / (n * min(rows - 1, columns - 1))), and min(2 - 1, k - 1) = 1 once there are two categories.
        double v = dof == 0 ? 0.0 : Math.Sqrt(statistic / ((double)nr + nc));
        return new DriftStatistic(DriftMethod.CramersV, v, IsExact: true);
    }

    /// <summary>The share of current values (nulls left out) in categories the reference does not have.</summary>
    public static DriftStatistic UnseenShare(IReadOnlyDictionary<string, long> reference, IReadOnlyDictionary<string, long> current)
    {
        var (_, r, c) = Align(reference, current);
        long unseen = 0, total = 0;
        for (int i = 0; i < r.Length; i++)
        {
            total += c[i];
            if (r[i] == 0) unseen += c[i];
        }
        if (total == 0) throw new ArgumentException("The current sample has no values.", nameof(current));
        return new DriftStatistic(DriftMethod.UnseenCategoryShare, (double)unseen / total, IsExact: true);
    }

    /// <summary>Categories only the current sample has (new) and only the reference has (missing), ordinal order.</summary>
    public static (IReadOnlyList<string> New, IReadOnlyList<string> Missing) CategoryChanges(
        IReadOnlyDictionary<string, long> reference, IReadOnlyDictionary<string, long> current)
    {
        var (names, r, c) = Align(reference, current);
        var added = new List<string>();
        var missing = new List<string>();
        for (int i = 0; i < names.Length; i++)
        {
            if (r[i] == 0) added.Add(names[i]);
            else if (c[i] == 0) missing.Add(names[i]);
        }
        return (added, missing);
    }
}
