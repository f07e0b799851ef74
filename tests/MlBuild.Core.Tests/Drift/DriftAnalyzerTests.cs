using MlBuild.Core.Data.Drift;
using MlBuild.Core.Data.Profiling;
using MlBuild.Core.Data.Validation;
using MlBuild.Core.Diagnostics;
using MlBuild.Core.Tests.Profiling;

namespace MlBuild.Core.Tests.Drift;

public sealed class DriftAnalyzerTests : IDisposable
{
    readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    MergeableProfile Profile(string name, IEnumerable<GeneratedRow> rows, ProfileLimits? limits = null)
    {
        _dir.Write(name, GeneratedData.Csv(rows));
        return ProfileBuilder.Build(new DatasetRequest(name, [name], GeneratedData.Schema, _dir.Path), limits);
    }

    static readonly DriftRule Rule = new() { Ignore = ["id"] };

    static DriftResult Compare(MergeableProfile reference, MergeableProfile current, DriftRule? rule = null) =>
        DriftAnalyzer.Analyze(reference, current, rule ?? Rule, "reference", "current");

    static string[] Drifted(DriftResult r) =>
        r.Columns.Where(c => c.Status is ColumnDriftStatus.Drifted or ColumnDriftStatus.Missing or ColumnDriftStatus.TypeChanged).Select(c => c.Name).ToArray();

    [Fact]
    public void Two_random_halves_of_a_million_rows_do_not_drift()
    {
        // One generated dataset of 1M rows, shuffled with a seed and cut in two: every column, exactly compared.
        var rows = GeneratedData.Rows(1_000_000, 2024, nullRate: 0.05);
        var rng = new Random(99);
        var order = Enumerable.Range(0, rows.Count).ToArray();
        rng.Shuffle(order);
        var exact = new ProfileLimits { ExactValues = ProfileLimits.InMemoryExactValues };
        var a = Profile("a.csv", order.Take(500_000).Select(i => rows[i]), exact);
        var b = Profile("b.csv", order.Skip(500_000).Select(i => rows[i]), exact);
        var result = Compare(a, b);
        Assert.Empty(Drifted(result));
        Assert.False(result.Drifted);
        Assert.All(result.Columns.Where(c => c.Kind == "numeric" && c.Status != ColumnDriftStatus.NotCompared),
            c => Assert.Contains(c.Statistics, s => s.Name == "ks" && s.IsExact));
    }

    [Theory]
    [InlineData(1_000)]
    [InlineData(20_000)]
    public void Two_random_halves_of_small_data_do_not_drift(int rows)
    {
        // Effect sizes of small samples are noisy: the corrected p-values keep them from drifting.
        for (int seed = 0; seed < 5; seed++)
        {
            var all = GeneratedData.Rows(rows, 500 + seed, nullRate: 0.05);
            var a = Profile($"a{seed}.csv", all.Where((_, i) => i % 2 == 0));
            var b = Profile($"b{seed}.csv", all.Where((_, i) => i % 2 == 1));
            Assert.Empty(Drifted(Compare(a, b)));
        }
    }

    [Fact]
    public void A_tenth_of_a_standard_deviation_shift_a_five_point_category_move_and_five_percent_nulls_each_drift()
    {
        var reference = Profile("ref.csv", GeneratedData.Rows(100_000, 1));
        var shifted = Compare(reference, Profile("shift.csv", GeneratedData.Rows(100_000, 2, shift: 0.2)));   // 0.1 SD (SD 2)
        var moved = Compare(reference, Profile("cat.csv", GeneratedData.Rows(100_000, 3, catShift: 0.05)));
        var nulls = Compare(reference, Profile("null.csv", GeneratedData.Rows(100_000, 4, nullRate: 0.05)));
        var same = Compare(reference, Profile("same.csv", GeneratedData.Rows(100_000, 5)));

        Assert.Equal(["x"], Drifted(shifted));
        Assert.Equal("wasserstein", shifted.Columns[0].Method);
        Assert.StartsWith("current higher", shifted.Columns[0].Direction);
        Assert.Equal(["cat"], Drifted(moved));
        Assert.Equal("jensen_shannon", moved.Columns[0].Method);
        Assert.Equal(["z"], Drifted(nulls));
        Assert.Equal("null_rate_change", nulls.Columns[0].Method);
        Assert.Empty(Drifted(same));
        foreach (var r in new[] { shifted, moved, nulls }) Assert.True(r.Drifted);
        // Drifted columns lead, then by score.
        var scores = shifted.Columns.Skip(1).Where(c => c.Status == ColumnDriftStatus.Stable).Select(c => c.Score).ToArray();
        Assert.Equal(scores.OrderDescending(), scores);
    }

