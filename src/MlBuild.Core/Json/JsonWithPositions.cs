using System.Text;
using System.Text.Json;
using MlBuild.Core.Diagnostics;

namespace MlBuild.Core.Json;

/// <summary>The kind of a <see cref="PositionedJson"/> node.</summary>
public enum PositionedJsonKind
{
    /// <summary>An object with named members.</summary>
    Object,
    /// <summary>An array.</summary>
    Array,
    /// <summary>A string.</summary>
    String,
    /// <summary>A number.</summary>
    Number,
    /// <summary>true or false.</summary>
    Boolean,
    /// <summary>null.</summary>
    Null,
}

/// <summary>
/// A JSON value that remembers the line and column where it starts, so configuration errors can point into the file
/// (System.Text.Json's DOM forgets positions). Comments and trailing commas are allowed, as in the pipeline file.
/// </summary>
public sealed class PositionedJson
{
    /// <summary>The node kind.</summary>
    public PositionedJsonKind Kind { get; private init; }
    /// <summary>1-based line of the value's first character.</summary>
    public int Line { get; private init; }
    /// <summary>1-based column of the value's first character.</summary>
    public int Column { get; private init; }
    /// <summary>String value (for strings) or the raw number text (for numbers).</summary>
    public string? Text { get; private init; }
    /// <summary>Boolean value.</summary>
    public bool Boolean { get; private init; }
    /// <summary>Members in file order (for objects); each remembers the position of its name.</summary>
    public IReadOnlyList<(string Name, int Line, int Column, PositionedJson Value)> Members { get; private init; } = [];
    /// <summary>Items (for arrays).</summary>
    public IReadOnlyList<PositionedJson> Items { get; private init; } = [];

    /// <summary>Looks up a member by name (ordinal).</summary>
    public PositionedJson? this[string name]
    {
        get
        {
            foreach (var m in Members)
                if (m.Name == name) return m.Value;
            return null;
        }
    }

    /// <summary>
    /// Parses UTF-8 JSON. A syntax error becomes an <see cref="MlBuildException"/> with <paramref name="errorCode"/>
    /// at the error's line and column in <paramref name="fileForDiagnostics"/>.
    /// </summary>
    public static PositionedJson Parse(byte[] utf8, string fileForDiagnostics, string errorCode)
    {
        var lineStarts = new LinePositions(utf8);
        int start = utf8.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0;
        // JSON text is UTF-8 (RFC 8259). The reader only notices bad bytes inside strings, and then as an
        // InvalidOperationException when a string is read: say where the first one is, once, for the whole file.
        if (!System.Text.Unicode.Utf8.IsValid(utf8))
        {
            int bad = FirstInvalidUtf8(utf8);
            var (l, c) = lineStarts.At(bad);
            throw new MlBuildException(new MlDiagnostic(errorCode, MlSeverity.Error,
                $"The file is not valid UTF-8: byte 0x{utf8[bad]:X2} at offset {bad} does not start or continue a UTF-8 character. Save the file as UTF-8.", fileForDiagnostics, l, c));
        }
        var reader = new Utf8JsonReader(utf8.AsSpan(start), new JsonReaderOptions
        {
            CommentHandling = JsonCommentHandling.Skip,
            AllowTrailingCommas = true,
            MaxDepth = 64,
        });
        try
        {
            if (!reader.Read())
                throw new MlBuildException(new MlDiagnostic(errorCode, MlSeverity.Error, "The file is empty; expected a JSON object.", fileForDiagnostics, 1, 1));
            var root = ReadValue(ref reader, utf8, start, lineStarts);
            if (reader.Read())
            {
                var (l, c) = lineStarts.At(start + (int)reader.TokenStartIndex);
                throw new MlBuildException(new MlDiagnostic(errorCode, MlSeverity.Error, "Unexpected content after the JSON value.", fileForDiagnostics, l, c));
            }
            return root;
        }
        catch (JsonException ex)
        {
            // Utf8JsonReader reports 0-based line and byte position in that line.
            int line = (int)(ex.LineNumber ?? 0) + 1;
            int col = (int)(ex.BytePositionInLine ?? 0) + 1;
            var msg = ex.Message;
            int cut = msg.IndexOf(" LineNumber:", StringComparison.Ordinal);
            if (cut > 0) msg = msg[..cut].TrimEnd();
            throw new MlBuildException(new MlDiagnostic(errorCode, MlSeverity.Error, $"Invalid JSON: {msg}", fileForDiagnostics, line, col));
        }
    }

