using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using MlBuild.Core.Diagnostics;
using MlBuild.Core.Json;

namespace MlBuild.Core.Data.Schema;

/// <summary>Reads a schema file; every mistake is an MLB91xx diagnostic at its line and column, never an exception trace.</summary>
public static class SchemaLoader
{
    static readonly HashSet<string> RootKeys = ["$schema", "schemaVersion", "description", "csv", "columns", "rows", "extraColumns", "missingColumns", "rules"];
    static readonly HashSet<string> ColumnKeys = ["name", "type", "description", "nullable", "required", "min", "max", "exclusiveMin", "exclusiveMax",
        "allowed", "pattern", "minLength", "maxLength", "unique", "format", "tolerance"];
    /// <summary>Every type spelling the loader accepts (docs/schema.md, mlbuild-data-schema.json): the seven names and the
    /// common aliases whose meaning is not in doubt. Case-sensitive, as every other name in the file.</summary>
    internal static readonly IReadOnlyDictionary<string, ColumnType> TypeSpellings = new Dictionary<string, ColumnType>(StringComparer.Ordinal)
    {
        ["integer"] = ColumnType.Integer, ["int"] = ColumnType.Integer, ["int64"] = ColumnType.Integer,
        ["float"] = ColumnType.Float, ["double"] = ColumnType.Float, ["float64"] = ColumnType.Float,
        ["boolean"] = ColumnType.Boolean, ["bool"] = ColumnType.Boolean,
        ["string"] = ColumnType.String,
        ["category"] = ColumnType.Category,
        ["date"] = ColumnType.Date,
        ["datetime"] = ColumnType.DateTime,
    };

    // Refused spellings with the type they most likely mean. 'number' is refused because in JSON Schema it takes
    // integers too: whether the author meant integer or float is a guess the loader should not make silently.
    static readonly Dictionary<string, string> RefusedSpellings = new(StringComparer.OrdinalIgnoreCase)
    {
        ["number"] = "float", ["numeric"] = "float", ["real"] = "float", ["decimal"] = "float", ["float32"] = "float", ["single"] = "float",
        ["long"] = "integer", ["int32"] = "integer", ["short"] = "integer",
        ["str"] = "string", ["text"] = "string", ["varchar"] = "string",
        ["categorical"] = "category", ["enum"] = "category",
        ["timestamp"] = "datetime", ["date-time"] = "datetime",
    };

    static string DidYouMean(string typeText)
    {
        if (RefusedSpellings.TryGetValue(typeText, out var meant)) return $" Did you mean '{meant}'?";
        // A known spelling in another case ("Integer", "BOOL"): names are case-sensitive, so say which one.
        foreach (var known in TypeSpellings.Keys)
            if (string.Equals(known, typeText, StringComparison.OrdinalIgnoreCase)) return $" Did you mean '{known}'? Type names are lower case.";
        return "";
    }

    static readonly HashSet<string> CheckNames = ["type", "notNull", "min", "max", "allowed", "pattern", "length", "unique"];

    /// <summary>Loads and checks a schema file. <paramref name="displayPath"/> is how diagnostics name the file.</summary>
    public static DatasetSchema Load(string path, string? displayPath = null)
    {
        displayPath ??= path;
        if (!File.Exists(path))
            throw Error(DiagnosticCodes.SchemaNotFound, $"Schema file '{displayPath}' was not found.", displayPath, 0, 0);
        return Parse(ReadBounded(path, displayPath), displayPath);
    }

    /// <summary>No schema is larger than this; a bigger file (or a device that never ends) is refused before it fills memory.</summary>
    public const int MaxSchemaBytes = 64 << 20;

