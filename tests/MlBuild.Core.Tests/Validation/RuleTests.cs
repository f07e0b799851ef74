using System.Text;
using MlBuild.Core.Data.Schema;
using MlBuild.Core.Data.Validation;
using MlBuild.Core.Diagnostics;

namespace MlBuild.Core.Tests.Validation;

/// <summary>Row rules with quoted column names and constants, run on real CSV files through the validator.</summary>
public class RuleTests
{
    static ValidationResult Validate(TempDir dir, string schema, string csv)
    {
        dir.Write("data.csv", csv);
        var schemaPath = dir.Write("data.schema.json", schema);
        var s = SchemaLoader.Load(schemaPath, "data.schema.json");
        return DatasetValidator.Validate(new DatasetRequest("data", ["data.csv"], s, dir.Path));
    }

    static MlDiagnostic LoadFails(TempDir dir, string schema)
    {
        var schemaPath = dir.Write("bad.schema.json", schema);
        return Assert.Throws<MlBuildException>(() => SchemaLoader.Load(schemaPath, "bad.schema.json")).Diagnostic;
    }

    static CheckResult Check(ValidationResult r, string id) => r.Checks.Single(c => c.Id == id);

    [Fact]
    public void Quoted_column_names_with_spaces_and_brackets_catch_the_bad_row_at_its_line()
    {
        using var dir = new TempDir();
        var r = Validate(dir, """
            {
              "schemaVersion": 1,
              "columns": [
                {"name": "Beak Length (mm)", "type": "float"},
                {"name": "Beak Depth (mm)", "type": "float"},
                {"name": "Flipper [mm]", "type": "integer"}
              ],
              "rules": [
                {"name": "beak", "check": "`Beak Length (mm)` > `Beak Depth (mm)`"},
                {"name": "flipper", "check": "\"Flipper [mm]\" >= \"Beak Length (mm)\""}
              ]
            }
            """,
            "Beak Length (mm),Beak Depth (mm),Flipper [mm]\n" +
            "39.1,18.7,181\n" +
            "39.5,17.4,186\n" +
            "17.0,40.3,195\n" +      // line 4: length below depth
            ",18.0,190\n" +          // line 5: null length, both rules skip it
            "46.5,17.9,30\n");       // line 6: flipper below beak length
        var beak = Check(r, "rule:beak");
        Assert.Equal((1L, 4L), (beak.Failures, beak.Evaluated));
        Assert.Equal(4, beak.FirstFailures[0].Location.Line);
        Assert.Equal(1, beak.FirstFailures[0].Location.Column);
        var flipper = Check(r, "rule:flipper");
        Assert.Equal((1L, 4L), (flipper.Failures, flipper.Evaluated));
        Assert.Equal(6, flipper.FirstFailures[0].Location.Line);
        Assert.Equal(3, flipper.FirstFailures[0].Location.Column);
        Assert.NotEqual(0, r.ExitCode);
    }

    [Fact]
    public void A_doubled_quote_inside_a_quoted_name_stands_for_the_quote()
    {
        using var dir = new TempDir();
        var r = Validate(dir, """
            {"schemaVersion": 1,
             "columns": [{"name": "it`s", "type": "integer"}, {"name": "say \"hi\"", "type": "integer"}],
             "rules": [{"name": "positive", "check": "`it``s` > 0"}, {"name": "order", "check": "\"say \"\"hi\"\"\" < `it``s`"}]}
            """, "it`s,\"say \"\"hi\"\"\"\n5,1\n-1,-2\n2,3\n");
        Assert.Equal(3, Check(r, "rule:positive").FirstFailures[0].Location.Line);
        Assert.Equal(1, Check(r, "rule:positive").Failures);
        Assert.Equal(4, Check(r, "rule:order").FirstFailures[0].Location.Line);
        Assert.Equal(1, Check(r, "rule:order").Failures);
    }

