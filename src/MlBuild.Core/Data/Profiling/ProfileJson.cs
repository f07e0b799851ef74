using System.Globalization;
using System.Text.Json;
using MlBuild.Core.Data.Drift;
using MlBuild.Core.Data.Schema;
using MlBuild.Core.Data.Validation;
using MlBuild.Core.Diagnostics;

namespace MlBuild.Core.Data.Profiling;

/// <summary>
/// The saved form of a <see cref="MergeableProfile"/> (docs/drift.md describes it): versioned JSON, byte-identical for
/// the same data and limits. The state that merges (counts, extremes, moments, exact values or sketches, category
/// counts) is what is read back; the derived figures (quantiles, histogram, distinct count, variance) are written for
/// people and tools, each saying whether it is exact or from a sketch and with what error, and recomputed on reading.
/// </summary>
public static class ProfileJson
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

    /// <summary>An exact extreme written as <c>minText</c>/<c>maxText</c> (<see cref="FormatInteger"/>), or null when absent or not one.</summary>
    static long? ReadInteger(JsonElement e, string property, ColumnType type)
    {
        if (!e.TryGetProperty(property, out var p) || p.ValueKind != JsonValueKind.String) return null;
        var bytes = System.Text.Encoding.UTF8.GetBytes(p.GetString()!);
        long v;
        bool ok = type switch
        {
            ColumnType.Integer => Utf8Parsers.TryParseInt64(bytes, out v),
            ColumnType.Date => Utf8Parsers.TryParseDate(bytes, null, out v),
            ColumnType.DateTime => Utf8Parsers.TryParseDateTime(bytes, null, out v),
            _ => (v = 0) != 0,
        };
        return ok ? v : null;
    }

    /// <summary>A numeric column's value as people read it: dates and datetimes in ISO form, numbers round-trip.</summary>
    public static string FormatValue(ColumnType type, double value) => type switch
    {
        ColumnType.Date => Utf8Parsers.FormatDate((long)value),
        ColumnType.DateTime => Utf8Parsers.FormatDateTime((long)value),
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    /// <summary>
    /// Reads a saved profile. Throws MLB2005 for a file that is not one (invalid JSON, truncated, a field missing or
    /// inconsistent) and MLB2006 for one written in a newer format version.
    /// </summary>
    public static MergeableProfile Read(byte[] utf8, string display)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(utf8); }
        catch (JsonException e)
        {
            throw new MlBuildException(new MlDiagnostic(DriftCodes.ProfileUnreadable, MlSeverity.Error,
                $"'{display}' is not valid JSON ({FirstSentence(e.Message)}); it may be truncated or hand-edited. Write it again with 'dotnet ml data profile'.",
                display, (int)Math.Min(int.MaxValue, (e.LineNumber ?? 0) + 1), (int)Math.Min(int.MaxValue, (e.BytePositionInLine ?? 0) + 1)));
        }
        using (doc)
        {
            try { return ReadRoot(doc.RootElement, display); }
            catch (Exception e) when (e is InvalidOperationException or KeyNotFoundException or FormatException or OverflowException or ArgumentException)
            {
                throw Unreadable(display, $"a field has the wrong type or value ({FirstSentence(e.Message)})");
            }
        }
    }

    static string FirstSentence(string message)
    {
        int dot = message.IndexOf(". ", StringComparison.Ordinal);
        return (dot > 0 ? message[..dot] : message).TrimEnd('.');
    }

    static MlBuildException Unreadable(string display, string why) =>
        new(new MlDiagnostic(DriftCodes.ProfileUnreadable, MlSeverity.Error,
            $"'{display}' is not an MlBuild profile: {why}. Write it again with 'dotnet ml data profile'.", display));

    static MergeableProfile ReadRoot(JsonElement root, string display)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("format", out var format) || format.ValueKind != JsonValueKind.String || format.GetString() != Format)
            throw Unreadable(display, $"it has no \"format\": \"{Format}\" field");
        int version = Required(root, "formatVersion", display).GetInt32();
        if (version > FormatVersion)
            throw new MlBuildException(new MlDiagnostic(DriftCodes.ProfileTooNew, MlSeverity.Error,
                $"'{display}' is a profile of format version {version}; this MlBuild reads versions up to {FormatVersion}. Update MlBuild, or write the profile again with this version.", display));
        if (version < 1) throw Unreadable(display, $"format version {version} does not exist");
        var limitsElement = Required(root, "limits", display);
        var limits = new ProfileLimits
        {
            ExactValues = Required(limitsElement, "exactValues", display).GetInt32(),
            Categories = Required(limitsElement, "categories", display).GetInt32(),
            SketchBits = Required(limitsElement, "sketchBits", display).GetInt32(),
        };
        if (limits.ExactValues < 1 || limits.Categories < 0 || limits.SketchBits is < 1 or > 20)
            throw Unreadable(display, "its limits are out of range");
        var profile = new MergeableProfile(limits) { Rows = Required(root, "rows", display).GetInt64() };
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in Required(root, "columns", display).EnumerateArray())
        {
            var column = ReadColumn(e, limits, display);
            if (!names.Add(column.Name)) throw Unreadable(display, $"column '{column.Name}' appears twice");
            profile.Columns.Add(column);
        }
        return profile;
    }

    /// <summary>The sum of squared deviations; null is written when it overflowed the double range.</summary>
    static double SecondMoment(JsonElement moments, string display) =>
        moments.TryGetProperty("m2", out var m2) && m2.ValueKind == JsonValueKind.Null ? double.PositiveInfinity : Required(moments, "m2", display).GetDouble();

    static JsonElement Required(JsonElement e, string name, string display) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null
            ? v : throw Unreadable(display, $"field \"{name}\" is missing");

    static MergeableColumn ReadColumn(JsonElement e, ProfileLimits limits, string display)
    {
        var name = Required(e, "name", display).GetString()!;
        var typeText = Required(e, "type", display).GetString()!;
        if (!Enum.TryParse<ColumnType>(typeText, ignoreCase: true, out var type) || TypeName(type) != typeText)
            throw Unreadable(display, $"column '{name}' has unknown type '{typeText}'");
        var c = new MergeableColumn(name, type, limits)
        {
            Count = Required(e, "count", display).GetInt64(),
            Nulls = Required(e, "nulls", display).GetInt64(),
            Invalid = Required(e, "invalid", display).GetInt64(),
        };
        if (c.Count < 0 || c.Nulls < 0 || c.Invalid < 0) throw Unreadable(display, $"column '{name}' has a negative count");
        if (c.Kind == ProfileColumnKind.Numeric)
        {
            c.NaN = Required(e, "nan", display).GetInt64();
            c.PositiveInfinity = Required(e, "positiveInfinity", display).GetInt64();
            c.NegativeInfinity = Required(e, "negativeInfinity", display).GetInt64();
            var moments = Required(e, "moments", display);
            c.AddMoments(Required(moments, "n", display).GetInt64(), Required(moments, "mean", display).GetDouble(), SecondMoment(moments, display));
            if (e.TryGetProperty("values", out var exact) && exact.ValueKind == JsonValueKind.Object)
            {
                var xs = Doubles(Required(exact, "value", display));
                var ns = Longs(Required(exact, "count", display));
                if (xs.Length != ns.Length || ns.Any(n => n <= 0) || !Ascending(xs))
                    throw Unreadable(display, $"column '{name}' has exact values that are not sorted, distinct and counted");
                c.Values = NumericDistribution.FromExact(xs, ns, limits.ExactValues, limits.SketchBits);
            }
            else
            {
                var s = Required(e, "sketch", display);
                var sketch = new LogHistogram(Required(s, "bits", display).GetInt32());
                if (sketch.Bits != limits.SketchBits) throw Unreadable(display, $"column '{name}' has a sketch of {sketch.Bits} bits, its limits say {limits.SketchBits}");
                var keys = Longs(Required(s, "key", display));
                var ns = Longs(Required(s, "count", display));
                long maxKey = 1L << (12 + sketch.Bits);
                if (keys.Length != ns.Length || ns.Any(n => n <= 0) || keys.Any(k => k < 0 || k >= maxKey))
                    throw Unreadable(display, $"column '{name}' has a sketch whose keys and counts do not match");
                for (int i = 0; i < keys.Length; i++) sketch.AddKey(keys[i], ns[i]);
                c.Values = NumericDistribution.FromSketch(sketch, ReadHyperLogLog(s, name, display), limits.ExactValues);
            }
            long finite = c.Count - c.NaN - c.PositiveInfinity - c.NegativeInfinity;
            if (c.Values.Count != finite || c.MomentCount != finite)
                throw Unreadable(display, $"column '{name}' counts {finite} finite values but holds {c.Values.Count}");
            if (finite > 0)
            {
                c.Min = Required(e, "min", display).GetDouble();
                c.Max = Required(e, "max", display).GetDouble();
                // The exact extremes when written and consistent with the doubles (a profile from before them has none).
                if (ReadInteger(e, "minText", type) is { } lo && ReadInteger(e, "maxText", type) is { } hi && lo <= hi && (double)lo == c.Min && (double)hi == c.Max)
                { c.MinInteger = lo; c.MaxInteger = hi; }
                if (c.Values.IsExact && c.Values.Exact().Values is var exactValues && (exactValues[0] != c.Min || exactValues[^1] != c.Max))
                    throw Unreadable(display, $"column '{name}' has a min or max that is not its smallest or largest value");
            }
        }
        else if (e.TryGetProperty("categories", out var cats) && cats.ValueKind == JsonValueKind.Object)
        {
            long total = 0;
            foreach (var p in cats.EnumerateObject())
            {
                long n = p.Value.GetInt64();
                if (n <= 0) throw Unreadable(display, $"column '{name}' has category '{p.Name}' with count {n}");
                c.Categories!.Add(p.Name, n);
                total += n;
            }
            if (total != c.Count) throw Unreadable(display, $"column '{name}' counts {c.Count} values but its categories add up to {total}");
        }
        else
            c.Categories = CategoryCounts.FromSketch(ReadHyperLogLog(Required(e, "categorySketch", display), name, display), limits.Categories);
        return c;
    }

    static double[] Doubles(JsonElement array)
    {
        var xs = new double[array.GetArrayLength()];
        int i = 0;
        foreach (var x in array.EnumerateArray())
            xs[i++] = x.ValueKind == JsonValueKind.Number && ShortDecimal(System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(x), out double v) ? v : x.GetDouble();
        return xs;
    }

    /// <summary>
    /// A number written with at most 15 digits and no exponent (how values with a few decimals are written), read as
    /// its digits divided by a power of ten: both exact doubles, so the one division rounds correctly and gives the bits
    /// <see cref="JsonElement.GetDouble"/> gives, faster. False for any other text (then the caller parses it).
    /// </summary>
    static bool ShortDecimal(ReadOnlySpan<byte> text, out double value)
    {
        value = 0;
        int i = 0;
        bool negative = text.Length > 0 && text[0] == (byte)'-';
        if (negative) i++;
        long digits = 0;
        int count = 0, decimals = -1;
        for (; i < text.Length; i++)
        {
            uint d = (uint)(text[i] - '0');
            if (d <= 9)
            {
                if (++count > 15) return false;
                digits = digits * 10 + d;
                if (decimals >= 0) decimals++;
            }
            else if (text[i] == (byte)'.' && decimals < 0) decimals = 0;
            else return false;
        }
        if (count == 0 || decimals == 0) return false;
        double x = decimals > 0 ? digits / PowersOfTen[decimals] : digits;
        value = negative ? -x : x;
        return true;
    }

    static readonly double[] PowersOfTen = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

    static long[] Longs(JsonElement array)
    {
        var xs = new long[array.GetArrayLength()];
        int i = 0;
        foreach (var x in array.EnumerateArray()) xs[i++] = x.GetInt64();
        return xs;
    }

    static bool Ascending(double[] xs)
    {
        for (int i = 1; i < xs.Length; i++)
            if (!(xs[i - 1] < xs[i])) return false;
        return true;
    }

    static HyperLogLog ReadHyperLogLog(JsonElement e, string column, string display)
    {
        var bytes = Convert.FromBase64String(Required(e, "hyperLogLog", display).GetString()!);
        if (bytes.Length != HyperLogLog.RegisterCount) throw Unreadable(display, $"column '{column}' has a distinct-count sketch of the wrong size");
        var hll = new HyperLogLog();
        bytes.CopyTo(hll.Registers, 0);
        return hll;
    }

    /// <summary>Reads a profile file, with MLB2005 for one that cannot be read.</summary>
    public static MergeableProfile ReadFile(string fullPath, string display) => Read(ReadBytes(fullPath, display), display);

    static byte[] ReadBytes(string fullPath, string display)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(fullPath); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MlBuildException(new MlDiagnostic(e is FileNotFoundException or DirectoryNotFoundException ? DiagnosticCodes.DataFileNotFound : DriftCodes.ProfileUnreadable,
                MlSeverity.Error, $"Cannot read profile '{display}': {e.Message}", display));
        }
        return bytes;
    }
}
