using System.Globalization;
using MlBuild.Core.Diagnostics;
using MlBuild.Core.Json;
using MlBuild.Core.Models.Gates;

namespace MlBuild.Core.Pipeline;

/// <summary>
/// Reads <c>mlbuild.json</c>. Every mistake is an MLB92xx diagnostic at its line and column (see docs/pipeline.md and
/// docs/diagnostics.md), never an exception trace.
/// </summary>
public static class PipelineLoader
{
    /// <summary>The pipeline file's conventional name.</summary>
    public const string DefaultFileName = "mlbuild.json";

    /// <summary>Trainers per task (the first is the default).</summary>
    public static readonly IReadOnlyDictionary<ModelTask, string[]> TrainersByTask = new Dictionary<ModelTask, string[]>
    {
        [ModelTask.Binary] = ["lbfgs", "sdca", "lightgbm", "fasttree"],
        [ModelTask.Multiclass] = ["lbfgs", "lightgbm"],
        [ModelTask.Regression] = ["sdca", "lightgbm", "fasttree"],
    };

    /// <summary>Metric names a gate may name, per task.</summary>
    public static readonly IReadOnlyDictionary<ModelTask, string[]> MetricsByTask = new Dictionary<ModelTask, string[]>
    {
        [ModelTask.Binary] = ["auc", "auprc", "accuracy", "precision", "recall", "f1", "logloss"],
        [ModelTask.Multiclass] = ["microAccuracy", "macroAccuracy", "logloss", "precision", "recall"],
        [ModelTask.Regression] = ["rmse", "mae", "r2"],
    };

    static readonly string[] RootKeys = ["$schema", "description", "datasets", "model", "gates", "gateDefaults", "registry", "drift"];
    static readonly string[] DatasetKeys = ["path", "schema", "reference", "description"];
    static readonly string[] ModelKeys = ["name", "task", "label", "positiveClass", "features", "trainer", "hyperparameters",
        "featurization", "seed", "dataset", "split", "quickTrain", "description"];
    static readonly string[] SplitKeys = ["test", "key", "testDataset"];
    static readonly string[] FeaturizationKeys = ["normalize", "missing", "hashBits", "columns"];
    static readonly string[] GateDefaultKeys = ["confidence", "inconclusive", "missingBaseline", "resamples", "seed", "strict", "allowNoGates"];
    static readonly string[] CommonGateKeys = ["name", "confidence", "inconclusive", "strict"];

