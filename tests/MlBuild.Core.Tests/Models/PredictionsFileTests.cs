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

    /// <summary>A file of many chunks: rows of a 3-decimal score and a label, blank lines and CRLF here and there.</summary>
    static (string Text, double[] Scores, bool[] Labels, int[] Lines) ManyChunks(int rows)
    {
        var rng = new Random(5);
        var text = new System.Text.StringBuilder("score,label,region\n");
        var scores = new double[rows]; var labels = new bool[rows]; var lines = new int[rows];
        int line = 2;
        for (int r = 0; r < rows; r++)
        {
            if (r % 997 == 0) { text.Append('\n'); line++; }   // blank lines, one at a chunk edge or not
            scores[r] = Math.Round(rng.NextDouble(), 3);
            labels[r] = rng.NextDouble() < scores[r];
            lines[r] = line++;
            text.Append(scores[r].ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)).Append(',')
                .Append(labels[r] ? (r % 5 == 0 ? "true" : "1") : "0").Append(',').Append(r % 3 == 0 ? "north" : "south")
                .Append(r % 7 == 0 ? "\r\n" : "\n");
        }
        return (text.ToString(), scores, labels, lines);
    }

    [Fact]
    public void A_file_of_many_chunks_reads_the_same_on_one_thread_and_on_four()
    {
        using var dir = new TempDir();
        var (text, scores, labels, lines) = ManyChunks(120_000);
        Assert.True(text.Length > 10 * PredictionsFile.ChunkBytes);
        var path = dir.Write("p.csv", text);
        foreach (int threads in new[] { 1, 4 })
        {
            var file = PredictionsFile.Read(path, "p.csv", threads);
            Assert.Equal(scores.Length, file.Count);
            Assert.Equal(scores, file.Numbers("score"));
            Assert.Equal(labels, file.Booleans("label"));
            Assert.Equal(lines, file.Lines);
            Assert.Equal("south", file.Column("region")[^1]);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void The_first_bad_cell_of_a_file_of_many_chunks_is_the_one_reported(int threads)
    {
        using var dir = new TempDir();
        var (text, _, _, lines) = ManyChunks(60_000);
        var rows = text.Split('\n').ToList();
        // Rows 40000 and 50000 (lines[r] is 1-based, the list 0-based) spoilt: the earlier is reported, wherever the chunks end.
        rows[lines[50_000] - 1] = "0.5,maybe,x";
        rows[lines[40_000] - 1] = "oops,1,x";
        rows[lines[30_000] - 1] = "0.5,1";
        var path = dir.Write("p.csv", string.Join('\n', rows));
        var d = Assert.Throws<MlBuildException>(() => PredictionsFile.Read(path, "p.csv", threads)).Diagnostic;
        Assert.Equal(("MLB3402", lines[30_000], 0), (d.Code, d.Line, d.Column));
        rows[lines[30_000] - 1] = "0.5,1,x";
        var file = PredictionsFile.Read(dir.Write("p.csv", string.Join('\n', rows)), "p.csv", threads);
        d = Assert.Throws<MlBuildException>(() => file.Numbers("score")).Diagnostic;
        Assert.Equal((lines[40_000], 1), (d.Line, d.Column));
        Assert.Contains("value 'oops' is not a finite number", d.Message);
        d = Assert.Throws<MlBuildException>(() => file.Booleans("label")).Diagnostic;
        Assert.Equal((lines[50_000], 2), (d.Line, d.Column));
    }

    [Fact]
    public void Invalid_UTF8_deep_in_the_file_is_MLB3402()
    {
        using var dir = new TempDir();
        var bytes = System.Text.Encoding.UTF8.GetBytes(ManyChunks(60_000).Text);
        bytes[bytes.Length / 2] = 0xFF;
        var path = Path.Combine(dir.Path, "p.csv");
        File.WriteAllBytes(path, bytes);
        var d = Assert.Throws<MlBuildException>(() => PredictionsFile.Read(path, "p.csv")).Diagnostic;
        Assert.Equal("MLB3402", d.Code);
        Assert.Contains("not valid UTF-8", d.Message);
    }

    [Fact]
    public void Counting_and_sorting_fold_rows_into_the_same_cells()
    {
        // Over several counting blocks, with -0 and 0 (one score), repeated and single scores.
        var rng = new Random(3);
        int n = 200_000;
        var scores = Enumerable.Range(0, n).Select(i => i % 1000 == 0 ? (i % 2000 == 0 ? -0.0 : 0.0) : Math.Round(rng.NextDouble() * 2 - 0.5, 3)).ToArray();
        var kinds = Enumerable.Range(0, n).Select(_ => (byte)rng.Next(4)).ToArray();
        var counted = ScoreCells.Fold(scores, kinds);
        var sorted = ScoreCells.Fold(scores, kinds, count: false);
        Assert.Equal(sorted.Score, counted.Score);
        Assert.Equal(sorted.Label, counted.Label);
        Assert.Equal(sorted.Predicted, counted.Predicted);
        Assert.Equal(sorted.Count, counted.Count);
        Assert.Null(counted.UnitOfRow);
        var unitOfRow = ScoreCells.UnitOfRow(scores, kinds, counted.Score, counted.Label, counted.Predicted);
        Assert.Equal(sorted.UnitOfRow, unitOfRow);
        Assert.Equal(n, counted.Count.Sum());
        for (int i = 0; i < n; i += 1009)
        {
            int cell = unitOfRow[i];
            Assert.Equal((scores[i] + 0.0, kinds[i] >> 1, kinds[i] & 1), (counted.Score[cell] + 0.0, (int)counted.Label[cell], (int)counted.Predicted[cell]));
        }
    }
}
