using MlBuild.Core.Data.Validation;
using MlBuild.Core.Reports;
using Parquet;
using Parquet.Schema;
using static MlBuild.Core.Tests.Parquet.ParquetTestFiles;

namespace MlBuild.Core.Tests.Parquet;

public sealed class ParquetReaderTests : IDisposable
{
    readonly TempFolder _dir = new();
    public void Dispose() => _dir.Dispose();

    static readonly DateTime Jan1 = new(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    const string MixedSchema = """
        {"schemaVersion": 1, "columns": [
          {"name": "id", "type": "integer", "nullable": false, "unique": true, "min": 1},
          {"name": "score", "type": "float", "min": 0, "max": 100},
          {"name": "small", "type": "integer", "max": 10},
          {"name": "flag", "type": "boolean"},
          {"name": "cat", "type": "category", "nullable": false, "allowed": ["a", "b", "c"]},
          {"name": "day", "type": "date", "min": "2024-01-01", "max": "2025-12-31"},
          {"name": "ts", "type": "datetime"},
          {"name": "price", "type": "float", "min": 0},
          {"name": "qty", "type": "integer"}
        ]}
        """;

    /// <summary>12 rows in 3 row groups of 4, one fault per check at a known row.</summary>
    void WriteMixed(string path) => WriteMixedWith(path, null);

    void WriteMixedWith(string path, ParquetOptions? options)
    {
        static T[][] Split<T>(T[] all) => [all[0..4], all[4..8], all[8..12]];
        long?[] id = [1, 2, 3, 4, 5, null, 7, 8, 9, 3, 11, 12];                         // null at row 5, duplicate 3 at row 9
        double?[] score = [10, 20.5, null, 40, 50, 60, 70, 150, 90, -1, 100, 0];          // max at row 7, min at row 9
        int?[] small = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, null];                          // max at row 10
        bool?[] flag = [true, false, true, true, null, false, true, true, false, false, true, true];
        string?[] cat = ["a", "b", "a", "c", "a", "a", "z", "b", null, "a", "b", "a"];    // 'z' at row 6, null at row 8
        DateTime?[] day = Enumerable.Range(0, 12).Select(i => (DateTime?)Jan1.AddDays(i)).ToArray();
        day[11] = new DateTime(2030, 1, 1, 0, 0, 0, DateTimeKind.Utc);                      // max at row 11
        DateTime?[] ts = Enumerable.Range(0, 12).Select(i => (DateTime?)Jan1.AddHours(i).AddSeconds(i)).ToArray();
        decimal?[] price = Enumerable.Range(0, 12).Select(i => (decimal?)(1.25m * i)).ToArray();
        string?[] qty = ["1", "2", "3", "x", "5", "6", "7", "8", "9", "10", "11", "12"];  // type at row 3
        Write(path, options,
            new TestColumn(new DataField<long?>("id"), Split(id)),
            new TestColumn(new DataField<double?>("score"), Split(score)),
            new TestColumn(new DataField<int?>("small"), Split(small)),
            new TestColumn(new DataField<bool?>("flag"), Split(flag)),
            new TestColumn(new DataField<string>("cat", nullable: true), Split(cat)),
            new TestColumn(new DateTimeDataField("day", DateTimeFormat.Date, isNullable: true), Split(day)),
            new TestColumn(new DateTimeDataField("ts", DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Micros, isNullable: true), Split(ts)),
            new TestColumn(new DecimalDataField("price", 10, 2, isNullable: true), Split(price)),
            new TestColumn(new DataField<string>("qty", nullable: true), Split(qty)));
    }

