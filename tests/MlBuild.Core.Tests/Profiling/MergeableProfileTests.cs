using System.Globalization;
using System.Text;
using System.Text.Json;
using MlBuild.Core.Data.Profiling;
using MlBuild.Core.Data.Schema;
using MlBuild.Core.Data.Validation;
using MlBuild.Core.Diagnostics;

namespace MlBuild.Core.Tests.Profiling;

public sealed class MergeableProfileTests : IDisposable
{
    readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    MergeableProfile Profile(string file, ProfileLimits? limits = null, int threads = 2, DatasetSchema? schema = null) =>
        ProfileBuilder.Build(new DatasetRequest(Path.GetFileNameWithoutExtension(file), [file], schema ?? GeneratedData.Schema, _dir.Path), limits, threads);

    static JsonElement Column(MergeableProfile p, string name)
    {
        using var doc = JsonDocument.Parse(ProfileJson.Write(p));
        return doc.RootElement.GetProperty("columns").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name).Clone();
    }

    [Fact]
    public void A_column_within_the_budget_has_its_exact_median_and_distinct_count()
    {
        // 344 rows with one decimal, as the penguins file: the validation profile's sketch said 44.375 and 165 distinct.
        var rng = new Random(344);
        var values = Enumerable.Range(0, 344).Select(i => i % 40 == 0 ? (double?)null : Math.Round(32 + rng.NextDouble() * 28, 1)).ToList();
        _dir.Write("p.csv", "n,bill\n" + string.Concat(values.Select((v, i) => $"{i},{v?.ToString("R", CultureInfo.InvariantCulture)}\n")));
        var schema = new DatasetSchema { Columns = [new ColumnSchema { Name = "bill", Type = ColumnType.Float }] };
        var profile = Profile("p.csv", schema: schema);

        var sorted = values.OfType<double>().Order().ToArray();
        double median = sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
        var bill = Column(profile, "bill");
        Assert.True(bill.GetProperty("quantiles").GetProperty("exact").GetBoolean());
        Assert.Equal(median, bill.GetProperty("quantiles").GetProperty("p50").GetDouble());
        Assert.Equal(sorted.Distinct().Count(), bill.GetProperty("distinct").GetProperty("value").GetInt32());
        Assert.True(bill.GetProperty("distinct").GetProperty("exact").GetBoolean());
        Assert.Equal(values.Count(v => v is null), bill.GetProperty("nulls").GetInt64());
        Assert.Equal(sorted.Length, bill.GetProperty("histogram").GetProperty("counts").EnumerateArray().Sum(c => c.GetInt64()));
        // numpy's default quantile (linear between order statistics) at p90
        double h = (sorted.Length - 1) * 0.9;
        int lo = (int)Math.Floor(h);
        Assert.Equal(sorted[lo] + (h - lo) * (sorted[lo + 1] - sorted[lo]), bill.GetProperty("quantiles").GetProperty("p90").GetDouble(), 12);
    }

    [Theory]
    [InlineData(1, 1_000_000)]  // every numeric column exact
    [InlineData(2, 300)]        // x and z past the budget: sketches, k still exact
    [InlineData(3, 1)]          // every numeric column a sketch
    public void Shards_merge_to_the_profile_of_the_whole_file(int seed, int exactValues)
    {
        var limits = new ProfileLimits { ExactValues = exactValues };
        var rows = GeneratedData.Rows(30_000, seed, nullRate: 0.03);
        _dir.Write("whole.csv", GeneratedData.Csv(rows));
        var whole = Profile("whole.csv", limits);

        // Random contiguous splits into 2..6 shards (some tiny), each profiled on its own, merged in order.
        var rng = new Random(seed * 7919);
        for (int trial = 0; trial < 3; trial++)
        {
            int shards = rng.Next(2, 7);
            var cuts = Enumerable.Range(0, shards - 1).Select(_ => rng.Next(1, rows.Count)).Append(0).Append(rows.Count).Distinct().Order().ToArray();
            var parts = new List<(MergeableProfile, string)>();
            for (int s = 0; s + 1 < cuts.Length; s++)
            {
                var name = $"t{trial}-part{s}.csv";
                _dir.Write(name, GeneratedData.Csv(rows.Skip(cuts[s]).Take(cuts[s + 1] - cuts[s])));
                // Through the saved form, as a CI matrix job hands its profile to the merge step.
                parts.Add((ProfileJson.Read(ProfileJson.Write(Profile(name, limits)), name), name));
            }
            var merged = MergeableProfile.Merge(parts);
            AssertSameProfile(whole, merged);
        }
    }

    static void AssertSameProfile(MergeableProfile whole, MergeableProfile merged)
    {
        Assert.Equal(whole.Rows, merged.Rows);
        Assert.Equal(whole.Columns.Select(c => c.Name), merged.Columns.Select(c => c.Name));
        foreach (var (w, m) in whole.Columns.Zip(merged.Columns))
        {
            Assert.Equal((w.Count, w.Nulls, w.Invalid, w.NaN), (m.Count, m.Nulls, m.Invalid, m.NaN));
            if (w.Kind == ProfileColumnKind.Categorical)
            {
                Assert.Equal(w.Categories!.Sorted(), m.Categories!.Sorted());
                continue;
            }
            Assert.Equal((w.Min, w.Max), (m.Min, m.Max));
            Assert.Equal(w.MomentCount, m.MomentCount);
            Assert.Equal(w.Mean, m.Mean, 1e-12 * Math.Max(1, Math.Abs(w.Mean)));
            Assert.Equal(w.M2, m.M2, 1e-9 * Math.Max(1, w.M2));
            Assert.Equal(w.Values!.IsExact, m.Values!.IsExact);
            if (w.Values.IsExact)
            {
                Assert.Equal(w.Values.Exact().Values, m.Values.Exact().Values);
                Assert.Equal(w.Values.Exact().Counts, m.Values.Exact().Counts);
            }
            else
            {
                // Bucket counts add, so the merged sketch is the whole's, bucket for bucket, and so is the distinct count.
                Assert.Equal(w.Values.Sketch!.Buckets(), m.Values.Sketch!.Buckets());
                Assert.Equal(w.Values.Distinct!.Registers, m.Values.Distinct!.Registers);
            }
            foreach (var q in new[] { 0.01, 0.25, 0.5, 0.75, 0.99 })
                Assert.Equal(w.Quantile(q), m.Quantile(q));
        }
    }

    [Fact]
    public void A_sketched_quantile_lies_within_its_stated_error_of_the_exact_one()
    {
        var rows = GeneratedData.Rows(20_000, 11);
        _dir.Write("d.csv", GeneratedData.Csv(rows));
        var exact = Profile("d.csv");
        var sketched = Profile("d.csv", new ProfileLimits { ExactValues = 100 });
        var x = sketched.Columns.Single(c => c.Name == "x");
        Assert.False(x.Values!.IsExact);
        var json = Column(sketched, "x");
        double error = json.GetProperty("quantiles").GetProperty("relativeValueError").GetDouble();
        Assert.False(json.GetProperty("quantiles").GetProperty("exact").GetBoolean());
        Assert.Equal("hyperloglog", json.GetProperty("distinct").GetProperty("method").GetString());
        var sorted = rows.Select(r => r.X).Order().ToArray();
        foreach (var q in new[] { 0.01, 0.1, 0.5, 0.9, 0.99 })
        {
            double truth = exact.Columns.Single(c => c.Name == "x").Quantile(q)!.Value;
            // The sketch finds the bucket holding the order statistic at floor((n-1)q); its value is within the bucket's width.
            double order = sorted[(int)Math.Floor((sorted.Length - 1) * q)];
            Assert.InRange(x.Quantile(q)!.Value, order - error * Math.Abs(order), order + error * Math.Abs(order));
            Assert.InRange(x.Quantile(q)!.Value, truth - 2 * error * Math.Abs(truth) - 0.01, truth + 2 * error * Math.Abs(truth) + 0.01);
        }
        long distinct = json.GetProperty("distinct").GetProperty("value").GetInt64();
        long trueDistinct = sorted.Distinct().Count();
        Assert.InRange(distinct, trueDistinct * 0.95, trueDistinct * 1.05);
    }

    [Fact]
    public void The_saved_profile_is_byte_identical_for_any_thread_count_and_round_trips()
    {
        _dir.Write("d.csv", GeneratedData.Csv(GeneratedData.Rows(40_000, 5, nullRate: 0.1)));
        var one = ProfileJson.Write(Profile("d.csv", threads: 1));
        var four = ProfileJson.Write(Profile("d.csv", threads: 4));
        Assert.Equal(one, four);
        Assert.Equal(one, ProfileJson.Write(ProfileJson.Read(one, "d.json")));
        var sketched = ProfileJson.Write(Profile("d.csv", new ProfileLimits { ExactValues = 50, Categories = 2 }));
        Assert.Equal(sketched, ProfileJson.Write(ProfileJson.Read(sketched, "s.json")));
    }

    [Fact]
    public void Values_near_the_ends_of_the_double_range_save_and_read_back_with_an_infinite_second_moment()
    {
        _dir.Write("huge.csv", "x\n1.7e308\n-1.7e308\n1.5e308\n");
        var schema = new DatasetSchema { Columns = [new ColumnSchema { Name = "x", Type = ColumnType.Float }] };
        var profile = Profile("huge.csv", schema: schema);

        var saved = ProfileJson.Write(profile);
        var moments = Column(profile, "x").GetProperty("moments");

        Assert.Equal(JsonValueKind.Null, moments.GetProperty("m2").ValueKind);
        Assert.Equal(JsonValueKind.Null, moments.GetProperty("variance").ValueKind);
        Assert.Equal(3, moments.GetProperty("n").GetInt64());
        var read = ProfileJson.Read(saved, "huge.json");
        Assert.True(double.IsPositiveInfinity(read.Columns.Single().M2));
        Assert.Equal(saved, ProfileJson.Write(read));
    }

    [Fact]
    public void Exact_values_of_every_length_read_back_to_the_same_bits()
    {
        // Values with 0 to 17 significant digits, both signs, -0, tiny and huge: short decimals are read by dividing
        // their digits by a power of ten, the rest by the JSON parser; either way the same doubles must come back.
        var rng = new Random(17);
        var values = new List<double> { 0, -0.0, 1e-300, -9.87654321e20, 123456789012345, 1234567890123456, 0.1, 0.30000000000000004 };
        for (int i = 0; i < 20_000; i++)
        {
            double x = (rng.NextDouble() - 0.5) * Math.Pow(10, rng.Next(-8, 16));
            values.Add(rng.Next(3) == 0 ? x : Math.Round(x, rng.Next(0, 10)));
        }
        _dir.Write("v.csv", "v\n" + string.Concat(values.Select(v => v.ToString("R", CultureInfo.InvariantCulture) + "\n")));
        var schema = new DatasetSchema { Columns = [new ColumnSchema { Name = "v", Type = ColumnType.Float }] };
        var profile = Profile("v.csv", new ProfileLimits { ExactValues = 100_000 }, schema: schema);
        var saved = ProfileJson.Write(profile);
        var read = ProfileJson.Read(saved, "v.json");
        Assert.Equal(profile.Columns[0].Values!.Exact().Values, read.Columns[0].Values!.Exact().Values);
        Assert.Equal(saved, ProfileJson.Write(read));
    }

    [Theory]
    [InlineData(1_000_000)] // every numeric column exact
    [InlineData(3_000)]     // id and x outgrow the exact limit on some reading threads before others
    public void The_profile_is_byte_identical_for_any_thread_count_with_many_chunks(int exactValues)
    {
        _dir.Write("d.csv", GeneratedData.Csv(GeneratedData.Rows(60_000, 11, nullRate: 0.05)));
        var limits = new ProfileLimits { ExactValues = exactValues };
        byte[] Saved(int threads, int chunkBytes) => ProfileJson.Write(ProfileBuilder.Build(
            new DatasetRequest("d", ["d.csv"], GeneratedData.Schema, _dir.Path), limits,
            new ValidationOptions { MaxParallelism = threads, ChunkBytes = chunkBytes }));
        // 16 KB chunks: about 130 batches, shared out among the threads differently on every run.
        var one = Saved(1, 16 << 10);
        Assert.Equal(one, Saved(2, 16 << 10));
        Assert.Equal(one, Saved(3, 16 << 10));
        // Other chunk sizes cut the batches elsewhere: only the moments' rounding may differ.
        static string WithoutMoments(byte[] json) =>
            System.Text.RegularExpressions.Regex.Replace(Encoding.UTF8.GetString(json), "\"moments\":\\s*\\{[^}]*\\}", "");
        Assert.DoesNotContain("\"moments\"", WithoutMoments(one));
        Assert.Equal(WithoutMoments(one), WithoutMoments(Saved(2, 1 << 20)));
    }

    [Fact]
    public void Values_with_few_decimals_others_and_far_tails_are_counted_exactly()
    {
        // Mostly two decimals in [0, 10] (counted by value x 100), some with every digit, some far outside the first
        // values' range: every value must be counted once, at its exact bits.
        var rng = new Random(21);
        var values = Enumerable.Range(0, 50_000).Select(i => (i % 20) switch
        {
            0 => rng.NextDouble() * 10,
            1 => Math.Round(1e6 + rng.NextDouble() * 100, 2),
            2 => -Math.Round(rng.NextDouble() * 3, 2),
            _ => Math.Round(rng.NextDouble() * 10, 2),
        }).ToArray();
        _dir.Write("v.csv", "v\n" + string.Concat(values.Select(v => v.ToString("R", CultureInfo.InvariantCulture) + "\n")));
        var schema = new DatasetSchema { Columns = [new ColumnSchema { Name = "v", Type = ColumnType.Float }] };
        var profile = ProfileBuilder.Build(new DatasetRequest("v", ["v.csv"], schema, _dir.Path), new ProfileLimits(),
            new ValidationOptions { MaxParallelism = 2, ChunkBytes = 32 << 10 });

        var (distinct, counts) = profile.Columns[0].Values!.Exact();
        var expected = values.Select(v => v == 0 ? 0 : v).GroupBy(v => v).OrderBy(g => g.Key).ToArray();
        Assert.Equal(expected.Select(g => g.Key), distinct);
        Assert.Equal(expected.Select(g => (long)g.Count()), counts);
    }

    [Fact]
    public void A_parquet_file_profiles_as_the_same_data_in_csv()
    {
        var rows = GeneratedData.Rows(5_000, 9, nullRate: 0.05);
        _dir.Write("d.csv", GeneratedData.Csv(rows));
        var parquet = Path.Combine(_dir.Path, "d.parquet");
        Parquet.ParquetTestFiles.Write(parquet,
            new Parquet.TestColumn(new global::Parquet.Schema.DataField<long>("id"), rows.Take(3000).Select(r => r.Id).ToArray(), rows.Skip(3000).Select(r => r.Id).ToArray()),
            new Parquet.TestColumn(new global::Parquet.Schema.DataField<double>("x"), rows.Take(3000).Select(r => r.X).ToArray(), rows.Skip(3000).Select(r => r.X).ToArray()),
            new Parquet.TestColumn(new global::Parquet.Schema.DataField<long>("k"), rows.Take(3000).Select(r => r.K).ToArray(), rows.Skip(3000).Select(r => r.K).ToArray()),
            new Parquet.TestColumn(new global::Parquet.Schema.DataField<string>("cat"), rows.Take(3000).Select(r => (string?)r.Cat).ToArray(), rows.Skip(3000).Select(r => (string?)r.Cat).ToArray()),
            new Parquet.TestColumn(new global::Parquet.Schema.DataField<double?>("z"), rows.Take(3000).Select(r => r.Z).ToArray(), rows.Skip(3000).Select(r => r.Z).ToArray()));
        var fromCsv = Profile("d.csv");
        var fromParquet = Profile("d.parquet");
        AssertSameProfile(fromCsv, fromParquet);
    }

    [Fact]
    public void A_broken_profile_file_is_a_coded_diagnostic()
    {
        _dir.Write("d.csv", GeneratedData.Csv(GeneratedData.Rows(500, 1)));
        var good = Encoding.UTF8.GetString(ProfileJson.Write(Profile("d.csv")));

        string Code(string text) => Assert.Throws<MlBuildException>(() => ProfileJson.Read(Encoding.UTF8.GetBytes(text), "ref.json")).Diagnostic.Code;
        Assert.Equal("MLB2005", Code(good[..(good.Length / 2)]));                                          // truncated
        Assert.Equal("MLB2005", Code(good.Replace("\"rows\":", "\"rows\" ")));                              // hand-edited into invalid JSON
        Assert.Equal("MLB2006", Code(good.Replace("\"formatVersion\": 1", "\"formatVersion\": 7")));       // a newer format
        Assert.Equal("MLB2005", Code("{\"hello\": 1}"));                                                     // not a profile
        var nulls = JsonDocument.Parse(good).RootElement.GetProperty("columns")[0].GetProperty("count").GetInt64();
        Assert.Equal("MLB2005", Code(good.Replace($"\"count\": {nulls},", $"\"count\": {nulls + 1},")));   // counts that do not add up
    }

    [Fact]
    public void Profiles_of_other_columns_or_limits_do_not_merge()
    {
        _dir.Write("d.csv", GeneratedData.Csv(GeneratedData.Rows(300, 1)));
        var a = Profile("d.csv");
        var b = Profile("d.csv", new ProfileLimits { ExactValues = 10 });
        var ex = Assert.Throws<MlBuildException>(() => MergeableProfile.Merge([(a, "a.json"), (b, "b.json")]));
        Assert.Equal("MLB2004", ex.Diagnostic.Code);
        var schema = new DatasetSchema { Columns = [new ColumnSchema { Name = "x", Type = ColumnType.Float }] };
        var c = Profile("d.csv", schema: schema);
        Assert.Equal("MLB2004", Assert.Throws<MlBuildException>(() => MergeableProfile.Merge([(a, "a.json"), (c, "c.json")])).Diagnostic.Code);
    }
}
