using System.Globalization;
using System.Text;
using System.Text.Json;
using MlBuild.Core.Data.Validation;
using MlBuild.Core.Diagnostics;

namespace MlBuild.Core.Data.Schema;

/// <summary>
/// Infers a schema from clean data, conservatively: a column gets a type only if every value parses as it, becomes a
/// category only with few distinct values, and takes its bounds from the data. The inferred schema is checked with a
/// full validation pass, so it always accepts the data it came from.
/// </summary>
public static class SchemaInferrer
{
    /// <summary>Most distinct values for a text column to become a category.</summary>
    public const int MaxCategoryValues = 50;

    /// <summary>Infers a schema for the files of <paramref name="request"/> (its <c>Schema</c> is ignored).</summary>
    public static (DatasetSchema Schema, string Json) Infer(string name, IReadOnlyList<string> files, string baseDirectory, ValidationOptions? options = null)
    {
        options ??= new ValidationOptions();
        var resolved = DatasetValidator.ResolveFiles(new DatasetRequest(name, files, new DatasetSchema { Columns = [] }, baseDirectory));
        // Pass 1: every CSV column as text, to see its distinct values. A Parquet column's type is in the file: text
        // columns are read as text (and may still turn out numbers, dates or categories), the others as their type;
        // a column MlBuild cannot read is left out.
        var firstColumns = DatasetValidator.IsParquet(resolved[0].FullPath)
            ? Parquet.ParquetReader.ReadColumnTypes(resolved[0].FullPath, resolved[0].Display)
                .Where(c => c.Type is not null).Select(c => new ColumnSchema { Name = c.Name, Type = c.Type!.Value }).ToList()
            : ReadColumnNames(resolved[0].FullPath, resolved[0].Display, options)
                .Select(n => new ColumnSchema { Name = n, Type = ColumnType.String }).ToList();
        var textSchema = new DatasetSchema { Columns = firstColumns, ExtraColumns = ColumnPolicy.Ignore, MinRows = 0 };
        var pass1 = DatasetValidator.Validate(new DatasetRequest(name, files, textSchema, baseDirectory), options);
        if (pass1.InputErrors.Count > 0) throw new MlBuildException(pass1.InputErrors[0]);
        var columns = new List<ColumnSchema>();
        foreach (var (p, first) in pass1.Profile!.Columns.Zip(firstColumns))
            columns.Add(first.Type == ColumnType.String ? InferColumn(p, pass1.Records)
                : new ColumnSchema { Name = p.Name, Type = first.Type, Nullable = p.Nulls > 0 });
        // Pass 2: bounds and a proof that the inferred types hold for every value (the distinct list may be truncated).
        var typed = new DatasetSchema { Columns = columns, ExtraColumns = ColumnPolicy.Ignore, MinRows = 0 };
        var pass2 = DatasetValidator.Validate(new DatasetRequest(name, files, typed, baseDirectory), options);
        var final = new List<ColumnSchema>();
        foreach (var c in columns)
        {
            bool typeFailed = pass2.Checks.Any(k => k.Column == c.Name && k.Kind == "type" && k.Failures > 0);
            var prof = pass2.Profile!.Columns.First(x => x.Name == c.Name);
            var text = pass1.Profile!.Columns.First(x => x.Name == c.Name);
            if (typeFailed) { final.Add(new ColumnSchema { Name = c.Name, Type = ColumnType.String, Nullable = c.Nullable }); continue; }
            Bound? min = null, max = null;
            if (c.Type is ColumnType.Integer or ColumnType.Float or ColumnType.Date or ColumnType.DateTime && prof.MinText is not null)
            {
                min = new Bound(prof.Min!.Value, prof.MinText!, false);
                max = new Bound(prof.Max!.Value, prof.MaxText!, false);
            }
            final.Add(new ColumnSchema
            {
                Name = c.Name, Type = c.Type, Nullable = c.Nullable, Allowed = c.Allowed, Min = min, Max = max,
                // Unique only when the name says it is an identifier and every value is provably distinct.
                Unique = c.Type is ColumnType.Integer or ColumnType.String && text.DistinctExact && text.Distinct == pass2.Records
                         && text.Count == pass2.Records && c.Name.EndsWith("id", StringComparison.OrdinalIgnoreCase),
            });
        }
        var schema = new DatasetSchema { Columns = final, MinRows = 1 };
        return (schema, ToJson(schema));
    }

