namespace MlBuild.Core.Diagnostics;

/// <summary>
/// The outcome of one check of any kind: a data check, a drift column, a gate, an artifact check, a registry policy.
/// Ordered from best to worst, so the outcome of a group is the maximum of its members' verdicts.
/// </summary>
public enum Verdict
{
    /// <summary>The check ran and held.</summary>
    Pass = 0,
    /// <summary>The check did not run (opted out, nothing to compare with, an earlier step failed).</summary>
    Skipped = 1,
    /// <summary>The check failed but is configured not to fail the command (a warning).</summary>
    Warn = 2,
    /// <summary>The evidence cannot decide (a confidence interval straddles the threshold); policy says what it costs.</summary>
    Inconclusive = 3,
    /// <summary>The check ran and did not hold: the command fails with exit code 1.</summary>
    Fail = 4,
    /// <summary>The check could not run: unreadable input, bad configuration, an internal error (exit code 2).</summary>
    Error = 5,
}

/// <summary>The one place where verdicts become a process exit code and report words.</summary>
public static class Verdicts
{
    /// <summary>The worst of several verdicts; <see cref="Verdict.Pass"/> for none.</summary>
    public static Verdict Worst(IEnumerable<Verdict> verdicts)
    {
        var worst = Verdict.Pass;
        foreach (var v in verdicts) if (v > worst) worst = v;
        return worst;
    }

    /// <summary>
    /// The outcome of a run of checks, as a test runner reports it: the worst verdict of the checks that ran; skipped
    /// only when none ran (a run whose checks passed but for some it could not measure passes, and says what it skipped).
    /// </summary>
    public static Verdict Overall(IEnumerable<Verdict> verdicts)
    {
        var ran = verdicts.Where(v => v != Verdict.Skipped).ToList();
        return ran.Count > 0 ? Worst(ran) : verdicts.Any() ? Verdict.Skipped : Verdict.Pass;
    }

    /// <summary>The worse of two verdicts.</summary>
    public static Verdict Worst(Verdict a, Verdict b) => a > b ? a : b;

    /// <summary>
    /// The process exit code of a run whose outcome is <paramref name="verdict"/>: 2 for an error, 1 for a failure,
    /// 0 otherwise. An inconclusive verdict must have been resolved by its policy (to fail or warn) before this point;
    /// one that reaches here unresolved fails, so that an undecided gate never passes silently.
    /// </summary>
    public static ExitCodes ExitCode(Verdict verdict) => verdict switch
    {
        Verdict.Error => ExitCodes.InvalidInput,
        Verdict.Fail or Verdict.Inconclusive => ExitCodes.ChecksFailed,
        _ => ExitCodes.Ok,
    };

    /// <summary>The exit code of a run from all its verdicts.</summary>
    public static ExitCodes ExitCode(IEnumerable<Verdict> verdicts) => ExitCode(Worst(verdicts));

    /// <summary>
    /// The verdict of a run that raises a code of this kind as an error: a data finding or a registry refusal fails
    /// the checks, information passes, and everything else (configuration, unreadable input, usage, internal) means
    /// the checks could not run.
    /// </summary>
    public static Verdict WhenRaised(DiagnosticKind kind) => kind switch
    {
        DiagnosticKind.DataFinding or DiagnosticKind.Refusal => Verdict.Fail,
        DiagnosticKind.Information => Verdict.Pass,
        _ => Verdict.Error,
    };

    /// <summary>
    /// The verdict one diagnostic stands for, from what the engine wrote (its severity) and the table (its code's kind):
    /// info passes, a warning warns, an error is <see cref="WhenRaised"/> of its kind.
    /// </summary>
    public static Verdict Of(MlDiagnostic diagnostic) => diagnostic.Severity switch
    {
        MlSeverity.Info => Verdict.Pass,
        MlSeverity.Warning => Verdict.Warn,
        _ => WhenRaised(DiagnosticCodes.KindOf(diagnostic.Code)),
    };

    /// <summary>The exit code of a run that reported <paramref name="diagnostics"/> (0 for none).</summary>
    public static ExitCodes ExitCode(IEnumerable<MlDiagnostic> diagnostics) => ExitCode(Worst(diagnostics.Select(Of)));

    /// <summary>The lower-case word used in every report (<c>pass</c>, <c>fail</c>, ...).</summary>
    public static string Word(this Verdict verdict) => verdict switch
    {
        Verdict.Pass => "pass",
        Verdict.Skipped => "skipped",
        Verdict.Warn => "warn",
        Verdict.Inconclusive => "inconclusive",
        Verdict.Fail => "fail",
        _ => "error",
    };
}
