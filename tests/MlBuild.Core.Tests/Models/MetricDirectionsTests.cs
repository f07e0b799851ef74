using MlBuild.Core.Models;

namespace MlBuild.Core.Tests.Models;

public class MetricDirectionsTests
{
    [Theory]
    [InlineData("auc", true)]
    [InlineData("AUC", true)]
    [InlineData("accuracy", true)]
    [InlineData("macro_accuracy", true)]
    [InlineData("F1", true)]
    [InlineData("r2", true)]
    [InlineData("logloss", false)]
    [InlineData("log_loss", false)]
    [InlineData("LogLoss", false)]
    [InlineData("log-loss", false)]
    [InlineData("rmse", false)]
    [InlineData("MAE", false)]
    public void Known_metric_names_have_their_direction_in_any_spelling(string name, bool higherIsBetter)
    {
        Assert.Equal(higherIsBetter ? MetricDirection.HigherIsBetter : MetricDirection.LowerIsBetter, MetricDirections.DirectionOf(name));
        Assert.Equal(higherIsBetter, new MetricValue(0.5).ToFigure(name).HigherIsBetter);
    }

    [Fact]
    public void An_unknown_metric_has_no_direction_unless_its_value_states_one()
    {
        Assert.Null(MetricDirections.DirectionOf("churn_cost"));
        Assert.Null(new MetricValue(3).ToFigure("churn_cost").HigherIsBetter);
        var stated = new MetricValue(3) { Direction = MetricDirection.LowerIsBetter };
        Assert.Equal(MetricDirection.LowerIsBetter, MetricDirections.DirectionOf("churn_cost", stated));
        Assert.Equal(MetricDirection.LowerIsBetter, MetricDirections.DirectionOf("auc", stated)); // stated wins over the name
    }

    [Fact]
    public void Better_follows_the_direction()
    {
        Assert.True(MetricDirections.IsBetter(MetricDirection.HigherIsBetter, 0.91, 0.90));
        Assert.False(MetricDirections.IsBetter(MetricDirection.HigherIsBetter, 0.90, 0.90));
        Assert.True(MetricDirections.IsBetter(MetricDirection.LowerIsBetter, 0.30, 0.35));
        Assert.False(MetricDirections.IsBetter(MetricDirection.LowerIsBetter, 0.40, 0.35));
    }

    [Fact]
    public void A_figure_made_from_a_metric_keeps_its_interval_and_level_only_with_an_interval()
    {
        var f = new MetricValue(0.91, 0.89, 0.93).ToFigure("auc", level: 0.95);
        Assert.Equal((0.91, 0.89, 0.93, 0.95), (f.Value, f.Low!.Value, f.High!.Value, f.Level!.Value));
        Assert.Null(new MetricValue(0.91).ToFigure("auc", level: 0.95).Level);
    }
}
