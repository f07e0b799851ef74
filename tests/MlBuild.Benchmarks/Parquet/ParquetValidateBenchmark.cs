using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using MlBuild.Core.Data.Validation;
using Parquet;
using Parquet.Schema;

namespace MlBuild.Benchmarks.Parquet;

/// <summary>
/// Validate + profile of a Parquet file through <see cref="DatasetValidator"/> (which routes .parquet to the Parquet
/// reader), at one and two threads. With <c>MLBUILD_BENCH_PARQUET</c> (a file) and <c>MLBUILD_BENCH_SPEC</c> (the peers'
/// spec.json) it measures that file, e.g. the peers' 1M-row benchmark Parquet; otherwise it writes a 1M-row file of
/// the same shape (id, 14 floats, 3 categories, a date, a nullable float, a 0/1 label) to a temporary folder.
/// Runs in process (no generated project to build): <c>dotnet run -c Release --project tests/MlBuild.Benchmarks --
/// --filter '*ParquetValidate*'</c>.
/// </summary>
[Config(typeof(InProcessMonitoring))]
[MemoryDiagnoser]
public class ParquetValidateBenchmark
{
    sealed class InProcessMonitoring : ManualConfig
    {
        public InProcessMonitoring() =>
            AddJob(Job.Default.WithStrategy(RunStrategy.Monitoring).WithLaunchCount(1).WithWarmupCount(1).WithIterationCount(7)
                .WithToolchain(BenchmarkDotNet.Toolchains.InProcess.Emit.InProcessEmitToolchain.Instance));
    }

