using System.Globalization;
using System.Text;
using MlBuild.Core.Diagnostics;

namespace MlBuild.Core.Reports;

/// <summary>
/// The file an engine verb writes for the MSBuild task that started it. Line-oriented and tab-separated so that the
/// task (netstandard2.0, no JSON library) reads it without parsing free text:
/// <code>
/// MLBUILD-RESULT	2	&lt;exit code&gt;
/// D	&lt;severity&gt;	&lt;kind&gt;	&lt;code&gt;	&lt;file&gt;	&lt;line&gt;	&lt;column&gt;	&lt;message&gt;
/// M	&lt;message&gt;
/// </code>
/// The kind is the code's <see cref="DiagnosticKind"/> as a word (<see cref="DiagnosticCodes.Word"/>: <c>data</c>,
/// <c>input</c>, <c>configuration</c>, ...): with it the task decides which errors it may turn into warnings without
/// reading anything from a code's digits. Version 2 added the kind (version 1 had none).
/// Fields escape backslash, tab, CR and LF as <c>\\</c>, <c>\t</c>, <c>\r</c>, <c>\n</c>.
/// </summary>
public static class ResultFile
{
    /// <summary>The first field of the header line.</summary>
    public const string Magic = "MLBUILD-RESULT";

    /// <summary>The format version written by this engine.</summary>
    public const int FormatVersion = 2;

    /// <summary>Writes the result atomically (temporary file, then rename), so a task never reads half a file.</summary>
    public static void Write(string path, int exitCode, IEnumerable<MlDiagnostic> diagnostics, IEnumerable<string>? messages = null)
    {
        var sb = new StringBuilder();
        sb.Append(Magic).Append('\t').Append(FormatVersion.ToString(CultureInfo.InvariantCulture))
          .Append('\t').Append(exitCode.ToString(CultureInfo.InvariantCulture)).Append('\n');
        foreach (var d in diagnostics)
        {
            sb.Append("D\t").Append(SeverityName(d.Severity)).Append('\t')
              .Append(DiagnosticCodes.Word(DiagnosticCodes.KindOf(d.Code))).Append('\t').Append(Escape(d.Code)).Append('\t')
              .Append(Escape(d.File ?? "")).Append('\t').Append(d.Line.ToString(CultureInfo.InvariantCulture)).Append('\t')
              .Append(d.Column.ToString(CultureInfo.InvariantCulture)).Append('\t').Append(Escape(d.Message)).Append('\n');
        }
        foreach (var m in messages ?? [])
            sb.Append("M\t").Append(Escape(m)).Append('\n');
        AtomicFile.WriteAllText(path, sb.ToString());
    }

    /// <summary>Reads a result file back (used by tests and by tools that post-process results).</summary>
    public static (int ExitCode, List<MlDiagnostic> Diagnostics, List<string> Messages) Read(string path)
    {
        var lines = File.ReadAllLines(path, Encoding.UTF8);
        if (lines.Length == 0 || !lines[0].StartsWith(Magic + "\t", StringComparison.Ordinal))
            throw new InvalidDataException($"'{path}' is not an MlBuild result file.");
        var header = lines[0].Split('\t');
        if (header.Length != 3 || header[1] != FormatVersion.ToString(CultureInfo.InvariantCulture))
            throw new InvalidDataException($"'{path}' is an MlBuild result file of another format version.");
        var exit = int.Parse(header[2], CultureInfo.InvariantCulture);
        var diags = new List<MlDiagnostic>();
        var messages = new List<string>();
        foreach (var line in lines.Skip(1))
        {
            var f = line.Split('\t');
            if (f[0] == "D" && f.Length == 8)
                diags.Add(new MlDiagnostic(Unescape(f[3]), ParseSeverity(f[1]), Unescape(f[7]),
                    f[4].Length == 0 ? null : Unescape(f[4]),
                    int.Parse(f[5], CultureInfo.InvariantCulture), int.Parse(f[6], CultureInfo.InvariantCulture)));
            else if (f[0] == "M" && f.Length == 2)
                messages.Add(Unescape(f[1]));
        }
        return (exit, diags, messages);
    }

    static string SeverityName(MlSeverity s) => s switch
    {
        MlSeverity.Error => "error",
        MlSeverity.Warning => "warning",
        _ => "info",
    };

    static MlSeverity ParseSeverity(string s) => s switch
    {
        "error" => MlSeverity.Error,
        "warning" => MlSeverity.Warning,
        _ => MlSeverity.Info,
    };

    static string Escape(string s) =>
        s.Replace("\\", "\\\\").Replace("\t", "\\t").Replace("\r", "\\r").Replace("\n", "\\n");

    static string Unescape(string s)
    {
        if (!s.Contains('\\')) return s;
        var sb = new StringBuilder(s.Length);
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] != '\\' || i + 1 == s.Length) { sb.Append(s[i]); continue; }
            sb.Append(s[++i] switch { 't' => '\t', 'r' => '\r', 'n' => '\n', var c => c });
        }
        return sb.ToString();
    }
}
