using System.Buffers.Binary;
using System.Runtime.InteropServices;
using global::Parquet.Meta;

namespace MlBuild.Core.Data.Parquet;

/// <summary>
/// A direct decoder for the column chunks that DuckDB, Arrow and Parquet.Net write most: data page v1, uncompressed
/// or Snappy, definition levels 0/1, PLAIN or dictionary-encoded values of 4- or 8-byte numbers or byte arrays. It
/// reads a chunk with one positioned read, keeps dictionary indices instead of expanding every string, and writes
/// numbers straight into packed buffers. Anything else (page v2, other codecs or encodings) returns false and the
/// caller reads the chunk through Parquet.Net. Malformed data throws <see cref="InvalidDataException"/> (MLB1201).
/// </summary>
internal static class ChunkDecoder
{
    /// <summary>
    /// Decodes a flat column chunk. Fills <see cref="ChunkReader.Levels"/> when <paramref name="maxDef"/> is 1, and the
    /// non-null values packed in order: for <paramref name="width"/> 4 or 8 their little-endian bytes in
    /// <paramref name="dest"/>, for byte arrays (width 0) their entry in <see cref="ChunkReader.Entries"/> in
    /// <see cref="ChunkReader.PackedEntries"/>. Returns false when the chunk needs Parquet.Net.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static bool TryDecode(ChunkReader w, ColumnMetaData meta, int maxDef, int rows, int width, bool byteArrays, long fileLength, Span<byte> dest, out int defined)
    {
        defined = 0;
        w.AllDictionary = false;
        w.ValuesDeferred = false;
        // Numbers of dictionary pages stay as indices while every page so far is one (see ChunkReader.DeferDictionaryValues).
        bool defer = w.DeferDictionaryValues && !byteArrays;
        if (meta.Codec is not (CompressionCodec.UNCOMPRESSED or CompressionCodec.SNAPPY)) return false;
        long start = meta.DictionaryPageOffset is > 0 and var d && d < meta.DataPageOffset ? d : meta.DataPageOffset;
        long length = meta.TotalCompressedSize;
        if (start < 4 || length <= 0 || start + length > fileLength - 8 || length > Array.MaxLength)
            throw new InvalidDataException($"column chunk [{start}, {start + length}) lies outside the file");
        var chunk = ChunkReader.Ensure(ref w.Chunk, (int)length).AsSpan(0, (int)length);
        int got = 0;
        while (got < chunk.Length)
        {
            int n = RandomAccess.Read(w.Handle, chunk[got..], start + got);
            if (n <= 0) throw new EndOfStreamException("the file ends inside a column chunk");
            got += n;
        }

        int[]? levels = maxDef > 0 ? ChunkReader.Ensure(ref w.Levels, rows) : null;
        int levelCount = 0;
        int dictCount = -1;
        bool allDictionary = !byteArrays;
        var table = w.Entries;
        if (byteArrays) table.Clear();
        int pos = 0;
        while (levelCount < rows)
        {
            if (pos >= chunk.Length) throw new InvalidDataException("the column chunk ends before all its values");
            var h = PageHeaderReader.Read(chunk, ref pos);
            if (h.CompressedSize < 0 || h.UncompressedSize < 0 || pos + h.CompressedSize > chunk.Length)
                throw new InvalidDataException("a page overruns its column chunk");
            var payload = chunk.Slice(pos, h.CompressedSize);
            pos += h.CompressedSize;
            if (h.Type is PageType.DATA_PAGE_V2) return false;
            if (h.Type is not (PageType.DATA_PAGE or PageType.DICTIONARY_PAGE)) continue;
            ReadOnlySpan<byte> page = payload;
            if (meta.Codec == CompressionCodec.SNAPPY)
            {
                var buf = ChunkReader.Ensure(ref w.Page, Math.Max(h.UncompressedSize, 1)).AsSpan(0, h.UncompressedSize);
                int n = Snappier.Snappy.Decompress(payload, buf);
                if (n != h.UncompressedSize) throw new InvalidDataException("a page decompresses to the wrong size");
                page = buf;
            }
            if (h.Type == PageType.DICTIONARY_PAGE)
            {
                if (h.Encoding is not (Encoding.PLAIN or Encoding.PLAIN_DICTIONARY)) return false;
                dictCount = h.NumValues;
                if (dictCount < 0) throw new InvalidDataException("negative dictionary size");
                if (byteArrays) ReadByteArrayDictionary(w, page, dictCount);
                else
                {
                    if ((long)dictCount * width > page.Length) throw new InvalidDataException("the dictionary page is too short");
                    page[..(dictCount * width)].CopyTo(ChunkReader.Ensure(ref w.Dict, Math.Max(dictCount * width, 1)));
                }
                continue;
            }

            // Data page v1: [definition levels: 4-byte length + RLE/bit-packed] [values].
            int pageValues = h.NumValues;
            if (pageValues < 0 || levelCount + pageValues > rows) throw new InvalidDataException("pages hold more values than the row group has rows");
            int nonNull = pageValues;
            if (maxDef > 0)
            {
                if (h.DefinitionEncoding != Encoding.RLE) return false;
                if (page.Length < 4) throw new InvalidDataException("a page is too short for its definition levels");
                int len = BinaryPrimitives.ReadInt32LittleEndian(page);
                if (len < 0 || 4 + len > page.Length) throw new InvalidDataException("definition levels overrun their page");
                var lv = levels.AsSpan(levelCount, pageValues);
                Rle.Decode(page.Slice(4, len), 1, lv);
                nonNull = lv.Count(1); // levels are 0 or 1 (bit width 1): a vectorised count is their sum
                page = page[(4 + len)..];
            }
            levelCount += pageValues;
            if (h.Encoding == Encoding.PLAIN)
            {
                allDictionary = false;
                if (byteArrays) ReadPlainByteArrays(w, page, nonNull, defined);
                else
                {
                    if (defer)
                    {
                        // A plain page after dictionary ones (a writer whose dictionary grew too large): the values
                        // so far are needed after all.
                        defer = false;
                        if (defined > 0) Gather(w, w.Indices.AsSpan(0, defined), dictCount, width, dest);
                    }
                    long bytes = (long)nonNull * width;
                    if (bytes > page.Length) throw new InvalidDataException("a page holds fewer values than it declares");
                    if ((long)(defined + nonNull) * width > dest.Length) throw new InvalidDataException("pages hold more values than the row group has rows");
                    page[..(int)bytes].CopyTo(dest[(defined * width)..]);
                }
            }
            else if (h.Encoding is Encoding.PLAIN_DICTIONARY or Encoding.RLE_DICTIONARY)
            {
                if (dictCount < 0) throw new InvalidDataException("a dictionary-encoded page comes without a dictionary");
                if (page.Length < 1 && nonNull > 0) throw new InvalidDataException("a dictionary-encoded page is empty");
                // Indices of the whole chunk stay packed in Indices (numbers), for checks per dictionary entry.
                var idx = byteArrays
                    ? ChunkReader.Ensure(ref w.Indices, Math.Max(nonNull, 1)).AsSpan(0, nonNull)
                    : ChunkReader.Ensure(ref w.Indices, Math.Max(rows, 1)).AsSpan(defined, nonNull);
                if (nonNull > 0) Rle.Decode(page[1..], page[0], idx);
                if (byteArrays) MapDictionaryEntries(w, idx, dictCount, defined);
                else if (defer)
                {
                    if (idx.ContainsAnyExceptInRange(0, dictCount - 1)) throw new InvalidDataException("a dictionary index is out of range");
                }
                else
                {
                    if ((long)(defined + nonNull) * width > dest.Length) throw new InvalidDataException("pages hold more values than the row group has rows");
                    Gather(w, idx, dictCount, width, dest[(defined * width)..]);
                }
            }
            else return false;
            defined += nonNull;
        }
        w.AllDictionary = allDictionary && dictCount >= 0;
        w.ValuesDeferred = defer && w.AllDictionary;
        w.DictCount = dictCount;
        return true;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    static void Gather(ChunkReader w, ReadOnlySpan<int> idx, int dictCount, int width, Span<byte> raw)
    {
        if (width == 8)
        {
            var dict = MemoryMarshal.Cast<byte, long>(w.Dict.AsSpan(0, dictCount * 8));
            var dst = MemoryMarshal.Cast<byte, long>(raw[..(idx.Length * 8)]);
            for (int i = 0; i < idx.Length; i++)
            {
                uint k = (uint)idx[i];
                if (k >= (uint)dict.Length) throw new InvalidDataException("a dictionary index is out of range");
                dst[i] = dict[(int)k];
            }
        }
        else
        {
            var dict = MemoryMarshal.Cast<byte, int>(w.Dict.AsSpan(0, dictCount * 4));
            var dst = MemoryMarshal.Cast<byte, int>(raw[..(idx.Length * 4)]);
            for (int i = 0; i < idx.Length; i++)
            {
                uint k = (uint)idx[i];
                if (k >= (uint)dict.Length) throw new InvalidDataException("a dictionary index is out of range");
                dst[i] = dict[(int)k];
            }
        }
    }

    static void ReadByteArrayDictionary(ChunkReader w, ReadOnlySpan<byte> page, int count)
    {
        var bytes = ChunkReader.Ensure(ref w.Dict, Math.Max(page.Length, 1));
        page.CopyTo(bytes);
        var offs = ChunkReader.Ensure(ref w.DictOffsets, Math.Max(count, 1));
        var lens = ChunkReader.Ensure(ref w.DictLengths, Math.Max(count, 1));
        var entry = ChunkReader.Ensure(ref w.DictEntry, Math.Max(count, 1));
        w.Entries.Reserve(Math.Min(count, page.Length / 4), page.Length); // each entry takes at least its 4-byte length
        int p = 0;
        for (int i = 0; i < count; i++)
        {
            if (p + 4 > page.Length) throw new InvalidDataException("the dictionary page is too short");
            int len = BinaryPrimitives.ReadInt32LittleEndian(page[p..]);
            p += 4;
            if (len < 0 || p + len > page.Length) throw new InvalidDataException("a dictionary value overruns its page");
            offs[i] = p; lens[i] = len; entry[i] = -1;
            p += len;
        }
    }

    /// <summary>Dictionary indices to entries; an entry is made (content-deduplicated) the first time its index appears.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    static void MapDictionaryEntries(ChunkReader w, ReadOnlySpan<int> idx, int dictCount, int at)
    {
        var packed = ChunkReader.Ensure(ref w.PackedEntries, at + idx.Length);
        var entry = w.DictEntry;
        var table = w.Entries;
        for (int i = 0; i < idx.Length; i++)
        {
            uint k = (uint)idx[i];
            if (k >= (uint)dictCount) throw new InvalidDataException("a dictionary index is out of range");
            int e = entry[k];
            if (e < 0) e = entry[k] = table.InternContent(w.Dict.AsSpan(w.DictOffsets[k], w.DictLengths[k]));
            packed[at + i] = e;
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    static void ReadPlainByteArrays(ChunkReader w, ReadOnlySpan<byte> page, int count, int at)
    {
        var packed = ChunkReader.Ensure(ref w.PackedEntries, at + count);
        var table = w.Entries;
        int p = 0;
        for (int i = 0; i < count; i++)
        {
            if (p + 4 > page.Length) throw new InvalidDataException("a page holds fewer values than it declares");
            int len = BinaryPrimitives.ReadInt32LittleEndian(page[p..]);
            p += 4;
            if (len < 0 || p + len > page.Length) throw new InvalidDataException("a value overruns its page");
            packed[at + i] = table.InternContent(page.Slice(p, len));
            p += len;
        }
    }
}

/// <summary>The RLE / bit-packed hybrid encoding of levels and dictionary indices.</summary>
internal static class Rle
{
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static void Decode(ReadOnlySpan<byte> src, int bitWidth, Span<int> dest)
    {
        if (bitWidth is < 0 or > 32) throw new InvalidDataException($"bit width {bitWidth} is invalid");
        int byteWidth = (bitWidth + 7) >> 3;
        int pos = 0, n = 0;
        while (n < dest.Length)
        {
            if (pos >= src.Length) throw new InvalidDataException("encoded levels or indices end early");
            ulong header = 0;
            for (int shift = 0; ; shift += 7)
            {
                if (pos >= src.Length || shift > 35) throw new InvalidDataException("a run header is malformed");
                byte b = src[pos++];
                header |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80) break;
            }
            if ((header & 1) == 1) // bit-packed groups of 8
            {
                long groups = (long)(header >> 1);
                long bytes = groups * bitWidth;
                if (pos + bytes > src.Length) bytes = src.Length - pos; // the last group may be cut short
                int values = (int)Math.Min(groups * 8, dest.Length - n);
                Unpack(src.Slice(pos, (int)bytes), bitWidth, dest.Slice(n, values));
                pos += (int)bytes;
                n += values;
            }
            else // a run of one repeated value
            {
                int run = (int)Math.Min(header >> 1, (ulong)(dest.Length - n));
                if (pos + byteWidth > src.Length) throw new InvalidDataException("a run overruns its data");
                int value = 0;
                for (int i = 0; i < byteWidth; i++) value |= src[pos + i] << (8 * i);
                pos += byteWidth;
                dest.Slice(n, run).Fill(value);
                n += run;
            }
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    static void Unpack(ReadOnlySpan<byte> src, int bitWidth, Span<int> dest)
    {
        if (bitWidth == 0) { dest.Clear(); return; }
        uint mask = bitWidth == 32 ? uint.MaxValue : (1u << bitWidth) - 1;
        if ((long)dest.Length * bitWidth > (long)src.Length * 8) throw new InvalidDataException("bit-packed values overrun their data");
        if (bitWidth == 1)
        {
            for (int j = 0; j < dest.Length; j++) dest[j] = (src[j >> 3] >> (j & 7)) & 1;
            return;
        }
        // Groups of 8 values (bitWidth bytes each): every value is read as an 8-byte window (a value spans at most 5
        // bytes) at offsets fixed within a group, without per-value bounds checks while the group's last window fits.
        int i = 0;
        int groups = dest.Length >> 3;
        int lastWindowEnd = (7 * bitWidth >> 3) + 8;
        ref byte s0 = ref MemoryMarshal.GetReference(src);
        ref int d0 = ref MemoryMarshal.GetReference(dest);
        int o1 = bitWidth >> 3, o2 = 2 * bitWidth >> 3, o3 = 3 * bitWidth >> 3, o4 = 4 * bitWidth >> 3, o5 = 5 * bitWidth >> 3, o6 = 6 * bitWidth >> 3, o7 = 7 * bitWidth >> 3;
        int h1 = bitWidth & 7, h2 = 2 * bitWidth & 7, h3 = 3 * bitWidth & 7, h4 = 4 * bitWidth & 7, h5 = 5 * bitWidth & 7, h6 = 6 * bitWidth & 7, h7 = 7 * bitWidth & 7;
        for (int g = 0; g < groups; g++)
        {
            int at = g * bitWidth;
            if (at + lastWindowEnd > src.Length) break;
            ref byte b = ref System.Runtime.CompilerServices.Unsafe.Add(ref s0, at);
            ref int d = ref System.Runtime.CompilerServices.Unsafe.Add(ref d0, g << 3);
            d = (int)((uint)Window(ref b, 0) & mask);
            System.Runtime.CompilerServices.Unsafe.Add(ref d, 1) = (int)((uint)(Window(ref b, o1) >> h1) & mask);
            System.Runtime.CompilerServices.Unsafe.Add(ref d, 2) = (int)((uint)(Window(ref b, o2) >> h2) & mask);
            System.Runtime.CompilerServices.Unsafe.Add(ref d, 3) = (int)((uint)(Window(ref b, o3) >> h3) & mask);
            System.Runtime.CompilerServices.Unsafe.Add(ref d, 4) = (int)((uint)(Window(ref b, o4) >> h4) & mask);
            System.Runtime.CompilerServices.Unsafe.Add(ref d, 5) = (int)((uint)(Window(ref b, o5) >> h5) & mask);
            System.Runtime.CompilerServices.Unsafe.Add(ref d, 6) = (int)((uint)(Window(ref b, o6) >> h6) & mask);
            System.Runtime.CompilerServices.Unsafe.Add(ref d, 7) = (int)((uint)(Window(ref b, o7) >> h7) & mask);
            i = (g + 1) << 3;
        }
        // Then single values while an 8-byte window fits, then the tail byte by byte.
        long safeEnd = src.Length - 8;
        for (; i < dest.Length; i++)
        {
            long bit = (long)i * bitWidth;
            int at = (int)(bit >> 3);
            if (at > safeEnd) break;
            ulong window = BinaryPrimitives.ReadUInt64LittleEndian(src.Slice(at, 8));
            dest[i] = (int)((uint)(window >> (int)(bit & 7)) & mask);
        }
        for (; i < dest.Length; i++)
        {
            long bit = (long)i * bitWidth;
            int at = (int)(bit >> 3);
            int shift = (int)(bit & 7);
            ulong window = 0;
            int take = Math.Min(8, src.Length - at);
            for (int k = 0; k < take; k++) window |= (ulong)src[at + k] << (8 * k);
            dest[i] = (int)((uint)(window >> shift) & mask);
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    static ulong Window(ref byte b, int offset) =>
        System.Runtime.CompilerServices.Unsafe.ReadUnaligned<ulong>(ref System.Runtime.CompilerServices.Unsafe.Add(ref b, offset));
}

/// <summary>The fields of a Thrift compact-encoded PageHeader that the decoder needs; others are skipped.</summary>
internal readonly record struct PageHeaderInfo(PageType Type, int UncompressedSize, int CompressedSize, int NumValues, Encoding Encoding, Encoding DefinitionEncoding);

internal static class PageHeaderReader
{
    public static PageHeaderInfo Read(ReadOnlySpan<byte> s, ref int pos)
    {
        PageType type = default;
        int uncompressed = -1, compressed = -1, numValues = -1;
        Encoding encoding = default, defEncoding = Encoding.RLE;
        short last = 0;
        while (true)
        {
            byte b = Byte(s, ref pos);
            if (b == 0) break;
            int ftype = b & 0x0F;
            short id = (b >> 4) != 0 ? (short)(last + (b >> 4)) : (short)ZigZag(Varint(s, ref pos));
            last = id;
            switch (id)
            {
                case 1 when ftype == 5: type = (PageType)ZigZag(Varint(s, ref pos)); break;
                case 2 when ftype == 5: uncompressed = (int)ZigZag(Varint(s, ref pos)); break;
                case 3 when ftype == 5: compressed = (int)ZigZag(Varint(s, ref pos)); break;
                case 5 when ftype == 12: // DataPageHeader
                case 7 when ftype == 12: // DictionaryPageHeader
                case 8 when ftype == 12: // DataPageHeaderV2
                {
                    short inner = 0;
                    while (true)
                    {
                        byte c = Byte(s, ref pos);
                        if (c == 0) break;
                        int t = c & 0x0F;
                        short fid = (c >> 4) != 0 ? (short)(inner + (c >> 4)) : (short)ZigZag(Varint(s, ref pos));
                        inner = fid;
                        if (fid == 1 && t == 5) numValues = (int)ZigZag(Varint(s, ref pos));
                        else if (fid == 2 && t == 5 && id != 8) encoding = (Encoding)ZigZag(Varint(s, ref pos));
                        else if (fid == 3 && t == 5 && id == 5) defEncoding = (Encoding)ZigZag(Varint(s, ref pos));
                        else if (fid == 4 && t == 5 && id == 8) encoding = (Encoding)ZigZag(Varint(s, ref pos));
                        else Skip(s, ref pos, t, 0);
                    }
                    break;
                }
                default: Skip(s, ref pos, ftype, 0); break;
            }
        }
        if (uncompressed < 0 || compressed < 0) throw new InvalidDataException("a page header lacks its sizes");
        if (type is PageType.DATA_PAGE or PageType.DICTIONARY_PAGE && numValues < 0) throw new InvalidDataException("a page header lacks its value count");
        return new PageHeaderInfo(type, uncompressed, compressed, numValues, encoding, defEncoding);
    }

    static byte Byte(ReadOnlySpan<byte> s, ref int pos)
    {
        if (pos >= s.Length) throw new InvalidDataException("a page header is cut short");
        return s[pos++];
    }

    static ulong Varint(ReadOnlySpan<byte> s, ref int pos)
    {
        ulong v = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            byte b = Byte(s, ref pos);
            v |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return v;
        }
        throw new InvalidDataException("a page header holds a malformed number");
    }

    static long ZigZag(ulong v) => (long)(v >> 1) ^ -(long)(v & 1);

    static void Skip(ReadOnlySpan<byte> s, ref int pos, int type, int depth)
    {
        if (depth > 32) throw new InvalidDataException("a page header nests too deeply");
        switch (type)
        {
            case 1: case 2: return; // booleans live in the type nibble
            case 3: Byte(s, ref pos); return;
            case 4: case 5: case 6: Varint(s, ref pos); return;
            case 7: pos += 8; if (pos > s.Length) throw new InvalidDataException("a page header is cut short"); return;
            case 8:
            {
                long len = (long)Varint(s, ref pos);
                if (len < 0 || pos + len > s.Length) throw new InvalidDataException("a page header is cut short");
                pos += (int)len;
                return;
            }
            case 9: case 10:
            {
                byte h = Byte(s, ref pos);
                long count = h >> 4;
                if (count == 15) count = (long)Varint(s, ref pos);
                int et = h & 0x0F;
                if (count > s.Length) throw new InvalidDataException("a page header is malformed");
                for (long i = 0; i < count; i++) Skip(s, ref pos, et == 1 || et == 2 ? 3 : et, depth + 1);
                return;
            }
            case 11:
            {
                long count = (long)Varint(s, ref pos);
                if (count == 0) return;
                byte kv = Byte(s, ref pos);
                if (count > s.Length) throw new InvalidDataException("a page header is malformed");
                for (long i = 0; i < count; i++) { Skip(s, ref pos, kv >> 4, depth + 1); Skip(s, ref pos, kv & 0x0F, depth + 1); }
                return;
            }
            case 12:
                while (true)
                {
                    byte c = Byte(s, ref pos);
                    if (c == 0) return;
                    if ((c >> 4) == 0) Varint(s, ref pos);
                    Skip(s, ref pos, c & 0x0F, depth + 1);
                }
            default: throw new InvalidDataException($"a page header holds unknown type {type}");
        }
    }
}
