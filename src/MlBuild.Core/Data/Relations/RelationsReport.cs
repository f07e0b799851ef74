using System.Globalization;
using MlBuild.Core.Diagnostics;
using MlBuild.Core.Reports;

namespace MlBuild.Core.Data.Relations;

/// <summary>
/// Relations results as the one report model: a <c>dataset</c> section per dataset (figure: rows; locations: its files)
/// whose children are one <c>relation</c> section per relation (<c>duplicates</c>, <c>conflictingLabels</c>,
/// <c>leakage</c>) with its counts, share, examples (as locations) and diagnostics: one per example, at the example.
/// </summary>
public static class RelationsReport
{
    /// <summary>The title of a relations report.</summary>
    public const string Title = "dataset relations";

    /// <summary>The kind of a relation's section.</summary>
    public const string RelationKindName = "relation";

    /// <summary>The report of a relations run.</summary>
    public static ReportDocument Document(RelationsResult result, string toolVersion)
    {
        var doc = new ReportDocument { ToolVersion = toolVersion, Title = Title };
        doc.Sections.AddRange(Sections(result));
        return doc;
    }

    /// <summary>One <c>dataset</c> section per dataset, in the order checked, with its relations as children.</summary>
    public static List<ReportSection> Sections(RelationsResult result)
    {
        var sections = new List<ReportSection>();
        foreach (var d in result.Datasets)
        {
            var dataset = new ReportSection { Kind = SectionKinds.Dataset, Id = d.Name, Verdict = Verdict.Pass };
            dataset.With("role", d.Role.ToString().ToLowerInvariant());
            dataset.With(new Figure("rows", d.Rows));
            foreach (var f in d.Files) dataset.Locations.Add(new ReportLocation { File = f });
            foreach (var f in result.Findings.Where(f => f.Dataset == d.Name)) dataset.Sections.Add(Section(f));
            dataset.Verdict = Verdicts.Worst(dataset.Sections.Select(s => s.Verdict));
            var found = dataset.Sections.Where(s => s.Verdict is Verdict.Warn or Verdict.Fail).Select(s => s.Summary).ToList();
            dataset.Summary = $"{Count(d.Rows)} rows in {string.Join(", ", d.Files)}"
                + (found.Count == 0 ? "; no duplicates, conflicting labels or leakage found." : "; " + string.Join("; ", found) + ".");
            sections.Add(dataset);
        }
        return sections;
    }

    /// <summary>Every diagnostic of the run, in report order.</summary>
    public static IEnumerable<MlDiagnostic> Diagnostics(RelationsResult result) =>
        Sections(result).SelectMany(s => s.SelfAndDescendants()).SelectMany(s => s.Diagnostics);

    static string Id(RelationKind kind) => kind switch
    {
        RelationKind.Duplicates => "duplicates",
        RelationKind.ConflictingLabels => "conflictingLabels",
        _ => "leakage",
    };

    static string CountName(RelationKind kind) => kind switch
    {
        RelationKind.Duplicates => "duplicateRows",
        RelationKind.ConflictingLabels => "conflictingRows",
        _ => "leakedRows",
    };

    static string Requirement(RelationFinding f) => f.Kind switch
    {
        RelationKind.Duplicates => "no row repeats another in every column",
        RelationKind.ConflictingLabels => "rows with equal features have equal labels",
        _ => f.Against is null ? "no test row's values occur in the training rows of the split" : $"no row's values occur in '{f.Against}'",
    };

    static DiagnosticCode Code(RelationKind kind) => kind switch
    {
        RelationKind.Duplicates => DiagnosticCodes.DuplicateRows,
        RelationKind.ConflictingLabels => DiagnosticCodes.ConflictingLabels,
        _ => DiagnosticCodes.TrainTestLeakage,
    };

    /// <summary>A relation's section.</summary>
    public static ReportSection Section(RelationFinding f)
    {
        var s = new ReportSection
        {
            Kind = RelationKindName, Id = Id(f.Kind), Title = Requirement(f), Verdict = f.Verdict, Code = Code(f.Kind).Code,
        };
        s.With("check", Id(f.Kind));
        s.With("comparedBy", f.ComparedBy);
        s.With("level", RelationsPolicy.Word(f.Level));
        if (f.Against is not null) s.With("against", f.Against);
        if (f.Note is not null) s.With("note", f.Note);
        if (!f.Checked)
        {
            s.Summary = $"not checked: {f.Note}";
            if (f.Level != RelationLevel.Off)
                s.Diagnostics.Add(new MlDiagnostic(DiagnosticCodes.RelationNotChecked, MlSeverity.Info,
                    $"{Id(f.Kind)} of dataset '{f.Dataset}' not checked: {f.Note}."));
            return s;
        }
        s.With(new Figure(CountName(f.Kind), f.Count)).With(new Figure("share", f.Share)).With(new Figure("groups", f.Groups)).With(new Figure("rows", f.Rows));
        if (f.Count == 0) return s;
        s.Summary = Summary(f);
        foreach (var e in f.Examples)
            s.Locations.Add(new ReportLocation
            {
                File = e.At.File, Line = e.At.Line, RowGroup = e.At.RowGroup, Row = e.At.RowGroup >= 0 ? e.At.Row : 0,
                Value = (f.Kind == RelationKind.Leakage ? "also in " : f.Kind == RelationKind.Duplicates ? "repeats " : "conflicts with ") + e.Other,
            });
        if (f.Level == RelationLevel.Off) return s;
        var severity = f.Level == RelationLevel.Error ? MlSeverity.Error : MlSeverity.Warning;
        foreach (var e in f.Examples)
            s.Diagnostics.Add(new MlDiagnostic(Code(f.Kind).Code, severity, Message(f, e), e.At.File, (int)Math.Min(e.At.Line, int.MaxValue)));
        return s;
    }

    static string Summary(RelationFinding f) => f.Kind switch
    {
        RelationKind.Duplicates => $"{Count(f.Count)} duplicate row{S(f.Count)} ({Percent(f.Share)} of {Count(f.Rows)}) in {Count(f.Groups)} group{S(f.Groups)}",
        RelationKind.ConflictingLabels => $"{Count(f.Count)} row{S(f.Count)} ({Percent(f.Share)} of {Count(f.Rows)}) share features with conflicting labels in {Count(f.Groups)} group{S(f.Groups)}",
        _ => $"{Count(f.Count)} of {Count(f.Rows)} test rows ({Percent(f.Share)}) share {Count(f.Groups)} {(f.ComparedBy.StartsWith("key", StringComparison.Ordinal) ? "key" : "value combination")}{S(f.Groups)} with "
            + (f.Against is null ? "the training rows" : $"'{f.Against}'"),
    };

    static string Message(RelationFinding f, RelationExample e)
    {
        // A Parquet row has no line: the message names it.
        var at = e.At.Line > 0 ? "" : $"row {e.At.Row.ToString(CultureInfo.InvariantCulture)}: ";
        var what = f.Kind switch
        {
            RelationKind.Duplicates => $"{at}row repeats {e.Other} in every column",
            RelationKind.ConflictingLabels => $"{at}row has the {f.ComparedBy} of {e.Other} but another label",
            _ => $"{at}test row's {f.ComparedBy} also in training row {e.Other}",
        };
        return $"{what}; dataset '{f.Dataset}': {Summary(f)}.";
    }

    static string S(long n) => n == 1 ? "" : "s";

    static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    static string Percent(double share) => (share * 100).ToString("0.##", CultureInfo.InvariantCulture) + " %";
}
