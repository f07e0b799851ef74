using System.Diagnostics;
using System.Text.Json.Nodes;
using MlBuild.Core.Data.Drift;
using MlBuild.Core.Data.Profiling;
using MlBuild.Core.Data.Validation;

namespace MlBuild.Benchmarks;

/// <summary>
/// Issue 14's profile targets as same-run ratios: each repetition validates the file with the spec's checks, then does
/// the profile work (a profile of the file; or drift of the file against a stored reference profile), so the two times
/// share the machine's load. <c>--alone</c> skips the validation (for a memory measurement of the profile alone).
/// </summary>
public static class PeerBenchProfile
{
    /// <summary><c>--task profile FILE [--out PROFILE]</c>: the saved profile of the file (built and serialised).</summary>
    public static int Profile(JsonObject line, JsonNode spec, string path, int repeat, int threads, string? outPath, bool alone)
    {
        var request = Request(spec, path);
        return Alternate(line, request, repeat, threads, alone, "profile built and serialised (default limits)", () =>
        {
            var phases = Stopwatch.StartNew();
            var profile = ProfileBuilder.Build(request, new ProfileLimits(), threads);
            double built = phases.Elapsed.TotalSeconds;
            var json = ProfileJson.Write(profile);
            if (outPath is not null) File.WriteAllBytes(outPath, json);
            return new JsonObject { ["build_s"] = Math.Round(built, 4), ["write_s"] = Math.Round(phases.Elapsed.TotalSeconds - built, 4), ["rows"] = profile.Rows };
        });
    }

    /// <summary><c>--task drift-profile REFERENCE.json CUR</c>: drift of the current file against a stored profile.</summary>
    public static int DriftAgainstProfile(JsonObject line, JsonNode spec, string referencePath, string currentPath, int repeat, int threads, bool alone)
    {
        var request = Request(spec, currentPath);
        return Alternate(line, request, repeat, threads, alone, "reference profile read, current file profiled with its limits, drift analysed", () =>
        {
            var phases = Stopwatch.StartNew();
            var reference = ProfileJson.ReadFile(Path.GetFullPath(referencePath), referencePath);
            double read = phases.Elapsed.TotalSeconds;
            var current = ProfileBuilder.BuildForDrift(request, reference, threads);
            double built = phases.Elapsed.TotalSeconds;
            var result = DriftAnalyzer.Analyze(reference, current, new DriftRule(), referencePath, currentPath);
            return new JsonObject
            {
                ["read_s"] = Math.Round(read, 4), ["build_s"] = Math.Round(built - read, 4), ["analyse_s"] = Math.Round(phases.Elapsed.TotalSeconds - built, 4),
                ["drifted"] = result.Drifted, ["drifted_columns"] = result.DriftedColumns,
            };
        });
    }

    /// <summary>
    /// <c>--task validate-drift REFERENCE.json CUR</c>: what <c>dotnet build</c> does for a dataset with a reference
    /// profile: the reference read, the current file validated with the spec's checks and profiled in the same pass,
    /// drift analysed; against a validation alone.
    /// </summary>
    public static int ValidateAndDrift(JsonObject line, JsonNode spec, string referencePath, string currentPath, int repeat, int threads)
    {
        var request = Request(spec, currentPath);
        return Alternate(line, request, repeat, threads, false, "reference profile read, current file validated and profiled in one pass, drift analysed", () =>
        {
            var phases = Stopwatch.StartNew();
            var reference = ProfileJson.ReadFile(Path.GetFullPath(referencePath), referencePath);
            double read = phases.Elapsed.TotalSeconds;
            var (validated, current) = ProfileBuilder.ValidateForDrift(request, reference, new ValidationOptions { MaxParallelism = threads });
            double built = phases.Elapsed.TotalSeconds;
            var result = DriftAnalyzer.Analyze(reference, current!, new DriftRule(), referencePath, currentPath);
            return new JsonObject
            {
                ["read_s"] = Math.Round(read, 4), ["validate_and_profile_s"] = Math.Round(built - read, 4), ["analyse_s"] = Math.Round(phases.Elapsed.TotalSeconds - built, 4),
                ["checks_failed"] = validated.Checks.Count(c => !c.Passed), ["drifted"] = result.Drifted, ["drifted_columns"] = result.DriftedColumns,
            };
        });
    }

    static DatasetRequest Request(JsonNode spec, string path) =>
        new("bench", [Path.GetFullPath(path)], PeerBench.SchemaFromSpec(spec), Directory.GetCurrentDirectory());

    static int Alternate(JsonObject line, DatasetRequest request, int repeat, int threads, bool alone, string notes, Func<JsonObject> work)
    {
        var options = new ValidationOptions { MaxParallelism = threads };
        var validateRuns = new List<double>();
        var runs = new List<double>();
        var validateCpu = new List<double>();
        var cpu = new List<double>();
        var process = Process.GetCurrentProcess();
        double Cpu() { process.Refresh(); return process.TotalProcessorTime.TotalSeconds; }
        var phases = new JsonArray();
        for (int r = 0; r < repeat; r++)
        {
            if (!alone)
            {
                double cpu0 = Cpu();
                var sw = Stopwatch.StartNew();
                DatasetValidator.Validate(request, options);
                validateRuns.Add(sw.Elapsed.TotalSeconds);
                validateCpu.Add(Cpu() - cpu0);
            }
            double cpu1 = Cpu();
            var watch = Stopwatch.StartNew();
            var detail = work();
            runs.Add(watch.Elapsed.TotalSeconds);
            cpu.Add(Cpu() - cpu1);
            phases.Add(detail);
        }
        line["min_s"] = Math.Round(runs.Min(), 4);
        line["median_s"] = Math.Round(runs.Order().ElementAt(runs.Count / 2), 4);
        line["runs"] = new JsonArray(runs.Select(x => (JsonNode)Math.Round(x, 4)).ToArray());
        if (!alone)
        {
            line["validate_min_s"] = Math.Round(validateRuns.Min(), 4);
            line["validate_runs"] = new JsonArray(validateRuns.Select(x => (JsonNode)Math.Round(x, 4)).ToArray());
            line["ratio_to_validate"] = Math.Round(runs.Min() / validateRuns.Min(), 3);
            line["cpu_ratio_to_validate"] = Math.Round(cpu.Min() / validateCpu.Min(), 3);
        }
        line["phases"] = phases;
        line["peak_working_set_mb"] = Process.GetCurrentProcess().PeakWorkingSet64 >> 20;
        line["notes"] = notes;
        Console.WriteLine(line.ToJsonString());
        return 0;
    }
}
