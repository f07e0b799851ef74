using MlBuild.Core.Data.Parquet;

namespace MlBuild.Core.Tests.Parquet;

public sealed class RleTests
{
    /// <summary>Bit-packs values LSB first, as Parquet's RLE / bit-packed hybrid does, in one bit-packed run.</summary>
    static byte[] Pack(int[] values, int bitWidth, bool cutLastGroup)
    {
        int groups = (values.Length + 7) / 8;
        var bytes = new byte[groups * bitWidth];
        for (int i = 0; i < values.Length; i++)
            for (int k = 0; k < bitWidth; k++)
                if (((uint)values[i] >> k & 1) != 0)
                {
                    long bit = (long)i * bitWidth + k;
                    bytes[bit >> 3] |= (byte)(1 << (int)(bit & 7));
                }
        int used = cutLastGroup ? (int)(((long)values.Length * bitWidth + 7) / 8) : bytes.Length;
        var header = new List<byte>();
        for (uint h = (uint)(groups << 1 | 1); ; h >>= 7)
        {
            if (h < 0x80) { header.Add((byte)h); break; }
            header.Add((byte)(h & 0x7F | 0x80));
        }
        return [.. header, .. bytes.AsSpan(0, used)];
    }

    [Fact]
    public void Bit_packed_runs_decode_to_their_values_for_every_width()
    {
        var rnd = new Random(5);
        foreach (int width in Enumerable.Range(1, 32))
            foreach (int count in new[] { 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 1000 })
                foreach (bool cut in new[] { false, true })
                {
                    var values = Enumerable.Range(0, count).Select(_ => width == 32 ? rnd.Next(int.MinValue, int.MaxValue) : rnd.Next(0, 1 << Math.Min(width, 30)) & (int)((1L << width) - 1)).ToArray();
                    var dest = new int[count];
                    Rle.Decode(Pack(values, width, cut), width, dest);
                    Assert.True(values.AsSpan().SequenceEqual(dest), $"width {width}, count {count}, cut {cut}");
                }
    }
}
