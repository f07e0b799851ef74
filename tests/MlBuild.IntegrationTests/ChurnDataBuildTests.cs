namespace MlBuild.IntegrationTests;

/// <summary>`dotnet build` of a standalone copy of samples/ChurnData that references the packed MlBuild package.</summary>
[Collection(PackagesCollection.Name)]
public sealed class ChurnDataBuildTests(PackagesFixture packages, ITestOutputHelper output)
{
    const string Data = "data/train.csv";
    const string SkippedValidation = "Skipping target \"MlBuildValidateData\" because all output files are up-to-date";

    SampleWorkspace Workspace(string name) => SampleWorkspace.Create(packages, output, "ChurnData", name);

    string StampFile(SampleWorkspace ws) => ws.PathOf("obj/Debug/net10.0/mlbuild/validate-data.ok");

    [Fact]
    public void Build_clean_sample_succeeds_then_skips_validation_until_data_changes()
    {
        using var guard = new TestGuard(packages, output);
        var ws = Workspace("clean");

        var first = ws.Build("-v:n");
        Assert.Equal(0, first.ExitCode);
        Assert.Empty(first.MlbDiagnostics);
        Assert.Contains("engine validate", first.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(SkippedValidation, first.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(StampFile(ws)));
        using (var report = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(ws.PathOf("obj/Debug/net10.0/mlbuild/data-report.json"))))
            output.WriteLine("data-report.json: " + report.RootElement.GetRawText()[..Math.Min(400, report.RootElement.GetRawText().Length)]);

        var second = ws.Build("-v:n");
        Assert.Equal(0, second.ExitCode);
        Assert.Contains(SkippedValidation, second.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("engine validate", second.Output, StringComparison.Ordinal);

        File.SetLastWriteTimeUtc(ws.PathOf(Data), DateTime.UtcNow.AddSeconds(2));
        var third = ws.Build("-v:n");
        Assert.Equal(0, third.ExitCode);
        Assert.DoesNotContain(SkippedValidation, third.Output, StringComparison.Ordinal);
        Assert.Contains("engine validate", third.Output, StringComparison.Ordinal);

        File.SetLastWriteTimeUtc(ws.PathOf("data/train.schema.json"), DateTime.UtcNow.AddSeconds(4));
        var fourth = ws.Build("-v:n");
        Assert.Equal(0, fourth.ExitCode);
        Assert.Contains("engine validate", fourth.Output, StringComparison.Ordinal);

        var clean = ws.Dotnet_("clean");
        Assert.Equal(0, clean.ExitCode);
        Assert.False(File.Exists(StampFile(ws)));
        Assert.False(File.Exists(ws.PathOf("obj/Debug/net10.0/mlbuild/data-report.json")));
        guard.Passed();
    }

    [Fact]
    public void Build_prints_one_summary_line_per_dataset_at_the_default_verbosity()
    {
        using var guard = new TestGuard(packages, output);
        var ws = Workspace("summary");

        var run = ws.Build(); // no -v: dotnet build's default (minimal) verbosity

        Assert.Equal(0, run.ExitCode);
        Assert.Matches(@"(?m)^\s*data/train\.csv: 300 rows, [1-9][0-9]* checks passed\s*$", run.Output);
        guard.Passed();
    }

    [Fact]
    public void Build_reports_each_bad_row_of_a_check_up_to_MlBuildMaxLocationsPerCheck_and_names_the_report()
    {
        using var guard = new TestGuard(packages, output);
        var ws = Workspace("max-locations");
        foreach (var (line, age) in new[] { (11, "-3"), (21, "-4"), (31, "-5") })
            ws.SetCsvField(Data, line, 2, age);

        var run = ws.Build("-p:MlBuildMaxLocationsPerCheck=2");

        Assert.NotEqual(0, run.ExitCode);
        var errors = run.MlbDiagnostics;
        Assert.Equal([(Data, 11, 2, "MLB1003"), (Data, 21, 2, "MLB1003")], errors.Select(d => (d.File, d.Line, d.Column, d.Code)));
        Assert.EndsWith("(2 of 3 in this check); 1 more, all listed in obj/Debug/net10.0/mlbuild/data-report.json", errors[1].Message, StringComparison.Ordinal);
        guard.Passed();
    }

    // Each fault is written by the test into an otherwise clean copy; the expected diagnostic is exact:
    // file, physical line (header = line 1, customer N on line N + 1), column (1-based field) and code.
    [Theory]
    [InlineData("negative-age", 11, 2, "-3", "MLB1003")]          // age min 18
    [InlineData("unknown-plan", 21, 6, "gold", "MLB1005")]        // plan one of basic, plus, pro
    [InlineData("impossible-date", 31, 8, "2015-02-29", "MLB1001")] // 2015 is not a leap year: a type error
    [InlineData("duplicate-id", 41, 1, "5", "MLB1008")]           // customer_id unique; 5 is on line 6 already
    public void Build_with_faulty_data_fails_with_the_exact_diagnostic(string name, int line, int column, string value, string code)
    {
        using var guard = new TestGuard(packages, output);
        var ws = Workspace(name);
        ws.SetCsvField(Data, line, column, value);

        var run = ws.Build();

        Assert.NotEqual(0, run.ExitCode);
        var d = Assert.Single(run.MlbDiagnostics);
        Assert.Equal((Data, line, column, "error", code), (d.File, d.Line, d.Column, d.Severity, d.Code));
        Assert.Matches($@"(?m)^\s*data/train\.csv\({line},{column}\): error {code}: ", run.Output);
        Assert.False(File.Exists(StampFile(ws)));
        // The engine's JSON report beside the result says the same: one failing check with that code, one failure.
        using (var report = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(ws.PathOf("obj/Debug/net10.0/mlbuild/data-report.json"))))
        {
            var dataset = report.RootElement.GetProperty("sections")[0];
            Assert.Equal("fail", dataset.GetProperty("verdict").GetString());
            var failing = dataset.GetProperty("sections").EnumerateArray().Where(c => c.GetProperty("verdict").GetString() == "fail").ToList();
            var check = Assert.Single(failing);
            Assert.Equal(code, check.GetProperty("code").GetString());
            Assert.Equal(1, check.GetProperty("figures").GetProperty("failures").GetProperty("value").GetInt64());
        }

        // A failed validation is not cached: the next build reports it again (checked once, to keep the suite short).
        if (name != "negative-age")
        {
            guard.Passed();
            return;
        }
        var again = ws.Build();
        Assert.NotEqual(0, again.ExitCode);
        Assert.Equal(code, Assert.Single(again.MlbDiagnostics).Code);
        guard.Passed();
    }

