using System.Text.Json;
using System.Text.Json.Serialization;
using MlBuild.Core.Reports;

namespace MlBuild.Core.Models;

/// <summary>Which way a metric improves.</summary>
[JsonConverter(typeof(MetricDirectionJsonConverter))]
public enum MetricDirection
{
    /// <summary>Larger values are better (AUC, accuracy, F1, R²).</summary>
    HigherIsBetter,
    /// <summary>Smaller values are better (log-loss, RMSE, MAE, latency, size).</summary>
    LowerIsBetter,
}

/// <summary>A metric's point estimate with an optional confidence interval and direction.</summary>
/// <param name="Value">Point estimate.</param>
/// <param name="Low">Lower bound of the interval, if known.</param>
/// <param name="High">Upper bound of the interval, if known.</param>
public sealed record MetricValue(double Value, double? Low = null, double? High = null)
{
    /// <summary>Which way the metric improves, when stated; <see cref="MetricDirections.DirectionOf(string, MetricValue?)"/> falls back to the known names.</summary>
    public MetricDirection? Direction { get; init; }

    /// <summary>True when both interval bounds are known.</summary>
    [JsonIgnore]
    public bool HasInterval => Low is not null && High is not null;

    /// <summary>
    /// This metric as a report figure named <paramref name="name"/>; its direction is the stated one, else the known
    /// direction of <paramref name="name"/>.
    /// </summary>
    public Figure ToFigure(string name, string? unit = null, double? level = null) => new(name, Value, unit)
    {
        Low = Low,
        High = High,
        Level = HasInterval ? level : null,
        HigherIsBetter = MetricDirections.DirectionOf(name, this) is { } d ? d == MetricDirection.HigherIsBetter : null,
    };
}

/// <summary>Known metric names and their directions, and the words reports use for directions.</summary>
public static class MetricDirections
{
    // Lower-case, with '-' and '_' removed before lookup, so "log_loss", "LogLoss" and "log-loss" are one metric.
    static readonly Dictionary<string, MetricDirection> Known = new(StringComparer.Ordinal)
    {
        ["auc"] = MetricDirection.HigherIsBetter,
        ["rocauc"] = MetricDirection.HigherIsBetter,
        ["auprc"] = MetricDirection.HigherIsBetter,
        ["prauc"] = MetricDirection.HigherIsBetter,
        ["accuracy"] = MetricDirection.HigherIsBetter,
        ["microaccuracy"] = MetricDirection.HigherIsBetter,
        ["macroaccuracy"] = MetricDirection.HigherIsBetter,
        ["balancedaccuracy"] = MetricDirection.HigherIsBetter,
        ["precision"] = MetricDirection.HigherIsBetter,
        ["recall"] = MetricDirection.HigherIsBetter,
        ["f1"] = MetricDirection.HigherIsBetter,
        ["f1score"] = MetricDirection.HigherIsBetter,
        ["r2"] = MetricDirection.HigherIsBetter,
        ["rsquared"] = MetricDirection.HigherIsBetter,
        ["demographicparityratio"] = MetricDirection.HigherIsBetter,
        ["logloss"] = MetricDirection.LowerIsBetter,
        ["loglossreduction"] = MetricDirection.HigherIsBetter,
        ["rmse"] = MetricDirection.LowerIsBetter,
        ["mse"] = MetricDirection.LowerIsBetter,
        ["mae"] = MetricDirection.LowerIsBetter,
        ["demographicparitydifference"] = MetricDirection.LowerIsBetter,
        ["equalizedoddsdifference"] = MetricDirection.LowerIsBetter,
    };

    /// <summary>
    /// The direction of a metric: the one its value states, else the known direction of its name
    /// (auc, accuracy, precision, recall, f1, r2 higher; logloss, rmse, mse, mae lower), else null.
    /// </summary>
    public static MetricDirection? DirectionOf(string name, MetricValue? value = null) =>
        value?.Direction ?? (Known.TryGetValue(Normalize(name), out var d) ? d : null);

    /// <summary>The report word of a direction: <c>higher</c> or <c>lower</c> (which values are better).</summary>
    public static string Word(this MetricDirection direction) =>
        direction == MetricDirection.HigherIsBetter ? "higher" : "lower";

    /// <summary>Parses <c>higher</c>/<c>lower</c> (any case); null for anything else.</summary>
    public static MetricDirection? ParseDirection(string? word) => word?.ToLowerInvariant() switch
    {
        "higher" or "higherisbetter" => MetricDirection.HigherIsBetter,
        "lower" or "lowerisbetter" => MetricDirection.LowerIsBetter,
        _ => null,
    };

    /// <summary>
    /// True when <paramref name="candidate"/> is better than <paramref name="baseline"/> in <paramref name="direction"/>;
    /// false when equal or worse.
    /// </summary>
    public static bool IsBetter(MetricDirection direction, double candidate, double baseline) =>
        direction == MetricDirection.HigherIsBetter ? candidate > baseline : candidate < baseline;

    static string Normalize(string name)
    {
        Span<char> buffer = name.Length <= 64 ? stackalloc char[name.Length] : new char[name.Length];
        int n = 0;
        foreach (var c in name)
            if (c is not ('-' or '_' or ' ')) buffer[n++] = char.ToLowerInvariant(c);
        return new string(buffer[..n]);
    }
}

/// <summary>Writes <see cref="MetricDirection"/> as <c>higher</c>/<c>lower</c>.</summary>
sealed class MetricDirectionJsonConverter : JsonConverter<MetricDirection>
{
    public override MetricDirection Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        MetricDirections.ParseDirection(reader.TokenType == JsonTokenType.String ? reader.GetString() : null)
            ?? throw new JsonException("a metric direction must be \"higher\" or \"lower\"");

    public override void Write(Utf8JsonWriter writer, MetricDirection value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.Word());
}
