using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using MlBuild.Core.Registry;

namespace MlBuild.Benchmarks.Registry;

/// <summary>
/// Registry speed on a log of 10,000 events (issue 4: promote and rollback end to end under 300 ms; history and list
/// interactive). In process: the Core operations, each on a freshly opened registry as a CLI run would do. End to
/// end: the real CLI started with <c>dotnet exec mlbuild.dll</c> (Release build of src/MlBuild.Cli, or the path in
/// MLBUILD_CLI_DLL). Run from tests/MlBuild.Benchmarks: <c>dotnet run -c Release -- --filter '*RegistryBenchmarks*'</c>.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 10)]
public class RegistryBenchmarks
{
    private string _root = "";
    private string _registry = "";
    private string? _cli;
    private bool _atLatest;

    /// <summary>Events in the log before measuring.</summary>
    [Params(10_000)]
    public int Events { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _root = Path.Combine(Path.GetTempPath(), "mlbuild-registry-bench", Guid.NewGuid().ToString("N")[..8]);
        _registry = Path.Combine(_root, ".mlregistry");
        RegistryFixture.BuildCached(_registry, _root, Events);
        _cli = RegistryFixture.FindCli();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    private ModelRegistry Open() => new(new FolderStore(_registry), new RegistryOptions { WorkingDirectory = _root, SkipGit = true });

    /// <summary>Promote when at the previous holder, roll back otherwise: each call moves the alias once.</summary>
    [Benchmark]
    public void PromoteOrRollback_InProcess()
    {
        var reg = Open();
        if (_atLatest) reg.Rollback("m", "prod");
        else reg.Promote("m", reg.State.Models["m"].Latest, "prod");
        _atLatest = !_atLatest;
    }

    [Benchmark]
    public int List_InProcess() => Open().State.Models.Count;

    [Benchmark]
    public int History_InProcess() => Open().History("m").Count;

    [Benchmark]
    public int PromoteOrRollback_EndToEnd()
    {
        var latest = Open().State.Models["m"].Latest;
        var code = _atLatest
            ? RegistryFixture.RunCli(_cli, _root, "rollback", "m", "--alias", "prod", "--registry", _registry)
            : RegistryFixture.RunCli(_cli, _root, "promote", "m", latest.ToString(System.Globalization.CultureInfo.InvariantCulture), "--to", "prod", "--registry", _registry);
        _atLatest = !_atLatest;
        return code;
    }

    [Benchmark]
    public int List_EndToEnd() => RegistryFixture.RunCli(_cli, _root, "list", "--registry", _registry);

    [Benchmark]
    public int History_EndToEnd() => RegistryFixture.RunCli(_cli, _root, "history", "m", "--registry", _registry);
}

/// <summary>Builds a registry of a given size and runs the CLI against it.</summary>
public static class RegistryFixture
{
    /// <summary>
    /// A registry with <paramref name="events"/> events: 20 models (so list has work), model m with 200 versions, and
    /// the rest promotions, rollbacks and approvals spread over the models, as a busy team's log would be.
    /// </summary>
    public static void Build(string registry, string workDir, int events)
    {
        var store = new FolderStore(registry);
        var reg = new ModelRegistry(store, new RegistryOptions { WorkingDirectory = workDir, SkipGit = true, Environment = v => v == "MLBUILD_ACTOR" ? "bench" : null });
        var model = Path.Combine(workDir, "model.zip");
        Directory.CreateDirectory(workDir);
        var n = 0;
        for (var i = 0; i < 20 && n < events; i++, n++)
        {
            File.WriteAllText(model, $"model {i}");
            reg.Register(i == 0 ? "m" : $"model{i:D2}", model);
        }
        for (var v = 2; v <= 200 && n < events; v++, n++)
        {
            File.WriteAllText(model, $"m v{v}");
            reg.Register("m", model);
        }
        var random = new Random(42);
        while (n < events)
        {
            var name = random.Next(4) == 0 ? "m" : $"model{random.Next(1, 20):D2}";
            var m = reg.State.Models[name];
            var holder = m.Holder("prod");
            if (m.Latest < 3)
            {
                File.WriteAllText(model, $"{name} {n}");
                reg.Register(name, model);
            }
            else if (holder is not null && m.Aliases["prod"].Count > 1 && random.Next(3) == 0) reg.Rollback(name, "prod");
            else
            {
                var v = random.Next(1, m.Latest + 1);
                if (v == holder) continue;
                reg.Promote(name, v, "prod");
            }
            n++;
        }
    }

    /// <summary>
    /// Copies a registry of that size built once per machine (building writes and fsyncs every event, about a minute
    /// for 10,000), so each benchmark process starts from the same log.
    /// </summary>
    public static void BuildCached(string registry, string workDir, int events)
    {
        var cache = Path.Combine(Path.GetTempPath(), "mlbuild-registry-bench", $"cache-{events}-v1");
        if (!File.Exists(Path.Combine(cache, "complete")))
        {
            var building = cache + "." + Guid.NewGuid().ToString("N")[..8];
            Build(Path.Combine(building, ".mlregistry"), building, events);
            File.WriteAllText(Path.Combine(building, "complete"), "");
            try { Directory.Move(building, cache); } catch (IOException) { } // another process finished first
        }
        Copy(Path.Combine(cache, ".mlregistry"), registry);
        Directory.CreateDirectory(workDir);
    }

    private static void Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var d in Directory.EnumerateDirectories(from)) Copy(d, Path.Combine(to, Path.GetFileName(d)));
        foreach (var f in Directory.EnumerateFiles(from)) File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
    }

    /// <summary>The Release CLI: MLBUILD_CLI_DLL, else src/MlBuild.Cli/bin/Release/net10.0/mlbuild.dll above this assembly.</summary>
    public static string? FindCli()
    {
        if (Environment.GetEnvironmentVariable("MLBUILD_CLI_DLL") is { Length: > 0 } env) return env;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "src", "MlBuild.Cli", "bin", "Release", "net10.0", "mlbuild.dll");
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>Runs <c>dotnet exec CLI args</c> and returns its exit code (stdout discarded).</summary>
    public static int RunCli(string? cli, string workDir, params string[] args)
    {
        if (cli is null) throw new InvalidOperationException("Build the CLI first: dotnet build -c Release src/MlBuild.Cli (or set MLBUILD_CLI_DLL).");
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = workDir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("exec");
        psi.ArgumentList.Add(cli);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["MLBUILD_ACTOR"] = "bench";
        using var p = Process.Start(psi)!;
        p.StandardOutput.ReadToEnd();
        p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"mlbuild {string.Join(' ', args)} exited {p.ExitCode}");
        return p.ExitCode;
    }
}
