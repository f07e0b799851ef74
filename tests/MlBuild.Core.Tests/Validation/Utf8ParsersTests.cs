using System.Globalization;
using System.Text;
using MlBuild.Core.Data.Validation;

namespace MlBuild.Core.Tests.Validation;

public class Utf8ParsersTests
{
    static bool Parse(string s, out double v) => Utf8Parsers.TryParseDouble(Encoding.UTF8.GetBytes(s), out v);

    [Fact]
    public void Decimals_parse_to_exactly_the_BCL_double_for_random_inputs()
    {
        var rng = new Random(11);
        for (int k = 0; k < 200_000; k++)
        {
            int intDigits = rng.Next(0, 10), fracDigits = rng.Next(0, 12);
            var sb = new StringBuilder();
            if (rng.Next(3) == 0) sb.Append('-');
            for (int i = 0; i < intDigits; i++) sb.Append((char)('0' + rng.Next(10)));
            if (fracDigits > 0 || intDigits == 0) { sb.Append('.'); for (int i = 0; i < fracDigits; i++) sb.Append((char)('0' + rng.Next(10))); }
            var text = sb.ToString();
            bool bcl = double.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var expected)
                       && text.Any(char.IsDigit);
            Assert.Equal(bcl, Parse(text, out var actual));
            if (bcl) Assert.Equal(BitConverter.DoubleToInt64Bits(expected == 0 ? 0 : expected), BitConverter.DoubleToInt64Bits(actual == 0 ? 0 : actual));
        }
    }

    [Fact]
    public void Cells_parsed_in_place_give_the_same_answers_and_bits_as_the_cell_alone()
    {
        // The in-place parser reads ahead of the cell; whatever follows it (the next field, a newline, old bytes) must
        // not change the answer, and every cell shape must agree with the scalar parser bit for bit.
        var rng = new Random(12);
        const string alphabet = "0123456789.-+e,x\n";
        var buffer = new byte[64];
        for (int k = 0; k < 300_000; k++)
        {
            var sb = new StringBuilder();
            if (rng.Next(3) == 0) sb.Append(rng.Next(4) == 0 ? '+' : '-');
            int intDigits = rng.Next(0, 11), fracDigits = rng.Next(0, 11);
            for (int i = 0; i < intDigits; i++) sb.Append((char)('0' + rng.Next(10)));
            if (rng.Next(5) > 0) sb.Append('.');
            for (int i = 0; i < fracDigits; i++) sb.Append((char)('0' + rng.Next(10)));
            if (rng.Next(20) == 0) sb.Insert(rng.Next(sb.Length + 1), alphabet[rng.Next(alphabet.Length)]);
            var cell = Encoding.ASCII.GetBytes(sb.ToString());
            if (cell.Length > 40) continue;
            rng.NextBytes(buffer);
            int start = rng.Next(0, 64 - 40);
            cell.CopyTo(buffer, start);
            bool expectedOk = Utf8Parsers.TryParseDouble(cell, out var expected);
            bool ok = Utf8Parsers.TryParseDouble(buffer, start, cell.Length, out var actual);
            Assert.True(expectedOk == ok, sb.ToString());
            Assert.True(BitConverter.DoubleToInt64Bits(expected) == BitConverter.DoubleToInt64Bits(actual), sb.ToString());
            bool expectedIntOk = Utf8Parsers.TryParseInt64(cell, out var expectedInt);
            Assert.True(expectedIntOk == Utf8Parsers.TryParseInt64(buffer, start, cell.Length, out var actualInt), sb.ToString());
            Assert.True(expectedInt == actualInt, sb.ToString());
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Column_loops_settle_plain_cells_as_the_cell_parser_does_and_leave_every_other_cell(bool slack)
    {
        // Cells of every shape packed into one buffer, the last ones within ReadAhead of its end (or, with slack, every
        // one readable ahead, which takes the loop without the per-cell guard): each cell the column loop settles has the
        // cell parser's value to the bit; each it leaves (state Invalid) is one the cell parser would not take, or one
        // too near the end to read ahead.
        var rng = new Random(13);
        const string alphabet = "0123456789.-+e,x\n";
        var cells = new List<string>();
        for (int k = 0; k < 50_000; k++)
        {
            var sb = new StringBuilder();
            if (rng.Next(3) == 0) sb.Append(rng.Next(4) == 0 ? '+' : '-');
            int intDigits = rng.Next(0, 12), fracDigits = rng.Next(0, 12);
            for (int i = 0; i < intDigits; i++) sb.Append((char)('0' + rng.Next(10)));
            if (rng.Next(5) > 0) sb.Append('.');
            for (int i = 0; i < fracDigits; i++) sb.Append((char)('0' + rng.Next(10)));
            if (rng.Next(20) == 0) sb.Insert(rng.Next(sb.Length + 1), alphabet[rng.Next(alphabet.Length)]);
            if (rng.Next(50) == 0) sb.Clear();
            cells.Add(sb.ToString());
        }
        var (buffer, starts, lengths) = Pack(cells, slack);
        int rows = starts.Length;
        var doubles = new double[rows];
        var longs = new long[rows];
        var doubleStates = new CellState[rows];
        var longStates = new CellState[rows];
        int leftDoubles = Utf8Parsers.ParsePlainDoubles(buffer, starts, lengths, doubles, doubleStates);
        int leftLongs = Utf8Parsers.ParsePlainInt64s(buffer, starts, lengths, longs, longStates);
        Assert.Equal(doubleStates.Count(s => s == CellState.Invalid), leftDoubles);
        Assert.Equal(longStates.Count(s => s == CellState.Invalid), leftLongs);
        Assert.InRange(leftDoubles, 1, rows / 2);
        for (int r = 0; r < rows; r++)
        {
            var cell = buffer.AsSpan(starts[r], lengths[r]);
            var shown = Encoding.ASCII.GetString(cell);
            bool nearEnd = starts[r] + Utf8Parsers.ReadAhead > buffer.Length;
            Assert.False(slack && nearEnd);
            // A cell may be left for the cell parser when it is not a number, is too near the end, has over 15 digits or
            // an exponent.
            int digits = cell.ToArray().Count(b => b is >= (byte)'0' and <= (byte)'9');
            bool doubleOk = Utf8Parsers.TryParseDouble(cell, out var expected);
            if (doubleStates[r] == CellState.Value)
            {
                Assert.True(doubleOk && !nearEnd, shown);
                Assert.True(BitConverter.DoubleToInt64Bits(expected) == BitConverter.DoubleToInt64Bits(doubles[r]), shown);
            }
            else Assert.True(doubleStates[r] == CellState.Invalid && (!doubleOk || nearEnd || digits > 15 || cell.Contains((byte)'e')), shown);
            bool longOk = Utf8Parsers.TryParseInt64(cell, out var expectedLong);
            if (longStates[r] == CellState.Value) Assert.True(longOk && !nearEnd && expectedLong == longs[r], shown);
            else Assert.True(longStates[r] == CellState.Invalid && (!longOk || nearEnd || digits > 15), shown);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_date_column_loop_settles_dates_as_the_cell_parser_does_and_leaves_every_other_cell(bool slack)
    {
        // yyyy-MM-dd cells across the table's years and past them, impossible days (2015-02-29, 04-31, day 00), other
        // shapes (a byte changed, one more or less, slashes, signs) and cells near the buffer's end.
        var rng = new Random(23);
        var cells = new List<string>();
        for (int k = 0; k < 60_000; k++)
        {
            int year = rng.Next(8) == 0 ? rng.Next(0, 10_000) : rng.Next(1890, 2170);
            string cell = $"{year:D4}-{rng.Next(0, 14):D2}-{rng.Next(0, 33):D2}";
            if (rng.Next(3) == 0)
            {
                int month = rng.Next(1, 13);
                cell = $"{year:D4}-{month:D2}-{rng.Next(1, 29):D2}"; // mostly valid
            }
            if (rng.Next(15) == 0)
            {
                var chars = cell.ToCharArray();
                chars[rng.Next(chars.Length)] = "0123456789-/+ .x:"[rng.Next(17)];
                cell = new string(chars);
            }
            if (rng.Next(40) == 0) cell = rng.Next(2) == 0 ? cell[..^1] : cell + "1";
            if (rng.Next(60) == 0) cell = "";
            cells.Add(cell);
        }
        var (buffer, starts, lengths) = Pack(cells, slack);
        int rows = starts.Length;
        var days = new long[rows];
        var states = new CellState[rows];
        int left = Utf8Parsers.ParseIsoDates(buffer, starts, lengths, days, states);
        Assert.Equal(states.Count(x => x == CellState.Invalid), left);
        Assert.InRange(left, 1, rows / 2);
        for (int r = 0; r < rows; r++)
        {
            var cell = buffer.AsSpan(starts[r], lengths[r]);
            var shown = Encoding.ASCII.GetString(cell);
            bool nearEnd = starts[r] + Utf8Parsers.ReadAhead > buffer.Length;
            bool ok = Utf8Parsers.TryParseDate(cell, null, out long expected);
            if (states[r] == CellState.Value)
            {
                Assert.True(ok && !nearEnd, shown);
                Assert.True(expected == days[r], shown);
            }
            else
            {
                // Left: not a date, too near the end, or a year outside the loop's table.
                int year = ok ? DateOnly.FromDayNumber((int)expected).Year : 0;
                Assert.True(states[r] == CellState.Invalid && (!ok || nearEnd || year < 1900 || year > 2155), shown);
            }
        }
    }

    [Theory]
    [InlineData("-0.3548", -0.3548)]
    [InlineData("+12345678.12345678", 12345678.12345678)]
    [InlineData("12345678", 12345678.0)]
    [InlineData("1.", 1.0)]
    [InlineData(".5", 0.5)]
    [InlineData("-0", -0.0)]
    public void Cells_at_a_buffer_end_take_the_bounded_path(string text, double expected)
    {
        var bytes = Encoding.ASCII.GetBytes(text);
        Assert.True(Utf8Parsers.TryParseDouble(bytes, 0, bytes.Length, out var v));
        Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(v));
    }

    [Theory]
    [InlineData("12.5.3")]
    [InlineData("--2.5")]
    [InlineData("1.2a45")]
    [InlineData("0.12:4")]
    [InlineData("1,5")]
    [InlineData(" 1.5")]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("1e999")]
    [InlineData("-")]
    [InlineData(".")]
    [InlineData("")]
    public void Not_plain_finite_numbers_are_rejected(string text) => Assert.False(Parse(text, out _));

    [Theory]
    [InlineData("1e3", 1000.0)]
    [InlineData("-0.3548", -0.3548)]
    [InlineData("112.6378", 112.6378)]
    [InlineData("+.5", 0.5)]
    [InlineData("123456789012345678901234", 1.2345678901234568e23)]
    public void Exponents_and_long_numbers_take_the_exact_slow_path(string text, double expected)
    {
        Assert.True(Parse(text, out var v));
        Assert.Equal(expected, v);
    }

    [Fact]
    public void Every_day_and_every_impossible_day_of_three_centuries_agrees_with_the_calendar()
    {
        for (int year = 1890; year <= 2110; year++)
            for (int month = 1; month <= 12; month++)
                for (int day = 1; day <= 31; day++)
                {
                    var text = $"{year:D4}-{month:D2}-{day:D2}";
                    bool valid = DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var expected);
                    Assert.Equal(valid, Utf8Parsers.TryParseDate(Encoding.ASCII.GetBytes(text), null, out var dayNumber));
                    if (valid) Assert.Equal(expected.DayNumber, dayNumber);
                }
    }

    [Fact]
    public void Datetimes_parse_to_the_ticks_the_BCL_gives_and_are_refused_when_it_refuses()
    {
        // The common ISO shapes take a fast path; it must agree with DateTime.TryParseExact on every input, accepted or
        // not, including impossible days and times, fractions of every length, Z, offsets and broken separators.
        var formats = new[]
        {
            "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mmK",
            "yyyy-MM-dd HH:mm:ss.FFFFFFFK", "yyyy-MM-dd HH:mm:ssK", "yyyy-MM-dd HH:mmK",
        };
        const DateTimeStyles styles = DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal;
        var rng = new Random(15);
        var texts = new List<string> { "2024-02-29T23:59:59", "2023-02-29T00:00:00", "2024-01-01T24:00:00", "2024-01-01T10:60:00",
            "2024-01-01T10:00:60", "2024-01-01 10:00:00Z", "2024-01-01T10:00:00.", "2024-01-01T10:00:00.12345678",
            "2024-01-01T10:00:00+02:00", "2024-01-01T10:00", "2024-01-01T10:00Z", "2024-01-01t10:00:00", "0001-01-01T00:00:00",
            "9999-12-31T23:59:59.9999999Z", "2024-01-01T1:00:00", "2024-01-01T10:00:00ZZ", "2024-01-01T10:00:00.5Z" };
        for (int k = 0; k < 20_000; k++)
        {
            var sb = new StringBuilder($"{rng.Next(1, 10000):D4}-{rng.Next(0, 14):D2}-{rng.Next(0, 33):D2}");
            sb.Append(rng.Next(4) == 0 ? ' ' : 'T');
            sb.Append($"{rng.Next(0, 26):D2}:{rng.Next(0, 62):D2}:{rng.Next(0, 62):D2}");
            if (rng.Next(2) == 0) { sb.Append('.'); int digits = rng.Next(1, 9); for (int i = 0; i < digits; i++) sb.Append((char)('0' + rng.Next(10))); }
            switch (rng.Next(4)) { case 0: sb.Append('Z'); break; case 1: sb.Append(rng.Next(2) == 0 ? "+01:30" : "-05:00"); break; }
            if (rng.Next(30) == 0) sb[rng.Next(sb.Length)] = (char)rng.Next(32, 127);
            texts.Add(sb.ToString());
        }
        foreach (var text in texts)
        {
            bool expected = DateTime.TryParseExact(text, formats, CultureInfo.InvariantCulture, styles, out var dt);
            Assert.True(expected == Utf8Parsers.TryParseDateTime(Encoding.ASCII.GetBytes(text), null, out var ticks), text);
            if (expected) Assert.True(dt.Ticks == ticks, text);
        }
    }

    [Theory]
    [InlineData("2024-02-29", true)]
    [InlineData("2023-02-29", false)]
    [InlineData("2015-02-29", false)]
    [InlineData("2000-02-29", true)]
    [InlineData("1900-02-29", false)]
    [InlineData("2024-04-31", false)]
    [InlineData("2024-12-31", true)]
    [InlineData("2024-13-01", false)]
    [InlineData("2024-1-01", false)]
    public void Dates_are_checked_against_the_calendar(string text, bool valid)
    {
        Assert.Equal(valid, Utf8Parsers.TryParseDate(Encoding.ASCII.GetBytes(text), null, out var day));
        if (valid) Assert.Equal(DateOnly.ParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture).DayNumber, day);
    }

    /// <summary>Cells packed into one buffer, each followed by a comma, with <see cref="Utf8Parsers.ReadAhead"/> bytes of
    /// slack at the end or none (then the last cells are too near the end to read ahead).</summary>
    static (byte[] Buffer, int[] Starts, int[] Lengths) Pack(IReadOnlyList<string> cells, bool slack)
    {
        var text = new List<byte>();
        var starts = new int[cells.Count];
        var lengths = new int[cells.Count];
        for (int r = 0; r < cells.Count; r++)
        {
            starts[r] = text.Count;
            lengths[r] = cells[r].Length;
            text.AddRange(Encoding.ASCII.GetBytes(cells[r]));
            text.Add((byte)',');
        }
        if (slack) text.AddRange(new byte[Utf8Parsers.ReadAhead]);
        return (text.ToArray(), starts, lengths);
    }
}
