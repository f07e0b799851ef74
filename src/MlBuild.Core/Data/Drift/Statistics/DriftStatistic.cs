namespace MlBuild.Core.Data.Drift.Statistics;

/// <summary>The drift statistics MlBuild computes; each has one fixed direction (<see cref="DriftStatistic.Direction"/>).</summary>
public enum DriftMethod
{
    /// <summary>Two-sample Kolmogorov-Smirnov D (0 to 1): the largest gap between the two empirical CDFs.</summary>
    KolmogorovSmirnov,
    /// <summary>Population stability index over reference-quantile bins (0 upwards, natural log).</summary>
    PopulationStabilityIndex,
    /// <summary>Wasserstein-1 distance divided by the reference's population standard deviation (0 upwards).</summary>
    NormalizedWasserstein,
    /// <summary>Jensen-Shannon distance with base 2 (0 to 1) between the category shares.</summary>
    JensenShannon,
    /// <summary>Pearson chi-square statistic of the 2 x k table of category counts (0 upwards), with its p-value.</summary>
    ChiSquare,
    /// <summary>Cramér's V of the 2 x k table (0 to 1), from the uncorrected chi-square.</summary>
    CramersV,
    /// <summary>The share of current values whose category the reference never saw (0 to 1).</summary>
    UnseenCategoryShare,
    /// <summary>The absolute change of the null rate, |current - reference| (0 to 1).</summary>
    NullRateChange,
}

/// <summary>Which way a figure points.</summary>
public enum DriftDirection
{
    /// <summary>A larger value means more drift (every <see cref="DriftStatistic.Value"/>).</summary>
    HigherIsMoreDrift,
    /// <summary>A smaller value means more drift (every p-value).</summary>
    LowerIsMoreDrift,
}

/// <summary>How a p-value was computed.</summary>
public enum PValueMethod
{
    /// <summary>The statistic has no p-value.</summary>
    None,
    /// <summary>From the statistic's exact finite-sample distribution.</summary>
    Exact,
    /// <summary>From an asymptotic distribution (large samples).</summary>
    Asymptotic,
}

/// <summary>
/// One drift figure of one column. Pure data: the functions in this namespace make it from counts or sorted values, so the
/// same inputs give the same bits.
/// </summary>
/// <param name="Method">Which statistic.</param>
/// <param name="Value">The statistic; larger always means more drift.</param>
/// <param name="IsExact">
/// True when the value was computed from every value of both samples; false when it came from a sketch or binned summary,
/// then <see cref="ErrorBound"/> says how far the exact value can be.
/// </param>
public sealed record DriftStatistic(DriftMethod Method, double Value, bool IsExact)
{
    /// <summary>Which way <see cref="Value"/> points: always <see cref="DriftDirection.HigherIsMoreDrift"/>.</summary>
    public DriftDirection Direction => DriftDirection.HigherIsMoreDrift;

    /// <summary>The p-value (smaller means more drift), or null for a statistic that has none.</summary>
    public double? PValue { get; init; }

    /// <summary>How <see cref="PValue"/> was computed.</summary>
    public PValueMethod PValueMethod { get; init; }

    /// <summary>
    /// A bound on |exact value - <see cref="Value"/>|: 0 when <see cref="IsExact"/>, otherwise what the summary the value
    /// came from allows (for KS from bins, half the width of the interval the exact D must lie in).
    /// </summary>
    public double ErrorBound { get; init; }

    /// <summary>Degrees of freedom of the test behind <see cref="PValue"/> (chi-square), or null.</summary>
    public int? DegreesOfFreedom { get; init; }

    /// <summary>The stable lower-case name used in reports and JSON: <c>ks</c>, <c>psi</c>, <c>wasserstein</c>, ...</summary>
    public string Name => NameOf(Method);

    /// <summary>The stable lower-case name of a method.</summary>
    public static string NameOf(DriftMethod method) => method switch
    {
        DriftMethod.KolmogorovSmirnov => "ks",
        DriftMethod.PopulationStabilityIndex => "psi",
        DriftMethod.NormalizedWasserstein => "wasserstein",
        DriftMethod.JensenShannon => "jensen_shannon",
        DriftMethod.ChiSquare => "chi_square",
        DriftMethod.CramersV => "cramers_v",
        DriftMethod.UnseenCategoryShare => "unseen_share",
        DriftMethod.NullRateChange => "null_rate_change",
        _ => throw new ArgumentOutOfRangeException(nameof(method)),
    };
}
