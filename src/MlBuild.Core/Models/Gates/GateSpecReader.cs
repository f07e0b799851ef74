using System.Globalization;
using MlBuild.Core.Diagnostics;
using MlBuild.Core.Json;
using MlBuild.Core.Models.Evaluation;

namespace MlBuild.Core.Models.Gates;

/// <summary>
/// Reads gates from JSON (with comments): a gates file (an array of gates, or an object with <c>gates</c> and the shared
/// settings), or the <c>gates</c> array of a pipeline file. Every mistake is a coded error at its line and column.
/// <code>
/// { "confidence": 0.95, "inconclusive": "warn", "resamples": 2000, "seed": 42,
///   "gates": [ { "metric": "auc", "min": 0.85 },
///              { "metric": "auc", "maxDrop": 0.01, "baseline": "prod" },
///              { "metric": "accuracy", "min": 0.8, "slice": "region", "minSliceSize": 50 },
///              { "fairness": "demographic-parity-ratio", "by": "gender", "min": 0.8 },
///              { "artifact": "size", "maxMB": 50 }, { "latency": "p95", "maxMs": 2 } ] }
/// </code>
/// </summary>
public static class GateSpecReader
{
    static readonly string[] SharedSettings = ["confidence", "inconclusive", "missingBaseline", "resamples", "seed", "strict", "allowNoGates", "gates"];
    static readonly string[] Common = ["name", "confidence", "inconclusive", "strict"];
    static readonly string[] MetricProps = [.. Common, "metric", "min", "max", "maxDrop", "maxRelativeDrop", "minGain", "minRelativeGain", "baseline", "missingBaseline", "slice", "minSliceSize", "requiredSlices"];
    static readonly string[] FairnessProps = [.. Common, "fairness", "by", "min", "max", "minGroupSize", "requiredGroups"];

