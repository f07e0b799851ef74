using System.Text;
using MlBuild.Core.Data.Checks;
using MlBuild.Core.Data.Schema;
using MlBuild.Core.Data.Validation;

namespace MlBuild.Core.Tests.Checks;

/// <summary>The one set of value predicates: the batch-at-once bound test agrees with testing every value.</summary>
public class ValueChecksTests
{
    static ColumnPlan Column(string bounds) =>
        new ValidationPlan(SchemaLoader.Parse(Encoding.UTF8.GetBytes(
            $$"""{"schemaVersion": 1, "columns": [{"name": "x", "type": "float"{{bounds}}}]}"""), "s.json")).Columns[0];

    [Theory]
    [InlineData("")]
    [InlineData(""", "min": 0""")]
    [InlineData(""", "min": 0, "exclusiveMin": true""")]
    [InlineData(""", "max": 3, "exclusiveMax": true""")]
    [InlineData(""", "min": -1, "max": 1""")]
    [InlineData(""", "min": -1, "max": 1, "exclusiveMin": true, "exclusiveMax": true""")]
    public void A_batch_passes_its_bounds_exactly_when_every_value_does(string bounds)
    {
        var p = Column(bounds);
        var rng = new Random(7);
        double[] grid = [-3, -1, -0.5, 0, 0.5, 1, 3, 4];
        for (int trial = 0; trial < 2000; trial++)
        {
            var batch = Enumerable.Range(0, rng.Next(1, 6)).Select(_ => rng.Next(3) == 0 ? grid[rng.Next(grid.Length)] : rng.NextDouble() * 10 - 5).ToArray();
            bool each = batch.All(x => ValueChecks.Bounds(p, x) == ValueFailures.None);
            Assert.Equal(each, ValueChecks.AllWithinBounds(p, batch.Min(), batch.Max()));
            foreach (var x in batch)
            {
                var f = ValueChecks.Bounds(p, x);
                Assert.True(f is ValueFailures.None or ValueFailures.BelowMin or ValueFailures.AboveMax);
                Assert.Equal(f == ValueFailures.BelowMin, x < p.Min || (x == p.Min && p.MinExclusive));
            }
        }
    }

    [Fact]
    public void Text_checks_report_each_failed_check_and_the_length_in_characters()
    {
        var plan = new ValidationPlan(SchemaLoader.Parse(Encoding.UTF8.GetBytes(
            """{"schemaVersion": 1, "columns": [{"name": "s", "type": "string", "allowed": ["ab", "über"], "pattern": "^[a-z]+$", "maxLength": 3}]}"""), "s.json"));
        var p = plan.Columns[0];
        Assert.Equal(ValueFailures.None, ValueChecks.Text(p, "ab"u8, out int length));
        Assert.Equal(2, length);
        Assert.Equal(ValueFailures.PatternMismatch | ValueFailures.BadLength, ValueChecks.Text(p, "über"u8, out length));
        Assert.Equal(4, length);
        Assert.Equal(ValueFailures.NotAllowed | ValueFailures.PatternMismatch | ValueFailures.BadLength, ValueChecks.Text(p, "ABCD"u8, out _));
        Assert.Equal("column 's' value 'über' has length 4, outside [0, 3]",
            ValueChecks.Message(plan, p, ValueFailures.BadLength, "über", "über"u8));
    }
}
