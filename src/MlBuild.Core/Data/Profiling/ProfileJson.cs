using System.Globalization;
using System.Text.Json;
using MlBuild.Core.Data.Schema;
using MlBuild.Core.Data.Validation;

namespace MlBuild.Core.Data.Profiling;

/// <summary>
/// The saved form of a <see cref="MergeableProfile"/> (docs/drift.md describes it): versioned JSON, byte-identical for
/// the same data and limits. The state that merges (counts, extremes, moments, exact values or sketches, category
/// counts) is what is read back; the derived figures (quantiles, histogram, distinct count, variance) are written for
/// people and tools, each saying whether it is exact or from a sketch and with what error, and recomputed on reading.
/// </summary>
public static partial class ProfileJson
{
    /// <summary>The value of the <c>format</c> field.</summary>
    public const string Format = "mlbuild-profile";
    /// <summary>The format version this build writes and the newest it reads.</summary>
    public const int FormatVersion = 1;
    /// <summary>Bins of the equal-width histogram written for each numeric column.</summary>
    public const int HistogramBins = 20;
    /// <summary>Relative standard error of the HyperLogLog distinct count (1.04 / sqrt(registers)).</summary>
    public static readonly double HyperLogLogError = 1.04 / Math.Sqrt(HyperLogLog.RegisterCount);

    static readonly (string Name, double Q)[] QuantileLevels =
        [("p01", 0.01), ("p05", 0.05), ("p10", 0.10), ("p25", 0.25), ("p50", 0.50), ("p75", 0.75), ("p90", 0.90), ("p95", 0.95), ("p99", 0.99)];

    /// <summary>The schema spelling of a column type.</summary>
    public static string TypeName(ColumnType type) => type.ToString().ToLowerInvariant();

