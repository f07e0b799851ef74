using System.Text;
using MlBuild.Core.Data.Schema;
using MlBuild.Core.Data.Validation;
using MlBuild.Core.Diagnostics;
using MlBuild.Core.Tests.Parquet;
using global::Parquet.Schema;

namespace MlBuild.Core.Tests.Validation;

/// <summary>
/// Integers past 2^53, datetimes a tick apart and offsets at the edge of the calendar are compared exactly, through
/// the validator on real CSV and Parquet files (issue 12, class 3).
/// </summary>
public class ExactnessTests
{
    const long Two53 = 9007199254740992; // 2^53: the next integer, ...993, has no double of its own

    static ValidationResult ValidateCsv(TempDir dir, string schema, string csv, int parallelism = 2)
    {
        dir.Write("data.csv", csv);
        var s = SchemaLoader.Parse(Encoding.UTF8.GetBytes(schema), "data.schema.json");
        return DatasetValidator.Validate(new DatasetRequest("data", ["data.csv"], s, dir.Path), new ValidationOptions { MaxParallelism = parallelism });
    }

    static CheckResult Check(ValidationResult r, string id) => r.Checks.Single(c => c.Id == id);

    /// <summary>A CSV of one integer column: <paramref name="filler"/> rows of 1 (so the batch takes the vector path
    /// when there are many) and the given values after them.</summary>
    static string Integers(int filler, params long[] values) =>
        "x\n" + string.Concat(Enumerable.Repeat("1\n", filler)) + string.Concat(values.Select(v => v + "\n"));

    [Theory]
    [InlineData(0)]      // a few values: the scalar loop
    [InlineData(5000)]   // many: the batch's extremes decide in the vector path
    public void An_integer_one_above_a_max_of_2_pow_53_fails_and_the_max_itself_passes(int filler)
    {
        using var dir = new TempDir();
        var r = ValidateCsv(dir, $$"""{"schemaVersion": 1, "columns": [{"name": "x", "type": "integer", "max": {{Two53}}, "min": -{{Two53}}}]}""",
            Integers(filler, Two53, Two53 + 1, -Two53, -Two53 - 1));
        var max = Check(r, "x.max");
        Assert.Equal(1, max.Failures);
        Assert.Equal("9007199254740993", max.FirstFailures[0].Value);
        var min = Check(r, "x.min");
        Assert.Equal(1, min.Failures);
        Assert.Equal("-9007199254740993", min.FirstFailures[0].Value);
        // The profile's extremes are the integers, not their doubles.
        var profile = r.Profile!.Columns.Single(c => c.Name == "x");
        Assert.Equal("-9007199254740993", profile.MinText);
        Assert.Equal("9007199254740993", profile.MaxText);
    }

    [Fact]
    public void Exclusive_and_fractional_bounds_on_integers_past_2_pow_53_are_exact()
    {
        using var dir = new TempDir();
        // exclusiveMax 2^53+1: ...993 fails, ...992 passes. min 2^53 + 0.5 written with a fraction: ...992 fails, ...993 passes.
        var r = ValidateCsv(dir, $$"""{"schemaVersion": 1, "columns": [{"name": "x", "type": "integer", "max": {{Two53 + 1}}, "exclusiveMax": true, "min": 9007199254740992.5}]}""",
            "x\n9007199254740992\n9007199254740993\n");
        Assert.Equal(["9007199254740993"], Check(r, "x.max").FirstFailures.Select(f => f.Value));
        Assert.Equal(["9007199254740992"], Check(r, "x.min").FirstFailures.Select(f => f.Value));
        // A bound far past the long range (1e30) lets every integer through, and a huge negative min too.
        var wide = ValidateCsv(dir, """{"schemaVersion": 1, "columns": [{"name": "x", "type": "integer", "max": 1e30, "min": -1e999}]}""",
            "x\n9223372036854775807\n-9223372036854775808\n");
        Assert.Equal(0, wide.ExitCode);
    }

