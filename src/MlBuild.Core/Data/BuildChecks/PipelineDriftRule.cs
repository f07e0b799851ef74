using System.Globalization;
using MlBuild.Core.Data.Drift;
using MlBuild.Core.Diagnostics;
using MlBuild.Core.Json;
using MlBuild.Core.Models.Gates;
using MlBuild.Core.Pipeline;

namespace MlBuild.Core.Data.BuildChecks;

/// <summary>
/// A drift rule read from <c>mlbuild.json</c>, with where it names each column, so that a column the reference does not
/// have is MLB2009 at that name's line and column.
/// </summary>
/// <param name="Rule">The rule.</param>
/// <param name="NamedColumns">Every column the rule names (rule columns, thresholds, ignored), with where it is named.</param>
public sealed record PipelineDriftRule(DriftRule Rule, IReadOnlyList<(string Name, SourcePosition At)> NamedColumns)
{
    static readonly string[] Keys =
        ["rule", "ignore", "alpha", "thresholds", "wasserstein", "psi", "jensenShannon", "unseenShare", "nullRateChange", "typeChange", "description"];

    /// <summary>
    /// The rule of dataset <paramref name="dataset"/> (null: of an item that is no dataset of the file): the top-level
    /// <c>drift</c> section, each member replaced by the same member of the dataset's own <c>drift</c> section; the
    /// default rule where neither says anything. Every mistake is MLB2009 at its line and column.
    /// </summary>
    public static PipelineDriftRule Read(PipelineFile? pipeline, string? dataset)
    {
        var rule = new DriftRule();
        var named = new List<(string, SourcePosition)>();
        if (pipeline?.Root is not { } root) return new PipelineDriftRule(rule, named);
        var file = pipeline.DisplayPath;
        var sections = new List<(PositionedJson Node, string Where)>();
        if (root["drift"] is { } top) sections.Add((top, "drift"));
        if (dataset is not null && root["datasets"]?[dataset]?["drift"] is { } own) sections.Add((own, $"datasets.{dataset}.drift"));

        // Members of the later (dataset) section replace the earlier's; a member's columns are those of the section that set it.
        var members = new Dictionary<string, (PositionedJson Value, string Where)>(StringComparer.Ordinal);
        foreach (var (node, where) in sections)
        {
            if (node.Kind != PositionedJsonKind.Object) throw At(file, node, $"'{where}' must be an object.");
            foreach (var (name, line, column, value) in node.Members)
            {
                if (!Keys.Contains(name))
                    throw Error(file, line, column, $"Unknown property '{name}' in '{where}'; expected one of {string.Join(", ", Keys)}.");
                members[name] = (value, where);
            }
        }
        foreach (var (name, (value, where)) in members)
        {
            var path = $"{where}.{name}";
            switch (name)
            {
                case "rule": rule = ReadDatasetRule(rule, value, path, file, named); break;
                case "ignore": rule = rule with { Ignore = Names(value, path, file, named) }; break;
                case "alpha": rule = rule with { Alpha = Number(value, path, file, v => v is > 0 and < 1, "between 0 and 1 (exclusive)") }; break;
                case "thresholds":
                    if (value.Kind != PositionedJsonKind.Object) throw At(file, value, $"'{path}' must be an object of column: threshold.");
                    var perColumn = new Dictionary<string, double>(StringComparer.Ordinal);
                    foreach (var (column, line, col, v) in value.Members)
                    {
                        perColumn[column] = Number(v, $"{path}.{column}", file, x => x > 0, "a positive number");
                        named.Add((column, new SourcePosition(file, line, col)));
                    }
                    rule = rule with { ColumnThresholds = perColumn };
                    break;
                case "wasserstein": rule = rule with { Wasserstein = Positive(value, path, file) }; break;
                case "psi": rule = rule with { Psi = Positive(value, path, file) }; break;
                case "jensenShannon": rule = rule with { JensenShannon = Number(value, path, file, v => v is > 0 and <= 1, "a number above 0 and at most 1") }; break;
                case "unseenShare": rule = rule with { UnseenShare = Number(value, path, file, v => v is > 0 and <= 1, "a share above 0 and at most 1") }; break;
                case "nullRateChange": rule = rule with { NullRateChange = Number(value, path, file, v => v is > 0 and <= 1, "a share above 0 and at most 1") }; break;
                case "typeChange": rule = rule with { TypeChange = Number(value, path, file, v => v is > 0 and <= 1, "a share above 0 and at most 1") }; break;
                case "description":
                    if (value.Kind != PositionedJsonKind.String) throw At(file, value, $"'{path}' must be a string.");
                    break;
            }
        }
        return new PipelineDriftRule(rule, named);
    }

