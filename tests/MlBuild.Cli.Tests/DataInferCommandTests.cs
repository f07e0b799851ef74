using System.Text;
using System.Text.Json;

namespace MlBuild.Cli.Tests;

/// <summary>`dotnet ml data infer` on files a user brings: delimiters, notes on stderr, a clean schema on stdout.</summary>
public sealed class DataInferCommandTests : CliWorkspace
{
    static string Rows(string delimiter) =>
        string.Join(delimiter, "id", "sex", "length") + "\n"
        + string.Concat(Enumerable.Range(1, 100).Select(i => string.Join(delimiter, i, i == 40 ? "." : i % 2 == 0 ? "M" : "F", i == 7 ? "NA" : $"{i}.5") + "\n"));

    [Fact]
    public void A_semicolon_file_is_read_as_columns_and_the_notes_go_to_stderr()
    {
        Write("p.csv", Rows(";"));
        var (exit, output, err) = Run("data", "infer", "p.csv");
        Assert.Equal(0, exit);
        using var schema = JsonDocument.Parse(output); // stdout is the schema alone
        Assert.Equal(";", schema.RootElement.GetProperty("csv").GetProperty("delimiter").GetString());
        Assert.Equal(3, schema.RootElement.GetProperty("columns").GetArrayLength());
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(lines, l => l.StartsWith("p.csv(8,3): warning MLB1020: column 'length' value 'NA' (1 of 100 rows)", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("p.csv(41,2): warning MLB1020: column 'sex' value '.' (1 of 100 rows)", StringComparison.Ordinal));

        Assert.Equal(0, Run("data", "infer", "p.csv", "-o", "p.schema.json").Exit);
        Assert.Equal(0, Run("data", "validate", "p.csv", "-s", "p.schema.json").Exit);
    }

    [Fact]
    public void Delimiter_option_takes_a_name_or_a_character()
    {
        Write("p.tsv", Rows("\t"));
        foreach (var given in new[] { "tab", "\t" })
        {
            var (exit, output, _) = Run("data", "infer", "p.tsv", "--delimiter", given);
            Assert.Equal(0, exit);
            using var schema = JsonDocument.Parse(output);
            Assert.Equal("\t", schema.RootElement.GetProperty("csv").GetProperty("delimiter").GetString());
        }
        // Told comma, the file is one column: the user's word wins.
        var (_, comma, _) = Run("data", "infer", "p.tsv", "--delimiter", "comma");
        using (var schema = JsonDocument.Parse(comma))
            Assert.Equal(1, schema.RootElement.GetProperty("columns").GetArrayLength());

        var (bad, _, err) = Run("data", "infer", "p.tsv", "--delimiter", "::");
        Assert.Equal(2, bad);
        Assert.Contains("error MLB9002: --delimiter must be", err, StringComparison.Ordinal);
    }
}