    [Fact]
    public void Build_with_violations_as_warnings_warns_and_follows_the_warning_policy_given_on_the_command_line()
    {
        using var guard = new TestGuard(packages, output);
        var ws = Workspace("as-warnings");
        ws.SetCsvField(Data, 11, 2, "-3");

        var run = ws.Build("-p:MlBuildDataViolationsAsWarnings=true");

        Assert.Equal(0, run.ExitCode);
        var d = Assert.Single(run.MlbDiagnostics);
        Assert.Equal((Data, 11, 2, "warning", "MLB1003"), (d.File, d.Line, d.Column, d.Severity, d.Code));

        // A property given on the command line changes no file, yet it is an input: escalating the code reruns the
        // check, and the warning becomes an error; silencing it reruns it again and the build is quiet.
        var escalated = ws.Build("-p:MlBuildDataViolationsAsWarnings=true", "-p:WarningsAsErrors=MLB1003");
        Assert.NotEqual(0, escalated.ExitCode);
        var e = Assert.Single(escalated.MlbDiagnostics);
        Assert.Equal((Data, 11, 2, "error", "MLB1003"), (e.File, e.Line, e.Column, e.Severity, e.Code));

        var silenced = ws.Build("-p:MlBuildDataViolationsAsWarnings=true", "-p:NoWarn=MLB1003");
        Assert.Equal(0, silenced.ExitCode);
        Assert.Empty(silenced.MlbDiagnostics);

        var errorAgain = ws.Build();
        Assert.NotEqual(0, errorAgain.ExitCode);
        Assert.Equal("error", Assert.Single(errorAgain.MlbDiagnostics).Severity);
        guard.Passed();
    }

    [Theory]
    [InlineData("disabled", "-p:MlBuildEnabled=false")]
    [InlineData("no-data-check", "-p:MlBuildValidateData=false")]
    [InlineData("design-time", "-p:DesignTimeBuild=true")]
    public void Build_with_opt_out_or_in_design_time_does_not_validate(string name, string property)
    {
        using var guard = new TestGuard(packages, output);
        var ws = Workspace(name);
        ws.SetCsvField(Data, 11, 2, "-3");

        var run = ws.Build(property, "-v:n");

        Assert.Empty(run.MlbDiagnostics);
        Assert.DoesNotContain("engine validate", run.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(ws.PathOf("obj/Debug/net10.0/mlbuild/validate-data.request.json")));
        if (property != "-p:DesignTimeBuild=true")
            Assert.Equal(0, run.ExitCode);
        guard.Passed();
    }

