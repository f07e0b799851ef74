using MlBuild.Core.Data.Validation;

namespace MlBuild.Core.Tests.Validation;

public class LongSetTests
{
    [Fact]
    public void Batches_report_exactly_the_repeats_across_growth_and_the_sentinel_value()
    {
        var set = new LongSet();
        var rng = new Random(3);
        var seen = new HashSet<long>();
        for (int batch = 0; batch < 20; batch++)
        {
            var keys = Enumerable.Range(0, 10_000).Select(_ => rng.Next(0, 150_000) * 7919L - 3).ToArray();
            keys[0] = long.MinValue;
            keys[1] = long.MaxValue;
            var expected = new List<int>();
            for (int i = 0; i < keys.Length; i++) if (!seen.Add(keys[i])) expected.Add(i);
            var actual = new List<int>();
            set.AddBatch(keys, actual.Add);
            Assert.Equal(expected, actual);
        }
        Assert.False(set.Add(long.MinValue));
        Assert.True(set.Add(42));
    }
}