    static void AssertFirst(CheckResult c, long failures, int rowGroup, long row, string value, string? file = null, long? record = null)
    {
        Assert.Equal(failures, c.Failures);
        var f = c.FirstFailures[0];
        if (file is not null) Assert.Equal(file, f.Location.File);
        Assert.Equal(rowGroup, f.Location.RowGroup);
        Assert.Equal(row, f.Location.Row);
        Assert.Equal(record ?? row + 1, f.Location.Record);
        Assert.Equal(0, f.Location.Line);
        Assert.Equal(-1, f.Location.ByteOffset);
        Assert.Equal(value, f.Value);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void Rules_with_constants_and_quoted_names_fail_at_their_row_group_and_row(int parallelism)
    {
        WriteMixed(_dir.File("mixed.parquet"));
        var schema = MixedSchema.TrimEnd()[..^1] +
            ", \"rules\": [{\"name\": \"cap\", \"check\": \"score <= 95\"}, {\"name\": \"before\", \"check\": \"'2026-01-01' > day\"}," +
            " {\"name\": \"pair\", \"check\": \"`score` >= \\\"small\\\"\"}]}";
        var r = Validate(_dir.Path, "mixed.parquet", schema, parallelism);
        AssertFirst(r.Check("rule:cap"), 2, 1, 7, "150");           // and 100 at row 10
        AssertFirst(r.Check("rule:before"), 1, 2, 11, "2030-01-01");
        AssertFirst(r.Check("rule:pair"), 1, 2, 9, "-1");           // score -1 below small 10
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void Mixed_types_report_every_fault_at_its_row_group_and_row(int parallelism)
    {
        WriteMixed(_dir.File("data.parquet"));
        var r = Validate(_dir.Path, "data.parquet", MixedSchema, parallelism);

        Assert.Empty(r.InputErrors);
        Assert.Equal(12, r.Records);
        AssertFirst(r.Check("id.notNull"), 1, 1, 5, "", "data.parquet");
        AssertFirst(r.Check("id.unique"), 1, 2, 9, "3");
        AssertFirst(r.Check("score.max"), 1, 1, 7, "150");
        AssertFirst(r.Check("score.min"), 1, 2, 9, "-1");
        AssertFirst(r.Check("small.max"), 1, 2, 10, "11");
        AssertFirst(r.Check("cat.allowed"), 1, 1, 6, "z");
        AssertFirst(r.Check("cat.notNull"), 1, 2, 8, "");
        AssertFirst(r.Check("day.max"), 1, 2, 11, "2030-01-01");
        AssertFirst(r.Check("qty.type"), 1, 0, 3, "x");
        Assert.Equal("column 'qty' value 'x' is not a valid integer", r.Check("qty.type").FirstMessage);
        foreach (var check in new[] { "day.min", "price.min", "id.min", "score.type", "flag.type", "ts.type", "day.type", "price.type" })
            Assert.Equal(0, r.Check(check).Failures);
        Assert.Equal(11, r.Check("id.unique").Evaluated);
        Assert.Equal(12, r.Check("cat.notNull").Evaluated);
        Assert.Equal(12, r.Check("qty.type").Evaluated);

        var score = r.Column("score");
        Assert.Equal(11, score.Count);
        Assert.Equal(1, score.Nulls);
        Assert.Equal(-1, score.Min);
        Assert.Equal(150, score.Max);
        double[] sv = [10, 20.5, 40, 50, 60, 70, 150, 90, -1, 100, 0];
        Assert.Equal(sv.Average(), score.Mean!.Value, 12);
        double m = sv.Average();
        Assert.Equal(Math.Sqrt(sv.Sum(x => (x - m) * (x - m)) / (sv.Length - 1)), score.StdDev!.Value, 12);
        Assert.NotNull(score.Quantiles);

        var id = r.Column("id");
        Assert.Equal(11, id.Count);
        Assert.Equal(1, id.Nulls);
        Assert.Equal(12, id.Max);

        var small = r.Column("small");
        Assert.Equal(11, small.Count);
        Assert.Equal(1, small.Nulls);

        var flag = r.Column("flag");
        Assert.Equal(11, flag.Count);
        Assert.Equal(1, flag.Nulls);
        Assert.Equal(new ValueCount("true", 7), flag.TopValues![0]);

        var cat = r.Column("cat");
        Assert.Equal(11, cat.Count);
        Assert.Equal(1, cat.Nulls);
        Assert.True(cat.DistinctExact);
        Assert.Equal(4, cat.Distinct);
        Assert.Equal(new ValueCount("a", 6), cat.TopValues![0]);
        Assert.Equal(new ValueCount("b", 3), cat.TopValues[1]);

        var day = r.Column("day");
        Assert.Equal("2024-01-01", day.MinText);
        Assert.Equal("2030-01-01", day.MaxText);
        Assert.Equal(12, day.Count);

        var ts = r.Column("ts");
        Assert.Equal("2024-01-01T00:00:00Z", ts.MinText);
        Assert.Equal("2024-01-01T11:00:11Z", ts.MaxText);

        var price = r.Column("price");
        Assert.Equal(0, price.Min);
        Assert.Equal(13.75, price.Max);
        Assert.Equal(1.25 * 5.5, price.Mean!.Value, 12);

        var qty = r.Column("qty");
        Assert.Equal(11, qty.Count);
        Assert.Equal(1, qty.Invalid);
        Assert.Equal(12, qty.Max);
    }

    [Fact]
    public void Other_codecs_take_the_Parquet_Net_path_with_the_same_results()
    {
        WriteMixed(_dir.File("data.parquet"));
        var snappy = Validate(_dir.Path, "data.parquet", MixedSchema);
        foreach (var codec in new[] { CompressionMethod.Gzip, CompressionMethod.Zstd, CompressionMethod.None })
        {
            var dir = Path.Combine(_dir.Path, codec.ToString());
            Directory.CreateDirectory(dir);
            WriteMixedWith(Path.Combine(dir, "data.parquet"), new ParquetOptions { CompressionMethod = codec });
            var other = Validate(dir, "data.parquet", MixedSchema);
            Assert.Equal(System.Text.Encoding.UTF8.GetString(ValidationReport.Json([snappy], "t")),
                System.Text.Encoding.UTF8.GetString(ValidationReport.Json([other], "t")));
        }
    }

    [Fact]
    public void Diagnostics_name_the_file_row_group_and_row()
    {
        WriteMixed(_dir.File("data.parquet"));
        var r = Validate(_dir.Path, "data.parquet", MixedSchema);
        var d = ValidationDiagnostics.From(r).Single(x => x.Code == "MLB1004" && x.Message.Contains("'score'"));
        Assert.Equal("data.parquet", d.File);
        Assert.Equal(0, d.Line);
        Assert.Contains("row group 1, row 7", d.Message);
        Assert.Equal(1, r.ExitCode);
    }

    [Fact]
    public void Glob_of_three_files_numbers_records_across_files_and_finds_duplicates_between_them()
    {
        Directory.CreateDirectory(_dir.File("parts"));
        // part-1: ids 1..5 (two row groups), part-2: ids 6..8 with 250 at row 1, part-3: ids 9..10 and a duplicate 2.
        Write(_dir.File("parts/part-1.parquet"),
            new TestColumn(new DataField<long?>("id"), new long?[] { 1, 2, 3 }, new long?[] { 4, 5 }),
            new TestColumn(new DataField<double?>("x"), new double?[] { 1, 2, 3 }, new double?[] { 4, 5 }));
        Write(_dir.File("parts/part-2.parquet"),
            new TestColumn(new DataField<long?>("id"), new long?[] { 6, 7, 8 }),
            new TestColumn(new DataField<double?>("x"), new double?[] { 6, 250, 8 }));
        Write(_dir.File("parts/part-3.parquet"),
            new TestColumn(new DataField<long?>("id"), new long?[] { 9, 2, 10 }),
            new TestColumn(new DataField<double?>("x"), new double?[] { 9, null, 10 }));
        const string schema = """
            {"schemaVersion": 1, "columns": [
              {"name": "id", "type": "integer", "unique": true},
              {"name": "x", "type": "float", "nullable": false, "max": 100}]}
            """;
        foreach (int parallelism in new[] { 1, 3 })
        {
            var r = Validate(_dir.Path, "parts/part-*.parquet", schema, parallelism);
            Assert.Empty(r.InputErrors);
            Assert.Equal(["parts/part-1.parquet", "parts/part-2.parquet", "parts/part-3.parquet"], r.Files);
            Assert.Equal(11, r.Records);
            AssertFirst(r.Check("x.max"), 1, 0, 1, "250", "parts/part-2.parquet", record: 7);
            AssertFirst(r.Check("id.unique"), 1, 0, 1, "2", "parts/part-3.parquet", record: 10);
            AssertFirst(r.Check("x.notNull"), 1, 0, 1, "", "parts/part-3.parquet", record: 10);
            Assert.Equal(10, r.Column("x").Count);
            Assert.Equal(11, r.Column("id").Count);
            Assert.Equal(250, r.Column("x").Max);
        }
    }

    [Fact]
    public void Required_columns_and_plain_int32_timestamp_millis_and_float_columns_are_read()
    {
        Write(_dir.File("req.parquet"),
            new TestColumn(new DataField<long>("a"), new long[] { 5, 6, 7 }),
            new TestColumn(new DataField<int>("b"), new int[] { 1, 0, 1 }),
            new TestColumn(new DataField<float?>("c"), new float?[] { 1.5f, float.NaN, null }),
            new TestColumn(new DateTimeDataField("t", DateTimeFormat.Timestamp, unit: DateTimeTimeUnit.Millis, isNullable: false),
                new DateTime[] { Jan1, Jan1.AddDays(1), Jan1.AddDays(2).AddSeconds(1) }),
            new TestColumn(new DataField<double>("d"), new double[] { 1.0, 2.5, -3 }),
            new TestColumn(new DataField<double?>("e"), new double?[] { double.PositiveInfinity, null, double.NaN }));
        const string schema = """
            {"schemaVersion": 1, "columns": [
              {"name": "a", "type": "float", "max": 6},
              {"name": "b", "type": "boolean"},
              {"name": "c", "type": "float"},
              {"name": "t", "type": "date"},
              {"name": "d", "type": "integer"},
              {"name": "e", "type": "float"}]}
            """;
        var r = Validate(_dir.Path, "req.parquet", schema);
        if (r.InputErrors.Count > 0) Assert.Fail(r.InputErrors[0].Message);
        AssertFirst(r.Check("a.max"), 1, 0, 2, "7");
        Assert.Equal(0, r.Check("b.type").Failures);
        Assert.Equal(new ValueCount("true", 2), r.Column("b").TopValues![0]);
        AssertFirst(r.Check("c.type"), 1, 0, 1, "NaN");
        Assert.Equal(1, r.Column("c").Nulls);
        AssertFirst(r.Check("t.type"), 1, 0, 2, "2024-01-03T00:00:01Z (has a time of day)");
        Assert.Equal("2024-01-02", r.Column("t").MaxText);
        AssertFirst(r.Check("d.type"), 1, 0, 1, "2.5");
        AssertFirst(r.Check("e.type"), 2, 0, 0, "Infinity"); // a plain double column: infinity and NaN are type errors, the null is not
        Assert.Equal(-3, r.Column("d").Min);
    }

    [Fact]
    public void Int96_and_nanosecond_timestamps_are_read_as_datetimes()
    {
        var t0 = new DateTime(2024, 5, 6, 7, 8, 9, DateTimeKind.Utc);
        Write(_dir.File("ts.parquet"),
            new TestColumn(new DateTimeDataField("impala", DateTimeFormat.Impala, isNullable: true), new DateTime?[] { t0, null, t0.AddDays(1) }),
            new TestColumn(new DateTimeDataField("nanos", DateTimeFormat.Timestamp, unit: DateTimeTimeUnit.Nanos, isNullable: true), new DateTime?[] { t0, t0.AddTicks(1_234_567), null }));
        const string schema = """
            {"schemaVersion": 1, "columns": [
              {"name": "impala", "type": "datetime", "max": "2024-05-07T00:00:00Z"},
              {"name": "nanos", "type": "datetime", "max": "2024-05-06T07:08:09Z"}]}
            """;
        var r = Validate(_dir.Path, "ts.parquet", schema);
        if (r.InputErrors.Count > 0) Assert.Fail(r.InputErrors[0].Message);
        Assert.Equal("2024-05-06T07:08:09Z", r.Column("impala").MinText);
        AssertFirst(r.Check("impala.max"), 1, 0, 2, "2024-05-07T07:08:09Z");
        Assert.Equal(1, r.Column("impala").Nulls);
        // The failing value keeps every 100 ns tick (profile min/max are doubles, exact to ~13 µs at today's dates).
        AssertFirst(r.Check("nanos.max"), 1, 0, 1, "2024-05-06T07:08:09.1234567Z");
    }

    [Fact]
    public void Text_columns_declared_as_numbers_and_dates_are_parsed_once_per_distinct_value()
    {
        string?[] when = ["2024-02-28", "2024-02-29", "2023-02-29", "2024-02-28", null, ""];
        string?[] num = ["1.5", "2", "abc", "1.5", "-0.25", null];
        Write(_dir.File("text.parquet"),
            new TestColumn(new DataField<string>("when", nullable: true), when),
            new TestColumn(new DataField<string>("num", nullable: true), num));
        const string schema = """
            {"schemaVersion": 1, "columns": [
              {"name": "when", "type": "date", "max": "2024-02-28"},
              {"name": "num", "type": "float", "nullable": false}]}
            """;
        var r = Validate(_dir.Path, "text.parquet", schema);
        AssertFirst(r.Check("when.type"), 1, 0, 2, "2023-02-29");
        AssertFirst(r.Check("when.max"), 1, 0, 1, "2024-02-29");
        Assert.Equal(2, r.Column("when").Nulls); // a null and an empty text
        AssertFirst(r.Check("num.type"), 1, 0, 2, "abc");
        AssertFirst(r.Check("num.notNull"), 1, 0, 5, "");
        Assert.Equal(4, r.Column("num").Count);
        Assert.Equal(-0.25, r.Column("num").Min);
    }

    [Fact]
    public void A_column_whose_type_cannot_be_read_as_the_schema_type_is_MLB1202()
    {
        Write(_dir.File("t.parquet"), new TestColumn(new DataField<double?>("d"), new double?[] { 1.0 }));
        var r = Validate(_dir.Path, "t.parquet", """{"schemaVersion": 1, "columns": [{"name": "d", "type": "date"}]}""");
        var e = Assert.Single(r.InputErrors);
        Assert.Equal("MLB1202", e.Code);
        Assert.Equal("t.parquet", e.File);
        Assert.Contains("'d'", e.Message);
        Assert.Contains("DOUBLE", e.Message);
        Assert.Equal(2, r.ExitCode);
    }

    [Fact]
    public async Task A_nested_column_is_MLB1203_and_an_undeclared_one_is_an_extra_column()
    {
        var schema = new ParquetSchema(new DataField<int>("id"), new ListField("tags", new DataField<string>("element")));
        await using (var fs = File.Create(_dir.File("n.parquet")))
        await using (var writer = await ParquetWriter.CreateAsync(schema, fs))
        using (var rg = writer.CreateRowGroup())
        {
            await rg.WriteAsync<int>((DataField)schema[0], new int[] { 1, 2 }.AsMemory());
            await rg.WriteAsync(schema.GetDataFields()[1], new string?[] { "a", "b", "c" }, new int[] { 0, 1, 0 });
        }
        var r = Validate(_dir.Path, "n.parquet", """{"schemaVersion": 1, "columns": [{"name": "id", "type": "integer"}, {"name": "tags", "type": "string"}]}""");
        Assert.Equal("MLB1203", Assert.Single(r.InputErrors).Code);

        var r2 = Validate(_dir.Path, "n.parquet", """{"schemaVersion": 1, "columns": [{"name": "id", "type": "integer", "max": 1}]}""");
        if (r2.InputErrors.Count > 0) Assert.Fail(r2.InputErrors[0].Message);
        Assert.Equal(1, r2.Check("dataset.extraColumns").Failures);
        AssertFirst(r2.Check("id.max"), 1, 0, 1, "2");
    }

    public static TheoryData<string> CorruptFiles => new() { "half", "random", "csv", "empty", "tail" };

    [Theory]
    [MemberData(nameof(CorruptFiles))]
    public void A_file_that_is_not_readable_Parquet_is_MLB1201_without_a_stack_trace(string kind)
    {
        var good = _dir.File("good.parquet");
        WriteMixed(good);
        var bytes = File.ReadAllBytes(good);
        var bad = _dir.File("bad.parquet");
        switch (kind)
        {
            case "half": File.WriteAllBytes(bad, bytes[..(bytes.Length / 2)]); break;
            case "random": File.WriteAllBytes(bad, Enumerable.Range(0, 5000).Select(i => (byte)(i * 7919 % 251)).ToArray()); break;
            case "csv": File.WriteAllText(bad, "id,score\n1,2.5\n2,3.5\n"); break;
            case "empty": File.WriteAllBytes(bad, []); break;
            case "tail":
                // A valid footer, but the column data it points at is overwritten with garbage.
                for (int i = 4; i < bytes.Length / 2; i++) bytes[i] = (byte)(i * 31);
                File.WriteAllBytes(bad, bytes);
                break;
        }
        foreach (int parallelism in new[] { 1, 4 })
        {
            var r = Validate(_dir.Path, "bad.parquet", MixedSchema, parallelism);
            var e = Assert.Single(r.InputErrors);
            Assert.Equal("MLB1201", e.Code);
            Assert.Equal("bad.parquet", e.File);
            Assert.DoesNotContain(" at ", e.Message.Replace("at the", ""));
            Assert.DoesNotContain("Exception", e.Message);
            Assert.Equal(2, r.ExitCode);
        }
        if (kind == "tail") return; // its footer is intact: the names are readable, the data is not
        var names = Assert.Throws<MlBuild.Core.Diagnostics.MlBuildException>(() => MlBuild.Core.Data.Parquet.ParquetReader.ReadColumnNames(bad, "bad.parquet"));
        Assert.Equal("MLB1201", names.Diagnostic.Code);
    }

    [Fact]
    public void Column_names_are_the_top_level_fields_in_order()
    {
        WriteMixed(_dir.File("data.parquet"));
        Assert.Equal(["id", "score", "small", "flag", "cat", "day", "ts", "price", "qty"],
            MlBuild.Core.Data.Parquet.ParquetReader.ReadColumnNames(_dir.File("data.parquet")));
    }

    /// <summary>A larger file with many row groups, nulls, dictionary and plain strings, faults throughout.</summary>
    void WriteLarge(string path, int groups, int rowsPerGroup)
    {
        var rnd = new Random(7);
        string[] cats = ["red", "green", "blue", "teal", "über"];
        var cols = new List<Array>[5];
        for (int c = 0; c < cols.Length; c++) cols[c] = [];
        long next = 0;
        for (int g = 0; g < groups; g++)
        {
            var id = new long?[rowsPerGroup];
            var x = new double?[rowsPerGroup];
            var cat = new string?[rowsPerGroup];
            var name = new string?[rowsPerGroup];
            var n = new int?[rowsPerGroup];
            for (int i = 0; i < rowsPerGroup; i++)
            {
                id[i] = rnd.Next(20) == 0 ? rnd.Next(1000) : 1_000_000 + next++;
                x[i] = rnd.Next(50) == 0 ? null : Math.Round(rnd.NextDouble() * 120 - 10, 3);
                cat[i] = rnd.Next(100) == 0 ? null : rnd.Next(200) == 0 ? "purple" : cats[rnd.Next(cats.Length)];
                name[i] = rnd.Next(30) == 0 ? null : "n" + rnd.Next(100_000).ToString(System.Globalization.CultureInfo.InvariantCulture);
                n[i] = rnd.Next(10) == 0 ? null : rnd.Next(-5, 100);
            }
            cols[0].Add(id); cols[1].Add(x); cols[2].Add(cat); cols[3].Add(name); cols[4].Add(n);
        }
        Write(path,
            new TestColumn(new DataField<long?>("id"), [.. cols[0]]),
            new TestColumn(new DataField<double?>("x"), [.. cols[1]]),
            new TestColumn(new DataField<string>("cat", nullable: true), [.. cols[2]]),
            new TestColumn(new DataField<string>("name", nullable: true), [.. cols[3]]),
            new TestColumn(new DataField<int?>("n"), [.. cols[4]]));
    }

    const string LargeSchema = """
        {"schemaVersion": 1, "columns": [
          {"name": "id", "type": "integer", "unique": true, "nullable": false},
          {"name": "x", "type": "float", "min": 0, "max": 100, "nullable": false},
          {"name": "cat", "type": "category", "allowed": ["red", "green", "blue", "teal", "über"], "nullable": false},
          {"name": "name", "type": "string", "pattern": "n[0-9]{1,4}", "maxLength": 5},
          {"name": "n", "type": "integer", "min": 0}],
         "rules": []}
        """;

    [Fact]
    public void Results_are_byte_identical_for_any_thread_count()
    {
        WriteLarge(_dir.File("large.parquet"), groups: 7, rowsPerGroup: 3000);
        var reports = new[] { 1, 2, 4 }.Select(p =>
        {
            var r = Validate(_dir.Path, "large.parquet", LargeSchema, p);
            Assert.Empty(r.InputErrors);
            Assert.Equal(21_000, r.Records);
            Assert.True(r.Check("x.max").Failures > 0 && r.Check("cat.allowed").Failures > 0 && r.Check("id.unique").Failures > 0);
            return System.Text.Encoding.UTF8.GetString(ValidationReport.Json([r], "test"));
        }).ToArray();
        Assert.Equal(reports[0], reports[1]);
        Assert.Equal(reports[0], reports[2]);
    }

    [Fact]
    public void Per_entry_string_checks_equal_the_checkers_per_cell_checks()
    {
        WriteLarge(_dir.File("large.parquet"), groups: 3, rowsPerGroup: 4000);
        string Run(bool entries, int distinctCap, bool direct = true)
        {
            var schema = ParquetTestFiles.Schema(LargeSchema);
            var options = new ValidationOptions { MaxParallelism = 2, MaxDistinctValues = distinctCap };
            var plan = new ValidationPlan(schema);
            var checker = new BatchChecker(plan, options);
            var merger = new ValidationMerger(plan, options, checker);
            var path = _dir.File("large.parquet");
            DatasetValidator.MapColumns(MlBuild.Core.Data.Parquet.ParquetReader.ReadColumnNames(path), "large.parquet", plan, merger, p => default);
            long records = 0;
            MlBuild.Core.Data.Parquet.ParquetReader.Read(path, "large.parquet", plan, checker, merger, options, ref records,
                new MlBuild.Core.Data.Parquet.ParquetReadTuning { EntryChecks = entries, DirectChunks = direct });
            Assert.Equal(12_000, records);
            var result = merger.Finish("test", ["large.parquet"], new HashSet<int>());
            return System.Text.Encoding.UTF8.GetString(ValidationReport.Json([result], "test"));
        }
        Assert.Equal(Run(false, 100_000), Run(true, 100_000));
        Assert.Equal(Run(false, 50), Run(true, 50)); // past the distinct-value cap too
        Assert.Equal(Run(false, 100_000, direct: false), Run(true, 100_000, direct: true)); // the direct decoder equals Parquet.Net's
    }

    [Fact]
    public void Per_entry_checks_of_text_declared_as_numbers_and_dates_equal_the_per_cell_checks()
    {
        // Text columns read as float, integer, date and datetime: repeated values, spellings of one number, bad and
        // empty cells, nulls, bounds and allowed values; dictionary- and plain-encoded, three row groups.
        var rnd = new Random(11);
        string?[] Group(Func<int, string> make) => Enumerable.Range(0, 3000).Select(i =>
            rnd.Next(40) == 0 ? null : rnd.Next(60) == 0 ? "" : rnd.Next(80) == 0 ? "1.2.x" : make(i)).ToArray();
        string F(int i) => (rnd.Next(4) switch { 0 => (rnd.Next(-8, 200) / 4.0).ToString("R", System.Globalization.CultureInfo.InvariantCulture), 1 => "1.0", 2 => "-0", _ => rnd.Next(-5, 45).ToString(System.Globalization.CultureInfo.InvariantCulture) });
        string I(int i) => rnd.Next(-3, 60).ToString(System.Globalization.CultureInfo.InvariantCulture);
        string D(int i) => new DateOnly(2023, 1, 1).AddDays(rnd.Next(0, 800)).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        string T(int i) => new DateTime(2023, 1, 1).AddMinutes(rnd.Next(0, 2_000_000)).ToString("yyyy-MM-dd'T'HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
        var columns = new[]
        {
            new TestColumn(new DataField<string>("xf", nullable: true), Group(F), Group(F), Group(F)),
            new TestColumn(new DataField<string>("xi", nullable: true), Group(I), Group(I), Group(I)),
            new TestColumn(new DataField<string>("xd", nullable: true), Group(D), Group(D), Group(D)),
            new TestColumn(new DataField<string>("xt", nullable: true), Group(T), Group(T), Group(T)),
        };
        Write(_dir.File("dict.parquet"), columns);
        var plain = new ParquetOptions { DictionaryEncodingThreshold = 0 };
        foreach (var c in columns) plain.ColumnEncodingHints[c.Field.Name] = EncodingHint.Default;
        Write(_dir.File("plain.parquet"), plain, columns);
        const string schema = """
            {"schemaVersion": 1, "columns": [
              {"name": "xf", "type": "float", "min": 0, "max": 40, "exclusiveMin": true, "nullable": false},
              {"name": "xi", "type": "integer", "allowed": ["-2", "0", "1", "2", "3", "50", "51"], "max": 50},
              {"name": "xd", "type": "date", "min": "2023-02-01", "max": "2024-12-31"},
              {"name": "xt", "type": "datetime", "max": "2026-01-01T00:00:00", "nullable": false}]}
            """;
        string Run(string file, bool entries, bool direct, int parallelism)
        {
            var options = new ValidationOptions { MaxParallelism = parallelism };
            var plan = new ValidationPlan(ParquetTestFiles.Schema(schema));
            var checker = new BatchChecker(plan, options);
            var merger = new ValidationMerger(plan, options, checker);
            var path = _dir.File(file);
            DatasetValidator.MapColumns(MlBuild.Core.Data.Parquet.ParquetReader.ReadColumnNames(path), file, plan, merger, p => default);
            long records = 0;
            MlBuild.Core.Data.Parquet.ParquetReader.Read(path, file, plan, checker, merger, options, ref records,
                new MlBuild.Core.Data.Parquet.ParquetReadTuning { EntryChecks = entries, DirectChunks = direct });
            var result = merger.Finish("t", [file], new HashSet<int>());
            Assert.True(result.Check("xf.type").Failures > 0 && result.Check("xf.min").Failures > 0 && result.Check("xi.allowed").Failures > 0);
            return System.Text.Encoding.UTF8.GetString(ValidationReport.Json([result], "t"));
        }
        foreach (var file in new[] { "dict.parquet", "plain.parquet" })
        {
            var expected = Run(file, entries: false, direct: false, parallelism: 1);
            Assert.Equal(expected, Run(file, entries: true, direct: true, parallelism: 1));
            Assert.Equal(expected, Run(file, entries: true, direct: true, parallelism: 3));
            Assert.Equal(expected, Run(file, entries: true, direct: false, parallelism: 2));
        }
    }

    [Fact]
    public void Dictionary_and_plain_encoded_strings_give_the_same_results()
    {
        string?[] values = Enumerable.Range(0, 5000).Select(i => i % 97 == 0 ? null : "v" + (i % 13).ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var dict = new ParquetOptions();
        dict.ColumnEncodingHints["s"] = EncodingHint.Dictionary;
        Write(_dir.File("dict.parquet"), dict, new TestColumn(new DataField<string>("s", nullable: true), values));
        var plain = new ParquetOptions();
        plain.ColumnEncodingHints["s"] = EncodingHint.Default;
        plain.DictionaryEncodingThreshold = 0;
        Write(_dir.File("plain.parquet"), plain, new TestColumn(new DataField<string>("s", nullable: true), values));
        const string schema = """{"schemaVersion": 1, "columns": [{"name": "s", "type": "category", "allowed": ["v1", "v2", "v3"], "nullable": false}]}""";
        var a = Validate(_dir.Path, "dict.parquet", schema);
        var b = Validate(_dir.Path, "plain.parquet", schema);
        Assert.Equal(a.Check("s.allowed").Failures, b.Check("s.allowed").Failures);
        Assert.Equal(a.Check("s.notNull").Failures, b.Check("s.notNull").Failures);
        Assert.Equal(52, a.Check("s.notNull").Failures);
        Assert.Equal(13, a.Column("s").Distinct);
        Assert.Equal(System.Text.Encoding.UTF8.GetString(ValidationReport.Json([a], "t")).Replace("dict.parquet", "X"),
            System.Text.Encoding.UTF8.GetString(ValidationReport.Json([b], "t")).Replace("plain.parquet", "X"));
    }

    [Fact]
    public void Numbers_near_the_ends_of_the_double_range_give_finite_moments_per_entry_and_per_cell()
    {
        // ±1e155 square past the double range; 1.7e308 twice sums past it. Written by DuckDB 1.5 (dictionary-encoded,
        // so the per-entry checks take it; Parquet.Net writes dictionaries for strings only):
        // COPY (SELECT [1e155, -1e155, 1.7e308, 2.5][(i % 4) + 1]::DOUBLE AS x FROM range(400) t(i))
        //   TO 'big.parquet' (FORMAT parquet, COMPRESSION snappy)
        var path = _dir.File("big.parquet");
        File.WriteAllBytes(path, Convert.FromBase64String("UEFSMRUEFUAVPEwVCBUAAAAgHO23y0VX1R1gDQhA4HY7dzDRQu5/AAAAAAAABEAVABWUAxU2LBWgBhUEFQYVBgAAygEsAwAAAKAGAQNBiIZo/gMAcgMA/mEAgmEAFUAcHAAAHBwAABwcAAAAQAAUABAIBQAgIAgQAAxAAggABICAAoABgAgDACAAERAVAhksNQAYDWR1Y2tkYl9zY2hlbWEVAgAVCiUCGAF4ABagBhkcGRwmABwVChkVBBkYAXgVAhagBhaUBBayASZeJggcGAh2O3cw0ULufxgI7bfLRVfVHeAWABYIGAh2O3cw0ULufxgI7bfLRVfVHeAREQAmugEVXgAAFpQEFqAGJggWsgEAKChEdWNrREIgdmVyc2lvbiB2MS41LjYgKGJ1aWxkIDA2OWNjOWY5YjUpGRwcAAAAtQAAAFBBUjE="));
        double[] values = Enumerable.Range(0, 400).Select(i => new[] { 1e155, -1e155, 1.7e308, 2.5 }[i % 4]).ToArray();
        const string schema = """{"schemaVersion": 1, "columns": [{"name": "x", "type": "float"}]}""";
        double mean = values.Select(v => Math.ScaleB(v, -1023)).Average();
        double std = Math.Sqrt(values.Select(v => Math.ScaleB(v, -1023) - mean).Sum(d => d * d) / (values.Length - 1));
        foreach (var entries in new[] { true, false })
        {
            var r = ReadWithTuning(path, schema, entries, direct: true, parallelism: 2, out long records);
            Assert.Equal(400, records);
            var x = r.Column("x");
            Assert.Equal(Math.ScaleB(mean, 1023), x.Mean!.Value, Math.ScaleB(mean, 1023) * 1e-12);
            Assert.Equal(Math.ScaleB(std, 1023), x.StdDev!.Value, Math.ScaleB(std, 1023) * 1e-12);
            Assert.NotEmpty(ValidationReport.Json([r], "t"));
        }
    }

    const string FixtureSchema = """
        {"schemaVersion": 1, "columns": [
          {"name": "a", "type": "float", "min": 0, "max": 50, "exclusiveMin": true, "nullable": false},
          {"name": "n", "type": "integer", "allowed": ["-2", "0", "1", "2", "3", "4", "5"], "max": 5},
          {"name": "d", "type": "date", "max": "2024-02-01"},
          {"name": "s", "type": "category", "allowed": ["red", "green", "blue", "über"], "nullable": false},
          {"name": "k", "type": "integer", "max": 10}]}
        """;

    ValidationResult RunFixture(bool entries, bool direct, int parallelism)
    {
        var path = _dir.File("duckdb.parquet");
        if (!File.Exists(path)) DuckDbFixture.Write(path);
        var result = ReadWithTuning(path, FixtureSchema, entries, direct, parallelism, out long records);
        Assert.Equal(DuckDbFixture.Rows, records);
        return result;
    }

    /// <summary>Validates one file through the Parquet reader with its fast paths on or off.</summary>
    static ValidationResult ReadWithTuning(string path, string schemaJson, bool entries, bool direct, int parallelism, out long records)
    {
        var name = Path.GetFileName(path);
        var plan = new ValidationPlan(ParquetTestFiles.Schema(schemaJson));
        var options = new ValidationOptions { MaxParallelism = parallelism };
        var checker = new BatchChecker(plan, options);
        var merger = new ValidationMerger(plan, options, checker);
        DatasetValidator.MapColumns(MlBuild.Core.Data.Parquet.ParquetReader.ReadColumnNames(path), name, plan, merger, p => default);
        records = 0;
        MlBuild.Core.Data.Parquet.ParquetReader.Read(path, name, plan, checker, merger, options, ref records,
            new MlBuild.Core.Data.Parquet.ParquetReadTuning { EntryChecks = entries, DirectChunks = direct });
        return merger.Finish("t", [name], new HashSet<int>());
    }

    [Fact]
    public void A_DuckDB_file_with_dictionary_pages_gives_exact_counts_and_locations()
    {
        // Expected counts computed from the generator's formulas.
        int rows = DuckDbFixture.Rows;
        long aNull = 0, aMin = 0, aMax = 0, nAllowed = 0, nMax = 0, dMax = 0, sAllowed = 0, sNull = 0, kMax = 0;
        int firstAMax = -1, firstS = -1;
        for (int i = 0; i < rows; i++)
        {
            if (i % 101 == 0) aNull++;
            else
            {
                double a = DuckDbFixture.APool[(i * 7) % 6];
                if (a <= 0) aMin++;
                if (a > 50) { aMax++; if (firstAMax < 0) firstAMax = i; }
            }
            long n = (i * 13) % 9 - 2;
            if (n is -1 or 6) nAllowed++;
            if (n > 5) nMax++;
            if (i % 40 > 31) dMax++;
            if (i % 97 == 0) sNull++;
            else if (i % 5 == 4) { sAllowed++; if (firstS < 0) firstS = i; }
            if ((i * 7) % 13 > 10) kMax++;
        }
        foreach (var (entries, direct, parallelism) in new[] { (true, true, 2), (false, false, 1), (true, false, 4), (false, true, 3) })
        {
            var r = RunFixture(entries, direct, parallelism);
            Assert.Equal(aNull, r.Check("a.notNull").Failures);
            Assert.Equal(aMin, r.Check("a.min").Failures);
            Assert.Equal(aMax, r.Check("a.max").Failures);
            Assert.Equal(nAllowed, r.Check("n.allowed").Failures);
            Assert.Equal(nMax, r.Check("n.max").Failures);
            Assert.Equal(dMax, r.Check("d.max").Failures);
            Assert.Equal(sAllowed, r.Check("s.allowed").Failures);
            Assert.Equal(sNull, r.Check("s.notNull").Failures);
            Assert.Equal(kMax, r.Check("k.max").Failures);
            var f = r.Check("a.max").FirstFailures[0];
            Assert.Equal((0, (long)firstAMax, (long)firstAMax + 1, "100.5"), (f.Location.RowGroup, f.Location.Row, f.Location.Record, f.Value));
            Assert.Equal("2024-02-02", r.Check("d.max").FirstFailures[0].Value);
            Assert.Equal("x", r.Check("s.allowed").FirstFailures[0].Value);
            Assert.Equal(firstS, r.Check("s.allowed").FirstFailures[0].Location.Row);
            Assert.Equal(5, r.Column("s").Distinct);
            Assert.Equal("2024-02-09", r.Column("d").MaxText);
            Assert.Equal(rows - aNull, r.Column("a").Count);
        }
    }

    [Fact]
    public void Dictionary_encoded_numbers_checked_per_entry_equal_the_per_cell_checks()
    {
        var cell = RunFixture(entries: false, direct: true, parallelism: 1);
        var entry = RunFixture(entries: true, direct: true, parallelism: 2);
        for (int i = 0; i < cell.Checks.Count; i++)
        {
            Assert.Equal(cell.Checks[i].Failures, entry.Checks[i].Failures);
            Assert.Equal(cell.Checks[i].Evaluated, entry.Checks[i].Evaluated);
            Assert.Equal(cell.Checks[i].FirstFailures, entry.Checks[i].FirstFailures);
            Assert.Equal(cell.Checks[i].FirstMessage, entry.Checks[i].FirstMessage);
            Assert.Equal(cell.Checks[i].TopFailingValues, entry.Checks[i].TopFailingValues);
        }
        for (int i = 0; i < cell.Profile!.Columns.Count; i++)
        {
            var x = cell.Profile.Columns[i];
            var y = entry.Profile!.Columns[i];
            Assert.Equal((x.Count, x.Nulls, x.Invalid, x.Min, x.Max, x.MinText, x.MaxText, x.Distinct), (y.Count, y.Nulls, y.Invalid, y.Min, y.Max, y.MinText, y.MaxText, y.Distinct));
            Assert.Equal(x.Quantiles, y.Quantiles);
            if (x.Mean is { } m) Assert.Equal(m, y.Mean!.Value, 1e-9);
            if (x.StdDev is { } sd) Assert.Equal(sd, y.StdDev!.Value, 1e-9);
        }
        // Per entry, the result is still the same for any thread count.
        Assert.Equal(System.Text.Encoding.UTF8.GetString(ValidationReport.Json([RunFixture(true, true, 1)], "t")),
            System.Text.Encoding.UTF8.GetString(ValidationReport.Json([RunFixture(true, true, 4)], "t")));
    }

    [Fact]
    public void A_dictionary_with_values_the_entry_checks_do_not_take_is_checked_cell_by_cell()
    {
        // Written by DuckDB 1.5 (dictionary-encoded, Snappy):
        // COPY (SELECT CASE WHEN i % 50 = 7 THEN 'NaN'::DOUBLE WHEN i % 50 = 8 THEN 'inf'::DOUBLE
        //                   ELSE [1.5, 2.5, 99.0][(i % 3) + 1] END AS a,
        //              CASE WHEN i % 60 = 9 THEN DATE '12000-01-01' ELSE DATE '2024-01-01' + (i % 10)::INTEGER END AS d
        //       FROM range(300) t(i)) TO 'nonfinite.parquet' (FORMAT parquet, COMPRESSION snappy)
        // The per-entry checks leave such chunks (a non-finite number, a day past DateOnly) to the per-cell path, which
        // then needs every row's value although the decoder was asked to keep the dictionary indices only.
        var path = _dir.File("nonfinite.parquet");
        File.WriteAllBytes(path, Convert.FromBase64String("UEFSMRUEFVAVQkwVChUAAAAoAAAFAQT4PwUHCAAEQAUIBMBYCQgoAPh/AAAAAAAA8H8VABWUAxWSASwV2AQVBBUGFQYAAMoBVAMAAADYBAEDQYgQYUSECBEiRIgQIUIRCQQahT4SAARCxkISAASEETo2AAxChGgUNkgAFEKECEEZIzJbAARCJAEP/mEAHWEVBBVYFVxMFRYVAAAALKwLTQAADE0AAA1NAAAOTQAAD00AABBNAAARTQAAEk0AABNNAAAW5jcAFE0AABUAFZQEFVwsFdgEFQQVBhUGAACKAjQDAAAA2AQBBEEQMlR2mAEFAKheBQD+HgB2HgAAQVZ5AARUdhmQ/oEAdoEAFUAcHAAAHBwAABwcAAAACAAEDSAIBIQEIUgAUQACAgEEAJKAAIBkAAjBAgEGAQgVQBwcAAAcHAAAHBwAAADFAgTkOAA4IgyVcDAcxBICYMgZgFKiIAAkJAsjwSIRYRUCGTw1ABgNZHVja2RiX3NjaGVtYRUEABUKJQIYAWEAFQIlAhgBZCUMABbYBBkcGSwmABwVChkVBBkYAWEVAhbYBBamBBaWAiZkJggcNgAWCgAmlgQVXgAAJgAcFQIZFQQZGAFkFQIW2AQWrAUW+AEmlAMmngIcGAQW5jcAGAQLTQAAFgAWFhgEFuY3ABgEC00AABERACb0BBVeAAAW0gkW2AQmCBaOBAAoKER1Y2tEQiB2ZXJzaW9uIHYxLjUuNiAoYnVpbGQgMDY5Y2M5ZjliNSkZLBwAABwAAADcAAAAUEFSMQ=="));
        const string schema = """
            {"schemaVersion": 1, "columns": [
              {"name": "a", "type": "float", "max": 50},
              {"name": "d", "type": "date", "max": "2024-01-08"}]}
            """;
        ValidationResult Run(bool entries)
        {
            var result = ReadWithTuning(path, schema, entries, direct: true, parallelism: 2, out long records);
            Assert.Equal(300, records);
            return result;
        }
        var entry = Run(entries: true);
        int above = Enumerable.Range(0, 300).Count(i => i % 50 is not (7 or 8) && i % 3 == 2);
        int late = Enumerable.Range(0, 300).Count(i => i % 60 != 9 && i % 10 > 7);
        Assert.Equal((12, above), (entry.Check("a.type").Failures, entry.Check("a.max").Failures));
        Assert.Equal((5, late), (entry.Check("d.type").Failures, entry.Check("d.max").Failures));
        Assert.Equal(7, entry.Check("a.type").FirstFailures[0].Location.Row);
        Assert.Equal("99", entry.Check("a.max").FirstFailures[0].Value);
        Assert.Equal(9, entry.Check("d.type").FirstFailures[0].Location.Row);
        Assert.Equal(System.Text.Encoding.UTF8.GetString(ValidationReport.Json([Run(entries: false)], "t")),
            System.Text.Encoding.UTF8.GetString(ValidationReport.Json([entry], "t")));
    }
}