    static IReadOnlyList<string> ReadColumnNames(string full, string display, ValidationOptions options)
    {
        using var stream = File.OpenRead(full);
        var (names, _, _) = Csv.CsvReader.ReadHeader(stream, display, new CsvFormat(), options);
        return names ?? throw new MlBuildException(new MlDiagnostic(DiagnosticCodes.EmptyFile, MlSeverity.Error, "The file is empty: expected a header row.", display, 1, 0));
    }

    static ColumnSchema InferColumn(Profiling.ColumnProfile p, long records)
    {
        bool nullable = p.Nulls > 0;
        var values = p.TopValues is null ? [] : p.TopValues.Select(v => v.Value).ToList();
        // Type from the full distinct list when exact; otherwise from what we have, and pass 2 proves it.
        var all = p.DistinctExact ? AllValues(p) : values;
        ColumnType type;
        if (all.Count == 0) type = ColumnType.String;
        else if (all.All(v => Utf8Parsers.TryParseInt64(Encoding.UTF8.GetBytes(v), out _))) type = ColumnType.Integer;
        else if (all.All(v => Utf8Parsers.TryParseDouble(Encoding.UTF8.GetBytes(v), out _))) type = ColumnType.Float;
        else if (all.All(v => Utf8Parsers.TryParseBoolean(Encoding.UTF8.GetBytes(v), out _) && v.Length > 1)) type = ColumnType.Boolean;
        else if (all.All(v => Utf8Parsers.TryParseDate(Encoding.UTF8.GetBytes(v), null, out _))) type = ColumnType.Date;
        else if (all.All(v => Utf8Parsers.TryParseDateTime(Encoding.UTF8.GetBytes(v), null, out _))) type = ColumnType.DateTime;
        else if (p.DistinctExact && p.Distinct <= MaxCategoryValues && p.Distinct * 10 <= Math.Max(p.Count, 1)) type = ColumnType.Category;
        else type = ColumnType.String;
        return new ColumnSchema
        {
            Name = p.Name, Type = type, Nullable = nullable,
            Allowed = type == ColumnType.Category ? all.Order(StringComparer.Ordinal).ToList() : null,
        };
    }

    static List<string> AllValues(Profiling.ColumnProfile p) => p.AllValues ?? [];

    /// <summary>Writes a schema as the JSON the loader reads.</summary>
    public static string ToJson(DatasetSchema schema)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteNumber("schemaVersion", DatasetSchema.CurrentVersion);
            w.WriteStartArray("columns");
            foreach (var c in schema.Columns)
            {
                w.WriteStartObject();
                w.WriteString("name", c.Name);
                w.WriteString("type", c.Type.ToString().ToLowerInvariant() is var t && t == "datetime" ? "datetime" : t);
                w.WriteBoolean("nullable", c.Nullable);
                if (c.Unique) w.WriteBoolean("unique", true);
                if (c.Min is { } mn) WriteBound(w, "min", c, mn);
                if (c.Max is { } mx) WriteBound(w, "max", c, mx);
                if (c.Allowed is { } allowed)
                {
                    w.WriteStartArray("allowed");
                    foreach (var a in allowed) w.WriteStringValue(a);
                    w.WriteEndArray();
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartObject("rows");
            w.WriteNumber("min", schema.MinRows ?? 1);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray()) + "\n";
    }

    static void WriteBound(Utf8JsonWriter w, string name, ColumnSchema c, Bound b)
    {
        if (c.Type is ColumnType.Integer or ColumnType.Float) w.WriteNumber(name, b.Value);
        else w.WriteString(name, c.Type == ColumnType.Date ? b.Text : b.Text);
    }
}
