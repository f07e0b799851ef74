using System.Globalization;
using System.Text.Json;
using Microsoft.ML.Data;
using MlBuild.Core.Models.Evaluation;
using MlBuild.Core.Pipeline;
using MlBuild.Core.Registry;
using MlBuild.Core.Reports;

namespace MlBuild.Core.Models.Training;

/// <summary>
/// The evidence folder written beside a trained model: <c>training.json</c> (how it was made), <c>metrics.json</c> in
/// the form <c>dotnet ml register --evidence</c> reads (parameters, seed, datasets, ML.NET version; metrics once
/// evaluated) and <c>schema.json</c> (inputs and outputs). Deterministic: no timestamps, fixed order, invariant numbers.
/// </summary>
public static class TrainingEvidence
{
    /// <summary>The format version of <c>training.json</c>.</summary>
    public const int FormatVersion = 1;

    /// <summary>The gate results in the evidence folder, which <c>dotnet ml register</c> records and the pull-request
    /// summary reads.</summary>
    public const string GatesFileName = "gates.json";

    /// <summary>Writes the gate results into the evidence folder as <see cref="GatesFileName"/>: the JSON of
    /// <c>dotnet ml gate --json</c> over the folder's <c>predictions.csv</c> (<c>dotnet ml train --gate</c> and the
    /// model test of <c>dotnet test</c> both keep them so).</summary>
    public static void WriteGates(string folder, string folderDisplay, TrainedModel trained, TestPredictions predictions,
        IReadOnlyList<MetricEstimate> metrics, Gates.GateRun run)
    {
        var request = new EvaluationRequest
        {
            PredictionsPath = Path.Combine(folder, "predictions.csv"),
            PredictionsDisplay = folderDisplay.Replace('\\', '/').TrimEnd('/') + "/predictions.csv",
            Task = trained.Spec.Task, Label = trained.Spec.Label,
        };
        AtomicFile.WriteAllText(Path.Combine(folder, GatesFileName),
            EvaluationRunner.Json(new EvaluationOutcome(predictions.Set.Count, metrics, run), request));
    }