    /// <summary>Reads a gates file.</summary>
    public static GateSet ReadFile(string path, string display, string? errorCode = null)
    {
        errorCode ??= DiagnosticCodes.GatesFileInvalid;
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MlBuildException(new MlDiagnostic(errorCode, MlSeverity.Error, $"The gates file cannot be read: {e.Message}", display));
        }
        var root = PositionedJson.Parse(bytes, display, errorCode);
        return root.Kind == PositionedJsonKind.Array ? new GateSet { Gates = ReadGates(root, display, errorCode) } : ReadSet(root, display, errorCode);
    }

    /// <summary>Reads an object holding the shared settings and a <c>gates</c> array.</summary>
    public static GateSet ReadSet(PositionedJson node, string file, string? errorCode = null)
    {
        var r = new Reader(file, errorCode ?? DiagnosticCodes.GatesFileInvalid);
        r.Expect(node, PositionedJsonKind.Object, "an object with \"gates\"");
        r.Known(node, SharedSettings);
        var defaults = new GateDefaults();
        if (node["confidence"] is { } c) defaults = defaults with { ConfidenceLevel = r.Level(c) };
        if (node["inconclusive"] is { } i) defaults = defaults with { Inconclusive = r.Enum<InconclusivePolicy>(i) };
        if (node["missingBaseline"] is { } m) defaults = defaults with { MissingBaseline = r.Enum<MissingBaselinePolicy>(m) };
        if (node["resamples"] is { } n) defaults = defaults with { Resamples = (int)r.Number(n, 100, 1_000_000, integer: true) };
        if (node["seed"] is { } s) defaults = defaults with { Seed = (int)r.Number(s, int.MinValue, int.MaxValue, integer: true) };
        if (node["strict"] is { } st) defaults = defaults with { Strict = r.Bool(st) };
        return new GateSet
        {
            Defaults = defaults,
            AllowNoGates = node["allowNoGates"] is { } a && r.Bool(a),
            Gates = node["gates"] is { } g ? ReadGates(g, file, errorCode) : [],
        };
    }

    /// <summary>Reads an array of gates (the <c>gates</c> of a pipeline file).</summary>
    public static IReadOnlyList<GateSpec> ReadGates(PositionedJson array, string file, string? errorCode = null)
    {
        var r = new Reader(file, errorCode ?? DiagnosticCodes.GatesFileInvalid);
        r.Expect(array, PositionedJsonKind.Array, "an array of gates");
        return array.Items.Select(r.Gate).ToList();
    }

    sealed class Reader(string file, string code)
    {
        public MlBuildException Error(PositionedJson at, string message) =>
            new(new MlDiagnostic(code, MlSeverity.Error, message, file, at.Line, at.Column));

        public void Expect(PositionedJson node, PositionedJsonKind kind, string what)
        {
            if (node.Kind != kind) throw Error(node, $"Expected {what}.");
        }

        public void Known(PositionedJson node, string[] allowed)
        {
            foreach (var (name, line, column, _) in node.Members)
                if (!allowed.Contains(name))
                    throw new MlBuildException(new MlDiagnostic(code, MlSeverity.Error,
                        $"Unknown property '{name}' here; allowed: {string.Join(", ", allowed)}.", file, line, column));
        }

        public double Number(PositionedJson node, double min = double.MinValue, double max = double.MaxValue, bool integer = false)
        {
            if (node.Kind != PositionedJsonKind.Number || !double.TryParse(node.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v))
                throw Error(node, "Expected a number.");
            if (v < min || v > max || (integer && v != Math.Floor(v)))
                throw Error(node, $"Expected {(integer ? "an integer" : "a number")} from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}.");
            return v;
        }

        public double Level(PositionedJson node) => Number(node, 0.5, 0.999999);

        public string Text(PositionedJson node)
        {
            if (node.Kind != PositionedJsonKind.String || string.IsNullOrWhiteSpace(node.Text)) throw Error(node, "Expected a non-empty string.");
            return node.Text!;
        }

        public bool Bool(PositionedJson node) => node.Kind == PositionedJsonKind.Boolean ? node.Boolean : throw Error(node, "Expected true or false.");

        public IReadOnlyList<string> Texts(PositionedJson node)
        {
            Expect(node, PositionedJsonKind.Array, "an array of strings");
            return node.Items.Select(Text).ToList();
        }

        public T Enum<T>(PositionedJson node) where T : struct, System.Enum
        {
            var text = Text(node).Replace("-", "", StringComparison.Ordinal);
            if (System.Enum.TryParse<T>(text, ignoreCase: true, out var v) && System.Enum.IsDefined(v)) return v;
            throw Error(node, $"Expected one of {string.Join(", ", System.Enum.GetNames<T>().Select(n => n.ToLowerInvariant()))}.");
        }

        public GateSpec Gate(PositionedJson node)
        {
            Expect(node, PositionedJsonKind.Object, "a gate object such as { \"metric\": \"auc\", \"min\": 0.85 }");
            var position = new SourcePosition(file, node.Line, node.Column);
            GateSpec gate;
            if (node["metric"] is { } metric) gate = MetricGate(node, metric);
            else if (node["fairness"] is { } fairness) gate = FairnessGate(node, fairness);
            else if (node["latency"] is { } latency) gate = Latency(node, latency);
            else if (node["artifact"] is { } artifact) gate = Artifact(node, artifact);
            else throw Error(node, "A gate needs \"metric\", \"fairness\", \"artifact\" or \"latency\".");
            return gate with
            {
                Position = position,
                Name = node["name"] is { } n ? Text(n) : null,
                ConfidenceLevel = node["confidence"] is { } c ? Level(c) : null,
                Inconclusive = node["inconclusive"] is { } i ? Enum<InconclusivePolicy>(i) : null,
                Strict = node["strict"] is { } s ? Bool(s) : null,
            };
        }

        GateSpec MetricGate(PositionedJson node, PositionedJson metric)
        {
            Known(node, MetricProps);
            if (node["maxDrop"] is not null && node["maxRelativeDrop"] is not null)
                throw Error(node, "Give \"maxDrop\" or \"maxRelativeDrop\", not both.");
            if (node["minGain"] is not null && node["minRelativeGain"] is not null)
                throw Error(node, "Give \"minGain\" or \"minRelativeGain\", not both.");
            bool relative = node["maxRelativeDrop"] is not null || node["minRelativeGain"] is not null;
            if (relative && (node["maxDrop"] is not null || node["minGain"] is not null))
                throw Error(node, "Absolute and relative baseline bounds cannot be mixed in one gate; write two gates.");
            var spec = new MetricGateSpec
            {
                Metric = Text(metric),
                Min = node["min"] is { } min ? Number(min) : null,
                Max = node["max"] is { } max ? Number(max) : null,
                MaxDrop = (node["maxDrop"] ?? node["maxRelativeDrop"]) is { } d ? Number(d, 0) : null,
                MinGain = (node["minGain"] ?? node["minRelativeGain"]) is { } g ? Number(g, 0) : null,
                DropKind = relative ? DropKind.Relative : DropKind.Absolute,
                Baseline = node["baseline"] is { } b ? Text(b) : null,
                MissingBaseline = node["missingBaseline"] is { } mb ? Enum<MissingBaselinePolicy>(mb) : null,
                SliceColumn = node["slice"] is { } sl ? Text(sl) : null,
                MinSliceSize = node["minSliceSize"] is { } ms ? (int)Number(ms, 1, int.MaxValue, integer: true) : 30,
                RequiredSlices = node["requiredSlices"] is { } ss ? Texts(ss) : null,
            };
            if (spec.Min is null && spec.Max is null && spec.MaxDrop is null && spec.MinGain is null)
                throw Error(node, $"Gate on '{spec.Metric}' has no bound: give min, max, maxDrop, maxRelativeDrop, minGain or minRelativeGain.");
            return spec;
        }

        GateSpec FairnessGate(PositionedJson node, PositionedJson metric)
        {
            Known(node, FairnessProps);
            if (node["by"] is not { } by) throw Error(node, "A fairness gate needs \"by\": the group column.");
            var spec = new FairnessGateSpec
            {
                Metric = Text(metric), GroupColumn = Text(by),
                Min = node["min"] is { } min ? Number(min) : null,
                Max = node["max"] is { } max ? Number(max) : null,
                MinGroupSize = node["minGroupSize"] is { } ms ? (int)Number(ms, 1, int.MaxValue, integer: true) : 30,
                RequiredGroups = node["requiredGroups"] is { } gs ? Texts(gs) : null,
            };
            if (spec.Min is null && spec.Max is null && spec.Metric != "four-fifths")
                throw Error(node, $"Fairness gate '{spec.Metric}' has no bound: give min or max.");
            return spec;
        }

        GateSpec Latency(PositionedJson node, PositionedJson which)
        {
            Known(node, [.. Common, "latency", "maxMs", "warmupRows"]);
            var text = Text(which);
            if (text is not ("p50" or "p95" or "p99")) throw Error(which, "Expected p50, p95 or p99.");
            if (node["maxMs"] is not { } maxMs) throw Error(node, "A latency gate needs \"maxMs\".");
            return new LatencyGateSpec
            {
                Percentile = int.Parse(text[1..], CultureInfo.InvariantCulture), MaxMilliseconds = Number(maxMs, 0),
                WarmupRows = node["warmupRows"] is { } w ? (int)Number(w, 0, int.MaxValue, integer: true) : 100,
            };
        }

        GateSpec Artifact(PositionedJson node, PositionedJson kind)
        {
            switch (Text(kind))
            {
                case "size":
                    Known(node, [.. Common, "artifact", "maxMB"]);
                    return new SizeGateSpec { MaxMegabytes = node["maxMB"] is { } mb ? Number(mb, 0) : throw Error(node, "A size gate needs \"maxMB\".") };
                case "golden":
                    Known(node, [.. Common, "artifact", "file", "tolerance"]);
                    return new GoldenGateSpec
                    {
                        File = node["file"] is { } f ? Text(f) : throw Error(node, "A golden gate needs \"file\"."),
                        Tolerance = node["tolerance"] is { } t ? Number(t, 0) : 1e-6,
                    };
                case "roundtrip" or "round-trip":
                    Known(node, [.. Common, "artifact", "tolerance"]);
                    return new RoundTripGateSpec { Tolerance = node["tolerance"] is { } t2 ? Number(t2, 0) : 1e-9 };
                case "reproducibility":
                    Known(node, [.. Common, "artifact", "require", "tolerance"]);
                    return new ReproducibilityGateSpec
                    {
                        Require = node["require"] is { } q ? Enum<ReproducibilityLevel>(q) : ReproducibilityLevel.WithinTolerance,
                        Tolerance = node["tolerance"] is { } t3 ? Number(t3, 0) : 1e-6,
                    };
                default:
                    throw Error(kind, "Unknown artifact gate; expected size, golden, roundtrip or reproducibility.");
            }
        }
    }
}
