namespace MlBuild.Core.Data.Drift;

/// <summary>When a dataset as a whole counts as drifted.</summary>
public enum DatasetRuleKind
{
    /// <summary>Any compared column drifted (the default).</summary>
    AnyColumn,
    /// <summary>At least <see cref="DriftRule.Share"/> of the compared columns drifted.</summary>
    ShareOfColumns,
    /// <summary>Any of <see cref="DriftRule.Columns"/> drifted.</summary>
    NamedColumns,
}

/// <summary>
/// The drift rule: per-column thresholds on effect sizes (fixed cutoffs, so that two random halves of one dataset do
/// not drift however many rows they have), a false discovery rate for the p-values (Benjamini-Hochberg across every
/// test of every column, so that small samples need evidence too), and the dataset rule over the columns. A column
/// drifts when one of its effect sizes reaches its threshold and that effect's test, where it has one, is significant.
/// </summary>
public sealed record DriftRule
{
    /// <summary>The dataset rule.</summary>
    public DatasetRuleKind Kind { get; init; } = DatasetRuleKind.AnyColumn;
    /// <summary>For <see cref="DatasetRuleKind.ShareOfColumns"/>: the share (0 to 1) of compared columns that must drift.</summary>
    public double Share { get; init; } = 0.5;
    /// <summary>For <see cref="DatasetRuleKind.NamedColumns"/>: the columns that decide.</summary>
    public IReadOnlyList<string> Columns { get; init; } = [];
    /// <summary>Columns left out of the comparison (identifiers, timestamps that always move).</summary>
    public IReadOnlyList<string> Ignore { get; init; } = [];
    /// <summary>False discovery rate for the Benjamini-Hochberg adjusted p-values.</summary>
    public double Alpha { get; init; } = 0.05;
    /// <summary>Numeric columns: Wasserstein distance in reference standard deviations (a 0.1 SD mean shift scores 0.1).</summary>
    public double Wasserstein { get; init; } = 0.05;
    /// <summary>Numeric columns: population stability index over reference deciles.</summary>
    public double Psi { get; init; } = 0.2;
    /// <summary>Categorical columns: Jensen-Shannon distance (base 2) of the category shares.</summary>
    public double JensenShannon { get; init; } = 0.03;
    /// <summary>Categorical columns: share of current values in categories the reference never saw.</summary>
    public double UnseenShare { get; init; } = 0.02;
    /// <summary>Every column: absolute change of the null rate.</summary>
    public double NullRateChange { get; init; } = 0.02;
    /// <summary>Every column: rise in the share of values that do not read as the reference type.</summary>
    public double TypeChange { get; init; } = 0.01;
    /// <summary>Per-column thresholds replacing the main effect's (Wasserstein for numbers, Jensen-Shannon for categories).</summary>
    public IReadOnlyDictionary<string, double> ColumnThresholds { get; init; } = new Dictionary<string, double>();
}
