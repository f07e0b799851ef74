using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace MlBuild.Registry.Tests;

/// <summary>
/// Work with bounds (issue 12, class 6): packaging streams the model (memory does not grow with its size), and
/// `verify --package` refuses crafted archives (zip bombs) with MLB9041 before decompressing them.
/// </summary>
public sealed class PackageBoundsTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private CliRun Ml(params string[] args) => Cli.InProc(_dir.Path, args);

    [Fact]
    public void Packaging_and_verifying_a_256_MB_model_allocates_a_small_fraction_of_it()
    {
        const long size = 256L << 20;
        var model = _dir.Sub("big.zip");
        using (var fs = new FileStream(model, FileMode.CreateNew))
        {
            fs.SetLength(size); // sparse where the file system allows: zeros that cost no disk until copied
            fs.Position = size - 4;
            fs.Write("tail"u8);
        }
        Assert.Equal(0, Ml("register", "big", model).ExitCode);
        var feed = _dir.Sub("feed");

        // The run is synchronous on this thread: its allocations are this thread's (other tests run on theirs).
        long before = GC.GetAllocatedBytesForCurrentThread();
        var packed = Ml("package", "big@1", "--nuget", feed);
        long packing = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(packed.ExitCode == 0, packed.ToString());
        // Holding the model once would be 256 MB (twice: 512 MB, as before); streaming needs buffers only.
        Assert.True(packing < 32L << 20, $"packaging allocated {packing / (1 << 20)} MB for a {size >> 20} MB model");

        var pkg = Directory.EnumerateFiles(feed, "*.nupkg").Single();
        before = GC.GetAllocatedBytesForCurrentThread();
        var verified = Ml("verify", "--package", pkg);
        long verifying = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(verified.ExitCode == 0, verified.ToString());
        Assert.True(verifying < 32L << 20, $"verifying allocated {verifying / (1 << 20)} MB");
        using var zip = ZipFile.OpenRead(pkg);
        Assert.Equal(size, zip.Entries.Single(e => e.FullName.EndsWith("/big.zip", StringComparison.Ordinal)).Length);
    }

    [Fact]
    public void A_provenance_file_that_expands_to_hundreds_of_megabytes_is_refused_unread()
    {
        var pkg = _dir.Sub("bomb.nupkg");
        using (var zip = ZipFile.Open(pkg, ZipArchiveMode.Create))
        {
            using var s = zip.CreateEntry("mlbuild/provenance.json", CompressionLevel.SmallestSize).Open();
            var spaces = new byte[1 << 20];
            spaces.AsSpan().Fill((byte)' ');
            for (int i = 0; i < 200; i++) s.Write(spaces); // 200 MB of spaces in about 200 KB
        }
        Assert.True(new FileInfo(pkg).Length < 1 << 20);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var r = Ml("verify", "--package", pkg, "--extract", "out");
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 32L << 20);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("error MLB9041", r.Err);
        Assert.Contains("mlbuild/provenance.json", r.Err);
        Assert.False(Directory.Exists(_dir.Sub("out")));
    }

    [Fact]
    public void Entries_that_share_their_compressed_bytes_are_refused_as_an_overlapping_zip_bomb()
    {
        // One deflated entry of 8 MB of zeros, then its central directory record repeated: every copy points at the
        // same data, so 100 entries would make 800 MB from a file of kilobytes.
        var plain = new MemoryStream();
        using (var zip = new ZipArchive(plain, ZipArchiveMode.Create, leaveOpen: true))
        using (var s = zip.CreateEntry("contentFiles/any/any/Models/m/model.zip", CompressionLevel.SmallestSize).Open())
            s.Write(new byte[8 << 20]);
        var bytes = plain.ToArray();
        int eocd = bytes.AsSpan().LastIndexOf((ReadOnlySpan<byte>)[0x50, 0x4b, 0x05, 0x06]);
        int cdOffset = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(eocd + 16));
        int cdSize = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(eocd + 12));
        var record = bytes.AsSpan(cdOffset, cdSize).ToArray();
        var bomb = new MemoryStream();
        bomb.Write(bytes, 0, cdOffset);
        const int copies = 100;
        for (int i = 0; i < copies; i++) bomb.Write(record);
        var end = bytes.AsSpan(eocd, 22).ToArray();
        BinaryPrimitives.WriteUInt16LittleEndian(end.AsSpan(8), copies);
        BinaryPrimitives.WriteUInt16LittleEndian(end.AsSpan(10), copies);
        BinaryPrimitives.WriteInt32LittleEndian(end.AsSpan(12), cdSize * copies);
        bomb.Write(end);
        var pkg = _dir.Sub("overlap.nupkg");
        File.WriteAllBytes(pkg, bomb.ToArray());

        var r = Ml("verify", "--package", pkg);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("error MLB9041", r.Err);
        Assert.Contains("entries overlap", r.Err);
    }

    [Fact]
    public void A_package_with_more_entries_than_a_model_package_has_is_refused()
    {
        var pkg = _dir.Sub("many.nupkg");
        using (var zip = ZipFile.Open(pkg, ZipArchiveMode.Create))
            for (int i = 0; i <= 10_000; i++) zip.CreateEntry("e/" + i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var r = Ml("verify", "--package", pkg);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("error MLB9041", r.Err);
        Assert.Contains("10001 entries", r.Err);
    }
}
