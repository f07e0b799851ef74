using System.Text.Json;
using Parquet;
using Parquet.Schema;

namespace MlBuild.Cli.Tests;

/// <summary>
/// Issue 12 through `dotnet ml`: exact integers and datetimes, a Parquet DOUBLE with NaN through infer then validate,
/// and a GITHUB_STEP_SUMMARY that cannot be written. In the non-parallel collection: the step summary variable is
/// process-wide.
/// </summary>
[Collection(nameof(ProfileDriftCommandTests))]
public sealed class TrustCommandTests : CliWorkspace
{
    [Fact]
    public void Validate_fails_an_integer_one_above_a_max_of_2_pow_53_and_a_datetime_one_tick_above_its_max()
    {
        Write("s.json", """
            {"schemaVersion": 1, "columns": [{"name": "id", "type": "integer", "max": 9007199254740992},
                                              {"name": "t", "type": "datetime", "max": "2024-06-30T12:00:00Z"}]}
            """);
        Write("ok.csv", "id,t\n9007199254740992,2024-06-30T12:00:00Z\n");
        Assert.Equal(0, Run("data", "validate", "ok.csv", "-s", "s.json").Exit);
        Write("bad.csv", "id,t\n9007199254740993,2024-06-30T12:00:00.0000001Z\n");
        var (exit, _, err) = Run("data", "validate", "bad.csv", "-s", "s.json");
        Assert.Equal(1, exit);
        Assert.Contains("bad.csv(2,1): error MLB1004: column 'id' value '9007199254740993' is above max 9007199254740992", err);
        Assert.Contains("bad.csv(2,2): error MLB1004: column 't' value '2024-06-30T12:00:00.0000001Z' is above max 2024-06-30T12:00:00Z", err);
    }

    [Fact]
    public void Profiles_keep_integers_past_2_pow_53_and_datetimes_exact_through_a_merge()
    {
        Write("s.json", """{"schemaVersion": 1, "columns": [{"name": "id", "type": "integer"}, {"name": "t", "type": "datetime"}]}""");
        Write("a.csv", "id,t\n9007199254740993,0001-01-01T05:00:00+01:00\n");
        Write("b.csv", "id,t\n-9007199254740993,2024-01-01T00:00:00.0000001Z\n");
        Assert.Equal(0, Run("data", "profile", "a.csv", "-s", "s.json", "-o", "a.json").Exit);
        Assert.Equal(0, Run("data", "profile", "b.csv", "-s", "s.json", "-o", "b.json").Exit);
        Assert.Equal(0, Run("data", "profile", "merge", "a.json", "b.json", "-o", "m.json").Exit);
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(_dir, "m.json")));
        var columns = doc.RootElement.GetProperty("columns").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!);
        Assert.Equal("-9007199254740993", columns["id"].GetProperty("minText").GetString());
        Assert.Equal("9007199254740993", columns["id"].GetProperty("maxText").GetString());
        Assert.Equal("0001-01-01T04:00:00Z", columns["t"].GetProperty("minText").GetString());
        Assert.Equal("2024-01-01T00:00:00.0000001Z", columns["t"].GetProperty("maxText").GetString());
    }

    [Fact]
    public async Task Infer_writes_float_for_a_Parquet_DOUBLE_holding_NaN_and_validate_reads_the_file_with_that_schema()
    {
        var field = new DataField<double>("score");
        await using (var fs = File.Create(Path.Combine(_dir, "t.parquet")))
        await using (var writer = await ParquetWriter.CreateAsync(new ParquetSchema(field), fs))
        {
            using var rg = writer.CreateRowGroup();
            await rg.WriteAsync<double>(field, new[] { 1.5, double.NaN, 2.5, 3.0 });
        }
        var (exit, _, err) = Run("data", "infer", "t.parquet", "-o", "t.schema.json");
        Assert.True(exit == 0, err);
        Assert.Contains("warning MLB1023: column 'score' is float in the file, but 1 of its values", err);
        using (var schema = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(_dir, "t.schema.json"))))
            Assert.Equal("float", schema.RootElement.GetProperty("columns")[0].GetProperty("type").GetString());
        // The NaN is a data finding (exit 1) at its row, not a schema that cannot read the file (exit 2).
        var validate = Run("data", "validate", "t.parquet", "-s", "t.schema.json");
        Assert.Equal(1, validate.Exit);
        Assert.Contains("MLB1001", validate.Err);
    }

    [Fact]
    public void A_GITHUB_STEP_SUMMARY_that_names_a_folder_gets_a_coded_warning_and_the_findings_stand()
    {
        Write("s.json", """{"schemaVersion": 1, "columns": [{"name": "x", "type": "integer", "min": 0}]}""");
        Write("d.csv", "x\n-1\n");
        Write("ref.csv", "x\n1\n");
        var folder = Directory.CreateDirectory(Path.Combine(_dir, "summary-folder")).FullName;
        Environment.SetEnvironmentVariable("GITHUB_STEP_SUMMARY", folder);
        try
        {
            var (exit, _, err) = Run("data", "validate", "d.csv", "-s", "s.json");
            Assert.Equal(1, exit);
            Assert.Contains("error MLB1003", err);
            Assert.Contains($"warning MLB9040: The job summary was not written: GITHUB_STEP_SUMMARY names '{folder}', and it is a folder.", err);

            var schemaless = """{"schemaVersion": 1, "columns": [{"name": "x", "type": "integer"}]}""";
            Write("p.json", schemaless);
            Assert.Equal(0, Run("data", "profile", "ref.csv", "-s", "p.json", "-o", "ref.profile.json").Exit);
            var drift = Run("data", "drift", "--reference", "ref.profile.json", "--current", "d.csv");
            Assert.Contains("warning MLB9040", drift.Err);

            // A file in a folder that does not exist: the reason is the system's.
            Environment.SetEnvironmentVariable("GITHUB_STEP_SUMMARY", Path.Combine(_dir, "missing", "summary.md"));
            var missing = Run("data", "validate", "d.csv", "-s", "s.json");
            Assert.Equal(1, missing.Exit);
            Assert.Contains("warning MLB9040", missing.Err);
        }
        finally { Environment.SetEnvironmentVariable("GITHUB_STEP_SUMMARY", null); }
        Assert.Empty(Directory.EnumerateFileSystemEntries(folder));
    }

    [Fact]
    public void A_profile_output_under_a_file_is_MLB9004_not_an_internal_error()
    {
        Write("s.json", """{"schemaVersion": 1, "columns": [{"name": "x", "type": "integer"}]}""");
        Write("d.csv", "x\n1\n");
        var (exit, _, err) = Run("data", "profile", "d.csv", "-s", "s.json", "-o", "d.csv/profile.json");
        Assert.Equal(2, exit);
        Assert.Contains("d.csv/profile.json: error MLB9004: Cannot write 'd.csv/profile.json'", err);
        Assert.DoesNotContain("MLB9000", err);
    }
}
