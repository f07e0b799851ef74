using System.Globalization;
using System.Text;
using System.Text.Json;
using MlBuild.Core.Diagnostics;
using MlBuild.Core.Models;
using MlBuild.Core.Pipeline;
using MlBuild.Core.Registry;

namespace MlBuild.Core.Reports;

/// <summary>A metric with its interval, as the evidence states it.</summary>
/// <param name="Name">The metric, e.g. <c>auc</c>.</param>
/// <param name="Value">Point estimate (NaN when undefined).</param>
/// <param name="Low">Lower end of the interval, if any.</param>
/// <param name="High">Upper end of the interval, if any.</param>
public sealed record SummaryMetric(string Name, double Value, double? Low = null, double? High = null);

/// <summary>One gate result as <c>gates.json</c> (the JSON of <c>dotnet ml gate</c>, <c>train --gate</c>) records it.</summary>
public sealed record SummaryGate
{
    /// <summary>What was checked, e.g. <c>auc &gt;= 0.85</c>.</summary>
    public required string Name { get; init; }
    /// <summary>metric, baseline, slice, fairness, size, ...</summary>
    public string Kind { get; init; } = "";
    /// <summary>The verdict after policy.</summary>
    public required Verdict Verdict { get; init; }
    /// <summary>The diagnostic code of a gate that did not pass.</summary>
    public string? Code { get; init; }
    /// <summary>The measured value (for a baseline gate: candidate − baseline), NaN when none.</summary>
    public double Value { get; init; } = double.NaN;
    /// <summary>Interval, when there is one.</summary>
    public double? Low { get; init; }
    /// <summary>Interval, when there is one.</summary>
    public double? High { get; init; }
    /// <summary><c>&gt;=</c> or <c>&lt;=</c>.</summary>
    public string Comparison { get; init; } = ">=";
    /// <summary>The bound, NaN when none.</summary>
    public double Threshold { get; init; } = double.NaN;
    /// <summary>The baseline's value, for a baseline gate.</summary>
    public double? Baseline { get; init; }
    /// <summary>Which model the baseline was, e.g. <c>churn 3 (prod)</c>.</summary>
    public string? BaselineSource { get; init; }
    /// <summary>Slices or groups of a slice or fairness gate.</summary>
    public IReadOnlyList<SummaryGate> Parts { get; init; } = [];
    /// <summary>Slices or groups left out as too small, as text.</summary>
    public string? Excluded { get; init; }
}

/// <summary>The candidate as its evidence folder (written by <c>dotnet ml train</c>) describes it.</summary>
public sealed record CandidateEvidence
{
    /// <summary>The evidence folder as the user named it.</summary>
    public required string Display { get; init; }
    /// <summary>The model's name.</summary>
    public string? Model { get; init; }
    /// <summary>binary, multiclass or regression.</summary>
    public string? Task { get; init; }
    /// <summary>The trainer.</summary>
    public string? Trainer { get; init; }
    /// <summary>The training seed.</summary>
    public long? Seed { get; init; }
    /// <summary>Training rows.</summary>
    public long? TrainRows { get; init; }
    /// <summary>Test rows.</summary>
    public long? TestRows { get; init; }
    /// <summary>Whether it was a quick train.</summary>
    public bool QuickTrain { get; init; }
    /// <summary>The canonical model hash.</summary>
    public string? CanonicalHash { get; init; }
    /// <summary>Test metrics with intervals, in the evidence's order.</summary>
    public IReadOnlyList<SummaryMetric> Metrics { get; init; } = [];
    /// <summary>Inputs and outputs, when recorded.</summary>
    public ModelSchema? Schema { get; init; }
    /// <summary>Gate results, when the gates ran; null otherwise.</summary>
    public IReadOnlyList<SummaryGate>? Gates { get; init; }

