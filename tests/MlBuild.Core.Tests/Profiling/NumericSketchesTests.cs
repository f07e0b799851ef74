using MlBuild.Core.Data.Profiling;

namespace MlBuild.Core.Tests.Profiling;

public class NumericSketchesTests
{
    [Fact]
    public void Feeding_a_run_of_values_at_once_builds_the_sketches_of_adding_them_one_by_one()
    {
        // Profiles must not depend on which path (vector or scalar, CSV or Parquet) counted a value: the same buckets
        // and the same distinct-count registers, for signs, zeros of both signs, tiny and huge values, any run length.
        var rng = new Random(5);
        for (int run = 0; run < 200; run++)
        {
            var values = new double[rng.Next(0, 300)];
            for (int i = 0; i < values.Length; i++)
                values[i] = rng.Next(8) switch
                {
                    0 => 0.0,
                    1 => -0.0,
                    2 => -rng.NextDouble() * 1e6,
                    3 => rng.NextDouble() * 1e-300,
                    4 => Math.Round(rng.NextDouble() * 100, 4),
                    5 => rng.Next(-1000, 1000),
                    6 => double.MaxValue * (rng.Next(2) * 2 - 1),
                    _ => BitConverter.Int64BitsToDouble(rng.NextInt64()) is var x && double.IsFinite(x) ? x : 1.5,
                };
            var vectorSketch = new QuantileSketch();
            var vectorHll = new HyperLogLog();
            NumericSketches.Add(values, vectorSketch.Counter(), vectorHll.Registers);
            vectorSketch.Counted(values.Length);
            var scalarSketch = new QuantileSketch();
            var scalarHll = new HyperLogLog();
            foreach (var v in values)
            {
                scalarSketch.Add(v);
                scalarHll.Add(HyperLogLog.HashNumber(v));
            }
            Assert.Equal(scalarSketch.Buckets(), vectorSketch.Buckets());
            Assert.Equal(scalarHll.Registers, vectorHll.Registers);
        }
    }

    [Fact]
    public void Integers_count_their_double_in_the_histogram_and_their_own_bits_in_the_distinct_count()
    {
        var rng = new Random(6);
        for (int run = 0; run < 100; run++)
        {
            var integers = new long[rng.Next(0, 300)];
            for (int i = 0; i < integers.Length; i++)
                integers[i] = rng.Next(4) switch { 0 => rng.Next(-50, 50), 1 => rng.NextInt64(), 2 => -rng.NextInt64(), _ => 738_000 + rng.Next(730) };
            var doubles = integers.Select(x => (double)x).ToArray();
            var vectorSketch = new QuantileSketch();
            var vectorHll = new HyperLogLog();
            NumericSketches.Add(doubles, integers, vectorSketch.Counter(), vectorHll.Registers);
            var scalarSketch = new QuantileSketch();
            var scalarHll = new HyperLogLog();
            foreach (var x in integers)
            {
                scalarSketch.Add(x);
                scalarHll.Add(HyperLogLog.HashNumber(x));
            }
            Assert.Equal(scalarSketch.Buckets(), vectorSketch.Buckets());
            Assert.Equal(scalarHll.Registers, vectorHll.Registers);
        }
    }
}
