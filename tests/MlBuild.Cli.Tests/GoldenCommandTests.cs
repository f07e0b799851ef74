namespace MlBuild.Cli.Tests;

/// <summary><c>dotnet ml golden record</c> on a copy of samples/ChurnData (its data, schema and pipeline file).</summary>
public sealed class GoldenCommandTests : CliWorkspace
{
    public GoldenCommandTests()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "MlBuild.sln"))) root = Path.GetDirectoryName(root)!;
        var sample = Path.Combine(root, "samples", "ChurnData");
        Directory.CreateDirectory(Path.Combine(_dir, "data"));
        foreach (var f in new[] { "mlbuild.json", "data/train.csv", "data/train.schema.json" })
            File.Copy(Path.Combine(sample, f), Path.Combine(_dir, f));
    }

    [Fact]
    public void Golden_record_writes_seeded_rows_and_the_same_file_from_the_trained_zip()
    {
        var (exit, output, err) = Run("golden", "record", "--rows", "7", "-o", "golden.csv");
        Assert.Equal("", err);
        Assert.Equal(0, exit);
        Assert.StartsWith("mlbuild: recorded 7 golden rows of model 'churn' in golden.csv (seed 42)", output, StringComparison.Ordinal);
        var lines = File.ReadAllLines(Path.Combine(_dir, "golden.csv"));
        Assert.Equal(8, lines.Length);
        Assert.EndsWith(",expected.score", lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("churned", lines[0].Split(','));

        // The same model, given as the zip `dotnet ml train` wrote, records the same bytes.
        Assert.Equal(0, Run("train", "-o", "churn.zip").Exit);
        Assert.Equal(0, Run("golden", "record", "--rows", "7", "--model", "churn.zip", "-o", "from-zip.csv").Exit);
        Assert.Equal(File.ReadAllBytes(Path.Combine(_dir, "golden.csv")), File.ReadAllBytes(Path.Combine(_dir, "from-zip.csv")));
        // Another seed picks other rows.
        Assert.Equal(0, Run("golden", "record", "--rows", "7", "--seed", "5", "-o", "other.csv").Exit);
        Assert.NotEqual(File.ReadAllBytes(Path.Combine(_dir, "golden.csv")), File.ReadAllBytes(Path.Combine(_dir, "other.csv")));
    }

    [Fact]
    public void Golden_record_refuses_a_row_count_below_one_with_MLB9241()
    {
        var (exit, _, err) = Run("golden", "record", "--rows", "0");
        Assert.Equal(2, exit);
        Assert.Contains("error MLB9241: --rows is 0", err, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_dir, "golden.csv")));
    }
}
