using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using MlBuild.Core.Data.Validation;
using MlBuild.Core.Diagnostics;

namespace MlBuild.Core.Data.Schema;

/// <summary>An inferred schema, its JSON, and what the inference noticed (placeholders, malformed records, why a column is text).</summary>
/// <param name="Schema">The inferred schema.</param>
/// <param name="Json">The schema as the loader reads it.</param>
/// <param name="Diagnostics">Warnings and notes, in column order, each at the data's file, line and column where it has one.</param>
public sealed record InferenceResult(DatasetSchema Schema, string Json, IReadOnlyList<MlDiagnostic> Diagnostics)
{
    /// <summary>The schema and its JSON alone.</summary>
    public void Deconstruct(out DatasetSchema schema, out string json) { schema = Schema; json = Json; }
}

/// <summary>
/// Infers a schema from clean data, conservatively: a column gets a type only if every value parses as it, becomes a
/// category only with few distinct values, and takes its bounds from the data. The inferred schema is checked with a
/// full validation pass, so it accepts the data it came from, except records with the wrong field count, which it
/// warns about. Placeholder-like values (<c>NA</c>, <c>?</c>, a lone <c>.</c>) that stand in for a typed column's
/// missing values, or are rare in a text column, become <c>csv.nullTokens</c> with a warning instead of values.
/// </summary>
public static class SchemaInferrer
{
    /// <summary>Most distinct values for a text column to become a category.</summary>
    public const int MaxCategoryValues = 50;

    /// <summary>The delimiters <see cref="DetectDelimiter"/> chooses from, in order of preference on a tie.</summary>
    public static readonly IReadOnlyList<byte> CommonDelimiters = [(byte)',', (byte)';', (byte)'\t', (byte)'|'];

    /// <summary>Date formats tried in order (null: ISO yyyy-MM-dd); the first that reads every value is written.</summary>
    static readonly string?[] DateFormats =
    [
        null, "yyyy/MM/dd", "dd/MM/yyyy", "MM/dd/yyyy", "d/M/yyyy", "M/d/yyyy", "dd.MM.yyyy", "d.M.yyyy", "dd-MM-yyyy", "MM-dd-yyyy",
        "MMM dd yyyy", "MMM d yyyy", "MMM d, yyyy", "MMMM d, yyyy", "MMMM d yyyy", "dd MMM yyyy", "d MMM yyyy", "dd-MMM-yyyy", "d-MMM-yyyy",
        "d MMMM yyyy",
    ];

    /// <summary>Datetime formats tried in order (null: ISO 8601).</summary>
    static readonly string?[] DateTimeFormats =
    [
        null, "yyyy/MM/dd HH:mm:ss", "dd/MM/yyyy HH:mm:ss", "MM/dd/yyyy HH:mm:ss", "dd/MM/yyyy HH:mm", "MM/dd/yyyy HH:mm",
        "M/d/yyyy H:mm", "M/d/yyyy h:mm:ss tt", "M/d/yyyy h:mm tt", "dd.MM.yyyy HH:mm:ss", "dd.MM.yyyy HH:mm", "MMM dd yyyy HH:mm:ss",
    ];

    static readonly HashSet<string> PlaceholderWords = new(StringComparer.OrdinalIgnoreCase)
        { "na", "n/a", "#n/a", "nan", "null", "none", "nil", "missing", "undefined" };

    /// <summary>Whether a value looks like a stand-in for a missing one: NA, N/A, null, none, NaN, or 1-3 of . ? - _ * /.</summary>
    public static bool IsPlaceholderLike(string value) =>
        PlaceholderWords.Contains(value)
        || (value.Length is > 0 and <= 3 && value.All(ch => ch is '.' or '?' or '-' or '_' or '*' or '/'));

