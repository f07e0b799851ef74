using System.Text.Json;

namespace MlBuild.Cli.Tests;

public sealed class DataRelationsCommandTests : CliWorkspace
{
    const string Schema = """
        {"schemaVersion": 1, "columns": [
          {"name": "id", "type": "integer"}, {"name": "x", "type": "float"},
          {"name": "c", "type": "category"}, {"name": "y", "type": "integer"}]}
        """;

    public DataRelationsCommandTests()
    {
        Write("schema.json", Schema);
        Write("train.csv", "id,x,c,y\n1,1.0,red,0\n2,2.5,blue,1\n1,1,red,0\n3,2.5,blue,0\n");
        Write("test.csv", "id,x,c,y\n9,7,red,0\n2,3,red,1\n");
        Write("clean.csv", "id,x,c,y\n1,1,red,0\n2,2,blue,1\n");
    }

    [Fact]
    public void Leakage_by_key_fails_with_exit_1_and_an_error_at_the_test_row()
    {
        var (exit, output, error) = Run("data", "relations", "--train", "train.csv", "--test", "test.csv", "-s", "schema.json", "--label", "y", "--key", "id");

        Assert.Equal(1, exit);
        Assert.Contains("test.csv(3): error MLB2103: test row's key id also in training row train.csv(3); dataset 'test': 1 of 2 test rows (50 %) share 1 key with 'train'.", error, StringComparison.Ordinal);
        Assert.Contains("train.csv(4): warning MLB2101: row repeats train.csv(2) in every column", output, StringComparison.Ordinal);
        Assert.Contains("mlbuild: test: fail:", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Duplicates_alone_warn_with_exit_0_unless_raised_to_an_error()
    {
        var warned = Run("data", "relations", "train.csv", "-s", "schema.json");
        Assert.Equal(0, warned.Exit);
        Assert.Contains("train.csv(4): warning MLB2101:", warned.Out, StringComparison.Ordinal);

        var raised = Run("data", "relations", "train.csv", "-s", "schema.json", "--duplicates", "error");
        Assert.Equal(1, raised.Exit);
        Assert.Contains("train.csv(4): error MLB2101:", raised.Err, StringComparison.Ordinal);

        var off = Run("data", "relations", "train.csv", "-s", "schema.json", "--duplicates", "off");
        Assert.Equal(0, off.Exit);
        Assert.DoesNotContain("MLB2101", off.Out + off.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Conflicting_labels_are_found_over_the_named_features()
    {
        var (exit, output, _) = Run("data", "relations", "train.csv", "-s", "schema.json", "--label", "y", "--features", "x,c");

        Assert.Equal(0, exit);
        Assert.Contains("train.csv(5): warning MLB2102: row has the features x, c of train.csv(3) but another label", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Clean_data_passes_and_the_JSON_report_on_stdout_is_the_report_model()
    {
        var (exit, output, error) = Run("data", "relations", "--train", "clean.csv", "--test", "test.csv", "-s", "schema.json", "--label", "y", "--json", "-");

        Assert.Equal(0, exit);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal("dataset relations", doc.RootElement.GetProperty("title").GetString());
        Assert.Equal("pass", doc.RootElement.GetProperty("verdict").GetString());
        var test = doc.RootElement.GetProperty("sections")[1];
        Assert.Equal("test", test.GetProperty("id").GetString());
        var leakage = test.GetProperty("sections").EnumerateArray().Single(s => s.GetProperty("id").GetString() == "leakage");
        Assert.Equal(0, leakage.GetProperty("figures").GetProperty("leakedRows").GetProperty("value").GetInt32());
        Assert.Contains("mlbuild: test: pass:", error, StringComparison.Ordinal); // human lines move to stderr
    }

    [Fact]
    public void A_pipeline_file_supplies_datasets_label_and_policy_and_options_override_it()
    {
        Write("mlbuild.json", """
            {
              "datasets": {
                "train": { "path": "train.csv", "schema": "schema.json" },
                "test": { "path": "test.csv", "schema": "schema.json" }
              },
              "model": { "name": "m", "task": "binary", "label": "y", "features": ["x", "c"], "trainer": "lbfgs", "split": { "testDataset": "test" } },
              "relations": { "key": ["id"] }
            }
            """);

        var (exit, _, error) = Run("data", "relations", "--pipeline", "mlbuild.json", "--sarif", "out.sarif");
        Assert.Equal(1, exit);
        Assert.Contains("test.csv(3): error MLB2103: test row's key id", error, StringComparison.Ordinal);
        Assert.Contains("MLB2103", File.ReadAllText(Path.Combine(_dir, "out.sarif")), StringComparison.Ordinal);

        var downgraded = Run("data", "relations", "--pipeline", "mlbuild.json", "--leakage", "warning");
        Assert.Equal(0, downgraded.Exit);
        Assert.Contains("test.csv(3): warning MLB2103:", downgraded.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Usage_mistakes_are_coded_with_exit_2()
    {
        var noData = Run("data", "relations", "-s", "schema.json");
        Assert.Equal(2, noData.Exit);
        Assert.Contains("error MLB9", noData.Err, StringComparison.Ordinal);

        var badLevel = Run("data", "relations", "train.csv", "-s", "schema.json", "--leakage", "fatal");
        Assert.Equal(2, badLevel.Exit);
        Assert.Contains("--leakage must be error, warning or off", badLevel.Err, StringComparison.Ordinal);

        var unknownKey = Run("data", "relations", "--train", "train.csv", "--test", "test.csv", "-s", "schema.json", "--key", "customer");
        Assert.Equal(2, unknownKey.Exit);
        Assert.Contains("error MLB2105:", unknownKey.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void The_example_of_docs_relations_md_prints_what_the_page_shows()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "MlBuild.sln"))) root = Path.GetDirectoryName(root)!;
        var page = File.ReadAllText(Path.Combine(root, "docs", "relations.md")).ReplaceLineEndings("\n");
        string Block(string fence, int index) => page.Split("```" + fence + "\n")[index].Split("```")[0];
        // The page's pipeline file, its two data files side by side, and the output it shows.
        Write("mlbuild.json", Block("jsonc", 1));
        var sideBySide = Block("text", 1).Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).ToList();
        Directory.CreateDirectory(Path.Combine(_dir, "data"));
        Write("data/train.csv", string.Concat(sideBySide.Select(l => (l.Length > 40 ? l[..40] : l).TrimEnd() + "\n")));
        Write("data/test.csv", string.Concat(sideBySide.Select(l => l.Length > 40 ? l[40..] + "\n" : "")));
        Write("data/customers.schema.json", """
            { "schemaVersion": 1, "columns": [
              { "name": "customer_id", "type": "integer" }, { "name": "tenure", "type": "integer" },
              { "name": "monthly", "type": "float" }, { "name": "plan", "type": "category" },
              { "name": "churned", "type": "boolean" } ] }
            """);

        var (exit, output, error) = Run("data", "relations", "--pipeline", "mlbuild.json");

        Assert.Equal(1, exit);
        var shown = Block("text", 2).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var printed = (output + error).ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(shown.Order(StringComparer.Ordinal), printed.Order(StringComparer.Ordinal));
    }
}
