using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using MlBuild.Core.Registry;

namespace MlBuild.Registry.Tests;

/// <summary>Many processes writing one folder registry at once.</summary>
public sealed partial class ConcurrencyTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [GeneratedRegex(@"^Registered m@(\d+) ")]
    private static partial Regex Registered();

    [GeneratedRegex(@"\(.*event (\d+)\)")]
    private static partial Regex EventNo();

    [Fact]
    public async Task Eight_processes_times_fifty_mixed_operations_lose_and_double_nothing()
    {
        using var dir = new TempDir();
        var registry = dir.Sub("shared-registry");
        const int Workers = 8, Ops = 50;
        var procs = Enumerable.Range(0, Workers).Select(i =>
        {
            var work = dir.Sub($"w{i}");
            Directory.CreateDirectory(work);
            return Cli.Start(TestPaths.WorkerDll, work,
                [registry, work, i.ToString(CultureInfo.InvariantCulture), Ops.ToString(CultureInfo.InvariantCulture), (1000 + i).ToString(CultureInfo.InvariantCulture)],
                new Dictionary<string, string> { ["MLBUILD_ACTOR"] = $"worker-{i}" });
        }).ToList();
        var outputs = procs.Select(p => (Out: p.StandardOutput.ReadToEndAsync(), Err: p.StandardError.ReadToEndAsync())).ToList();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(180));
        foreach (var p in procs) await p.WaitForExitAsync(cts.Token);
        var outs = await Task.WhenAll(outputs.Select(o => o.Out));
        var errs = await Task.WhenAll(outputs.Select(o => o.Err));
        for (var i = 0; i < Workers; i++)
            Assert.True(procs[i].ExitCode == 0, $"worker {i} exit {procs[i].ExitCode}: {errs[i]}");

        var lines = outs.SelectMany(o => o.Split('\n', StringSplitOptions.RemoveEmptyEntries)).ToList();
        Assert.Equal(Workers * Ops, lines.Count);

        var registeredVersions = new List<int>();
        var moveEvents = new List<long>();
        foreach (var line in lines)
        {
            var parts = line.Split(' ', 3);
            var (op, code, text) = (parts[0], int.Parse(parts[1], CultureInfo.InvariantCulture), parts.Length > 2 ? parts[2] : "");
            if (code == 0)
            {
                if (op == "register") registeredVersions.Add(int.Parse(Registered().Match(text).Groups[1].Value, CultureInfo.InvariantCulture));
                else if (EventNo().Match(text) is { Success: true } m) moveEvents.Add(long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
                // else: "already holds", nothing recorded
            }
            else
            {
                // The only acceptable refusals under contention: conflict, nothing to roll back, unknown alias yet.
                Assert.True(code == 1 && (text.Contains("MLB6010") || text.Contains("MLB6011")) || code == 2 && text.Contains("MLB6007"), line);
            }
        }

        // Replay the log from scratch: every rule (versions 1..n in order, each alias move from its actual holder) holds.
        var store = new FolderStore(registry);
        var log = new EventLog(store);
        var state = new RegistryState();
        var holders = new Dictionary<string, List<int>>();
        for (long seq = 1; log.ReadEvent(seq) is { } e; seq++)
        {
            state.Apply(e.Event, e.Digest); // throws on a broken rule
            if (e.Event.Alias is { } a && e.Event.Type != EventTypes.Approve)
                Assert.Equal(e.Event.Version, state.Models["m"].Holder(a));
        }
        var model = state.Models["m"];
        // No lost and no duplicate version: exactly the versions the successful registers reported, each once.
        Assert.Equal(registeredVersions.Count, registeredVersions.Distinct().Count());
        Assert.Equal(Enumerable.Range(1, model.Latest), registeredVersions.Order());
        // Every reported promotion/rollback is in the log, and the log has no others.
        var logged = model.Events.Where(s => log.ReadEvent(s)!.Event.Type is EventTypes.Promote or EventTypes.Rollback).ToList();
        Assert.Equal(logged, moveEvents.Order());

        output.WriteLine($"{lines.Count} operations: {registeredVersions.Count} registers, {moveEvents.Count} alias moves committed, " +
            $"{lines.Count(l => l.Contains("MLB6010"))} conflicts, {lines.Count(l => l.Contains("MLB6011"))} nothing-to-roll-back; log has {state.Seq} events.");
        var verify = RegistryVerifier.Verify(store);
        Assert.True(verify.Ok, string.Join("\n", verify.Diagnostics.Select(d => d.ToCanonicalString())));
        Assert.Equal(state.Seq, verify.Events);
    }

    [Fact]
    public void Two_concurrent_promotions_of_one_alias_exactly_one_wins()
    {
        // Many rounds of a two-way race on the same expected holder, in two threads of separate registries objects.
        using var dir = new TempDir();
        var store = new FolderStore(dir.Sub("r"));
        var setup = new ModelRegistry(store, new RegistryOptions { WorkingDirectory = dir.Path, SkipGit = true });
        var model = dir.File("m.zip", "x");
        for (var i = 0; i < 3; i++) { File.WriteAllText(model, "v" + i); setup.Register("m", model); }
        setup.Promote("m", 1, "prod");
        for (var round = 0; round < 20; round++)
        {
            var holder = new ModelRegistry(store).State.Models["m"].Holder("prod")!.Value;
            var targets = new[] { holder % 3 + 1, (holder + 1) % 3 + 1 };
            using var start = new Barrier(2);
            var results = new string[2];
            // Two dedicated threads released together by the barrier, each with its own registry object.
            var threads = targets.Select((t, i) => new Thread(() =>
            {
                var reg = new ModelRegistry(store, new RegistryOptions { WorkingDirectory = dir.Path, SkipGit = true });
                _ = reg.State;
                start.SignalAndWait();
                try { reg.Promote("m", t, "prod", expected: holder, expectGiven: true); results[i] = "won"; }
                catch (MlBuild.Core.Diagnostics.MlBuildException ex) { results[i] = ex.Diagnostic.Code; }
            })).ToList();
            threads.ForEach(t => t.Start());
            threads.ForEach(t => t.Join());
            Assert.Equal(1, results.Count(r => r == "won"));
            Assert.Equal(1, results.Count(r => r == RegistryCodes.AliasConflict));
        }
        Assert.True(RegistryVerifier.Verify(store).Ok);
    }

    [Fact]
    public void Verify_beside_concurrent_writers_reports_no_false_alarm()
    {
        // Writers append (registers, promotions) while verify runs again and again: every verify must see a
        // consistent log, never an event "deleted" or a head "past the end" that only a moment's listing missed.
        using var dir = new TempDir();
        var store = new FolderStore(dir.Sub("r"));
        var setup = new ModelRegistry(store, new RegistryOptions { WorkingDirectory = dir.Path, SkipGit = true });
        setup.Register("m", dir.File("seed.zip", "seed"));
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var writers = Enumerable.Range(0, 3).Select(w => new Thread(() =>
        {
            var reg = new ModelRegistry(store, new RegistryOptions { WorkingDirectory = dir.Path, SkipGit = true });
            var model = dir.File($"w{w}.zip", "");
            for (var i = 0; i < 150 && !stop.IsCancellationRequested; i++)
            {
                File.WriteAllText(model, $"{w}-{i}");
                var v = reg.Register("m", model).Version;
                try { reg.Promote("m", v, "prod" + w); }
                catch (MlBuild.Core.Diagnostics.MlBuildException ex) when (ex.Diagnostic.Code == RegistryCodes.AliasConflict) { }
            }
        })).ToList();
        writers.ForEach(t => t.Start());
        var runs = 0;
        var alarms = new List<string>();
        while (writers.Any(t => t.IsAlive) && runs < 200 && !stop.IsCancellationRequested)
        {
            var report = RegistryVerifier.Verify(store);
            runs++;
            alarms.AddRange(report.Diagnostics.Where(d => d.Severity == MlBuild.Core.Diagnostics.MlSeverity.Error).Select(d => $"run {runs}: {d.ToCanonicalString()}"));
        }
        stop.Cancel();
        writers.ForEach(t => t.Join());
        output.WriteLine($"{runs} verify runs beside 3 writers; log has {RegistryVerifier.Verify(store).Events} events.");
        Assert.True(runs >= 3, $"only {runs} verify runs overlapped the writers");
        Assert.True(alarms.Count == 0, string.Join("\n", alarms));
        Assert.True(RegistryVerifier.Verify(store).Ok);
    }
}