    [Fact]
    public void Rules_compare_integers_past_2_pow_53_exactly_with_constants_and_with_other_columns()
    {
        using var dir = new TempDir();
        var r = ValidateCsv(dir, $$"""
            {"schemaVersion": 1, "columns": [{"name": "a", "type": "integer"}, {"name": "b", "type": "integer"}, {"name": "f", "type": "float"}],
             "rules": [{"name": "const", "check": "a <= {{Two53}}"}, {"name": "cols", "check": "a <= b"}, {"name": "left", "check": "{{Two53}} >= a"},
                       {"name": "float", "check": "a <= f"}]}
            """,
            $"a,b,f\n{Two53 + 1},{Two53},9007199254740992\n{Two53},{Two53},9007199254740992\n");
        Assert.Equal(1, Check(r, "rule:const").Failures);
        Assert.Equal(1, Check(r, "rule:cols").Failures);
        Assert.Equal(1, Check(r, "rule:left").Failures);
        Assert.Equal(1, Check(r, "rule:float").Failures);
        Assert.Equal(2, Check(r, "rule:const").FirstFailures[0].Location.Line);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Parquet_INT64_past_2_pow_53_fails_its_max_and_allowed_set_plain_and_dictionary_encoded(bool dictionary)
    {
        using var dir = new TempFolder();
        // Dictionary encoding (few distinct values) takes the per-entry checker; distinct values the per-cell one.
        var values = dictionary
            ? Enumerable.Range(0, 4000).Select(i => i % 2 == 0 ? Two53 : Two53 + 1).ToArray()
            : Enumerable.Range(0, 4000).Select(i => i == 3999 ? Two53 + 1 : (long)i).ToArray();
        ParquetTestFiles.Write(dir.File("x.parquet"), new TestColumn(new DataField<long>("x"), values));
        var r = ParquetTestFiles.Validate(dir.Path, "x.parquet",
            $$"""{"schemaVersion": 1, "columns": [{"name": "x", "type": "integer", "max": {{Two53}}}]}""");
        Assert.Equal(values.Count(v => v > Two53), r.Check("x.max").Failures);
        Assert.Equal("9007199254740993", r.Column("x").MaxText);
        var allowed = ParquetTestFiles.Validate(dir.Path, "x.parquet",
            $$"""{"schemaVersion": 1, "columns": [{"name": "x", "type": "integer", "allowed": ["{{Two53 + 1}}"]}]}""");
        Assert.Equal(values.Count(v => v != Two53 + 1), allowed.Check("x.allowed").Failures);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5000)]
    public void A_datetime_one_tick_above_its_max_fails(int filler)
    {
        using var dir = new TempDir();
        var r = ValidateCsv(dir, """
            {"schemaVersion": 1, "columns": [{"name": "t", "type": "datetime", "max": "2024-06-30T12:00:00.0000000Z"}],
             "rules": [{"name": "noon", "check": "t <= '2024-06-30T12:00:00Z'"}]}
            """,
            "t\n" + string.Concat(Enumerable.Repeat("2024-01-01T00:00:00Z\n", filler)) + "2024-06-30T12:00:00Z\n2024-06-30T12:00:00.0000001Z\n");
        var max = Check(r, "t.max");
        Assert.Equal(1, max.Failures);
        Assert.Equal("2024-06-30T12:00:00.0000001Z", max.FirstFailures[0].Value);
        Assert.Equal(1, Check(r, "rule:noon").Failures);
        Assert.Equal("2024-06-30T12:00:00.0000001Z", r.Profile!.Columns.Single().MaxText);
    }

    [Fact]
    public void A_datetime_before_year_1_in_UTC_is_a_type_error_not_23_00_of_the_same_day()
    {
        using var dir = new TempDir();
        var r = ValidateCsv(dir, """{"schemaVersion": 1, "columns": [{"name": "t", "type": "datetime"}]}""",
            "t\n0001-01-01T00:00:00+01:00\n0001-01-01T05:00:00+01:00\n2024-01-01T00:30:00+01:00\n");
        var type = Check(r, "t.type");
        Assert.Equal(1, type.Failures);
        Assert.Equal("0001-01-01T00:00:00+01:00", type.FirstFailures[0].Value);
        var t = r.Profile!.Columns.Single();
        Assert.Equal("0001-01-01T04:00:00Z", t.MinText);
        Assert.Equal("2023-12-31T23:30:00Z", t.MaxText);
        // A bound written that way is refused where it is written, not moved to another instant.
        var e = Assert.Throws<MlBuildException>(() => SchemaLoader.Parse(Encoding.UTF8.GetBytes(
            """{"schemaVersion": 1, "columns": [{"name": "t", "type": "datetime", "min": "0001-01-01T00:00:00+01:00"}]}"""), "s.json"));
        Assert.Equal(DiagnosticCodes.SchemaInvalidValue.Code, e.Diagnostic.Code);
    }

    [Fact]
    public void Infer_keeps_a_Parquet_DOUBLE_with_NaN_as_float_with_a_warning_and_validate_reports_the_NaN_as_data()
    {
        using var dir = new TempFolder();
        var values = Enumerable.Range(0, 200).Select(i => i % 50 == 7 ? double.NaN : i / 4.0).ToArray();
        ParquetTestFiles.Write(dir.File("t.parquet"), new TestColumn(new DataField<double>("score"), values));
        var inferred = SchemaInferrer.Infer("t", ["t.parquet"], dir.Path);
        Assert.Equal(ColumnType.Float, inferred.Schema.Columns.Single().Type);
        var warning = Assert.Single(inferred.Diagnostics, d => d.Code == DiagnosticCodes.InferredNonFinite.Code);
        Assert.Contains("4 of its values", warning.Message);
        var reloaded = SchemaLoader.Parse(Encoding.UTF8.GetBytes(inferred.Json), "t.schema.json");
        var r = DatasetValidator.Validate(new DatasetRequest("t", ["t.parquet"], reloaded, dir.Path));
        Assert.Empty(r.InputErrors);
        Assert.Equal(4, r.Check("score.type").Failures);
        Assert.Equal(1, r.ExitCode);
    }
}