    [Fact]
    public void Build_item_with_Validate_false_is_skipped_and_item_without_Schema_is_MLB9010()
    {
        using var guard = new TestGuard(packages, output);
        var ws = Workspace("item-metadata");
        // Items alone: a dataset mlbuild.json declares is validated whatever an item of the same file says.
        File.Delete(ws.PathOf("mlbuild.json"));
        ws.SetCsvField(Data, 11, 2, "-3");
        ws.EditProject(p => p.Replace(
            "<MlBuildDataset Include=\"data/train.csv\" Schema=\"data/train.schema.json\" />",
            "<MlBuildDataset Include=\"data/train.csv\" Schema=\"data/train.schema.json\" Validate=\"false\" />",
            StringComparison.Ordinal));

        var skipped = ws.Build();
        Assert.Equal(0, skipped.ExitCode);
        Assert.Empty(skipped.MlbDiagnostics);

        ws.EditProject(p => p.Replace(" Schema=\"data/train.schema.json\" Validate=\"false\"", "", StringComparison.Ordinal));
        var noSchema = ws.Build();
        Assert.NotEqual(0, noSchema.ExitCode);
        var d = Assert.Single(noSchema.MlbDiagnostics);
        Assert.Equal("MLB9010", d.Code);
        Assert.Contains("data/train.csv", d.Message, StringComparison.Ordinal);
        // At the item's line in the user's project, not at the package's MlBuild.targets in the NuGet cache.
        int itemLine = Array.FindIndex(File.ReadAllLines(ws.ProjectFile), l => l.Contains("<MlBuildDataset Include=\"data/train.csv\"", StringComparison.Ordinal)) + 1;
        Assert.Equal((ws.ProjectFile, itemLine), (d.File, d.Line));
        Assert.DoesNotContain("MlBuild.targets(", noSchema.Output, StringComparison.Ordinal);
        guard.Passed();
    }

    [Fact]
    public void Build_files_grouped_by_Dataset_are_one_dataset_across_files()
    {
        using var guard = new TestGuard(packages, output);
        var ws = Workspace("parts");
        // Split the training data into two files with the same header; one logical dataset "parts" via a wildcard.
        var lines = File.ReadAllLines(ws.PathOf(Data));
        File.WriteAllLines(ws.PathOf("data/part-1.csv"), lines.Take(151));
        File.WriteAllLines(ws.PathOf("data/part-2.csv"), lines.Take(1).Concat(lines.Skip(151)));
        ws.EditProject(p => p.Replace(
            "<MlBuildDataset Include=\"data/train.csv\" Schema=\"data/train.schema.json\" />",
            "<MlBuildDataset Include=\"data/part-*.csv\" Schema=\"data/train.schema.json\" Dataset=\"parts\" />",
            StringComparison.Ordinal));

        var clean = ws.Build();
        Assert.Equal(0, clean.ExitCode);
        Assert.Empty(clean.MlbDiagnostics);
        var request = File.ReadAllText(ws.PathOf("obj/Debug/net10.0/mlbuild/validate-data.request.json"));
        Assert.Contains("\"name\":\"parts\",\"files\":[\"data/part-1.csv\",\"data/part-2.csv\"]", request, StringComparison.Ordinal);

        // Customer 7 (line 8 of part-1) appears again on line 11 of part-2: uniqueness holds across the files.
        ws.SetCsvField("data/part-2.csv", 11, 1, "7");
        var duplicate = ws.Build();
        Assert.NotEqual(0, duplicate.ExitCode);
        var d = Assert.Single(duplicate.MlbDiagnostics);
        Assert.Equal(("data/part-2.csv", 11, 1, "MLB1008"), (d.File, d.Line, d.Column, d.Code));
        guard.Passed();
    }

    [Fact]
    public void Build_with_violations_as_warnings_still_fails_on_an_unreadable_csv_with_its_one_error()
    {
        using var guard = new TestGuard(packages, output);
        var ws = Workspace("unreadable-as-warnings");
        ws.SetCsvField(Data, 11, 2, "\"40"); // a quote that never closes: the file cannot be read (MLB1101)

        var run = ws.Build("-p:MlBuildDataViolationsAsWarnings=true");

        // Unreadable input is not a data finding: the policy does not turn it into a warning, and the engine's exit
        // code 2 is explained by that error (no "MLB9001: exited with code 2 without reporting an error").
        Assert.NotEqual(0, run.ExitCode);
        var d = Assert.Single(run.MlbDiagnostics);
        Assert.Equal((Data, 11, "error", "MLB1101"), (d.File, d.Line, d.Severity, d.Code));
        Assert.False(File.Exists(StampFile(ws)));
        guard.Passed();
    }

