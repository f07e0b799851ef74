using MlBuild.Core.Diagnostics;
using MlBuild.Core.Registry;

namespace MlBuild.Registry.Tests;

/// <summary>
/// One suite, every store: the primitives the log relies on (exclusive create, whole-object replace, listing) and the
/// registry's guarantees on top of them (versions, compare-and-swap, rollback, verify and tamper detection).
/// </summary>
public abstract class StoreContractTests : IDisposable
{
    private protected readonly TempDir Dir = new();

    /// <summary>A fresh, empty store.</summary>
    private protected abstract IRegistryStore NewStore();

    public virtual void Dispose() => Dir.Dispose();

    private ModelRegistry Registry(IRegistryStore store, string actor = "tester") =>
        new(store, new RegistryOptions { WorkingDirectory = Dir.Path, SkipGit = true, Environment = v => v == "MLBUILD_ACTOR" ? actor : null });

    [Fact]
    public void Exclusive_create_has_exactly_one_winner_among_concurrent_writers()
    {
        var store = NewStore();
        store.EnsureCreated();
        for (var round = 0; round < 5; round++)
        {
            var key = $"events/{round:D10}";
            var winners = Enumerable.Range(0, 8).AsParallel().WithDegreeOfParallelism(8)
                .Select(i => store.TryCreate(key, System.Text.Encoding.UTF8.GetBytes($"writer {i}")) ? i : -1)
                .Where(i => i >= 0).ToList();
            Assert.Single(winners);
            Assert.Equal($"writer {winners[0]}", System.Text.Encoding.UTF8.GetString(store.Read(key)!));
        }
        Assert.Equal(5, store.List("events/").Count());
    }

    [Fact]
    public void Read_replace_list_and_delete_behave()
    {
        var store = NewStore();
        store.EnsureCreated();
        Assert.Null(store.Read("head.json"));
        Assert.Null(store.OpenRead("blobs/sha256/00/none"));
        store.Replace("head.json", "one"u8.ToArray());
        store.Replace("head.json", "two"u8.ToArray());
        Assert.Equal("two"u8.ToArray(), store.Read("head.json"));
        Assert.True(store.TryCreate("snapshots/a.json", "a"u8.ToArray()));
        Assert.False(store.TryCreate("snapshots/a.json", "b"u8.ToArray()));
        Assert.Equal("a"u8.ToArray(), store.Read("snapshots/a.json"));
        Assert.Equal(["snapshots/a.json"], store.List("snapshots/").ToList());
        store.Delete("snapshots/a.json");
        Assert.Empty(store.List("snapshots/"));
        Assert.Empty(store.ListLeftovers());
    }

    [Fact]
    public void Registry_lifecycle_verifies_and_reads_back_through_snapshots()
    {
        var store = NewStore();
        var reg = Registry(store);
        var model = Dir.File("m.zip", "x");
        for (var i = 1; i <= 3; i++)
        {
            File.WriteAllText(model, "weights " + i);
            Assert.Equal(i, reg.Register("churn", model).Version);
        }
        reg.Promote("churn", 1, "prod");
        reg.Promote("churn", 3, "prod");
        Assert.Equal(1, reg.Rollback("churn", "prod").Current);
        // Enough events for a snapshot; a fresh reader loads through it and sees the same state.
        for (var i = 0; i < EventLog.SnapshotEvery; i++) Registry(store, "approver" + i).Approve("churn", 2, "prod");
        Assert.NotEmpty(store.List("snapshots/"));
        var fresh = Registry(store).State;
        Assert.Equal(6 + EventLog.SnapshotEvery, fresh.Seq);
        Assert.Equal(1, fresh.Models["churn"].Holder("prod"));
        Assert.Equal(EventLog.SnapshotEvery, fresh.Models["churn"].Versions[2].Approvals["prod"].Count);
        Assert.Equal("weights 2", new StreamReader(Registry(store).OpenBlob(reg.Resolve(new ModelReference("churn", 2, null)).Registered.Artifact!.Digest)).ReadToEnd());
        var report = RegistryVerifier.Verify(store);
        Assert.True(report.Ok, string.Join("\n", report.Diagnostics.Select(d => d.ToCanonicalString())));
        Assert.Equal(6 + EventLog.SnapshotEvery, report.Events);
    }

    [Fact]
    public void Concurrent_registers_and_promotions_from_many_clients_keep_the_rules()
    {
        var store = NewStore();
        var model = Dir.File("seed.zip", "seed");
        Registry(store).Register("m", model);
        var conflicts = 0;
        Parallel.For(0, 6, new ParallelOptions { MaxDegreeOfParallelism = 6 }, w =>
        {
            for (var i = 0; i < 6; i++)
            {
                var reg = Registry(store, "w" + w);
                try
                {
                    if (i % 2 == 0) reg.Register("m", Dir.File($"w{w}-{i}.zip", $"{w}/{i}"));
                    else reg.Promote("m", reg.State.Models["m"].Latest, "prod");
                }
                catch (MlBuildException ex) when (ex.Diagnostic.Code == RegistryCodes.AliasConflict)
                {
                    Interlocked.Increment(ref conflicts);
                }
            }
        });
        var state = Registry(store).State;
        Assert.Equal(1 + 6 * 3, state.Models["m"].Latest); // every register got its own version
        Assert.True(RegistryVerifier.Verify(store).Ok);
    }