    static byte[] ReadBounded(string path, string displayPath)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.SequentialScan);
            using var buffer = new MemoryStream();
            var chunk = new byte[81920];
            int n;
            while ((n = stream.Read(chunk, 0, chunk.Length)) > 0)
            {
                if (buffer.Length + n > MaxSchemaBytes)
                    throw Error(DiagnosticCodes.SchemaUnreadable,
                        $"Schema file '{displayPath}' is larger than {MaxSchemaBytes >> 20} MiB: it is not a schema (a device or an endless stream?).", displayPath, 0, 0);
                buffer.Write(chunk, 0, n);
            }
            return buffer.ToArray();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw Error(DiagnosticCodes.SchemaUnreadable, $"Schema file '{displayPath}' cannot be read ({ex.Message}).", displayPath, 0, 0);
        }
    }

    /// <summary>Parses schema JSON (UTF-8 bytes).</summary>
    public static DatasetSchema Parse(byte[] utf8, string displayPath)
    {
        var root = PositionedJson.Parse(utf8, displayPath, DiagnosticCodes.SchemaJson);
        var ctx = new Ctx(displayPath);
        ctx.Expect(root, PositionedJsonKind.Object, "the schema");
        ctx.CheckKeys(root, RootKeys, "schema");

        var version = root["schemaVersion"] ?? throw ctx.Missing(root, "schemaVersion", "the schema (use 1)");
        if (ctx.Int(version, "schemaVersion") != DatasetSchema.CurrentVersion)
            throw ctx.At(DiagnosticCodes.SchemaVersion, version, $"schemaVersion {version.Text} is not supported; this MlBuild reads version {DatasetSchema.CurrentVersion}.");

        var csv = new CsvFormat();
        if (root["csv"] is { } csvNode)
        {
            ctx.Expect(csvNode, PositionedJsonKind.Object, "'csv'");
            ctx.CheckKeys(csvNode, new[] { "delimiter", "header", "nullTokens" }, "csv");
            byte delimiter = (byte)',';
            if (csvNode["delimiter"] is { } d)
            {
                var s = ctx.String(d, "csv.delimiter");
                if (s == "\\t") s = "\t";
                if (s.Length != 1 || s[0] > 127 || s[0] is '"' or '\n' or '\r')
                    throw ctx.At(DiagnosticCodes.SchemaInvalidValue, d, $"csv.delimiter must be one ASCII character other than a quote or newline, not '{s}'.");
                delimiter = (byte)s[0];
            }
            var tokens = csvNode["nullTokens"] is { } nt ? ctx.StringList(nt, "csv.nullTokens") : [""];
            if (!tokens.Contains("")) tokens = ["", .. tokens];
            csv = new CsvFormat { Delimiter = delimiter, Header = csvNode["header"] is { } h ? ctx.Bool(h, "csv.header") : true, NullTokens = tokens };
        }

        var columnsNode = root["columns"] ?? throw ctx.Missing(root, "columns", "the schema");
        ctx.Expect(columnsNode, PositionedJsonKind.Array, "'columns'");
        var columns = new List<ColumnSchema>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var c in columnsNode.Items)
        {
            var col = ParseColumn(ctx, c);
            if (!seen.Add(col.Name))
                throw ctx.At(DiagnosticCodes.SchemaDuplicateColumn, c, $"Column '{col.Name}' is declared twice.");
            columns.Add(col);
        }

        long? minRows = null, maxRows = null;
        if (root["rows"] is { } rows)
        {
            ctx.Expect(rows, PositionedJsonKind.Object, "'rows'");
            ctx.CheckKeys(rows, new[] { "min", "max" }, "rows");
            if (rows["min"] is { } mn) minRows = ctx.Long(mn, "rows.min");
            if (rows["max"] is { } mx) maxRows = ctx.Long(mx, "rows.max");
        }

        var rules = new List<RowRule>();
        if (root["rules"] is { } rulesNode)
        {
            ctx.Expect(rulesNode, PositionedJsonKind.Array, "'rules'");
            foreach (var r in rulesNode.Items)
                rules.Add(ParseRule(ctx, r, columns));
        }

        return new DatasetSchema
        {
            Columns = columns,
            Rules = rules,
            MinRows = minRows,
            MaxRows = maxRows,
            ExtraColumns = root["extraColumns"] is { } ec ? ctx.Policy(ec, "extraColumns") : ColumnPolicy.Error,
            MissingColumns = root["missingColumns"] is { } mc ? ctx.Policy(mc, "missingColumns") : ColumnPolicy.Error,
            Csv = csv,
            SourcePath = displayPath,
        };
    }

    static ColumnSchema ParseColumn(Ctx ctx, PositionedJson c)
    {
        ctx.Expect(c, PositionedJsonKind.Object, "a column");
        ctx.CheckKeys(c, ColumnKeys, "column");
        var nameNode = c["name"] ?? throw ctx.Missing(c, "name", "a column");
        var name = ctx.String(nameNode, "name");
        if (name.Length == 0) throw ctx.At(DiagnosticCodes.SchemaInvalidValue, nameNode, "A column name must not be empty.");
        var typeNode = c["type"] ?? throw ctx.Missing(c, "type", $"column '{name}'");
        var typeText = ctx.String(typeNode, "type");
        if (!TypeSpellings.TryGetValue(typeText, out var type))
            throw ctx.At(DiagnosticCodes.SchemaUnknownType, typeNode,
                $"Column '{name}' has unknown type '{typeText}'.{DidYouMean(typeText)} Use one of: integer, float, boolean, string, category, date, datetime.");
        string? format = c["format"] is { } f ? ctx.String(f, "format") : null;
        if (format is not null && type is not (ColumnType.Date or ColumnType.DateTime))
            throw ctx.At(DiagnosticCodes.SchemaInvalidValue, c["format"]!, $"'format' applies to date and datetime columns; column '{name}' is {typeText}.");
        if (format is not null)
        {
            try { _ = DateTime.MinValue.ToString(format, CultureInfo.InvariantCulture); }
            catch (FormatException) { throw ctx.At(DiagnosticCodes.SchemaInvalidValue, c["format"]!, $"Column '{name}' has an invalid date format '{format}'."); }
        }

        bool ordered = type is ColumnType.Integer or ColumnType.Float or ColumnType.Date or ColumnType.DateTime;
        bool textual = type is ColumnType.String or ColumnType.Category;
        Bound? min = null, max = null;
        if (c["min"] is { } minNode)
        {
            if (!ordered) throw ctx.At(DiagnosticCodes.SchemaInvalidValue, minNode, $"'min' applies to numeric, date and datetime columns; column '{name}' is {typeText}.");
            min = ctx.Bound(minNode, type, format, c["exclusiveMin"] is { } em && ctx.Bool(em, "exclusiveMin"), name);
        }
        if (c["max"] is { } maxNode)
        {
            if (!ordered) throw ctx.At(DiagnosticCodes.SchemaInvalidValue, maxNode, $"'max' applies to numeric, date and datetime columns; column '{name}' is {typeText}.");
            max = ctx.Bound(maxNode, type, format, c["exclusiveMax"] is { } ex && ctx.Bool(ex, "exclusiveMax"), name);
        }
        if (min is not null && max is not null && min.Value > max.Value)
            throw ctx.At(DiagnosticCodes.SchemaInvalidValue, c["max"]!, $"Column '{name}' has max {max.Text} below min {min.Text}.");

        IReadOnlyList<string>? allowed = null;
        if (c["allowed"] is { } allowedNode)
        {
            if (!textual && type != ColumnType.Integer)
                throw ctx.At(DiagnosticCodes.SchemaInvalidValue, allowedNode, $"'allowed' applies to string, category and integer columns; column '{name}' is {typeText}.");
            allowed = ctx.StringList(allowedNode, "allowed", acceptNumbers: true);
        }

        Regex? pattern = null;
        string? patternText = null;
        if (c["pattern"] is { } p)
        {
            if (!textual) throw ctx.At(DiagnosticCodes.SchemaInvalidValue, p, $"'pattern' applies to string and category columns; column '{name}' is {typeText}.");
            patternText = ctx.String(p, "pattern");
            try
            {
                pattern = CompilePattern(patternText);
            }
            catch (ArgumentException e)
            {
                throw ctx.At(DiagnosticCodes.SchemaInvalidPattern, p, $"Column '{name}' has an invalid pattern: {e.Message}");
            }
        }
        int? minLength = null, maxLength = null;
        if (c["minLength"] is { } mnl) { if (!textual) throw ctx.At(DiagnosticCodes.SchemaInvalidValue, mnl, $"'minLength' applies to string and category columns."); minLength = ctx.Int(mnl, "minLength"); }
        if (c["maxLength"] is { } mxl) { if (!textual) throw ctx.At(DiagnosticCodes.SchemaInvalidValue, mxl, $"'maxLength' applies to string and category columns."); maxLength = ctx.Int(mxl, "maxLength"); }

        var tolerance = new Dictionary<string, double>();
        if (c["tolerance"] is { } tol)
        {
            if (tol.Kind == PositionedJsonKind.Number)
            {
                var share = ctx.Share(tol, "tolerance");
                foreach (var check in CheckNames) tolerance[check] = share;
            }
            else
            {
                ctx.Expect(tol, PositionedJsonKind.Object, "'tolerance'");
                foreach (var (check, l, col, v) in tol.Members)
                {
                    if (!CheckNames.Contains(check))
                        throw ctx.At(DiagnosticCodes.SchemaUnknownProperty, l, col, $"Unknown check '{check}' in tolerance of column '{name}'. Checks: {string.Join(", ", CheckNames.Order(StringComparer.Ordinal))}.");
                    tolerance[check] = ctx.Share(v, "tolerance." + check);
                }
            }
        }

        return new ColumnSchema
        {
            Name = name,
            Type = type,
            Nullable = c["nullable"] is { } n ? ctx.Bool(n, "nullable") : true,
            Required = c["required"] is { } r ? ctx.Bool(r, "required") : true,
            Min = min,
            Max = max,
            Allowed = allowed,
            Pattern = pattern,
            PatternText = patternText,
            PatternFile = pattern is null ? null : ctx.File,
            PatternLine = c["pattern"]?.Line ?? 0,
            PatternColumn = c["pattern"]?.Column ?? 0,
            MinLength = minLength,
            MaxLength = maxLength,
            Unique = c["unique"] is { } u && ctx.Bool(u, "unique"),
            Format = format,
            Tolerance = tolerance,
            SchemaLine = c.Line,
        };
    }

    /// <summary>
    /// Anchored so the whole value must match. The non-backtracking engine runs in time linear in the value, so a
    /// pattern like (a+)+$ cannot stall a build; patterns it does not support (backreferences, lookarounds, atomic
    /// groups) fall back to the backtracking engine with a per-match timeout, and the first timeout stops the run with
    /// MLB9112 (ValueChecks.Text), so a whole check is bounded by about one timeout rather than one per distinct value.
    /// </summary>
    internal static Regex CompilePattern(string patternText)
    {
        var anchored = $"^(?:{patternText})$";
        try
        {
            return new Regex(anchored, RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);
        }
        catch (NotSupportedException)
        {
            return new Regex(anchored, RegexOptions.CultureInvariant, PatternTimeout);
        }
    }

    /// <summary>How long one backtracking pattern match may run before the run stops with MLB9112.</summary>
    internal static readonly TimeSpan PatternTimeout = TimeSpan.FromSeconds(1);

    static readonly Regex BareName = new(@"\G[A-Za-z_][\w.\-]*", RegexOptions.CultureInvariant);
    static readonly Regex NumberConstant = new(@"\G[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", RegexOptions.CultureInvariant);
    static readonly string[] Operators = ["<=", ">=", "==", "!=", "<", ">"];

    /// <summary>One side of a rule as written: a column name (bare, `backticked` or "double-quoted"), a number, or a
    /// 'single-quoted' constant (a date or datetime).</summary>
    readonly record struct RuleOperand(string Text, bool IsColumn, bool IsQuotedConstant);

    static RowRule ParseRule(Ctx ctx, PositionedJson r, List<ColumnSchema> columns)
    {
        ctx.Expect(r, PositionedJsonKind.Object, "a rule");
        ctx.CheckKeys(r, new[] { "name", "check", "tolerance", "description" }, "rule");
        var checkNode = r["check"] ?? throw ctx.Missing(r, "check", "a rule (e.g. \"end_date >= start_date\")");
        var text = ctx.String(checkNode, "check");
        MlBuildException Invalid(string why) => ctx.At(DiagnosticCodes.SchemaInvalidRule, checkNode, $"Rule '{text}' {why}");
        const string Form = "is not of the form 'left OP right' with OP one of < <= > >= == != and each side a column " +
            "(`Name with spaces` or \"Name\" when it is not a plain identifier), a number or a 'quoted' date.";

        int pos = 0;
        var left = ReadOperand(text, ref pos) ?? throw Invalid(Form);
        SkipSpaces(text, ref pos);
        var opText = Operators.FirstOrDefault(o => string.CompareOrdinal(text, pos, o, 0, o.Length) == 0) ?? throw Invalid(Form);
        pos += opText.Length;
        var right = ReadOperand(text, ref pos) ?? throw Invalid(Form);
        SkipSpaces(text, ref pos);
        if (pos != text.Length) throw Invalid(Form);
        if (!left.IsColumn && !right.IsColumn) throw Invalid("compares two constants; a rule compares a column with a column or a constant.");

        ColumnSchema Column(RuleOperand side)
        {
            var col = columns.FirstOrDefault(c => c.Name == side.Text)
                ?? throw Invalid($"names column '{side.Text}', which the schema does not declare.");
            if (col.Type is ColumnType.String or ColumnType.Category or ColumnType.Boolean)
                throw Invalid($"compares column '{side.Text}' of type {TypeName(col.Type)}; rules compare numeric, date and datetime columns.");
            return col;
        }
        var leftCol = left.IsColumn ? Column(left) : null;
        var rightCol = right.IsColumn ? Column(right) : null;
        if (leftCol is not null && rightCol is not null && Family(leftCol.Type) != Family(rightCol.Type))
            throw Invalid($"compares column '{leftCol.Name}' of type {TypeName(leftCol.Type)} with column '{rightCol.Name}' of type {TypeName(rightCol.Type)}; both sides need the same kind (numbers, dates or datetimes).");
        var (leftConstant, leftInteger) = leftCol is null ? Constant(left, rightCol!, Invalid) : (null, null);
        var (rightConstant, rightInteger) = rightCol is null ? Constant(right, leftCol!, Invalid) : (null, null);

        var op = opText switch
        {
            "<" => CompareOp.Less,
            "<=" => CompareOp.LessOrEqual,
            ">" => CompareOp.Greater,
            ">=" => CompareOp.GreaterOrEqual,
            "==" => CompareOp.Equal,
            _ => CompareOp.NotEqual,
        };
        return new RowRule
        {
            Name = r["name"] is { } n ? ctx.String(n, "name") : text.Trim(),
            Left = left.Text,
            LeftConstant = leftConstant,
            LeftConstantInteger = leftInteger,
            Op = op,
            Right = right.Text,
            RightConstant = rightConstant,
            RightConstantInteger = rightInteger,
            Text = text.Trim(),
            Tolerance = r["tolerance"] is { } t ? ctx.Share(t, "tolerance") : 0,
        };
    }

    static string TypeName(ColumnType type) => type.ToString().ToLowerInvariant();

    /// <summary>Integers and floats compare with each other; dates (day numbers) and datetimes (ticks) only with their own kind.</summary>
    static int Family(ColumnType type) => type switch { ColumnType.Date => 1, ColumnType.DateTime => 2, _ => 0 };

    /// <summary>A constant in the unit the column's values are compared in (day numbers for dates, ticks for datetimes),
    /// with the exact integer for dates and datetimes.</summary>
    static (double?, long?) Constant(RuleOperand c, ColumnSchema column, Func<string, MlBuildException> invalid)
    {
        // Parsed as the column's min/max bounds are (Ctx.Bound), so a rule's constant and a bound mean the same instant.
        switch (column.Type)
        {
            case ColumnType.Date when c.IsQuotedConstant:
                if (DateOnly.TryParseExact(c.Text, column.Format ?? "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)
                    || DateOnly.TryParseExact(c.Text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out d))
                    return (d.DayNumber, d.DayNumber);
                throw invalid($"compares date column '{column.Name}' with '{c.Text}', which is not a date (yyyy-MM-dd{(column.Format is null ? "" : $" or {column.Format}")}).");
            case ColumnType.DateTime when c.IsQuotedConstant:
                if (TryParseDateTime(c.Text, out long ticks))
                    return (ticks, ticks);
                throw invalid($"compares datetime column '{column.Name}' with '{c.Text}', which is not a date and time.");
            case ColumnType.Integer or ColumnType.Float when !c.IsQuotedConstant:
                return (double.Parse(c.Text, NumberStyles.Float, CultureInfo.InvariantCulture), null);
            case ColumnType.Integer or ColumnType.Float:
                throw invalid($"compares {TypeName(column.Type)} column '{column.Name}' with the quoted constant '{c.Text}'; write a number without quotes.");
            default:
                throw invalid($"compares {TypeName(column.Type)} column '{column.Name}' with the number {c.Text}; write a {TypeName(column.Type)} in single quotes (e.g. '2024-01-31').");
        }
    }

    /// <summary>
    /// A datetime bound or constant as UTC ticks. Through <see cref="DateTimeOffset"/>: <see cref="DateTime"/>'s parse
    /// with an offset wraps an instant before 0001-01-01 UTC round to the same day (23:00 for
    /// <c>0001-01-01T00:00:00+01:00</c>) instead of refusing it.
    /// </summary>
    internal static bool TryParseDateTime(string text, out long ticks)
    {
        ticks = 0;
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var dto)) return false;
        ticks = dto.UtcTicks;
        return true;
    }

    static void SkipSpaces(string s, ref int pos)
    {
        while (pos < s.Length && char.IsWhiteSpace(s[pos])) pos++;
    }

    /// <summary>Reads one side of a rule at <paramref name="pos"/>, or null when none is there. A quote inside a quoted
    /// name or constant is written twice.</summary>
    static RuleOperand? ReadOperand(string s, ref int pos)
    {
        SkipSpaces(s, ref pos);
        if (pos >= s.Length) return null;
        char q = s[pos];
        if (q is '`' or '"' or '\'')
        {
            var sb = new StringBuilder();
            for (int i = pos + 1; i < s.Length; i++)
            {
                if (s[i] != q) { sb.Append(s[i]); continue; }
                if (i + 1 < s.Length && s[i + 1] == q) { sb.Append(q); i++; continue; }
                pos = i + 1;
                return sb.Length == 0 ? null : new RuleOperand(sb.ToString(), IsColumn: q != '\'', IsQuotedConstant: q == '\'');
            }
            return null;
        }
        var number = NumberConstant.Match(s, pos);
        if (number.Success && number.Length > 0)
        {
            pos += number.Length;
            return new RuleOperand(number.Value, IsColumn: false, IsQuotedConstant: false);
        }
        var name = BareName.Match(s, pos);
        if (!name.Success) return null;
        pos += name.Length;
        return new RuleOperand(name.Value, IsColumn: true, IsQuotedConstant: false);
    }

    static MlBuildException Error(string code, string message, string file, int line, int col) =>
        new(new MlDiagnostic(code, MlSeverity.Error, message, file, line, col));

    sealed class Ctx(string file)
    {
        public string File => file;
        public MlBuildException At(string code, PositionedJson node, string message) => Error(code, message, file, node.Line, node.Column);
        public MlBuildException At(string code, int line, int col, string message) => Error(code, message, file, line, col);

        public MlBuildException Missing(PositionedJson node, string key, string what) =>
            At(DiagnosticCodes.SchemaMissingProperty, node, $"Missing '{key}' in {what}.");

        public void Expect(PositionedJson node, PositionedJsonKind kind, string what)
        {
            if (node.Kind != kind)
                throw At(DiagnosticCodes.SchemaInvalidValue, node, $"Expected {what} to be a JSON {kind.ToString().ToLowerInvariant()}, found {node.Kind.ToString().ToLowerInvariant()}.");
        }

        public void CheckKeys(PositionedJson node, IEnumerable<string> allowed, string what)
        {
            foreach (var (name, line, col, _) in node.Members)
                if (!allowed.Contains(name, StringComparer.Ordinal))
                    throw At(DiagnosticCodes.SchemaUnknownProperty, line, col, $"Unknown property '{name}' in {what}. Allowed: {string.Join(", ", allowed.Order(StringComparer.Ordinal))}.");
        }

        public string String(PositionedJson node, string key)
        {
            if (node.Kind != PositionedJsonKind.String) throw At(DiagnosticCodes.SchemaInvalidValue, node, $"'{key}' must be a string.");
            return node.Text!;
        }

        public bool Bool(PositionedJson node, string key)
        {
            if (node.Kind != PositionedJsonKind.Boolean) throw At(DiagnosticCodes.SchemaInvalidValue, node, $"'{key}' must be true or false.");
            return node.Boolean;
        }

        public long Long(PositionedJson node, string key)
        {
            if (node.Kind != PositionedJsonKind.Number || !long.TryParse(node.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) || v < 0)
                throw At(DiagnosticCodes.SchemaInvalidValue, node, $"'{key}' must be a non-negative whole number.");
            return v;
        }

        public int Int(PositionedJson node, string key)
        {
            var v = Long(node, key);
            if (v > int.MaxValue) throw At(DiagnosticCodes.SchemaInvalidValue, node, $"'{key}' is too large.");
            return (int)v;
        }

        public double Share(PositionedJson node, string key)
        {
            if (node.Kind != PositionedJsonKind.Number || !double.TryParse(node.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || v < 0 || v > 1)
                throw At(DiagnosticCodes.SchemaInvalidValue, node, $"'{key}' must be a share between 0 and 1 (e.g. 0.01 for 1%).");
            return v;
        }

        public ColumnPolicy Policy(PositionedJson node, string key) => String(node, key) switch
        {
            "error" => ColumnPolicy.Error,
            "warn" or "warning" => ColumnPolicy.Warn,
            "ignore" => ColumnPolicy.Ignore,
            var s => throw At(DiagnosticCodes.SchemaInvalidValue, node, $"'{key}' must be one of error, warn, ignore, not '{s}'."),
        };

        public List<string> StringList(PositionedJson node, string key, bool acceptNumbers = false)
        {
            if (node.Kind != PositionedJsonKind.Array) throw At(DiagnosticCodes.SchemaInvalidValue, node, $"'{key}' must be an array of strings.");
            var list = new List<string>();
            foreach (var item in node.Items)
            {
                if (item.Kind == PositionedJsonKind.String || (acceptNumbers && item.Kind == PositionedJsonKind.Number)) list.Add(item.Text!);
                else throw At(DiagnosticCodes.SchemaInvalidValue, item, $"'{key}' must contain only strings.");
            }
            return list;
        }

        public Bound Bound(PositionedJson node, ColumnType type, string? format, bool exclusive, string column)
        {
            if (type is ColumnType.Integer or ColumnType.Float)
            {
                if (node.Kind != PositionedJsonKind.Number || !double.TryParse(node.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
                    throw At(DiagnosticCodes.SchemaInvalidValue, node, $"The bound of numeric column '{column}' must be a number.");
                return new Bound(v, node.Text!, exclusive);
            }
            if (node.Kind != PositionedJsonKind.String)
                throw At(DiagnosticCodes.SchemaInvalidValue, node, $"The bound of {type.ToString().ToLowerInvariant()} column '{column}' must be a string such as \"2024-01-31\".");
            var text = node.Text!;
            if (type == ColumnType.Date)
            {
                if (!DateOnly.TryParseExact(text, format ?? "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)
                    && !DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out d))
                    throw At(DiagnosticCodes.SchemaInvalidValue, node, $"The bound '{text}' of date column '{column}' is not a valid date.");
                return new Bound(d.DayNumber, text, exclusive) { Integer = d.DayNumber };
            }
            if (!TryParseDateTime(text, out long ticks))
                throw At(DiagnosticCodes.SchemaInvalidValue, node, $"The bound '{text}' of datetime column '{column}' is not a valid date and time.");
            return new Bound(ticks, text, exclusive) { Integer = ticks };
        }
    }
}
