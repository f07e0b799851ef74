using System.Globalization;
using System.Text;
using MlBuild.Core.Data.Schema;
using MlBuild.Core.Data.Validation;
using MlBuild.Core.Diagnostics;

namespace MlBuild.Core.Tests.Schema;

/// <summary>
/// What `data infer` notices in real-world files: the delimiter, dates in common formats, placeholders standing in for
/// missing values, malformed records, and why a column stayed text. Each inferred schema is loaded back from its JSON
/// and run against the file it came from.
/// </summary>
public sealed class SchemaInferenceFindingsTests : IDisposable
{
    readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    static readonly string[] Months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

    /// <summary>
    /// A penguins-style file of 344 rows: NA in two numeric columns and in sex, a lone '.' in sex (line 338), an
    /// egg date like "Jun 12 1998", a day-first date, an ISO date, and free text that holds commas.
    /// </summary>
    string Penguins(string file, char delimiter)
    {
        var sb = new StringBuilder(string.Join(delimiter, "id", "species", "bill length (mm)", "body_mass_g", "sex", "egg date", "sampled", "measured", "comment") + "\n");
        string[] species = ["Adelie", "Gentoo", "Chinstrap"];
        for (int i = 0; i < 344; i++)
        {
            bool missing = i is 3 or 271;
            string sex = i == 336 ? "." : i is 3 or 8 or 9 or 10 or 11 or 47 or 178 ? "NA" : i % 2 == 0 ? "MALE" : "FEMALE";
            sb.Append(string.Join(delimiter,
                (i + 1).ToString(CultureInfo.InvariantCulture),
                species[i % 3],
                missing ? "NA" : (32 + i % 280 / 10.0).ToString("0.0", CultureInfo.InvariantCulture),
                missing ? "NA" : (2700 + i * 10).ToString(CultureInfo.InvariantCulture),
                sex,
                $"{Months[i % 12]} {10 + i % 19} {2007 + i % 3}",
                $"{1 + i % 28:00}/{1 + i % 12:00}/2008",
                $"2009-{1 + i % 12:00}-{1 + i % 28:00}",
                delimiter == ',' ? $"\"nest {i % 40}, site {i % 7}\"" : $"nest {i % 40}, site {i % 7}")).Append('\n');
        }
        _dir.Write(file, sb.ToString());
        return file;
    }

    InferenceResult Infer(string file, byte? delimiter = null) => SchemaInferrer.Infer("data", [file], _dir.Path, delimiter: delimiter);

    ValidationResult ValidateWithWrittenJson(InferenceResult inferred, string file)
    {
        var reloaded = SchemaLoader.Parse(Encoding.UTF8.GetBytes(inferred.Json), "data.schema.json");
        return DatasetValidator.Validate(new DatasetRequest("data", [file], reloaded, _dir.Path));
    }

    [Theory]
    [InlineData(',')]
    [InlineData(';')]
    [InlineData('\t')]
    [InlineData('|')]
    public void The_delimiter_is_detected_and_written_into_the_schema(char delimiter)
    {
        var file = Penguins("penguins.txt", delimiter);
        var inferred = Infer(file);
        Assert.Equal((byte)delimiter, inferred.Schema.Csv.Delimiter);
        Assert.Equal(9, inferred.Schema.Columns.Count);
        Assert.Equal(ColumnType.Float, inferred.Schema.Columns.Single(c => c.Name == "bill length (mm)").Type);
        Assert.Equal(delimiter != ',', inferred.Json.Contains("\"delimiter\"", StringComparison.Ordinal));
        Assert.Equal(0, ValidateWithWrittenJson(inferred, file).ExitCode);
    }

    [Fact]
    public void A_given_delimiter_wins_over_detection()
    {
        // A one-column file whose header and values hold semicolons: detection splits it, the user says it is one column.
        _dir.Write("notes.csv", "path;kind;n\n" + string.Concat(Enumerable.Range(0, 30).Select(i => $"a;b;{i}\n")));
        Assert.Equal(3, Infer("notes.csv").Schema.Columns.Count);
        var inferred = Infer("notes.csv", (byte)',');
        Assert.Equal("path;kind;n", Assert.Single(inferred.Schema.Columns).Name);
        Assert.Equal(0, ValidateWithWrittenJson(inferred, "notes.csv").ExitCode);
    }

