using System.IO.Compression;
using MlBuild.Core.Data.Schema;
using MlBuild.Core.Data.Validation;
using MlBuild.Core.Models.Training;
using MlBuild.Core.Tests.Parquet;
using Parquet.Schema;

namespace MlBuild.Core.Tests.Training;

public sealed class TrainingTableTests : IDisposable
{
    readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    TrainingTable Load(string file, string? key, int threads = 2, int chunkBytes = 1 << 20, string schema = TrainingData.Schema) =>
        TrainingTable.Load(new DatasetRequest("train", [file], SchemaLoader.Parse(TrainingData.Utf8(schema), "s.json"), _dir.Path),
            ["id", "x1", "cat", "day", "flag"], key, new ValidationOptions { MaxParallelism = threads, ChunkBytes = chunkBytes });

    static HashSet<double> Ids(TrainingTable t, IEnumerable<int> rows) => rows.Select(r => t["id"].Number(r)).ToHashSet();

    [Fact]
    public void Split_and_sample_follow_the_key_whatever_the_file_order_chunking_and_thread_count()
    {
        _dir.Write("a.csv", TrainingData.Csv(3000));
        _dir.Write("b.csv", TrainingData.Csv(3000, reverse: true));
        var a = Load("a.csv", "id", threads: 1);
        var b = Load("b.csv", "id", threads: 2, chunkBytes: 4096); // many batches, merged in order
        var (trainA, testA) = RowSplitter.Split(a.KeyHashes.AsSpan(0, a.RowCount), 42, 0.2);
        var (trainB, testB) = RowSplitter.Split(b.KeyHashes.AsSpan(0, b.RowCount), 42, 0.2);
        Assert.Equal(Ids(a, testA), Ids(b, testB));
        Assert.Equal(Ids(a, RowSplitter.Sample(trainA, a.KeyHashes, 42, 500)), Ids(b, RowSplitter.Sample(trainB, b.KeyHashes, 42, 500)));
        Assert.Equal(500, RowSplitter.Sample(trainA, a.KeyHashes, 42, 500).Length);
        // Row numbers instead of a key: the same rows for any chunking and thread count.
        Assert.Equal(Load("a.csv", null, threads: 1).KeyHashes.AsSpan(0, 3000).ToArray(), Load("a.csv", null, threads: 2, chunkBytes: 4096).KeyHashes.AsSpan(0, 3000).ToArray());
    }

    [Fact]
    public void The_test_share_is_the_declared_share_and_seeds_differ()
    {
        var hashes = Enumerable.Range(1, 20000).Select(i => RowSplitter.Mix((ulong)i)).ToArray();
        var (_, test) = RowSplitter.Split(hashes, 42, 0.2);
        Assert.InRange(test.Length, 4000 - 200, 4000 + 200); // binomial sd is 57
        var (_, other) = RowSplitter.Split(hashes, 43, 0.2);
        Assert.InRange(test.Intersect(other).Count(), 800 - 120, 800 + 120); // independent draws overlap by share^2
    }

    [Fact]
    public void The_row_hash_is_pinned_so_every_version_and_machine_picks_the_same_rows()
    {
        // Changing Mix or the salts would move rows between train and test for every user: this must fail first.
        var hashes = Enumerable.Range(1, 40).Select(i => RowSplitter.Mix((ulong)i)).ToArray();
        var (_, test) = RowSplitter.Split(hashes, 42, 0.2);
        // The list was computed by an independent Python transcription of SplitMix64 with the same salt and threshold.
        Assert.Equal([8, 10, 12, 13, 14, 21, 28, 31, 32], test.Select(r => r + 1));
    }

    [Fact]
    public void Csv_and_parquet_give_the_same_view_to_mlnet()
    {
        _dir.Write("t.csv", "id,x1,cat,day,flag\n1,0.5,a,2024-01-02,true\n2,,b,2024-03-04,false\n3,-1.25,,,\n");
        ParquetTestFiles.Write(Path.Combine(_dir.Path, "t.parquet"),
            new TestColumn(new DataField<long>("id"), new long[] { 1, 2, 3 }),
            new TestColumn(new DataField<double?>("x1"), new double?[] { 0.5, null, -1.25 }),
            new TestColumn(new DataField<string>("cat"), new string?[] { "a", "b", null }),
            new TestColumn(new DataField<DateTime?>("day"), new DateTime?[] { new(2024, 1, 2), new(2024, 3, 4), null }),
            new TestColumn(new DataField<bool?>("flag"), new bool?[] { true, false, null }));
        const string schema = """
        {"schemaVersion": 1, "columns": [{"name": "id", "type": "integer"}, {"name": "x1", "type": "float"}, {"name": "cat", "type": "category"},
          {"name": "day", "type": "date"}, {"name": "flag", "type": "boolean"}]}
        """;
        var csv = Load("t.csv", null, schema: schema);
        var parquet = Load("t.parquet", null, schema: schema);
        Assert.Equal(0, csv.Validation.ExitCode);
        Assert.Equal(0, parquet.Validation.ExitCode);
        var expected = new[]
        {
            "1|0.5|a|19724|1",
            "2||b|19786|0",
            "3|-1.25|||",
        };
        Assert.Equal(expected, Rows(csv));
        Assert.Equal(expected, Rows(parquet));
    }

