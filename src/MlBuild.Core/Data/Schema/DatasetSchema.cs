using System.Text.RegularExpressions;

namespace MlBuild.Core.Data.Schema;

/// <summary>The logical type of a column, as declared in a schema file.</summary>
public enum ColumnType
{
    /// <summary>64-bit signed integer.</summary>
    Integer,
    /// <summary>64-bit floating point; must be finite.</summary>
    Float,
    /// <summary>true/false, 1/0, yes/no, t/f (case-insensitive).</summary>
    Boolean,
    /// <summary>Free text.</summary>
    String,
    /// <summary>Text drawn from a small set of values.</summary>
    Category,
    /// <summary>A calendar date (default format yyyy-MM-dd).</summary>
    Date,
    /// <summary>A date and time (default ISO 8601).</summary>
    DateTime,
}

/// <summary>What to do when the data has columns the schema does not declare, or lacks declared ones.</summary>
public enum ColumnPolicy
{
    /// <summary>Report an error.</summary>
    Error,
    /// <summary>Report a warning.</summary>
    Warn,
    /// <summary>Say nothing.</summary>
    Ignore,
}

/// <summary>A bound on a column's values; numbers for numeric columns, ISO text for dates.</summary>
/// <param name="Value">The bound as a double (dates: days since 0001-01-01; datetimes: ticks).</param>
/// <param name="Text">The bound as written in the schema, for messages.</param>
/// <param name="Exclusive">Whether the bound itself is outside the allowed range.</param>
public sealed record Bound(double Value, string Text, bool Exclusive)
{
    /// <summary>The bound exactly, for date (day number) and datetime (ticks) bounds, which <see cref="Value"/> may round;
    /// null for numbers, whose <see cref="Text"/> is read exactly when an integer column compares with it.</summary>
    public long? Integer { get; init; }
}

/// <summary>One column of a dataset schema.</summary>
public sealed class ColumnSchema
{
    /// <summary>The column name, matched against the header (ordinal, case-sensitive).</summary>
    public required string Name { get; init; }
    /// <summary>The logical type.</summary>
    public required ColumnType Type { get; init; }
    /// <summary>Whether empty cells (and missing-value tokens) are allowed.</summary>
    public bool Nullable { get; init; } = true;
    /// <summary>Whether the column must be present in the data.</summary>
    public bool Required { get; init; } = true;
    /// <summary>Lower bound, or null.</summary>
    public Bound? Min { get; init; }
    /// <summary>Upper bound, or null.</summary>
    public Bound? Max { get; init; }
    /// <summary>Allowed values (exact, ordinal), or null.</summary>
    public IReadOnlyList<string>? Allowed { get; init; }
    /// <summary>A regular expression every non-null value must match in full, or null.</summary>
    public Regex? Pattern { get; init; }
    /// <summary>The pattern as written.</summary>
    public string? PatternText { get; init; }
    /// <summary>The schema file that declares the pattern (as diagnostics name it), or null.</summary>
    public string? PatternFile { get; init; }
    /// <summary>1-based line of the pattern in the schema file, or 0.</summary>
    public int PatternLine { get; init; }
    /// <summary>1-based column of the pattern in the schema file, or 0.</summary>
    public int PatternColumn { get; init; }
    /// <summary>Minimum string length in characters, or null.</summary>
    public int? MinLength { get; init; }
    /// <summary>Maximum string length in characters, or null.</summary>
    public int? MaxLength { get; init; }
    /// <summary>Whether non-null values must be distinct.</summary>
    public bool Unique { get; init; }
    /// <summary>Date or datetime format (.NET custom format string), or null for the default.</summary>
    public string? Format { get; init; }
    /// <summary>Tolerated failing share per check name (e.g. "min" → 0.01); a check passes while its share is at most this.</summary>
    public IReadOnlyDictionary<string, double> Tolerance { get; init; } = new Dictionary<string, double>();
    /// <summary>Line of the column's declaration in the schema file, for messages.</summary>
    public int SchemaLine { get; init; }
}

/// <summary>Comparison operators for <see cref="RowRule"/>.</summary>
public enum CompareOp
{
    /// <summary>&lt;</summary>
    Less,
    /// <summary>&lt;=</summary>
    LessOrEqual,
    /// <summary>&gt;</summary>
    Greater,
    /// <summary>&gt;=</summary>
    GreaterOrEqual,
    /// <summary>==</summary>
    Equal,
    /// <summary>!=</summary>
    NotEqual,
}

/// <summary>A comparison between two columns of the same row (e.g. <c>end_date &gt;= start_date</c>) or between a column and a
/// constant (e.g. <c>age &gt;= 18</c>); skipped when a column side is null.</summary>
public sealed class RowRule
{
    /// <summary>The rule's name, used in messages and reports.</summary>
    public required string Name { get; init; }
    /// <summary>Left column's name, or the constant's text when <see cref="LeftConstant"/> is set.</summary>
    public required string Left { get; init; }
    /// <summary>The left side's value when it is a constant, in the unit the other column compares in (number, day number, ticks).</summary>
    public double? LeftConstant { get; init; }
    /// <summary>The left constant exactly (day number or ticks) when the column is a date or datetime, which a double may round.</summary>
    public long? LeftConstantInteger { get; init; }
    /// <summary>Operator.</summary>
    public required CompareOp Op { get; init; }
    /// <summary>Right column's name, or the constant's text when <see cref="RightConstant"/> is set.</summary>
    public required string Right { get; init; }
    /// <summary>The right side's value when it is a constant, in the unit the other column compares in (number, day number, ticks).</summary>
    public double? RightConstant { get; init; }
    /// <summary>The right constant exactly (day number or ticks) when the column is a date or datetime, which a double may round.</summary>
    public long? RightConstantInteger { get; init; }
    /// <summary>The rule as written.</summary>
    public required string Text { get; init; }
    /// <summary>Tolerated failing share.</summary>
    public double Tolerance { get; init; }
}

/// <summary>How a CSV file is read.</summary>
public sealed class CsvFormat
{
    /// <summary>Field delimiter (one ASCII byte).</summary>
    public byte Delimiter { get; init; } = (byte)',';
    /// <summary>Whether the first record is a header.</summary>
    public bool Header { get; init; } = true;
    /// <summary>Cell texts that mean "missing" (compared after unquoting). The empty cell is always missing.</summary>
    public IReadOnlyList<string> NullTokens { get; init; } = [""];
}

/// <summary>A versioned dataset schema (see docs/schema.md).</summary>
public sealed class DatasetSchema
{
    /// <summary>The schema format version this engine reads.</summary>
    public const int CurrentVersion = 1;
    /// <summary>Declared columns in order.</summary>
    public required IReadOnlyList<ColumnSchema> Columns { get; init; }
    /// <summary>Cross-column rules.</summary>
    public IReadOnlyList<RowRule> Rules { get; init; } = [];
    /// <summary>Minimum row count, or null.</summary>
    public long? MinRows { get; init; }
    /// <summary>Maximum row count, or null.</summary>
    public long? MaxRows { get; init; }
    /// <summary>What to do with data columns the schema does not declare.</summary>
    public ColumnPolicy ExtraColumns { get; init; } = ColumnPolicy.Error;
    /// <summary>What to do with declared required columns the data lacks.</summary>
    public ColumnPolicy MissingColumns { get; init; } = ColumnPolicy.Error;
    /// <summary>How CSV files are read.</summary>
    public CsvFormat Csv { get; init; } = new();
    /// <summary>The schema file path, for messages.</summary>
    public string? SourcePath { get; init; }
}
