namespace MlBuild.Core.Diagnostics;

/// <summary>How serious a diagnostic is; maps onto MSBuild errors, warnings and messages.</summary>
public enum MlSeverity
{
    /// <summary>Informational; never fails anything.</summary>
    Info,
    /// <summary>A warning; fails only when the user escalates it.</summary>
    Warning,
    /// <summary>An error; the command or build fails.</summary>
    Error,
}

/// <summary>
/// One coded diagnostic with an optional location. <see cref="Line"/> and <see cref="Column"/> are 1-based; 0 means unknown.
/// </summary>
/// <param name="Code">The code, <c>MLB</c> plus four digits: an entry of <see cref="DiagnosticCodes"/> (see docs/diagnostics.md).</param>
/// <param name="Severity">Error, warning or info.</param>
/// <param name="Message">What failed, where, and how to fix or silence it.</param>
/// <param name="File">The file the diagnostic points at, as the user named it.</param>
/// <param name="Line">1-based line, or 0.</param>
/// <param name="Column">1-based column, or 0.</param>
public sealed record MlDiagnostic(string Code, MlSeverity Severity, string Message,
                                  string? File = null, int Line = 0, int Column = 0)
{
    /// <summary>The message with control characters escaped (<see cref="DiagnosticText.Escape"/>): what is printed or logged.</summary>
    public string EscapedMessage => DiagnosticText.Escape(Message);

    /// <summary>
    /// The canonical line that MSBuild, editors and CI log parsers understand:
    /// <c>file(line,col): error CODE: message</c>. Always one line: echoed values cannot forge another.
    /// </summary>
    public string ToCanonicalString()
    {
        var severity = Severity switch
        {
            MlSeverity.Error => "error",
            MlSeverity.Warning => "warning",
            _ => "info",
        };
        var file = DiagnosticText.Escape(File);
        var origin = File is null ? "mlbuild"
            : Line > 0 && Column > 0 ? $"{file}({Line},{Column})"
            : Line > 0 ? $"{file}({Line})"
            : file;
        return $"{origin}: {severity} {Code}: {EscapedMessage}";
    }
}

/// <summary>Process exit codes shared by every verb; derived from verdicts by <see cref="Verdicts.ExitCode(Verdict)"/> only.</summary>
public enum ExitCodes
{
    /// <summary>Everything passed.</summary>
    Ok = 0,
    /// <summary>Checks ran and some failed (data violations, failed gates).</summary>
    ChecksFailed = 1,
    /// <summary>The checks could not run: usage, configuration, unreadable input or an internal error.</summary>
    InvalidInput = 2,
}

/// <summary>
/// A coded failure carrying its diagnostic (bad input, bad configuration, a registry refusal). Front doors print it and
/// exit with its code's exit class (<see cref="Verdicts.ExitCode(IEnumerable{MlDiagnostic})"/>); never a stack trace.
/// </summary>
public sealed class MlBuildException(MlDiagnostic diagnostic) : Exception(diagnostic.Message)
{
    /// <summary>The diagnostic to report.</summary>
    public MlDiagnostic Diagnostic { get; } = diagnostic;
}
