namespace MlBuild.Core.Models.Evaluation;

/// <summary>Diagnostic codes of evaluation and gates (see docs/diagnostics.md).</summary>
public static class EvaluationCodes
{
    /// <summary>Predictions cannot be evaluated (lengths differ, NaN score, label outside the classes).</summary>
    public const string BadPredictions = "MLB3401";
    /// <summary>A predictions file lacks a named column, or a cell does not parse.</summary>
    public const string BadPredictionsFile = "MLB3402";
    /// <summary>An unknown metric, or one that does not apply to the task.</summary>
    public const string UnknownMetric = "MLB3403";
    /// <summary>A metric gate's interval lies wholly on the wrong side of its absolute bound.</summary>
    public const string GateFailed = "MLB4001";
    /// <summary>The candidate is worse than the baseline by more than allowed (or did not gain enough).</summary>
    public const string RegressionAgainstBaseline = "MLB4002";
    /// <summary>The interval straddles the bound; reported as error or warning per the inconclusive policy.</summary>
    public const string Inconclusive = "MLB4003";
    /// <summary>The metric is undefined on the test rows (e.g. AUC with one class), so the gate cannot be decided.</summary>
    public const string MetricUndefined = "MLB4004";
    /// <summary>A gate names a baseline that is missing.</summary>
    public const string BaselineMissing = "MLB4005";
    /// <summary>A declared slice or group has no rows (or too few to judge).</summary>
    public const string DeclaredSliceEmpty = "MLB4006";
    /// <summary>A fairness gate failed.</summary>
    public const string FairnessFailed = "MLB4007";
    /// <summary>No gate is configured and none was allowed to be missing.</summary>
    public const string NoGates = "MLB4008";
    /// <summary>The gates file is invalid (syntax, unknown property, wrong value) at its line and column.</summary>
    public const string BadGatesFile = "MLB9301";
    /// <summary>Model file over its size budget.</summary>
    public const string SizeOverBudget = "MLB5101";
    /// <summary>Prediction latency over its budget.</summary>
    public const string LatencyOverBudget = "MLB5102";
    /// <summary>Golden predictions moved beyond tolerance.</summary>
    public const string GoldenMoved = "MLB5103";
    /// <summary>Reproducibility below the required level.</summary>
    public const string NotReproducible = "MLB5104";
}
