using System.Globalization;
using System.Text;

namespace MlBuild.Core.Diagnostics;

/// <summary>
/// The one escaping rule for values echoed to a terminal or a log (a CSV cell, a <c>--reason</c>, an actor's name, a
/// file name): control characters, line and paragraph separators and bidirectional overrides are written as escapes,
/// so no input can start a new line that a CI log parser would read as another diagnostic
/// (<c>evil.cs(1,1): error CS0001</c>) or reorder what the reader sees. Compiled into the MSBuild tasks too (a linked
/// file), so the build log escapes alike.
/// </summary>
public static class DiagnosticText
{
    /// <summary>True for a character <see cref="Escape"/> rewrites.</summary>
    public static bool NeedsEscape(char c) =>
        char.IsControl(c) || c is '\u2028' or '\u2029' || c is >= '\u202A' and <= '\u202E' || c is >= '\u2066' and <= '\u2069';

    /// <summary>The text with every such character written as <c>\n</c>, <c>\r</c>, <c>\t</c> or <c>\uXXXX</c>; other text unchanged.</summary>
    public static string Escape(string? text)
    {
        if (text is null || text.Length == 0) return text ?? "";
        var first = 0;
        while (first < text.Length && !NeedsEscape(text[first])) first++;
        if (first == text.Length) return text;
        var sb = new StringBuilder(text.Length + 8).Append(text, 0, first);
        for (var i = first; i < text.Length; i++)
        {
            var c = text[i];
            if (!NeedsEscape(c)) { sb.Append(c); continue; }
            sb.Append(c switch
            {
                '\n' => @"\n",
                '\r' => @"\r",
                '\t' => @"\t",
                _ => @"\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture),
            });
        }
        return sb.ToString();
    }
}
