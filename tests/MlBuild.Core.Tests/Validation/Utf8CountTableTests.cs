using MlBuild.Core.Data.Profiling;
using MlBuild.Core.Data.Validation;

namespace MlBuild.Core.Tests.Validation;

public class Utf8CountTableTests
{
    [Fact]
    public void Values_found_in_place_are_the_values_found_alone()
    {
        // Short values are compared as two masked words read past their end; whatever follows a value in the buffer
        // (and values that share a prefix or differ only in length) must not make it match another entry.
        var rng = new Random(9);
        var table = new Utf8CountTable(10_000);
        var buffer = new byte[64];
        for (int k = 0; k < 40_000; k++)
        {
            int length = rng.Next(0, 24), start = rng.Next(0, buffer.Length - 24);
            rng.NextBytes(buffer);
            for (int i = 0; i < length; i++) buffer[start + i] = (byte)"ab"[rng.Next(2)]; // few values, many near-duplicates
            var value = buffer.AsSpan(start, length);
            ulong hash = StableHash.Bytes(value) & 0xF; // colliding hashes: equality must come from the bytes
            int alone = table.Find(value, hash);
            Assert.Equal(alone, table.Find(buffer, start, length, hash));
            if (alone < 0) table.TryAdd(value, hash, Utf8CountTable.Flags.None);
        }
        Assert.True(table.Count > 100);
    }
}
