using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MlBuild.Core.Data.Profiling;
using MlBuild.Core.Data.Schema;
using MlBuild.Core.Data.Validation;
using MlBuild.Core.Diagnostics;

namespace MlBuild.Core.Tests.Profiling;

/// <summary>
/// The saved profile's reader (<see cref="ProfileJson.Read"/>): a single forward pass that scans the arrays of numbers
/// itself. It must give back the profile that was written, whatever the order of the properties or the whitespace, and
/// keep every bad file's diagnostic, with the line and column of a JSON error however far into the arrays it lies.
/// </summary>
public sealed class ProfileJsonReaderTests : IDisposable
{
    readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    static readonly DatasetSchema MixedSchema = new()
    {
        Columns =
        [
            new ColumnSchema { Name = "id", Type = ColumnType.Integer },
            new ColumnSchema { Name = "x", Type = ColumnType.Float },
            new ColumnSchema { Name = "k", Type = ColumnType.Integer },
            new ColumnSchema { Name = "cat", Type = ColumnType.Category },
            new ColumnSchema { Name = "note", Type = ColumnType.String },
            new ColumnSchema { Name = "day", Type = ColumnType.Date },
            new ColumnSchema { Name = "at", Type = ColumnType.DateTime },
            new ColumnSchema { Name = "z", Type = ColumnType.Float },
            new ColumnSchema { Name = "flag", Type = ColumnType.Boolean },
            new ColumnSchema { Name = "huge", Type = ColumnType.Float },
        ],
    };

