using System.Globalization;
using System.Text;
using System.Text.Json;

namespace MlBuild.Cli.Tests;

/// <summary>Drift appends to the process-wide GITHUB_STEP_SUMMARY that other CLI tests set for themselves: these run alone.</summary>
[CollectionDefinition(nameof(ProfileDriftCommandTests), DisableParallelization = true)]
public sealed class ProfileDriftCollection;

[Collection(nameof(ProfileDriftCommandTests))]
public sealed class ProfileDriftCommandTests : CliWorkspace
{
    string Full(string name) => Path.Combine(_dir, name);

    const string Schema = """
    {"schemaVersion": 1, "columns": [
      {"name": "x", "type": "float"},
      {"name": "plan", "type": "category"},
      {"name": "age", "type": "integer"}]}
    """;

    /// <summary>x ~ N(50 + shift, 10), plan basic/pro/team at 60/30/10 % (pro moved by proShift), age 18..80, a share of ages null.</summary>
    static string Data(int rows, int seed, double shift = 0, double proShift = 0, double ageNulls = 0, int firstRow = 0)
    {
        var rng = new Random(seed);
        var sb = new StringBuilder("x,plan,age\n");
        for (int i = 0; i < rows; i++)
        {
            double u1 = 1 - rng.NextDouble(), u2 = rng.NextDouble();
            double x = 50 + shift + 10 * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
            double u = rng.NextDouble();
            string plan = u < 0.6 - proShift ? "basic" : u < 0.9 ? "pro" : "team";
            string age = rng.NextDouble() < ageNulls ? "" : rng.Next(18, 81).ToString(CultureInfo.InvariantCulture);
            if (i < firstRow) continue;
            sb.Append(Math.Round(x, 4).ToString("R", CultureInfo.InvariantCulture)).Append(',').Append(plan).Append(',').Append(age).Append('\n');
        }
        return sb.ToString();
    }

    [Fact]
    public void Profiles_of_shards_merge_into_the_profile_of_the_whole_file()
    {
        Write("s.json", Schema);
        var lines = Data(9000, 1).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Write("whole.csv", string.Join('\n', lines) + "\n");
        Write("part1.csv", string.Join('\n', lines.Take(4001)) + "\n");
        Write("part2.csv", lines[0] + "\n" + string.Join('\n', lines.Skip(4001)) + "\n");
        Assert.Equal(0, Run("data", "profile", "whole.csv", "-s", "s.json", "-o", "whole.json").Exit);
        Assert.Equal(0, Run("data", "profile", "part1.csv", "-s", "s.json", "-o", "p1.json").Exit);
        Assert.Equal(0, Run("data", "profile", "part2.csv", "-s", "s.json", "-o", "p2.json").Exit);
        var (exit, output, err) = Run("data", "profile", "merge", "p1.json", "p2.json", "-o", "merged.json");
        Assert.Equal(0, exit);
        Assert.Equal("", err);
        Assert.Contains("merged profile of 2 parts, 9000 rows", output);

        // The merged profile is a current side too: no drift from the whole.
        var (driftExit, driftOut, _) = Run("data", "drift", "--reference", "whole.json", "--current", "merged.json");
        Assert.Equal(0, driftExit);
        Assert.Contains("shows no drift: 0 of 3 columns", driftOut);

        using var whole = JsonDocument.Parse(File.ReadAllBytes(Full("whole.json")));
        using var merged = JsonDocument.Parse(File.ReadAllBytes(Full("merged.json")));
        foreach (var (w, m) in whole.RootElement.GetProperty("columns").EnumerateArray().Zip(merged.RootElement.GetProperty("columns").EnumerateArray()))
        {
            foreach (var field in new[] { "name", "count", "nulls", "distinct", "quantiles", "histogram", "values", "categories" })
                if (w.TryGetProperty(field, out var wv)) Assert.Equal(wv.GetRawText(), m.GetProperty(field).GetRawText());
            if (w.TryGetProperty("moments", out var wm))
                Assert.Equal(wm.GetProperty("mean").GetDouble(), m.GetProperty("moments").GetProperty("mean").GetDouble(), 1e-9);
        }
    }

