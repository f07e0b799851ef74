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

    [Fact]
    public void Keys_added_before_a_size_hint_are_still_known_after_it()
    {
        // EnsureCapacity makes the larger table on another thread; the keys already in the set move into it when it is
        // taken, and hints arriving while one is pending (several files of a glob) only grow it.
        var set = new LongSet();
        for (long k = 0; k < 50_000; k++) Assert.True(set.Add(k * 31));
        set.EnsureCapacity(1_000_000);
        set.EnsureCapacity(500_000);
        set.EnsureCapacity(3_000_000);
        var repeats = new List<int>();
        set.AddBatch(Enumerable.Range(0, 100_000).Select(i => (long)i * 31).ToArray(), repeats.Add);
        Assert.Equal(Enumerable.Range(0, 50_000), repeats);
        Assert.False(set.Add(49_999L * 31));
        Assert.True(set.Add(-1));
    }
}
