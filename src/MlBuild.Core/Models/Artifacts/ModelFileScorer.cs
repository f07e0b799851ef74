using Microsoft.ML;
using Microsoft.ML.Data;
using MlBuild.Core.Diagnostics;
using MlBuild.Core.Models.Evaluation;
using MlBuild.Core.Models.External;
using MlBuild.Core.Models.Gates;
using MlBuild.Core.Models.Training;

namespace MlBuild.Core.Models.Artifacts;

/// <summary>
/// A model file given to score the rows of a trained pipeline with (<c>dotnet ml golden record --model</c>): an ML.NET
/// model zip, or an ONNX model scored through the same ONNX Runtime scorer as <c>dotnet test</c>'s and
/// <c>dotnet publish</c>'s (so a golden file recorded from it is what the golden gate compares with).
/// </summary>
public static class ModelFileScorer
{
    /// <summary>
    /// Loads <paramref name="path"/> (named <paramref name="display"/> in diagnostics) to score the rows of
    /// <paramref name="trained"/>. A <c>.onnx</c> file, or a file that is not a zip, is ONNX: its inputs are the test
    /// rows' columns by name (or the pipeline's <c>model.onnx</c> mapping); a multiclass model must give one value per
    /// class of the pipeline's model, recorded in its output's order (named after <c>model.onnx.classes</c>, or else the
    /// pipeline model's classes, which a golden file does not record). Anything else is an ML.NET zip. A missing file is MLB3306, a zip
    /// ML.NET cannot load MLB3411, a file ONNX Runtime cannot load MLB3412, inputs the rows cannot feed MLB3413, no
    /// usable output MLB3414. An ONNX scorer holds a native session: dispose the result when it is an
    /// <see cref="IDisposable"/>.
    /// </summary>
    public static ITransformer Load(string path, string display, TrainedModel trained)
    {
        var at = new SourcePosition(display);
        if (!File.Exists(path))
            throw new MlBuildException(new MlDiagnostic(DiagnosticCodes.ModelFileInvalid, MlSeverity.Error, $"Model file '{display}' does not exist.", display));
        var bytes = File.ReadAllBytes(path);
        bool onnxByName = path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase);
        if (!onnxByName && ExternalModel.IsZip(bytes)) return LoadZip(bytes, display, at);

        var label = trained.Spec.Label;
        // The label too, as for the pipeline's own ONNX model: ML.NET's exporter keeps it as an input the model ignores.
        var columns = trained.TestView.Schema.Where(c => !c.IsHidden)
            .ToDictionary(c => c.Name, c => c.Type is TextDataViewType, StringComparer.Ordinal);
        var mapping = trained.Spec.External?.Onnx ?? new OnnxMapping();
        if (trained.Spec.Task == ModelTask.Multiclass && mapping.Classes is null)
            mapping = mapping with { Classes = ClassesOf(trained) };
        try
        {
            return OnnxScorer.Load(bytes, columns, trained.Spec.Task, label, mapping, at, display);
        }
        catch (MlBuildException ex) when (!onnxByName && ex.Diagnostic.Code == DiagnosticCodes.ExternalOnnxInvalid)
        {
            throw new MlBuildException(ex.Diagnostic with { Message = $"'{display}' is neither an ML.NET model zip nor an ONNX model: {ex.Diagnostic.Message}" });
        }
    }

    static ITransformer LoadZip(byte[] bytes, string display, SourcePosition at)
    {
        try
        {
            return new MLContext(seed: 0).Model.Load(new MemoryStream(bytes, writable: false), out _);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw new MlBuildException(new MlDiagnostic(DiagnosticCodes.ExternalModelZipInvalid, MlSeverity.Error,
                $"'{display}' is not an ML.NET model zip ML.NET can load ({ex.Message.Split('\n')[0].Trim()}); an ONNX file needs the .onnx extension.", at.File));
        }
    }

    /// <summary>The pipeline model's class names (its label key's values): the ONNX scorer needs names and their count.</summary>
    static IReadOnlyList<string>? ClassesOf(TrainedModel trained)
    {
        var output = trained.Model.GetOutputSchema(trained.TestView.Schema);
        if (output.GetColumnOrNull(trained.LabelColumn) is not { Type: KeyDataViewType } key || !key.HasKeyValues()) return null;
        var names = default(VBuffer<ReadOnlyMemory<char>>);
        key.GetKeyValues(ref names);
        return names.DenseValues().Select(n => n.ToString()).ToList();
    }
}
