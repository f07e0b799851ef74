using System.Text;
using MlBuild.Core.Data.Checks;
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
            else Assert.True(table.TryAdd(value, ValueFailures.None));
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
        Assert.True(table.TryAdd("ab"u8, ValueFailures.BadLength));
        int again = table.Find("ab"u8.ToArray());
        table.CountOne(again);
        Assert.Equal(2, table.CountOf(again));
        Assert.Equal(ValueFailures.BadLength, table.FlagsOf(again));
    }

    [Fact]
    public void The_counting_loop_counts_known_values_and_stops_at_every_other_cell()
    {
        // A column of near-duplicate values of 0 to 20 bytes (across both 8- and 16-byte boundaries), with nulls, some
        // values that fail a check, and cells near the buffer's end: the loop must count exactly the known values that
        // fail no check, skip non-values, and stop at the first unknown, failing, long or near-the-end cell.
        var rng = new Random(17);
        for (int trial = 0; trial < 200; trial++)
        {
            var table = new Utf8CountTable(100_000);
            var text = new List<byte>();
            var starts = new List<int>();
            var lengths = new List<int>();
            var states = new List<CellState>();
            var known = new Dictionary<string, ValueFailures>();
            for (int k = 0; k < 12; k++)
            {
                var v = new string('a', rng.Next(0, 21)).ToCharArray();
                for (int j = 0; j < v.Length; j++) v[j] = "ab"[rng.Next(2)];
                var s = new string(v);
                var flags = rng.Next(5) == 0 ? ValueFailures.NotAllowed : ValueFailures.None;
                if (known.TryAdd(s, flags)) table.TryAdd(Encoding.ASCII.GetBytes(s), flags);
            }
            var values = known.Keys.ToArray();
            int rows = rng.Next(1, 300);
            for (int r = 0; r < rows; r++)
            {
                // Mostly known values; sometimes an unknown one, a null cell.
                string s = rng.Next(30) == 0 ? "zz" + rng.Next(100) : values[rng.Next(values.Length)];
                states.Add(rng.Next(25) == 0 ? CellState.Null : CellState.Value);
                starts.Add(text.Count);
                lengths.Add(s.Length);
                text.AddRange(Encoding.ASCII.GetBytes(s));
                text.Add((byte)',');
            }
            var buffer = text.ToArray();
            int from = rng.Next(0, rows);
            long counted = 0;
            int stop = table.CountKnown(states.ToArray(), starts.ToArray(), lengths.ToArray(), buffer, from, ref counted);
            // The expected stop: the first value cell from `from` on that is unknown, failing, over 16 bytes or within
            // 16 bytes of the buffer's end.
            int expectedStop = from;
            long expectedCount = 0;
            var perValue = known.Keys.ToDictionary(k => k, _ => 1L); // TryAdd counted each once
            for (; expectedStop < rows; expectedStop++)
            {
                if (states[expectedStop] != CellState.Value) continue;
                var s = Encoding.ASCII.GetString(buffer, starts[expectedStop], lengths[expectedStop]);
                if (s.Length > 16 || starts[expectedStop] + 16 > buffer.Length || !known.TryGetValue(s, out var f) || f != ValueFailures.None) break;
                expectedCount++;
                perValue[s]++;
            }
            Assert.Equal(expectedStop, stop);
            Assert.Equal(expectedCount, counted);
            var drained = new Dictionary<string, long>();
            bool truncated = false;
            table.DrainInto(drained, 100_000, ref truncated);
            Assert.Equal(perValue.OrderBy(x => x.Key), drained.OrderBy(x => x.Key));
        }
    }

    [Fact]
    public void The_distinct_count_takes_each_values_stable_hash()
    {
        var table = new Utf8CountTable(100);
        foreach (var s in new[] { "north", "south", "a value longer than sixteen bytes" }) table.TryAdd(Encoding.UTF8.GetBytes(s), ValueFailures.None);
        var fromTable = new HyperLogLog();
        table.AddHashesTo(fromTable);
        var direct = new HyperLogLog();
        foreach (var s in new[] { "north", "south", "a value longer than sixteen bytes" }) direct.Add(StableHash.Bytes(Encoding.UTF8.GetBytes(s)));
        Assert.Equal(direct.Registers, fromTable.Registers);
    }
}
