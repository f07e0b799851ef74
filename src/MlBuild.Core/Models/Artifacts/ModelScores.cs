using MlBuild.Core.Models.Evaluation;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlBuild.Core.Models.Artifacts;

/// <summary>
/// The scores the artifact checks compare: the binary probability (or the margin score of an uncalibrated model),
/// the regression prediction, or the multiclass probability vector; <see cref="Width"/> values per row.
/// </summary>
/// <param name="Values">Row-major scores.</param>
/// <param name="Width">Scores per row (1, or the class count).</param>
public sealed record ModelScores(double[] Values, int Width)
{
    /// <summary>Scored rows.</summary>
    public int Rows => Width == 0 ? 0 : Values.Length / Width;

    /// <summary>The column holding the compared score in a scored schema.</summary>
    public static string ColumnName(DataViewSchema scored, ModelTask task) =>
        task == ModelTask.Binary && scored.GetColumnOrNull("Probability") is not null ? "Probability" : "Score";

    /// <summary>Reads the compared scores of every row of <paramref name="scored"/>.</summary>
    public static ModelScores Read(IDataView scored, ModelTask task)
    {
        var column = scored.Schema[ColumnName(scored.Schema, task)];
        var values = new List<double>();
        int width = 1;
        using var cursor = scored.GetRowCursor([column]);
        if (column.Type is VectorDataViewType vector)
        {
            width = vector.Size;
            var getter = cursor.GetGetter<VBuffer<float>>(column);
            var buffer = default(VBuffer<float>);
            while (cursor.MoveNext())
            {
                getter(ref buffer);
                foreach (var v in buffer.DenseValues()) values.Add(v);
            }
        }
        else
        {
            var getter = cursor.GetGetter<float>(column);
            float v = 0;
            while (cursor.MoveNext()) { getter(ref v); values.Add(v); }
        }
        return new ModelScores([.. values], width);
    }

    /// <summary>The largest absolute difference between two equally shaped score sets (NaN against NaN counts as equal,
    /// NaN against a number as infinitely different).</summary>
    public static double MaxAbsDifference(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        if (a.Length != b.Length) return double.PositiveInfinity;
        double max = 0;
        for (int i = 0; i < a.Length; i++) max = Math.Max(max, Difference(a[i], b[i]));
        return max;
    }

    /// <summary>|a − b|, with NaN handled as in <see cref="MaxAbsDifference"/>.</summary>
    public static double Difference(double a, double b) =>
        double.IsNaN(a) || double.IsNaN(b) ? (double.IsNaN(a) && double.IsNaN(b) ? 0 : double.PositiveInfinity) : Math.Abs(a - b);
}
