using MlBuild.Core.Json;
using MlBuild.Core.Models.Gates;

namespace MlBuild.Core.Models.External;

/// <summary>The format of a model produced outside MlBuild.</summary>
public enum ExternalModelFormat
{
    /// <summary>Decided from the file: a zip is an ML.NET model, anything else is read as ONNX.</summary>
    Detect,
    /// <summary>An ML.NET model zip (<c>MLContext.Model.Save</c>).</summary>
    MlNet,
    /// <summary>An ONNX model, scored with ONNX Runtime.</summary>
    Onnx,
}

/// <summary>
/// How an ONNX model's tensors meet the data: inputs by name (a column of the same name, or the one the map gives),
/// and which output is the score.
/// </summary>
public sealed record OnnxMapping
{
    /// <summary>
    /// ONNX input name to data columns, where they differ (<c>model.onnx.inputs</c>): one column for a one-value input,
    /// a list for a vector input (its values in that order), with where each is written.
    /// </summary>
    public IReadOnlyDictionary<string, (IReadOnlyList<string> Columns, SourcePosition Position)> Inputs { get; init; } =
        new Dictionary<string, (IReadOnlyList<string>, SourcePosition)>();
    /// <summary>The output holding the score (binary probability or score, regression prediction, multiclass probabilities); null: chosen by name.</summary>
    public string? Output { get; init; }
    /// <summary>For a binary model whose output has two values per row: which one is the positive class's (default 1).</summary>
    public int? OutputIndex { get; init; }
    /// <summary>Binary: a row is predicted positive when its score is above this (default 0.5, for a probability).</summary>
    public double Threshold { get; init; } = 0.5;
    /// <summary>Multiclass: the class names in the order of the output's values.</summary>
    public IReadOnlyList<string>? Classes { get; init; }
    /// <summary>Where the mapping is written (or the model section).</summary>
    public SourcePosition? Position { get; init; }
}

/// <summary>The user's own training command, run on the seeded quick-train sample (see docs/pipeline.md).</summary>
public sealed record TrainingCommandSpec
{
    /// <summary>The program and its arguments, with placeholders such as <c>{trainData}</c> replaced.</summary>
    public required IReadOnlyList<string> Run { get; init; }
    /// <summary>Seconds the command may run before it is stopped.</summary>
    public int TimeoutSeconds { get; init; } = DefaultTimeoutSeconds;
    /// <summary>The default of <see cref="TimeoutSeconds"/>.</summary>
    public const int DefaultTimeoutSeconds = 600;
    /// <summary>The folder it runs in, relative to the pipeline file (null: the pipeline file's folder).</summary>
    public string? WorkingDirectory { get; init; }
    /// <summary>The training code's files (paths or globs relative to the pipeline file, e.g. <c>../Trainer/**/*.cs</c>):
    /// inputs of <c>dotnet test</c>'s up-to-date check, so a change to the training code trains again.</summary>
    public IReadOnlyList<string> Inputs { get; init; } = [];
    /// <summary>Where the command is declared.</summary>
    public required SourcePosition Position { get; init; }
}

/// <summary>A model section that names a model made elsewhere instead of a trainer MlBuild runs.</summary>
public sealed record ExternalModelSpec
{
    /// <summary>The model file, relative to the pipeline file; for a command, where it writes the model (null: a scratch folder).</summary>
    public string? Path { get; init; }
    /// <summary>Where the path is written.</summary>
    public SourcePosition? PathPosition { get; init; }
    /// <summary>The format (ONNX when <c>model.onnx</c> is given).</summary>
    public ExternalModelFormat Format { get; init; }
    /// <summary>The ONNX mapping (defaults when <c>model.onnx</c> gives none).</summary>
    public OnnxMapping Onnx { get; init; } = new();
    /// <summary>The training command, or null for a model file made beforehand.</summary>
    public TrainingCommandSpec? Command { get; init; }
    /// <summary>Where the model section starts.</summary>
    public required SourcePosition Position { get; init; }

    /// <summary>What <see cref="Pipeline.TrainerSpec.Name"/> reads for such a model (in the evidence and the train summary).</summary>
    public string TrainerName => Command is not null ? "command" : Format switch
    {
        ExternalModelFormat.Onnx => "onnx",
        ExternalModelFormat.MlNet => "mlnet-zip",
        _ => "model-file",
    };
}
