using MlBuild.Core.Data.Profiling;

namespace MlBuild.Core.Tests.Profiling;

public class StableHashTests
{
    [Fact]
    public void Hashing_in_place_gives_the_bits_of_hashing_the_value_alone()
    {
        // Distinct counts and value tables depend on these bits: the in-place hash (which reads past short values)
        // must agree with the span hash for every length, whatever bytes follow the value.
        var rng = new Random(3);
        var buffer = new byte[96];
        for (int k = 0; k < 50_000; k++)
        {
            rng.NextBytes(buffer);
            int length = rng.Next(0, 40), start = rng.Next(0, buffer.Length - length + 1);
            Assert.Equal(StableHash.Bytes(buffer.AsSpan(start, length)), StableHash.Bytes(buffer, start, length));
        }
    }
}
