using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using MlBuild.Core.Reports;

namespace MlBuild.Cli.Tests;

public sealed class DataValidateCommandTests : CliWorkspace
{
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
    public void Violations_exit_1_with_one_canonical_line_per_failing_location()
    {
        Write("s.json", Schema);
        Write("train.csv", "id,age,plan\n1,30,basic\n2,-3,gold\n2,-4,pro\n");
        var (exit, _, err) = Run("data", "validate", "train.csv", "--schema", "s.json");
        Assert.Equal(1, exit);
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        // Both bad ages are shown (up to 5 locations per check by default), each at its own cell.
        Assert.Equal([
            "train.csv(4,1): error MLB1008: column 'id' value '2' is a duplicate of an earlier row (1 of 1 in this check)",
            "train.csv(3,2): error MLB1003: column 'age' value '-3' is below min 0 (1 of 2 in this check)",
            "train.csv(4,2): error MLB1003: column 'age' value '-4' fails min 0 (2 of 2 in this check)",
            "train.csv(3,3): error MLB1005: column 'plan' value 'gold' is not one of {'basic', 'pro'} (1 of 1 in this check)",
        ], lines);
    }

    [Fact]
    public void Max_locations_limits_the_lines_per_check_and_the_last_says_where_the_rest_are()
    {
        Write("s.json", Schema);
        var sb = new StringBuilder("id,age,plan\n");
        for (int i = 1; i <= 15; i++) sb.Append(i).Append(',').Append(-i).Append(",pro\n");
        Write("train.csv", sb.ToString());

        var (exit, _, err) = Run("data", "validate", "train.csv", "-s", "s.json", "--max-locations", "2", "--json", "out/r.json");

        Assert.Equal(1, exit);
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal([
            "train.csv(2,2): error MLB1003: column 'age' value '-1' is below min 0 (1 of 15 in this check)",
            "train.csv(3,2): error MLB1003: column 'age' value '-2' fails min 0 (2 of 15 in this check); 13 more: the first 10 locations and the most frequent values are in out/r.json",
        ], lines);
        using var json = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(_dir, "out", "r.json")));
        var age = json.RootElement.GetProperty("sections")[0].GetProperty("sections").EnumerateArray().Single(c => c.GetProperty("id").GetString() == "age.min");
        Assert.Equal(10, age.GetProperty("locations").GetArrayLength());
    }

    [Fact]
    public void Max_locations_above_what_the_report_keeps_shows_them_all()
    {
        Write("s.json", Schema);
        var sb = new StringBuilder("id,age,plan\n");
        for (int i = 1; i <= 12; i++) sb.Append(i).Append(',').Append(-i).Append(",pro\n");
        Write("train.csv", sb.ToString());

        var (_, _, all) = Run("data", "validate", "train.csv", "-s", "s.json", "--max-locations", "20");
        var (_, _, one) = Run("data", "validate", "train.csv", "-s", "s.json", "--max-locations", "1");

        Assert.Equal(Enumerable.Range(2, 12).Select(l => $"train.csv({l},2)"), all.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l[..l.IndexOf(':')]));
        Assert.Equal("train.csv(2,2): error MLB1003: column 'age' value '-1' is below min 0 (1 of 12 in this check); 11 more not shown\n", one.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Max_locations_below_1_is_a_command_line_error()
    {
        Write("s.json", Schema);
        Write("train.csv", "id,age,plan\n1,30,basic\n");
        var (exit, _, err) = Run("data", "validate", "train.csv", "-s", "s.json", "--max-locations", "0");
        Assert.Equal(2, exit);
        Assert.Contains("error MLB9002: --max-locations must be 1 or more", err);
    }

    [Fact]
    public void Reports_are_written_and_byte_identical_for_any_thread_count()
    {
        Write("s.json", Schema);
        var sb = new StringBuilder("id,age,plan\n");
        for (int i = 0; i < 20000; i++) sb.Append(i % 777 == 0 ? i - 1 : i).Append(',').Append(i % 101 - 3).Append(i % 13 == 0 ? ",gold\n" : ",pro\n");
        Write("train.csv", sb.ToString());
        string[] Reports(string prefix) => [$"{prefix}.json", $"{prefix}.sarif", $"{prefix}.xml", $"{prefix}.profile.json", $"{prefix}.md"];
        foreach (var (threads, prefix) in new[] { ("1", "a"), ("4", "b") })
        {
            var summary = Path.Combine(_dir, prefix + ".md");
            Environment.SetEnvironmentVariable("GITHUB_STEP_SUMMARY", summary);
            try
            {
                Assert.Equal(1, Run("data", "validate", "train.csv", "-s", "s.json", "--threads", threads,
                    "--json", prefix + ".json", "--sarif", prefix + ".sarif", "--junit", prefix + ".xml", "--profile", prefix + ".profile.json").Exit);
            }
            finally { Environment.SetEnvironmentVariable("GITHUB_STEP_SUMMARY", null); }
        }
        foreach (var (a, b) in Reports("a").Zip(Reports("b")))
            Assert.Equal(File.ReadAllBytes(Path.Combine(_dir, a)), File.ReadAllBytes(Path.Combine(_dir, b)));

        using var json = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(_dir, "a.json")));
        Assert.Equal(ReportDocument.FormatVersion, json.RootElement.GetProperty("formatVersion").GetInt32());
        Assert.Equal("fail", json.RootElement.GetProperty("verdict").GetString());
        Assert.Equal(1, json.RootElement.GetProperty("exitCode").GetInt32());
        var dataset = json.RootElement.GetProperty("sections")[0];
        Assert.Equal("dataset", dataset.GetProperty("kind").GetString());
        Assert.Equal(20000, dataset.GetProperty("figures").GetProperty("records").GetProperty("value").GetInt64());
        var age = dataset.GetProperty("sections").EnumerateArray().Single(c => c.GetProperty("id").GetString() == "age.min");
        Assert.Equal("fail", age.GetProperty("verdict").GetString());
        Assert.Equal("MLB1003", age.GetProperty("code").GetString());
        Assert.Equal("age", age.GetProperty("properties").GetProperty("column").GetString());
        Assert.Equal(596, age.GetProperty("figures").GetProperty("failures").GetProperty("value").GetInt64()); // i % 101 < 3 for i < 20000
        var first = age.GetProperty("locations")[0];
        Assert.Equal("train.csv", first.GetProperty("file").GetString());
        Assert.Equal(2, first.GetProperty("line").GetInt64());
        Assert.Equal("-3", first.GetProperty("value").GetString());

        using var sarif = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(_dir, "a.sarif")));
        Assert.Equal("2.1.0", sarif.RootElement.GetProperty("version").GetString());
        var run = sarif.RootElement.GetProperty("runs")[0];
        Assert.Contains(run.GetProperty("results").EnumerateArray(), r => r.GetProperty("ruleId").GetString() == "MLB1003");
        var rule = run.GetProperty("tool").GetProperty("driver").GetProperty("rules").EnumerateArray().Single(r => r.GetProperty("id").GetString() == "MLB1003");
        Assert.EndsWith("docs/diagnostics.md#mlb1003", rule.GetProperty("helpUri").GetString());
        Assert.Equal("Value below min", rule.GetProperty("shortDescription").GetProperty("text").GetString());

        var junit = XDocument.Load(Path.Combine(_dir, "a.xml"));
        Assert.Equal(3, junit.Descendants("failure").Count());
        var ageCase = junit.Descendants("testcase").Single(t => (string?)t.Attribute("name") == "age.min");
        Assert.Equal("train", (string?)ageCase.Attribute("classname"));
        Assert.Equal("MLB1003", (string?)ageCase.Element("failure")!.Attribute("type"));
        Assert.Null(junit.Descendants("testcase").Single(t => (string?)t.Attribute("name") == "read").Element("error"));
        Assert.True(File.Exists(Path.Combine(_dir, "a.profile.json")));
    }

    [Fact]
    public void An_unreadable_file_is_an_error_verdict_in_every_report()
    {
        Write("s.json", Schema);
        Write("train.csv", "id,age,plan\n1,30,\"basic\n");
        var summary = Path.Combine(_dir, "summary.md");
        Environment.SetEnvironmentVariable("GITHUB_STEP_SUMMARY", summary);
        try { Assert.Equal(2, Run("data", "validate", "train.csv", "-s", "s.json", "--json", "r.json", "--junit", "r.xml", "--sarif", "r.sarif").Exit); }
        finally { Environment.SetEnvironmentVariable("GITHUB_STEP_SUMMARY", null); }

        using var json = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(_dir, "r.json")));
        Assert.Equal("error", json.RootElement.GetProperty("verdict").GetString());
        Assert.Equal(2, json.RootElement.GetProperty("exitCode").GetInt32());
        var dataset = json.RootElement.GetProperty("sections")[0];
        Assert.Equal("error", dataset.GetProperty("verdict").GetString());
        var read = dataset.GetProperty("sections")[0];
        Assert.Equal("read", read.GetProperty("id").GetString());
        Assert.Equal("error", read.GetProperty("verdict").GetString());
        var code = read.GetProperty("diagnostics")[0].GetProperty("code").GetString();
        Assert.StartsWith("MLB", code);

        var junit = XDocument.Load(Path.Combine(_dir, "r.xml"));
        var error = junit.Descendants("testcase").Single(t => (string?)t.Attribute("name") == "read").Element("error");
        Assert.Equal(code, (string?)error!.Attribute("type"));
        Assert.Equal("1", (string?)junit.Root!.Attribute("errors"));

        using var sarif = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(_dir, "r.sarif")));
        Assert.Equal(code, sarif.RootElement.GetProperty("runs")[0].GetProperty("results")[0].GetProperty("ruleId").GetString());
        Assert.Contains($"### `train`: ⛔ error", File.ReadAllText(summary));
        Assert.Contains($"| read (the files are readable) | error | {code} |", File.ReadAllText(summary));
    }

    [Fact]
    public void A_report_to_dash_goes_to_standard_output_alone()
    {
        Write("s.json", Schema);
        Write("train.csv", "id,age,plan\n1,-30,basic\n");
        var (exit, output, err) = Run("data", "validate", "train.csv", "-s", "s.json", "--json", "-");
        Assert.Equal(1, exit);
        using var json = JsonDocument.Parse(output); // nothing but the report
        Assert.Equal(ReportDocument.FormatVersion, json.RootElement.GetProperty("formatVersion").GetInt32());
        Assert.Contains("error MLB1003", err);
        Assert.Contains("mlbuild: dataset 'train': 1 of", err);
        Assert.False(File.Exists(Path.Combine(_dir, "-")));
    }

    [Fact]
    public void Reports_go_through_symlinks_and_an_unwritable_one_is_a_coded_error_after_the_findings()
    {
        Write("s.json", Schema);
        Write("train.csv", "id,age,plan\n1,-30,basic\n");
        Directory.CreateDirectory(Path.Combine(_dir, "out"));
        File.CreateSymbolicLink(Path.Combine(_dir, "report.sarif"), "out/real.sarif");
        var (exit, _, err) = Run("data", "validate", "train.csv", "-s", "s.json", "--sarif", "report.sarif");
        Assert.Equal(1, exit);
        Assert.Equal("out/real.sarif", new FileInfo(Path.Combine(_dir, "report.sarif")).LinkTarget);
        using (JsonDocument.Parse(File.ReadAllBytes(Path.Combine(_dir, "out", "real.sarif")))) { }

        // A folder where the report should go, or a device that is full: MLB9004 and exit 2, the findings printed first.
        var folder = Run("data", "validate", "train.csv", "-s", "s.json", "--json", "out");
        Assert.Equal(2, folder.Exit);
        Assert.Contains("out: error MLB9004: Cannot write 'out' (", folder.Err);
        Assert.True(folder.Err.IndexOf("MLB1003", StringComparison.Ordinal) < folder.Err.IndexOf("MLB9004", StringComparison.Ordinal));
        if (OperatingSystem.IsLinux())
        {
            // A full device: a copy of /dev/full made here where possible (root), so a regression replaces only that.
            var device = Path.Combine(_dir, "full");
            using (var mknod = System.Diagnostics.Process.Start("mknod", ["-m", "666", device, "c", "1", "7"])) mknod.WaitForExit();
            if (!File.Exists(device)) device = "/dev/full";
            var full = Run("data", "validate", "train.csv", "-s", "s.json", "--sarif", device);
            Assert.Equal(2, full.Exit);
            Assert.Contains($"{device}: error MLB9004:", full.Err);
        }
    }

    [Fact]
    public void Numbers_near_the_ends_of_the_double_range_are_profiled_and_reported()
    {
        Write("s.json", """{"schemaVersion": 1, "columns": [{"name": "x", "type": "float"}, {"name": "y", "type": "float"}]}""");
        Write("big.csv", "x,y\n1e155,1.7e308\n-1e155,-1.7e308\n1.7e308,\n");
        var (exit, output, err) = Run("data", "validate", "big.csv", "-s", "s.json", "--json", "r.json", "--profile", "p.json", "--sarif", "r.sarif");
        Assert.True(exit == 0, err);
        Assert.Contains("is valid: 3 rows", output);
        using (JsonDocument.Parse(File.ReadAllBytes(Path.Combine(_dir, "r.json")))) { }
        using (JsonDocument.Parse(File.ReadAllBytes(Path.Combine(_dir, "r.sarif")))) { }
        using var json = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(_dir, "p.json")));
        var columns = json.RootElement.GetProperty("datasets").GetProperty("big").GetProperty("columns");
        var x = columns[0];
        Assert.Equal(1.7e308 / 3, x.GetProperty("mean").GetDouble(), 1.7e308 / 3 * 1e-14);
        Assert.Equal(Math.Sqrt(3) * (1.7e308 / 3), x.GetProperty("std").GetDouble(), 1e294);
        Assert.Equal("1.7E+308", x.GetProperty("max").GetString());
        var y = columns[1];
        Assert.Equal(0, y.GetProperty("mean").GetDouble());
        Assert.False(y.TryGetProperty("std", out _)); // 1.7e308 * sqrt(2), beyond the largest double: left out
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
        Assert.Contains("### `train`: ❌ fail", md);
        Assert.Contains("\n1 rows in train.csv; ", md);
        Assert.Contains("| age.min (min 0) | fail | MLB1003 | 1 | train.csv(2,2) | `-30` ×1 |", md);
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
    public void Engine_keeps_the_findings_when_a_report_cannot_be_written()
    {
        Write("s.json", Schema);
        Write("train.csv", "id,age,plan\n1,-1,basic\n");
        Directory.CreateDirectory(Path.Combine(_dir, "reports", "data-report.json")); // a folder where the report goes
        Write("req.json", JsonSerializer.Serialize(new
        {
            formatVersion = 1,
            projectDirectory = _dir,
            reportDirectory = Path.Combine(_dir, "reports"),
            datasets = new[] { new { name = "train", files = new[] { "train.csv" }, schema = "s.json" } },
        }));
        var (exit, _, _) = Run("engine", "validate", "--request", "req.json", "--result", "res.tsv");
        Assert.Equal(2, exit);
        var (code, diagnostics, _) = ResultFile.Read(Path.Combine(_dir, "res.tsv"));
        Assert.Equal(2, code);
        Assert.Equal(["MLB1003", "MLB9004"], diagnostics.Select(d => d.Code).ToArray());
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

    [Fact]
    public void An_argument_starting_with_at_is_a_file_name_not_a_response_file()
    {
        Write("s.json", Schema);
        Write("@train.csv", "id,age,plan\n1,30,basic\n");
        var (exit, output, err) = Run("data", "validate", "@train.csv", "--schema", "s.json");
        Assert.True(exit == 0, err);
        Assert.Contains("is valid: 1 rows", output);
    }

    [Fact]
    public void An_unknown_option_and_a_thread_count_below_one_are_command_line_errors()
    {
        Write("s.json", Schema);
        Write("train.csv", "id,age,plan\n1,30,basic\n");
        var unknown = Run("data", "validate", "train.csv", "--schema", "s.json", "--bogus");
        Assert.Equal(2, unknown.Exit);
        Assert.Contains("error MLB9002: Unknown option '--bogus'", unknown.Err);
        Assert.DoesNotContain("not found", unknown.Err);
        var threads = Run("data", "validate", "train.csv", "--schema", "s.json", "--threads", "-1");
        Assert.Equal(2, threads.Exit);
        Assert.Contains("error MLB9002: --threads must be at least 1, not -1.", threads.Err);
        Assert.Equal(0, Run("data", "validate", "./train.csv", "--schema", "s.json", "--threads", "1").Exit);
    }

    [Fact]
    public void A_schema_that_never_ends_or_is_a_folder_is_a_coded_error()
    {
        Write("train.csv", "id,age,plan\n1,30,basic\n");
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var endless = Run("data", "validate", "train.csv", "--schema", "/dev/zero");
        Assert.Equal(2, endless.Exit);
        Assert.Contains("/dev/zero: error MLB9111: Schema file '/dev/zero' is larger than 64 MiB", endless.Err);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"took {watch.Elapsed}");
        Directory.CreateDirectory(Path.Combine(_dir, "schema-folder.json"));
        var folder = Run("data", "validate", "train.csv", "--schema", "schema-folder.json");
        Assert.Equal(2, folder.Exit);
        Assert.DoesNotContain("MLB9000", folder.Err);
    }
}