    /// <summary>Reads an evidence folder: <c>metrics.json</c> (required), <c>training.json</c>, <c>schema.json</c> and
    /// the gate results (<paramref name="gatesFile"/>, default <c>gates.json</c> of the folder, when present). MLB4210 when unreadable.</summary>
    public static CandidateEvidence Read(string folder, string display, string? gatesFile = null, string? gatesDisplay = null)
    {
        if (!Directory.Exists(folder))
            throw Bad(display, $"The evidence folder '{display}' does not exist; pass the folder `dotnet ml train` wrote (NAME.evidence).");
        var metricsPath = Path.Combine(folder, "metrics.json");
        if (!File.Exists(metricsPath))
            throw Bad(display, $"The evidence folder '{display}' has no metrics.json; `dotnet ml train` writes it with the test metrics.");
        var evidence = new CandidateEvidence { Display = display };
        evidence = WithJson(metricsPath, $"{display}/metrics.json", root => evidence with
        {
            Metrics = root.TryGetProperty("metrics", out var m) && m.ValueKind == JsonValueKind.Object
                ? m.EnumerateObject().Select(p => Metric(p.Name, p.Value)).Where(x => x is not null).Select(x => x!).ToList() : [],
            Seed = root.TryGetProperty("seed", out var s) && s.TryGetInt64(out var seed) ? seed : null,
            TestRows = root.TryGetProperty("testRows", out var t) && t.TryGetInt64(out var test) ? test : null,
        });
        var trainingPath = Path.Combine(folder, "training.json");
        if (File.Exists(trainingPath))
            evidence = WithJson(trainingPath, $"{display}/training.json", root => evidence with
            {
                Model = Text(root, "model"),
                Task = Text(root, "task"),
                Trainer = root.TryGetProperty("parameters", out var p) ? Text(p, "trainer") : null,
                CanonicalHash = Text(root, "canonicalHash"),
                TrainRows = root.TryGetProperty("rows", out var r) && r.TryGetProperty("train", out var tr) && tr.TryGetInt64(out var train) ? train : null,
                TestRows = root.TryGetProperty("rows", out var r2) && r2.TryGetProperty("test", out var te) && te.TryGetInt64(out var test) ? test : evidence.TestRows,
                QuickTrain = root.TryGetProperty("rows", out var r3) && r3.TryGetProperty("quickTrain", out var q) && q.ValueKind == JsonValueKind.True,
            });
        var schemaPath = Path.Combine(folder, "schema.json");
        if (File.Exists(schemaPath))
            evidence = WithJson(schemaPath, $"{display}/schema.json", root => evidence with { Schema = new ModelSchema(Columns(root, "inputs"), Columns(root, "outputs")) });
        var gatesPath = gatesFile ?? Path.Combine(folder, "gates.json");
        var gatesName = gatesDisplay ?? $"{display}/gates.json";
        if (gatesFile is not null && !File.Exists(gatesFile))
            throw Bad(gatesName, $"The gate results '{gatesName}' do not exist; `dotnet ml gate --json FILE` or `dotnet ml train --gate` writes them.");
        if (File.Exists(gatesPath))
            evidence = WithJson(gatesPath, gatesName, root => evidence with
            {
                Gates = root.TryGetProperty("gates", out var g) && g.ValueKind == JsonValueKind.Array
                    ? g.EnumerateArray().Select(Gate).ToList()
                    : throw Bad(gatesName, $"'{gatesName}' has no 'gates' array; it is not the JSON of `dotnet ml gate --json`."),
            });
        return evidence;
    }

    static SummaryMetric? Metric(string name, JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Number => new SummaryMetric(name, e.GetDouble()),
        JsonValueKind.Object => new SummaryMetric(name, Number(e, "value") ?? double.NaN, Number(e, "low"), Number(e, "high")),
        _ => null,
    };

    static SummaryGate Gate(JsonElement g) => new()
    {
        Name = Text(g, "name") ?? "(unnamed)",
        Kind = Text(g, "kind") ?? "",
        Verdict = GateVerdicts.Parse(Text(g, "verdict")) ?? Verdict.Error,
        Code = g.TryGetProperty("diagnostic", out var d) ? Text(d, "code") : null,
        Value = Number(g, "value") ?? double.NaN,
        Low = Number(g, "low"), High = Number(g, "high"),
        Comparison = Text(g, "comparison") ?? ">=",
        Threshold = Number(g, "threshold") ?? double.NaN,
        Baseline = Number(g, "baseline"),
        BaselineSource = Text(g, "baselineSource"),
        Parts = g.TryGetProperty("parts", out var parts) && parts.ValueKind == JsonValueKind.Array ? parts.EnumerateArray().Select(Gate).ToList() : [],
        Excluded = g.TryGetProperty("excluded", out var ex) && ex.ValueKind == JsonValueKind.Array
            ? string.Join(", ", ex.EnumerateArray().Select(e => $"{Text(e, "value")} ({(Number(e, "n") ?? 0).ToString(CultureInfo.InvariantCulture)})")) : null,
    };

