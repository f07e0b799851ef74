using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Xml;
using MlBuild.Core.Data.Profiling;
using MlBuild.Core.Data.Validation;
using MlBuild.Core.Diagnostics;

namespace MlBuild.Core.Reports;

/// <summary>
/// Writers for validation results: a versioned JSON report, SARIF 2.1.0, JUnit XML and a Markdown summary.
/// Every writer is deterministic: same result, same bytes (invariant culture, fixed order, no timestamps).
/// </summary>
public static class ValidationReports
{
    /// <summary>The JSON report format version (<c>formatVersion</c> in the file).</summary>
    public const int JsonFormatVersion = 1;

    /// <summary>The JSON report of several datasets.</summary>
    public static byte[] Json(IReadOnlyList<ValidationResult> results, string toolVersion)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteNumber("formatVersion", JsonFormatVersion);
            w.WriteString("tool", "mlbuild");
            w.WriteString("toolVersion", toolVersion);
            w.WriteNumber("exitCode", results.Count == 0 ? 0 : results.Max(r => r.ExitCode));
            w.WriteStartArray("datasets");
            foreach (var r in results) WriteDataset(w, r);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return ms.ToArray();
    }

    static void WriteDataset(Utf8JsonWriter w, ValidationResult r)
    {
        w.WriteStartObject();
        w.WriteString("name", r.Dataset);
        w.WriteStartArray("files");
        foreach (var f in r.Files) w.WriteStringValue(f);
        w.WriteEndArray();
        w.WriteNumber("records", r.Records);
        w.WriteBoolean("valid", r.ExitCode == 0);
        w.WriteStartArray("inputErrors");
        foreach (var d in r.InputErrors) WriteDiagnostic(w, d);
        w.WriteEndArray();
        w.WriteStartArray("checks");
        foreach (var c in r.Checks)
        {
            w.WriteStartObject();
            w.WriteString("id", c.Id);
            if (c.Column is not null) w.WriteString("column", c.Column);
            w.WriteString("kind", c.Kind);
            w.WriteString("code", c.Code);
            w.WriteString("requirement", c.Requirement);
            w.WriteString("status", c.Passed ? "pass" : c.Severity == MlSeverity.Error ? "fail" : "warn");
            w.WriteNumber("failures", c.Failures);
            w.WriteNumber("evaluated", c.Evaluated);
            if (c.Tolerance > 0) w.WriteNumber("tolerance", c.Tolerance);
            if (c.FirstFailures.Count > 0)
            {
                w.WriteStartArray("firstFailures");
                foreach (var f in c.FirstFailures)
                {
                    w.WriteStartObject();
                    w.WriteString("file", f.Location.File);
                    if (f.Location.Line > 0) w.WriteNumber("line", f.Location.Line);
                    if (f.Location.Column > 0) w.WriteNumber("column", f.Location.Column);
                    if (f.Location.ByteOffset >= 0) w.WriteNumber("byteOffset", f.Location.ByteOffset);
                    if (f.Location.Record > 0) w.WriteNumber("record", f.Location.Record);
                    if (f.Location.RowGroup >= 0) { w.WriteNumber("rowGroup", f.Location.RowGroup); w.WriteNumber("row", f.Location.Row); }
                    w.WriteString("value", f.Value);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            if (c.TopFailingValues.Count > 0)
            {
                w.WriteStartArray("topFailingValues");
                foreach (var v in c.TopFailingValues) { w.WriteStartObject(); w.WriteString("value", v.Value); w.WriteNumber("count", v.Count); w.WriteEndObject(); }
                w.WriteEndArray();
            }
            w.WriteEndObject();
        }
        w.WriteEndArray();
        if (r.Profile is { } p) { w.WritePropertyName("profile"); WriteProfile(w, p); }
        w.WriteEndObject();
    }

    /// <summary>Writes a dataset profile as JSON (also the <c>--profile</c> file).</summary>
    public static void WriteProfile(Utf8JsonWriter w, DatasetProfile p)
    {
        w.WriteStartObject();
        w.WriteNumber("rows", p.Rows);
        w.WriteStartArray("columns");
        foreach (var c in p.Columns)
        {
            w.WriteStartObject();
            w.WriteString("name", c.Name);
            w.WriteString("type", c.Type);
            w.WriteNumber("count", c.Count);
            w.WriteNumber("nulls", c.Nulls);
            w.WriteNumber("invalid", c.Invalid);
            if (c.MinText is not null) { w.WriteString("min", c.MinText); w.WriteString("max", c.MaxText); }
            if (c.Mean is { } mean) w.WriteNumber("mean", mean);
            if (c.StdDev is { } sd) w.WriteNumber("std", sd);
            if (c.Quantiles is not null)
            {
                w.WriteStartObject("quantiles");
                foreach (var (k, v) in c.Quantiles) w.WriteNumber(k, v);
                w.WriteEndObject();
            }
            w.WriteNumber("distinct", c.Distinct);
            w.WriteBoolean("distinctExact", c.DistinctExact);
            if (c.MinLength is { } mnl) { w.WriteNumber("minLength", mnl); w.WriteNumber("maxLength", c.MaxLength ?? 0); }
            if (c.TopValues is not null)
            {
                w.WriteStartArray("topValues");
                foreach (var v in c.TopValues) { w.WriteStartObject(); w.WriteString("value", v.Value); w.WriteNumber("count", v.Count); w.WriteEndObject(); }
                w.WriteEndArray();
            }
            if (c.Histogram is not null)
            {
                w.WriteStartArray("histogram");
                foreach (var (lo, hi, n) in c.Histogram) { w.WriteStartArray(); w.WriteNumberValue(lo); w.WriteNumberValue(hi); w.WriteNumberValue(n); w.WriteEndArray(); }
                w.WriteEndArray();
            }
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>The profiles alone, as written by <c>--profile</c>.</summary>
    public static byte[] ProfileJson(IReadOnlyList<ValidationResult> results)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteNumber("formatVersion", JsonFormatVersion);
            w.WriteStartObject("datasets");
            foreach (var r in results)
            {
                if (r.Profile is null) continue;
                w.WritePropertyName(r.Dataset);
                WriteProfile(w, r.Profile);
            }
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return ms.ToArray();
    }

    static void WriteDiagnostic(Utf8JsonWriter w, MlDiagnostic d)
    {
        w.WriteStartObject();
        w.WriteString("code", d.Code);
        w.WriteString("severity", d.Severity.ToString().ToLowerInvariant());
        w.WriteString("message", d.Message);
        if (d.File is not null) w.WriteString("file", d.File);
        if (d.Line > 0) w.WriteNumber("line", d.Line);
        if (d.Column > 0) w.WriteNumber("column", d.Column);
        w.WriteEndObject();
    }

    /// <summary>SARIF 2.1.0: one result per failing check (at its first failure), rules = the codes used.</summary>
    public static byte[] Sarif(IReadOnlyList<ValidationResult> results, string toolVersion)
    {
        var diagnostics = results.SelectMany(ValidationDiagnostics.From).ToList();
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("$schema", "https://json.schemastore.org/sarif-2.1.0.json");
            w.WriteString("version", "2.1.0");
            w.WriteStartArray("runs");
            w.WriteStartObject();
            w.WriteStartObject("tool");
            w.WriteStartObject("driver");
            w.WriteString("name", "MlBuild");
            w.WriteString("version", toolVersion);
            w.WriteString("informationUri", "https://github.com/mlbuild/mlbuild/blob/main/docs/diagnostics.md");
            w.WriteStartArray("rules");
            foreach (var code in diagnostics.Select(d => d.Code).Distinct().Order(StringComparer.Ordinal))
            {
                w.WriteStartObject();
                w.WriteString("id", code);
                w.WriteString("helpUri", $"https://github.com/mlbuild/mlbuild/blob/main/docs/diagnostics.md#{code.ToLowerInvariant()}");
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

    /// <summary>JUnit XML: a test suite per dataset, a test case per check; failing checks carry their diagnostic.</summary>
    public static byte[] JUnit(IReadOnlyList<ValidationResult> results)
    {
        var settings = new XmlWriterSettings { Indent = true, Encoding = new UTF8Encoding(false), NewLineChars = "\n" };
        using var ms = new MemoryStream();
        using (var w = XmlWriter.Create(ms, settings))
        {
            w.WriteStartDocument();
            w.WriteStartElement("testsuites");
            w.WriteAttributeString("name", "mlbuild data validate");
            foreach (var r in results)
            {
                var diags = ValidationDiagnostics.From(r);
                w.WriteStartElement("testsuite");
                w.WriteAttributeString("name", r.Dataset);
                w.WriteAttributeString("tests", (r.Checks.Count + (r.InputErrors.Count > 0 ? 1 : 0)).ToString(CultureInfo.InvariantCulture));
                w.WriteAttributeString("failures", r.Checks.Count(c => !c.Passed && c.Severity == MlSeverity.Error).ToString(CultureInfo.InvariantCulture));
                w.WriteAttributeString("errors", r.InputErrors.Count.ToString(CultureInfo.InvariantCulture));
                foreach (var e in r.InputErrors)
                {
                    w.WriteStartElement("testcase");
                    w.WriteAttributeString("classname", r.Dataset);
                    w.WriteAttributeString("name", "read");
                    w.WriteStartElement("error");
                    w.WriteAttributeString("type", e.Code);
                    w.WriteAttributeString("message", e.Message);
                    w.WriteString(e.ToCanonicalString());
                    w.WriteEndElement();
                    w.WriteEndElement();
                }
                foreach (var c in r.Checks)
                {
                    w.WriteStartElement("testcase");
                    w.WriteAttributeString("classname", r.Dataset);
                    w.WriteAttributeString("name", c.Id);
                    if (!c.Passed)
                    {
                        var d = diags.FirstOrDefault(x => x.Code == c.Code && x.Message.StartsWith(c.FirstMessage ?? "\0", StringComparison.Ordinal));
                        w.WriteStartElement(c.Severity == MlSeverity.Error ? "failure" : "skipped");
                        w.WriteAttributeString("type", c.Code);
                        w.WriteAttributeString("message", $"{c.Failures} of {c.Evaluated} fail: {c.Requirement}");
                        if (d is not null) w.WriteString(d.ToCanonicalString());
                        w.WriteEndElement();
                    }
                    w.WriteEndElement();
                }
                w.WriteEndElement();
            }
            w.WriteEndElement();
            w.WriteEndDocument();
        }
        return ms.ToArray();
    }

    /// <summary>A Markdown summary (for <c>$GITHUB_STEP_SUMMARY</c>): a table per dataset of the failing checks.</summary>
    public static string Markdown(IReadOnlyList<ValidationResult> results)
    {
        var sb = new StringBuilder();
        sb.Append("## MlBuild data validation\n\n");
        foreach (var r in results)
        {
            var status = r.ExitCode switch { 0 => "✅ valid", 1 => "❌ checks failed", _ => "⛔ unreadable" };
            sb.Append(CultureInfo.InvariantCulture, $"### `{r.Dataset}`: {status}\n\n");
            sb.Append(CultureInfo.InvariantCulture, $"{r.Records:N0} rows in {string.Join(", ", r.Files.Select(f => $"`{f}`"))}; {r.Checks.Count} checks.\n\n");
            foreach (var e in r.InputErrors) sb.Append("- ").Append(Escape(e.ToCanonicalString())).Append('\n');
            var failing = r.Checks.Where(c => !c.Passed).ToList();
            if (failing.Count == 0) { sb.Append('\n'); continue; }
            sb.Append("| check | code | failures | first at | top failing values |\n|---|---|---:|---|---|\n");
            foreach (var c in failing)
            {
                var first = c.FirstFailures.Count > 0 ? c.FirstFailures[0].Location : (DataLocation?)null;
                var at = first is null ? "" : first.Value.Line > 0 ? $"{first.Value.File}({first.Value.Line},{first.Value.Column})" : $"{first.Value.File} row {first.Value.Row}";
                var top = string.Join(", ", c.TopFailingValues.Take(3).Select(v => $"`{Escape(v.Value)}` ×{v.Count}"));
                sb.Append(CultureInfo.InvariantCulture, $"| {Escape(c.Id)} ({Escape(c.Requirement)}) | {c.Code} | {c.Failures:N0} | {Escape(at)} | {top} |\n");
            }
            sb.Append('\n');
        }
        return sb.ToString();
    }

    static string Escape(string s) => s.Replace("|", "\\|").Replace("\n", " ").Replace("`", "'");
}
