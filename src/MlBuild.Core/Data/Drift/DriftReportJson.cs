using System.Text.Json;
using MlBuild.Core.Data.Drift.Statistics;

namespace MlBuild.Core.Data.Drift;

/// <summary>The JSON drift report (docs/drift.md): deterministic, every figure with its direction and exactness.</summary>
public static class DriftReportJson
{
    /// <summary>The value of the <c>format</c> field.</summary>
    public const string Format = "mlbuild-drift";
    /// <summary>The format version.</summary>
    public const int FormatVersion = 1;

    /// <summary>Writes the report (UTF-8, indented, invariant, fixed order).</summary>
    public static byte[] Write(DriftResult result, string referenceDisplay, string currentDisplay)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("format", Format);
            w.WriteNumber("formatVersion", FormatVersion);
            w.WriteString("verdict", result.Drifted ? "drift" : "no-drift");
            w.WriteString("reference", referenceDisplay);
            w.WriteString("current", currentDisplay);
            w.WriteNumber("referenceRows", result.ReferenceRows);
            w.WriteNumber("currentRows", result.CurrentRows);
            w.WriteNumber("comparedColumns", result.ComparedColumns);
            w.WriteNumber("driftedColumns", result.DriftedColumns);
            WriteRule(w, result.Rule);
            w.WriteString("sortedBy", "drifted first, then score (largest value/threshold ratio of a column's criteria) descending, then name");
            w.WriteStartArray("columns");
            foreach (var c in result.Columns) WriteColumn(w, c);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        stream.WriteByte((byte)'\n');
        return stream.ToArray();
    }

    static void WriteRule(Utf8JsonWriter w, DriftRule rule)
    {
        w.WriteStartObject("rule");
        w.WriteString("dataset", rule.Kind switch
        {
            DatasetRuleKind.ShareOfColumns => "share-of-columns",
            DatasetRuleKind.NamedColumns => "named-columns",
            _ => "any-column",
        });
        if (rule.Kind == DatasetRuleKind.ShareOfColumns) w.WriteNumber("share", rule.Share);
        if (rule.Kind == DatasetRuleKind.NamedColumns)
        {
            w.WriteStartArray("columns");
            foreach (var c in rule.Columns) w.WriteStringValue(c);
            w.WriteEndArray();
        }
        if (rule.Ignore.Count > 0)
        {
            w.WriteStartArray("ignore");
            foreach (var c in rule.Ignore) w.WriteStringValue(c);
            w.WriteEndArray();
        }
        w.WriteNumber("alpha", rule.Alpha);
        w.WriteString("pValueCorrection", "benjamini-hochberg");
        w.WriteStartObject("thresholds");
        w.WriteNumber("wasserstein", rule.Wasserstein);
        w.WriteNumber("psi", rule.Psi);
        w.WriteNumber("jensen_shannon", rule.JensenShannon);
        w.WriteNumber("unseen_share", rule.UnseenShare);
        w.WriteNumber("null_rate_change", rule.NullRateChange);
        w.WriteNumber("type_change", rule.TypeChange);
        w.WriteEndObject();
        if (rule.ColumnThresholds.Count > 0)
        {
            w.WriteStartObject("columnThresholds");
            foreach (var (name, t) in rule.ColumnThresholds.OrderBy(kv => kv.Key, StringComparer.Ordinal)) w.WriteNumber(name, t);
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }

    static void WriteColumn(Utf8JsonWriter w, ColumnDriftResult c)
    {
        w.WriteStartObject();
        w.WriteString("name", c.Name);
        w.WriteString("type", c.Type);
        w.WriteString("kind", c.Kind);
        w.WriteString("status", c.Status switch
        {
            ColumnDriftStatus.Drifted => "drifted",
            ColumnDriftStatus.Missing => "missing",
            ColumnDriftStatus.TypeChanged => "type-changed",
            ColumnDriftStatus.NotCompared => "not-compared",
            _ => "stable",
        });
        Number(w, "score", c.Score);
        if (c.Method is not null) w.WriteString("method", c.Method);
        if (c.Direction.Length > 0) w.WriteString("direction", c.Direction);
        if (c.Note is not null) w.WriteString("note", c.Note);
        Number(w, "referenceNullRate", c.ReferenceNullRate);
        Number(w, "currentNullRate", c.CurrentNullRate);
        Number(w, "currentInvalidShare", c.CurrentInvalidShare);
        w.WriteStartArray("criteria");
        foreach (var k in c.Criteria)
        {
            w.WriteStartObject();
            w.WriteString("name", k.Name);
            Number(w, "value", k.Value);
            Number(w, "threshold", k.Threshold);
            w.WriteString("direction", "higher is more drift");
            if (k.PValue is { } p) Number(w, "pValue", p);
            if (k.AdjustedPValue is { } q) Number(w, "adjustedPValue", q);
            w.WriteBoolean("exceeded", k.Exceeded);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("statistics");
        foreach (var s in c.Statistics)
        {
            w.WriteStartObject();
            w.WriteString("name", s.Name);
            Number(w, "value", s.Value);
            w.WriteString("direction", "higher is more drift");
            w.WriteBoolean("exact", s.IsExact);
            if (!s.IsExact) Number(w, "errorBound", s.ErrorBound);
            if (s.PValue is { } p)
            {
                Number(w, "pValue", p);
                w.WriteString("pValueDirection", "lower is more drift");
                w.WriteString("pValueMethod", s.PValueMethod.ToString().ToLowerInvariant());
            }
            if (s.DegreesOfFreedom is { } df) w.WriteNumber("degreesOfFreedom", df);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        if (c.Kind == "categorical")
        {
            Strings(w, "newCategories", c.NewCategories);
            Strings(w, "missingCategories", c.MissingCategories);
        }
        if (c.Distribution is { } d)
        {
            w.WriteStartObject("distribution");
            if (d.Edges is { } edges)
            {
                w.WriteStartArray("edges");
                foreach (var e in edges) w.WriteNumberValue(e);
                w.WriteEndArray();
            }
            if (d.Labels is { } labels) Strings(w, "labels", labels);
            w.WriteStartArray("reference");
            foreach (var n in d.Reference) w.WriteNumberValue(n);
            w.WriteEndArray();
            w.WriteStartArray("current");
            foreach (var n in d.Current) w.WriteNumberValue(n);
            w.WriteEndArray();
            if (d.OtherCategories > 0)
            {
                w.WriteNumber("otherCategories", d.OtherCategories);
                w.WriteNumber("otherReference", d.OtherReference);
                w.WriteNumber("otherCurrent", d.OtherCurrent);
            }
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }

    static void Strings(Utf8JsonWriter w, string name, IReadOnlyList<string> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values) w.WriteStringValue(v);
        w.WriteEndArray();
    }

    static void Number(Utf8JsonWriter w, string name, double value)
    {
        if (double.IsFinite(value)) w.WriteNumber(name, value);
        else w.WriteNull(name);
    }
}
