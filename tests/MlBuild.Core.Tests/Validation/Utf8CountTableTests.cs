using System.Text;
using MlBuild.Core.Data.Profiling;
using MlBuild.Core.Data.Validation;

namespace MlBuild.Core.Tests.Validation;

public class Utf8CountTableTests
{
    [Fact]
    public void Values_found_in_place_are_the_values_found_alone_and_counted_once_each()
    {
        // Short values are compared as two masked words read past their end; whatever follows a value in the buffer
        // (and values that share a prefix or differ only in length, across the 16-byte boundary) must not make it
        // match another entry, and a value must be found the same way in place, alone, or near the buffer's end.
        var rng = new Random(9);
        var table = new Utf8CountTable(100_000);
        var expected = new Dictionary<string, long>();
        var buffer = new byte[64];
        for (int k = 0; k < 40_000; k++)
        {
            int length = rng.Next(0, 24), start = rng.Next(0, buffer.Length - length + 1);
            rng.NextBytes(buffer);
            for (int i = 0; i < length; i++) buffer[start + i] = (byte)"ab"[rng.Next(2)]; // few values, many near-duplicates
            var value = buffer.AsSpan(start, length);
            var text = Encoding.ASCII.GetString(value);
            int e = rng.Next(2) == 0 ? table.Find(buffer, start, length) : table.Find(value.ToArray());
            Assert.Equal(expected.ContainsKey(text), e >= 0);
            if (e >= 0) table.CountOne(e);
            else Assert.True(table.TryAdd(value, Utf8CountTable.Flags.None));
            expected[text] = expected.GetValueOrDefault(text) + 1;
        }
        Assert.True(table.Count > 100);
        var counted = new Dictionary<string, long>();
        bool truncated = false;
        table.DrainInto(counted, 100_000, ref truncated);
        Assert.Equal(expected.OrderBy(x => x.Key), counted.OrderBy(x => x.Key));

        // A reset table holds nothing, and counts afresh.
        table.Reset();
        Assert.Equal(-1, table.Find("ab"u8.ToArray()));
        Assert.True(table.TryAdd("ab"u8, Utf8CountTable.Flags.BadLength));
        int again = table.Find("ab"u8.ToArray());
        table.CountOne(again);
        Assert.Equal(2, table.CountOf(again));
        Assert.Equal(Utf8CountTable.Flags.BadLength, table.FlagsOf(again));
    }

    [Fact]
    public void The_distinct_count_takes_each_values_stable_hash()
    {
        var table = new Utf8CountTable(100);
        foreach (var s in new[] { "north", "south", "a value longer than sixteen bytes" }) table.TryAdd(Encoding.UTF8.GetBytes(s), Utf8CountTable.Flags.None);
        var fromTable = new HyperLogLog();
        table.AddHashesTo(fromTable);
        var direct = new HyperLogLog();
        foreach (var s in new[] { "north", "south", "a value longer than sixteen bytes" }) direct.Add(StableHash.Bytes(Encoding.UTF8.GetBytes(s)));
        Assert.Equal(direct.Registers, fromTable.Registers);
    }
}