    [Fact]
    public void Tampering_is_named_by_verify()
    {
        var store = NewStore();
        var reg = Registry(store);
        var e1 = reg.Register("churn", Dir.File("m.zip", "one"));
        reg.Register("churn", Dir.File("m.zip", "two"));
        reg.Promote("churn", 2, "prod");
        store.Replace(EventLog.BlobKey(e1.Artifact!.Digest), "One"u8.ToArray());
        var ev2 = store.Read(EventLog.EventKey(2))!;
        store.Delete(EventLog.EventKey(2));
        store.TryCreate(EventLog.EventKey(2), System.Text.Encoding.UTF8.GetBytes(System.Text.Encoding.UTF8.GetString(ev2).Replace("\"actor\":\"tester\"", "\"actor\":\"mallory\"", StringComparison.Ordinal)));
        var report = RegistryVerifier.Verify(store);
        Assert.False(report.Ok);
        Assert.Contains(report.Diagnostics, d => d.Code == RegistryCodes.BlobAltered && d.Message.Contains(e1.Artifact.Digest));
        Assert.Contains(report.Diagnostics, d => d.Code == RegistryCodes.EventAltered && d.Message.StartsWith("Event 2 was altered"));
        store.Delete(EventLog.EventKey(2));
        Assert.Contains(RegistryVerifier.Verify(store).Diagnostics, d => d.Code == RegistryCodes.EventMissing && d.Message.StartsWith("Event 2 is missing"));
    }
}

public sealed class FolderStoreContractTests : StoreContractTests
{
    private protected override IRegistryStore NewStore() => new FolderStore(Dir.Sub("store-" + Guid.NewGuid().ToString("N")[..8]));
}

/// <summary>Azurite (npm) on a free 127.0.0.1 port, one per test class.</summary>
public sealed class AzuriteFixture : IDisposable
{
    // Azurite's documented development account; it exists only inside the emulator.
    private const string DevKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private readonly TempDir _dir = new();
    private readonly ServerProcess _server;

    public AzuriteFixture()
    {
        var port = Servers.FreePort();
        _server = new ServerProcess(Servers.AzuriteBlobPath,
            ["--blobHost", "127.0.0.1", "--blobPort", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--location", _dir.Path,
             "--silent", "--skipApiVersionCheck", "--loose", "--disableTelemetry"],
            _dir.Path, port, "azurite-blob");
        ConnectionString = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={DevKey};BlobEndpoint=http://127.0.0.1:{port}/devstoreaccount1;";
    }

    public string ConnectionString { get; }

    public void Dispose()
    {
        _server.Dispose();
        _dir.Dispose();
    }
}

/// <summary>The same suite against Azure Blob storage, emulated by Azurite on 127.0.0.1.</summary>
public sealed class AzureBlobStoreContractTests(AzuriteFixture azurite) : StoreContractTests, IClassFixture<AzuriteFixture>
{
    private protected override IRegistryStore NewStore() =>
        new AzureBlobStore(azurite.ConnectionString, "reg-" + Guid.NewGuid().ToString("N")[..12]);

    [Fact]
    public void The_cli_works_against_an_az_registry_and_never_prints_the_key()
    {
        // Only az:// registries read this variable, so setting it for the test process disturbs no other test.
        Environment.SetEnvironmentVariable(AzureBlobStore.ConnectionVariable, azurite.ConnectionString);
        var reg = "az://cli-" + Guid.NewGuid().ToString("N")[..10];
        var model = Dir.File("m.zip", "one");
        var all = new System.Text.StringBuilder();
        CliRun Ml(params string[] args)
        {
            var r = Cli.InProc(Dir.Path, [.. args, "--registry", reg]);
            all.Append(r.All);
            return r;
        }
        Assert.Equal(0, Ml("register", "churn", model).ExitCode);
        File.WriteAllText(model, "two");
        Assert.Equal(0, Ml("register", "churn", model).ExitCode);
        Assert.Equal(0, Ml("promote", "churn", "1", "--to", "prod").ExitCode);
        Assert.Equal(0, Ml("promote", "churn", "2", "--to", "prod").ExitCode);
        Assert.Contains("Rolled back churn@prod from 2 to 1", Ml("rollback", "churn", "--alias", "prod").Out);
        Assert.StartsWith("churn@1", Ml("show", "churn@prod").Out);
        var verify = Ml("verify");
        Assert.True(verify.ExitCode == 0, verify.ToString());
        Assert.Contains("Verified 5 event(s)", verify.Out);
        Assert.DoesNotContain("AccountKey", all.ToString());
        Assert.DoesNotContain(azurite.ConnectionString.Split("AccountKey=")[1][..20], all.ToString());
    }
}