    [Fact]
    public void Sketched_profiles_still_tell_a_shift_from_no_shift_and_bound_their_error()
    {
        var limits = new ProfileLimits { ExactValues = 1000 };
        var reference = Profile("ref.csv", GeneratedData.Rows(100_000, 1), limits);
        var shifted = Compare(reference, Profile("shift.csv", GeneratedData.Rows(100_000, 2, shift: 0.2), limits));
        var same = Compare(reference, Profile("same.csv", GeneratedData.Rows(100_000, 5), limits));
        Assert.Equal(["x"], Drifted(shifted));
        Assert.Empty(Drifted(same));
        var ks = shifted.Columns.Single(c => c.Name == "x").Statistics.Single(s => s.Name == "ks");
        Assert.False(ks.IsExact);
        Assert.InRange(ks.ErrorBound, 0, 0.01);
    }

    [Fact]
    public void A_column_that_became_all_null_drifts_on_its_null_rate()
    {
        var reference = Profile("ref.csv", GeneratedData.Rows(5_000, 1));
        var current = Profile("cur.csv", GeneratedData.Rows(5_000, 2, nullRate: 1));
        var result = Compare(reference, current);
        Assert.Equal(["z"], Drifted(result));
        Assert.Equal("null_rate_change", result.Columns[0].Method);
        Assert.Equal("null rate 0.0% -> 100.0%", result.Columns[0].Direction);
    }

    [Fact]
    public void Dataset_rules_decide_over_the_columns()
    {
        var reference = Profile("ref.csv", GeneratedData.Rows(50_000, 1));
        var current = Profile("cur.csv", GeneratedData.Rows(50_000, 2, shift: 0.4));
        Assert.True(Compare(reference, current).Drifted);
        Assert.False(Compare(reference, current, Rule with { Kind = DatasetRuleKind.ShareOfColumns, Share = 0.5 }).Drifted);
        Assert.False(Compare(reference, current, Rule with { Kind = DatasetRuleKind.NamedColumns, Columns = ["cat", "k"] }).Drifted);
        Assert.True(Compare(reference, current, Rule with { Kind = DatasetRuleKind.NamedColumns, Columns = ["x"] }).Drifted);
        var lenient = Compare(reference, current, Rule with { ColumnThresholds = new Dictionary<string, double> { ["x"] = 0.5, } });
        Assert.Empty(Drifted(lenient));
        var bad = Assert.Throws<MlBuildException>(() => Compare(reference, current, Rule with { Columns = ["nope"], Kind = DatasetRuleKind.NamedColumns }));
        Assert.Equal("MLB2009", bad.Diagnostic.Code);
    }

    [Fact]
    public void The_same_inputs_give_the_same_report_bytes()
    {
        var reference = Profile("ref.csv", GeneratedData.Rows(20_000, 1));
        var current = Profile("cur.csv", GeneratedData.Rows(20_000, 2, shift: 0.3, catShift: 0.1));
        var a = MlBuild.Core.Reports.ReportWriters.Json(DriftReport.Document(Compare(reference, current), "ref", "cur", "1.0.0"));
        var b = MlBuild.Core.Reports.ReportWriters.Json(DriftReport.Document(Compare(ProfileJson.Read(ProfileJson.Write(reference), "r"), current), "ref", "cur", "1.0.0"));
        Assert.Equal(a, b);
    }