    [Fact]
    public void Constants_on_either_side_compare_numbers_dates_and_datetimes()
    {
        using var dir = new TempDir();
        var r = Validate(dir, """
            {
              "schemaVersion": 1,
              "columns": [
                {"name": "age", "type": "integer"},
                {"name": "score", "type": "float"},
                {"name": "signup", "type": "date", "format": "dd/MM/yyyy"},
                {"name": "seen", "type": "datetime"}
              ],
              "rules": [
                {"name": "adult", "check": "age >= 18"},
                {"name": "score_cap", "check": "1.5e0 > score"},
                {"name": "launched", "check": "'2020-01-01' <= signup"},
                {"name": "launched_local", "check": "signup != '29/02/2024'"},
                {"name": "seen_before_cutoff", "check": "seen < '2025-01-01T00:00:00Z'"}
              ]
            }
            """,
            "age,score,signup,seen\n" +
            "30,0.5,15/03/2021,2024-05-01T10:00:00Z\n" +
            "17,1.2,01/01/2020,2024-12-31T23:59:59Z\n" +   // line 3: under 18
            "45,1.5,31/12/2019,2025-01-01T00:00:00Z\n" +   // line 4: score at the cap, signup before launch, seen at the cutoff
            "50,-2,29/02/2024,2023-01-01T00:00:00Z\n");    // line 5: the excluded date
        Assert.Equal(3, Check(r, "rule:adult").FirstFailures[0].Location.Line);
        Assert.Equal((1L, 4L), (Check(r, "rule:adult").Failures, Check(r, "rule:adult").Evaluated));
        Assert.Equal(1, Check(r, "rule:score_cap").Failures);
        Assert.Equal(4, Check(r, "rule:score_cap").FirstFailures[0].Location.Line);
        Assert.Equal(1, Check(r, "rule:launched").Failures);
        Assert.Equal(4, Check(r, "rule:launched").FirstFailures[0].Location.Line);
        Assert.Equal(3, Check(r, "rule:launched").FirstFailures[0].Location.Column);
        Assert.Equal(1, Check(r, "rule:launched_local").Failures);
        Assert.Equal(5, Check(r, "rule:launched_local").FirstFailures[0].Location.Line);
        Assert.Equal(1, Check(r, "rule:seen_before_cutoff").Failures);
        Assert.Equal(4, Check(r, "rule:seen_before_cutoff").FirstFailures[0].Location.Line);
    }

    [Fact]
    public void A_date_compared_with_a_number_is_refused_at_load_at_the_rule()
    {
        using var dir = new TempDir();
        var d = LoadFails(dir, """
            {
              "schemaVersion": 1,
              "columns": [{"name": "signup", "type": "date"}, {"name": "age", "type": "integer"}],
              "rules": [
                {"name": "ok", "check": "age > 0"},
                {"name": "nonsense", "check": "signup > 20200101"}
              ]
            }
            """);
        Assert.Equal(("MLB9110", "bad.schema.json", 6, 35), (d.Code, d.File, d.Line, d.Column));
        Assert.Contains("date column 'signup'", d.Message);
    }

    [Theory]
    [InlineData("signup > age", "type date with column 'age' of type integer")]
    [InlineData("signup >= seen", "type date with column 'seen' of type datetime")]
    [InlineData("age > '18'", "write a number without quotes")]
    [InlineData("signup > '2024-13-45'", "not a date")]
    [InlineData("1 < 2", "two constants")]
    [InlineData("`no such column` > 1", "'no such column', which the schema does not declare")]
    [InlineData("Beak Length (mm) > 1", "is not of the form")]
    [InlineData("`Beak Length > 1", "is not of the form")]
    [InlineData("age >> 1", "is not of the form")]
    public void Mismatched_or_malformed_rules_are_MLB9110(string check, string why)
    {
        using var dir = new TempDir();
        var d = LoadFails(dir, $$"""
            {"schemaVersion": 1,
             "columns": [{"name": "signup", "type": "date"}, {"name": "age", "type": "integer"}, {"name": "seen", "type": "datetime"}],
             "rules": [{"check": "{{check.Replace("\"", "\\\"")}}"}]}
            """);
        Assert.Equal(("MLB9110", 3), (d.Code, d.Line));
        Assert.Contains(why, d.Message);
    }
}
