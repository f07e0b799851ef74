using System.Globalization;
using MlBuild.Core.Diagnostics;
using MlBuild.Core.Models.Evaluation;

namespace MlBuild.Core.Models.Gates;

/// <summary>Gates on the model artifact, decided on measurements taken by whoever holds the model. They are exact
/// measurements, so they pass or fail without intervals; a gate with no measurement is reported as skipped.</summary>
internal static class ArtifactGates
{
    public static GateResult Evaluate(GateSpec gate, GateEvaluator.Context context)
    {
        var m = context.Inputs.Artifacts;
        return gate switch
        {
            SizeGateSpec s => m?.ModelBytes is { } bytes
                ? Check(gate, context, "size", gate.Name ?? $"model size <= {F(s.MaxMegabytes)} MB", "size-mb", bytes / 1e6, s.MaxMegabytes, DiagnosticCodes.ModelTooLarge)
                : NotMeasured(gate, context, "size", $"model size <= {F(s.MaxMegabytes)} MB"),
            LatencyGateSpec l => m?.LatenciesMs is { Count: > 0 } lat
                ? Check(gate, context, "latency", gate.Name ?? $"latency p{l.Percentile} <= {F(l.MaxMilliseconds)} ms", $"latency-p{l.Percentile}-ms",
                        NearestRank(lat, l.Percentile), l.MaxMilliseconds, DiagnosticCodes.LatencyOverBudget, lat.Count)
                : NotMeasured(gate, context, "latency", $"latency p{l.Percentile} <= {F(l.MaxMilliseconds)} ms"),
            GoldenGateSpec g => (m?.GoldenByFile is { } byFile && byFile.TryGetValue(g.File, out var forFile) ? forFile : m?.Golden) is { } golden
                ? Check(gate, context, "golden", gate.Name ?? $"golden predictions {g.File} within {F(g.Tolerance)}", "max-abs-difference",
                        golden.MaxAbsDifference, g.Tolerance, DiagnosticCodes.GoldenMoved, golden.Rows,
                        detail: $"{golden.Mismatches} of {golden.Rows} golden rows moved by more than {F(g.Tolerance)} (largest difference {F(golden.MaxAbsDifference)})")
                : NotMeasured(gate, context, "golden", $"golden predictions {g.File}"),
            RoundTripGateSpec r => m?.RoundTripMaxDifference is { } diff
                ? Check(gate, context, "round-trip", gate.Name ?? $"save/load round trip within {F(r.Tolerance)}", "max-abs-difference", diff, r.Tolerance, DiagnosticCodes.RoundTripMismatch)
                : NotMeasured(gate, context, "round-trip", "save/load round trip"),
            ReproducibilityGateSpec p when m?.ReproducibilityNotApplicable is { } reason => new GateResult
            {
                Name = gate.Name ?? $"reproducibility at least {Word(p.Require)}", Kind = "reproducibility", Decision = Verdict.Skipped, Verdict = Verdict.Skipped,
                Diagnostic = context.Diagnostic(DiagnosticCodes.NotReproducible, MlSeverity.Info,
                    $"Gate '{gate.Name ?? $"reproducibility at least {Word(p.Require)}"}' does not apply: {reason}."),
            },
            ReproducibilityGateSpec p => m?.Reproducibility is { } level
                ? Check(gate, context, "reproducibility", gate.Name ?? $"reproducibility at least {Word(p.Require)}", "level",
                        (double)level, (double)p.Require, DiagnosticCodes.NotReproducible, detail: $"reached {Word(level)}, required {Word(p.Require)}")
                : NotMeasured(gate, context, "reproducibility", $"reproducibility at least {Word(p.Require)}"),
            _ => throw new MlBuildException(context.Diagnostic(DiagnosticCodes.InternalError, MlSeverity.Error, $"Unknown gate kind {gate.GetType().Name}.")),
        };
    }

    static GateResult Check(GateSpec gate, GateEvaluator.Context context, string kind, string name, string metric, double value, double max,
                            string code, long count = 0, string? detail = null)
    {
        var decision = value <= max ? Verdict.Pass : Verdict.Fail;
        return new GateResult
        {
            Name = name, Kind = kind, Metric = metric, Decision = decision, Verdict = decision, Value = value, Threshold = max,
            Comparison = "<=", Count = count,
            Diagnostic = decision == Verdict.Fail
                ? context.Diagnostic(code, MlSeverity.Error, $"Gate '{name}' failed: {detail ?? $"{metric} {F(value)} > {F(max)}"}.")
                : null,
        };
    }

    static GateResult NotMeasured(GateSpec gate, GateEvaluator.Context context, string kind, string name) => new()
    {
        Name = gate.Name ?? name, Kind = kind, Decision = Verdict.Skipped, Verdict = Verdict.Skipped,
        Diagnostic = context.Diagnostic(kind == "reproducibility" ? DiagnosticCodes.NotReproducible : kind == "size" ? DiagnosticCodes.ModelTooLarge
                                        : kind == "latency" ? DiagnosticCodes.LatencyOverBudget : kind == "round-trip" ? DiagnosticCodes.RoundTripMismatch : DiagnosticCodes.GoldenMoved,
                                        MlSeverity.Info, $"Gate '{gate.Name ?? name}' was not run: it is measured on the published model by `dotnet publish`, not on predictions or a quick-trained model."),
    };

    /// <summary>Nearest-rank percentile (an observed latency, never an interpolated one).</summary>
    internal static double NearestRank(IReadOnlyList<double> values, int percentile)
    {
        var sorted = values.Order().ToArray();
        int rank = (int)Math.Ceiling(percentile / 100.0 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    static string Word(ReproducibilityLevel level) => level switch
    {
        ReproducibilityLevel.Identical => "identical",
        ReproducibilityLevel.WithinTolerance => "within tolerance",
        _ => "different",
    };

    // Tolerances such as 1e-6 must not print as 0.
    static string F(double v) => v != 0 && Math.Abs(v) < 1e-4 ? v.ToString("0.###E+0", CultureInfo.InvariantCulture) : v.ToString("0.####", CultureInfo.InvariantCulture);
}