    DatasetRequest _request = null!;
    string? _tempDir;

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var file = Environment.GetEnvironmentVariable("MLBUILD_BENCH_PARQUET");
        var specPath = Environment.GetEnvironmentVariable("MLBUILD_BENCH_SPEC");
        if (file is null || specPath is null)
        {
            _tempDir = Directory.CreateTempSubdirectory("mlbuild-parquet-bench-").FullName;
            file = Path.Combine(_tempDir, "bench.parquet");
            specPath = Path.Combine(_tempDir, "spec.json");
            WriteSynthetic(file, specPath, rows: 1_000_000);
        }
        var schema = PeerBench.SchemaFromSpec(JsonNode.Parse(File.ReadAllText(specPath))!);
        _request = new DatasetRequest("bench", [Path.GetFullPath(file)], schema, Directory.GetCurrentDirectory());
        var first = DatasetValidator.Validate(_request, new ValidationOptions { MaxParallelism = Threads });
        Console.WriteLine($"// {file}: {first.Records} rows, {first.Checks.Sum(c => c.Failures)} violations, exit code {first.ExitCode}");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        if (_tempDir is not null) Directory.Delete(_tempDir, recursive: true);
    }

    [Benchmark]
    public long ValidateAndProfile() => DatasetValidator.Validate(_request, new ValidationOptions { MaxParallelism = Threads }).Records;

    /// <summary>Writes a file shaped like the peers' generated data (DuckDB-like: every column OPTIONAL, one row group).</summary>
    public static void WriteSynthetic(string file, string specPath, int rows)
    {
        var rnd = new Random(42);
        var fields = new List<DataField> { new DataField<long?>("id") };
        for (int i = 1; i <= 14; i++) fields.Add(new DataField<double?>($"f{i:00}"));
        fields.AddRange([new DataField<string>("c1", nullable: true), new DataField<string>("c2", nullable: true), new DataField<string>("c3", nullable: true),
            new DateTimeDataField("d", DateTimeFormat.Date, isNullable: true), new DataField<double?>("n1"), new DataField<long?>("y")]);
        var schema = new ParquetSchema(fields);
        string[] c1 = ["north", "south", "east", "west", "central"];
        var c2 = Enumerable.Range(1, 20).Select(i => $"prod_{i:00}").ToArray();
        var c3 = Enumerable.Range(1, 50).Select(i => $"store_{i:000}").ToArray();
        using (var fs = File.Create(file))
        {
            var writer = ParquetWriter.CreateAsync(schema, fs).GetAwaiter().GetResult();
            using (var rg = writer.CreateRowGroup())
            {
                rg.WriteAsync<long>(fields[0], Enumerable.Range(0, rows).Select(i => (long?)((uint)(i * 2654435761u) | 1)).ToArray().AsMemory()).GetAwaiter().GetResult();
                for (int c = 1; c <= 14; c++)
                    rg.WriteAsync<double>(fields[c], Enumerable.Range(0, rows).Select(_ => (double?)Math.Round(rnd.NextDouble() * 2 - 1, 4)).ToArray().AsMemory()).GetAwaiter().GetResult();
                rg.WriteAsync(fields[15], Enumerable.Range(0, rows).Select(_ => (string?)c1[rnd.Next(c1.Length)]).ToArray()).GetAwaiter().GetResult();
                rg.WriteAsync(fields[16], Enumerable.Range(0, rows).Select(_ => (string?)c2[rnd.Next(c2.Length)]).ToArray()).GetAwaiter().GetResult();
                rg.WriteAsync(fields[17], Enumerable.Range(0, rows).Select(_ => (string?)c3[rnd.Next(c3.Length)]).ToArray()).GetAwaiter().GetResult();
                var day0 = new DateTime(2023, 1, 1, 0, 0, 0, DateTimeKind.Utc);
                rg.WriteAsync<DateTime>(fields[18], Enumerable.Range(0, rows).Select(_ => (DateTime?)day0.AddDays(rnd.Next(730))).ToArray().AsMemory()).GetAwaiter().GetResult();
                rg.WriteAsync<double>(fields[19], Enumerable.Range(0, rows).Select(_ => rnd.Next(20) == 0 ? null : (double?)Math.Round(rnd.NextDouble() * 40, 4)).ToArray().AsMemory()).GetAwaiter().GetResult();
                rg.WriteAsync<long>(fields[20], Enumerable.Range(0, rows).Select(_ => (long?)rnd.Next(2)).ToArray().AsMemory()).GetAwaiter().GetResult();
            }
            writer.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        var cols = new JsonArray { new JsonObject { ["name"] = "id", ["type"] = "int64", ["nullable"] = false, ["unique"] = true, ["min"] = 1 } };
        for (int i = 1; i <= 14; i++) cols.Add(new JsonObject { ["name"] = $"f{i:00}", ["type"] = "float64", ["nullable"] = false, ["min"] = -1, ["max"] = 1 });
        cols.Add(new JsonObject { ["name"] = "c1", ["type"] = "string", ["nullable"] = false, ["allowed"] = new JsonArray(c1.Select(x => (JsonNode)x).ToArray()) });
        cols.Add(new JsonObject { ["name"] = "c2", ["type"] = "string", ["nullable"] = false, ["allowed"] = new JsonArray(c2.Select(x => (JsonNode)x).ToArray()) });
        cols.Add(new JsonObject { ["name"] = "c3", ["type"] = "string", ["nullable"] = false, ["allowed"] = new JsonArray(c3.Select(x => (JsonNode)x).ToArray()) });
        cols.Add(new JsonObject { ["name"] = "d", ["type"] = "date", ["nullable"] = false, ["min"] = "2023-01-01", ["max"] = "2024-12-31" });
        cols.Add(new JsonObject { ["name"] = "n1", ["type"] = "float64", ["nullable"] = true, ["min"] = 0, ["max"] = 100 });
        cols.Add(new JsonObject { ["name"] = "y", ["type"] = "int64", ["nullable"] = false, ["min"] = 0, ["max"] = 1 });
        File.WriteAllText(specPath, new JsonObject { ["spec_version"] = 1, ["columns"] = cols }.ToJsonString());
    }
}
