using System.Text.Json;
using MlBuild.Core.Diagnostics;

namespace MlBuild.Core.Reports;

/// <summary>
/// The one report of a run, whatever it checked: a tree of <see cref="ReportSection"/>s (datasets, checks, drift
/// columns, gates, artifacts) each with its verdict. The engine fills it; the JSON, SARIF, JUnit, Markdown (and HTML)
/// writers read only this, so a new kind of check needs a mapper, never a new writer.
/// </summary>
public sealed class ReportDocument
{
    /// <summary>The version of the JSON report format written by <see cref="ReportWriters.Json"/>.</summary>
    public const int FormatVersion = 2;

    /// <summary>The tool's name in reports.</summary>
    public string Tool { get; init; } = "mlbuild";
    /// <summary>The tool's version (no build metadata, so that reports do not change with the commit).</summary>
    public required string ToolVersion { get; init; }
    /// <summary>What the run did, e.g. <c>data validation</c>: the heading of the Markdown summary and the JUnit suites.</summary>
    public required string Title { get; init; }
    /// <summary>The top-level sections, in the order the run produced them.</summary>
    public List<ReportSection> Sections { get; } = [];

    /// <summary>The run's verdict: the worst of its top-level sections' verdicts (<see cref="Verdict.Pass"/> for none).</summary>
    public Verdict Verdict => Verdicts.Worst(Sections.Select(s => s.Verdict));

    /// <summary>The process exit code the run's verdict gives.</summary>
    public ExitCodes ExitCode => Verdicts.ExitCode(Verdict);

    /// <summary>Every section depth-first (a parent before its children), in document order.</summary>
    public IEnumerable<ReportSection> AllSections() => Sections.SelectMany(s => s.SelfAndDescendants());

    /// <summary>Every diagnostic of every section, in document order.</summary>
    public IEnumerable<MlDiagnostic> AllDiagnostics() => AllSections().SelectMany(s => s.Diagnostics);
}

/// <summary>The kinds of section the engine writes (a section's <see cref="ReportSection.Kind"/>).</summary>
public static class SectionKinds
{
    /// <summary>A dataset: its files, row count, input errors; its checks are children.</summary>
    public const string Dataset = "dataset";
    /// <summary>One data check (a column's min, a rule, the row count...).</summary>
    public const string Check = "check";
    /// <summary>One column's drift between a reference and the current data.</summary>
    public const string DriftColumn = "driftColumn";
    /// <summary>One gate on a model's metrics.</summary>
    public const string Gate = "gate";
    /// <summary>One check of a model artifact (size, round trip, golden predictions, latency).</summary>
    public const string Artifact = "artifact";
    /// <summary>A model: its gates and artifact checks are children.</summary>
    public const string Model = "model";
}

/// <summary>
/// One part of a report: a dataset, a check, a drift column, a gate, an artifact. Everything but
/// <see cref="Kind"/>, <see cref="Id"/> and <see cref="Verdict"/> is optional.
/// </summary>
public sealed class ReportSection
{
    /// <summary>What it is, one of <see cref="SectionKinds"/> (or a new kind: writers treat every kind alike).</summary>
    public required string Kind { get; init; }
    /// <summary>Stable identifier, unique among its siblings, e.g. <c>train</c>, <c>age.min</c>, <c>auc-min</c>.</summary>
    public required string Id { get; init; }
    /// <summary>Short human text of what it checks, e.g. <c>min 0</c>, <c>auc ≥ 0.85</c>; null when the id says it.</summary>
    public string? Title { get; init; }
    /// <summary>Its outcome.</summary>
    public required Verdict Verdict { get; set; }
    /// <summary>The diagnostic code it reports when it does not pass, e.g. <c>MLB1003</c>.</summary>
    public string? Code { get; init; }
    /// <summary>One line for a person, e.g. <c>3,000 rows in `train.csv`; 12 checks.</c>.</summary>
    public string? Summary { get; set; }
    /// <summary>Named text facts in a fixed order (e.g. <c>column</c>, <c>requirement</c>, <c>method</c>); names unique.</summary>
    public List<KeyValuePair<string, string>> Properties { get; } = [];
    /// <summary>Named numbers in a fixed order (counts, scores, metrics with intervals); names unique.</summary>
    public List<Figure> Figures { get; } = [];
    /// <summary>Where it applies or where it failed, most relevant first (the first failures of a check).</summary>
    public List<ReportLocation> Locations { get; } = [];
    /// <summary>Values with counts, most frequent first (a check's top failing values, a column's new categories).</summary>
    public List<CountedValue> ValueCounts { get; } = [];
    /// <summary>The diagnostics it reported, in order (what the console prints, SARIF's results).</summary>
    public List<MlDiagnostic> Diagnostics { get; } = [];
    /// <summary>Named structured payloads written into the JSON report as they are (a dataset's column profile).</summary>
    public List<IReportAttachment> Attachments { get; } = [];
    /// <summary>Child sections (a dataset's checks, a model's gates).</summary>
    public List<ReportSection> Sections { get; } = [];

