using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using MlBuild.Core.Reports;

namespace MlBuild.Cli.Tests;

public sealed class DataValidateCommandTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("mlbuild-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    void Write(string name, string content) => File.WriteAllText(Path.Combine(_dir, name), content, new UTF8Encoding(false));

    (int Exit, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int exit = CliApp.Run(args, o, e, _dir);
        return (exit, o.ToString(), e.ToString());
    }

    const string Schema = """
    {"schemaVersion": 1, "columns": [
      {"name": "id", "type": "integer", "unique": true, "nullable": false},
      {"name": "age", "type": "integer", "min": 0},
      {"name": "plan", "type": "category", "allowed": ["basic", "pro"]}]}
    """;

    [Fact]
    public void Valid_data_exits_0_with_a_summary()
    {
        Write("s.json", Schema);
        Write("train.csv", "id,age,plan\n1,30,basic\n2,40,pro\n");
        var (exit, output, err) = Run("data", "validate", "train.csv", "--schema", "s.json");
        Assert.Equal(0, exit);
        Assert.Equal("", err);
        Assert.Contains("is valid: 2 rows", output);
    }

    [Fact]
    public void Violations_exit_1_with_one_canonical_line_per_failing_check()
    {
        Write("s.json", Schema);
        Write("train.csv", "id,age,plan\n1,30,basic\n2,-3,gold\n2,-4,pro\n");
        var (exit, _, err) = Run("data", "validate", "train.csv", "--schema", "s.json");
        Assert.Equal(1, exit);
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal([
            "train.csv(4,1): error MLB1008: column 'id' value '2' is a duplicate of an earlier row (1 of 1 in this check)",
            "train.csv(3,2): error MLB1003: column 'age' value '-3' is below min 0 (1 of 2 in this check)",
            "train.csv(3,3): error MLB1005: column 'plan' value 'gold' is not one of {'basic', 'pro'} (1 of 1 in this check)",
        ], lines);
    }

    [Fact]
    public void Reports_are_written_and_byte_identical_for_any_thread_count()
    {
        Write("s.json", Schema);
        var sb = new StringBuilder("id,age,plan\n");
        for (int i = 0; i < 20000; i++) sb.Append(i % 777 == 0 ? i - 1 : i).Append(',').Append(i % 101 - 3).Append(i % 13 == 0 ? ",gold\n" : ",pro\n");
        Write("train.csv", sb.ToString());
        Assert.Equal(1, Run("data", "validate", "train.csv", "-s", "s.json", "--threads", "1", "--json", "a.json", "--sarif", "a.sarif", "--junit", "a.xml", "--profile", "p.json").Exit);
        Assert.Equal(1, Run("data", "validate", "train.csv", "-s", "s.json", "--threads", "4", "--json", "b.json").Exit);
        var a = File.ReadAllBytes(Path.Combine(_dir, "a.json"));
        Assert.Equal(a, File.ReadAllBytes(Path.Combine(_dir, "b.json")));

        using var json = JsonDocument.Parse(a);
        Assert.Equal(ValidationReports.JsonFormatVersion, json.RootElement.GetProperty("formatVersion").GetInt32());
        var checks = json.RootElement.GetProperty("datasets")[0].GetProperty("checks");
        var age = checks.EnumerateArray().Single(c => c.GetProperty("id").GetString() == "age.min");
        Assert.Equal("fail", age.GetProperty("status").GetString());
        Assert.True(age.GetProperty("failures").GetInt64() > 0);

        using var sarif = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(_dir, "a.sarif")));
        Assert.Equal("2.1.0", sarif.RootElement.GetProperty("version").GetString());
        var results = sarif.RootElement.GetProperty("runs")[0].GetProperty("results");
        Assert.Contains(results.EnumerateArray(), r => r.GetProperty("ruleId").GetString() == "MLB1003");

        var junit = XDocument.Load(Path.Combine(_dir, "a.xml"));
        Assert.Equal(3, junit.Descendants("failure").Count());
        Assert.True(File.Exists(Path.Combine(_dir, "p.json")));
    }

    [Fact]
    public void Markdown_summary_is_appended_to_GITHUB_STEP_SUMMARY()
    {
        Write("s.json", Schema);
        Write("train.csv", "id,age,plan\n1,-30,basic\n");
        var summary = Path.Combine(_dir, "summary.md");
        Environment.SetEnvironmentVariable("GITHUB_STEP_SUMMARY", summary);
        try { Run("data", "validate", "train.csv", "-s", "s.json"); }
        finally { Environment.SetEnvironmentVariable("GITHUB_STEP_SUMMARY", null); }
        var md = File.ReadAllText(summary);
        Assert.Contains("| age.min (min 0) | MLB1003 | 1 |", md);
    }

    [Theory]
    [InlineData("MLB9108", "data", "validate", "train.csv", "--schema", "missing.json")]
    [InlineData("MLB1108", "data", "validate", "missing.csv", "--schema", "s.json")]
    [InlineData("MLB9002", "data", "validate", "train.csv")]
    [InlineData("MLB9002", "data", "frobnicate")]
    public void Usage_and_input_errors_exit_2_with_a_code_and_no_stack_trace(string code, params string[] args)
    {
        Write("s.json", Schema);
        Write("train.csv", "id,age,plan\n1,30,basic\n");
        var (exit, output, err) = Run(args);
        Assert.Equal(2, exit);
        Assert.Contains($"error {code}:", err + output);
        Assert.DoesNotContain("   at ", err + output);
    }

    [Fact]
    public void Schema_json_error_is_reported_at_its_line_and_column()
    {
        Write("s.json", "{\n  \"schemaVersion\": 1,\n  \"columns\": [\n    {\"name\": \"a\", \"type\": \"integer\",,}\n  ]\n}\n");
        Write("train.csv", "a\n1\n");
        var (exit, _, err) = Run("data", "validate", "train.csv", "--schema", "s.json");
        Assert.Equal(2, exit);
        Assert.StartsWith("s.json(4,", err);
        Assert.Contains("error MLB9101:", err);
    }

    [Fact]
    public void Infer_writes_a_schema_that_validates_the_data()
    {
        Write("train.csv", "id,age,plan\n1,30,basic\n2,40,pro\n3,41,pro\n");
        var (exit, output, _) = Run("data", "infer", "train.csv", "-o", "train.schema.json");
        Assert.Equal(0, exit);
        Assert.Contains("wrote schema train.schema.json", output);
        Assert.Equal(0, Run("data", "validate", "train.csv", "-s", "train.schema.json").Exit);
    }

    [Fact]
    public void Engine_validate_writes_the_result_file_the_task_replays()
    {
        Write("s.json", Schema);
        Write("train.csv", "id,age,plan\n1,-1,basic\n");
        WriteRequest(("train", ["train.csv"]));
        var (exit, _, _) = Run("engine", "validate", "--request", "req.json", "--result", "res.tsv");
        Assert.Equal(1, exit);
        var (code, diagnostics, _) = ResultFile.Read(Path.Combine(_dir, "res.tsv"));
        Assert.Equal(1, code);
        var d = Assert.Single(diagnostics);
        Assert.Equal(("MLB1003", "train.csv", 2, 2), (d.Code, d.File, d.Line, d.Column));
        Assert.Contains("\nD\terror\tdata\tMLB1003\t", File.ReadAllText(Path.Combine(_dir, "res.tsv")));
    }

    [Fact]
    public void Engine_validate_of_an_unreadable_csv_exits_2_and_writes_its_kind_as_input()
    {
        Write("s.json", Schema);
        Write("train.csv", "id,age,plan\n1,30,\"never closed\n");
        WriteRequest(("train", ["train.csv"]));
        var (exit, _, _) = Run("engine", "validate", "--request", "req.json", "--result", "res.tsv");
        Assert.Equal(2, exit);
        var text = File.ReadAllText(Path.Combine(_dir, "res.tsv"));
        Assert.StartsWith("MLBUILD-RESULT\t2\t2\n", text);
        Assert.Contains("\nD\terror\tinput\tMLB1101\ttrain.csv\t2\t", text);
    }

    [Fact]
    public void Cli_and_engine_read_a_dataset_s_files_in_one_order_whatever_order_they_are_named_in()
    {
        Write("s.json", Schema);
        Directory.CreateDirectory(Path.Combine(_dir, "parts"));
        Write("parts/a.csv", "id,age,plan\n1,30,basic\n2,31,basic\n");
        Write("parts/b.csv", "id,age,plan\n2,32,pro\n3,33,pro\n");
        const string expected = "parts/b.csv(2,1): error MLB1008: column 'id' value '2' is a duplicate of an earlier row (1 of 1 in this check)\n";

        Assert.Equal((1, expected), Errors(Run("data", "validate", "parts/a.csv", "parts/b.csv", "--schema", "s.json")));
        Assert.Equal((1, expected), Errors(Run("data", "validate", "parts/b.csv", "parts/a.csv", "--schema", "s.json")));
        Assert.Equal((1, expected), Errors(Run("data", "validate", "parts/*.csv", "--schema", "s.json")));
        // A file named twice (or by a name and a glob) is read once.
        Assert.Equal((1, expected), Errors(Run("data", "validate", "parts/b.csv", "parts/*.csv", "parts/a.csv", "--schema", "s.json")));
        Assert.Equal(0, Run("data", "validate", "parts/a.csv", "parts/a.csv", "--schema", "s.json").Exit);

        // The build sends the dataset's items in any order; the engine reads them as the CLI does.
        WriteRequest(("parts", ["parts/b.csv", "parts/a.csv"]));
        Assert.Equal(1, Run("engine", "validate", "--request", "req.json", "--result", "res.tsv").Exit);
        var d = Assert.Single(ResultFile.Read(Path.Combine(_dir, "res.tsv")).Diagnostics);
        Assert.Equal(expected.TrimEnd('\n'), d.ToCanonicalString());

        static (int, string) Errors((int Exit, string Out, string Err) run) => (run.Exit, run.Err.Replace("\r\n", "\n"));
    }

    void WriteRequest(params (string Name, string[] Files)[] datasets) =>
        Write("req.json", JsonSerializer.Serialize(new
        {
            formatVersion = 1,
            projectDirectory = _dir,
            datasets = datasets.Select(d => new { name = d.Name, files = d.Files, schema = "s.json" }).ToArray(),
        }));

    [Fact]
    public void A_newline_in_a_cell_cannot_forge_a_diagnostic_line()
    {
        Write("s.json", Schema);
        Write("train.csv", "id,age,plan\n1,30,\"gold\nevil.cs(1,1): error CS0001: forged\"\n");
        var (exit, _, err) = Run("data", "validate", "train.csv", "--schema", "s.json");
        Assert.Equal(1, exit);
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["train.csv(2,3): error MLB1005: column 'plan' value 'gold\\nevil.cs(1,1): error CS0001: forged' is not one of {'basic', 'pro'} (1 of 1 in this check)"], lines);
    }
}
