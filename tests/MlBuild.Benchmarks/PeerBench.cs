using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MlBuild.Core.Data.Schema;
using MlBuild.Core.Data.Validation;

namespace MlBuild.Benchmarks;

/// <summary>
/// The ../shared/peers runner protocol: <c>--task T --spec SPEC --repeat N FILE [CUR]</c>, one JSON line out, so MlBuild
/// is one more row beside DuckDB, Polars and pandas in run-all.sh. Times are measured inside the process, like the peers'.
/// </summary>
public static class PeerBench
{
    public static int Run(string[] args)
    {
        string? task = null, specPath = null, outPath = null;
        bool alone = false;
        int repeat = 5, threads = Environment.ProcessorCount, chunkKb = 0;
        var files = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--task": task = args[++i]; break;
                case "--spec": specPath = args[++i]; break;
                case "--repeat": repeat = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--threads": threads = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--chunk-kb": chunkKb = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--out": outPath = args[++i]; break;
                case "--alone": alone = true; break;
                default: files.Add(args[i]); break;
            }
        }
        if (task is null || specPath is null || files.Count == 0)
        {
            Console.Error.WriteLine("usage: peer-bench --task validate --spec spec.json [--repeat N] [--threads N] FILE");
            return 2;
        }
        var spec = JsonNode.Parse(File.ReadAllText(specPath))!;
        var line = new JsonObject
        {
            ["peer"] = "mlbuild",
            ["version"] = typeof(DatasetValidator).Assembly.GetName().Version?.ToString(),
            ["threads"] = threads,
            ["task"] = task,
            ["file"] = Path.GetFileName(files[0]),
            ["bytes"] = FileLength(files[0]),
        };
        if (task == "train")
        {
            PeerBenchTrain.Run(line, spec, files[0], repeat, threads);
            Console.WriteLine(line.ToJsonString());
            return 0;
        }
        if (task == "metrics")
        {
            PeerBenchMetrics.Run(line, spec, files[0], repeat);
            Console.WriteLine(line.ToJsonString());
            return 0;
        }
        if (task == "drift")
        {
            if (files.Count < 2) { Console.Error.WriteLine("usage: peer-bench --task drift --spec spec.json REF CUR"); return 2; }
            line["current_file"] = Path.GetFileName(files[1]);
            return Drift(line, spec, files[0], files[1], repeat, threads);
        }
        if (task == "profile")
            return PeerBenchProfile.Profile(line, spec, files[0], repeat, threads, outPath, alone);
        if (task == "drift-profile")
        {
            if (files.Count < 2) { Console.Error.WriteLine("usage: peer-bench --task drift-profile --spec spec.json REFERENCE.json CUR"); return 2; }
            line["current_file"] = Path.GetFileName(files[1]);
            return PeerBenchProfile.DriftAgainstProfile(line, spec, files[0], files[1], repeat, threads, alone);
        }
        if (task == "validate-drift")
        {
            if (files.Count < 2) { Console.Error.WriteLine("usage: peer-bench --task validate-drift --spec spec.json REFERENCE.json CUR"); return 2; }
            line["current_file"] = Path.GetFileName(files[1]);
            return PeerBenchProfile.ValidateAndDrift(line, spec, files[0], files[1], repeat, threads);
        }
        if (task != "validate")
        {
            line["summary"] = "unsupported";
            line["reason"] = $"MlBuild's {task} is not implemented yet";
            line["min_s"] = null; line["median_s"] = null; line["runs"] = new JsonArray();
            Console.WriteLine(line.ToJsonString());
            return 0;
        }
        var schema = SchemaFromSpec(spec);
        var request = new DatasetRequest("bench", [Path.GetFullPath(files[0])], schema, Directory.GetCurrentDirectory());
        var options = chunkKb > 0
            ? new ValidationOptions { MaxParallelism = threads, ChunkBytes = chunkKb << 10 }
            : new ValidationOptions { MaxParallelism = threads };
        var runs = new List<double>();
        var cpu = new List<double>();
        ValidationResult? result = null;
        for (int r = 0; r < repeat; r++)
        {
            var proc = Process.GetCurrentProcess();
            var cpu0 = proc.TotalProcessorTime;
            var sw = Stopwatch.StartNew();
            result = DatasetValidator.Validate(request, options);
            sw.Stop();
            proc.Refresh();
            runs.Add(sw.Elapsed.TotalSeconds);
            cpu.Add((proc.TotalProcessorTime - cpu0).TotalSeconds);
        }
        var sorted = runs.Order().ToList();
        line["rows"] = result!.Records;
        line["min_s"] = Math.Round(sorted[0], 4);
        line["median_s"] = Math.Round(sorted[sorted.Count / 2], 4);
        line["runs"] = new JsonArray(runs.Select(x => (JsonNode)Math.Round(x, 4)).ToArray());
        line["cpu_s"] = new JsonArray(cpu.Select(x => (JsonNode)Math.Round(x, 4)).ToArray());
        line["notes"] = "in-process, after JIT warm-up on the first repetition; validate + full profile in one pass";
        line["summary"] = Summary(result, spec);
        Console.WriteLine(line.ToJsonString());
        return result.InputErrors.Count > 0 ? 2 : 0;
    }

    /// <summary>
    /// The peers' drift task: both files profiled by MlBuild's readers (values exact in memory), then per numeric column
    /// KS D, PSI over reference deciles (the spec's floor) and null rates, per categorical column the uncorrected
    /// chi-square, Jensen-Shannon distance and category count, rounded as the peers round (4 decimals).
    /// </summary>
    static int Drift(JsonObject line, JsonNode spec, string referencePath, string currentPath, int repeat, int threads)
    {
        var drift = spec["drift"]!;
        var numeric = drift["numeric"]!.AsArray().Select(x => (string)x!).ToList();
        var categorical = drift["categorical"]!.AsArray().Select(x => (string)x!).ToList();
        int bins = drift["psi_bins"]?.GetValue<int>() ?? 10;
        double floor = drift["psi_floor"]?.GetValue<double>() ?? 1e-6;
        var full = SchemaFromSpec(spec);
        var schema = new DatasetSchema { Columns = full.Columns.Where(c => numeric.Contains(c.Name) || categorical.Contains(c.Name)).ToList(), ExtraColumns = ColumnPolicy.Ignore };
        var limits = new MlBuild.Core.Data.Profiling.ProfileLimits { ExactValues = MlBuild.Core.Data.Profiling.ProfileLimits.InMemoryExactValues };
        var runs = new List<double>();
        JsonObject? summary = null;
        for (int r = 0; r < repeat; r++)
        {
            var sw = Stopwatch.StartNew();
            var reference = MlBuild.Core.Data.Profiling.ProfileBuilder.Build(new DatasetRequest("ref", [Path.GetFullPath(referencePath)], schema, Directory.GetCurrentDirectory()), limits, threads);
            var current = MlBuild.Core.Data.Profiling.ProfileBuilder.Build(new DatasetRequest("cur", [Path.GetFullPath(currentPath)], schema, Directory.GetCurrentDirectory()), limits, threads);
            var num = new JsonObject();
            var cat = new JsonObject();
            foreach (var (rc, cc) in reference.Columns.Zip(current.Columns))
            {
                if (rc.Values is { } rv)
                {
                    var (xs, ns) = rv.Exact();
                    var (ys, ms) = cc.Values!.Exact();
                    var a = MlBuild.Core.Data.Drift.Statistics.SortedSample.FromCounts(xs, ns);
                    var b = MlBuild.Core.Data.Drift.Statistics.SortedSample.FromCounts(ys, ms);
                    num[rc.Name] = new JsonObject
                    {
                        ["ks"] = Dec(MlBuild.Core.Data.Drift.Statistics.KolmogorovSmirnov.Test(a, b).Value),
                        ["psi"] = Dec(MlBuild.Core.Data.Drift.Statistics.PopulationStabilityIndex.Compute(a, b, bins, floor).Value),
                        ["null_ref"] = Dec(1 - (double)rv.Count / reference.Rows),
                        ["null_cur"] = Dec(1 - (double)cc.Values.Count / current.Rows),
                    };
                }
                else
                {
                    var rd = rc.Categories!.Sorted().ToDictionary(kv => kv.Key, kv => kv.Value);
                    var cd = cc.Categories!.Sorted().ToDictionary(kv => kv.Key, kv => kv.Value);
                    cat[rc.Name] = new JsonObject
                    {
                        ["chi2"] = Dec(MlBuild.Core.Data.Drift.Statistics.CategoricalDrift.ChiSquare(rd, cd, continuityCorrection: false).Value),
                        ["js"] = Dec(MlBuild.Core.Data.Drift.Statistics.CategoricalDrift.JensenShannon(rd, cd).Value),
                        ["categories"] = rd.Keys.Union(cd.Keys).Count(),
                    };
                }
            }
            sw.Stop();
            runs.Add(sw.Elapsed.TotalSeconds);
            summary = new JsonObject { ["n_ref"] = reference.Rows, ["n_cur"] = current.Rows, ["numeric"] = num, ["categorical"] = cat };
            line["rows"] = reference.Rows + current.Rows;
        }
        var sorted = runs.Order().ToList();
        line["min_s"] = Math.Round(sorted[0], 4);
        line["median_s"] = Math.Round(sorted[sorted.Count / 2], 4);
        line["runs"] = new JsonArray(runs.Select(x => (JsonNode)Math.Round(x, 4)).ToArray());
        line["notes"] = "in-process; both files profiled by MlBuild's readers with exact values in memory, then the statistics";
        line["summary"] = summary;
        Console.WriteLine(line.ToJsonString());
        return 0;
    }

    /// <summary>Rounds half away from zero to 4 decimals, as the peers' <c>dec</c> does.</summary>
    static double Dec(double x)
    {
        if (!double.IsFinite(x)) return x;
        double v = (double)Math.Round((decimal)x, 4, MidpointRounding.AwayFromZero);
        return v == 0 ? 0 : v;
    }

    /// <summary>The data's size (through symbolic links, which run-all.sh data folders may use).</summary>
    static long FileLength(string path)
    {
        using var stream = File.OpenRead(path);
        return stream.Length;
    }

    /// <summary>Translates the peers' spec.json into an MlBuild schema (the same checks).</summary>
    public static DatasetSchema SchemaFromSpec(JsonNode spec)
    {
        var columns = new List<ColumnSchema>();
        foreach (var c in spec["columns"]!.AsArray())
        {
            var type = (string)c!["type"]! switch
            {
                "int64" => ColumnType.Integer,
                "float64" => ColumnType.Float,
                "date" => ColumnType.Date,
                _ => c["allowed"] is null ? ColumnType.String : ColumnType.Category,
            };
            Bound? B(string key)
            {
                var v = c[key];
                if (v is null) return null;
                if (type == ColumnType.Date)
                {
                    var text = (string)v!;
                    return new Bound(DateOnly.ParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture).DayNumber, text, false);
                }
                var d = v.GetValue<double>();
                return new Bound(d, d.ToString(CultureInfo.InvariantCulture), false);
            }
            columns.Add(new ColumnSchema
            {
                Name = (string)c["name"]!,
                Type = type,
                Nullable = c["nullable"]?.GetValue<bool>() ?? true,
                Unique = c["unique"]?.GetValue<bool>() ?? false,
                Min = B("min"),
                Max = B("max"),
                Allowed = c["allowed"]?.AsArray().Select(x => (string)x!).ToList(),
            });
        }
        return new DatasetSchema { Columns = columns, ExtraColumns = ColumnPolicy.Ignore };
    }

    static JsonObject Summary(ValidationResult result, JsonNode spec)
    {
        var checks = new JsonObject();
        long total = 0;
        var peerName = new Dictionary<string, string> { ["type"] = "type", ["notNull"] = "not_null", ["min"] = "min", ["max"] = "max", ["allowed"] = "allowed", ["unique"] = "unique" };
        foreach (var c in result.Checks)
        {
            if (c.Column is null || !peerName.TryGetValue(c.Kind, out var kind)) continue;
            checks[$"{c.Column}.{kind}"] = c.Failures;
            total += c.Failures;
        }
        var stats = new JsonObject();
        foreach (var p in result.Profile!.Columns)
        {
            var s = new JsonObject { ["count"] = p.Count, ["nulls"] = p.Nulls };
            if (p.Type is "string" or "category") s["distinct"] = p.Distinct;
            else if (p.Type == "date") { s["min"] = p.MinText; s["max"] = p.MaxText; }
            else
            {
                s["min"] = Sig(p.Min); s["max"] = Sig(p.Max); s["mean"] = Sig(p.Mean); s["std"] = Sig(p.StdDev);
            }
            stats[p.Name] = s;
        }
        return new JsonObject { ["violations_total"] = total, ["checks"] = checks, ["stats"] = stats };
    }

    static JsonNode? Sig(double? x) => x is { } v ? JsonValue.Create(double.Parse(v.ToString("G6", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture)) : null;
}