    [Fact]
    public void Common_date_formats_become_dates_with_the_format_that_reads_them()
    {
        var file = Penguins("penguins.csv", ',');
        var inferred = Infer(file);
        var byName = inferred.Schema.Columns.ToDictionary(c => c.Name);
        Assert.Equal((ColumnType.Date, "MMM dd yyyy"), (byName["egg date"].Type, byName["egg date"].Format));
        Assert.Equal((ColumnType.Date, "dd/MM/yyyy"), (byName["sampled"].Type, byName["sampled"].Format));
        Assert.Equal((ColumnType.Date, (string?)null), (byName["measured"].Type, byName["measured"].Format));
        Assert.Contains("\"format\": \"MMM dd yyyy\"", inferred.Json, StringComparison.Ordinal);
        Assert.Equal(new DateOnly(2007, 1, 10).DayNumber, byName["egg date"].Min!.Value);
        Assert.Equal(0, ValidateWithWrittenJson(inferred, file).ExitCode);
        // Days past 12 decide day-first: no ambiguity to warn about.
        Assert.DoesNotContain(inferred.Diagnostics, d => d.Code == "MLB1022");

        // The written format is checked: a date in another form now fails validation.
        _dir.Write("other.csv", File.ReadAllText(Path.Combine(_dir.Path, file)).Replace("Jan 10 2007", "2007-01-10", StringComparison.Ordinal));
        var reloaded = SchemaLoader.Parse(Encoding.UTF8.GetBytes(inferred.Json), "data.schema.json");
        var other = DatasetValidator.Validate(new DatasetRequest("data", ["other.csv"], reloaded, _dir.Path));
        Assert.Contains(other.Checks, c => c.Column == "egg date" && c.Kind == "type" && c.Failures > 0);
    }