    /// <summary>Loads a pipeline file; MLB9208 when it does not exist.</summary>
    public static PipelineFile Load(string path, string? displayPath = null)
    {
        displayPath ??= path;
        if (!File.Exists(path))
            throw new MlBuildException(new MlDiagnostic("MLB9208", MlSeverity.Error,
                $"Pipeline file '{displayPath}' was not found. Create it (see docs/pipeline.md) or pass --pipeline.", displayPath));
        return Parse(File.ReadAllBytes(path), displayPath, Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    /// <summary>Parses pipeline JSON (UTF-8, comments and trailing commas allowed).</summary>
    public static PipelineFile Parse(byte[] utf8, string displayPath, string baseDirectory)
    {
        var root = PositionedJson.Parse(utf8, displayPath, "MLB9201");
        var ctx = new Ctx(displayPath);
        ctx.Expect(root, PositionedJsonKind.Object, "the pipeline file");
        ctx.CheckKeys(root, RootKeys, "the pipeline file");

        var datasets = new List<DatasetDeclaration>();
        if (root["datasets"] is { } dsNode)
        {
            ctx.Expect(dsNode, PositionedJsonKind.Object, "'datasets'");
            foreach (var (name, line, col, value) in dsNode.Members)
            {
                if (datasets.Any(d => d.Name == name))
                    throw ctx.Error("MLB9203", line, col, $"Dataset '{name}' is declared twice.");
                ctx.Expect(value, PositionedJsonKind.Object, $"dataset '{name}'");
                ctx.CheckKeys(value, DatasetKeys, $"dataset '{name}'");
                var pathNode = value["path"] ?? throw ctx.Missing(value, "path", $"dataset '{name}'");
                var files = pathNode.Kind == PositionedJsonKind.Array ? ctx.StringList(pathNode, $"datasets.{name}.path") : [ctx.String(pathNode, $"datasets.{name}.path")];
                if (files.Count == 0) throw ctx.At("MLB9203", pathNode, $"datasets.{name}.path names no file.");
                var schema = ctx.String(value["schema"] ?? throw ctx.Missing(value, "schema", $"dataset '{name}'"), $"datasets.{name}.schema");
                datasets.Add(new DatasetDeclaration(name, files, schema, ctx.Pos(line, col)));
            }
        }

        ModelSpec? model = root["model"] is { } m ? ParseModel(ctx, m, datasets) : null;
        var gates = ParseGates(ctx, root["gates"], root["gateDefaults"], model);

        RegistrySpec? registry = null;
        if (root["registry"] is { } reg)
        {
            ctx.Expect(reg, PositionedJsonKind.Object, "'registry'");
            ctx.CheckKeys(reg, ["store"], "'registry'");
            var store = reg["store"] ?? throw ctx.Missing(reg, "store", "'registry'");
            registry = new RegistrySpec(ctx.String(store, "registry.store"), ctx.Pos(store));
        }

        return new PipelineFile
        {
            DisplayPath = displayPath,
            BaseDirectory = baseDirectory,
            Datasets = datasets,
            Model = model,
            Gates = gates,
            Registry = registry,
            Root = root,
        };
    }

    static ModelSpec ParseModel(Ctx ctx, PositionedJson m, List<DatasetDeclaration> datasets)
    {
        ctx.Expect(m, PositionedJsonKind.Object, "'model'");
        ctx.CheckKeys(m, ModelKeys, "'model'");
        var name = ctx.String(m["name"] ?? throw ctx.Missing(m, "name", "'model'"), "model.name");
        if (name.Length == 0 || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
            throw ctx.At("MLB9203", m["name"]!, $"model.name '{name}' must be letters, digits, '-', '_' or '.'.");
        var taskNode = m["task"] ?? throw ctx.Missing(m, "task", "'model' (binary, multiclass or regression)");
        var task = ctx.String(taskNode, "model.task") switch
        {
            "binary" => ModelTask.Binary,
            "multiclass" => ModelTask.Multiclass,
            "regression" => ModelTask.Regression,
            var t => throw ctx.At("MLB9205", taskNode, $"Unknown task '{t}'; use binary, multiclass or regression."),
        };
        var labelNode = m["label"] ?? throw ctx.Missing(m, "label", "'model'");
        var label = ctx.String(labelNode, "model.label");

        List<(string, SourcePosition)>? features = null;
        var excluded = new List<(string, SourcePosition)>();
        if (m["features"] is { } f)
        {
            if (f.Kind == PositionedJsonKind.Array)
                features = f.Items.Select(i => (ctx.String(i, "model.features[]"), ctx.Pos(i))).ToList();
            else if (f.Kind == PositionedJsonKind.Object)
            {
                ctx.CheckKeys(f, ["allBut"], "model.features");
                var allBut = f["allBut"] ?? throw ctx.Missing(f, "allBut", "model.features");
                ctx.Expect(allBut, PositionedJsonKind.Array, "model.features.allBut");
                excluded = allBut.Items.Select(i => (ctx.String(i, "model.features.allBut[]"), ctx.Pos(i))).ToList();
            }
            else throw ctx.At("MLB9203", f, "model.features must be a list of columns, or {\"allBut\": [columns]}.");
            var all = (features ?? excluded);
            var dup = all.GroupBy(x => x.Item1, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
            if (dup is not null) throw ctx.Error("MLB9203", dup.Last().Item2.Line, dup.Last().Item2.Column, $"Column '{dup.Key}' is listed twice in model.features.");
            if (features is { Count: 0 }) throw ctx.At("MLB9203", f, "model.features lists no column.");
        }

        var trainer = ParseTrainer(ctx, m, task);
        var featurization = m["featurization"] is { } fz ? ParseFeaturization(ctx, fz) : new FeaturizationSpec();
        int seed = m["seed"] is { } s ? ctx.Int(s, "model.seed") : 42;

        var datasetName = "train";
        SourcePosition datasetPos = ctx.Pos(m);
        if (m["dataset"] is { } dn) { datasetName = ctx.String(dn, "model.dataset"); datasetPos = ctx.Pos(dn); }
        if (datasets.Count > 0 && !datasets.Any(d => d.Name == datasetName))
            throw ctx.Error("MLB9206", datasetPos.Line, datasetPos.Column,
                $"The model trains on dataset '{datasetName}', which 'datasets' does not declare (declared: {string.Join(", ", datasets.Select(d => d.Name))}). Set model.dataset.");

        var split = new SplitSpec();
        if (m["split"] is { } sp)
        {
            ctx.Expect(sp, PositionedJsonKind.Object, "model.split");
            ctx.CheckKeys(sp, SplitKeys, "model.split");
            var test = sp["test"];
            var testDataset = sp["testDataset"];
            if (test is not null && testDataset is not null)
                throw ctx.At("MLB9203", testDataset, "model.split takes either 'test' (a share of the training data) or 'testDataset', not both.");
            double share = 0.2;
            if (test is not null)
            {
                share = ctx.Double(test, "model.split.test");
                if (!(share > 0 && share < 1)) throw ctx.At("MLB9203", test, $"model.split.test must be a share between 0 and 1 (exclusive), not {test.Text}.");
            }
            string? testName = null;
            if (testDataset is not null)
            {
                testName = ctx.String(testDataset, "model.split.testDataset");
                if (!datasets.Any(d => d.Name == testName))
                    throw ctx.At("MLB9206", testDataset, $"model.split.testDataset names '{testName}', which 'datasets' does not declare.");
            }
            split = new SplitSpec
            {
                TestShare = share,
                TestDataset = testName,
                KeyColumn = sp["key"] is { } k ? ctx.String(k, "model.split.key") : null,
                KeyPosition = sp["key"] is { } kp ? ctx.Pos(kp) : null,
                Position = ctx.Pos(sp),
            };
        }

        int? quickRows = null;
        if (m["quickTrain"] is { } q)
        {
            ctx.Expect(q, PositionedJsonKind.Object, "model.quickTrain");
            ctx.CheckKeys(q, ["rows"], "model.quickTrain");
            var rows = q["rows"] ?? throw ctx.Missing(q, "rows", "model.quickTrain");
            quickRows = ctx.Int(rows, "model.quickTrain.rows");
            if (quickRows < 10) throw ctx.At("MLB9203", rows, $"model.quickTrain.rows must be at least 10, not {quickRows}.");
        }

        string? positive = m["positiveClass"] is { } pc ? ctx.ScalarText(pc, "model.positiveClass") : null;
        if (positive is not null && task != ModelTask.Binary)
            throw ctx.At("MLB9203", m["positiveClass"]!, "model.positiveClass applies to binary models only.");

        return new ModelSpec
        {
            Name = name,
            Task = task,
            Label = label,
            LabelPosition = ctx.Pos(labelNode),
            PositiveClass = positive,
            Features = features,
            ExcludedFeatures = excluded,
            Trainer = trainer,
            Featurization = featurization,
            Seed = seed,
            Dataset = datasetName,
            DatasetPosition = datasetPos,
            Split = split,
            QuickTrainRows = quickRows,
            Position = ctx.Pos(m),
        };
    }

    static TrainerSpec ParseTrainer(Ctx ctx, PositionedJson m, ModelTask task)
    {
        var allowed = TrainersByTask[task];
        var node = m["trainer"];
        string name = allowed[0];
        SourcePosition pos = ctx.Pos(node ?? m);
        if (node is not null)
        {
            name = ctx.String(node, "model.trainer");
            if (!allowed.Contains(name))
                throw ctx.At("MLB9204", node, $"Unknown trainer '{name}' for a {task.ToString().ToLowerInvariant()} model; use one of {string.Join(", ", allowed)}.");
        }
        var hyper = new List<Hyperparameter>();
        if (m["hyperparameters"] is { } h)
        {
            ctx.Expect(h, PositionedJsonKind.Object, "model.hyperparameters");
            var known = Models.Training.TrainerCatalog.Hyperparameters(name);
            foreach (var (hn, line, col, value) in h.Members)
            {
                if (!known.Contains(hn))
                    throw ctx.Error("MLB9204", line, col,
                        $"Trainer '{name}' has no hyperparameter '{hn}'; it takes {string.Join(", ", known)}.");
                hyper.Add(new Hyperparameter(hn, ctx.Double(value, $"model.hyperparameters.{hn}"), ctx.Pos(line, col)));
            }
        }
        return new TrainerSpec(name, hyper, pos);
    }

    static FeaturizationSpec ParseFeaturization(Ctx ctx, PositionedJson fz)
    {
        ctx.Expect(fz, PositionedJsonKind.Object, "model.featurization");
        ctx.CheckKeys(fz, FeaturizationKeys, "model.featurization");
        var normalize = Normalization.Auto;
        if (fz["normalize"] is { } n)
            normalize = ctx.String(n, "featurization.normalize") switch
            {
                "auto" => Normalization.Auto,
                "none" => Normalization.None,
                "minMax" => Normalization.MinMax,
                "meanVariance" => Normalization.MeanVariance,
                var v => throw ctx.At("MLB9203", n, $"featurization.normalize '{v}' is not one of auto, none, minMax, meanVariance."),
            };
        var missing = MissingValueReplacement.Mean;
        if (fz["missing"] is { } mi)
            missing = ctx.String(mi, "featurization.missing") switch
            {
                "mean" => MissingValueReplacement.Mean,
                "mostFrequent" => MissingValueReplacement.MostFrequent,
                "zero" => MissingValueReplacement.Zero,
                "minimum" => MissingValueReplacement.Minimum,
                "maximum" => MissingValueReplacement.Maximum,
                var v => throw ctx.At("MLB9203", mi, $"featurization.missing '{v}' is not one of mean, mostFrequent, zero, minimum, maximum."),
            };
        int bits = 16;
        if (fz["hashBits"] is { } hb)
        {
            bits = ctx.Int(hb, "featurization.hashBits");
            if (bits is < 1 or > 30) throw ctx.At("MLB9203", hb, "featurization.hashBits must be between 1 and 30.");
        }
        var columns = new Dictionary<string, (FeatureHandling, SourcePosition)>(StringComparer.Ordinal);
        if (fz["columns"] is { } cols)
        {
            ctx.Expect(cols, PositionedJsonKind.Object, "featurization.columns");
            foreach (var (cn, line, col, value) in cols.Members)
            {
                var handling = ctx.String(value, $"featurization.columns.{cn}") switch
                {
                    "auto" => FeatureHandling.Auto,
                    "oneHot" => FeatureHandling.OneHot,
                    "oneHotHash" => FeatureHandling.OneHotHash,
                    "text" => FeatureHandling.Text,
                    "numeric" => FeatureHandling.Numeric,
                    "ignore" => FeatureHandling.Ignore,
                    var v => throw ctx.At("MLB9203", value, $"featurization.columns.{cn} '{v}' is not one of auto, oneHot, oneHotHash, text, numeric, ignore."),
                };
                columns[cn] = (handling, ctx.Pos(line, col));
            }
        }
        return new FeaturizationSpec { Normalize = normalize, Missing = missing, HashBits = bits, Columns = columns };
    }

    static GateSet ParseGates(Ctx ctx, PositionedJson? gatesNode, PositionedJson? defaultsNode, ModelSpec? model)
    {
        var defaults = new GateDefaults();
        bool allowNone = false;
        if (defaultsNode is not null)
        {
            ctx.Expect(defaultsNode, PositionedJsonKind.Object, "'gateDefaults'");
            ctx.CheckKeys(defaultsNode, GateDefaultKeys, "'gateDefaults'");
            if (defaultsNode["confidence"] is { } c) defaults = defaults with { ConfidenceLevel = Confidence(ctx, c) };
            if (defaultsNode["inconclusive"] is { } i) defaults = defaults with { Inconclusive = Inconclusive(ctx, i) };
            if (defaultsNode["missingBaseline"] is { } mb) defaults = defaults with { MissingBaseline = MissingBaseline(ctx, mb) };
            if (defaultsNode["resamples"] is { } r)
            {
                int n = ctx.Int(r, "gateDefaults.resamples");
                if (n < 100) throw ctx.At("MLB9203", r, "gateDefaults.resamples must be at least 100.");
                defaults = defaults with { Resamples = n };
            }
            if (defaultsNode["seed"] is { } s) defaults = defaults with { Seed = ctx.Int(s, "gateDefaults.seed") };
            if (defaultsNode["strict"] is { } st) defaults = defaults with { Strict = ctx.Bool(st, "gateDefaults.strict") };
            if (defaultsNode["allowNoGates"] is { } an) allowNone = ctx.Bool(an, "gateDefaults.allowNoGates");
        }
        var gates = new List<GateSpec>();
        if (gatesNode is not null)
        {
            ctx.Expect(gatesNode, PositionedJsonKind.Array, "'gates'");
            foreach (var g in gatesNode.Items) gates.Add(ParseGate(ctx, g, model));
        }
        return new GateSet { Defaults = defaults, Gates = gates, AllowNoGates = allowNone };
    }

    static GateSpec ParseGate(Ctx ctx, PositionedJson g, ModelSpec? model)
    {
        ctx.Expect(g, PositionedJsonKind.Object, "a gate");
        string[] kinds = ["metric", "fairness", "artifact", "latency"];
        var present = kinds.Where(k => g[k] is not null).ToList();
        if (present.Count != 1)
            throw ctx.At("MLB9207", g, present.Count == 0
                ? "A gate names what it judges: \"metric\", \"fairness\", \"artifact\" or \"latency\"."
                : $"A gate judges one thing; this one names {string.Join(" and ", present.Select(p => $"\"{p}\""))}.");
        var common = new GateCommon(
            g["name"] is { } n ? ctx.String(n, "gate name") : null,
            ctx.Pos(g),
            g["confidence"] is { } c ? Confidence(ctx, c) : null,
            g["inconclusive"] is { } i ? Inconclusive(ctx, i) : null,
            g["strict"] is { } s ? ctx.Bool(s, "gate strict") : null);
        switch (present[0])
        {
            case "metric":
            {
                ctx.CheckKeys(g, [.. CommonGateKeys, "metric", "min", "max", "maxDrop", "maxRelativeDrop", "minGain", "minRelativeGain",
                    "baseline", "missingBaseline", "slice", "minSliceSize", "requiredSlices"], "a metric gate");
                var metricNode = g["metric"]!;
                var metric = ctx.String(metricNode, "gate metric");
                if (model is not null && !MetricsByTask[model.Task].Contains(metric))
                    throw ctx.At("MLB9207", metricNode, $"Unknown metric '{metric}' for a {model.Task.ToString().ToLowerInvariant()} model; use one of {string.Join(", ", MetricsByTask[model.Task])}.");
                if (g["maxDrop"] is not null && g["maxRelativeDrop"] is not null)
                    throw ctx.At("MLB9207", g["maxRelativeDrop"]!, "A gate takes 'maxDrop' or 'maxRelativeDrop', not both.");
                if (g["minGain"] is not null && g["minRelativeGain"] is not null)
                    throw ctx.At("MLB9207", g["minRelativeGain"]!, "A gate takes 'minGain' or 'minRelativeGain', not both.");
                bool relative = g["maxRelativeDrop"] is not null || g["minRelativeGain"] is not null;
                if (relative && (g["maxDrop"] is not null || g["minGain"] is not null))
                    throw ctx.At("MLB9207", g, "A gate measures its baseline bounds one way: absolute (maxDrop, minGain) or relative (maxRelativeDrop, minRelativeGain).");
                double? maxDrop = Opt(ctx, g["maxDrop"] ?? g["maxRelativeDrop"], "maxDrop");
                double? minGain = Opt(ctx, g["minGain"] ?? g["minRelativeGain"], "minGain");
                double? min = Opt(ctx, g["min"], "min"), max = Opt(ctx, g["max"], "max");
                bool againstBaseline = maxDrop is not null || minGain is not null;
                if (againstBaseline && g["baseline"] is null)
                    throw ctx.At("MLB9207", g, "A gate with maxDrop or minGain needs a \"baseline\" (a registry alias such as \"prod\", or a metrics file).");
                if (!againstBaseline && min is null && max is null)
                    throw ctx.At("MLB9207", g, $"The gate on '{metric}' sets no bound; give min, max, maxDrop or minGain.");
                if (min is not null && max is not null && min > max)
                    throw ctx.At("MLB9207", g["min"]!, $"The gate's min {g["min"]!.Text} is above its max {g["max"]!.Text}.");
                int minSlice = 30;
                if (g["minSliceSize"] is { } ms) { minSlice = ctx.Int(ms, "minSliceSize"); if (minSlice < 1) throw ctx.At("MLB9203", ms, "minSliceSize must be at least 1."); }
                return common.Apply(new MetricGateSpec
                {
                    Metric = metric,
                    Min = min,
                    Max = max,
                    MaxDrop = maxDrop,
                    MinGain = minGain,
                    DropKind = relative ? DropKind.Relative : DropKind.Absolute,
                    Baseline = g["baseline"] is { } b ? ctx.String(b, "baseline") : null,
                    MissingBaseline = g["missingBaseline"] is { } mb ? MissingBaseline(ctx, mb) : null,
                    SliceColumn = g["slice"] is { } sl ? ctx.String(sl, "slice") : null,
                    MinSliceSize = minSlice,
                    RequiredSlices = g["requiredSlices"] is { } rs ? ctx.StringList(rs, "requiredSlices") : null,
                });
            }
            case "fairness":
            {
                ctx.CheckKeys(g, [.. CommonGateKeys, "fairness", "by", "min", "max", "minGroupSize", "requiredGroups"], "a fairness gate");
                var metricNode = g["fairness"]!;
                var metric = ctx.String(metricNode, "fairness");
                string[] fairness = ["demographic-parity-ratio", "demographic-parity-difference", "equalized-odds-difference", "four-fifths"];
                if (!fairness.Contains(metric))
                    throw ctx.At("MLB9207", metricNode, $"Unknown fairness metric '{metric}'; use one of {string.Join(", ", fairness)}.");
                if (model is not null && model.Task != ModelTask.Binary)
                    throw ctx.At("MLB9207", metricNode, "Fairness gates apply to binary models.");
                var by = g["by"] ?? throw ctx.Missing(g, "by", "a fairness gate (the group column)");
                double? min = Opt(ctx, g["min"], "min"), max = Opt(ctx, g["max"], "max");
                // The four-fifths preset: demographic parity ratio of at least 0.8.
                if (metric == "four-fifths") { metric = "demographic-parity-ratio"; min ??= 0.8; }
                if (min is null && max is null)
                    throw ctx.At("MLB9207", g, $"The fairness gate '{metric}' sets no bound; give min or max.");
                int minGroup = 30;
                if (g["minGroupSize"] is { } mg) { minGroup = ctx.Int(mg, "minGroupSize"); if (minGroup < 1) throw ctx.At("MLB9203", mg, "minGroupSize must be at least 1."); }
                return common.Apply(new FairnessGateSpec
                {
                    Metric = metric,
                    GroupColumn = ctx.String(by, "by"),
                    Min = min,
                    Max = max,
                    MinGroupSize = minGroup,
                    RequiredGroups = g["requiredGroups"] is { } rg ? ctx.StringList(rg, "requiredGroups") : null,
                });
            }
            case "latency":
            {
                ctx.CheckKeys(g, [.. CommonGateKeys, "latency", "maxMs", "warmupRows"], "a latency gate");
                var p = g["latency"]!;
                int percentile = ctx.String(p, "latency") switch
                {
                    "p50" => 50,
                    "p95" => 95,
                    "p99" => 99,
                    var v => throw ctx.At("MLB9207", p, $"latency '{v}' is not one of p50, p95, p99."),
                };
                var maxMs = g["maxMs"] ?? throw ctx.Missing(g, "maxMs", "a latency gate");
                int warmup = g["warmupRows"] is { } w ? ctx.Int(w, "warmupRows") : 100;
                return common.Apply(new LatencyGateSpec { Percentile = percentile, MaxMilliseconds = Positive(ctx, maxMs, "maxMs"), WarmupRows = warmup });
            }
            default:
            {
                var a = g["artifact"]!;
                var kind = ctx.String(a, "artifact");
                switch (kind)
                {
                    case "size":
                        ctx.CheckKeys(g, [.. CommonGateKeys, "artifact", "maxMB"], "a size gate");
                        var mb = g["maxMB"] ?? throw ctx.Missing(g, "maxMB", "a size gate");
                        return common.Apply(new SizeGateSpec { MaxMegabytes = Positive(ctx, mb, "maxMB") });
                    case "roundTrip":
                        ctx.CheckKeys(g, [.. CommonGateKeys, "artifact", "tolerance"], "a round-trip gate");
                        return common.Apply(new RoundTripGateSpec { Tolerance = g["tolerance"] is { } t ? NonNegative(ctx, t, "tolerance") : 1e-9 });
                    case "golden":
                        ctx.CheckKeys(g, [.. CommonGateKeys, "artifact", "file", "tolerance"], "a golden gate");
                        var file = g["file"] ?? throw ctx.Missing(g, "file", "a golden gate");
                        return common.Apply(new GoldenGateSpec { File = ctx.String(file, "file"), Tolerance = g["tolerance"] is { } gt ? NonNegative(ctx, gt, "tolerance") : 1e-6 });
                    case "reproducibility":
                        ctx.CheckKeys(g, [.. CommonGateKeys, "artifact", "require", "tolerance"], "a reproducibility gate");
                        var level = ReproducibilityLevel.WithinTolerance;
                        if (g["require"] is { } r)
                            level = ctx.String(r, "require") switch
                            {
                                "identical" => ReproducibilityLevel.Identical,
                                "withinTolerance" => ReproducibilityLevel.WithinTolerance,
                                var v => throw ctx.At("MLB9207", r, $"require '{v}' is not one of identical, withinTolerance."),
                            };
                        return common.Apply(new ReproducibilityGateSpec { Require = level, Tolerance = g["tolerance"] is { } rt ? NonNegative(ctx, rt, "tolerance") : 1e-6 });
                    default:
                        throw ctx.At("MLB9207", a, $"Unknown artifact gate '{kind}'; use size, roundTrip, golden or reproducibility.");
                }
            }
        }
    }

    sealed record GateCommon(string? Name, SourcePosition Position, double? Confidence, InconclusivePolicy? Inconclusive, bool? Strict)
    {
        public GateSpec Apply(GateSpec spec) => spec with { Name = Name, Position = Position, ConfidenceLevel = Confidence, Inconclusive = Inconclusive, Strict = Strict };
    }

    static double? Opt(Ctx ctx, PositionedJson? node, string what) => node is null ? null : ctx.Double(node, what);

    static double Positive(Ctx ctx, PositionedJson node, string what)
    {
        var v = ctx.Double(node, what);
        return v > 0 ? v : throw ctx.At("MLB9203", node, $"{what} must be greater than 0, not {node.Text}.");
    }

    static double NonNegative(Ctx ctx, PositionedJson node, string what)
    {
        var v = ctx.Double(node, what);
        return v >= 0 ? v : throw ctx.At("MLB9203", node, $"{what} must not be negative.");
    }

    static double Confidence(Ctx ctx, PositionedJson node)
    {
        var v = ctx.Double(node, "confidence");
        return v is > 0.5 and < 1 ? v : throw ctx.At("MLB9203", node, $"confidence must be between 0.5 and 1 (e.g. 0.95), not {node.Text}.");
    }

    static InconclusivePolicy Inconclusive(Ctx ctx, PositionedJson node) => ctx.String(node, "inconclusive") switch
    {
        "fail" => InconclusivePolicy.Fail,
        "warn" => InconclusivePolicy.Warn,
        "pass" => InconclusivePolicy.Pass,
        var v => throw ctx.At("MLB9203", node, $"inconclusive '{v}' is not one of fail, warn, pass."),
    };

    static MissingBaselinePolicy MissingBaseline(Ctx ctx, PositionedJson node) => ctx.String(node, "missingBaseline") switch
    {
        "fail" => MissingBaselinePolicy.Fail,
        "warn" => MissingBaselinePolicy.Warn,
        "skip" => MissingBaselinePolicy.Skip,
        var v => throw ctx.At("MLB9203", node, $"missingBaseline '{v}' is not one of fail, warn, skip."),
    };

    /// <summary>Typed reads that fail with a positioned diagnostic.</summary>
    sealed class Ctx(string file)
    {
        public SourcePosition Pos(PositionedJson node) => new(file, node.Line, node.Column);
        public SourcePosition Pos(int line, int column) => new(file, line, column);

        public MlBuildException Error(string code, int line, int column, string message) =>
            new(new MlDiagnostic(code, MlSeverity.Error, message, file, line, column));

        public MlBuildException At(string code, PositionedJson node, string message) => Error(code, node.Line, node.Column, message);

        public MlBuildException Missing(PositionedJson parent, string name, string where) =>
            At("MLB9203", parent, $"'{name}' is required in {where}.");

        public void Expect(PositionedJson node, PositionedJsonKind kind, string what)
        {
            if (node.Kind != kind)
                throw At("MLB9203", node, $"{what} must be {Article(kind)}, not {Article(node.Kind)}.");
        }

        static string Article(PositionedJsonKind k) => k switch
        {
            PositionedJsonKind.Object => "an object",
            PositionedJsonKind.Array => "an array",
            PositionedJsonKind.String => "a string",
            PositionedJsonKind.Number => "a number",
            PositionedJsonKind.Boolean => "true or false",
            _ => "null",
        };

        public void CheckKeys(PositionedJson node, IReadOnlyCollection<string> allowed, string where)
        {
            foreach (var (name, line, col, _) in node.Members)
                if (!allowed.Contains(name))
                    throw Error("MLB9202", line, col, $"Unknown property '{name}' in {where}; expected one of {string.Join(", ", allowed)}.");
        }

        public string String(PositionedJson node, string what)
        {
            Expect(node, PositionedJsonKind.String, what);
            return node.Text!;
        }

        /// <summary>A string, number or boolean as text (e.g. a positive class written as 1 or "yes").</summary>
        public string ScalarText(PositionedJson node, string what) => node.Kind switch
        {
            PositionedJsonKind.String or PositionedJsonKind.Number => node.Text!,
            PositionedJsonKind.Boolean => node.Boolean ? "true" : "false",
            _ => throw At("MLB9203", node, $"{what} must be a string, number or boolean."),
        };

        public List<string> StringList(PositionedJson node, string what)
        {
            Expect(node, PositionedJsonKind.Array, what);
            return node.Items.Select(i => String(i, what + "[]")).ToList();
        }

        public bool Bool(PositionedJson node, string what)
        {
            Expect(node, PositionedJsonKind.Boolean, what);
            return node.Boolean;
        }

        public double Double(PositionedJson node, string what)
        {
            Expect(node, PositionedJsonKind.Number, what);
            return double.Parse(node.Text!, NumberStyles.Float, CultureInfo.InvariantCulture);
        }

        public int Int(PositionedJson node, string what)
        {
            Expect(node, PositionedJsonKind.Number, what);
            return int.TryParse(node.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v)
                ? v : throw At("MLB9203", node, $"{what} must be a whole number, not {node.Text}.");
        }
    }
}