    static List<string> Rows(TrainingTable t)
    {
        var view = new TableDataView([
            new ViewColumn("id", ViewColumnKind.Single, t["id"]), new ViewColumn("x1", ViewColumnKind.Single, t["x1"]),
            new ViewColumn("cat", ViewColumnKind.Text, t["cat"]), new ViewColumn("day", ViewColumnKind.Single, t["day"]),
            new ViewColumn("flag", ViewColumnKind.Single, t["flag"])], Enumerable.Range(0, t.RowCount).ToArray());
        // Read through ML.NET's row cursor, as a trainer does; dates arrive as days since 1970-01-01.
        var rows = new List<string>();
        using var cursor = view.GetRowCursor(view.Schema);
        var id = cursor.GetGetter<float>(view.Schema["id"]);
        var x1 = cursor.GetGetter<float>(view.Schema["x1"]);
        var cat = cursor.GetGetter<ReadOnlyMemory<char>>(view.Schema["cat"]);
        var day = cursor.GetGetter<float>(view.Schema["day"]);
        var flag = cursor.GetGetter<float>(view.Schema["flag"]);
        float i = 0, x = 0, d = 0, f = 0;
        ReadOnlyMemory<char> c = default;
        static string N(float v) => float.IsNaN(v) ? "" : v.ToString(System.Globalization.CultureInfo.InvariantCulture);
        while (cursor.MoveNext())
        {
            id(ref i); x1(ref x); cat(ref c); day(ref d); flag(ref f);
            rows.Add(string.Join('|', N(i), N(x), c.ToString(), N(d), N(f)));
        }
        return rows;
    }

    [Fact]
    public void The_canonical_hash_ignores_timestamps_order_and_version_but_not_content()
    {
        byte[] Zip(bool reversed, DateTimeOffset stamp, string version, string model)
        {
            var entries = new List<(string, string)> { ("Schema", "s"), ("TrainingInfo/Version.txt", version), ("TransformerChain/Model.key", model) };
            if (reversed) entries.Reverse();
            using var ms = new MemoryStream();
            using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
                foreach (var (name, text) in entries)
                {
                    var e = zip.CreateEntry(name, reversed ? CompressionLevel.Fastest : CompressionLevel.Optimal);
                    e.LastWriteTime = stamp;
                    using var w = new StreamWriter(e.Open());
                    w.Write(text);
                }
            return ms.ToArray();
        }
        var a = Zip(false, new DateTimeOffset(2026, 1, 2, 3, 4, 6, TimeSpan.Zero), "6.0.0", "weights");
        var b = Zip(true, new DateTimeOffset(2025, 5, 6, 7, 8, 10, TimeSpan.Zero), "5.0.1", "weights");
        var c = Zip(false, new DateTimeOffset(2026, 1, 2, 3, 4, 6, TimeSpan.Zero), "6.0.0", "weightz");
        Assert.NotEqual(a, b);
        Assert.Equal(ModelZip.CanonicalHash(new MemoryStream(a)), ModelZip.CanonicalHash(new MemoryStream(b)));
        Assert.NotEqual(ModelZip.CanonicalHash(new MemoryStream(a)), ModelZip.CanonicalHash(new MemoryStream(c)));
        // Normalising makes the files themselves equal when only stamps and order differ (Version.txt is kept in the file).
        var b2 = Zip(true, new DateTimeOffset(2025, 5, 6, 7, 8, 10, TimeSpan.Zero), "6.0.0", "weights");
        Assert.Equal(ModelZip.Normalize(a), ModelZip.Normalize(b2));
        Assert.Equal(ModelZip.CanonicalHash(new MemoryStream(a)), ModelZip.CanonicalHash(new MemoryStream(ModelZip.Normalize(a))));
    }

    [Fact]
    public void A_corrupt_model_file_is_a_coded_diagnostic()
    {
        var e = Assert.Throws<Core.Diagnostics.MlBuildException>(() => ModelZip.CanonicalHash(new MemoryStream([1, 2, 3, 4])));
        Assert.Equal("MLB3306", e.Diagnostic.Code);
    }
}
