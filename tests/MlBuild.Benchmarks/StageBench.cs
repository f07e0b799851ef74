using System.Diagnostics;
using System.Text.Json.Nodes;
using MlBuild.Core.Data.Csv;
using MlBuild.Core.Data.Schema;
using MlBuild.Core.Data.Validation;

namespace MlBuild.Benchmarks;

/// <summary>
/// <c>stages --spec SPEC [--chunk-kb N] [--stream-kb N,N...] FILE</c>: the CSV path's stages (tokenise, decode each column, check) timed one at a time on
/// the file's first chunk (the default chunk size, or <c>--chunk-kb</c>), in ns per cell. Tells where a chunk's time goes, which whole-run timings on a shared
/// machine are too noisy to show. Single-threaded; the best of many repetitions.
/// </summary>
public static class StageBench
{
    public static int Run(string[] args)
    {
        string spec = args[Array.IndexOf(args, "--spec") + 1];
        string file = args[^1];
        var schema = PeerBench.SchemaFromSpec(JsonNode.Parse(File.ReadAllText(spec))!);
        var plan = new ValidationPlan(schema);
        for (int i = 0; i < plan.Columns.Length; i++) plan.Columns[i].DataPosition = i + 1; // spec order is the file order
        var options = new ValidationOptions();
        var checker = new BatchChecker(plan, options);
        var bytes = File.ReadAllBytes(file);
        int headerEnd = Array.IndexOf(bytes, (byte)'\n') + 1;
        int chunkKb = Array.IndexOf(args, "--chunk-kb") is var k and >= 0 ? int.Parse(args[k + 1]) : new ValidationOptions().ChunkBytes >> 10;
        int length = Math.Min(chunkKb << 10, bytes.Length - headerEnd);
        length = Array.LastIndexOf(bytes, (byte)'\n', headerEnd + length - 1) + 1 - headerEnd;
        var chunk = new byte[length + Utf8Parsers.ReadAhead];
        Array.Copy(bytes, headerEnd, chunk, 0, length);
        int newlines = chunk.AsSpan(0, length).Count((byte)'\n');
        int columns = schema.Columns.Count;
        var tokens = new TokenizedChunk();
        var vectors = plan.Columns.Select(p => new ColumnVector(p.Schema.Type) { HasRawText = true }).ToArray();
        var batch = new RowBatch { Columns = vectors, DataColumnPositions = plan.Columns.Select(p => p.DataPosition).ToArray() };
        var sketches = new SketchSet(plan);

        double Best(Action body, int reps = 30)
        {
            double best = double.MaxValue;
            for (int r = 0; r < reps; r++)
            {
                var sw = Stopwatch.StartNew();
                body();
                best = Math.Min(best, sw.Elapsed.TotalNanoseconds);
            }
            return best;
        }

        double tokenize = Best(() => CsvTokenizer.Tokenize(chunk, length, (byte)',', false, newlines, columns, tokens));
        int rows = tokens.Records;
        batch.RowCount = rows;
        Console.WriteLine($"chunk {length >> 10} KB, {rows} rows x {columns} columns");
        Console.WriteLine($"tokenise            {tokenize / (rows * columns),6:F2} ns/cell  {length / tokenize:F2} GB/s");
        {
            // The float parsers alone over one column's cells: in place (read-ahead) and over the cell's span.
            int col = plan.Columns.First(p => p.Schema.Type == ColumnType.Float).Index;
            var starts = tokens.FieldStart[col];
            var lengths = tokens.FieldLength[col];
            double sink = 0;
            double inPlace = Best(() => { for (int r = 0; r < rows; r++) if (Utf8Parsers.TryParseDouble(chunk, starts[r], lengths[r], out var x)) sink += x; });
            double span = Best(() => { for (int r = 0; r < rows; r++) if (Utf8Parsers.TryParseDouble(chunk.AsSpan(starts[r], lengths[r]), out var x)) sink += x; });
            Console.WriteLine($"parse float in place {inPlace / rows,5:F2} ns/cell, over a span {span / rows:F2} ns/cell ({sink:F0})");
        }
        BatchResult NewResult() => BatchResult.Create(plan, batch, sketches);
        var result = NewResult();
        foreach (var group in plan.Columns.GroupBy(p => p.Schema.Type))
        {
            // One type's columns alone (the others' vectors left out).
            var only = vectors.Select((v, i) => plan.Columns[i].Schema.Type == group.Key ? v : null).ToArray();
            double t = Best(() => CsvReader.DecodeColumns(plan, only, chunk, tokens, result, checker));
            Console.WriteLine($"decode {group.Key,-12} {t / (rows * group.Count()),6:F2} ns/cell  ({group.Count()} columns)");
        }
        double decodeAll = Best(() => CsvReader.DecodeColumns(plan, vectors, chunk, tokens, result, checker));
        Console.WriteLine($"decode all          {decodeAll / (rows * columns),6:F2} ns/cell");
        foreach (var group in plan.Columns.GroupBy(p => p.Schema.Type))
        {
            var cols = group.ToList();
            double t = Best(() => { var r = NewResult(); foreach (var p in cols) checker.CheckColumn(r, p); });
            Console.WriteLine($"check {group.Key,-13} {t / (rows * cols.Count),6:F2} ns/cell  ({cols.Count} columns)");
        }
        double check = Best(() => checker.Check(NewResult()));
        Console.WriteLine($"check + profile     {check / (rows * columns),6:F2} ns/cell");
        Console.WriteLine($"total               {(tokenize + decodeAll + check) / (rows * columns),6:F2} ns/cell  {length / (tokenize + decodeAll + check):F2} GB/s");
        // --stream-kb 1024,256: the streamed passes for these chunk sizes, alternating (default: the chunk size above).
        var streamSizes = Array.IndexOf(args, "--stream-kb") is var sk and >= 0
            ? args[sk + 1].Split(',').Select(x => int.Parse(x) << 10).ToArray()
            : [chunkKb << 10];
        Stream(bytes, headerEnd, streamSizes, passes: 5, columns, plan, checker, NewResult, vectors, batch);
        return 0;
    }

