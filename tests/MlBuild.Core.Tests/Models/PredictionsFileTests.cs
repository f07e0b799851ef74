using MlBuild.Core.Diagnostics;
using MlBuild.Core.Models.Evaluation;

namespace MlBuild.Core.Tests.Models;

public sealed class PredictionsFileTests
{
    [Fact]
    public void Quoted_cells_CRLF_blank_lines_and_a_BOM_are_read_and_lines_are_physical()
    {
        using var dir = new TempDir();
        var path = dir.Write("p.csv", "\uFEFFlabel,score,\"region, name\"\r\n1,0.9,\"north, \"\"upper\"\"\"\r\n\r\n0,0.25,\"two\nlines\"\r\n1,1e-1,south");
        var file = PredictionsFile.Read(path, "p.csv");
        Assert.Equal(["label", "score", "region, name"], file.Names);
        Assert.Equal([2, 4, 6], file.Lines);
        Assert.Equal(["north, \"upper\"", "two\nlines", "south"], file.Column("region, name"));
        Assert.Equal([0.9, 0.25, 0.1], file.Numbers("score"));
        Assert.Equal([true, false, true], file.Booleans("label"));
    }

    [Theory]
    [InlineData("label,score\n1,0.5\n0\n", 3, 0, "the record has 1 fields, the header 2")]
    [InlineData("label,score\n1,0.5\n0,\"0.2\n", 3, 2, "a quoted field is never closed")]
    [InlineData("label,label\n1,1\n", 1, 2, "column 'label' appears twice")]
    [InlineData("label,score\n", 1, 0, "a header but no rows")]
    [InlineData("", 1, 0, "empty")]
    public void Malformed_files_are_MLB3402_at_their_line(string content, int line, int column, string message)
    {
        using var dir = new TempDir();
        var path = dir.Write("p.csv", content);
        var d = Assert.Throws<MlBuildException>(() => PredictionsFile.Read(path, "p.csv")).Diagnostic;
        Assert.Equal(("MLB3402", "p.csv", line, column), (d.Code, d.File, d.Line, d.Column));
        Assert.Contains(message, d.Message);
    }

    [Fact]
    public void Cells_that_are_not_numbers_or_labels_are_errors_at_their_cell()
    {
        using var dir = new TempDir();
        var file = PredictionsFile.Read(dir.Write("p.csv", "label,score\n1,0.5\nmaybe,NaN\n"), "p.csv");
        var d = Assert.Throws<MlBuildException>(() => file.Numbers("score")).Diagnostic;
        Assert.Equal((3, 2), (d.Line, d.Column));
        Assert.Equal((3, 1), (Assert.Throws<MlBuildException>(() => file.Booleans("label")).Diagnostic.Line, Assert.Throws<MlBuildException>(() => file.Booleans("label")).Diagnostic.Column));
        Assert.Contains("no column 'proba'; columns: label, score", Assert.Throws<MlBuildException>(() => file.Numbers("proba")).Diagnostic.Message);
    }

    /// <summary>AUC by definition: every positive-negative pair, a tie counting half.</summary>
    static double BruteForceAuc(bool[] labels, double[] scores)
    {
        double wins = 0, pairs = 0;
        for (int i = 0; i < labels.Length; i++)
            if (labels[i])
                for (int j = 0; j < labels.Length; j++)
                    if (!labels[j]) { pairs++; wins += scores[i] > scores[j] ? 1 : scores[i] == scores[j] ? 0.5 : 0; }
        return wins / pairs;
    }

    [Theory]
    [InlineData(-1)]   // continuous scores: thousands of distinct values, rows sorted by score
    [InlineData(2)]    // 2 decimals: few distinct values, rows grouped by hashing
    public void Both_ways_of_folding_rows_into_score_cells_give_the_pairwise_AUC_and_the_same_counts(int decimals)
    {
        var rng = new Random(17);
        var labels = Enumerable.Range(0, 4000).Select(_ => rng.NextDouble() < 0.3).ToArray();
        var scores = labels.Select(l => Math.Clamp((l ? 0.6 : 0.4) + (rng.NextDouble() - 0.5) * 0.6, 0, 1)).ToArray();
        if (decimals >= 0) scores = scores.Select(s => Math.Round(s, decimals)).ToArray();
        var set = PredictionSet.Binary(labels, scores);
        var options = new IntervalOptions { Resamples = 20 };
        Assert.Equal(BruteForceAuc(labels, scores), Evaluator.Evaluate(set, MetricCatalog.Get("auc", set), options).Value, 12);
        int tp = labels.Where((l, i) => l && scores[i] > 0.5).Count();
        Assert.Equal(tp / (double)labels.Count(l => l), Evaluator.Evaluate(set, MetricCatalog.Get("recall", set), options).Value, 12);
    }
}
