using System.Globalization;
using System.Text;
using MlBuild.Core.Data.Profiling;
using MlBuild.Core.Data.Schema;
using MlBuild.Core.Data.Validation;

namespace MlBuild.Core.Tests.Validation;

/// <summary>Mean and standard deviation stay finite and right over the whole double range, merged over any chunking.</summary>
public class MomentsTests
{
    const string Schema = """{"schemaVersion": 1, "columns": [{"name": "x", "type": "float"}]}""";

    static ColumnProfile Profile(TempDir dir, IEnumerable<double> values, int threads = 2, int chunkBytes = 1 << 20)
    {
        var csv = new StringBuilder("x\n");
        foreach (var v in values) csv.Append(v.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
        dir.Write("data.csv", csv.ToString());
        var schema = SchemaLoader.Parse(Encoding.UTF8.GetBytes(Schema), "s.json");
        var r = DatasetValidator.Validate(new DatasetRequest("data", ["data.csv"], schema, dir.Path),
            new ValidationOptions { MaxParallelism = threads, ChunkBytes = chunkBytes });
        Assert.Equal(0, r.ExitCode);
        return r.Profile!.Columns.Single();
    }

    [Fact]
    public void Plus_and_minus_1e155_and_1_7e308_give_finite_mean_and_std()
    {
        using var dir = new TempDir();
        var p = Profile(dir, [1e155, -1e155]);
        Assert.Equal(0, p.Mean);
        Assert.Equal(Math.Sqrt(2) * 1e155, p.StdDev!.Value, 1e142);

        p = Profile(dir, [1e155, -1e155, 1.7e308]);
        double mean = 1.7e308 / 3;
        Assert.Equal(mean, p.Mean!.Value, mean * 1e-14);
        // Deviations -m, -m, 2m (the ±1e155 are far below m's precision): variance 6m²/2.
        double std = Math.Sqrt(3) * mean;
        Assert.Equal(std, p.StdDev!.Value, std * 1e-14);
        Assert.All(p.Quantiles!.Values, q => Assert.True(double.IsFinite(q)));
        Assert.All(p.Histogram!, h => Assert.True(double.IsFinite(h.Item1) && double.IsFinite(h.Item2)));
        Assert.Equal(3, p.Histogram!.Sum(h => h.Item3));
    }

    [Fact]
    public void A_std_beyond_the_largest_double_is_left_out_not_infinite()
    {
        using var dir = new TempDir();
        var p = Profile(dir, [1.7e308, -1.7e308]); // std = 1.7e308 * sqrt(2)
        Assert.Equal(0, p.Mean);
        Assert.Null(p.StdDev);
        Assert.Equal(2, p.Histogram!.Sum(h => h.Item3));
    }

    /// <summary>
    /// Scaling by a power of two is exact, so the moments of values times 2^k are those of the values times 2^k: the
    /// ordinary-range result (computed by the plain sums) is the reference for huge and tiny magnitudes alike, over
    /// many chunks merged on one or three threads.
    /// </summary>
    [Theory]
    [InlineData(600)]
    [InlineData(900)]
    [InlineData(-700)]
    [InlineData(-1000)]
    public void Huge_and_tiny_magnitudes_match_the_ordinary_range_scaled(int power)
    {
        using var dir = new TempDir();
        var rng = new Random(power & 0xFFFF);
        var plain = Enumerable.Range(0, 3000).Select(_ => (rng.NextDouble() - 0.3) * 8).ToArray();
        var reference = Profile(dir, plain, threads: 1, chunkBytes: 1 << 20);
        foreach (var threads in new[] { 1, 3 })
        {
            var p = Profile(dir, plain.Select(v => Math.ScaleB(v, power)), threads, chunkBytes: 2048);
            double scale = Math.ScaleB(1, power);
            Assert.Equal(reference.Mean!.Value, p.Mean!.Value / scale, 1e-12);
            Assert.Equal(reference.StdDev!.Value, p.StdDev!.Value / scale, 1e-12);
        }
    }

    [Fact]
    public void Ordinary_and_huge_values_merge_across_chunks_whatever_the_thread_count()
    {
        using var dir = new TempDir();
        var values = Enumerable.Range(0, 4000).Select(i => i % 1000 == 999 ? 1e200 * (i % 3 - 1) : i * 0.5).ToArray();
        var one = Profile(dir, values, threads: 1, chunkBytes: 2048);
        var three = Profile(dir, values, threads: 3, chunkBytes: 2048);
        Assert.Equal(one.Mean, three.Mean);
        Assert.Equal(one.StdDev, three.StdDev);
        // The reference: the plain two-pass sums of the values scaled by 2^-665 (exact), scaled back.
        double[] big = values.Select(v => Math.ScaleB(v, -665)).ToArray();
        double mean = big.Average();
        double std = Math.Sqrt(big.Sum(v => (v - mean) * (v - mean)) / (big.Length - 1));
        Assert.Equal(Math.ScaleB(mean, 665), one.Mean!.Value, Math.Abs(one.Mean!.Value) * 1e-12);
        Assert.Equal(Math.ScaleB(std, 665), one.StdDev!.Value, one.StdDev!.Value * 1e-12);
    }
}
