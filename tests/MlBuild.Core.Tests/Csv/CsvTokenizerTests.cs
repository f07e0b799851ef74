using System.Text;
using MlBuild.Core.Data.Csv;

namespace MlBuild.Core.Tests.Csv;

public class CsvTokenizerTests
{
    /// <summary>
    /// The quote-free path (separator bitmasks, blocks of bytes) against the byte state machine on the same quote-free
    /// chunks: fields of every length from empty to longer than a block, records with too few and too many fields,
    /// blank lines, CRLF, and a last record with or without its newline. Every field offset, line and field count must
    /// agree.
    /// </summary>
    [Fact]
    public void The_quote_free_tokeniser_cuts_every_chunk_as_the_quoted_one_does()
    {
        var random = new Random(20261123);
        const int columns = 7;
        for (int trial = 0; trial < 400; trial++)
        {
            var text = new StringBuilder();
            int records = random.Next(0, 40);
            for (int r = 0; r < records; r++)
            {
                string newline = random.Next(4) == 0 ? "\r\n" : "\n";
                if (random.Next(15) == 0) { text.Append(newline); continue; } // a blank line
                int fields = random.Next(8) switch { 0 => random.Next(1, columns), 1 => columns + random.Next(1, 4), _ => columns };
                for (int f = 0; f < fields; f++)
                {
                    if (f > 0) text.Append(',');
                    int length = random.Next(6) == 0 ? random.Next(30, 140) : random.Next(0, 12);
                    for (int k = 0; k < length; k++) text.Append((char)('a' + random.Next(26)));
                }
                if (r < records - 1 || random.Next(2) == 0) text.Append(newline);
            }
            var bytes = Encoding.ASCII.GetBytes(text.ToString());
            int newlines = bytes.Count(b => b == (byte)'\n');
            var plain = Tokenize(bytes, hasQuotes: false, newlines, columns);
            var quoted = Tokenize(bytes, hasQuotes: true, newlines, columns);
            string where = $"trial {trial} ({bytes.Length} bytes)";
            Assert.True(quoted.Records == plain.Records, $"records {plain.Records}, expected {quoted.Records} in {where}");
            Assert.True(quoted.AnyMalformed == plain.AnyMalformed, where);
            for (int r = 0; r < quoted.Records; r++)
            {
                Assert.True(quoted.RecordLine[r] == plain.RecordLine[r], $"record {r} line in {where}");
                Assert.True(quoted.RecordOffset[r] == plain.RecordOffset[r], $"record {r} offset in {where}");
                Assert.True(quoted.BadFieldCount[r] == plain.BadFieldCount[r], $"record {r} field count in {where}");
                int present = quoted.BadFieldCount[r] < 0 ? columns : Math.Min(columns, quoted.BadFieldCount[r]);
                for (int c = 0; c < present; c++)
                {
                    Assert.True(quoted.FieldStart[c][r] == plain.FieldStart[c][r], $"record {r} field {c} start in {where}");
                    Assert.True(quoted.FieldLength[c][r] == plain.FieldLength[c][r], $"record {r} field {c} length in {where}");
                }
            }
        }
    }

    /// <summary>The reader's one-pass scan of a buffer (newlines, quotes, plain ASCII) against the three scans it
    /// replaced, over lengths around its vector blocks and past the 255 blocks after which its per-lane counts are summed.</summary>
    [Fact]
    public void The_chunk_scan_counts_newlines_and_finds_quotes_and_non_ascii_bytes()
    {
        var random = new Random(7);
        foreach (int length in new[] { 0, 1, 31, 32, 33, 64, 255 * 32 - 1, 255 * 32, 255 * 32 + 1, 300_001 })
            for (int trial = 0; trial < 8; trial++)
            {
                var data = new byte[length];
                // Trial 0 all newlines: every lane's count at its limit at each sum.
                for (int i = 0; i < length; i++) data[i] = (byte)(trial == 0 || random.Next(4) == 0 ? '\n' : 'a' + random.Next(26));
                if (length > 0 && trial % 2 == 1) data[random.Next(length)] = (byte)'"';
                if (length > 0 && trial % 4 >= 2) data[random.Next(length)] = trial % 8 >= 4 ? (byte)0 : (byte)0xC3;
                var (newlines, quotes, plainAscii) = CsvReader.ScanBytes(data);
                Assert.Equal(data.Count(b => b == (byte)'\n'), newlines);
                Assert.Equal(data.Contains((byte)'"'), quotes);
                Assert.Equal(data.All(b => b is >= 1 and <= 0x7F), plainAscii);
            }
    }

    static TokenizedChunk Tokenize(byte[] data, bool hasQuotes, int newlines, int columns)
    {
        // A chunk buffer as the reader makes it: the data, then slack the vector loops may read.
        var buffer = new byte[data.Length + 64];
        data.CopyTo(buffer, 0);
        var tokens = new TokenizedChunk();
        CsvTokenizer.Tokenize(buffer, data.Length, (byte)',', hasQuotes, newlines, columns, tokens);
        return tokens;
    }
}