    [Fact]
    public void Build_with_a_broken_engine_is_MLB9001_with_exit_code_and_log()
    {
        using var guard = new TestGuard(packages, output);
        var ws = Workspace("broken-engine");
        var fake = ws.PathOf("not-an-engine.dll");
        File.WriteAllText(fake, "this is not an assembly");

        var run = ws.Build($"-p:MlBuildEnginePath={fake}");

        Assert.NotEqual(0, run.ExitCode);
        var d = Assert.Single(run.MlbDiagnostics);
        Assert.Equal("MLB9001", d.Code);
        var log = ws.PathOf("obj/Debug/net10.0/mlbuild/validate-data.log");
        Assert.Contains(log, d.Message, StringComparison.Ordinal);
        Assert.True(File.Exists(log));
        Assert.DoesNotContain("   at ", run.Output, StringComparison.Ordinal); // no stack trace in the build output
        guard.Passed();
    }

    [Fact]
    public void Build_runs_user_targets_hooked_to_MlBuildBeforeChecks_and_MlBuildAfterChecks_in_order()
    {
        using var guard = new TestGuard(packages, output);
        var ws = Workspace("hooks");
        ws.EditProject(p => p.Replace("</Project>", """
              <Target Name="UserBefore" AfterTargets="MlBuildBeforeChecks"><Message Importance="high" Text="hook: before checks" /></Target>
              <Target Name="UserAfter" AfterTargets="MlBuildAfterChecks"><Message Importance="high" Text="hook: after checks" /></Target>
            </Project>
            """, StringComparison.Ordinal));

        var run = ws.Build();

        Assert.Equal(0, run.ExitCode);
        int before = run.Output.IndexOf("hook: before checks", StringComparison.Ordinal);
        int after = run.Output.IndexOf("hook: after checks", StringComparison.Ordinal);
        Assert.True(before >= 0 && after > before, "MlBuildBeforeChecks runs before MlBuildAfterChecks");
        Assert.True(File.Exists(StampFile(ws)));
        guard.Passed();
    }

    [Fact]
    public async Task Build_validates_a_Parquet_dataset_given_by_wildcard()
    {
        using var guard = new TestGuard(packages, output);
        var ws = Workspace("parquet");
        File.WriteAllText(ws.PathOf("data/parts.schema.json"), """
            {
              "schemaVersion": 1,
              "columns": [
                { "name": "customer_id", "type": "integer", "nullable": false, "unique": true, "min": 1 },
                { "name": "age", "type": "integer", "nullable": false, "min": 18, "max": 120 },
                { "name": "plan", "type": "category", "nullable": false, "allowed": ["basic", "plus", "pro"] }
              ],
              "rows": { "min": 4 }
            }
            """);
        await WriteParquet(ws.PathOf("data/part-1.parquet"), [1, 2, 3], [34, 51, 27], ["basic", "pro", "plus"]);
        await WriteParquet(ws.PathOf("data/part-2.parquet"), [4, 5, 6], [45, 19, 62], ["plus", "basic", "pro"]);
        ws.EditProject(p => p.Replace(
            "<MlBuildDataset Include=\"data/train.csv\" Schema=\"data/train.schema.json\" />",
            "<MlBuildDataset Include=\"data/part-*.parquet\" Schema=\"data/parts.schema.json\" Dataset=\"parts\" />",
            StringComparison.Ordinal));

        var clean = ws.Build();
        Assert.Equal(0, clean.ExitCode);
        Assert.Empty(clean.MlbDiagnostics);

        // Parquet has no lines: the diagnostic names the file, and the row group and row are in its text.
        await WriteParquet(ws.PathOf("data/part-2.parquet"), [4, 5, 6], [45, -3, 62], ["plus", "basic", "pro"]);
        var fault = ws.Build();
        Assert.NotEqual(0, fault.ExitCode);
        var d = Assert.Single(fault.MlbDiagnostics);
        Assert.Equal(("data/part-2.parquet", 0, "error", "MLB1003"), (d.File, d.Line, d.Severity, d.Code));
        Assert.Contains("row group 0, row 1", d.Message, StringComparison.Ordinal);
        guard.Passed();
    }

    static async Task WriteParquet(string path, long[] ids, long[] ages, string[] plans)
    {
        var id = new Parquet.Schema.DataField<long>("customer_id");
        var age = new Parquet.Schema.DataField<long>("age");
        var plan = new Parquet.Schema.DataField<string>("plan");
        await using var fs = File.Create(path);
        await using var writer = await Parquet.ParquetWriter.CreateAsync(new Parquet.Schema.ParquetSchema(id, age, plan), fs);
        using var rg = writer.CreateRowGroup();
        await rg.WriteAsync<long>(id, ids.AsMemory());
        await rg.WriteAsync<long>(age, ages.AsMemory());
        await rg.WriteAsync(plan, plans);
    }
}
