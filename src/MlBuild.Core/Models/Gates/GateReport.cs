using System.Globalization;
using MlBuild.Core.Diagnostics;
using MlBuild.Core.Models.Evaluation;
using MlBuild.Core.Reports;

namespace MlBuild.Core.Models.Gates;

/// <summary>
/// An evaluation (and its gates) as the one report model: a <c>model</c> section for the predictions file, whose
/// figures are the metrics with their intervals, and one <c>gate</c> section per gate result in declaration order.
/// A gate's verdict is its verdict after policy (what it costs; the evidence's decision is the <c>decision</c>
/// property); its figures are the measured value with its interval, confidence level and direction, the threshold,
/// <c>n</c>, the baseline's value, and each slice or group of a slice or fairness gate.
/// </summary>
public static class GateReport
{
    /// <summary>The title of a report with gates.</summary>
    public const string GatesTitle = "model gates";
    /// <summary>The title of a report of metrics only.</summary>
    public const string EvaluationTitle = "model evaluation";

    /// <summary>The report of one evaluation.</summary>
    public static ReportDocument Document(EvaluationOutcome outcome, EvaluationRequest request, string toolVersion)
    {
        var doc = new ReportDocument { ToolVersion = toolVersion, Title = outcome.Gates is null ? EvaluationTitle : GatesTitle };
        doc.Sections.Add(Section(outcome, request));
        return doc;
    }

    /// <summary>The model's section: metrics as figures, a child section per gate. Its verdict is the gates' worst (pass without gates).</summary>
    /// <param name="outcome">The evaluation.</param>
    /// <param name="request">What was evaluated.</param>
    /// <param name="id">The section's id (default: the predictions file; a model test names the model).</param>
    public static ReportSection Section(EvaluationOutcome outcome, EvaluationRequest request, string? id = null)
    {
        var model = new ReportSection
        {
            Kind = SectionKinds.Model, Id = id ?? request.PredictionsDisplay,
            Verdict = outcome.Gates?.Verdict ?? Verdict.Pass,
            Summary = $"{Invariant(outcome.Rows)} rows, {request.Task.ToString().ToLowerInvariant()}"
                      + (outcome.Gates is { } g ? $"; {g.Totals()}." : "."),
        };
        model.With("task", request.Task.ToString().ToLowerInvariant()).With("label", request.Label);
        model.Locations.Add(new ReportLocation { File = request.PredictionsDisplay });
        model.With(new Figure("rows", outcome.Rows));
        foreach (var m in outcome.Metrics.Where(m => model.Figure(m.Metric) is null)) model.With(MetricFigure(m));
        if (outcome.Gates is { } run)
        {
            var ids = new HashSet<string>(StringComparer.Ordinal);
            foreach (var r in run.Results) model.Sections.Add(Gate(r, UniqueId(r.Name, ids)));
        }
        return model;
    }

    static Figure MetricFigure(MetricEstimate m) => new(m.Metric, m.Value)
    {
        Low = double.IsNaN(m.Low) ? null : m.Low,
        High = double.IsNaN(m.High) ? null : m.High,
        Level = double.IsNaN(m.Low) ? null : m.ConfidenceLevel,
        HigherIsBetter = m.Direction == MetricDirection.HigherIsBetter,
    };

    static ReportSection Gate(GateResult r, string id)
    {
        var s = new ReportSection
        {
            Kind = SectionKinds.Gate, Id = id, Title = r.Name == id ? null : r.Name, Verdict = r.Verdict,
            Code = r.Verdict == Verdict.Pass ? null : r.Diagnostic?.Code,
            Summary = r.Verdict == Verdict.Pass ? null : r.ToLine(),
        };
        s.With("gate", r.Kind).With("decision", r.Decision.Word());
        if (r.Metric is not null) s.With("metric", r.Metric);
        if (r.BaselineSource is not null) s.With("baseline", r.BaselineSource);
        s.With("comparison", r.Comparison);
        if (r.Method != IntervalMethod.None) s.With("interval", r.Method == IntervalMethod.Wilson ? "wilson" : "bootstrap-percentile");
        if (r.Seed is { } seed) s.With("seed", Invariant(seed));
        if (r.Resamples is { } resamples) s.With("resamples", Invariant(resamples));
        if (r.Excluded.Count > 0) s.With("excluded", string.Join(", ", r.Excluded.Select(e => $"{e.Value} ({Invariant(e.Count)})")));
        if (r.Parts.Count > 0) s.With("parts", string.Join("; ", r.Parts.Select(p => $"{p.Name}: {p.Verdict.Word()}")));

        if (!double.IsNaN(r.Value)) s.With(ValueFigure(r, r.Baseline is null ? r.Metric ?? "value" : (r.Metric ?? "value") + ".difference"));
        if (!double.IsNaN(r.Threshold)) s.With(new Figure("threshold", r.Threshold));
        if (r.Count > 0) s.With(new Figure("n", r.Count));
        if (r.Baseline is { } b) s.With(new Figure("baseline", b));
        if (r.RowsToDecide is { } rows) s.With(new Figure("rowsToDecide", rows));
        foreach (var p in r.Parts.Where(p => !double.IsNaN(p.Value)))
            if (s.Figure("part " + p.Name) is null) s.With(ValueFigure(p, "part " + p.Name));

        if (r.Diagnostic is { } d) s.Diagnostics.Add(d);
        return s;
    }

    static Figure ValueFigure(GateResult r, string name) => new(name, r.Value)
    {
        Low = double.IsNaN(r.Low) ? null : r.Low,
        High = double.IsNaN(r.High) ? null : r.High,
        Level = double.IsNaN(r.Low) ? null : r.ConfidenceLevel,
        HigherIsBetter = r.Comparison == ">=",
    };

    /// <summary>Gate names are ids; two gates of the same name get <c>#2</c>, <c>#3</c> so that ids stay unique.</summary>
    static string UniqueId(string name, HashSet<string> used)
    {
        var id = name;
        for (int i = 2; !used.Add(id); i++) id = $"{name} #{Invariant(i)}";
        return id;
    }

    static string Invariant(long n) => n.ToString(CultureInfo.InvariantCulture);
}
