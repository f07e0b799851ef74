using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Xml;
using MlBuild.Core.Diagnostics;

namespace MlBuild.Core.Reports;

/// <summary>
/// The writers of a <see cref="ReportDocument"/>: the versioned JSON report, SARIF 2.1.0, JUnit XML and a Markdown
/// summary. Each knows sections, verdicts, figures, locations and diagnostics, never what kind of check made them.
/// Deterministic: the same document gives the same bytes (invariant culture, document order, no timestamps).
/// </summary>
public static class ReportWriters
{
    // Relaxed escaping keeps non-ASCII text, quotes and backticks readable ('gold', ≥); it still escapes what JSON
    // requires. A writer that embeds this JSON in HTML must escape it for HTML itself.
    static readonly JsonWriterOptions Indented = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    // ---------------------------------------------------------------------------------------------------- JSON

    /// <summary>The JSON report (format <see cref="ReportDocument.FormatVersion"/>, described in docs/reports.md).</summary>
    public static byte[] Json(ReportDocument doc)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, Indented))
        {
            w.WriteStartObject();
            w.WriteNumber("formatVersion", ReportDocument.FormatVersion);
            w.WriteString("tool", doc.Tool);
            w.WriteString("toolVersion", doc.ToolVersion);
            w.WriteString("title", doc.Title);
            w.WriteString("verdict", doc.Verdict.Word());
            w.WriteNumber("exitCode", (int)doc.ExitCode);
            w.WriteStartArray("sections");
            foreach (var s in doc.Sections) WriteSection(w, s);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return ms.ToArray();
    }

    static void WriteSection(Utf8JsonWriter w, ReportSection s)
    {
        w.WriteStartObject();
        w.WriteString("kind", s.Kind);
        w.WriteString("id", s.Id);
        if (s.Title is not null) w.WriteString("title", s.Title);
        w.WriteString("verdict", s.Verdict.Word());
        if (s.Code is not null) w.WriteString("code", s.Code);
        if (s.Summary is not null) w.WriteString("summary", s.Summary);
        if (s.Properties.Count > 0)
        {
            w.WriteStartObject("properties");
            foreach (var (name, value) in s.Properties) w.WriteString(name, value);
            w.WriteEndObject();
        }
        if (s.Figures.Count > 0)
        {
            w.WriteStartObject("figures");
            foreach (var f in s.Figures) { w.WritePropertyName(f.Name); WriteFigure(w, f); }
            w.WriteEndObject();
        }
        if (s.Locations.Count > 0)
        {
            w.WriteStartArray("locations");
            foreach (var l in s.Locations) WriteLocation(w, l);
            w.WriteEndArray();
        }
        if (s.ValueCounts.Count > 0)
        {
            w.WriteStartArray("valueCounts");
            foreach (var v in s.ValueCounts) { w.WriteStartObject(); w.WriteString("value", v.Value); w.WriteNumber("count", v.Count); w.WriteEndObject(); }
            w.WriteEndArray();
        }
        if (s.Diagnostics.Count > 0)
        {
            w.WriteStartArray("diagnostics");
            foreach (var d in s.Diagnostics) WriteDiagnostic(w, d);
            w.WriteEndArray();
        }
        if (s.Attachments.Count > 0)
        {
            w.WriteStartObject("attachments");
            foreach (var a in s.Attachments) { w.WritePropertyName(a.Name); a.WriteJson(w); }
            w.WriteEndObject();
        }
        if (s.Sections.Count > 0)
        {
            w.WriteStartArray("sections");
            foreach (var c in s.Sections) WriteSection(w, c);
            w.WriteEndArray();
        }
        w.WriteEndObject();
    }

    static void WriteFigure(Utf8JsonWriter w, Figure f)
    {
        w.WriteStartObject();
        WriteNumber(w, "value", f.Value);
        if (f.Low is { } low) WriteNumber(w, "low", low);
        if (f.High is { } high) WriteNumber(w, "high", high);
        if (f.Level is { } level) WriteNumber(w, "level", level);
        if (f.HigherIsBetter is { } higher) w.WriteString("direction", higher ? "higher" : "lower");
        if (f.Unit is not null) w.WriteString("unit", f.Unit);
        w.WriteEndObject();
    }

    /// <summary>JSON has no NaN or infinities: those are written as the strings <c>NaN</c>, <c>Infinity</c>, <c>-Infinity</c>.</summary>
    static void WriteNumber(Utf8JsonWriter w, string name, double value)
    {
        if (double.IsFinite(value)) w.WriteNumber(name, value);
        else w.WriteString(name, value.ToString(CultureInfo.InvariantCulture));
    }

    static void WriteLocation(Utf8JsonWriter w, ReportLocation l)
    {
        w.WriteStartObject();
        w.WriteString("file", l.File);
        if (l.Line > 0) w.WriteNumber("line", l.Line);
        if (l.Column > 0) w.WriteNumber("column", l.Column);
        if (l.ByteOffset >= 0) w.WriteNumber("byteOffset", l.ByteOffset);
        if (l.Record > 0) w.WriteNumber("record", l.Record);
        if (l.RowGroup >= 0) { w.WriteNumber("rowGroup", l.RowGroup); w.WriteNumber("row", l.Row); }
        if (l.Value is not null) w.WriteString("value", l.Value);
        w.WriteEndObject();
    }

    static void WriteDiagnostic(Utf8JsonWriter w, MlDiagnostic d)
    {
        w.WriteStartObject();
        w.WriteString("code", d.Code);
        w.WriteString("severity", SeverityWord(d.Severity));
        w.WriteString("message", d.Message);
        if (d.File is not null) w.WriteString("file", d.File);
        if (d.Line > 0) w.WriteNumber("line", d.Line);
        if (d.Column > 0) w.WriteNumber("column", d.Column);
        w.WriteEndObject();
    }

    static string SeverityWord(MlSeverity s) => s switch { MlSeverity.Error => "error", MlSeverity.Warning => "warning", _ => "info" };

    // ---------------------------------------------------------------------------------------------------- SARIF

    /// <summary>
    /// SARIF 2.1.0: one result per diagnostic of the document, in document order; the rules are the codes used,
    /// each with its title and documentation link from the code table (<see cref="DiagnosticDocs"/>).
    /// </summary>
    public static byte[] Sarif(ReportDocument doc)
    {
        var diagnostics = doc.AllDiagnostics().ToList();
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, Indented))
        {
            w.WriteStartObject();
            w.WriteString("$schema", "https://json.schemastore.org/sarif-2.1.0.json");
            w.WriteString("version", "2.1.0");
            w.WriteStartArray("runs");
            w.WriteStartObject();
            w.WriteStartObject("tool");
            w.WriteStartObject("driver");
            w.WriteString("name", "MlBuild");
            w.WriteString("version", doc.ToolVersion);
            w.WriteString("informationUri", DiagnosticDocs.PageUri);
            w.WriteStartArray("rules");
            foreach (var code in diagnostics.Select(d => d.Code).Distinct().Order(StringComparer.Ordinal))
            {
                w.WriteStartObject();
                w.WriteString("id", code);
                if (DiagnosticDocs.Title(code) is { } title) { w.WriteStartObject("shortDescription"); w.WriteString("text", title); w.WriteEndObject(); }
                w.WriteString("helpUri", DiagnosticDocs.HelpUri(code));
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteStartArray("results");
            foreach (var d in diagnostics)
            {
                w.WriteStartObject();
                w.WriteString("ruleId", d.Code);
                w.WriteString("level", d.Severity switch { MlSeverity.Error => "error", MlSeverity.Warning => "warning", _ => "note" });
                w.WriteStartObject("message"); w.WriteString("text", d.Message); w.WriteEndObject();
                if (d.File is not null)
                {
                    w.WriteStartArray("locations");
                    w.WriteStartObject();
                    w.WriteStartObject("physicalLocation");
                    w.WriteStartObject("artifactLocation"); w.WriteString("uri", d.File.Replace('\\', '/')); w.WriteEndObject();
                    if (d.Line > 0)
                    {
                        w.WriteStartObject("region");
                        w.WriteNumber("startLine", d.Line);
                        if (d.Column > 0) w.WriteNumber("startColumn", d.Column);
                        w.WriteEndObject();
                    }
                    w.WriteEndObject();
                    w.WriteEndObject();
                    w.WriteEndArray();
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return ms.ToArray();
    }

    // ---------------------------------------------------------------------------------------------------- JUnit

    /// <summary>
    /// JUnit XML: a test suite per top-level section, a test case per check below it (its leaf sections; a top-level
    /// section without children is its own test case). Fail and inconclusive are a <c>failure</c>, error an
    /// <c>error</c>, skipped <c>skipped</c>; the diagnostics go in the element's text (warnings in
    /// <c>system-out</c>).
    /// </summary>
    public static byte[] JUnit(ReportDocument doc)
    {
        var settings = new XmlWriterSettings { Indent = true, Encoding = new UTF8Encoding(false), NewLineChars = "\n" };
        var suites = doc.Sections.Select(s => (Suite: s, Cases: TestCases(s).ToList())).ToList();
        var all = suites.SelectMany(s => s.Cases).ToList();
        using var ms = new MemoryStream();
        using (var w = XmlWriter.Create(ms, settings))
        {
            w.WriteStartDocument();
            w.WriteStartElement("testsuites");
            w.WriteAttributeString("name", "mlbuild " + doc.Title);
            WriteCounts(w, all.Select(c => c.Section.Verdict).ToList());
            foreach (var (suite, cases) in suites)
            {
                w.WriteStartElement("testsuite");
                w.WriteAttributeString("name", suite.Id);
                WriteCounts(w, cases.Select(c => c.Section.Verdict).ToList());
                foreach (var (className, s) in cases)
                {
                    w.WriteStartElement("testcase");
                    w.WriteAttributeString("classname", className);
                    w.WriteAttributeString("name", s.Id);
                    var text = string.Join("\n", s.Diagnostics.Select(d => d.ToCanonicalString()));
                    var element = s.Verdict switch
                    {
                        Verdict.Fail or Verdict.Inconclusive => "failure",
                        Verdict.Error => "error",
                        Verdict.Skipped => "skipped",
                        _ => null,
                    };
                    if (element is not null)
                    {
                        w.WriteStartElement(element);
                        if ((s.Code ?? s.Diagnostics.FirstOrDefault()?.Code) is { } type) w.WriteAttributeString("type", type);
                        w.WriteAttributeString("message", s.Summary ?? s.Diagnostics.FirstOrDefault()?.Message ?? s.Verdict.Word());
                        if (text.Length > 0) w.WriteString(text);
                        w.WriteEndElement();
                    }
                    else if (text.Length > 0)
                        w.WriteElementString("system-out", text);
                    w.WriteEndElement();
                }
                w.WriteEndElement();
            }
            w.WriteEndElement();
            w.WriteEndDocument();
        }
        return ms.ToArray();
    }

    static IEnumerable<(string ClassName, ReportSection Section)> TestCases(ReportSection top)
    {
        if (top.Sections.Count == 0) { yield return (top.Id, top); yield break; }
        foreach (var c in Leaves(top, top.Id)) yield return c;
    }

    static IEnumerable<(string ClassName, ReportSection Section)> Leaves(ReportSection parent, string path)
    {
        foreach (var s in parent.Sections)
            if (s.Sections.Count == 0) yield return (path, s);
            else foreach (var c in Leaves(s, path + "." + s.Id)) yield return c;
    }

    static void WriteCounts(XmlWriter w, List<Verdict> verdicts)
    {
        w.WriteAttributeString("tests", Invariant(verdicts.Count));
        w.WriteAttributeString("failures", Invariant(verdicts.Count(v => v is Verdict.Fail or Verdict.Inconclusive)));
        w.WriteAttributeString("errors", Invariant(verdicts.Count(v => v == Verdict.Error)));
        w.WriteAttributeString("skipped", Invariant(verdicts.Count(v => v == Verdict.Skipped)));
    }

    static string Invariant(int n) => n.ToString(CultureInfo.InvariantCulture);

    // ---------------------------------------------------------------------------------------------------- Markdown

    /// <summary>
    /// A Markdown summary (for <c>$GITHUB_STEP_SUMMARY</c> or a pull-request comment): per top-level section its
    /// verdict, its summary line and a table of what did not pass.
    /// </summary>
    public static string Markdown(ReportDocument doc)
    {
        var sb = new StringBuilder();
        sb.Append("## MlBuild ").Append(doc.Title).Append("\n\n");
        foreach (var top in doc.Sections)
        {
            sb.Append("### `").Append(Escape(top.Id)).Append("`: ").Append(Badge(top.Verdict)).Append("\n\n");
            if (top.Summary is not null) sb.Append(top.Summary).Append("\n\n");
            foreach (var d in top.Diagnostics) sb.Append("- ").Append(Escape(d.ToCanonicalString())).Append('\n');
            if (top.Diagnostics.Count > 0) sb.Append('\n');
            var rows = (top.Sections.Count == 0 ? [] : Leaves(top, top.Id).Select(c => c.Section))
                .Where(s => s.Verdict != Verdict.Pass).ToList();
            if (rows.Count == 0) continue;
            var figureName = rows.Select(r => r.Figures.FirstOrDefault()?.Name).FirstOrDefault(n => n is not null) ?? "figure";
            sb.Append("| ").Append(Escape(rows[0].Kind)).Append(" | verdict | code | ").Append(Escape(figureName))
              .Append(" | first at | detail |\n|---|---|---|---:|---|---|\n");
            foreach (var s in rows)
            {
                var name = s.Title is null || s.Title == s.Id ? s.Id : $"{s.Id} ({s.Title})";
                var figure = s.Figures.FirstOrDefault() is { } f ? (f.Name == figureName ? "" : f.Name + " ") + Format(f) : "";
                var at = s.Locations.FirstOrDefault()?.ToString()
                    ?? (s.Diagnostics.FirstOrDefault(d => d.File is not null) is { } d0
                        ? new ReportLocation { File = d0.File!, Line = d0.Line, Column = d0.Column }.ToString() : "");
                var detail = s.ValueCounts.Count > 0
                    ? string.Join(", ", s.ValueCounts.Take(3).Select(v => $"`{Escape(v.Value)}` ×{v.Count.ToString("N0", CultureInfo.InvariantCulture)}"))
                    : Escape(Shorten(s.Diagnostics.FirstOrDefault()?.Message ?? s.Summary ?? "", 200));
                sb.Append("| ").Append(Escape(name)).Append(" | ").Append(s.Verdict.Word()).Append(" | ").Append(s.Code ?? s.Diagnostics.FirstOrDefault()?.Code ?? "")
                  .Append(" | ").Append(Escape(figure)).Append(" | ").Append(Escape(at)).Append(" | ").Append(detail).Append(" |\n");
            }
            sb.Append('\n');
        }
        return sb.ToString();
    }

    static string Badge(Verdict v) => v switch
    {
        Verdict.Pass => "✅ pass",
        Verdict.Skipped => "⏭️ skipped",
        Verdict.Warn => "⚠️ warn",
        Verdict.Inconclusive => "❔ inconclusive",
        Verdict.Fail => "❌ fail",
        _ => "⛔ error",
    };

    /// <summary>A figure for people: counts with thousands separators, other numbers to 4 decimals, the interval in brackets.</summary>
    public static string Format(Figure f)
    {
        var text = Format(f.Value);
        if (f.HasInterval) text += $" [{Format(f.Low!.Value)}, {Format(f.High!.Value)}]";
        return f.Unit is null ? text : text + " " + f.Unit;
    }

    static string Format(double v) =>
        !double.IsFinite(v) ? v.ToString(CultureInfo.InvariantCulture)
        : v == Math.Floor(v) && Math.Abs(v) < 1e15 ? v.ToString("N0", CultureInfo.InvariantCulture)
        : v.ToString("0.####", CultureInfo.InvariantCulture);

    static string Shorten(string s, int max) => s.Length <= max ? s : s[..max] + "…";

    static string Escape(string s) => s.Replace("|", "\\|").Replace("\n", " ").Replace("`", "'");
}