    [Theory]
    [InlineData(3_000)]
    [InlineData(20_000)]
    public void Profiling_for_a_reference_with_sketches_finds_the_same_drift_bytes(int currentRows)
    {
        // Past 5,000 distinct values the reference keeps x, z and id as sketches; 3,000 current rows a profile of their
        // own keeps exactly. Counted as sketches from the start for this reference, the report must not change.
        var limits = new ProfileLimits { ExactValues = 5_000 };
        var reference = ProfileJson.Read(ProfileJson.Write(Profile("ref.csv", GeneratedData.Rows(20_000, 1, nullRate: 0.05), limits)), "ref.json");
        Assert.False(reference.Columns.Single(c => c.Name == "x").Values!.IsExact);
        _dir.Write("cur.csv", GeneratedData.Csv(GeneratedData.Rows(currentRows, 2, shift: 0.05, catShift: 0.05, nullRate: 0.05)));
        var request = new DatasetRequest("cur.csv", ["cur.csv"], GeneratedData.Schema, _dir.Path);
        var own = ProfileBuilder.Build(request, limits, 1);
        Assert.Equal(currentRows < limits.ExactValues, own.Columns.Single(c => c.Name == "x").Values!.IsExact);
        byte[] Report(MergeableProfile current) =>
            MlBuild.Core.Reports.ReportWriters.Json(DriftReport.Document(Compare(reference, current, new DriftRule()), "ref", "cur", "1.0.0"));
        var expected = Report(own);
        foreach (int threads in new[] { 1, 2, 4 })
        {
            var forDrift = ProfileBuilder.BuildForDrift(request, reference, threads);
            var x = forDrift.Columns.Single(c => c.Name == "x").Values!;
            Assert.False(x.IsExact);
            Assert.Throws<InvalidOperationException>(() => x.DistinctCount()); // compared on buckets only, never saved
            Assert.Equal(expected, Report(forDrift));
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Validating_and_profiling_in_one_pass_gives_what_two_passes_give(int threads)
    {
        // The build validates a dataset with a reference profile and profiles it in one pass. With checks that fail
        // (x below its minimum, z null where it may not be, a cell of k that is not an integer, a column the schema
        // lacks), the validation report and the drift must be those of a validation and a separate profile.
        var limits = new ProfileLimits { ExactValues = 5_000 };
        var reference = ProfileJson.Read(ProfileJson.Write(Profile("ref.csv", GeneratedData.Rows(20_000, 1, nullRate: 0.05), limits)), "ref.json");
        var lines = GeneratedData.Csv(GeneratedData.Rows(30_000, 2, shift: 0.3, catShift: 0.05, nullRate: 0.05)).TrimEnd('\n').Split('\n')
            .Select((l, i) => i == 0 ? l + ",extra" : l + "," + (i % 7)).ToList(); // a column the schema lacks
        lines[100] = string.Join(',', lines[100].Split(',').Select((f, j) => j == 2 ? "seven" : f)); // k not an integer
        _dir.Write("cur.csv", string.Join('\n', lines) + "\n");
        _dir.Write("checked.schema.json", """
            {"schemaVersion": 1, "columns": [
              {"name": "id", "type": "integer"},
              {"name": "x", "type": "float", "min": 8},
              {"name": "k", "type": "integer"},
              {"name": "cat", "type": "category"},
              {"name": "z", "type": "float", "nullable": false}]}
            """);
        var schema = MlBuild.Core.Data.Schema.SchemaLoader.Load(Path.Combine(_dir.Path, "checked.schema.json"), "checked.schema.json");
        var request = new DatasetRequest("cur", ["cur.csv"], schema, _dir.Path);
        var options = new ValidationOptions { MaxParallelism = threads, ChunkBytes = 64 << 10 };

        var (result, profile) = ProfileBuilder.ValidateForDrift(request, reference, options);
        var validated = DatasetValidator.Validate(request, options);
        Assert.Equal(Verdict.Fail, validated.Verdict);
        Assert.Equal(ValidationReport.Json([validated], "1.0.0"), ValidationReport.Json([result], "1.0.0"));
        Assert.NotNull(profile);
        byte[] Report(MergeableProfile current) =>
            MlBuild.Core.Reports.ReportWriters.Json(DriftReport.Document(Compare(reference, current, new DriftRule()), "ref", "cur", "1.0.0"));
        Assert.Equal(Report(ProfileBuilder.BuildForDrift(request, reference, threads)), Report(profile!));
    }
}