    /// <summary>MLB2009 at the first column the rule names that <paramref name="columns"/> (the reference's) lacks; null when all are there.</summary>
    public MlDiagnostic? UnknownColumn(IReadOnlyCollection<string> columns, string referenceDisplay)
    {
        foreach (var (name, at) in NamedColumns)
            if (!columns.Contains(name))
                return new MlDiagnostic(DriftCodes.InvalidRule, MlSeverity.Error,
                    $"The drift rule names column '{name}', which the reference profile '{referenceDisplay}' does not have (it has {string.Join(", ", columns.Order(StringComparer.Ordinal))}).",
                    at.File, at.Line, at.Column);
        return null;
    }

    /// <summary><c>"any"</c>, <c>"share:0.3"</c> or <c>"columns:a,b"</c> as <c>dotnet ml data drift --rule</c> takes it, or <c>{ "share": 0.3 }</c>, <c>{ "columns": ["a", "b"] }</c>.</summary>
    static DriftRule ReadDatasetRule(DriftRule rule, PositionedJson value, string path, string file, List<(string, SourcePosition)> named)
    {
        const string expected = "\"any\", \"share:S\" (0 < S <= 1), \"columns:a,b\", { \"share\": S } or { \"columns\": [\"a\", \"b\"] }";
        if (value.Kind == PositionedJsonKind.String)
        {
            var t = value.Text!.Trim();
            if (t == "any") return rule with { Kind = DatasetRuleKind.AnyColumn };
            if (t.StartsWith("share:", StringComparison.Ordinal)
                && double.TryParse(t["share:".Length..], NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s is > 0 and <= 1)
                return rule with { Kind = DatasetRuleKind.ShareOfColumns, Share = s };
            if (t.StartsWith("columns:", StringComparison.Ordinal))
            {
                var columns = t["columns:".Length..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                if (columns.Length > 0)
                {
                    named.AddRange(columns.Select(c => (c, new SourcePosition(file, value.Line, value.Column))));
                    return rule with { Kind = DatasetRuleKind.NamedColumns, Columns = columns };
                }
            }
            throw At(file, value, $"'{path}' is \"{value.Text}\"; expected {expected}.");
        }
        if (value.Kind == PositionedJsonKind.Object && value.Members.Count == 1)
        {
            var (name, _, _, inner) = value.Members[0];
            if (name == "share")
                return rule with { Kind = DatasetRuleKind.ShareOfColumns, Share = Number(inner, path + ".share", file, v => v is > 0 and <= 1, "a share above 0 and at most 1") };
            if (name == "columns")
            {
                var columns = Names(inner, path + ".columns", file, named);
                if (columns.Count == 0) throw At(file, inner, $"'{path}.columns' names no column; name at least one.");
                return rule with { Kind = DatasetRuleKind.NamedColumns, Columns = columns };
            }
        }
        throw At(file, value, $"'{path}' must be {expected}.");
    }

    static List<string> Names(PositionedJson value, string path, string file, List<(string, SourcePosition)> named)
    {
        if (value.Kind == PositionedJsonKind.String)
        {
            named.Add((value.Text!, new SourcePosition(file, value.Line, value.Column)));
            return [value.Text!];
        }
        if (value.Kind != PositionedJsonKind.Array || value.Items.Any(i => i.Kind != PositionedJsonKind.String))
            throw At(file, value, $"'{path}' must be a column name or a list of column names.");
        named.AddRange(value.Items.Select(i => (i.Text!, new SourcePosition(file, i.Line, i.Column))));
        return value.Items.Select(i => i.Text!).ToList();
    }

    static double Positive(PositionedJson value, string path, string file) => Number(value, path, file, v => v > 0, "a positive number");

    static double Number(PositionedJson value, string path, string file, Func<double, bool> valid, string expected)
    {
        if (value.Kind == PositionedJsonKind.Number
            && double.TryParse(value.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) && valid(v))
            return v;
        throw At(file, value, $"'{path}' must be {expected}.");
    }

    static MlBuildException At(string file, PositionedJson node, string message) => Error(file, node.Line, node.Column, message);

    static MlBuildException Error(string file, int line, int column, string message) =>
        new(new MlDiagnostic(DriftCodes.InvalidRule, MlSeverity.Error, message, file, line, column));
}
