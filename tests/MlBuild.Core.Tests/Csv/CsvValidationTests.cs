using System.Text;
using MlBuild.Core.Data.Schema;
using MlBuild.Core.Data.Validation;
using MlBuild.Core.Diagnostics;
using MlBuild.Core.Reports;

namespace MlBuild.Core.Tests.Csv;

public class CsvValidationTests
{
    const string Schema = """
    {
      "schemaVersion": 1,
      "columns": [
        {"name": "id", "type": "integer", "nullable": false, "unique": true, "min": 1},
        {"name": "age", "type": "integer", "nullable": false, "min": 0, "max": 120},
        {"name": "plan", "type": "category", "allowed": ["basic", "plus", "pro"]},
        {"name": "start", "type": "date"},
        {"name": "end", "type": "date"},
        {"name": "score", "type": "float", "min": 0, "max": 1, "exclusiveMax": true},
        {"name": "note", "type": "string", "maxLength": 20},
        {"name": "active", "type": "boolean"}
      ],
      "rules": [{"name": "end_after_start", "check": "end >= start"}]
    }
    """;

    const string Header = "id,age,plan,start,end,score,note,active\n";

    static ValidationResult Validate(TempDir dir, string csv, string schema = Schema, ValidationOptions? options = null, string file = "data.csv")
    {
        dir.Write(file, csv);
        var s = SchemaLoader.Parse(Encoding.UTF8.GetBytes(schema), "schema.json");
        return DatasetValidator.Validate(new DatasetRequest("data", [file], s, dir.Path), options);
    }

    static CheckResult Check(ValidationResult r, string id) => r.Checks.Single(c => c.Id == id);

