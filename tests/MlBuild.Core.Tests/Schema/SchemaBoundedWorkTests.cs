using System.Diagnostics;
using System.Text;
using MlBuild.Core.Data.Schema;
using MlBuild.Core.Diagnostics;
using MlBuild.Core.Json;

namespace MlBuild.Core.Tests.Schema;

/// <summary>Schema loading does work linear in the file's size, whatever its layout (issue 12 item 6).</summary>
public class SchemaBoundedWorkTests
{
    static string SchemaWithAllowed(int count, string separator)
    {
        var sb = new StringBuilder("{\"schemaVersion\": 1, \"columns\": [{\"name\": \"code\", \"type\": \"string\", \"allowed\": [");
        for (int i = 0; i < count; i++)
        {
            if (i > 0) sb.Append(',').Append(separator);
            sb.Append("\"v").Append(i).Append('"');
        }
        return sb.Append("]}]}").ToString();
    }

    static long BestTicks(byte[] utf8, int runs)
    {
        long best = long.MaxValue;
        for (int r = 0; r < runs; r++)
        {
            var sw = Stopwatch.StartNew();
            var schema = SchemaLoader.Parse(utf8, "s.json");
            sw.Stop();
            Assert.Equal(200_000, schema.Columns[0].Allowed!.Count);
            best = Math.Min(best, sw.ElapsedTicks);
        }
        return best;
    }

    [Fact]
    public void One_line_allowed_list_loads_about_as_fast_as_a_pretty_printed_one()
    {
        var oneLine = Encoding.UTF8.GetBytes(SchemaWithAllowed(200_000, " "));
        var pretty = Encoding.UTF8.GetBytes(SchemaWithAllowed(200_000, "\n    "));
        SchemaLoader.Parse(pretty, "s.json"); // warm up the JIT before timing either
        long onelineTicks = 0, prettyTicks = 0;
        for (int round = 0; round < 2; round++) // alternate A/B so machine noise hits both
        {
            onelineTicks += BestTicks(oneLine, 1);
            prettyTicks += BestTicks(pretty, 1);
        }
        // Before the fix the one-line layout was quadratic: about 25x slower at this size, 125x at 1M values.
        Assert.True(onelineTicks < 5 * prettyTicks, $"one-line {onelineTicks} ticks vs pretty-printed {prettyTicks} ticks");
    }

    [Fact]
    public void Positions_on_a_long_line_stay_exact_with_non_ascii_values()
    {
        // "é" and "日本" are multi-byte in UTF-8; columns count characters.
        var json = "{\"a\": [\"é\", \"日本\", 1, \"x\"],\n \"b\": [true, \"é\", null]}";
        var root = PositionedJson.Parse(Encoding.UTF8.GetBytes(json), "p.json", "MLB9101");
        var a = root["a"]!.Items;
        Assert.Equal([(1, 8), (1, 13), (1, 19), (1, 22)], a.Select(i => (i.Line, i.Column)));
        var b = root["b"]!.Items;
        Assert.Equal([(2, 8), (2, 14), (2, 19)], b.Select(i => (i.Line, i.Column)));
        Assert.Equal((2, 2), (root.Members[1].Line, root.Members[1].Column));

        // A schema error deep in a one-line list still points at the offending item.
        var schema = "{\"schemaVersion\": 1, \"columns\": [{\"name\": \"c\", \"type\": \"string\", \"allowed\": [\"é\", \"ü\", true]}]}";
        var ex = Assert.Throws<MlBuildException>(() => SchemaLoader.Parse(Encoding.UTF8.GetBytes(schema), "s.json"));
        Assert.Equal((1, schema.IndexOf("true", StringComparison.Ordinal) + 1), (ex.Diagnostic.Line, ex.Diagnostic.Column));
    }
}
