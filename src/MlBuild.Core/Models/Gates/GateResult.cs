using System.Globalization;
using MlBuild.Core.Diagnostics;
using MlBuild.Core.Models.Evaluation;

namespace MlBuild.Core.Models.Gates;

/// <summary>
/// The outcome of one check of one gate, with the figures it was decided on. <see cref="Decision"/> is what the
/// evidence says (pass, fail, inconclusive, skipped, error); <see cref="Verdict"/> is what it costs after the
/// gate's policies (an inconclusive gate under "warn" is a warning). Exit codes come from <see cref="Verdict"/>.
/// </summary>
public sealed record GateResult
{
    /// <summary>What was checked, e.g. <c>auc &gt;= 0.85</c>.</summary>
    public required string Name { get; init; }
    /// <summary>metric, baseline, slice, fairness, size, latency, golden, reproducibility, config.</summary>
    public required string Kind { get; init; }
    /// <summary>What the evidence says.</summary>
    public required Verdict Decision { get; init; }
    /// <summary>What it costs after policy.</summary>
    public required Verdict Verdict { get; init; }
    /// <summary>The metric (or measured quantity) name.</summary>
    public string? Metric { get; init; }
    /// <summary>Point estimate (for a baseline check: candidate − baseline).</summary>
    public double Value { get; init; } = double.NaN;
    /// <summary>Lower end of the interval, NaN when none.</summary>
    public double Low { get; init; } = double.NaN;
    /// <summary>Upper end of the interval, NaN when none.</summary>
    public double High { get; init; } = double.NaN;
    /// <summary>The bound the value is compared with.</summary>
    public double Threshold { get; init; } = double.NaN;
    /// <summary><c>&gt;=</c> or <c>&lt;=</c>: which side of <see cref="Threshold"/> is good.</summary>
    public string Comparison { get; init; } = ">=";
    /// <summary>Test rows the figures are based on.</summary>
    public long Count { get; init; }
    /// <summary>Baseline's value on the same rows (or from its metrics file), when compared with one.</summary>
    public double? Baseline { get; init; }
    /// <summary>Which model the baseline was (e.g. <c>churn 3 (prod)</c> from the registry), when known.</summary>
    public string? BaselineSource { get; init; }
    /// <summary>How the interval was computed.</summary>
    public IntervalMethod Method { get; init; }
    /// <summary>Confidence level of the interval.</summary>
    public double ConfidenceLevel { get; init; }
    /// <summary>Bootstrap seed, when bootstrapped.</summary>
    public int? Seed { get; init; }
    /// <summary>Bootstrap replicates used, when bootstrapped.</summary>
    public int? Resamples { get; init; }
    /// <summary>For INCONCLUSIVE: about how many test rows would make the interval decide (assuming width ~ 1/sqrt(n)).</summary>
    public long? RowsToDecide { get; init; }
    /// <summary>The coded diagnostic for anything but a pass (code MLB4xxx/MLB5xxx, at the gate's position).</summary>
    public MlDiagnostic? Diagnostic { get; init; }
    /// <summary>Per-slice or per-group results of a slice or fairness gate.</summary>
    public IReadOnlyList<GateResult> Parts { get; init; } = [];
    /// <summary>Slices or groups left out as too small, with their row counts.</summary>
    public IReadOnlyList<(string Value, long Count)> Excluded { get; init; } = [];

    /// <summary>One line for a console or test log: verdict, name, figures and interval (invariant culture).</summary>
    public string ToLine()
    {
        var word = Decision == Verdict && Decision != Verdict.Inconclusive ? Decision.Word().ToUpperInvariant()
            : $"{Decision.Word().ToUpperInvariant()} (as {Verdict.Word()})";
        var text = $"{word} {Name}";
        if (!double.IsNaN(Value))
        {
            text += $": {F(Value)}";
            if (!double.IsNaN(Low)) text += $" [{F(Low)}, {F(High)}]";
            text += $" {Comparison} {F(Threshold)}";
            if (Count > 0) text += $", n={Count.ToString(CultureInfo.InvariantCulture)}";
            if (Baseline is { } b) text += $", baseline {F(b)}" + (BaselineSource is { } source ? $" ({source})" : "");
            text += Method switch
            {
                IntervalMethod.Wilson => $", Wilson {P(ConfidenceLevel)}",
                IntervalMethod.BootstrapPercentile => $", bootstrap {P(ConfidenceLevel)} ({Resamples} resamples, seed {Seed})",
                _ => "",
            };
        }
        if (RowsToDecide is { } rows) text += $"; about {rows.ToString(CultureInfo.InvariantCulture)} test rows would decide it";
        if (Excluded.Count > 0) text += $"; excluded as too small: {string.Join(", ", Excluded.Select(e => $"{e.Value} ({e.Count})"))}";
        if (Diagnostic is { } d && (Decision is Verdict.Error or Verdict.Skipped || double.IsNaN(Value))) text += $" ({d.Message})";
        return text;
    }

    // Artifact tolerances such as 1e-6 must not print as 0.
    static string F(double v) => v != 0 && Math.Abs(v) < 1e-4 ? v.ToString("0.###E+0", CultureInfo.InvariantCulture) : v.ToString("0.####", CultureInfo.InvariantCulture);
    static string P(double level) => (level * 100).ToString("0.##", CultureInfo.InvariantCulture) + " %";
}

/// <summary>All results of one gate run.</summary>
/// <param name="Results">One per check, in declaration order.</param>
public sealed record GateRun(IReadOnlyList<GateResult> Results)
{
    /// <summary>The worst verdict after policy.</summary>
    public Verdict Verdict => Verdicts.Worst(Results.Select(r => r.Verdict));

    /// <summary>The process exit code.</summary>
    public ExitCodes ExitCode => Verdicts.ExitCode(Verdict);

    /// <summary>Diagnostics of every check that did not pass, in order.</summary>
    public IEnumerable<MlDiagnostic> Diagnostics => Results.Where(r => r.Diagnostic is not null).Select(r => r.Diagnostic!);

    /// <summary>The totals line: <c>gates: 3 passed, 1 failed, ...</c> (decisions, then what they cost).</summary>
    public string Totals()
    {
        int Count(Verdict v) => Results.Count(r => r.Decision == v);
        var parts = new List<string> { $"{Count(Verdict.Pass)} passed", $"{Count(Verdict.Fail)} failed", $"{Count(Verdict.Inconclusive)} inconclusive" };
        if (Count(Verdict.Skipped) > 0) parts.Add($"{Count(Verdict.Skipped)} skipped");
        if (Count(Verdict.Error) > 0) parts.Add($"{Count(Verdict.Error)} errors");
        int warned = Results.Count(r => r.Verdict == Verdict.Warn);
        if (warned > 0) parts.Add($"{warned} reported as warnings");
        return $"gates: {string.Join(", ", parts)}; result {Verdict.Word().ToUpperInvariant()}";
    }
}