    /// <summary>
    /// The same stages over every chunk of the file in turn, each chunk copied in first as a read would: what they
    /// cost when their data is not already in the cache, which repeating one chunk hides. With several chunk sizes the
    /// passes alternate between them, so a slow spell of this shared machine hits every size alike; the best of
    /// <paramref name="passes"/> passes per size.
    /// </summary>
    static void Stream(byte[] bytes, int headerEnd, int[] chunkSizes, int passes, int columns, ValidationPlan plan, BatchChecker checker,
        Func<BatchResult> newResult, ColumnVector[] vectors, RowBatch batch)
    {
        var chunk = new byte[chunkSizes.Max() + Utf8Parsers.ReadAhead];
        var tokens = new TokenizedChunk();
        var best = chunkSizes.ToDictionary(c => c, _ => (Total: double.MaxValue, Copy: 0.0, Tokenise: 0.0, Decode: 0.0, Rules: 0.0));
        long cells = 0;
        for (int pass = 0; pass < passes; pass++)
            foreach (int chunkBytes in chunkSizes)
            {
                double copy = 0, tok = 0, dec = 0, chk = 0;
                cells = 0;
                var sw = new Stopwatch();
                for (int at = headerEnd; at < bytes.Length;)
                {
                    int length = Math.Min(chunkBytes, bytes.Length - at);
                    if (at + length < bytes.Length) length = Array.LastIndexOf(bytes, (byte)'\n', at + length - 1) + 1 - at;
                    sw.Restart();
                    Array.Copy(bytes, at, chunk, 0, length);
                    copy += sw.Elapsed.TotalNanoseconds;
                    at += length;
                    int newlines = chunk.AsSpan(0, length).Count((byte)'\n');
                    sw.Restart();
                    CsvTokenizer.Tokenize(chunk, length, (byte)',', false, newlines, columns, tokens);
                    tok += sw.Elapsed.TotalNanoseconds;
                    batch.RowCount = tokens.Records;
                    var result = newResult();
                    // As the reader does: each column checked right after it is decoded (decode here includes the checks).
                    sw.Restart();
                    CsvReader.DecodeColumns(plan, vectors, chunk, tokens, result, checker, checkEach: true);
                    dec += sw.Elapsed.TotalNanoseconds;
                    sw.Restart();
                    checker.CheckRules(result);
                    chk += sw.Elapsed.TotalNanoseconds;
                    cells += (long)tokens.Records * columns;
                }
                double total = copy + tok + dec + chk;
                if (total < best[chunkBytes].Total) best[chunkBytes] = (total, copy, tok, dec, chk);
            }
        Console.WriteLine($"streamed over the whole file, best of {passes} alternating passes, ns/cell:");
        foreach (var (size, b) in best)
            Console.WriteLine($"  {size >> 10,5} KB chunks: copy {b.Copy / cells:F2}  tokenise {b.Tokenise / cells:F2}  decode + check {b.Decode / cells:F2}  rules {b.Rules / cells:F2}  total {b.Total / cells:F2}");
    }
}
