using System.Globalization;
using System.Text.Json;
using MlBuild.Core.Data.Profiling;
using MlBuild.Core.Diagnostics;
using MlBuild.Core.Reports;

namespace MlBuild.Core.Data.Validation;

/// <summary>
/// Validation results as the one report model: a <c>dataset</c> section per dataset (figures: records; locations: its
/// files; the column profile attached) whose children are a <c>read</c> check (error when the input could not be
/// read) and one <c>check</c> section per schema check, each with <see cref="CheckResult.Verdict"/>.
/// </summary>
public static class ValidationReport
{
    /// <summary>The title of a validation report.</summary>
    public const string Title = "data validation";

    /// <summary>The format version of the <c>--profile</c> file.</summary>
    public const int ProfileFormatVersion = 1;

    /// <summary>The report of several validated datasets, in the order given.</summary>
    public static ReportDocument Document(IReadOnlyList<ValidationResult> results, string toolVersion)
    {
        var doc = new ReportDocument { ToolVersion = toolVersion, Title = Title };
        foreach (var r in results) doc.Sections.Add(Section(r));
        return doc;
    }

    /// <summary>The JSON report of several datasets (<see cref="ReportWriters.Json"/> of <see cref="Document"/>).</summary>
    public static byte[] Json(IReadOnlyList<ValidationResult> results, string toolVersion) =>
        ReportWriters.Json(Document(results, toolVersion));

    /// <summary>A dataset's section. Its verdict is error when the input could not be read, else the worst of its checks.</summary>
    public static ReportSection Section(ValidationResult r)
    {
        var dataset = new ReportSection { Kind = SectionKinds.Dataset, Id = r.Dataset, Verdict = Verdict.Pass };
        dataset.With(new Figure("records", r.Records));
        foreach (var f in r.Files) dataset.Locations.Add(new ReportLocation { File = f });
        if (r.Profile is { } p) dataset.Attachments.Add(new ProfileAttachment(p));

        var read = new ReportSection
        {
            Kind = SectionKinds.Check, Id = "read", Title = "the files are readable",
            Verdict = Verdicts.Worst(r.InputErrors.Select(Verdicts.Of)),
        };
        read.With("check", "read");
        read.Diagnostics.AddRange(r.InputErrors);
        if (r.InputErrors.Count > 0)
            read.Summary = $"{Count(r.InputErrors.Count)} input error{(r.InputErrors.Count == 1 ? "" : "s")}";
        dataset.Sections.Add(read);

        foreach (var c in r.Checks) dataset.Sections.Add(Section(r, c));

        dataset.Verdict = r.Verdict; // the worst of its sections' verdicts
        dataset.Summary = $"{Count(r.Records)} rows in {string.Join(", ", r.Files)}; {r.Checks.Count} checks.";
        return dataset;
    }

    static ReportSection Section(ValidationResult r, CheckResult c)
    {
        var s = new ReportSection { Kind = SectionKinds.Check, Id = c.Id, Title = c.Requirement, Verdict = c.Verdict, Code = c.Code };
        if (c.Column is not null) s.With("column", c.Column);
        s.With("check", c.Kind);
        s.With(new Figure("failures", c.Failures)).With(new Figure("evaluated", c.Evaluated));
        if (c.Tolerance > 0) s.With(new Figure("tolerance", c.Tolerance));
        if (c.Failures > 0) s.Summary = $"{Count(c.Failures)} of {Count(c.Evaluated)} fail: {c.Requirement}";
        foreach (var f in c.FirstFailures)
            s.Locations.Add(new ReportLocation
            {
                File = f.Location.File, Line = f.Location.Line, Column = f.Location.Column, ByteOffset = f.Location.ByteOffset,
                Record = f.Location.Record, RowGroup = f.Location.RowGroup, Row = f.Location.Row, Value = f.Value,
            });
        foreach (var v in c.TopFailingValues) s.ValueCounts.Add(new CountedValue(v.Value, v.Count));
        if (ValidationDiagnostics.For(r, c) is { } d) s.Diagnostics.Add(d);
        return s;
    }

    static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>A dataset's column profile, attached to its section as <c>profile</c>.</summary>
    sealed class ProfileAttachment(DatasetProfile profile) : IReportAttachment
    {
        public string Name => "profile";
        public void WriteJson(Utf8JsonWriter writer) => WriteProfile(writer, profile);
    }

    /// <summary>The profiles alone, as written by <c>--profile</c>.</summary>
    public static byte[] ProfileJson(IReadOnlyList<ValidationResult> results)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteNumber("formatVersion", ProfileFormatVersion);
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

    /// <summary>Writes a dataset profile as JSON (in the report and in the <c>--profile</c> file).</summary>
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
}