    /// <summary>Serialises a profile (UTF-8 JSON, indented, invariant, fixed field order).</summary>
    public static byte[] Write(MergeableProfile profile)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("format", Format);
            w.WriteNumber("formatVersion", FormatVersion);
            w.WriteNumber("rows", profile.Rows);
            w.WriteStartObject("limits");
            w.WriteNumber("exactValues", profile.Limits.ExactValues);
            w.WriteNumber("categories", profile.Limits.Categories);
            w.WriteNumber("sketchBits", profile.Limits.SketchBits);
            w.WriteEndObject();
            w.WriteStartArray("columns");
            foreach (var c in profile.Columns) WriteColumn(w, c);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        stream.WriteByte((byte)'\n');
        return stream.ToArray();
    }

    static void WriteColumn(Utf8JsonWriter w, MergeableColumn c)
    {
        w.WriteStartObject();
        w.WriteString("name", c.Name);
        w.WriteString("type", TypeName(c.Type));
        w.WriteString("kind", c.Kind == ProfileColumnKind.Numeric ? "numeric" : "categorical");
        w.WriteNumber("count", c.Count);
        w.WriteNumber("nulls", c.Nulls);
        w.WriteNumber("invalid", c.Invalid);
        if (c.Kind == ProfileColumnKind.Numeric)
        {
            w.WriteNumber("nan", c.NaN);
            w.WriteNumber("positiveInfinity", c.PositiveInfinity);
            w.WriteNumber("negativeInfinity", c.NegativeInfinity);
            bool any = c.Values!.Count > 0;
            WriteNumberOrNull(w, "min", any ? c.Min : null);
            WriteNumberOrNull(w, "max", any ? c.Max : null);
            if (any && c.MinInteger is { } lo && c.MaxInteger is { } hi)
            {
                // Exact: min and max as JSON numbers are doubles, which round integers past 2^53 and datetimes' ticks.
                w.WriteString("minText", FormatInteger(c.Type, lo));
                w.WriteString("maxText", FormatInteger(c.Type, hi));
            }
            else if (any && c.Type is ColumnType.Date or ColumnType.DateTime)
            {
                w.WriteString("minText", FormatValue(c.Type, c.Min));
                w.WriteString("maxText", FormatValue(c.Type, c.Max));
            }
            w.WriteStartObject("moments");
            w.WriteNumber("n", c.MomentCount);
            w.WriteNumber("mean", c.Mean);
            // Values near the ends of the double range square past it: the sum of squares is then infinite, which JSON
            // cannot hold; null reads back as infinite.
            WriteNumberOrNull(w, "m2", c.M2);
            WriteNumberOrNull(w, "variance", c.Variance);
            WriteNumberOrNull(w, "stdDev", c.Variance is { } v ? Math.Sqrt(v) : null);
            w.WriteEndObject();
        }
        WriteDistinct(w, c);
        if (c.Kind == ProfileColumnKind.Numeric)
        {
            WriteQuantiles(w, c);
            WriteHistogram(w, c);
            var values = c.Values!;
            if (values.IsExact)
            {
                var (xs, counts) = values.Exact();
                w.WriteStartObject("values");
                w.WriteStartArray("value");
                foreach (var x in xs) w.WriteNumberValue(x);
                w.WriteEndArray();
                w.WriteStartArray("count");
                foreach (var n in counts) w.WriteNumberValue(n);
                w.WriteEndArray();
                w.WriteEndObject();
            }
            else
            {
                var buckets = values.Sketch!.Buckets().ToList();
                w.WriteStartObject("sketch");
                w.WriteString("method", "log-histogram");
                w.WriteNumber("bits", values.Sketch.Bits);
                w.WriteNumber("relativeValueError", values.Sketch.RelativeWidth);
                w.WriteStartArray("key");
                foreach (var (key, _) in buckets) w.WriteNumberValue(key);
                w.WriteEndArray();
                w.WriteStartArray("count");
                foreach (var (_, n) in buckets) w.WriteNumberValue(n);
                w.WriteEndArray();
                w.WriteString("hyperLogLog", Convert.ToBase64String(values.Distinct!.Registers));
                w.WriteEndObject();
            }
        }
        else
        {
            var cats = c.Categories!;
            if (cats.IsExact)
            {
                w.WriteStartObject("categories");
                foreach (var (value, n) in cats.Sorted()) w.WriteNumber(value, n);
                w.WriteEndObject();
            }
            else
            {
                w.WriteStartObject("categorySketch");
                w.WriteString("reason", $"more than {cats.Limit} distinct values: category counts are not kept");
                w.WriteString("hyperLogLog", Convert.ToBase64String(cats.Distinct!.Registers));
                w.WriteEndObject();
            }
        }
        w.WriteEndObject();
    }

    static void WriteDistinct(Utf8JsonWriter w, MergeableColumn c)
    {
        bool exact = c.Values?.IsExact ?? c.Categories!.IsExact;
        long distinct = c.Values?.DistinctCount() ?? c.Categories!.DistinctCount();
        w.WriteStartObject("distinct");
        w.WriteNumber("value", distinct);
        w.WriteBoolean("exact", exact);
        if (!exact)
        {
            w.WriteString("method", "hyperloglog");
            w.WriteNumber("relativeStandardError", HyperLogLogError);
        }
        w.WriteEndObject();
    }

    static void WriteQuantiles(Utf8JsonWriter w, MergeableColumn c)
    {
        w.WriteStartObject("quantiles");
        bool exact = c.Values!.IsExact;
        w.WriteBoolean("exact", exact);
        if (!exact)
        {
            w.WriteString("method", "log-histogram");
            w.WriteNumber("relativeValueError", c.Values.Sketch!.RelativeWidth);
        }
        foreach (var (name, q) in QuantileLevels) WriteNumberOrNull(w, name, c.Quantile(q));
        w.WriteEndObject();
    }

    static void WriteHistogram(Utf8JsonWriter w, MergeableColumn c)
    {
        var values = c.Values!;
        if (values.Count == 0) return;
        var counts = new long[c.Min == c.Max ? 1 : HistogramBins];
        double width = (c.Max - c.Min) / counts.Length;
        // A range wider than the double range (values near both ends) is binned and edged on halves, which cannot overflow.
        bool halved = !double.IsFinite(width);
        if (halved) width = (c.Max / 2 - c.Min / 2) / counts.Length;
        int Bin(double x) => counts.Length == 1 || width == 0 ? 0
            : Math.Clamp((int)((halved ? x / 2 - c.Min / 2 : x - c.Min) / width), 0, counts.Length - 1);
        if (values.IsExact)
        {
            var (xs, ns) = values.Exact();
            for (int i = 0; i < xs.Length; i++) counts[Bin(xs[i])] += ns[i];
        }
        else
            foreach (var (key, n) in values.Sketch!.Buckets())
            {
                var (low, high) = values.Sketch.Bounds(key);
                counts[Bin(Math.Clamp(low + (high - low) / 2, c.Min, c.Max))] += n;
            }
        w.WriteStartObject("histogram");
        w.WriteBoolean("exact", values.IsExact);
        w.WriteStartArray("edges");
        for (int i = 0; i <= counts.Length; i++) w.WriteNumberValue(i == counts.Length ? c.Max : halved ? 2 * (c.Min / 2 + i * width) : c.Min + i * width);
        w.WriteEndArray();
        w.WriteStartArray("counts");
        foreach (var n in counts) w.WriteNumberValue(n);
        w.WriteEndArray();
        w.WriteEndObject();
    }

    static void WriteNumberOrNull(Utf8JsonWriter w, string name, double? value)
    {
        if (value is { } v && double.IsFinite(v)) w.WriteNumber(name, v);
        else w.WriteNull(name);
    }

    /// <summary>An integer, date (day number) or datetime (ticks) value exactly, as people read it.</summary>
    static string FormatInteger(ColumnType type, long value) => type switch
    {
        ColumnType.Date => Utf8Parsers.FormatDate(value),
        ColumnType.DateTime => Utf8Parsers.FormatDateTime(value),
        _ => value.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>A numeric column's value as people read it: dates and datetimes in ISO form, numbers round-trip.</summary>
    public static string FormatValue(ColumnType type, double value) => type switch
    {
        ColumnType.Date => Utf8Parsers.FormatDate((long)value),
        ColumnType.DateTime => Utf8Parsers.FormatDateTime((long)value),
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };
}
