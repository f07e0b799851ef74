using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;
using MlBuild.Core.Data.Drift;
using MlBuild.Core.Data.Schema;
using MlBuild.Core.Data.Validation;
using MlBuild.Core.Diagnostics;

namespace MlBuild.Core.Data.Profiling;

// The read side of the saved profile. A reference profile is read on every drift check, and building a DOM of its
// ~10^6 numbers (JsonDocument) cost more than the rest of reading it, so the file is read in two steps:
//  1. one forward pass of Utf8JsonReader over the bytes gathers the fields the profile needs into small records
//     (Saved*), everything else skipped; the long arrays of numbers are scanned without a token per number
//     (SavedProfile.TryScanNumbers) into buffers reused from array to array;
//  2. those records are checked and turned into the MergeableProfile (Restorer), in the order the fields are needed.
// The pass only ever fails on invalid JSON, so every file gets the diagnostic a DOM reader would give it: a syntax
// error anywhere wins (with its line and column), then the format and its version (MLB2006 however the rest looks), then
// the first field missing, of the wrong type or inconsistent. Properties may come in any order (hand-edited files);
// unknown ones are skipped; a property given twice counts the last time, as JsonElement.TryGetProperty has it.
public static partial class ProfileJson
{
    /// <summary>
    /// Reads a saved profile. Throws MLB2005 for a file that is not one (invalid JSON, truncated, a field missing or
    /// inconsistent) and MLB2006 for one written in a newer format version.
    /// </summary>
    public static MergeableProfile Read(byte[] utf8, string display)
    {
        SavedProfile saved;
        try { saved = SavedProfile.Parse(utf8); }
        catch (JsonException e)
        {
            throw new MlBuildException(new MlDiagnostic(DriftCodes.ProfileUnreadable, MlSeverity.Error,
                $"'{display}' is not valid JSON ({FirstSentence(e.Message)}); it may be truncated or hand-edited. Write it again with 'dotnet ml data profile'.",
                display, (int)Math.Min(int.MaxValue, (e.LineNumber ?? 0) + 1), (int)Math.Min(int.MaxValue, (e.BytePositionInLine ?? 0) + 1)));
        }
        try { return new Restorer(display).Profile(saved); }
        catch (Exception e) when (e is InvalidOperationException or FormatException or OverflowException or ArgumentException)
        {
            // What the checks do not name themselves (a sketch resolution the histogram refuses, bad base64).
            throw Unreadable(display, $"a field has the wrong type or value ({FirstSentence(e.Message)})");
        }
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

    static string FirstSentence(string message)
    {
        int dot = message.IndexOf(". ", StringComparison.Ordinal);
        return (dot > 0 ? message[..dot] : message).TrimEnd('.');
    }

    static MlBuildException Unreadable(string display, string why) =>
        new(new MlDiagnostic(DriftCodes.ProfileUnreadable, MlSeverity.Error,
            $"'{display}' is not an MlBuild profile: {why}. Write it again with 'dotnet ml data profile'.", display));

    /// <summary>
    /// A scalar field as the pass found it: its token kind (<see cref="JsonTokenType.None"/> when absent), a string's
    /// text, a number's value as an integer and as a double where it is one (parsed by the reader, as JsonElement would).
    /// </summary>
    readonly record struct Scalar(JsonTokenType Kind, string? Text = null, long? Integer = null, double? Number = null)
    {
        /// <summary>Absent or null: both are a missing field.</summary>
        public bool Missing => Kind is JsonTokenType.None or JsonTokenType.Null;
    }

    /// <summary>An array of numbers as the pass found it: its kind (absent, null, an array or something else) and either
    /// its values or why one of them is not a number of the type.</summary>
    readonly record struct NumberArray<T>(JsonTokenType Kind, T[]? Items, string? Problem);

    sealed class SavedLimits { public Scalar ExactValues, Categories, SketchBits; }
    sealed class SavedMoments { public Scalar N, Mean, M2; }
    sealed class SavedSketch { public Scalar Bits, HyperLogLog; public NumberArray<long> Key, Count; }

    sealed class SavedColumn
    {
        public Scalar Name, Type, Count, Nulls, Invalid, NaN, PositiveInfinity, NegativeInfinity, Min, Max, MinText, MaxText;
        /// <summary>Null when absent or null; an empty record when not an object (its fields are then missing).</summary>
        public SavedMoments? Moments;
        /// <summary>The exact values, only when <c>values</c> is an object (otherwise the column has a sketch).</summary>
        public SavedExactValues? Values;
        public SavedSketch? Sketch, CategorySketch;
        /// <summary>The category counts in file order, only when <c>categories</c> is an object.</summary>
        public List<(string? Value, Scalar Count)>? Categories;
    }

    sealed class SavedExactValues { public NumberArray<double> Value; public NumberArray<long> Count; }

    /// <summary>The fields of a profile file, gathered in one forward pass (the first step of <see cref="Read"/>).</summary>
    sealed class SavedProfile
    {
        public Scalar Format, FormatVersion, Rows;
        public SavedLimits? Limits;
        /// <summary>The kind of the <c>columns</c> field; <see cref="Columns"/> holds its elements when an array.</summary>
        public JsonTokenType ColumnsKind;
        public List<SavedColumn> Columns = [];

        // Buffers the arrays are read into, reused from one array to the next; each array is copied out at its size.
        double[] _doubles = new double[1024];
        long[] _longs = new long[1024];

        readonly byte[] _utf8;
        /// <summary>Whether arrays of numbers are scanned without the reader (<see cref="TryScanNumbers"/>).</summary>
        readonly bool _scanArrays;
        /// <summary>Where in <see cref="_utf8"/> the current reader starts (it restarts past each scanned array).</summary>
        int _origin;

        SavedProfile(byte[] utf8, bool scanArrays) => (_utf8, _scanArrays) = (utf8, scanArrays);

        /// <summary>Reads the whole document (so invalid JSON anywhere is found first); throws only <see cref="JsonException"/>.</summary>
        public static SavedProfile Parse(byte[] utf8)
        {
            try { return new SavedProfile(utf8, scanArrays: true).ReadDocument(); }
            catch (JsonException)
            {
                // A reader restarted past a scanned array counts lines from where that array began: read the invalid
                // document again with the reader alone, for the line and column of its first error.
                return new SavedProfile(utf8, scanArrays: false).ReadDocument();
            }
        }

        SavedProfile ReadDocument()
        {
            var r = new Utf8JsonReader(_utf8);
            r.Read();
            if (r.TokenType == JsonTokenType.StartObject)
                while (NextProperty(ref r))
                {
                    if (r.ValueTextEquals("format"u8)) Format = ReadScalar(ref r);
                    else if (r.ValueTextEquals("formatVersion"u8)) FormatVersion = ReadScalar(ref r);
                    else if (r.ValueTextEquals("rows"u8)) Rows = ReadScalar(ref r);
                    else if (r.ValueTextEquals("limits"u8)) Limits = ReadObject(ref r, SavedLimitsField, new SavedLimits(), requireObject: false);
                    else if (r.ValueTextEquals("columns"u8)) ReadColumns(ref r);
                    else r.Skip();
                }
            else r.Skip();
            // Past the root only whitespace may follow: the reader throws for anything else.
            while (r.Read()) { }
            return this;
        }

        /// <summary>Moves to the next property name of the object being read; false at its end.</summary>
        static bool NextProperty(ref Utf8JsonReader r)
        {
            r.Read();
            return r.TokenType == JsonTokenType.PropertyName;
        }

        /// <summary>Reads the value of the current property as a scalar; objects and arrays are skipped, keeping their kind.</summary>
        static Scalar ReadScalar(ref Utf8JsonReader r)
        {
            r.Read();
            switch (r.TokenType)
            {
                case JsonTokenType.Number:
                    return new Scalar(JsonTokenType.Number, null,
                        r.TryGetInt64(out long integer) ? integer : null, r.TryGetDouble(out double number) ? number : null);
                case JsonTokenType.String:
                    return new Scalar(JsonTokenType.String, TextOrNull(ref r));
                default:
                    var kind = r.TokenType;
                    r.Skip();
                    return new Scalar(kind);
            }
        }

        /// <summary>The current string or property name, or null when it is not valid UTF-8 (the reader finds that only
        /// here; it is a wrong value when the field is used, not a crash of the pass).</summary>
        static string? TextOrNull(ref Utf8JsonReader r)
        {
            try { return r.GetString(); }
            catch (InvalidOperationException) { return null; }
        }

        /// <summary>Reads an object-valued property with <paramref name="field"/> reading each of its properties. Returns
        /// null when the value is null (or not an object and <paramref name="requireObject"/>); any other value that is not
        /// an object gives the empty record, whose fields then are missing (as looking them up in it would find none).</summary>
        static T? ReadObject<T>(ref Utf8JsonReader r, FieldReader<T> field, T record, bool requireObject) where T : class
        {
            r.Read();
            if (r.TokenType != JsonTokenType.StartObject)
            {
                bool isNull = r.TokenType == JsonTokenType.Null;
                r.Skip();
                return isNull || requireObject ? null : record;
            }
            while (NextProperty(ref r))
                if (!field(ref r, record)) r.Skip();
            return record;
        }

        /// <summary>Reads the value of the current property into the record if it is one of its fields; false otherwise.</summary>
        delegate bool FieldReader<in T>(ref Utf8JsonReader r, T record);

        static bool SavedLimitsField(ref Utf8JsonReader r, SavedLimits limits)
        {
            if (r.ValueTextEquals("exactValues"u8)) limits.ExactValues = ReadScalar(ref r);
            else if (r.ValueTextEquals("categories"u8)) limits.Categories = ReadScalar(ref r);
            else if (r.ValueTextEquals("sketchBits"u8)) limits.SketchBits = ReadScalar(ref r);
            else return false;
            return true;
        }

        static bool SavedMomentsField(ref Utf8JsonReader r, SavedMoments moments)
        {
            if (r.ValueTextEquals("n"u8)) moments.N = ReadScalar(ref r);
            else if (r.ValueTextEquals("mean"u8)) moments.Mean = ReadScalar(ref r);
            else if (r.ValueTextEquals("m2"u8)) moments.M2 = ReadScalar(ref r);
            else return false;
            return true;
        }

        void ReadColumns(ref Utf8JsonReader r)
        {
            r.Read();
            ColumnsKind = r.TokenType;
            Columns = [];
            if (r.TokenType != JsonTokenType.StartArray) { r.Skip(); return; }
            while (r.Read() && r.TokenType != JsonTokenType.EndArray)
            {
                var column = new SavedColumn();
                // An element that is not an object is a column with every field missing.
                if (r.TokenType != JsonTokenType.StartObject) r.Skip();
                else
                    while (NextProperty(ref r))
                        if (!ColumnField(ref r, column)) r.Skip();
                Columns.Add(column);
            }
        }

        bool ColumnField(ref Utf8JsonReader r, SavedColumn c)
        {
            // In the writer's order; the derived figures (kind, distinct, quantiles, histogram) are skipped by the caller.
            if (r.ValueTextEquals("name"u8)) c.Name = ReadScalar(ref r);
            else if (r.ValueTextEquals("type"u8)) c.Type = ReadScalar(ref r);
            else if (r.ValueTextEquals("count"u8)) c.Count = ReadScalar(ref r);
            else if (r.ValueTextEquals("nulls"u8)) c.Nulls = ReadScalar(ref r);
            else if (r.ValueTextEquals("invalid"u8)) c.Invalid = ReadScalar(ref r);
            else if (r.ValueTextEquals("nan"u8)) c.NaN = ReadScalar(ref r);
            else if (r.ValueTextEquals("positiveInfinity"u8)) c.PositiveInfinity = ReadScalar(ref r);
            else if (r.ValueTextEquals("negativeInfinity"u8)) c.NegativeInfinity = ReadScalar(ref r);
            else if (r.ValueTextEquals("min"u8)) c.Min = ReadScalar(ref r);
            else if (r.ValueTextEquals("max"u8)) c.Max = ReadScalar(ref r);
            else if (r.ValueTextEquals("minText"u8)) c.MinText = ReadScalar(ref r);
            else if (r.ValueTextEquals("maxText"u8)) c.MaxText = ReadScalar(ref r);
            else if (r.ValueTextEquals("moments"u8)) c.Moments = ReadObject(ref r, SavedMomentsField, new SavedMoments(), requireObject: false);
            else if (r.ValueTextEquals("values"u8)) c.Values = ReadObject(ref r, ExactField, new SavedExactValues(), requireObject: true);
            else if (r.ValueTextEquals("sketch"u8)) c.Sketch = ReadObject(ref r, SketchField, new SavedSketch(), requireObject: false);
            else if (r.ValueTextEquals("categories"u8)) c.Categories = ReadCategories(ref r);
            else if (r.ValueTextEquals("categorySketch"u8)) c.CategorySketch = ReadObject(ref r, SketchField, new SavedSketch(), requireObject: false);
            else return false;
            return true;
        }

        bool ExactField(ref Utf8JsonReader r, SavedExactValues exact)
        {
            if (r.ValueTextEquals("value"u8)) exact.Value = ReadDoubles(ref r);
            else if (r.ValueTextEquals("count"u8)) exact.Count = ReadLongs(ref r);
            else return false;
            return true;
        }

        bool SketchField(ref Utf8JsonReader r, SavedSketch sketch)
        {
            if (r.ValueTextEquals("bits"u8)) sketch.Bits = ReadScalar(ref r);
            else if (r.ValueTextEquals("key"u8)) sketch.Key = ReadLongs(ref r);
            else if (r.ValueTextEquals("count"u8)) sketch.Count = ReadLongs(ref r);
            else if (r.ValueTextEquals("hyperLogLog"u8)) sketch.HyperLogLog = ReadScalar(ref r);
            else return false;
            return true;
        }

        static List<(string?, Scalar)>? ReadCategories(ref Utf8JsonReader r)
        {
            r.Read();
            if (r.TokenType != JsonTokenType.StartObject) { r.Skip(); return null; }
            var categories = new List<(string?, Scalar)>();
            // Every property counts, a repeated value too (its counts add up).
            while (NextProperty(ref r)) categories.Add((TextOrNull(ref r), ReadScalar(ref r)));
            return categories;
        }

        NumberArray<double> ReadDoubles(ref Utf8JsonReader r)
        {
            r.Read();
            var kind = r.TokenType;
            if (kind != JsonTokenType.StartArray) { r.Skip(); return new(kind, null, null); }
            if (TryScanNumbers(ref r, integers: false, out int n)) return new(kind, _doubles.AsSpan(0, n).ToArray(), null);
            n = 0;
            string? problem = null;
            while (r.Read() && r.TokenType != JsonTokenType.EndArray)
            {
                if (problem is not null) { r.Skip(); continue; }
                if (r.TokenType == JsonTokenType.Number && Utf8Parsers.TryParseDouble(r.ValueSpan, out double x))
                {
                    if (n == _doubles.Length) Array.Resize(ref _doubles, 2 * n);
                    _doubles[n++] = x;
                }
                else { problem = NotANumber(r.TokenType, "in the double range"); r.Skip(); }
            }
            return new(kind, problem is null ? _doubles.AsSpan(0, n).ToArray() : null, problem);
        }

        NumberArray<long> ReadLongs(ref Utf8JsonReader r)
        {
            r.Read();
            var kind = r.TokenType;
            if (kind != JsonTokenType.StartArray) { r.Skip(); return new(kind, null, null); }
            if (TryScanNumbers(ref r, integers: true, out int n)) return new(kind, _longs.AsSpan(0, n).ToArray(), null);
            n = 0;
            string? problem = null;
            while (r.Read() && r.TokenType != JsonTokenType.EndArray)
            {
                if (problem is not null) { r.Skip(); continue; }
                if (r.TokenType == JsonTokenType.Number && Utf8Parsers.TryParseInt64(r.ValueSpan, out long x))
                {
                    if (n == _longs.Length) Array.Resize(ref _longs, 2 * n);
                    _longs[n++] = x;
                }
                else { problem = NotANumber(r.TokenType, "an integer in range"); r.Skip(); }
            }
            return new(kind, problem is null ? _longs.AsSpan(0, n).ToArray() : null, problem);
        }

        /// <summary>
        /// The fast path for an array of numbers, the bulk of a profile: with the reader on its <c>[</c>, scans the bytes
        /// up to its <c>]</c> directly (a token per number cost most of the reading) into <see cref="_doubles"/> or
        /// <see cref="_longs"/>, and restarts the reader on the <c>]</c> with the state it had after the <c>[</c>, so it
        /// goes on as if it had read the array itself. Takes only what is plainly valid: whitespace, numbers of the JSON
        /// grammar that parse as the type, commas between them. Anything else leaves the reader untouched (false), and
        /// the reader reads the array, finding the error where there is one.
        /// </summary>
        // A profile is read once per process: optimized code from the first call, not after the read is over.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        bool TryScanNumbers(ref Utf8JsonReader r, bool integers, out int count)
        {
            count = 0;
            if (!_scanArrays) return false;
            var afterBracket = r.CurrentState;
            var bytes = _utf8.AsSpan();
            int i = SkipWhitespace(bytes, _origin + (int)r.BytesConsumed);
            if (i < bytes.Length && bytes[i] != (byte)']')
                while (true)
                {
                    long integer = 0;
                    double number = 0;
                    int end = integers ? ScanInteger(bytes, i, out integer) : ScanDouble(bytes, i, out number);
                    if (end < 0)
                    {
                        // Not a number as the profile writes them (an exponent, many digits): parsed in full.
                        int length = NumberLength(bytes[i..]);
                        if (length == 0) return false;
                        end = i + length;
                        if (integers ? !Utf8Parsers.TryParseInt64(bytes[i..end], out integer) : !Utf8Parsers.TryParseDouble(bytes[i..end], out number)) return false;
                    }
                    if (integers)
                    {
                        if (count == _longs.Length) Array.Resize(ref _longs, 2 * count);
                        _longs[count++] = integer;
                    }
                    else
                    {
                        if (count == _doubles.Length) Array.Resize(ref _doubles, 2 * count);
                        _doubles[count++] = number;
                    }
                    i = SkipWhitespace(bytes, end);
                    if (i < bytes.Length && bytes[i] == (byte)']') break;
                    if (i >= bytes.Length || bytes[i] != (byte)',') return false;
                    i = SkipWhitespace(bytes, i + 1);
                }
            if (i >= bytes.Length) return false;
            r = new Utf8JsonReader(bytes[i..], isFinalBlock: true, afterBracket);
            _origin = i;
            r.Read(); // the ']'
            return true;
        }

        /// <summary>An integer as a profile writes it (optional minus, at most 18 digits, no leading zero) starting at
        /// <paramref name="i"/>: where it ends, or -1 for anything else.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static int ScanInteger(ReadOnlySpan<byte> bytes, int i, out long value)
        {
            value = 0;
            bool negative = i < bytes.Length && bytes[i] == (byte)'-';
            if (negative) i++;
            int first = i;
            long x = 0;
            uint d;
            while (i < bytes.Length && (d = (uint)(bytes[i] - '0')) <= 9 && i - first < 18) { x = x * 10 + d; i++; }
            if (i == first || (bytes[first] == (byte)'0' && i > first + 1) || (i < bytes.Length && !EndsNumber(bytes[i]))) return -1;
            value = negative ? -x : x;
            return i;
        }

        /// <summary>A number written with at most 15 digits and no exponent starting at <paramref name="i"/>, as
        /// its digits over a power of ten (the bits <see cref="Utf8Parsers.TryParseDouble(ReadOnlySpan{byte}, out double)"/> gives): where it
        /// ends, or -1 for anything else.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static int ScanDouble(ReadOnlySpan<byte> bytes, int i, out double value)
        {
            value = 0;
            bool negative = i < bytes.Length && bytes[i] == (byte)'-';
            if (negative) i++;
            int first = i;
            long digits = 0;
            uint d;
            while (i < bytes.Length && (d = (uint)(bytes[i] - '0')) <= 9 && i - first < 15) { digits = digits * 10 + d; i++; }
            int integerDigits = i - first;
            if (integerDigits == 0 || (bytes[first] == (byte)'0' && integerDigits > 1)) return -1;
            int decimals = 0;
            if (i < bytes.Length && bytes[i] == (byte)'.')
            {
                int fraction = ++i;
                while (i < bytes.Length && (d = (uint)(bytes[i] - '0')) <= 9 && integerDigits + (i - fraction) < 15) { digits = digits * 10 + d; i++; }
                decimals = i - fraction;
                if (decimals == 0) return -1;
            }
            if (i < bytes.Length && !EndsNumber(bytes[i])) return -1;
            double x = decimals > 0 ? digits / PowersOfTen[decimals] : digits;
            value = negative ? -x : x;
            return i;
        }

        /// <summary>Whether a byte after digits ends the number (a digit past the limit, a dot or an exponent do not).</summary>
        static bool EndsNumber(byte b) => b is (byte)',' or (byte)']' or (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t';

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static int SkipWhitespace(ReadOnlySpan<byte> bytes, int i)
        {
            while (true)
            {
                // Indentation is runs of spaces: eight at a time.
                while (i + 8 <= bytes.Length && MemoryMarshal.Read<ulong>(bytes[i..]) == 0x2020_2020_2020_2020UL) i += 8;
                if (i < bytes.Length && bytes[i] is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t') i++;
                else return i;
            }
        }

        /// <summary>The length of the JSON number at the start of <paramref name="text"/> (RFC 8259: <c>-? (0 | [1-9]
        /// digits) (. digits)? ([eE] [+-]? digits)?</c>), or 0 when none starts there.</summary>
        static int NumberLength(ReadOnlySpan<byte> text)
        {
            int i = 0;
            if (i < text.Length && text[i] == (byte)'-') i++;
            if (i < text.Length && text[i] == (byte)'0') i++;
            else if (i < text.Length && text[i] is >= (byte)'1' and <= (byte)'9') i = Digits(text, i);
            else return 0;
            if (i < text.Length && text[i] == (byte)'.')
            {
                int fraction = Digits(text, i + 1);
                if (fraction == i + 1) return 0;
                i = fraction;
            }
            if (i < text.Length && (text[i] | 0x20) == (byte)'e')
            {
                i++;
                if (i < text.Length && text[i] is (byte)'+' or (byte)'-') i++;
                int exponent = Digits(text, i);
                if (exponent == i) return 0;
                i = exponent;
            }
            return i;
        }

        static int Digits(ReadOnlySpan<byte> text, int i)
        {
            while (i < text.Length && text[i] is >= (byte)'0' and <= (byte)'9') i++;
            return i;
        }

        static string NotANumber(JsonTokenType kind, string expected) =>
            kind == JsonTokenType.Number ? $"a number that is not {expected}" : $"{KindName(kind)} in an array of numbers";
    }

    /// <summary>How a token kind reads in a message.</summary>
    static string KindName(JsonTokenType kind) => kind switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        _ => "null",
    };

    static readonly double[] PowersOfTen = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

    /// <summary>
    /// The second step of <see cref="Read"/>: checks what the pass gathered and builds the profile from it: the format and
    /// its version first, then the limits, the rows and each column in file order, so the first problem is the one named.
    /// </summary>
    sealed class Restorer(string display)
    {
        MlBuildException Unreadable(string why) => ProfileJson.Unreadable(display, why);

        Scalar Required(Scalar s, string name) => s.Missing ? throw Unreadable($"field \"{name}\" is missing") : s;

        T Required<T>(T? record, string name) where T : class => record ?? throw Unreadable($"field \"{name}\" is missing");

        MlBuildException WrongType(string name, string why) => Unreadable($"field \"{name}\" has the wrong type or value ({why})");

        long Int64(Scalar s, string name) => Required(s, name) switch
        {
            { Kind: JsonTokenType.Number, Integer: { } v } => v,
            { Kind: JsonTokenType.Number } => throw WrongType(name, "a number that is not an integer in range"),
            var other => throw WrongType(name, $"{KindName(other.Kind)} where an integer belongs"),
        };

        int Int32(Scalar s, string name)
        {
            long v = Int64(s, name);
            return v is >= int.MinValue and <= int.MaxValue ? (int)v : throw WrongType(name, "a number that is not an integer in range");
        }

        double Double(Scalar s, string name) => Required(s, name) switch
        {
            // The reader reads a number past the double range (1e999) as infinite, which no profile holds.
            { Kind: JsonTokenType.Number, Number: { } v } when double.IsFinite(v) => v,
            { Kind: JsonTokenType.Number } => throw WrongType(name, "a number past the double range"),
            var other => throw WrongType(name, $"{KindName(other.Kind)} where a number belongs"),
        };

        string String(Scalar s, string name) => Required(s, name) switch
        {
            { Kind: JsonTokenType.String, Text: { } text } => text,
            { Kind: JsonTokenType.String } => throw WrongType(name, "text that is not valid UTF-8"),
            var other => throw WrongType(name, $"{KindName(other.Kind)} where a string belongs"),
        };

        T[] Numbers<T>(NumberArray<T> array, string name)
        {
            if (array.Kind is JsonTokenType.None or JsonTokenType.Null) throw Unreadable($"field \"{name}\" is missing");
            if (array.Kind != JsonTokenType.StartArray) throw WrongType(name, $"{KindName(array.Kind)} where an array belongs");
            return array.Items ?? throw WrongType(name, array.Problem!);
        }

        public MergeableProfile Profile(SavedProfile saved)
        {
            if (saved.Format is not { Kind: JsonTokenType.String, Text: Format })
                throw Unreadable($"it has no \"format\": \"{Format}\" field");
            int version = Int32(saved.FormatVersion, "formatVersion");
            if (version > FormatVersion)
                throw new MlBuildException(new MlDiagnostic(DriftCodes.ProfileTooNew, MlSeverity.Error,
                    $"'{display}' is a profile of format version {version}; this MlBuild reads versions up to {FormatVersion}. Update MlBuild, or write the profile again with this version.", display));
            if (version < 1) throw Unreadable($"format version {version} does not exist");
            var savedLimits = Required(saved.Limits, "limits");
            var limits = new ProfileLimits
            {
                ExactValues = Int32(savedLimits.ExactValues, "exactValues"),
                Categories = Int32(savedLimits.Categories, "categories"),
                SketchBits = Int32(savedLimits.SketchBits, "sketchBits"),
            };
            if (limits.ExactValues < 1 || limits.Categories < 0 || limits.SketchBits is < 1 or > 20)
                throw Unreadable("its limits are out of range");
            var profile = new MergeableProfile(limits) { Rows = Int64(saved.Rows, "rows") };
            if (saved.ColumnsKind is JsonTokenType.None or JsonTokenType.Null) throw Unreadable("field \"columns\" is missing");
            if (saved.ColumnsKind != JsonTokenType.StartArray) throw WrongType("columns", $"{KindName(saved.ColumnsKind)} where an array belongs");
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var savedColumn in saved.Columns)
            {
                var column = Column(savedColumn, limits);
                if (!names.Add(column.Name)) throw Unreadable($"column '{column.Name}' appears twice");
                profile.Columns.Add(column);
            }
            return profile;
        }

        MergeableColumn Column(SavedColumn e, ProfileLimits limits)
        {
            var name = String(e.Name, "name");
            var typeText = String(e.Type, "type");
            if (!Enum.TryParse<ColumnType>(typeText, ignoreCase: true, out var type) || TypeName(type) != typeText)
                throw Unreadable($"column '{name}' has unknown type '{typeText}'");
            var c = new MergeableColumn(name, type, limits)
            {
                Count = Int64(e.Count, "count"),
                Nulls = Int64(e.Nulls, "nulls"),
                Invalid = Int64(e.Invalid, "invalid"),
            };
            if (c.Count < 0 || c.Nulls < 0 || c.Invalid < 0) throw Unreadable($"column '{name}' has a negative count");
            if (c.Kind == ProfileColumnKind.Numeric) Numeric(c, e, limits);
            else if (e.Categories is { } categories)
            {
                long total = 0;
                foreach (var (value, count) in categories)
                {
                    if (value is null) throw Unreadable($"column '{name}' has a category that is not valid UTF-8");
                    if (count is not { Kind: JsonTokenType.Number, Integer: { } n })
                        throw Unreadable($"column '{name}' has category '{value}' with a count that is not an integer");
                    if (n <= 0) throw Unreadable($"column '{name}' has category '{value}' with count {n}");
                    c.Categories!.Add(value, n);
                    total += n;
                }
                if (total != c.Count) throw Unreadable($"column '{name}' counts {c.Count} values but its categories add up to {total}");
            }
            else
                c.Categories = CategoryCounts.FromSketch(HyperLogLog(Required(e.CategorySketch, "categorySketch"), name), limits.Categories);
            return c;
        }

        void Numeric(MergeableColumn c, SavedColumn e, ProfileLimits limits)
        {
            string name = c.Name;
            c.NaN = Int64(e.NaN, "nan");
            c.PositiveInfinity = Int64(e.PositiveInfinity, "positiveInfinity");
            c.NegativeInfinity = Int64(e.NegativeInfinity, "negativeInfinity");
            var moments = Required(e.Moments, "moments");
            long n = Int64(moments.N, "n");
            double mean = Double(moments.Mean, "mean");
            // The sum of squared deviations is written as null when it overflowed the double range.
            double m2 = moments.M2.Kind == JsonTokenType.Null ? double.PositiveInfinity : Double(moments.M2, "m2");
            c.AddMoments(n, mean, m2);
            if (e.Values is { } exact)
            {
                var xs = Numbers(exact.Value, "value");
                var ns = Numbers(exact.Count, "count");
                if (xs.Length != ns.Length || !Positive(ns) || !Ascending(xs))
                    throw Unreadable($"column '{name}' has exact values that are not sorted, distinct and counted");
                c.Values = NumericDistribution.FromExact(xs, ns, limits.ExactValues, limits.SketchBits);
            }
            else
            {
                var s = Required(e.Sketch, "sketch");
                var sketch = new LogHistogram(Int32(s.Bits, "bits"));
                if (sketch.Bits != limits.SketchBits) throw Unreadable($"column '{name}' has a sketch of {sketch.Bits} bits, its limits say {limits.SketchBits}");
                var keys = Numbers(s.Key, "key");
                var ns = Numbers(s.Count, "count");
                long maxKey = 1L << (12 + sketch.Bits);
                if (keys.Length != ns.Length || !Positive(ns) || keys.Any(k => k < 0 || k >= maxKey))
                    throw Unreadable($"column '{name}' has a sketch whose keys and counts do not match");
                for (int i = 0; i < keys.Length; i++) sketch.AddKey(keys[i], ns[i]);
                c.Values = NumericDistribution.FromSketch(sketch, HyperLogLog(s, name), limits.ExactValues);
            }
            long finite = c.Count - c.NaN - c.PositiveInfinity - c.NegativeInfinity;
            if (c.Values.Count != finite || c.MomentCount != finite)
                throw Unreadable($"column '{name}' counts {finite} finite values but holds {c.Values.Count}");
            if (finite > 0)
            {
                c.Min = Double(e.Min, "min");
                c.Max = Double(e.Max, "max");
                // Quantiles and histograms of a sketch are clamped to the extremes, which needs them in order.
                if (!(c.Min <= c.Max)) throw Unreadable($"column '{name}' has a min above its max");
                // Dates and datetimes are shown as such (reports, quantiles): a hand-edited extreme past the calendar
                // would fail there, far from the file.
                if (c.Type is ColumnType.Date or ColumnType.DateTime && !(InCalendar(c.Type, c.Min) && InCalendar(c.Type, c.Max)))
                    throw Unreadable($"column '{name}' has a min or max that is not a {TypeName(c.Type)}");
                // The exact extremes when written and consistent with the doubles (a profile from before them has none).
                if (Integer(e.MinText, c.Type) is { } lo && Integer(e.MaxText, c.Type) is { } hi && lo <= hi && (double)lo == c.Min && (double)hi == c.Max)
                { c.MinInteger = lo; c.MaxInteger = hi; }
                if (c.Values.IsExact && c.Values.Exact().Values is var exactValues && (exactValues[0] != c.Min || exactValues[^1] != c.Max))
                    throw Unreadable($"column '{name}' has a min or max that is not its smallest or largest value");
            }
        }

        /// <summary>Whether a date's day number or a datetime's ticks is one <see cref="FormatValue"/> can show.</summary>
        static bool InCalendar(ColumnType type, double value) =>
            value >= 0 && (long)value <= (type == ColumnType.Date ? DateOnly.MaxValue.DayNumber : DateTime.MaxValue.Ticks);

        /// <summary>An exact extreme written as <c>minText</c>/<c>maxText</c> (<see cref="FormatInteger"/>), or null when absent or not one.</summary>
        static long? Integer(Scalar text, ColumnType type)
        {
            if (text is not { Kind: JsonTokenType.String, Text: { } s }) return null;
            var bytes = System.Text.Encoding.UTF8.GetBytes(s);
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

        HyperLogLog HyperLogLog(SavedSketch s, string column)
        {
            var bytes = Convert.FromBase64String(String(s.HyperLogLog, "hyperLogLog"));
            if (bytes.Length != Profiling.HyperLogLog.RegisterCount) throw Unreadable($"column '{column}' has a distinct-count sketch of the wrong size");
            var hll = new HyperLogLog();
            bytes.CopyTo(hll.Registers, 0);
            return hll;
        }

        static bool Positive(long[] counts)
        {
            foreach (var n in counts)
                if (n <= 0) return false;
            return true;
        }

        static bool Ascending(double[] xs)
        {
            for (int i = 1; i < xs.Length; i++)
                if (!(xs[i - 1] < xs[i])) return false;
            return true;
        }
    }
}
