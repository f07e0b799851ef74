using System.Text.Json;
using MlBuild.Core.Diagnostics;
using MlBuild.Core.Reports;

namespace MlBuild.Core.Data.Drift;

/// <summary>
/// A drift comparison as the one report model: a <c>dataset</c> section for the comparison (verdict from the dataset
/// rule) whose children are one <c>driftColumn</c> section per column, in the result's order (drifted first, then by
/// score). A column's figures are its score, then each criterion with its threshold and (adjusted) p-value, then the
/// statistics not already among the criteria. Every figure grows with drift (direction "lower is better"), except
/// p-values, which carry no direction. The rule (every threshold) and each column's two distributions are attached
/// (<c>rule</c>, <c>distribution</c>) for the JSON report and the HTML one.
/// </summary>
public static class DriftReport
{
    /// <summary>The title of a drift report.</summary>
    public const string Title = "data drift";

    /// <summary>New or missing categories listed in a column's properties; the rest are counted.</summary>
    const int CategoriesListed = 20;

    /// <summary>The report of one comparison.</summary>
    public static ReportDocument Document(DriftResult result, string referenceDisplay, string currentDisplay, string toolVersion)
    {
        var doc = new ReportDocument { ToolVersion = toolVersion, Title = Title };
        doc.Sections.Add(Section(result, referenceDisplay, currentDisplay));
        return doc;
    }

    /// <summary>
    /// The comparison's section. Its verdict is fail when the dataset rule says the data drifted. A column that
    /// drifted while the rule passes (a lenient <c>share:</c> or <c>columns:</c> rule) is a warning, its diagnostic too.
    /// </summary>
    public static ReportSection Section(DriftResult result, string referenceDisplay, string currentDisplay)
    {
        var dataset = new ReportSection
        {
            Kind = SectionKinds.Dataset, Id = currentDisplay, Title = $"drift against {referenceDisplay}",
            Verdict = result.Drifted ? Verdict.Fail : Verdict.Pass,
            Summary = $"{result.DriftedColumns} of {result.ComparedColumns} columns drifted; {result.CurrentRows} rows against a reference of {result.ReferenceRows}.",
        };
        dataset.With("reference", referenceDisplay).With("current", currentDisplay).With("rule", result.RuleText());
        dataset.With(new Figure("referenceRows", result.ReferenceRows)).With(new Figure("currentRows", result.CurrentRows))
               .With(new Figure("comparedColumns", result.ComparedColumns)).With(new Figure("driftedColumns", result.DriftedColumns))
               .With(new Figure("alpha", result.Rule.Alpha));
        foreach (var f in currentDisplay.Split(' ', StringSplitOptions.RemoveEmptyEntries)) dataset.Locations.Add(new ReportLocation { File = f });
        dataset.Attachments.Add(new RuleAttachment(result.Rule));
        foreach (var c in result.Columns) dataset.Sections.Add(Column(c, currentDisplay, result.Drifted));
        return dataset;
    }