    /// <summary>Infers a schema for <paramref name="files"/> (CSV with the given or detected delimiter, or Parquet).</summary>
    public static InferenceResult Infer(string name, IReadOnlyList<string> files, string baseDirectory, ValidationOptions? options = null, byte? delimiter = null)
    {
        options ??= new ValidationOptions();
        var resolved = DatasetValidator.ResolveFiles(new DatasetRequest(name, files, new DatasetSchema { Columns = [] }, baseDirectory));
        bool parquet = DatasetValidator.IsParquet(resolved[0].FullPath);
        var notes = new List<MlDiagnostic>();
        var format = new CsvFormat { Delimiter = parquet ? (byte)',' : delimiter ?? DetectDelimiter(resolved[0].FullPath) };

        // Pass 1: every CSV column as text, to see its distinct values. A Parquet column's type is in the file: text
        // columns are read as text (and may still turn out numbers, dates or categories), the others as their type;
        // a column MlBuild cannot read is left out.
        var firstColumns = parquet
            ? Parquet.ParquetReader.ReadColumnTypes(resolved[0].FullPath, resolved[0].Display)
                .Where(c => c.Type is not null).Select(c => new ColumnSchema { Name = c.Name, Type = c.Type!.Value }).ToList()
            : ReadColumnNames(resolved[0].FullPath, resolved[0].Display, format, options)
                .Select(n => new ColumnSchema { Name = n, Type = ColumnType.String }).ToList();
        // A header cell a schema cannot name (empty, as pandas writes for its index, or a repeated name) gets no column:
        // it is left out with a warning, and the schema lets undeclared columns through with a warning, not an error.
        var unnamed = new List<(int Position, string Name)>();
        var usable = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < firstColumns.Count; i++)
            if (firstColumns[i].Name.Length == 0 || !usable.Add(firstColumns[i].Name)) unnamed.Add((i + 1, firstColumns[i].Name));
        var unnamedPositions = unnamed.Select(u => u.Position).ToHashSet();
        var headerPositions = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < firstColumns.Count; i++)
            if (!unnamedPositions.Contains(i + 1)) headerPositions[firstColumns[i].Name] = i + 1;
        firstColumns = firstColumns.Where((_, i) => !unnamedPositions.Contains(i + 1)).ToList();
        var textSchema = new DatasetSchema { Columns = firstColumns, ExtraColumns = ColumnPolicy.Ignore, MinRows = 0, Csv = format };
        var pass1 = DatasetValidator.Validate(new DatasetRequest(name, files, textSchema, baseDirectory), options);
        if (pass1.InputErrors.Count > 0) throw new MlBuildException(pass1.InputErrors[0]);
        foreach (var d in ValidationDiagnostics.From(pass1).Where(d => d.Code == DiagnosticCodes.FieldCountMismatch.Code))
            notes.Add(d with
            {
                Severity = MlSeverity.Warning,
                Message = d.Message + "; such records are left out of the inference and fail validation (delimiter "
                    + $"'{DelimiterName(format.Delimiter)}'{(delimiter is null ? ", detected from the first lines; --delimiter sets it" : "")})",
            });
        var firstFile = resolved[0].Display;
        MlDiagnostic AtHeader(string code, MlSeverity severity, string column, string message) =>
            new(code, severity, message, firstFile, parquet ? 0 : 1, parquet ? 0 : headerPositions.GetValueOrDefault(column));

        // Placeholders: decided from pass 1's distinct values, counted and located exactly by a pattern check.
        var textProfiles = pass1.Profile!.Columns.Zip(firstColumns).Where(x => x.Second.Type == ColumnType.String).Select(x => x.First).ToList();
        var nullTokens = new SortedSet<string>(StringComparer.Ordinal);
        // (Parquet text has no missing-value tokens: its nulls are in the file.)
        var tokenUse = parquet ? [] : LocatePlaceholders(name, files, baseDirectory, options, format, textProfiles);
        foreach (var (column, found) in tokenUse)
        {
            var p = textProfiles.First(x => x.Name == column);
            var others = Values(p).Where(v => !found.ContainsKey(v)).ToList();
            long present = p.Count - p.Nulls;
            foreach (var (token, (count, _)) in found)
            {
                // A stand-in where every other value is a number, date or boolean, or a value too rare to be a real one.
                if (others.Count > 0 && TypeOf(others) != ColumnType.String || count * 20 <= present)
                    nullTokens.Add(token);
            }
        }
        if (nullTokens.Count > 0)
            format = new CsvFormat { Delimiter = format.Delimiter, NullTokens = ["", .. nullTokens] };
        foreach (var (column, found) in tokenUse)
        {
            foreach (var (token, (count, first)) in found.Where(f => nullTokens.Contains(f.Key)))
            {
                notes.Add(new MlDiagnostic(DiagnosticCodes.InferredPlaceholder, MlSeverity.Warning, PlaceholderMessage(column, token, count, pass1.Records),
                    first.File, (int)Math.Min(first.Line, int.MaxValue), first.Column));
            }
        }

        var columns = new List<ColumnSchema>();
        var reasons = new Dictionary<string, string>();
        foreach (var (p, first) in pass1.Profile!.Columns.Zip(firstColumns))
        {
            if (first.Type != ColumnType.String) { columns.Add(new ColumnSchema { Name = p.Name, Type = first.Type, Nullable = p.Nulls > 0 }); continue; }
            var (column, why) = InferColumn(p, nullTokens);
            columns.Add(column);
            if (why is not null) reasons[p.Name] = why;
        }
        // Pass 2: bounds and a proof that the inferred types hold for every value (the distinct list may be truncated).
        var typed = new DatasetSchema { Columns = columns, ExtraColumns = ColumnPolicy.Ignore, MinRows = 0, Csv = format };
        var pass2 = DatasetValidator.Validate(new DatasetRequest(name, files, typed, baseDirectory), options);
        if (pass2.InputErrors.Count > 0) throw new MlBuildException(pass2.InputErrors[0]);
        // A column with more distinct values than pass 1 lists may hide a placeholder among the unlisted ones: when
        // every value that failed its type is placeholder-like, it becomes a null token too, and pass 2 runs again.
        var hidden = parquet ? [] : pass2.Checks
            .Where(k => k.Kind == "type" && k.Failures > 0 && k.TopFailingValues.Count > 0
                        && k.TopFailingValues.Sum(v => v.Count) == k.Failures && k.TopFailingValues.All(v => IsPlaceholderLike(v.Value)))
            .ToList();
        if (hidden.Count > 0)
        {
            foreach (var k in hidden)
            {
                foreach (var v in k.TopFailingValues)
                {
                    nullTokens.Add(v.Value);
                    var first = k.FirstFailures.FirstOrDefault(f => f.Value == v.Value)?.Location;
                    notes.Add(new MlDiagnostic(DiagnosticCodes.InferredPlaceholder, MlSeverity.Warning, PlaceholderMessage(k.Column!, v.Value, v.Count, pass1.Records),
                        first?.File ?? firstFile, first is { } l ? (int)Math.Min(l.Line, int.MaxValue) : 0, first?.Column ?? 0));
                }
            }
            format = new CsvFormat { Delimiter = format.Delimiter, NullTokens = ["", .. nullTokens] };
            var fixedColumns = hidden.Select(k => k.Column!).ToHashSet();
            columns = columns.Select(c => fixedColumns.Contains(c.Name) ? new ColumnSchema { Name = c.Name, Type = c.Type, Format = c.Format, Nullable = true } : c).ToList();
            typed = new DatasetSchema { Columns = columns, ExtraColumns = ColumnPolicy.Ignore, MinRows = 0, Csv = format };
            pass2 = DatasetValidator.Validate(new DatasetRequest(name, files, typed, baseDirectory), options);
            if (pass2.InputErrors.Count > 0) throw new MlBuildException(pass2.InputErrors[0]);
        }
        var final = new List<ColumnSchema>();
        foreach (var c in columns)
        {
            var typeCheck = pass2.Checks.FirstOrDefault(k => k.Column == c.Name && k.Kind == "type" && k.Failures > 0);
            var prof = pass2.Profile!.Columns.First(x => x.Name == c.Name);
            if (typeCheck is not null && parquet && firstColumns.Any(x => x.Name == c.Name && x.Type != ColumnType.String))
            {
                // The type comes from the file (a DOUBLE holding NaN): 'string' could not even read the column, so the
                // type stays and the user learns that validation will report those values.
                var bad = typeCheck.FirstFailures.Count > 0 ? typeCheck.FirstFailures[0] : null;
                notes.Add(AtHeader(DiagnosticCodes.InferredNonFinite, MlSeverity.Warning, c.Name,
                    $"column '{c.Name}' is {TypeName(c)} in the file, but {Count(typeCheck.Failures)} of its values are not"
                    + (bad is null ? "" : $" ('{bad.Value}' in row group {bad.Location.RowGroup.ToString(CultureInfo.InvariantCulture)}, row {bad.Location.Row.ToString(CultureInfo.InvariantCulture)})")
                    + $" valid {TypeName(c)} values (a float must be finite); validation reports them as MLB1001. Write nulls for missing values, or give the column a 'tolerance' for 'type'"));
            }
            else if (typeCheck is not null)
            {
                var bad = typeCheck.FirstFailures.Count > 0 ? typeCheck.FirstFailures[0] : null;
                reasons[c.Name] = $"the values MlBuild lists read as {TypeName(c)}, but {Count(typeCheck.Failures)} others do not"
                    + (bad is null ? "" : $" ('{bad.Value}' at line {bad.Location.Line.ToString(CultureInfo.InvariantCulture)})");
                final.Add(new ColumnSchema { Name = c.Name, Type = ColumnType.String, Nullable = prof.Nulls > 0 });
                continue;
            }
            Bound? min = null, max = null;
            if (c.Type is ColumnType.Integer or ColumnType.Float or ColumnType.Date or ColumnType.DateTime && prof.MinText is not null)
            {
                min = new Bound(prof.Min!.Value, prof.MinText!, false);
                max = new Bound(prof.Max!.Value, prof.MaxText!, false);
            }
            final.Add(new ColumnSchema
            {
                Name = c.Name, Type = c.Type, Nullable = c.Nullable || prof.Nulls > 0, Allowed = c.Allowed, Min = min, Max = max, Format = c.Format,
                // A key: integer or text, a value in every row, every value provably distinct.
                Unique = c.Type is ColumnType.Integer or ColumnType.String && prof.Nulls == 0 && pass2.Records > 1
                         && KeyLike(pass1.Profile!.Columns.First(x => x.Name == c.Name), pass2.Records),
            });
        }
        foreach (var c in final)
        {
            if (c.Type == ColumnType.String && reasons.TryGetValue(c.Name, out var why))
                notes.Add(AtHeader(DiagnosticCodes.InferredString, MlSeverity.Info, c.Name, $"column '{c.Name}' is string: {why}"));
            if (c.Format is { } f && AmbiguousDayMonth(f, pass1.Profile!.Columns.First(x => x.Name == c.Name), nullTokens) is { } other)
                notes.Add(AtHeader(DiagnosticCodes.InferredAmbiguousDate, MlSeverity.Warning, c.Name,
                    $"column '{c.Name}' reads as dates in format '{f}' and also in '{other}': every day is 12 or less, so the data cannot tell day from month; check the format written"));
        }
        foreach (var (position, header) in unnamed)
            notes.Add(new MlDiagnostic(DiagnosticCodes.InferredUnnamedColumn, MlSeverity.Warning,
                (header.Length == 0 ? $"column {position} of the header has no name" : $"column {position} of the header repeats the name '{header}'")
                + "; it is left out of the schema, which therefore lets undeclared columns through with a warning (\"extraColumns\": \"warn\"). Name it in the header to have it checked",
                firstFile, parquet ? 0 : 1, parquet ? 0 : position));
        var schema = new DatasetSchema { Columns = final, MinRows = 1, Csv = format, ExtraColumns = unnamed.Count > 0 ? ColumnPolicy.Warn : ColumnPolicy.Error };
        return new InferenceResult(schema, ToJson(schema), notes);
    }

    /// <summary>
    /// The common delimiter (comma, semicolon, tab, pipe) that splits the first lines of a CSV file into the same number
    /// of fields (two or more) most often, quotes respected; comma when none does.
    /// </summary>
    public static byte DetectDelimiter(string path)
    {
        var buffer = new byte[64 * 1024];
        int n;
        using (var stream = File.OpenRead(path)) n = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        byte best = (byte)',';
        (int Consistent, int Fields) bestScore = (0, 0);
        foreach (var candidate in CommonDelimiters)
        {
            var counts = FieldCounts(buffer.AsSpan(0, n), candidate, maxLines: 50, complete: n < buffer.Length);
            if (counts.Count == 0 || counts[0] < 2) continue;
            var score = (counts.Count(c => c == counts[0]), counts[0]);
            if (score.Item1 > bestScore.Consistent || (score.Item1 == bestScore.Consistent && score.Item2 > bestScore.Fields))
            {
                best = candidate;
                bestScore = score;
            }
        }
        return best;
    }

    /// <summary>Fields per record of the first lines (quotes respected); the last, possibly cut, record is left out.</summary>
    static List<int> FieldCounts(ReadOnlySpan<byte> data, byte delimiter, int maxLines, bool complete)
    {
        var counts = new List<int>();
        bool quoted = false;
        int fields = 1, recordStart = 0;
        for (int i = 0; i < data.Length && counts.Count < maxLines; i++)
        {
            byte b = data[i];
            if (b == (byte)'"') quoted = !quoted;
            else if (!quoted && b == delimiter) fields++;
            else if (!quoted && b == (byte)'\n')
            {
                if (i > recordStart) counts.Add(fields);
                fields = 1;
                recordStart = i + 1;
            }
        }
        if (complete && counts.Count < maxLines && recordStart < data.Length && !quoted) counts.Add(fields);
        return counts;
    }

    static string PlaceholderMessage(string column, string token, long count, long records) =>
        $"column '{column}' value '{token}' ({Count(count)} of {Count(records)} rows) looks like a placeholder for a missing value: the schema reads '{token}' as missing (csv.nullTokens) and the column as nullable; if it is a real value, remove it from csv.nullTokens and add it to the column";

    static string DelimiterName(byte d) => d == (byte)'\t' ? "\\t" : ((char)d).ToString();

    static string Count(long n) => n.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// For each text column with placeholder-like values: each value's count and first location, from one validation
    /// pass whose only check is a pattern that every other value matches.
    /// </summary>
    static Dictionary<string, SortedDictionary<string, (long Count, DataLocation First)>> LocatePlaceholders(
        string name, IReadOnlyList<string> files, string baseDirectory, ValidationOptions options, CsvFormat format,
        List<Profiling.ColumnProfile> textProfiles)
    {
        var result = new Dictionary<string, SortedDictionary<string, (long, DataLocation)>>();
        var columns = new List<ColumnSchema>();
        foreach (var p in textProfiles)
        {
            var tokens = Values(p).Where(IsPlaceholderLike).Order(StringComparer.Ordinal).ToList();
            if (tokens.Count == 0) continue;
            var pattern = @"\A(?!(?:" + string.Join("|", tokens.Select(Regex.Escape)) + @")\z)";
            columns.Add(new ColumnSchema { Name = p.Name, Type = ColumnType.String, Pattern = new Regex(pattern, RegexOptions.CultureInvariant), PatternText = pattern });
        }
        if (columns.Count == 0) return result;
        var schema = new DatasetSchema { Columns = columns, ExtraColumns = ColumnPolicy.Ignore, MinRows = 0, Csv = format };
        var pass = DatasetValidator.Validate(new DatasetRequest(name, files, schema, baseDirectory), new ValidationOptions
        {
            MaxParallelism = options.MaxParallelism, ChunkBytes = options.ChunkBytes, MaxRecordBytes = options.MaxRecordBytes,
            MaxFailuresPerCheck = 1000, TopValues = 64,
        });
        foreach (var check in pass.Checks.Where(k => k.Kind == "pattern" && k.Failures > 0))
        {
            var found = new SortedDictionary<string, (long, DataLocation)>(StringComparer.Ordinal);
            foreach (var v in check.TopFailingValues)
            {
                // Located when among the first failures kept; else the file alone.
                var first = check.FirstFailures.FirstOrDefault(f => f.Value == v.Value)?.Location
                    ?? check.FirstFailures[0].Location with { Line = 0, Column = 0 };
                found[v.Value] = (v.Count, first);
            }
            result[check.Column!] = found;
        }
        return result;
    }

    static List<string> Values(Profiling.ColumnProfile p) =>
        p.DistinctExact ? p.AllValues ?? [] : p.TopValues?.Select(v => v.Value).ToList() ?? [];

    static bool KeyLike(Profiling.ColumnProfile text, long records) =>
        text.DistinctExact && text.Distinct == records && text.Count == records;

    static string TypeName(ColumnSchema c) =>
        c.Type.ToString().ToLowerInvariant() + (c.Format is null ? "" : $" in format '{c.Format}'");

    static IReadOnlyList<string> ReadColumnNames(string full, string display, CsvFormat format, ValidationOptions options)
    {
        using var stream = File.OpenRead(full);
        var (names, _, _) = Csv.CsvReader.ReadHeader(stream, display, format, options);
        return names ?? throw new MlBuildException(new MlDiagnostic(DiagnosticCodes.EmptyFile, MlSeverity.Error, "The file is empty: expected a header row.", display, 1, 0));
    }

    static bool Parses(List<string> values, Func<byte[], bool> parse) => values.All(v => parse(Encoding.UTF8.GetBytes(v)));

    /// <summary>The narrowest non-text type every value reads as (with its date format), or string.</summary>
    static ColumnType TypeOf(List<string> all) => TypeAndFormat(all).Type;

    static (ColumnType Type, string? Format) TypeAndFormat(List<string> all)
    {
        if (all.Count == 0) return (ColumnType.String, null);
        if (Parses(all, b => Utf8Parsers.TryParseInt64(b, out _))) return (ColumnType.Integer, null);
        if (Parses(all, b => Utf8Parsers.TryParseDouble(b, out _))) return (ColumnType.Float, null);
        if (all.All(v => v.Length > 1) && Parses(all, b => Utf8Parsers.TryParseBoolean(b, out _))) return (ColumnType.Boolean, null);
        foreach (var f in DateFormats)
            if (Parses(all, b => Utf8Parsers.TryParseDate(b, f, out _))) return (ColumnType.Date, f);
        foreach (var f in DateTimeFormats)
            if (Parses(all, b => Utf8Parsers.TryParseDateTime(b, f, out _))) return (ColumnType.DateTime, f);
        return (ColumnType.String, null);
    }

    static (ColumnSchema Column, string? WhyString) InferColumn(Profiling.ColumnProfile p, IReadOnlySet<string> nullTokens)
    {
        // Type from the full distinct list when exact; otherwise from what we have, and pass 2 proves it.
        var all = Values(p).Where(v => !nullTokens.Contains(v)).ToList();
        bool nullable = p.Nulls > 0 || Values(p).Any(nullTokens.Contains);
        var (type, format) = TypeAndFormat(all);
        long distinct = p.DistinctExact ? all.Count : p.Distinct;
        string? why = null;
        if (type == ColumnType.String)
        {
            if (p.DistinctExact && all.Count > 0 && distinct <= MaxCategoryValues && distinct * 10 <= Math.Max(p.Count, 1)) type = ColumnType.Category;
            else why = WhyString(all, p, distinct);
        }
        return (new ColumnSchema
        {
            Name = p.Name, Type = type, Nullable = nullable, Format = format,
            Allowed = type == ColumnType.Category ? all.Order(StringComparer.Ordinal).ToList() : null,
        }, why);
    }

    /// <summary>Why a text column is not a number, date, boolean or category: the nearest type's misfits, or its spread.</summary>
    static string WhyString(List<string> all, Profiling.ColumnProfile p, long distinct)
    {
        if (all.Count == 0) return "it has no values";
        var near = new (string Type, Func<byte[], bool> Parse)[]
        {
            ("integer", b => Utf8Parsers.TryParseInt64(b, out _)),
            ("float", b => Utf8Parsers.TryParseDouble(b, out _)),
            ("date", b => DateFormats.Any(f => Utf8Parsers.TryParseDate(b, f, out _))),
            ("datetime", b => DateTimeFormats.Any(f => Utf8Parsers.TryParseDateTime(b, f, out _))),
        }
        .Select(t => (t.Type, Misfits: all.Where(v => !t.Parse(Encoding.UTF8.GetBytes(v))).ToList()))
        .OrderBy(t => t.Misfits.Count).First();
        if (near.Misfits.Count * 2 <= all.Count)
            return $"{Count(near.Misfits.Count)} of {Count(all.Count)} distinct values do not read as {near.Type} ("
                + string.Join(", ", near.Misfits.Take(3).Select(v => $"'{v}'")) + (near.Misfits.Count > 3 ? ", ..." : "") + ")"
                + (near.Type is "date" or "datetime" ? " in one of the common formats: give the column a 'format'" : "");
        if (!p.DistinctExact || distinct > MaxCategoryValues)
            return $"{(p.DistinctExact ? "" : "about ")}{Count(distinct)} distinct values, more than the {MaxCategoryValues} of a category";
        return $"{Count(distinct)} distinct values in {Count(p.Count)} rows, too many for a category (at most one per 10 rows)";
    }

    /// <summary>For a day-first or month-first format that every value also reads in the other order: that format.</summary>
    static string? AmbiguousDayMonth(string format, Profiling.ColumnProfile p, IReadOnlySet<string> nullTokens)
    {
        string? other = format switch
        {
            "dd/MM/yyyy" => "MM/dd/yyyy", "MM/dd/yyyy" => "dd/MM/yyyy", "d/M/yyyy" => "M/d/yyyy", "M/d/yyyy" => "d/M/yyyy",
            "dd-MM-yyyy" => "MM-dd-yyyy", "MM-dd-yyyy" => "dd-MM-yyyy",
            "dd/MM/yyyy HH:mm:ss" => "MM/dd/yyyy HH:mm:ss", "dd/MM/yyyy HH:mm" => "MM/dd/yyyy HH:mm",
            _ => null,
        };
        if (other is null) return null;
        var all = Values(p).Where(v => !nullTokens.Contains(v)).ToList();
        bool date = !other.Contains(':', StringComparison.Ordinal);
        return all.Count > 0 && Parses(all, b => date ? Utf8Parsers.TryParseDate(b, other, out _) : Utf8Parsers.TryParseDateTime(b, other, out _)) ? other : null;
    }

    /// <summary>Writes a schema as the JSON the loader reads.</summary>
    public static string ToJson(DatasetSchema schema)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteNumber("schemaVersion", DatasetSchema.CurrentVersion);
            if (schema.Csv.Delimiter != (byte)',' || schema.Csv.NullTokens.Any(t => t.Length > 0))
            {
                w.WriteStartObject("csv");
                if (schema.Csv.Delimiter != (byte)',') w.WriteString("delimiter", ((char)schema.Csv.Delimiter).ToString());
                if (schema.Csv.NullTokens.Any(t => t.Length > 0))
                {
                    w.WriteStartArray("nullTokens");
                    foreach (var t in schema.Csv.NullTokens) w.WriteStringValue(t);
                    w.WriteEndArray();
                }
                w.WriteEndObject();
            }
            if (schema.ExtraColumns != ColumnPolicy.Error) w.WriteString("extraColumns", schema.ExtraColumns.ToString().ToLowerInvariant());
            w.WriteStartArray("columns");
            foreach (var c in schema.Columns)
            {
                w.WriteStartObject();
                w.WriteString("name", c.Name);
                w.WriteString("type", c.Type.ToString().ToLowerInvariant() is var t && t == "datetime" ? "datetime" : t);
                if (c.Format is { } format) w.WriteString("format", format);
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
        // An integer as its exact text: the double would write 9007199254740993 as 9007199254740992.
        if (c.Type == ColumnType.Integer && long.TryParse(b.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long exact)) w.WriteNumber(name, exact);
        else if (c.Type is ColumnType.Integer or ColumnType.Float) w.WriteNumber(name, b.Value);
        else w.WriteString(name, c.Type == ColumnType.Date ? b.Text : b.Text);
    }
}
