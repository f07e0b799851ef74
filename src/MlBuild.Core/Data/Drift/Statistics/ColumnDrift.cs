namespace MlBuild.Core.Data.Drift.Statistics;

/// <summary>Statistics every column has, whatever its type.</summary>
public static class ColumnDrift
{
    /// <summary>
    /// |current null rate - reference null rate| (0 to 1), the rates being nulls / rows. A sample without rows has rate 0.
    /// </summary>
    public static DriftStatistic NullRateChange(long referenceNulls, long referenceRows, long currentNulls, long currentRows)
    {
        if (referenceNulls < 0 || referenceRows < referenceNulls) throw new ArgumentOutOfRangeException(nameof(referenceNulls));
        if (currentNulls < 0 || currentRows < currentNulls) throw new ArgumentOutOfRangeException(nameof(currentNulls));
        double before = referenceRows == 0 ? 0 : (double)referenceNulls / referenceRows;
        double after = currentRows == 0 ? 0 : (double)currentNulls / currentRows;
        return new DriftStatistic(DriftMethod.NullRateChange, Math.Abs(after - before), IsExact: true);
    }
}

/// <summary>Multiple-testing correction across columns.</summary>
public static class BenjaminiHochberg
{
    /// <summary>
    /// Benjamini-Hochberg adjusted p-values (scipy <c>false_discovery_control(ps, method='bh')</c>), in the input order:
    /// the i-th smallest p times m / i, made monotone from the largest down, clipped to [0, 1]. A column is flagged at
    /// false discovery rate q when its adjusted p-value is at most q.
    /// </summary>
    /// <exception cref="ArgumentException">A p-value is NaN or outside [0, 1].</exception>
    public static double[] Adjust(IReadOnlyList<double> pValues)
    {
        ArgumentNullException.ThrowIfNull(pValues);
        int m = pValues.Count;
        for (int i = 0; i < m; i++)
            if (!(pValues[i] >= 0 && pValues[i] <= 1)) throw new ArgumentException($"p-value {pValues[i]} at index {i} is not in [0, 1].", nameof(pValues));
        var order = Enumerable.Range(0, m).ToArray();
        Array.Sort(order, (x, y) => pValues[x] != pValues[y] ? pValues[x].CompareTo(pValues[y]) : x.CompareTo(y));
        var sorted = new double[m];
        for (int i = 0; i < m; i++) sorted[i] = pValues[order[i]] * ((double)m / (i + 1));
        for (int i = m - 2; i >= 0; i--) sorted[i] = Math.Min(sorted[i], sorted[i + 1]);
        var adjusted = new double[m];
        for (int i = 0; i < m; i++) adjusted[order[i]] = Math.Clamp(sorted[i], 0, 1);
        return adjusted;
    }
}