    [Fact]
    public void Drift_against_a_stored_profile_exits_1_on_a_shift_and_0_on_fresh_data_of_the_same_kind()
    {
        Write("s.json", Schema);
        Write("ref.csv", Data(50_000, 1));
        Write("same.csv", Data(50_000, 2));
        Write("shift.csv", Data(50_000, 3, shift: 1.5, ageNulls: 0.05));
        Assert.Equal(0, Run("data", "profile", "ref.csv", "-s", "s.json", "-o", "ref.profile.json").Exit);

        var (exit, output, err) = Run("data", "drift", "--reference", "ref.profile.json", "--current", "same.csv", "--json", "same.json");
        Assert.Equal(0, exit);
        Assert.Equal("", err);
        Assert.Contains("shows no drift", output);

        (exit, output, err) = Run("data", "drift", "--reference", "ref.profile.json", "--current", "shift.csv", "--json", "a.json", "--html", "a.html");
        Assert.Equal(1, exit);
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("shift.csv: error MLB2001: column 'x' drifted: wasserstein", lines[0]);   // the larger score first
        Assert.StartsWith("shift.csv: error MLB2001: column 'age' drifted: null_rate_change", lines[1]);
        Assert.Contains("drifted: 2 of 3 columns", output);

        var html = File.ReadAllText(Full("a.html"));
        Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.OrdinalIgnoreCase);
        Assert.True(html.IndexOf(">x<", StringComparison.Ordinal) is >= 0 and var xAt && xAt < html.IndexOf(">plan<", StringComparison.Ordinal), "columns sorted by score");
        Assert.DoesNotContain("http://", html);
        Assert.DoesNotContain("https://", html);

        // The same comparison from the raw reference file, on one thread: the same report, byte for byte.
        Assert.Equal(1, Run("data", "drift", "-r", "ref.csv", "-c", "shift.csv", "-s", "s.json", "--threads", "1", "--json", "b.json").Exit);
        var a = File.ReadAllText(Full("a.json")).Replace("ref.profile.json", "REF");
        var b = File.ReadAllText(Full("b.json")).Replace("ref.csv", "REF");
        Assert.Equal(a, b);
        // With the schema given (not taken from the profile): the same report.
        Assert.Equal(1, Run("data", "drift", "-r", "ref.profile.json", "-c", "shift.csv", "-s", "s.json", "--json", "c.json").Exit);
        Assert.Equal(File.ReadAllText(Full("a.json")), File.ReadAllText(Full("c.json")));
        using var report = JsonDocument.Parse(a);
        Assert.Equal("fail", report.RootElement.GetProperty("verdict").GetString());
        Assert.Equal(1, report.RootElement.GetProperty("exitCode").GetInt32());
        var dataset = report.RootElement.GetProperty("sections")[0];
        Assert.Equal("any-column", dataset.GetProperty("attachments").GetProperty("rule").GetProperty("dataset").GetString());
        var x = dataset.GetProperty("sections")[0];
        Assert.Equal(("driftColumn", "x", "fail", "MLB2001"), (x.GetProperty("kind").GetString(), x.GetProperty("id").GetString(), x.GetProperty("verdict").GetString(), x.GetProperty("code").GetString()));
        var figures = x.GetProperty("figures");
        Assert.True(figures.GetProperty("ks").GetProperty("value").GetDouble() > 0);
        Assert.Equal("lower", figures.GetProperty("ks").GetProperty("direction").GetString());
        Assert.False(figures.TryGetProperty("ks.errorBound", out _), "computed from exact values: no error bound");
        Assert.True(figures.GetProperty("wasserstein").GetProperty("value").GetDouble() >= figures.GetProperty("wasserstein.threshold").GetProperty("value").GetDouble());
        Assert.True(figures.GetProperty("wasserstein.adjustedPValue").GetProperty("value").GetDouble() < 0.05);
        Assert.Equal(x.GetProperty("attachments").GetProperty("distribution").GetProperty("reference").GetArrayLength(),
                     x.GetProperty("attachments").GetProperty("distribution").GetProperty("current").GetArrayLength());