    /// <summary>
    /// A CSV with every kind of column: 16-digit integers (past the reader's short path), floats from 1e-5 to 1e11 with
    /// 0 to 17 significant digits, categories, text with quotes and non-ASCII letters (escaped in JSON), dates,
    /// datetimes, nulls and invalid cells, booleans, and values near the double range's end (the second moment
    /// overflows: written as null).
    /// </summary>
    string MixedCsv(int rows, int seed)
    {
        var rng = new Random(seed);
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder("id,x,k,cat,note,day,at,z,flag,huge\n");
        for (int i = 0; i < rows; i++)
        {
            double x = (rng.NextDouble() - 0.5) * Math.Pow(10, rng.Next(-5, 12));
            string z = (i % 40) switch { 0 => "", 1 => "n/a", _ => Math.Round(-Math.Log(1 - rng.NextDouble()), 4).ToString("R", inv) };
            string note = $"\"n{rng.Next(400)}{(i % 7 == 0 ? "\"\"é\\" : "")}\"";
            sb.Append((long)rng.Next() * 4_000_003L).Append(',')
              .Append((rng.Next(3) == 0 ? x : Math.Round(x, rng.Next(0, 6))).ToString("R", inv)).Append(',')
              .Append(rng.Next(-5, 20)).Append(',')
              .Append("abc"[rng.Next(3)]).Append(',')
              .Append(note).Append(',')
              .Append(new DateTime(2023, 1, 1).AddDays(rng.Next(700)).ToString("yyyy-MM-dd", inv)).Append(',')
              .Append(new DateTime(2023, 1, 1).AddSeconds(rng.Next(100_000_000)).ToString("yyyy-MM-ddTHH:mm:ss", inv)).Append(',')
              .Append(z).Append(',')
              .Append(rng.Next(2) == 0 ? "true" : "false").Append(',')
              .Append((i % 3 == 0 ? 1.7e308 : i % 3 == 1 ? -1.7e308 : 1.5e308).ToString("R", inv)).Append('\n');
        }
        return sb.ToString();
    }

    byte[] SavedProfile(ProfileLimits limits, int rows = 3000)
    {
        _dir.Write("mixed.csv", MixedCsv(rows, 7));
        return ProfileJson.Write(ProfileBuilder.Build(new DatasetRequest("mixed", ["mixed.csv"], MixedSchema, _dir.Path), limits, 2));
    }

    public static TheoryData<int, int, int> Limits => new()
    {
        { 100_000, 10_000, 10 }, // every column exact
        { 50, 2, 10 },           // numeric sketches and category sketches, the boolean still counted
        { 1, 0, 3 },             // everything sketched, coarse buckets
        { 1000, 300, 20 },       // fine buckets
    };

    [Theory]
    [MemberData(nameof(Limits))]
    public void A_saved_profile_reads_back_to_the_same_bytes(int exactValues, int categories, int sketchBits)
    {
        var saved = SavedProfile(new ProfileLimits { ExactValues = exactValues, Categories = categories, SketchBits = sketchBits });
        var profile = ProfileJson.Read(saved, "mixed.json");

        Assert.Equal(Encoding.UTF8.GetString(saved), Encoding.UTF8.GetString(ProfileJson.Write(profile)));
        var huge = profile.Columns.Single(c => c.Name == "huge");
        Assert.True(double.IsPositiveInfinity(huge.M2));
        Assert.Equal(3000 / 40 * 2, profile.Columns.Single(c => c.Name == "z").Nulls + profile.Columns.Single(c => c.Name == "z").Invalid);
    }

    [Fact]
    public void Counts_of_NaN_and_infinities_read_back()
    {
        // Data files count NaN and infinities as invalid floats today; the format keeps their own counts, which a
        // profile holds when merged from one that had them: they must read back (and count outside the finite values).
        _dir.Write("mixed.csv", MixedCsv(500, 5));
        var profile = ProfileBuilder.Build(new DatasetRequest("mixed", ["mixed.csv"], MixedSchema, _dir.Path));
        var x = profile.Columns.Single(c => c.Name == "x");
        (x.NaN, x.PositiveInfinity, x.NegativeInfinity) = (3, 2, 1);
        x.Count += 6;
        var saved = ProfileJson.Write(profile);

        var read = ProfileJson.Read(saved, "x.json").Columns.Single(c => c.Name == "x");
        Assert.Equal((3L, 2L, 1L, 506L), (read.NaN, read.PositiveInfinity, read.NegativeInfinity, read.Count));
        Assert.Equal(saved, ProfileJson.Write(ProfileJson.Read(saved, "x.json")));
    }

    [Fact]
    public void Properties_in_any_order_any_whitespace_and_unknown_ones_read_as_the_same_profile()
    {
        var saved = SavedProfile(new ProfileLimits { ExactValues = 500, Categories = 50 });
        var rng = new Random(3);

        // Every object's properties in reverse order, and shuffled, as a hand edit or another JSON tool may leave them.
        static JsonNode Reorder(JsonNode node, Func<List<KeyValuePair<string, JsonNode?>>, IEnumerable<KeyValuePair<string, JsonNode?>>> order) => node switch
        {
            JsonObject o => new JsonObject(order(o.Select(p => new KeyValuePair<string, JsonNode?>(p.Key, p.Value is null ? null : Reorder(p.Value, order))).ToList())),
            JsonArray a => new JsonArray(a.Select(x => x is null ? null : Reorder(x, order)).ToArray()),
            _ => node.DeepClone(),
        };
        var root = JsonNode.Parse(saved)!;
        Assert.Equal("format", root.AsObject().First().Key); // the writer's order, which the reordered copies leave
        var reversed = Reorder(root, ps => Enumerable.Reverse(ps));
        var shuffled = Reorder(root, ps => ps.OrderBy(_ => rng.Next()).ToList());
        Assert.Equal("columns", reversed.AsObject().First().Key);

        // Fields this version does not know, at every level and of every shape, are skipped.
        var extended = root.DeepClone();
        extended["writtenBy"] = new JsonObject { ["tool"] = "other", ["numbers"] = new JsonArray(1, 2.5, "three", new JsonObject()) };
        extended["limits"]!["futureLimit"] = 7;
        foreach (var column in extended["columns"]!.AsArray())
        {
            column!["comment"] = new JsonArray(new JsonArray(1, 2), null, true);
            if (column["values"] is JsonObject values) values["weights"] = new JsonArray(0.5, 0.25);
            if (column["sketch"] is JsonObject sketch) sketch["note"] = "kept as is";
        }

        foreach (var (what, node, indented) in new[] { ("reversed", reversed, true), ("shuffled", shuffled, false), ("extended", extended, true) })
        {
            var text = node.ToJsonString(new JsonSerializerOptions { WriteIndented = indented });
            Assert.Equal(Encoding.UTF8.GetString(saved), Encoding.UTF8.GetString(ProfileJson.Write(ProfileJson.Read(Encoding.UTF8.GetBytes(text), what + ".json"))));
        }
        // Tabs and Windows line ends.
        var crlf = Encoding.UTF8.GetString(saved).Replace("  ", "\t").Replace("\n", "\r\n");
        Assert.Equal(saved, ProfileJson.Write(ProfileJson.Read(Encoding.UTF8.GetBytes(crlf), "crlf.json")));
    }

    [Fact]
    public void A_property_given_twice_counts_the_last_time()
    {
        var saved = Encoding.UTF8.GetString(SavedProfile(new ProfileLimits(), rows: 200));
        var twice = saved.Replace("\"rows\": 200,", "\"rows\": 5,\n  \"rows\": 200,");
        Assert.Equal(200, ProfileJson.Read(Encoding.UTF8.GetBytes(twice), "twice.json").Rows);
    }

    static MlDiagnostic Diagnostic(string text) =>
        Assert.Throws<MlBuildException>(() => ProfileJson.Read(Encoding.UTF8.GetBytes(text), "ref.json")).Diagnostic;

    /// <summary>Where System.Text.Json's own parser finds the first error, 1-based as diagnostics count.</summary>
    static (int Line, int Column) JsonErrorAt(string text)
    {
        var e = Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(text).Dispose());
        return ((int)e.LineNumber!.Value + 1, (int)e.BytePositionInLine!.Value + 1);
    }

    [Fact]
    public void Invalid_json_deep_in_the_arrays_is_MLB2005_at_its_line_and_column()
    {
        var good = Encoding.UTF8.GetString(SavedProfile(new ProfileLimits { ExactValues = 500 }));
        // The last array of counts, after many arrays the reader scanned quickly; the line and column must still be exact.
        int lastArray = good.LastIndexOf("\"count\": [", StringComparison.Ordinal);
        int element = good.IndexOf('\n', lastArray) + 1;
        int digits = good.IndexOfAny("0123456789".ToCharArray(), element);
        int line = good[..digits].Count(ch => ch == '\n') + 1;
        int column = digits - element + 1;
        var cases = new[]
        {
            good[..digits] + "x" + good[(digits + 1)..],         // a letter for a digit
            good[..digits] + "0" + good[digits..],               // a leading zero
            good[..digits] + "- " + good[digits..],              // a lone minus
            good[..digits] + "1,]" + good[digits..],             // a trailing comma
            good[..digits] + "1.e5, " + good[digits..],          // a fraction without digits
            good[..(digits + 1)],                                // truncated in the array
            good[..(good.Length / 2)],                           // truncated anywhere
            good.Replace("\"exact\": true", "\"exact\": tru"),   // hand-edited into invalid JSON early on
            good + "}",                                          // something after the end
        };
        foreach (var text in cases)
        {
            var d = Diagnostic(text);
            Assert.Equal("MLB2005", d.Code);
            Assert.Contains("not valid JSON", d.Message);
            Assert.Equal(JsonErrorAt(text), (d.Line, d.Column));
        }
        Assert.Equal((line, column), (Diagnostic(cases[0]).Line, Diagnostic(cases[0]).Column));
    }

    [Fact]
    public void A_newer_format_version_is_MLB2006_wherever_it_is_and_whatever_follows()
    {
        var root = JsonNode.Parse(SavedProfile(new ProfileLimits(), rows: 300))!.AsObject();
        // A future version may change a column's shape: version and format written last, after such columns.
        root.Remove("format");
        root.Remove("formatVersion");
        var column = root["columns"]![0]!;
        column["type"] = "quaternion";
        column["values"] = new JsonObject { ["value"] = "run-length encoded" };
        root["formatVersion"] = 2;
        root["format"] = ProfileJson.Format;
        var newer = root.ToJsonString();
        Assert.Equal("MLB2006", Diagnostic(newer).Code);

        root["formatVersion"] = 1;
        var d = Diagnostic(root.ToJsonString());
        Assert.Equal("MLB2005", d.Code);
        Assert.Contains("unknown type 'quaternion'", d.Message);
    }

    [Fact]
    public void A_field_missing_of_the_wrong_type_or_inconsistent_is_MLB2005_naming_it()
    {
        var good = Encoding.UTF8.GetString(SavedProfile(new ProfileLimits { ExactValues = 500, Categories = 50 }));
        var sketch = JsonNode.Parse(good)!["columns"]!.AsArray().First(c => c!["sketch"] is not null)!;
        string firstKey = sketch["sketch"]!["key"]![0]!.ToJsonString();

        void Unreadable(string text, string expected)
        {
            var d = Diagnostic(text);
            Assert.Equal("MLB2005", d.Code);
            Assert.True(d.Message.Contains(expected, StringComparison.Ordinal), d.Message);
        }
        Unreadable(good.Replace("\"rows\": 3000", "\"rows\": \"3000\""), "field \"rows\" has the wrong type or value (a string where an integer belongs)");
        Unreadable(good.Replace("\"m2\":", "\"sumOfSquares\":"), "field \"m2\" is missing");
        Unreadable(good.Replace("\"nulls\": 0,", "\"nulls\": null,"), "field \"nulls\" is missing");
        Unreadable(good.Replace("\"value\": [", "\"value\": [\"1\", "), "field \"value\" has the wrong type or value (a string in an array of numbers)");
        Unreadable(good.Replace("\"count\": [", "\"count\": [1.5, "), "field \"count\" has the wrong type or value (a number that is not an integer in range)");
        Unreadable(good.Replace("\"count\": [", "\"count\": [99999999999999999999, "), "not an integer in range");
        Unreadable(good.Replace("\"mean\": ", "\"mean\": 1e999, \"m\": "), "field \"mean\" has the wrong type or value (a number past the double range)");
        Unreadable(good.Replace("\"value\": [", "\"value\": [-1e999, "), "field \"value\" has the wrong type or value (a number that is not in the double range)");
        Unreadable(good.Replace("\"value\": [", "\"value\": [true, "), "field \"value\" has the wrong type or value (a boolean in an array of numbers)");
        Unreadable(good.Replace("\"value\": [", "\"value\": {}, \"v\": ["), "field \"value\" has the wrong type or value (an object where an array belongs)");
        Unreadable(good.Replace("\"value\": [", "\"value\": [1e-300, 1e-300, "), "exact values that are not sorted, distinct and counted");
        Unreadable(good.Replace("\"key\": [", "\"key\": [" + firstKey + ", "), "a sketch whose keys and counts do not match");
        Unreadable(good.Replace("\"bits\": 10", "\"bits\": 11"), "a sketch of 11 bits, its limits say 10");
        Unreadable(good.Replace("\"hyperLogLog\": \"", "\"hyperLogLog\": \"AAAA"), "distinct-count sketch of the wrong size");
        Unreadable(good.Replace("\"a\": ", "\"a\": -1, \"b2\": "), "category 'a' with count -1");
        Unreadable(good.Replace("\"columns\": [", "\"columns\": 5, \"c\": ["), "field \"columns\" has the wrong type or value (a number where an array belongs)");
        Unreadable(good.Replace("\"format\": \"mlbuild-profile\"", "\"format\": \"other\""), "it has no \"format\": \"mlbuild-profile\" field");
        Unreadable("[1, 2]", "it has no \"format\"");

        // Extremes out of order: a sketch's quantiles, clamped to them, would fail when shown.
        int x = good.IndexOf("\"name\": \"x\"", StringComparison.Ordinal);
        int xMin = good.IndexOf("\"min\": ", x, StringComparison.Ordinal) + "\"min\": ".Length;
        Unreadable(good[..xMin] + "1e300" + good[good.IndexOf(',', xMin)..], "column 'x' has a min above its max");

        // A date past the calendar would fail when shown in a report, far from the file: it fails here.
        int day = good.IndexOf("\"name\": \"day\"", StringComparison.Ordinal);
        int min = good.IndexOf("\"min\": ", day, StringComparison.Ordinal) + "\"min\": ".Length;
        Unreadable(good[..min] + "-1" + good[good.IndexOf(',', min)..], "column 'day' has a min or max that is not a date");

        // Text that is not UTF-8 in a category: a coded diagnostic, not a crash.
        var bytes = Encoding.UTF8.GetBytes(good);
        int category = good.IndexOf("\"categories\": {", StringComparison.Ordinal);
        int quote = good.IndexOf('"', category + "\"categories\": {".Length) + 1;
        var broken = bytes[..quote].Concat(new byte[] { 0xFF, 0xFE }).Concat(bytes[quote..]).ToArray();
        var d = Assert.Throws<MlBuildException>(() => ProfileJson.Read(broken, "ref.json")).Diagnostic;
        Assert.Equal("MLB2005", d.Code);
        Assert.Contains("not valid UTF-8", d.Message);
    }
}