    /// <summary>Offset of the first byte that is not part of a well-formed UTF-8 sequence.</summary>
    static int FirstInvalidUtf8(byte[] utf8)
    {
        int i = 0;
        while (i < utf8.Length)
        {
            if (System.Text.Rune.DecodeFromUtf8(utf8.AsSpan(i), out _, out int consumed) != System.Buffers.OperationStatus.Done) return i;
            i += consumed;
        }
        return utf8.Length - 1;
    }

    static PositionedJson ReadValue(ref Utf8JsonReader reader, byte[] utf8, int start, LinePositions lineStarts)
    {
        var (line, col) = lineStarts.At(start + (int)reader.TokenStartIndex);
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                var members = new List<(string, int, int, PositionedJson)>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                {
                    var (nl, nc) = lineStarts.At(start + (int)reader.TokenStartIndex);
                    var name = reader.GetString()!;
                    reader.Read();
                    members.Add((name, nl, nc, ReadValue(ref reader, utf8, start, lineStarts)));
                }
                return new PositionedJson { Kind = PositionedJsonKind.Object, Line = line, Column = col, Members = members };
            case JsonTokenType.StartArray:
                var items = new List<PositionedJson>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    items.Add(ReadValue(ref reader, utf8, start, lineStarts));
                return new PositionedJson { Kind = PositionedJsonKind.Array, Line = line, Column = col, Items = items };
            case JsonTokenType.String:
                return new PositionedJson { Kind = PositionedJsonKind.String, Line = line, Column = col, Text = reader.GetString() };
            case JsonTokenType.Number:
                return new PositionedJson { Kind = PositionedJsonKind.Number, Line = line, Column = col, Text = Encoding.UTF8.GetString(reader.ValueSpan) };
            case JsonTokenType.True:
            case JsonTokenType.False:
                return new PositionedJson { Kind = PositionedJsonKind.Boolean, Line = line, Column = col, Boolean = reader.GetBoolean() };
            default:
                return new PositionedJson { Kind = PositionedJsonKind.Null, Line = line, Column = col };
        }
    }

    /// <summary>
    /// Maps byte offsets to 1-based line and character column. The parser asks for offsets in increasing order, so the
    /// column is counted on from the previous answer on the same line; counting from the line start every time made a
    /// one-line array of n values cost O(n²) (a 1M-value one-line allowed list took minutes).
    /// </summary>
    sealed class LinePositions
    {
        readonly byte[] _utf8;
        readonly List<int> _starts = [0];
        int _lastLine = -1, _lastOffset, _lastColumn;

        public LinePositions(byte[] utf8)
        {
            _utf8 = utf8;
            for (int i = 0; i < utf8.Length; i++)
                if (utf8[i] == (byte)'\n') _starts.Add(i + 1);
        }

        public (int Line, int Column) At(int offset)
        {
            int idx = _starts.BinarySearch(offset);
            if (idx < 0) idx = ~idx - 1;
            // Columns count characters, not bytes, so editors land on the right place in non-ASCII files. Token starts
            // are character boundaries, so counting a segment between two of them is exact.
            int from = _starts[idx], col = 1;
            if (idx == _lastLine && offset >= _lastOffset) { from = _lastOffset; col = _lastColumn; }
            col += Encoding.UTF8.GetCharCount(_utf8, from, offset - from);
            (_lastLine, _lastOffset, _lastColumn) = (idx, offset, col);
            return (idx + 1, col);
        }
    }
}