    [Fact]
    public void Dates_whose_days_are_all_12_or_less_are_inferred_with_a_warning_that_day_and_month_are_ambiguous()
    {
        _dir.Write("d.csv", "id,when\n" + string.Concat(Enumerable.Range(1, 40).Select(i => $"{i},{1 + i % 12:00}/{1 + i % 7:00}/2020\n")));
        var inferred = Infer("d.csv");
        var when = inferred.Schema.Columns.Single(c => c.Name == "when");
        Assert.Equal((ColumnType.Date, "dd/MM/yyyy"), (when.Type, when.Format));
        var warning = Assert.Single(inferred.Diagnostics, d => d.Code == "MLB1022");
        Assert.Equal((MlSeverity.Warning, "d.csv", 1, 2), (warning.Severity, warning.File, warning.Line, warning.Column));
        Assert.Contains("'MM/dd/yyyy'", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Placeholders_become_null_tokens_with_a_located_warning_instead_of_allowed_values()
    {
        var file = Penguins("penguins.csv", ',');
        var inferred = Infer(file);
        var byName = inferred.Schema.Columns.ToDictionary(c => c.Name);
        // NA where every other value is a number: the columns stay numeric and nullable.
        Assert.Equal(ColumnType.Float, byName["bill length (mm)"].Type);
        Assert.True(byName["bill length (mm)"].Nullable);
        Assert.Equal(ColumnType.Integer, byName["body_mass_g"].Type);
        // The lone '.' (and the rare NA) are not categories of sex.
        Assert.Equal(ColumnType.Category, byName["sex"].Type);
        Assert.Equal(["FEMALE", "MALE"], byName["sex"].Allowed);
        Assert.True(byName["sex"].Nullable);
        Assert.Equal(["", ".", "NA"], inferred.Schema.Csv.NullTokens);
        Assert.Contains("\"nullTokens\"", inferred.Json, StringComparison.Ordinal);

        var dot = Assert.Single(inferred.Diagnostics, d => d.Code == "MLB1020" && d.Message.Contains("value '.'", StringComparison.Ordinal));
        Assert.Equal((MlSeverity.Warning, 338, 5), (dot.Severity, dot.Line, dot.Column));
        Assert.Contains("column 'sex' value '.' (1 of 344 rows)", dot.Message, StringComparison.Ordinal);
        var mass = Assert.Single(inferred.Diagnostics, d => d.Code == "MLB1020" && d.Message.Contains("'body_mass_g'", StringComparison.Ordinal));
        Assert.Equal((5, 4), (mass.Line, mass.Column));
        Assert.Equal(0, ValidateWithWrittenJson(inferred, file).ExitCode);
    }

    [Fact]
    public void A_placeholder_among_more_distinct_values_than_are_listed_is_found_by_the_type_proof()
    {
        // Pass 1 lists at most 50 distinct values here, so the one NA (line 202) is not among them; the type proof
        // finds it, and it becomes a null token instead of turning the column into text.
        _dir.Write("big.csv", "id,weight\n" + string.Concat(Enumerable.Range(1, 400).Select(i => $"{i},{(i == 201 ? "NA" : (i % 150 + 0.5).ToString(CultureInfo.InvariantCulture))}\n")));
        var inferred = SchemaInferrer.Infer("big", ["big.csv"], _dir.Path, new ValidationOptions { MaxDistinctValues = 50 });
        var weight = inferred.Schema.Columns.Single(c => c.Name == "weight");
        Assert.Equal((ColumnType.Float, true), (weight.Type, weight.Nullable));
        Assert.Contains("NA", inferred.Schema.Csv.NullTokens);
        var warning = Assert.Single(inferred.Diagnostics, d => d.Code == "MLB1020");
        Assert.Equal((202, 2), (warning.Line, warning.Column));
        Assert.Equal(0, ValidateWithWrittenJson(inferred, "big.csv").ExitCode);
    }

    [Fact]
    public void A_frequent_placeholder_like_value_of_a_text_column_stays_a_value()
    {
        // '-' in a third of the rows of a category is a value someone chose, not a stray placeholder.
        _dir.Write("t.csv", "id,trend\n" + string.Concat(Enumerable.Range(1, 60).Select(i => $"{i},{(i % 3 == 0 ? "-" : i % 3 == 1 ? "up" : "down")}\n")));
        var inferred = Infer("t.csv");
        var trend = inferred.Schema.Columns.Single(c => c.Name == "trend");
        Assert.Equal(["-", "down", "up"], trend.Allowed);
        Assert.False(trend.Nullable);
        Assert.Equal([""], inferred.Schema.Csv.NullTokens);
        Assert.DoesNotContain(inferred.Diagnostics, d => d.Code == "MLB1020");
    }

    [Fact]
    public void A_record_with_too_many_fields_is_warned_about_and_not_accepted_by_the_schema()
    {
        _dir.Write("m.csv", "id,city,size\n1,Oslo,3\n2,Bergen,4\n3,Trondheim,Sor,5\n4,Oslo,6\n");
        var inferred = Infer("m.csv");
        var warning = Assert.Single(inferred.Diagnostics, d => d.Code == "MLB1013");
        Assert.Equal((MlSeverity.Warning, "m.csv", 4), (warning.Severity, warning.File, warning.Line));
        Assert.Contains("left out of the inference", warning.Message, StringComparison.Ordinal);
        // The schema does not paper over it: validating the same file fails at that record.
        var result = ValidateWithWrittenJson(inferred, "m.csv");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains(result.Checks, c => c.Code == "MLB1013" && c.Failures == 1);
    }

    [Fact]
    public void A_column_left_as_string_says_why_at_its_header_cell()
    {
        var sb = new StringBuilder("id,code,name,taken\n");
        for (int i = 1; i <= 120; i++)
            sb.Append($"{i},{(i % 40 == 0 ? "12a" : (i % 30).ToString(CultureInfo.InvariantCulture))},person {i},{(i % 40 == 0 ? "soon" : $"1998/06/{1 + i % 28:00} 10:00:00")}\n");
        _dir.Write("s.csv", sb.ToString());
        var inferred = Infer("s.csv");
        var notes = inferred.Diagnostics.Where(d => d.Code == "MLB1021").ToDictionary(d => d.Column);
        Assert.All(notes.Values, n => Assert.Equal((MlSeverity.Info, "s.csv", 1), (n.Severity, n.File, n.Line)));
        Assert.Contains("1 of 31 distinct values do not read as integer ('12a')", notes[2].Message, StringComparison.Ordinal);
        Assert.Contains("120 distinct values, more than the 50 of a category", notes[3].Message, StringComparison.Ordinal);
        Assert.Contains("1 of 29 distinct values do not read as datetime ('soon') in one of the common formats", notes[4].Message, StringComparison.Ordinal);
        Assert.DoesNotContain(1, notes.Keys);
    }

    [Fact]
    public void A_key_like_column_all_distinct_and_never_null_is_unique()
    {
        _dir.Write("k.csv", "code,group,label\n" + string.Concat(Enumerable.Range(1, 80).Select(i => $"K-{i:000},{i % 4},{(i == 5 ? "" : "l" + i.ToString(CultureInfo.InvariantCulture))}\n")));
        var byName = Infer("k.csv").Schema.Columns.ToDictionary(c => c.Name);
        Assert.True(byName["code"].Unique);
        Assert.False(byName["group"].Unique);
        Assert.False(byName["label"].Unique); // one empty cell: not a key
    }
}
