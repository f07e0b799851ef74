using System.Globalization;
using MlBuild.Core.Diagnostics;
using MlBuild.Core.Json;
using MlBuild.Core.Models.Evaluation;
using MlBuild.Core.Models.Gates;

namespace MlBuild.Core.Pipeline;

/// <summary>
/// Reads <c>mlbuild.json</c>. Every mistake is an MLB92xx diagnostic at its line and column (see docs/pipeline.md and
/// docs/diagnostics.md), never an exception trace.
/// </summary>
public static partial class PipelineLoader
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

    static readonly string[] RootKeys = ["$schema", "description", "datasets", "model", "gates", "gateDefaults", "registry", "drift", "relations"];
    static readonly string[] DatasetKeys = ["path", "schema", "reference", "drift", "description"];
    static readonly string[] ModelKeys = ["name", "task", "label", "positiveClass", "features", "trainer", "hyperparameters",
        "featurization", "seed", "dataset", "split", "quickTrain", "description", .. ExternalModelKeys];
    static readonly string[] SplitKeys = ["test", "key", "testDataset"];
    static readonly string[] FeaturizationKeys = ["normalize", "missing", "hashBits", "columns"];

    /// <summary>Loads a pipeline file; MLB9208 when it does not exist.</summary>
    public static PipelineFile Load(string path, string? displayPath = null)
    {
        displayPath ??= path;
        if (!File.Exists(path))
            throw new MlBuildException(new MlDiagnostic(DiagnosticCodes.PipelineNotFound, MlSeverity.Error,
                $"Pipeline file '{displayPath}' was not found. Create it (see docs/pipeline.md) or pass --pipeline.", displayPath));
        return Parse(File.ReadAllBytes(path), displayPath, Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    /// <summary>Parses pipeline JSON (UTF-8, comments and trailing commas allowed).</summary>
    public static PipelineFile Parse(byte[] utf8, string displayPath, string baseDirectory)
    {
        var root = PositionedJson.Parse(utf8, displayPath, DiagnosticCodes.PipelineJson);
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
                    throw ctx.Error(DiagnosticCodes.PipelineInvalidValue, line, col, $"Dataset '{name}' is declared twice.");
                ctx.Expect(value, PositionedJsonKind.Object, $"dataset '{name}'");
                ctx.CheckKeys(value, DatasetKeys, $"dataset '{name}'");
                var pathNode = value["path"] ?? throw ctx.Missing(value, "path", $"dataset '{name}'");
                var files = pathNode.Kind == PositionedJsonKind.Array ? ctx.StringList(pathNode, $"datasets.{name}.path") : [ctx.String(pathNode, $"datasets.{name}.path")];
                if (files.Count == 0) throw ctx.At(DiagnosticCodes.PipelineInvalidValue, pathNode, $"datasets.{name}.path names no file.");
                var schema = ctx.String(value["schema"] ?? throw ctx.Missing(value, "schema", $"dataset '{name}'"), $"datasets.{name}.schema");
                var reference = value["reference"] is { } refNode ? ctx.String(refNode, $"datasets.{name}.reference") : null;
                datasets.Add(new DatasetDeclaration(name, files, schema, ctx.Pos(line, col)) { Reference = reference });
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
            throw ctx.At(DiagnosticCodes.PipelineInvalidValue, m["name"]!, $"model.name '{name}' must be letters, digits, '-', '_' or '.'.");
        var taskNode = m["task"] ?? throw ctx.Missing(m, "task", "'model' (binary, multiclass or regression)");
        var task = ctx.String(taskNode, "model.task") switch
        {
            "binary" => ModelTask.Binary,
            "multiclass" => ModelTask.Multiclass,
            "regression" => ModelTask.Regression,
            var t => throw ctx.At(DiagnosticCodes.PipelineUnknownTask, taskNode, $"Unknown task '{t}'; use binary, multiclass or regression."),
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
            else throw ctx.At(DiagnosticCodes.PipelineInvalidValue, f, "model.features must be a list of columns, or {\"allBut\": [columns]}.");
            var all = (features ?? excluded);
            var dup = all.GroupBy(x => x.Item1, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
            if (dup is not null) throw ctx.Error(DiagnosticCodes.PipelineInvalidValue, dup.Last().Item2.Line, dup.Last().Item2.Column, $"Column '{dup.Key}' is listed twice in model.features.");
            if (features is { Count: 0 }) throw ctx.At(DiagnosticCodes.PipelineInvalidValue, f, "model.features lists no column.");
        }

        var external = ParseExternal(ctx, m, task);
        var trainer = external is null ? ParseTrainer(ctx, m, task) : new TrainerSpec(external.TrainerName, [], external.Position);
        var featurization = m["featurization"] is { } fz ? ParseFeaturization(ctx, fz) : new FeaturizationSpec();
        int seed = m["seed"] is { } s ? ctx.Int(s, "model.seed") : 42;

        var datasetName = "train";
        SourcePosition datasetPos = ctx.Pos(m);
        if (m["dataset"] is { } dn) { datasetName = ctx.String(dn, "model.dataset"); datasetPos = ctx.Pos(dn); }
        if (datasets.Count > 0 && !datasets.Any(d => d.Name == datasetName))
            throw ctx.Error(DiagnosticCodes.PipelineUnknownDataset, datasetPos.Line, datasetPos.Column,
                $"The model trains on dataset '{datasetName}', which 'datasets' does not declare (declared: {string.Join(", ", datasets.Select(d => d.Name))}). Set model.dataset.");

        var split = new SplitSpec();
        if (m["split"] is { } sp)
        {
            ctx.Expect(sp, PositionedJsonKind.Object, "model.split");
            ctx.CheckKeys(sp, SplitKeys, "model.split");
            var test = sp["test"];
            var testDataset = sp["testDataset"];
            if (test is not null && testDataset is not null)
                throw ctx.At(DiagnosticCodes.PipelineInvalidValue, testDataset, "model.split takes either 'test' (a share of the training data) or 'testDataset', not both.");
            double share = 0.2;
            if (test is not null)
            {
                share = ctx.Double(test, "model.split.test");
                if (!(share > 0 && share < 1)) throw ctx.At(DiagnosticCodes.PipelineInvalidValue, test, $"model.split.test must be a share between 0 and 1 (exclusive), not {test.Text}.");
            }
            string? testName = null;
            if (testDataset is not null)
            {
                testName = ctx.String(testDataset, "model.split.testDataset");
                if (!datasets.Any(d => d.Name == testName))
                    throw ctx.At(DiagnosticCodes.PipelineUnknownDataset, testDataset, $"model.split.testDataset names '{testName}', which 'datasets' does not declare.");
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
            if (quickRows < 10) throw ctx.At(DiagnosticCodes.PipelineInvalidValue, rows, $"model.quickTrain.rows must be at least 10, not {quickRows}.");
        }

        string? positive = m["positiveClass"] is { } pc ? ctx.ScalarText(pc, "model.positiveClass") : null;
        if (positive is not null && task != ModelTask.Binary)
            throw ctx.At(DiagnosticCodes.PipelineInvalidValue, m["positiveClass"]!, "model.positiveClass applies to binary models only.");

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
            External = external,
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
                throw ctx.At(DiagnosticCodes.PipelineUnknownTrainer, node, $"Unknown trainer '{name}' for a {task.ToString().ToLowerInvariant()} model; use one of {string.Join(", ", allowed)}.");
        }
        var hyper = new List<Hyperparameter>();
        if (m["hyperparameters"] is { } h)
        {
            ctx.Expect(h, PositionedJsonKind.Object, "model.hyperparameters");
            var known = Models.Training.TrainerCatalog.Hyperparameters(name);
            foreach (var (hn, line, col, value) in h.Members)
            {
                if (!known.Contains(hn))
                    throw ctx.Error(DiagnosticCodes.PipelineUnknownTrainer, line, col,
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
            normalize = ctx.OneOf(n, "featurization.normalize",
                ("auto", Normalization.Auto), ("none", Normalization.None), ("minMax", Normalization.MinMax), ("meanVariance", Normalization.MeanVariance));
        var missing = MissingValueReplacement.Mean;
        if (fz["missing"] is { } mi)
            missing = ctx.OneOf(mi, "featurization.missing",
                ("mean", MissingValueReplacement.Mean), ("mostFrequent", MissingValueReplacement.MostFrequent), ("zero", MissingValueReplacement.Zero),
                ("minimum", MissingValueReplacement.Minimum), ("maximum", MissingValueReplacement.Maximum));
        int bits = 16;
        if (fz["hashBits"] is { } hb)
        {
            bits = ctx.Int(hb, "featurization.hashBits");
            if (bits is < 1 or > 30) throw ctx.At(DiagnosticCodes.PipelineInvalidValue, hb, "featurization.hashBits must be between 1 and 30.");
        }
        var columns = new Dictionary<string, (FeatureHandling, SourcePosition)>(StringComparer.Ordinal);
        if (fz["columns"] is { } cols)
        {
            ctx.Expect(cols, PositionedJsonKind.Object, "featurization.columns");
            foreach (var (cn, line, col, value) in cols.Members)
            {
                var handling = ctx.OneOf(value, $"featurization.columns.{cn}",
                    ("auto", FeatureHandling.Auto), ("oneHot", FeatureHandling.OneHot), ("oneHotHash", FeatureHandling.OneHotHash),
                    ("text", FeatureHandling.Text), ("numeric", FeatureHandling.Numeric), ("ignore", FeatureHandling.Ignore));
                columns[cn] = (handling, ctx.Pos(line, col));
            }
        }
        return new FeaturizationSpec { Normalize = normalize, Missing = missing, HashBits = bits, Columns = columns };
    }

    /// <summary>
    /// The gates, read by the gate reader that gates files share (Models/Gates/GateSpecReader), so the two cannot
    /// drift apart; the pipeline file adds what only it knows: the metrics and fairness gates its task allows.
    /// </summary>
    static GateSet ParseGates(Ctx ctx, PositionedJson? gatesNode, PositionedJson? defaultsNode, ModelSpec? model)
    {
        if (defaultsNode?["gates"] is { } misplaced)
            throw ctx.At(DiagnosticCodes.PipelineUnknownProperty, misplaced, "The gates go in the top-level \"gates\" array, not in \"gateDefaults\".");
        var set = defaultsNode is null ? new GateSet() : GateSpecReader.ReadSet(defaultsNode, ctx.File, GateErrorCode);
        if (gatesNode is null) return set;
        var gates = GateSpecReader.ReadGates(gatesNode, ctx.File, GateErrorCode);
        if (model is not null)
            foreach (var gate in gates)
            {
                var at = gate.Position!;
                if (gate is MetricGateSpec m && MetricCatalog.Find(m.Metric, model.Task) is null)
                    throw ctx.Error(GateErrorCode, at.Line, at.Column,
                        $"Unknown metric '{m.Metric}' for a {model.Task.ToString().ToLowerInvariant()} model; use one of {string.Join(", ", MetricCatalog.All.Where(d => d.Task == model.Task).Select(d => d.Name))}.");
                if (gate is FairnessGateSpec && model.Task != ModelTask.Binary)
                    throw ctx.Error(GateErrorCode, at.Line, at.Column, "Fairness gates apply to binary models.");
            }
        return set with { Gates = gates };
    }

    static readonly string GateErrorCode = DiagnosticCodes.PipelineInvalidGate;

    /// <summary>Typed reads that fail with a positioned diagnostic.</summary>
    sealed class Ctx(string file)
    {
        public string File => file;
        public SourcePosition Pos(PositionedJson node) => new(file, node.Line, node.Column);
        public SourcePosition Pos(int line, int column) => new(file, line, column);

        public MlBuildException Error(string code, int line, int column, string message) =>
            new(new MlDiagnostic(code, MlSeverity.Error, message, file, line, column));

        public MlBuildException At(string code, PositionedJson node, string message) => Error(code, node.Line, node.Column, message);

        /// <summary>A string that must be one of <paramref name="choices"/>; anything else is MLB92xx at the value, listing them.</summary>
        public T OneOf<T>(PositionedJson node, string where, params (string Word, T Value)[] choices)
        {
            var word = String(node, where);
            foreach (var (w, value) in choices)
                if (w == word) return value;
            throw At(DiagnosticCodes.PipelineInvalidValue, node, $"{where} '{word}' is not one of {string.Join(", ", choices.Select(c => c.Word))}.");
        }

        public MlBuildException Missing(PositionedJson parent, string name, string where) =>
            At(DiagnosticCodes.PipelineInvalidValue, parent, $"'{name}' is required in {where}.");

        public void Expect(PositionedJson node, PositionedJsonKind kind, string what)
        {
            if (node.Kind != kind)
                throw At(DiagnosticCodes.PipelineInvalidValue, node, $"{what} must be {Article(kind)}, not {Article(node.Kind)}.");
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
                    throw Error(DiagnosticCodes.PipelineUnknownProperty, line, col, $"Unknown property '{name}' in {where}; expected one of {string.Join(", ", allowed)}.");
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
            _ => throw At(DiagnosticCodes.PipelineInvalidValue, node, $"{what} must be a string, number or boolean."),
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
                ? v : throw At(DiagnosticCodes.PipelineInvalidValue, node, $"{what} must be a whole number, not {node.Text}.");
        }
    }
}
