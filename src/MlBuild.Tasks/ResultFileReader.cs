using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;

namespace MlBuild.Tasks
{
    /// <summary>One diagnostic read back from the engine's result file.</summary>
    public sealed class EngineDiagnostic
    {
        internal EngineDiagnostic(string severity, DiagnosticKind kind, string code, string file, int line, int column, string message)
        {
            Severity = severity;
            Kind = kind;
            Code = code;
            File = file;
            Line = line;
            Column = column;
            Message = message;
        }

        /// <summary><c>error</c>, <c>warning</c> or <c>info</c>, as the engine decided.</summary>
        public string Severity { get; }
        /// <summary>The kind of the code, as the engine's table says (decides what a policy may downgrade).</summary>
        public DiagnosticKind Kind { get; }
        /// <summary>The code, <c>MLB</c> plus four digits.</summary>
        public string Code { get; }
        /// <summary>The file, or empty.</summary>
        public string File { get; }
        /// <summary>1-based line, or 0.</summary>
        public int Line { get; }
        /// <summary>1-based column, or 0.</summary>
        public int Column { get; }
        /// <summary>The message.</summary>
        public string Message { get; }
    }

    /// <summary>The parsed result file.</summary>
    internal sealed class EngineResult
    {
        public int ExitCode { get; set; }
        public List<EngineDiagnostic> Diagnostics { get; } = new List<EngineDiagnostic>();
        public List<string> Messages { get; } = new List<string>();
    }

    /// <summary>
    /// Reads the tab-separated result file an engine verb writes (the contract is MlBuild.Core's <c>ResultFile</c>):
    /// <c>MLBUILD-RESULT\t2\t&lt;exit&gt;</c>, then <c>D\t&lt;severity&gt;\t&lt;kind&gt;\t&lt;code&gt;\t&lt;file&gt;\t&lt;line&gt;\t&lt;col&gt;\t&lt;message&gt;</c>
    /// and <c>M\t&lt;message&gt;</c> lines, fields escaped with <c>\\ \t \r \n</c>. The task never parses free text.
    /// </summary>
    internal static class ResultFileReader
    {
        public const string Magic = "MLBUILD-RESULT";
        public const int FormatVersion = 2;

        /// <summary>Parses <paramref name="path"/>; on any deviation from the format returns null and says why.</summary>
        public static EngineResult? TryRead(string path, out string? problem)
        {
            string text;
            try
            {
                if (!System.IO.File.Exists(path))
                {
                    problem = "it wrote no result file";
                    return null;
                }
                text = System.IO.File.ReadAllText(path, new UTF8Encoding(false));
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                problem = "its result file could not be read (" + ex.Message + ")";
                return null;
            }
            return TryParse(text, out problem);
        }

        public static EngineResult? TryParse(string text, out string? problem)
        {
            var lines = text.Replace("\r\n", "\n").Split('\n');
            var header = lines[0].Split('\t');
            if (header.Length != 3 || header[0] != Magic)
            {
                problem = "its result file has no MLBUILD-RESULT header";
                return null;
            }
            if (header[1] != FormatVersion.ToString(CultureInfo.InvariantCulture))
            {
                problem = "its result file has format version '" + header[1] + "', this task reads version " + FormatVersion;
                return null;
            }
            var result = new EngineResult();
            if (!int.TryParse(header[2], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var exit))
            {
                problem = "its result file header has no exit code";
                return null;
            }
            result.ExitCode = exit;
            for (int i = 1; i < lines.Length; i++)
            {
                var line = lines[i];
                if (line.Length == 0)
                    continue;
                var f = line.Split('\t');
                if (f[0] == "D" && f.Length == 8
                    && int.TryParse(f[5], NumberStyles.None, CultureInfo.InvariantCulture, out var ln)
                    && int.TryParse(f[6], NumberStyles.None, CultureInfo.InvariantCulture, out var col))
                {
                    result.Diagnostics.Add(new EngineDiagnostic(f[1], DiagnosticCodes.ParseKind(f[2]), Unescape(f[3]), Unescape(f[4]), ln, col, Unescape(f[7])));
                }
                else if (f[0] == "M" && f.Length == 2)
                {
                    result.Messages.Add(Unescape(f[1]));
                }
                else
                {
                    problem = "line " + (i + 1).ToString(CultureInfo.InvariantCulture) + " of its result file is malformed";
                    return null;
                }
            }
            problem = null;
            return result;
        }

        internal static string Unescape(string s)
        {
            if (s.IndexOf('\\') < 0)
                return s;
            var sb = new StringBuilder(s.Length);
            for (int i = 0; i < s.Length; i++)
            {
                if (s[i] != '\\' || i + 1 == s.Length)
                {
                    sb.Append(s[i]);
                    continue;
                }
                var c = s[++i];
                sb.Append(c == 't' ? '\t' : c == 'r' ? '\r' : c == 'n' ? '\n' : c);
            }
            return sb.ToString();
        }
    }
}