        // A lenient rule: only a share of the columns counts.
        Assert.Equal(0, Run("data", "drift", "-r", "ref.profile.json", "-c", "shift.csv", "--rule", "share:0.9").Exit);
        Assert.Equal(0, Run("data", "drift", "-r", "ref.profile.json", "-c", "shift.csv", "--threshold", "x=2", "--ignore", "age").Exit);
    }

    [Fact]
    public void Drift_writes_SARIF_JUnit_and_Markdown_naming_the_drifted_column_with_its_code_byte_identical_on_reruns()
    {
        Write("s.json", Schema);
        Write("ref.csv", Data(20_000, 1));
        Write("shift.csv", Data(20_000, 3, shift: 1.5));
        Assert.Equal(0, Run("data", "profile", "ref.csv", "-s", "s.json", "-o", "ref.profile.json").Exit);

        string[] Reports(string tag, string threads) =>
        [
            "--sarif", $"{tag}.sarif", "--junit", $"{tag}.xml", "--markdown", $"{tag}.md", "--threads", threads,
        ];
        Assert.Equal(1, Run(["data", "drift", "-r", "ref.profile.json", "-c", "shift.csv", .. Reports("a", "1")]).Exit);
        Assert.Equal(1, Run(["data", "drift", "-r", "ref.profile.json", "-c", "shift.csv", .. Reports("b", "4")]).Exit);
        foreach (var ext in new[] { "sarif", "xml", "md" })
            Assert.Equal(File.ReadAllBytes(Full("a." + ext)), File.ReadAllBytes(Full("b." + ext)));

        // SARIF: the drifted column is an error result of rule MLB2001 at the current file; the stable ones are not results.
        using var sarif = JsonDocument.Parse(File.ReadAllText(Full("a.sarif")));
        var results = sarif.RootElement.GetProperty("runs")[0].GetProperty("results").EnumerateArray().ToList();
        var x = Assert.Single(results, r => r.GetProperty("message").GetProperty("text").GetString()!.StartsWith("column 'x' drifted", StringComparison.Ordinal));
        Assert.Equal("MLB2001", x.GetProperty("ruleId").GetString());
        Assert.Equal("error", x.GetProperty("level").GetString());
        Assert.Equal("shift.csv", x.GetProperty("locations")[0].GetProperty("physicalLocation").GetProperty("artifactLocation").GetProperty("uri").GetString());
        Assert.DoesNotContain(results, r => r.GetProperty("message").GetProperty("text").GetString()!.Contains("'plan'", StringComparison.Ordinal));

        // JUnit: one test case per column; x fails with its code, plan and age pass.
        var junit = System.Xml.Linq.XDocument.Load(Full("a.xml"));
        var cases = junit.Descendants("testcase").ToDictionary(c => (string)c.Attribute("name")!);
        Assert.Equal(["age", "plan", "x"], cases.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("MLB2001", (string?)cases["x"].Element("failure")?.Attribute("type"));
        Assert.Null(cases["plan"].Element("failure"));
        Assert.Equal("1", (string?)junit.Root!.Attribute("failures"));

        // Markdown: the verdict, and a row for x with its verdict, code and score.
        var md = File.ReadAllText(Full("a.md"));
        Assert.Contains("`shift.csv`: ❌ fail", md);
        Assert.Contains("| x | fail | MLB2001 | ", md);
        Assert.DoesNotContain("| plan |", md);

        // Under a lenient rule the data passes: the drifted column is a warning in every report, and the exit code is 0.
        Assert.Equal(0, Run("data", "drift", "-r", "ref.profile.json", "-c", "shift.csv", "--rule", "share:0.9", "--sarif", "c.sarif", "--markdown", "c.md").Exit);
        using var lenient = JsonDocument.Parse(File.ReadAllText(Full("c.sarif")));
        Assert.Equal("warning", Assert.Single(lenient.RootElement.GetProperty("runs")[0].GetProperty("results").EnumerateArray()).GetProperty("level").GetString());
        Assert.Contains("| x | warn | MLB2001 | ", File.ReadAllText(Full("c.md")));
    }

    [Fact]
    public void Bad_references_and_current_data_are_coded_diagnostics_not_stack_traces()
    {
        Write("s.json", Schema);
        Write("ref.csv", Data(2000, 1));
        Assert.Equal(0, Run("data", "profile", "ref.csv", "-s", "s.json", "-o", "ref.json").Exit);
        var good = File.ReadAllText(Full("ref.json"));

        (int Exit, string Err) Drift(string reference, string current, params string[] more)
        {
            var r = Run(["data", "drift", "--reference", reference, "--current", current, .. more]);
            Assert.DoesNotContain("   at ", r.Err);
            return (r.Exit, r.Err);
        }

        Write("cur.csv", Data(2000, 2));
        Write("truncated.json", good[..(good.Length / 3)]);
        Assert.Equal((2, "MLB2005"), Code(Drift("truncated.json", "cur.csv")));
        Write("newer.json", good.Replace("\"formatVersion\": 1", "\"formatVersion\": 2"));
        Assert.Equal((2, "MLB2006"), Code(Drift("newer.json", "cur.csv")));
        Write("other.json", """{"schemaVersion": 1, "columns": [{"name": "x", "type": "integer"}, {"name": "plan", "type": "category"}, {"name": "age", "type": "integer"}]}""");
        Assert.Equal((2, "MLB2011"), Code(Drift("ref.json", "cur.csv", "--schema", "other.json")));
        // With a schema given too: the reference's problem first.
        Assert.Equal((2, "MLB2005"), Code(Drift("truncated.json", "nowhere.csv", "--schema", "s.json")));
        Assert.Equal((2, "MLB2006"), Code(Drift("newer.json", "cur.csv", "--schema", "s.json")));
        Assert.Equal((2, "MLB2011"), Code(Drift("ref.json", "nowhere.csv", "--schema", "other.json")));
        Assert.Equal((2, "MLB1108"), Code(Drift("ref.json", "nowhere.csv", "--schema", "s.json")));

        Write("empty.csv", "x,plan,age\n");
        Assert.Equal((2, "MLB2008"), Code(Drift("ref.json", "empty.csv")));
        Write("unrelated.csv", "a,b\n1,2\n");
        Assert.Equal((2, "MLB2007"), Code(Drift("ref.json", "unrelated.csv")));
        Write("missing.csv", string.Join('\n', Data(2000, 3).Split('\n').Select(l => l.Length == 0 ? l : l[..l.LastIndexOf(',')])));
        var (exit, err) = Drift("ref.json", "missing.csv");
        Assert.Equal(1, exit);
        Assert.Contains("error MLB2002: column 'age' of the reference is missing", err);
        Write("retyped.csv", Data(2000, 4).Replace(",basic,", ",basic,x"));
        (exit, err) = Drift("ref.json", "retyped.csv");
        Assert.Equal(1, exit);
        Assert.Contains("error MLB2003: column 'age' changed type", err);
        Assert.Equal((2, "MLB2009"), Code(Drift("ref.json", "cur.csv", "--rule", "most")));
    }

    static (int, string) Code((int Exit, string Err) r)
    {
        var m = System.Text.RegularExpressions.Regex.Match(r.Err, @"MLB\d{4}");
        return (r.Exit, m.Success ? m.Value : r.Err);
    }
}
