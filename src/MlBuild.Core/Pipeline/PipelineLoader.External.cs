using MlBuild.Core.Diagnostics;
using MlBuild.Core.Json;
using MlBuild.Core.Models.Evaluation;
using MlBuild.Core.Models.External;
using MlBuild.Core.Models.Gates;

namespace MlBuild.Core.Pipeline;

// The model section's "bring your own model" keys: path (a model file), onnx (an ONNX model and how it meets the
// data), command (the user's training command). See docs/pipeline.md, "Bring your own model".
public static partial class PipelineLoader
{
    // A property, not a field: ModelKeys (in the other part of this class) reads it during static initialisation.
    static string[] ExternalModelKeys => ["path", "onnx", "command"];

    static readonly string[] OnnxKeys = ["path", "inputs", "output", "outputIndex", "threshold", "classes"];
    static readonly string[] CommandKeys = ["run", "timeoutSeconds", "workingDirectory", "inputs"];
    static readonly string[] TrainerOnlyKeys = ["trainer", "hyperparameters", "featurization"];

    /// <summary>The external model the section names, or null when MlBuild trains it (MLB9210 for settings that contradict each other).</summary>
    static ExternalModelSpec? ParseExternal(Ctx ctx, PositionedJson m, ModelTask task)
    {
        var pathNode = m["path"];
        var onnxNode = m["onnx"];
        var commandNode = m["command"];
        if (pathNode is null && onnxNode is null && commandNode is null) return null;
        var first = pathNode ?? onnxNode ?? commandNode!;
        foreach (var key in TrainerOnlyKeys)
            if (m[key] is { } trainerOnly)
                throw ctx.At(DiagnosticCodes.ExternalModelConflict, trainerOnly,
                    $"model.{key} configures a trainer MlBuild runs, but the model section names a model made elsewhere (model.{(pathNode is not null ? "path" : onnxNode is not null ? "onnx" : "command")}); remove one of them.");

        string? path = pathNode is null ? null : ctx.String(pathNode, "model.path");
        SourcePosition? pathPos = pathNode is null ? null : ctx.Pos(pathNode);
        var format = ExternalModelFormat.Detect;
        var mapping = new OnnxMapping();
        if (onnxNode is not null)
        {
            format = ExternalModelFormat.Onnx;
            if (onnxNode.Kind == PositionedJsonKind.String)
            {
                if (path is not null)
                    throw ctx.At(DiagnosticCodes.ExternalModelConflict, onnxNode, "model.onnx names a file and model.path names another; name the ONNX file once (model.onnx, or model.path with an \"onnx\" object for the mapping).");
                path = onnxNode.Text!;
                pathPos = ctx.Pos(onnxNode);
                mapping = new OnnxMapping { Position = ctx.Pos(onnxNode) };
            }
            else
            {
                ctx.Expect(onnxNode, PositionedJsonKind.Object, "model.onnx");
                ctx.CheckKeys(onnxNode, OnnxKeys, "model.onnx");
                if (onnxNode["path"] is { } op)
                {
                    if (path is not null)
                        throw ctx.At(DiagnosticCodes.ExternalModelConflict, op, "model.onnx.path and model.path both name the model file; keep one.");
                    path = ctx.String(op, "model.onnx.path");
                    pathPos = ctx.Pos(op);
                }
                mapping = ParseOnnxMapping(ctx, onnxNode, task);
            }
        }
        else if (path is not null)
            format = path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase) ? ExternalModelFormat.Onnx
                : path.EndsWith(".zip", StringComparison.OrdinalIgnoreCase) ? ExternalModelFormat.MlNet : ExternalModelFormat.Detect;