    /// <summary>Writes the evidence files into <paramref name="folder"/> (created if needed).</summary>
    /// <param name="folder">The evidence folder.</param>
    /// <param name="trained">The trained model.</param>
    /// <param name="modelPath">The model file as the user named it.</param>
    /// <param name="quick">Whether it was a quick train.</param>
    /// <param name="metrics">The test split's metrics with their intervals, or null when not evaluated.</param>
    /// <param name="predictions">The test predictions, written as <c>predictions.csv</c> for <c>dotnet ml evaluate</c>/<c>gate</c>, or null.</param>
    public static void Write(string folder, TrainedModel trained, string modelPath, bool quick,
        IReadOnlyList<MetricEstimate>? metrics = null, TestPredictions? predictions = null)
    {
        Directory.CreateDirectory(folder);
        AtomicFile.WriteAllBytes(Path.Combine(folder, "training.json"), Json(w => WriteTraining(w, trained, modelPath, quick)));
        AtomicFile.WriteAllBytes(Path.Combine(folder, "metrics.json"), Json(w =>
        {
            w.WriteStartObject();
            w.WritePropertyName("parameters");
            WriteParameters(w, trained);
            w.WriteNumber("seed", trained.Spec.Seed);
            w.WriteStartArray("datasets");
            foreach (var d in trained.Datasets)
                foreach (var f in d.Files)
                {
                    w.WriteStartObject();
                    w.WriteString("name", d.Name);
                    w.WriteString("path", f.Path);
                    w.WriteEndObject();
                }
            w.WriteEndArray();
            w.WriteString("mlnetVersion", LineageProbe.LoadedMlNetVersion() ?? "unknown");
            if (metrics is not null)
            {
                w.WriteNumber("testRows", trained.TestView.Rows.Count);
                w.WriteStartObject("metrics");
                foreach (var m in metrics)
                {
                    w.WriteStartObject(m.Metric);
                    Number(w, "value", m.Value);
                    Number(w, "low", m.Low);
                    Number(w, "high", m.High);
                    w.WriteNumber("confidence", m.ConfidenceLevel);
                    w.WriteString("interval", m.Method.ToString().ToLowerInvariant());
                    if (m.Resamples is { } r) w.WriteNumber("resamples", r);
                    if (m.Seed is { } s) w.WriteNumber("seed", s);
                    w.WriteEndObject();
                }
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }));
        AtomicFile.WriteAllBytes(Path.Combine(folder, "schema.json"), Json(w => WriteSchema(w, trained)));
        if (predictions is not null) AtomicFile.WriteAllBytes(Path.Combine(folder, "predictions.csv"), predictions.Csv());
    }

    static void Number(Utf8JsonWriter w, string name, double value)
    {
        if (double.IsFinite(value)) w.WriteNumber(name, value);
        else w.WriteNull(name);
    }

    static void WriteTraining(Utf8JsonWriter w, TrainedModel t, string modelPath, bool quick)
    {
        var s = t.Spec;
        w.WriteStartObject();
        w.WriteNumber("formatVersion", FormatVersion);
        w.WriteString("model", s.Name);
        w.WriteString("modelFile", modelPath.Replace('\\', '/'));
        w.WriteString("canonicalHash", t.CanonicalHash);
        w.WriteString("fileSha256", Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(t.ModelZipBytes)));
        w.WriteNumber("fileBytes", t.ModelZipBytes.Length);
        w.WriteString("task", s.Task.ToString().ToLowerInvariant());
        w.WriteString("label", s.Label);
        w.WriteNumber("seed", s.Seed);
        w.WritePropertyName("parameters");
        WriteParameters(w, t);
        w.WriteStartObject("rows");
        w.WriteBoolean("quickTrain", quick);
        w.WriteNumber("trainBeforeSample", t.TrainRowsBeforeSample);
        w.WriteNumber("train", t.TrainView.Rows.Count);
        w.WriteNumber("test", t.TestView.Rows.Count);
        w.WriteEndObject();
        w.WriteStartArray("datasets");
        foreach (var d in t.Datasets)
        {
            w.WriteStartObject();
            w.WriteString("name", d.Name);
            w.WriteNumber("rows", d.Rows);
            w.WriteStartArray("files");
            foreach (var (path, sha, bytes) in d.Files)
            {
                w.WriteStartObject();
                w.WriteString("path", path);
                w.WriteString("sha256", sha);
                w.WriteNumber("bytes", bytes);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteString("mlnetVersion", LineageProbe.LoadedMlNetVersion() ?? "unknown");
        w.WriteString("mlbuildVersion", LineageProbe.MlBuildVersion());
        w.WriteEndObject();
    }

    /// <summary>Everything that decides the model besides the data: trainer, hyperparameters, features, split.</summary>
    static void WriteParameters(Utf8JsonWriter w, TrainedModel t)
    {
        var s = t.Spec;
        w.WriteStartObject();
        w.WriteString("trainer", s.Trainer.Name);
        w.WriteString("mlnetTrainer", TrainerCatalog.MlNetTrainer(s.Task, s.Trainer.Name));
        w.WriteStartObject("hyperparameters");
        foreach (var h in s.Trainer.Hyperparameters.OrderBy(h => h.Name, StringComparer.Ordinal)) w.WriteNumber(h.Name, h.Value);
        w.WriteEndObject();
        w.WriteStartArray("features");
        foreach (var f in t.Features)
        {
            w.WriteStartObject();
            w.WriteString("column", f.Column);
            w.WriteString("type", f.Type.ToString().ToLowerInvariant());
            w.WriteString("handling", Camel(f.Handling.ToString()));
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteString("normalize", Camel(t.Normalization.ToString()));
        w.WriteString("missing", Camel(s.Featurization.Missing.ToString()));
        w.WriteStartObject("split");
        if (s.Split.TestDataset is { } td) w.WriteString("testDataset", td);
        else w.WriteNumber("test", s.Split.TestShare);
        w.WriteString("key", s.Split.KeyColumn ?? "(row number)");
        w.WriteEndObject();
        w.WriteNumber("quickTrainRows", s.QuickTrainRows ?? ModelSpec.DefaultQuickTrainRows);
        w.WriteEndObject();
    }

    static void WriteSchema(Utf8JsonWriter w, TrainedModel t)
    {
        w.WriteStartObject();
        w.WriteStartArray("inputs");
        foreach (var c in t.InputSchema.Where(c => c.Name != t.Spec.Label))
            Column(w, c.Name, c.Type);
        w.WriteEndArray();
        w.WriteStartArray("outputs");
        var output = t.Model.GetOutputSchema(t.InputSchema);
        foreach (var name in new[] { "PredictedLabel", "Score", "Probability" })
            if (output.GetColumnOrNull(name) is { } c) Column(w, c.Name, c.Type);
        w.WriteEndArray();
        w.WriteEndObject();
    }

    static void Column(Utf8JsonWriter w, string name, Microsoft.ML.Data.DataViewType type)
    {
        w.WriteStartObject();
        w.WriteString("name", name);
        w.WriteString("type", type switch
        {
            TextDataViewType => "String",
            BooleanDataViewType => "Boolean",
            VectorDataViewType v => v.ItemType.RawType.Name + "[" + v.Size.ToString(CultureInfo.InvariantCulture) + "]",
            _ => type.RawType.Name,
        });
        w.WriteEndObject();
    }

    static string Camel(string s) => char.ToLowerInvariant(s[0]) + s[1..];

    static byte[] Json(Action<Utf8JsonWriter> write)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true, NewLine = "\n" }))
            write(w);
        ms.WriteByte((byte)'\n');
        return ms.ToArray();
    }
}
