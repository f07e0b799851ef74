using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using MlBuild.Core.Data.Schema;
using MlBuild.Core.Data.Validation;

namespace MlBuild.Core.Tests.Validation;

/// <summary>
/// A pathological pattern cannot stall validation (issue 12 item 6): patterns run on the linear-time engine, and one
/// that needs backtracking and times out is reported as a schema error (MLB9112), not as values that "do not match".
/// </summary>
public class PatternBoundTests
{
    static ValidationResult Validate(TempDir dir, string pattern, IEnumerable<string> values)
    {
        dir.Write("data.csv", "code\n" + string.Join("\n", values) + "\n");
        var schemaJson = "{\"schemaVersion\": 1,\n \"columns\": [\n  {\"name\": \"code\", \"type\": \"string\",\n   \"pattern\": " +
                         System.Text.Json.JsonSerializer.Serialize(pattern) + "}]}";
        var schema = SchemaLoader.Parse(Encoding.UTF8.GetBytes(schemaJson), "s.schema.json");
        return DatasetValidator.Validate(new DatasetRequest("data", ["data.csv"], schema, dir.Path), new ValidationOptions { MaxParallelism = 2 });
    }

    // 60 distinct values that make a backtracking (a+)+$ explore 2^n splits before failing, plus 10 that match.
    static List<string> Hostile() =>
        [.. Enumerable.Range(28, 60).Select(n => new string('a', n) + "!"), .. Enumerable.Range(1, 10).Select(n => new string('a', n))];

    [Fact]
    public void Nested_quantifier_pattern_runs_in_linear_time_and_reports_real_mismatches()
    {
        using var dir = new TempDir();
        Validate(dir, "(a+)+$", ["aaa"]); // warm up
        var sw = Stopwatch.StartNew();
        var hostile = Validate(dir, "(a+)+$", Hostile());
        var hostileTicks = sw.ElapsedTicks;
        sw.Restart();
        var plain = Validate(dir, "a+", Hostile());
        var plainTicks = sw.ElapsedTicks;

        Assert.Empty(hostile.InputErrors);
        var check = hostile.Checks.Single(c => c.Kind == "pattern");
        Assert.Equal(60, check.Failures);
        Assert.Equal(plain.Checks.Single(c => c.Kind == "pattern").Failures, check.Failures);
        // Backtracking took about 1 s (the old per-value timeout) per value here: 60 s against milliseconds.
        Assert.True(hostileTicks < 5 * plainTicks + Stopwatch.Frequency / 2, $"(a+)+$ {hostileTicks} ticks vs a+ {plainTicks} ticks");
    }

    [Fact]
    public void Backtracking_only_pattern_that_times_out_is_a_schema_error_at_the_pattern()
    {
        using var dir = new TempDir();
        // A backreference needs the backtracking engine; on these values (a+)+ explores 2^n splits before failing.
        var sw = Stopwatch.StartNew();
        var r = Validate(dir, @"(a+)+\1$", Hostile().Select(v => v.Replace("!", new string('a', 20) + "!")));
        sw.Stop();
        var d = Assert.Single(r.InputErrors);
        Assert.Equal(("MLB9112", "s.schema.json", 4, 15), (d.Code, d.File, d.Line, d.Column));
        Assert.Contains(@"(a+)+\1", d.Message);
        Assert.Contains("'code'", d.Message);
        Assert.DoesNotContain(r.Checks, c => c.Kind == "pattern" && c.Failures > 0);
        // Stopped at the first timeout (1 s per thread), not one timeout per distinct value (60 s).
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(20), sw.Elapsed.ToString());
    }

    [Fact]
    public void Patterns_without_backtracking_features_use_the_linear_engine()
    {
        Assert.True(SchemaLoader.CompilePattern("(a+)+$").Options.HasFlag(RegexOptions.NonBacktracking));
        Assert.False(SchemaLoader.CompilePattern(@"(a)\1").Options.HasFlag(RegexOptions.NonBacktracking));
        Assert.False(SchemaLoader.CompilePattern("(?!x).*").Options.HasFlag(RegexOptions.NonBacktracking));
    }
}
