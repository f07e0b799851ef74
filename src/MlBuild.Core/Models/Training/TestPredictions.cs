using System.Globalization;
using System.Text;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlBuild.Core.Models.Evaluation;

namespace MlBuild.Core.Models.Training;

/// <summary>
/// A trained model's predictions on its test rows, as the evaluation and the gates read them (a
/// <see cref="PredictionSet"/>), and as a predictions CSV that <c>dotnet ml evaluate</c> and <c>gate</c> read.
/// </summary>
public sealed class TestPredictions
{
    /// <summary>The predictions with their labels.</summary>
    public required PredictionSet Set { get; init; }
    /// <summary>Multiclass: class names in class-index order (the label's values, ordinal); otherwise empty.</summary>
    public IReadOnlyList<string> Classes { get; init; } = [];
    /// <summary>Per test row, the text of each column a slice or fairness gate may group by (every feature and the label).</summary>
    public required IReadOnlyDictionary<string, string[]> Columns { get; init; }

    /// <summary>Scores the test rows.</summary>
    public static TestPredictions Of(TrainedModel trained) => Of(trained.Model, trained.TestView, trained.Spec, trained.LabelColumn);

    /// <summary>
    /// Scores <paramref name="testView"/> with <paramref name="model"/>: a trained model's own test rows, or another
    /// model's (a baseline loaded from the registry) scores on a candidate's test rows, for a paired comparison.
    /// </summary>
    /// <param name="model">The fitted pipeline (featurisation and trainer).</param>
    /// <param name="testView">The rows to score, with the label.</param>
    /// <param name="spec">The model section: task and label.</param>
    /// <param name="labelColumn">The label column ML.NET's output carries (the label, or its key column for multiclass).</param>
    public static TestPredictions Of(ITransformer model, TableDataView testView, Pipeline.ModelSpec spec, string labelColumn)
    {
        var scored = model.Transform(testView);
        var columns = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var rows = testView.Rows;
        foreach (var c in testView.Schema)
        {
            var source = testView.Source(c.Index);
            columns[c.Name] = rows.Select(r => source.Text(r) ?? "").ToArray();
        }
        switch (spec.Task)
        {
            case ModelTask.Binary:
            {
                var labels = Read<bool>(scored, spec.Label).ToArray();
                bool probability = scored.Schema.GetColumnOrNull("Probability") is not null;
                var scores = Read<float>(scored, probability ? "Probability" : "Score").Select(s => (double)s).ToArray();
                var predicted = Read<bool>(scored, "PredictedLabel").ToArray();
                return new TestPredictions { Set = PredictionSet.Binary(labels, scores, probability ? 0.5 : 0, predicted), Columns = columns };
            }
            case ModelTask.Multiclass:
            {
                var keyColumn = scored.Schema[labelColumn];
                int classCount = (int)((KeyDataViewType)keyColumn.Type).Count;
                var names = default(VBuffer<ReadOnlyMemory<char>>);
                keyColumn.GetKeyValues(ref names);
                var classes = names.DenseValues().Select(n => n.ToString()).ToList();
                // A test label the training rows never had maps to key 0 (missing): it has no class index.
                var labels = Read<uint>(scored, labelColumn).Select(k => (int)k - 1).ToArray();
                var probabilities = new double[labels.Length * classCount];
                int row = 0;
                foreach (var vector in ReadVectors(scored, "Score"))
                {
                    for (int c = 0; c < classCount; c++) probabilities[row * classCount + c] = vector[c];
                    row++;
                }
                return new TestPredictions { Set = PredictionSet.Multiclass(labels, classCount, probabilities), Classes = classes, Columns = columns };
            }
            default:
            {
                var labels = Read<float>(scored, spec.Label).Select(v => (double)v).ToArray();
                var predictions = Read<float>(scored, "Score").Select(v => (double)v).ToArray();
                return new TestPredictions { Set = PredictionSet.Regression(labels, predictions), Columns = columns };
            }
        }
    }

    /// <summary>
    /// The predictions CSV (RFC 4180, invariant numbers): the test rows' columns, then <c>score</c> (binary probability
    /// or score, regression prediction) or one <c>p_CLASS</c> column per class (multiclass), and <c>predicted</c>.
    /// </summary>
    public byte[] Csv()
    {
        var sb = new StringBuilder();
        var names = Columns.Keys.ToList();
        var scoreNames = Set.Task == ModelTask.Multiclass ? Classes.Select(c => "p_" + c).ToList() : ["score"];
        sb.AppendJoin(',', names.Concat(scoreNames).Append("predicted").Select(Quote)).Append('\n');
        for (int r = 0; r < Set.Count; r++)
        {
            foreach (var n in names) sb.Append(Quote(Columns[n][r])).Append(',');
            if (Set.Task == ModelTask.Multiclass)
                for (int c = 0; c < Set.ClassCount; c++) sb.Append(Number(Set.Probabilities![r * Set.ClassCount + c])).Append(',');
            else sb.Append(Number(Set.Scores![r])).Append(',');
            sb.Append(Set.Task switch
            {
                ModelTask.Binary => Set.Predicted![r] == 1 ? "true" : "false",
                ModelTask.Multiclass => Quote(Classes[Set.Predicted![r]]),
                _ => Number(Set.Scores![r]),
            }).Append('\n');
        }
        return new UTF8Encoding(false).GetBytes(sb.ToString());
    }

    static string Number(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    static string Quote(string s) => s.IndexOfAny([',', '"', '\n', '\r']) < 0 ? s : "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    static List<T> Read<T>(IDataView view, string column)
    {
        var col = view.Schema[column];
        var list = new List<T>();
        using var cursor = view.GetRowCursor([col]);
        var getter = cursor.GetGetter<T>(col);
        T value = default!;
        while (cursor.MoveNext()) { getter(ref value); list.Add(value); }
        return list;
    }

    static IEnumerable<float[]> ReadVectors(IDataView view, string column)
    {
        var col = view.Schema[column];
        using var cursor = view.GetRowCursor([col]);
        var getter = cursor.GetGetter<VBuffer<float>>(col);
        var buffer = default(VBuffer<float>);
        while (cursor.MoveNext())
        {
            getter(ref buffer);
            yield return buffer.DenseValues().ToArray();
        }
    }
}