        TrainingCommandSpec? command = null;
        if (commandNode is not null)
        {
            PositionedJson run = commandNode;
            int timeout = TrainingCommandSpec.DefaultTimeoutSeconds;
            string? workingDirectory = null;
            IReadOnlyList<string> inputs = [];
            if (commandNode.Kind == PositionedJsonKind.Object)
            {
                ctx.CheckKeys(commandNode, CommandKeys, "model.command");
                run = commandNode["run"] ?? throw ctx.Missing(commandNode, "run", "model.command (the program and its arguments)");
                if (commandNode["timeoutSeconds"] is { } t)
                {
                    timeout = ctx.Int(t, "model.command.timeoutSeconds");
                    if (timeout < 1) throw ctx.At(DiagnosticCodes.PipelineInvalidValue, t, $"model.command.timeoutSeconds must be at least 1, not {timeout}.");
                }
                if (commandNode["workingDirectory"] is { } wd) workingDirectory = ctx.String(wd, "model.command.workingDirectory");
                if (commandNode["inputs"] is { } ins) inputs = ctx.StringList(ins, "model.command.inputs");
            }
            else if (commandNode.Kind != PositionedJsonKind.Array)
                throw ctx.At(DiagnosticCodes.PipelineInvalidValue, commandNode,
                    "model.command must be a list (the program and its arguments, e.g. [\"dotnet\", \"run\", \"--project\", \"../Trainer\"]) or {\"run\": [...], \"timeoutSeconds\": 600}.");
            var args = ctx.StringList(run, "model.command.run");
            if (args.Count == 0 || args[0].Length == 0)
                throw ctx.At(DiagnosticCodes.PipelineInvalidValue, run, "model.command names no program; its first item is the program to run.");
            command = new TrainingCommandSpec { Run = args, TimeoutSeconds = timeout, WorkingDirectory = workingDirectory, Inputs = inputs, Position = ctx.Pos(commandNode) };
        }
        else if (path is null)
            throw ctx.At(DiagnosticCodes.ExternalModelConflict, onnxNode!, "model.onnx gives the mapping of an ONNX model but no file; set its \"path\" (or model.path).");

        return new ExternalModelSpec
        {
            Path = path,
            PathPosition = pathPos,
            Format = format,
            Onnx = mapping.Position is null ? mapping with { Position = ctx.Pos(first) } : mapping,
            Command = command,
            Position = ctx.Pos(first),
        };
    }

    static OnnxMapping ParseOnnxMapping(Ctx ctx, PositionedJson node, ModelTask task)
    {
        var inputs = new Dictionary<string, (IReadOnlyList<string>, SourcePosition)>(StringComparer.Ordinal);
        if (node["inputs"] is { } i)
        {
            ctx.Expect(i, PositionedJsonKind.Object, "model.onnx.inputs");
            foreach (var (name, line, col, value) in i.Members)
            {
                IReadOnlyList<string> columns = value.Kind == PositionedJsonKind.Array
                    ? ctx.StringList(value, $"model.onnx.inputs.{name}") : [ctx.String(value, $"model.onnx.inputs.{name}")];
                if (columns.Count == 0) throw ctx.At(DiagnosticCodes.PipelineInvalidValue, value, $"model.onnx.inputs.{name} names no column.");
                inputs[name] = (columns, ctx.Pos(line, col));
            }
        }
        int? index = null;
        if (node["outputIndex"] is { } oi)
        {
            index = ctx.Int(oi, "model.onnx.outputIndex");
            if (task != ModelTask.Binary) throw ctx.At(DiagnosticCodes.PipelineInvalidValue, oi, "model.onnx.outputIndex applies to binary models (which value of a two-value output is the positive class's).");
            if (index < 0) throw ctx.At(DiagnosticCodes.PipelineInvalidValue, oi, $"model.onnx.outputIndex must be 0 or more, not {index}.");
        }
        double threshold = 0.5;
        if (node["threshold"] is { } th)
        {
            if (task != ModelTask.Binary) throw ctx.At(DiagnosticCodes.PipelineInvalidValue, th, "model.onnx.threshold applies to binary models.");
            threshold = ctx.Double(th, "model.onnx.threshold");
        }
        List<string>? classes = null;
        if (node["classes"] is { } cl)
        {
            if (task != ModelTask.Multiclass) throw ctx.At(DiagnosticCodes.PipelineInvalidValue, cl, "model.onnx.classes applies to multiclass models.");
            classes = ctx.StringList(cl, "model.onnx.classes");
            if (classes.Count < 2 || classes.Distinct(StringComparer.Ordinal).Count() != classes.Count)
                throw ctx.At(DiagnosticCodes.PipelineInvalidValue, cl, "model.onnx.classes must list at least two distinct class names, in the order of the output's values.");
        }
        return new OnnxMapping
        {
            Inputs = inputs,
            Output = node["output"] is { } o ? ctx.String(o, "model.onnx.output") : null,
            OutputIndex = index,
            Threshold = threshold,
            Classes = classes,
            Position = ctx.Pos(node),
        };
    }
}