    static ReportSection Column(ColumnDriftResult c, string currentDisplay, bool datasetDrifted)
    {
        var failing = datasetDrifted ? Verdict.Fail : Verdict.Warn;
        var diagnostic = DriftResult.DiagnosticOf(c, currentDisplay);
        var s = new ReportSection
        {
            Kind = SectionKinds.DriftColumn, Id = c.Name,
            Verdict = c.Status switch
            {
                ColumnDriftStatus.Stable => Verdict.Pass,
                ColumnDriftStatus.NotCompared => Verdict.Skipped,
                _ => failing,
            },
            Code = c.Status is ColumnDriftStatus.Stable ? null : diagnostic?.Code,
            Summary = c.Status switch
            {
                ColumnDriftStatus.Stable => null,
                ColumnDriftStatus.NotCompared => $"not compared: {c.Note}",
                _ => diagnostic?.Message,
            },
        };
        s.With("column", c.Name).With("type", c.Type).With("columnKind", c.Kind).With("status", StatusWord(c.Status));
        if (c.Method is not null) s.With("method", c.Method);
        if (c.Direction.Length > 0) s.With("direction", c.Direction);
        if (c.Note is not null) s.With("note", c.Note);
        if (c.NewCategories.Count > 0) s.With("newCategories", List(c.NewCategories));
        if (c.MissingCategories.Count > 0) s.With("missingCategories", List(c.MissingCategories));

        if (c.Status != ColumnDriftStatus.NotCompared) s.With(Drift("score", c.Score));
        foreach (var k in c.Criteria)
        {
            s.With(Drift(k.Name, k.Value)).With(new Figure(k.Name + ".threshold", k.Threshold));
            if (k.PValue is { } p) s.With(new Figure(k.Name + ".pValue", p));
            if (k.AdjustedPValue is { } q) s.With(new Figure(k.Name + ".adjustedPValue", q));
            if (c.Statistics.FirstOrDefault(st => st.Name == k.Name) is { } backing) Exactness(s, backing);
        }
        foreach (var st in c.Statistics.Where(st => c.Criteria.All(k => k.Name != st.Name)))
        {
            s.With(Drift(st.Name, st.Value));
            if (st.PValue is { } p) s.With(new Figure(st.Name + ".pValue", p));
            Exactness(s, st);
        }
        s.With(new Figure("referenceNullRate", c.ReferenceNullRate)).With(new Figure("currentNullRate", c.CurrentNullRate));

        if (c.Distribution is { } distribution) s.Attachments.Add(new DistributionAttachment(distribution));
        if (diagnostic is not null)
            s.Diagnostics.Add(diagnostic.Severity == MlSeverity.Error && !datasetDrifted ? diagnostic with { Severity = MlSeverity.Warning } : diagnostic);
        return s;
    }

    /// <summary>A statistic from a sketch carries its error bound; a test its degrees of freedom and how its p-value was had.</summary>
    static void Exactness(ReportSection s, Statistics.DriftStatistic st)
    {
        if (!st.IsExact) s.With(new Figure(st.Name + ".errorBound", st.ErrorBound));
        if (st.PValue is not null) s.With(st.Name + ".pValueMethod", st.PValueMethod.ToString().ToLowerInvariant());
        if (st.DegreesOfFreedom is { } df) s.With(new Figure(st.Name + ".degreesOfFreedom", df));
    }

    static Figure Drift(string name, double value) => new(name, value) { HigherIsBetter = false };

    static string List(IReadOnlyList<string> values) =>
        string.Join(", ", values.Take(CategoriesListed)) + (values.Count > CategoriesListed ? $" and {values.Count - CategoriesListed} more" : "");

    static string StatusWord(ColumnDriftStatus status) => status switch
    {
        ColumnDriftStatus.Drifted => "drifted",
        ColumnDriftStatus.Missing => "missing",
        ColumnDriftStatus.TypeChanged => "type-changed",
        ColumnDriftStatus.NotCompared => "not-compared",
        _ => "stable",
    };

    /// <summary>The dataset rule with every threshold, attached to the comparison's section as <c>rule</c>.</summary>
    sealed class RuleAttachment(DriftRule rule) : IReportAttachment
    {
        public string Name => "rule";

        public void WriteJson(Utf8JsonWriter w)
        {
            w.WriteStartObject();
            w.WriteString("dataset", rule.Kind switch
            {
                DatasetRuleKind.ShareOfColumns => "share-of-columns",
                DatasetRuleKind.NamedColumns => "named-columns",
                _ => "any-column",
            });
            if (rule.Kind == DatasetRuleKind.ShareOfColumns) w.WriteNumber("share", rule.Share);
            if (rule.Kind == DatasetRuleKind.NamedColumns) Strings(w, "columns", rule.Columns);
            if (rule.Ignore.Count > 0) Strings(w, "ignore", rule.Ignore);
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
    }

    /// <summary>A column's reference and current distributions over shared bins or categories, attached as <c>distribution</c>.</summary>
    sealed class DistributionAttachment(DriftReportDistribution d) : IReportAttachment
    {
        public string Name => "distribution";

        public void WriteJson(Utf8JsonWriter w)
        {
            w.WriteStartObject();
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
    }

    static void Strings(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values) w.WriteStringValue(v);
        w.WriteEndArray();
    }
}