    static List<SchemaColumn> Columns(JsonElement root, string name) =>
        root.TryGetProperty(name, out var a) && a.ValueKind == JsonValueKind.Array
            ? a.EnumerateArray().Select(c => new SchemaColumn(Text(c, "name") ?? "", Text(c, "type") ?? "")).ToList() : [];

    internal static string? Text(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    internal static double? Number(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;

    static T WithJson<T>(string path, string display, Func<JsonElement, T> read) =>
        PullRequestSummary.WithJson(path, display, DiagnosticCodes.SummaryEvidenceInvalid, read);

    static MlBuildException Bad(string display, string message) =>
        new(new MlDiagnostic(DiagnosticCodes.SummaryEvidenceInvalid, MlSeverity.Error, message, display));
}

/// <summary>The model that is serving: the version holding an alias in the registry.</summary>
/// <param name="Model">The model's name.</param>
/// <param name="Version">The version holding the alias.</param>
/// <param name="Alias">The alias, e.g. <c>prod</c>.</param>
/// <param name="Registry">The registry as the user named it.</param>
/// <param name="Metrics">Its registered metrics, or null.</param>
/// <param name="Schema">Its registered inputs and outputs, or null.</param>
public sealed record ServingModel(string Model, int Version, string Alias, string Registry,
    IReadOnlyDictionary<string, MetricValue>? Metrics, ModelSchema? Schema);

/// <summary>One drift comparison, read back from the JSON report of <c>dotnet ml data drift --json</c>.</summary>
/// <param name="Display">The report file as the user named it.</param>
/// <param name="Current">The data compared.</param>
/// <param name="Reference">What it was compared with.</param>
/// <param name="Verdict">The comparison's verdict (fail: the data drifted by the dataset rule).</param>
/// <param name="Summary">Its summary line.</param>
/// <param name="Columns">Columns that did not pass: name, status, method, score, in the report's order.</param>
public sealed record DriftSummary(string Display, string Current, string? Reference, Verdict Verdict, string? Summary,
    IReadOnlyList<(string Column, string Status, string? Method, double? Score)> Columns)
{
    /// <summary>Reads the drift report JSON; MLB4211 when it is missing or not a drift report.</summary>
    public static IReadOnlyList<DriftSummary> Read(string path, string display)
    {
        if (!File.Exists(path))
            throw new MlBuildException(new MlDiagnostic(DiagnosticCodes.SummaryDriftInvalid, MlSeverity.Error,
                $"The drift report '{display}' does not exist; `dotnet ml data drift REFERENCE CURRENT --json FILE` writes it.", display));
        return PullRequestSummary.WithJson(path, display, DiagnosticCodes.SummaryDriftInvalid, root =>
        {
            if (CandidateEvidence.Text(root, "title") != Data.Drift.DriftReport.Title || !root.TryGetProperty("sections", out var sections) || sections.ValueKind != JsonValueKind.Array)
                throw new MlBuildException(new MlDiagnostic(DiagnosticCodes.SummaryDriftInvalid, MlSeverity.Error,
                    $"'{display}' is not the JSON report of `dotnet ml data drift` (its title is not '{Data.Drift.DriftReport.Title}').", display));
            var result = new List<DriftSummary>();
            foreach (var s in sections.EnumerateArray())
            {
                var props = s.TryGetProperty("properties", out var p) ? p : default;
                var columns = new List<(string, string, string?, double?)>();
                if (s.TryGetProperty("sections", out var cs) && cs.ValueKind == JsonValueKind.Array)
                    foreach (var c in cs.EnumerateArray())
                    {
                        if (CandidateEvidence.Text(c, "verdict") == "pass") continue;
                        var cp = c.TryGetProperty("properties", out var x) ? x : default;
                        double? score = c.TryGetProperty("figures", out var f) && f.TryGetProperty("score", out var sc) ? CandidateEvidence.Number(sc, "value") : null;
                        columns.Add((CandidateEvidence.Text(c, "id") ?? "", CandidateEvidence.Text(cp, "status") ?? CandidateEvidence.Text(c, "verdict") ?? "",
                                     CandidateEvidence.Text(cp, "method"), score));
                    }
                result.Add(new DriftSummary(display, CandidateEvidence.Text(props, "current") ?? CandidateEvidence.Text(s, "id") ?? "", CandidateEvidence.Text(props, "reference"),
                    GateVerdicts.Parse(CandidateEvidence.Text(s, "verdict")) ?? Verdict.Error, CandidateEvidence.Text(s, "summary"), columns));
            }
            return (IReadOnlyList<DriftSummary>)result;
        });
    }
}

/// <summary>Everything a pull-request summary shows.</summary>
public sealed record PullRequestSummaryInput
{
    /// <summary>The candidate.</summary>
    public required CandidateEvidence Candidate { get; init; }
    /// <summary>The serving model, when one was asked for and found.</summary>
    public ServingModel? Serving { get; init; }
    /// <summary>Why there is no serving model beside the candidate (asked for, not found), or null.</summary>
    public string? ServingMissing { get; init; }
    /// <summary>Drift comparisons of the data, in the order given.</summary>
    public IReadOnlyList<DriftSummary> Drift { get; init; } = [];
}

/// <summary>Where a pull-request summary's parts come from: what <c>dotnet ml summary</c> is given on its command line,
/// and what <c>dotnet test</c>'s model test has at hand.</summary>
public sealed record PullRequestSummarySources
{
    /// <summary>The candidate's evidence folder (full path).</summary>
    public required string EvidenceFolder { get; init; }
    /// <summary>The evidence folder as the user names it.</summary>
    public required string EvidenceDisplay { get; init; }
    /// <summary>Gate results JSON (full path); null: <c>gates.json</c> in the evidence folder, when present.</summary>
    public string? GatesFile { get; init; }
    /// <summary>The gate results as the user names them.</summary>
    public string? GatesDisplay { get; init; }
    /// <summary>Drift report JSON files (full path and display), in order.</summary>
    public IReadOnlyList<(string Path, string Display)> DriftReports { get; init; } = [];
    /// <summary>The pipeline file (its registry and the alias its gates compare with), or null.</summary>
    public PipelineFile? Pipeline { get; init; }
    /// <summary>The alias of the serving version; null: the one registry alias the pipeline file's gates compare with, if any.</summary>
    public string? Baseline { get; init; }
    /// <summary>A registry location overriding the pipeline file's (relative to <see cref="WorkingDirectory"/>).</summary>
    public string? Registry { get; init; }
    /// <summary>The model's name in the registry; null: the evidence's, else the pipeline file's.</summary>
    public string? Model { get; init; }
    /// <summary>The folder relative locations are resolved against.</summary>
    public required string WorkingDirectory { get; init; }
}

/// <summary>
/// A Markdown summary for a pull request that puts the candidate beside the serving model: metrics with intervals and
/// the change against the serving version, the gate verdicts, slices, the data's drift, and what changed in the
/// model's schema (<see cref="SchemaDiff"/>). Deterministic: the same inputs give the same text (invariant culture,
/// the evidence's order, no timestamps), ready for <c>$GITHUB_STEP_SUMMARY</c> or a PR comment.
/// </summary>
public static class PullRequestSummary
{
    /// <summary>
    /// Gathers a summary's parts: the candidate's evidence, the drift reports, and the serving model, which is the
    /// registry version holding <see cref="PullRequestSummarySources.Baseline"/> (default: the one registry alias the
    /// pipeline file's gates compare with). A missing registry, model or alias is said in the summary, not an error;
    /// unreadable evidence or drift reports are MLB4210 and MLB4211.
    /// </summary>
    public static PullRequestSummaryInput Compose(PullRequestSummarySources sources)
    {
        var candidate = CandidateEvidence.Read(sources.EvidenceFolder, sources.EvidenceDisplay, sources.GatesFile, sources.GatesDisplay);
        var input = new PullRequestSummaryInput
        {
            Candidate = candidate,
            Drift = sources.DriftReports.SelectMany(d => DriftSummary.Read(d.Path, d.Display)).ToList(),
        };
        if ((sources.Baseline ?? GateBaselineAlias(sources.Pipeline)) is not { } alias) return input;
        var name = sources.Model ?? candidate.Model ?? sources.Pipeline?.Model?.Name
            ?? throw new MlBuildException(new MlDiagnostic(DiagnosticCodes.CommandLine, MlSeverity.Error,
                "The evidence names no model; pass --model NAME to look up the serving version."));
        var (registry, display) = Models.Baselines.BaselineResolver.OpenRegistry(sources.Pipeline,
            new Models.Baselines.BaselineOptions { Registry = sources.Registry, WorkingDirectory = sources.WorkingDirectory });
        var found = Models.Baselines.BaselineResolver.Find(registry, display, name, alias);
        return found.Comparison == Models.Baselines.BaselineComparison.Missing
            ? input with { ServingMissing = found.Reason }
            : input with { Serving = new ServingModel(name, found.Version!.Value, alias, display, found.Metrics, found.Registered?.Schema) };
    }

    /// <summary>The registry alias the pipeline file's gates compare with, when they name exactly one (metrics files
    /// are not aliases); null otherwise.</summary>
    public static string? GateBaselineAlias(PipelineFile? pipeline)
    {
        var aliases = (pipeline?.Gates.Gates ?? []).OfType<Models.Gates.MetricGateSpec>()
            .Select(g => g.Baseline).Where(b => b is not null && !b.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
            .Distinct(StringComparer.Ordinal).ToList();
        return aliases.Count == 1 ? aliases[0] : null;
    }

    /// <summary>The summary of a model test whose model was not trained: what stopped it, so the pull request says so.</summary>
    public static string NotTrained(string model, IEnumerable<MlDiagnostic> diagnostics)
    {
        var sb = new StringBuilder();
        sb.Append("## MlBuild: model `").Append(Code(model)).Append("` ").Append(Badge(Verdict.Error)).Append("\n\n");
        sb.Append("The model was not trained, so its gates did not run:\n\n");
        foreach (var d in diagnostics.Where(d => d.Severity == MlSeverity.Error))
            sb.Append("- ").Append(Escape(d.ToCanonicalString())).Append('\n');
        return sb.ToString();
    }

    /// <summary>The summary's Markdown.</summary>
    public static string Markdown(PullRequestSummaryInput input)
    {
        var c = input.Candidate;
        var s = input.Serving;
        var sb = new StringBuilder();
        sb.Append("## MlBuild: model `").Append(Code(c.Model ?? c.Display)).Append('`');
        if (c.Gates is { } gates) sb.Append(' ').Append(Badge(Verdicts.Worst(gates.Select(g => g.Verdict))));
        sb.Append("\n\n");

        // Who is compared with whom.
        sb.Append("**Candidate**: ").Append(Describe(c)).Append("  \n");
        if (s is not null)
            sb.Append("**Serving**: `").Append(Code(s.Model)).Append("` version ").Append(I(s.Version)).Append(" (`").Append(Code(s.Alias))
              .Append("` in registry `").Append(Code(s.Registry)).Append("`)\n\n");
        else if (input.ServingMissing is { } why)
            sb.Append("**Serving**: none to compare with: ").Append(Escape(why)).Append(".\n\n");
        else sb.Append('\n');

        Metrics(sb, c, s);
        Gates(sb, c);
        Slices(sb, c);
        foreach (var d in input.Drift) Drift(sb, d);
        Schema(sb, c, s);
        return sb.ToString();
    }

    static string Describe(CandidateEvidence c)
    {
        var parts = new List<string>();
        if (c.Task is not null) parts.Add(c.Task);
        if (c.Trainer is not null) parts.Add(c.Trainer);
        if (c.Seed is { } seed) parts.Add("seed " + I(seed));
        var text = $"`{Code(c.Model ?? c.Display)}`" + (parts.Count > 0 ? $" ({string.Join(", ", parts)})" : "");
        if (c.TrainRows is { } train) text += $", trained on {N(train)} rows{(c.QuickTrain ? " (quick-train sample)" : "")}";
        if (c.TestRows is { } test) text += $", {N(test)} test rows";
        if (c.CanonicalHash is { } hash) text += $", `{Code(hash.Length > 19 ? hash[..19] + "…" : hash)}`";
        return text;
    }

    static void Metrics(StringBuilder sb, CandidateEvidence c, ServingModel? s)
    {
        if (c.Metrics.Count == 0) return;
        sb.Append("### Metrics\n\n");
        if (s is null)
        {
            sb.Append("| metric | candidate |\n|---|---:|\n");
            foreach (var m in c.Metrics) sb.Append("| ").Append(MetricName(m.Name)).Append(" | ").Append(Value(m.Value, m.Low, m.High)).Append(" |\n");
            sb.Append('\n');
            return;
        }
        sb.Append("| metric | candidate | serving (").Append(Escape(s.Model)).Append(' ').Append(I(s.Version)).Append(") | change |\n|---|---:|---:|---:|\n");
        var names = c.Metrics.Select(m => m.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var m in c.Metrics)
        {
            var served = s.Metrics is not null && s.Metrics.TryGetValue(m.Name, out var v) ? v : null;
            sb.Append("| ").Append(MetricName(m.Name)).Append(" | ").Append(Value(m.Value, m.Low, m.High)).Append(" | ")
              .Append(served is null ? "" : Value(served.Value, served.Low, served.High)).Append(" | ")
              .Append(served is null ? "" : Change(m.Name, m.Value - served.Value, served)).Append(" |\n");
        }
        // Metrics only the serving version has (another task's, an older evaluation's) stay visible.
        foreach (var (name, v) in (s.Metrics ?? new Dictionary<string, MetricValue>()).Where(p => !names.Contains(p.Key)).OrderBy(p => p.Key, StringComparer.Ordinal))
            sb.Append("| ").Append(MetricName(name)).Append(" |  | ").Append(Value(v.Value, v.Low, v.High)).Append(" |  |\n");
        sb.Append("\nChanges are candidate − serving; the gates below compare the two on the same test rows where they could.\n\n");
    }

    static string Change(string metric, double delta, MetricValue served)
    {
        if (!double.IsFinite(delta)) return "";
        var text = (delta > 0 ? "+" : delta < 0 ? "−" : "±") + F(Math.Abs(delta));
        if (delta == 0 || Direction(metric, served) is not { } direction) return text;
        return text + ((delta > 0) == (direction == MetricDirection.HigherIsBetter) ? " better" : " worse");
    }

    static void Gates(StringBuilder sb, CandidateEvidence c)
    {
        sb.Append("### Gates\n\n");
        if (c.Gates is not { } gates)
        {
            sb.Append("The gates did not run for this evidence (run `dotnet ml train --gate` or `dotnet ml gate --json`).\n\n");
            return;
        }
        int Count(Verdict v) => gates.Count(g => g.Verdict == v);
        var totals = new[] { Verdict.Pass, Verdict.Fail, Verdict.Inconclusive, Verdict.Warn, Verdict.Skipped, Verdict.Error }
            .Where(v => Count(v) > 0).Select(v => $"{I(Count(v))} {v.Word()}");
        sb.Append(I(gates.Count)).Append(gates.Count == 1 ? " gate: " : " gates: ").Append(string.Join(", ", totals)).Append(".\n\n");
        if (gates.Count == 0) return;
        sb.Append("| gate | verdict | value [interval] | bound | baseline |\n|---|---|---:|---|---|\n");
        foreach (var g in gates)
        {
            sb.Append("| ").Append(Escape(g.Name)).Append(" | ").Append(Badge(g.Verdict)).Append(g.Code is null || g.Verdict == Verdict.Pass ? "" : $" {g.Code}")
              .Append(" | ").Append(double.IsNaN(g.Value) ? "" : Value(g.Value, g.Low, g.High))
              .Append(" | ").Append(double.IsNaN(g.Threshold) ? "" : Escape($"{g.Comparison} {F(g.Threshold)}"))
              .Append(" | ").Append(g.Baseline is { } b ? Escape((g.BaselineSource is null ? "" : g.BaselineSource + ": ") + F(b)) : "").Append(" |\n");
        }
        sb.Append('\n');
    }

    static void Slices(StringBuilder sb, CandidateEvidence c)
    {
        var sliced = (c.Gates ?? []).Where(g => g.Parts.Count > 0).ToList();
        if (sliced.Count == 0) return;
        sb.Append("### Slices\n\n| gate | slice or group | verdict | value [interval] |\n|---|---|---|---:|\n");
        foreach (var g in sliced)
        {
            foreach (var p in g.Parts)
                sb.Append("| ").Append(Escape(g.Name)).Append(" | ").Append(Escape(p.Name)).Append(" | ").Append(Badge(p.Verdict))
                  .Append(" | ").Append(double.IsNaN(p.Value) ? "" : Value(p.Value, p.Low, p.High)).Append(" |\n");
        }
        foreach (var g in sliced.Where(g => g.Excluded is { Length: > 0 }))
            sb.Append("\n").Append(Escape(g.Name)).Append(": excluded as too small: ").Append(Escape(g.Excluded!)).Append('\n');
        sb.Append('\n');
    }

    static void Drift(StringBuilder sb, DriftSummary d)
    {
        sb.Append("### Data drift: `").Append(Code(d.Current)).Append("` ").Append(d.Verdict == Verdict.Pass ? Badge(Verdict.Pass) : d.Verdict == Verdict.Fail ? "❌ drifted" : Badge(d.Verdict)).Append("\n\n");
        if (d.Reference is not null) sb.Append("Against `").Append(Code(d.Reference)).Append("`. ");
        if (d.Summary is not null) sb.Append(Escape(d.Summary));
        sb.Append("\n\n");
        if (d.Columns.Count == 0) return;
        sb.Append("| column | status | method | score |\n|---|---|---|---:|\n");
        foreach (var (column, status, method, score) in d.Columns)
            sb.Append("| ").Append(Escape(column)).Append(" | ").Append(Escape(status)).Append(" | ").Append(Escape(method ?? ""))
              .Append(" | ").Append(score is { } v ? F(v) : "").Append(" |\n");
        sb.Append('\n');
    }

    static void Schema(StringBuilder sb, CandidateEvidence c, ServingModel? s)
    {
        sb.Append("### Schema\n\n");
        if (s is null)
        {
            sb.Append(c.Schema is null ? "No schema recorded.\n" : $"{I(c.Schema.Inputs.Count)} inputs, {I(c.Schema.Outputs.Count)} outputs; no serving version to compare with.\n");
            return;
        }
        var change = SchemaDiff.Compare(s.Schema, c.Schema);
        sb.Append(change.Kind switch
        {
            SchemaChangeKind.Breaking => "⚠️ **Breaking**: consumers of the serving model must change.",
            SchemaChangeKind.Additive => "Additive: columns were only added.",
            _ => change.Details.Count == 0 ? "No change in the model's inputs and outputs." : "Not comparable:",
        }).Append('\n');
        if (change.Details.Count > 0)
        {
            sb.Append('\n');
            foreach (var d in change.Details) sb.Append("- ").Append(Escape(d)).Append('\n');
        }
    }

    internal static T WithJson<T>(string path, string display, DiagnosticCode code, Func<JsonElement, T> read)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            return read(doc.RootElement);
        }
        catch (JsonException e)
        {
            throw new MlBuildException(new MlDiagnostic(code, MlSeverity.Error, $"'{display}' is not valid JSON: {e.Message}", display,
                (int)Math.Min(int.MaxValue, (e.LineNumber ?? -1) + 1), (int)Math.Min(int.MaxValue, (e.BytePositionInLine ?? -1) + 1)));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or FormatException)
        {
            throw new MlBuildException(new MlDiagnostic(code, MlSeverity.Error, $"'{display}' cannot be read: {e.Message}", display));
        }
    }

    /// <summary>The direction of a metric: MlBuild's own catalog (brier, macro-f1...), else the registry's known names.</summary>
    static MetricDirection? Direction(string name, MetricValue? value = null) =>
        value?.Direction ?? Models.Evaluation.MetricCatalog.All.FirstOrDefault(m => m.Name == name)?.Direction ?? MetricDirections.DirectionOf(name);

    static string MetricName(string name) =>
        Escape(name) + (Direction(name) switch { MetricDirection.HigherIsBetter => " ↑", MetricDirection.LowerIsBetter => " ↓", _ => "" });

    static string Value(double value, double? low, double? high) =>
        double.IsNaN(value) ? "undefined" : F(value) + (low is { } l && high is { } h ? $" [{F(l)}, {F(h)}]" : "");

    static string Badge(Verdict v) => v switch
    {
        Verdict.Pass => "✅ pass",
        Verdict.Skipped => "⏭️ skipped",
        Verdict.Warn => "⚠️ warn",
        Verdict.Inconclusive => "❔ inconclusive",
        Verdict.Fail => "❌ fail",
        _ => "⛔ error",
    };

    static string F(double v) => double.IsFinite(v) ? v.ToString("0.####", CultureInfo.InvariantCulture) : v.ToString(CultureInfo.InvariantCulture);
    static string I(long v) => v.ToString(CultureInfo.InvariantCulture);
    static string N(long v) => v.ToString("N0", CultureInfo.InvariantCulture);
    static string Escape(string s) => s.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal).Replace("\r", "", StringComparison.Ordinal);
    static string Code(string s) => s.Replace("`", "'", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
}