    /// <summary>Adds a text property.</summary>
    public ReportSection With(string name, string value)
    {
        if (Properties.Any(p => p.Key == name)) throw new ArgumentException($"section '{Id}' already has property '{name}'", nameof(name));
        Properties.Add(new(name, value));
        return this;
    }

    /// <summary>Adds a figure.</summary>
    public ReportSection With(Figure figure)
    {
        if (Figures.Any(f => f.Name == figure.Name)) throw new ArgumentException($"section '{Id}' already has figure '{figure.Name}'", nameof(figure));
        Figures.Add(figure);
        return this;
    }

    /// <summary>The value of a text property, or null.</summary>
    public string? Property(string name) => Properties.FirstOrDefault(p => p.Key == name).Value;

    /// <summary>A figure by name, or null.</summary>
    public Figure? Figure(string name) => Figures.FirstOrDefault(f => f.Name == name);

    /// <summary>This section and all below it, depth-first.</summary>
    public IEnumerable<ReportSection> SelfAndDescendants() => Sections.SelectMany(s => s.SelfAndDescendants()).Prepend(this);
}

/// <summary>
/// A named number, with an optional interval, unit and direction. (A model metric becomes one through
/// <c>MetricValue.ToFigure</c>; the report model itself knows no model types.)
/// </summary>
/// <param name="Name">Unique within its section, e.g. <c>failures</c>, <c>auc</c>, <c>psi</c>.</param>
/// <param name="Value">The value (a point estimate when it has an interval).</param>
/// <param name="Unit">The unit, e.g. <c>ms</c>, <c>MB</c>; null for counts, scores and ratios.</param>
public sealed record Figure(string Name, double Value, string? Unit = null)
{
    /// <summary>Lower bound of the interval, if known.</summary>
    public double? Low { get; init; }
    /// <summary>Upper bound of the interval, if known.</summary>
    public double? High { get; init; }
    /// <summary>The confidence level of the interval (e.g. 0.95), when it has one.</summary>
    public double? Level { get; init; }
    /// <summary>True when higher values are better, false when lower ones are, null when neither (a count).</summary>
    public bool? HigherIsBetter { get; init; }
    /// <summary>True when both interval bounds are known.</summary>
    public bool HasInterval => Low is not null && High is not null;
}

/// <summary>A value and how often it occurred.</summary>
/// <param name="Value">The value as written.</param>
/// <param name="Count">How often.</param>
public sealed record CountedValue(string Value, long Count);

/// <summary>
/// A place in a file. Every member but <see cref="File"/> is optional: 0 (or -1 for the 0-based ones) means unknown.
/// </summary>
public sealed record ReportLocation
{
    /// <summary>The file, as the user named it.</summary>
    public required string File { get; init; }
    /// <summary>1-based line, or 0.</summary>
    public long Line { get; init; }
    /// <summary>1-based column, or 0.</summary>
    public int Column { get; init; }
    /// <summary>0-based byte offset, or -1.</summary>
    public long ByteOffset { get; init; } = -1;
    /// <summary>1-based data record (CSV; header excluded), or 0.</summary>
    public long Record { get; init; }
    /// <summary>0-based Parquet row group, or -1.</summary>
    public int RowGroup { get; init; } = -1;
    /// <summary>0-based row within the row group (with <see cref="RowGroup"/>).</summary>
    public long Row { get; init; }
    /// <summary>The value found there, when the location is a failure; null otherwise.</summary>
    public string? Value { get; init; }

    /// <summary>The location as people and CI logs write it: <c>file(line,column)</c>, <c>file row group 2, row 7</c>, or <c>file</c>.</summary>
    public override string ToString() =>
        Line > 0 && Column > 0 ? $"{File}({Line},{Column})"
        : Line > 0 ? $"{File}({Line})"
        : RowGroup >= 0 ? $"{File} row group {RowGroup}, row {Row}"
        : File;
}

/// <summary>A structured payload a section carries into the JSON report (under <c>attachments</c>, by name).</summary>
public interface IReportAttachment
{
    /// <summary>The member name, unique within its section, e.g. <c>profile</c>.</summary>
    string Name { get; }

    /// <summary>Writes the payload as one JSON value. Must be deterministic (invariant culture, fixed order).</summary>
    void WriteJson(Utf8JsonWriter writer);
}