    [Fact]
    public void Clean_file_passes_and_is_profiled()
    {
        using var dir = new TempDir();
        var r = Validate(dir, Header +
            "1,30,basic,2024-01-01,2024-02-01,0.5,hello,true\n" +
            "2,40,pro,2024-01-05,2024-01-05,0.25,,false\n" +
            "3,50,pro,2023-12-31,2024-03-01,0.75,\"a, b\",yes\n");
        Assert.Equal(0, r.ExitCode);
        Assert.All(r.Checks, c => Assert.True(c.Passed, c.Id));
        Assert.Equal(3, r.Records);
        var age = r.Profile!.Columns.Single(c => c.Name == "age");
        Assert.Equal(3, age.Count);
        Assert.Equal(40, age.Mean);
        Assert.Equal(10, age.StdDev!.Value, 12);
        Assert.Equal("30", age.MinText);
        var plan = r.Profile.Columns.Single(c => c.Name == "plan");
        Assert.Equal(2, plan.Distinct);
        Assert.True(plan.DistinctExact);
        Assert.Equal(new ValueCount("pro", 2), plan.TopValues![0]);
        var note = r.Profile.Columns.Single(c => c.Name == "note");
        Assert.Equal(1, note.Nulls);
        Assert.Equal("2023-12-31", r.Profile.Columns.Single(c => c.Name == "start").MinText);
        Assert.Equal(2, r.Profile.Columns.Single(c => c.Name == "active").TopValues!.Single(v => v.Value == "true").Count);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_last_record_without_a_newline_counts_even_when_its_last_field_is_empty(bool quoted)
    {
        // "3,...,yes," at the very end of the file: the record was dropped by the quote-free tokeniser (its empty last
        // field left nothing after the last separator), so a file's last record could vanish from every check.
        using var dir = new TempDir();
        var r = Validate(dir, Header +
            "1,30,basic,2024-01-01,2024-02-01,0.5,hello,true\n" +
            (quoted ? "\"2\"" : "2") + ",40,pro,2024-01-05,2024-01-05,0.25,x,false\n" +
            "3,50,pro,2023-12-31,2024-03-01,0.75,note,");
        Assert.Equal(3, r.Records);
        Assert.Equal(1, r.Profile!.Columns.Single(c => c.Name == "active").Nulls);
        Assert.Equal(0, r.ExitCode);
    }

    [Fact]
    public void Every_violation_is_counted_exactly_and_located_at_its_record()
    {
        using var dir = new TempDir();
        var r = Validate(dir, Header +
            "1,30,basic,2024-01-01,2024-02-01,0.5,ok,true\n" +            // line 2
            "2,-3,gold,2015-02-29,2024-01-01,1,ok,maybe\n" +              // line 3: age<0, plan, impossible date, score=1 (exclusive max), bool
            "\"3\",200,pro,2024-05-01,2024-04-01,abc,\"multi\nline\",1\n" + // lines 4-5: age>max, rule, score type
            "3,,pro,2024-01-01,,0.1,this note is far too long,0\n");     // line 6: duplicate id, null age, long note
        Assert.Equal(1, r.ExitCode);
        Assert.Equal(4, r.Records);

        var min = Check(r, "age.min");
        Assert.Equal(1, min.Failures);
        // Byte offset of the field: header, line 2 (45 bytes), then "2," on line 3.
        Assert.Equal(new DataLocation("data.csv", 3, 2, Header.Length + 45 + 2, 2), min.FirstFailures[0].Location);
        Assert.Equal("-3", min.FirstFailures[0].Value);

        Assert.Equal(1, Check(r, "age.max").Failures);
        Assert.Equal(4, Check(r, "age.max").FirstFailures[0].Location.Line);
        Assert.Equal(1, Check(r, "age.notNull").Failures);
        Assert.Equal(6, Check(r, "age.notNull").FirstFailures[0].Location.Line);
        Assert.Equal(1, Check(r, "plan.allowed").Failures);
        Assert.Equal(1, Check(r, "start.type").Failures);
        Assert.Equal("2015-02-29", Check(r, "start.type").FirstFailures[0].Value);
        Assert.Equal(1, Check(r, "score.max").Failures);
        Assert.Equal(1, Check(r, "score.type").Failures);
        Assert.Equal(1, Check(r, "active.type").Failures);
        Assert.Equal(1, Check(r, "note.length").Failures);
        var dup = Check(r, "id.unique");
        Assert.Equal(1, dup.Failures);
        Assert.Equal(6, dup.FirstFailures[0].Location.Line);
        Assert.Equal(4, dup.FirstFailures[0].Location.Record);
        var rule = Check(r, "rule:end_after_start");
        Assert.Equal(1, rule.Failures);         // the null 'end' on line 6 is skipped, not failed
        Assert.Equal(2, rule.Evaluated);         // records 1 and 3; record 2 has no valid start, record 4 no end
        Assert.Equal(4, rule.FirstFailures[0].Location.Line);
    }

    [Fact]
    public void Diagnostics_are_canonical_lines_with_file_line_column_and_count()
    {
        using var dir = new TempDir();
        var r = Validate(dir, Header + "1,30,basic,2024-01-01,2024-02-01,0.5,ok,true\n2,-3,basic,2024-01-01,2024-02-01,0.5,ok,true\n3,-4,basic,2024-01-01,2024-02-01,0.5,ok,true\n");
        var d = ValidationDiagnostics.From(r).Single();
        Assert.Equal("data.csv(3,2): error MLB1003: column 'age' value '-3' is below min 0 (1 of 2 in this check)", d.ToCanonicalString());
    }

    [Fact]
    public void Rfc4180_quoting_crlf_bom_and_quoted_newlines_keep_line_numbers_right()
    {
        using var dir = new TempDir();
        var csv = "\uFEFF" + Header.Replace("\n", "\r\n") +
            "1,30,basic,2024-01-01,2024-02-01,0.5,\"say \"\"hi\"\"\",true\r\n" +
            "2,31,basic,2024-01-01,2024-02-01,0.5,\"two\r\nlines\",true\r\n" +
            "\r\n" +
            "3,-1,basic,2024-01-01,2024-02-01,0.5,x,true\r\n";
        var r = Validate(dir, csv);
        Assert.Equal(3, r.Records);
        var min = Check(r, "age.min");
        Assert.Equal(1, min.Failures);
        Assert.Equal(6, min.FirstFailures[0].Location.Line); // header 1, rec 2, rec 3-4, blank 5, rec 6
        Assert.Equal(3, min.FirstFailures[0].Location.Record);
        var note = r.Profile!.Columns.Single(c => c.Name == "note");
        Assert.Contains(note.TopValues!, v => v.Value == "say \"hi\"");
        Assert.Contains(note.TopValues!, v => v.Value == "two\r\nlines");
    }

    [Fact]
    public void Delimiter_and_missing_value_tokens_come_from_the_schema()
    {
        using var dir = new TempDir();
        var schema = """
        {"schemaVersion": 1, "csv": {"delimiter": ";", "nullTokens": ["NA", "null"]},
         "columns": [{"name": "a", "type": "float"}, {"name": "b", "type": "string", "nullable": false}]}
        """;
        var r = Validate(dir, "a;b\n1,5;x\nNA;y\n2;null\n", schema);
        Assert.Equal(1, Check(r, "a.type").Failures);          // "1,5" is not a number
        Assert.Equal(1, r.Profile!.Columns[0].Nulls);
        Assert.Equal(1, Check(r, "b.notNull").Failures);
    }

    [Fact]
    public void A_missing_value_token_that_reads_as_a_number_is_missing_not_a_value()
    {
        // Sentinels such as -999 are common: the token wins over the number it spells, in float and integer columns.
        using var dir = new TempDir();
        var schema = """
        {"schemaVersion": 1, "csv": {"nullTokens": ["-999", "NA"]},
         "columns": [{"name": "x", "type": "float", "min": 0}, {"name": "n", "type": "integer", "min": 0}]}
        """;
        var r = Validate(dir, "x,n\n1.5,2\n-999,-999\nNA,3\n-999.0,-9990\n", schema);
        Assert.Equal(2, r.Profile!.Columns[0].Nulls);
        Assert.Equal(1, r.Profile!.Columns[1].Nulls);
        Assert.Equal(1, Check(r, "x.min").Failures);              // -999.0 is a number, not the token
        Assert.Equal(1, Check(r, "n.min").Failures);              // -9990 likewise
        Assert.Equal(5, Check(r, "x.min").FirstFailures[0].Location.Line);
    }

    [Fact]
    public void Columns_with_nulls_are_profiled_over_their_values_and_their_bound_failures_keep_their_rows()
    {
        // Nullable numeric columns (one in ten cells empty, one not a number) take the vector path over their values
        // packed together; the profile must be that of the values alone, and an out-of-bounds value still fails at
        // its own line and column.
        using var dir = new TempDir();
        var schema = """
        {"schemaVersion": 1, "columns": [{"name": "x", "type": "float", "min": 0}, {"name": "n", "type": "integer", "max": 5000}]}
        """;
        var sb = new StringBuilder("x,n\n");
        var xs = new List<double>();
        var ns = new List<long>();
        for (int i = 1; i <= 3000; i++)
        {
            string xCell = i % 10 == 0 ? "" : i == 777 ? "abc" : (i * 0.25).ToString(System.Globalization.CultureInfo.InvariantCulture);
            string nCell = i % 7 == 0 ? "" : (i == 2500 ? "9999" : i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (xCell != "" && xCell != "abc") xs.Add(i * 0.25);
            if (nCell != "") ns.Add(i == 2500 ? 9999 : i);
            sb.Append($"{xCell},{nCell}\n");
        }
        var r = Validate(dir, sb.ToString(), schema, new ValidationOptions { ChunkBytes = 4096 });
        var x = r.Profile!.Columns[0];
        Assert.Equal(xs.Count, x.Count);
        Assert.Equal(300, x.Nulls);
        Assert.Equal(1, x.Invalid);
        Assert.Equal(xs.Min(), x.Min);
        Assert.Equal(xs.Max(), x.Max);
        Assert.Equal(xs.Average(), x.Mean!.Value, 9);
        double sd = Math.Sqrt(xs.Sum(v => (v - xs.Average()) * (v - xs.Average())) / (xs.Count - 1));
        Assert.Equal(sd, x.StdDev!.Value, 9);
        var n = r.Profile!.Columns[1];
        Assert.Equal(ns.Count, n.Count);
        Assert.Equal(ns.Average(), n.Mean!.Value, 9);
        Assert.Equal(1, Check(r, "n.max").Failures);
        Assert.Equal(2501, Check(r, "n.max").FirstFailures[0].Location.Line);
        Assert.Equal(0, Check(r, "x.min").Failures);
    }

    [Fact]
    public void Results_do_not_depend_on_threads_and_chunk_boundaries_do_not_change_counts()
    {
        using var dir = new TempDir();
        var sb = new StringBuilder(Header);
        var rng = new Random(7);
        for (int i = 1; i <= 5000; i++)
        {
            int age = rng.Next(-5, 130);
            var note = i % 97 == 0 ? "\"quoted, with\nnewline\"" : "n" + i;
            sb.Append($"{(i % 1000 == 0 ? i - 1 : i)},{age},{(i % 50 == 0 ? "gold" : "pro")},2024-01-01,2024-01-0{1 + i % 2},0.{i % 10},{note},true\n");
        }
        var csv = sb.ToString();
        var a = Validate(dir, csv, options: new ValidationOptions { MaxParallelism = 1, ChunkBytes = 4096 });
        var b = Validate(dir, csv, options: new ValidationOptions { MaxParallelism = 4, ChunkBytes = 4096 });
        Assert.Equal(ValidationReport.Json([a], "test"), ValidationReport.Json([b], "test"));
        var c = Validate(dir, csv, options: new ValidationOptions { MaxParallelism = 2 });
        foreach (var check in a.Checks)
        {
            var other = Check(c, check.Id);
            Assert.Equal(check.Failures, other.Failures);
            Assert.Equal(check.FirstFailures.Select(f => f.Location), other.FirstFailures.Select(f => f.Location));
        }
        Assert.Equal(5, Check(a, "id.unique").Failures);
        Assert.Equal(100, Check(a, "plan.allowed").Failures);
    }

    [Fact]
    public void Glob_reads_several_files_as_one_dataset_with_continuing_record_numbers()
    {
        using var dir = new TempDir();
        dir.Write("parts/part-1.csv", Header + "1,30,basic,2024-01-01,2024-02-01,0.5,ok,true\n");
        dir.Write("parts/part-2.csv", Header + "1,-3,basic,2024-01-01,2024-02-01,0.5,ok,true\n");
        var s = SchemaLoader.Parse(Encoding.UTF8.GetBytes(Schema), "schema.json");
        var r = DatasetValidator.Validate(new DatasetRequest("parts", ["parts/part-*.csv"], s, dir.Path));
        Assert.Equal(["parts/part-1.csv", "parts/part-2.csv"], r.Files);
        Assert.Equal(2, r.Records);
        var dup = Check(r, "id.unique").FirstFailures.Single().Location;
        Assert.Equal(("parts/part-2.csv", 2L, 2L), (dup.File, dup.Line, dup.Record));
    }

    [Fact]
    public void Tolerance_lets_a_small_failing_share_pass()
    {
        using var dir = new TempDir();
        var schema = """{"schemaVersion": 1, "columns": [{"name": "x", "type": "integer", "min": 0, "tolerance": {"min": 0.25}}]}""";
        var ok = Validate(dir, "x\n1\n2\n-1\n4\n", schema);
        Assert.Equal(0, ok.ExitCode);
        Assert.Equal(MlSeverity.Info, ValidationDiagnostics.From(ok).Single().Severity);
        var bad = Validate(dir, "x\n1\n-2\n-1\n4\n", schema);
        Assert.Equal(1, bad.ExitCode);
    }

    [Fact]
    public void Missing_and_extra_columns_follow_the_schema_policy()
    {
        using var dir = new TempDir();
        var strict = """{"schemaVersion": 1, "columns": [{"name": "a", "type": "integer"}, {"name": "b", "type": "integer"}]}""";
        var r = Validate(dir, "a,c\n1,2\n", strict);
        Assert.Equal(1, Check(r, "dataset.missingColumns").Failures);
        Assert.Equal(1, Check(r, "dataset.extraColumns").Failures);
        Assert.Equal(new DataLocation("data.csv", 1, 2, 0, 0), Check(r, "dataset.extraColumns").FirstFailures[0].Location);
        var lenient = """{"schemaVersion": 1, "extraColumns": "ignore", "columns": [{"name": "a", "type": "integer"}, {"name": "b", "type": "integer", "required": false}]}""";
        Assert.Equal(0, Validate(dir, "a,c\n1,2\n", lenient).ExitCode);
    }

    [Fact]
    public void Datetime_and_custom_date_formats_are_strict()
    {
        using var dir = new TempDir();
        var schema = """{"schemaVersion": 1, "columns": [{"name": "t", "type": "datetime", "min": "2020-01-01T00:00:00Z"}, {"name": "d", "type": "date", "format": "dd/MM/yyyy"}]}""";
        var r = Validate(dir, "t,d\n2024-01-01T10:00:00Z,31/12/2024\n2024-13-01T00:00:00,29/02/2023\n2019-06-01 08:00:00,01/01/2024\n", schema);
        Assert.Equal(1, Check(r, "t.type").Failures);
        Assert.Equal(1, Check(r, "t.min").Failures);
        Assert.Equal(1, Check(r, "d.type").Failures);
        Assert.Equal("29/02/2023", Check(r, "d.type").FirstFailures[0].Value);
    }

    [Fact]
    public void Pattern_checks_whole_values()
    {
        using var dir = new TempDir();
        var schema = """{"schemaVersion": 1, "columns": [{"name": "code", "type": "string", "pattern": "[A-Z]{2}-\\d+"}]}""";
        var r = Validate(dir, "code\nAB-1\nab-2\nAB-3x\nAB-3x\n", schema);
        var p = Check(r, "code.pattern");
        Assert.Equal(3, p.Failures);
        Assert.Equal(new ValueCount("AB-3x", 2), p.TopFailingValues[0]);
    }
}
