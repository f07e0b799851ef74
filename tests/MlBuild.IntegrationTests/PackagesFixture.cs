using System.Globalization;
using System.IO.Compression;

namespace MlBuild.IntegrationTests;

/// <summary>
/// Packs MlBuild and MlBuild.Tool once per test run, with a unique prerelease version, into a per-run folder feed, so
/// that no cache serves a stale package. Sample builds use a per-run NUGET_PACKAGES; the machine's global packages
/// folder is a fallback source, so restores stay fast and work offline.
/// </summary>
public sealed class PackagesFixture : IDisposable
{
    public static readonly TimeSpan PackTimeout = TimeSpan.FromMinutes(8);

    public string RepoRoot { get; }
    public string RunDirectory { get; }
    public string Feed { get; }
    public string PackagesFolder { get; }
    public string Version { get; }
    public string NuGetConfig { get; }
    public string MlBuildPackage => Path.Combine(Feed, $"MlBuild.{Version}.nupkg");
    public string ToolPackage => Path.Combine(Feed, $"MlBuild.Tool.{Version}.nupkg");

    /// <summary>Whether a test failed in this run; the run directory (binlogs, logs) is kept then.</summary>
    public bool KeepRunDirectory { get; set; }

    public PackagesFixture()
    {
        RepoRoot = FindRepoRoot();
        var stamp = DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
        var unique = Guid.NewGuid().ToString("N")[..6];
        Version = $"0.0.1-it.{stamp}.{unique}";
        RunDirectory = Path.Combine(Path.GetTempPath(), "mlbuild-it", $"{stamp}-{unique}");
        Feed = Path.Combine(RunDirectory, "feed");
        PackagesFolder = Path.Combine(RunDirectory, "packages");
        Directory.CreateDirectory(Feed);
        Directory.CreateDirectory(PackagesFolder);

        NuGetConfig = Path.Combine(RunDirectory, "NuGet.config");
        File.WriteAllText(NuGetConfig, NuGetConfigText(Feed));

        // The README's `dotnet pack` commands, into this run's feed, with this run's version.
        foreach (var command in DocumentedCommands.Documented(RepoRoot, "dotnet pack "))
        {
            var args = DocumentedCommands.Arguments(command, Feed);
            var project = args[1];
            args.AddRange([$"-p:PackageVersion={Version}", "-nodeReuse:false", "-tl:off", "-nologo",
                $"-bl:{Path.Combine(RunDirectory, Path.GetFileName(project) + ".pack.binlog")}"]);
            // The repository's own build restores from the machine's usual sources and packages folder.
            var run = Dotnet.Run(RepoRoot, new Dictionary<string, string?>(), PackTimeout, [.. args]);
            if (run.ExitCode != 0)
            {
                KeepRunDirectory = true;
                throw new InvalidOperationException($"Packing {project} failed (run directory kept: {RunDirectory}).\n{run}");
            }
        }
        foreach (var p in new[] { MlBuildPackage, ToolPackage })
        {
            if (!File.Exists(p))
                throw new InvalidOperationException($"Expected package {p} was not produced.");
        }
    }

    /// <summary>
    /// The machine's global packages folder: a v3 folder layout, usable as a read-only source, so a per-run
    /// NUGET_PACKAGES does not download again what the machine already has.
    /// </summary>
    public static string MachinePackagesFolder =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } p ? p
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    static string NuGetConfigText(string feed) => $"""
        <?xml version="1.0" encoding="utf-8"?>
        <configuration>
          <packageSources>
            <clear />
            <add key="mlbuild-local" value="{feed}" />
            <add key="machine-packages" value="{MachinePackagesFolder}" />
            <add key="nuget.org" value="https://api.nuget.org/v3/index.json" protocolVersion="3" />
          </packageSources>
          <packageSourceMapping>
            <packageSource key="mlbuild-local">
              <package pattern="MlBuild" />
              <package pattern="MlBuild.Tool" />
            </packageSource>
            <packageSource key="machine-packages">
              <package pattern="*" />
            </packageSource>
            <packageSource key="nuget.org">
              <package pattern="*" />
            </packageSource>
          </packageSourceMapping>
        </configuration>
        """;

    /// <summary>The environment for commands that consume the packages.</summary>
    public Dictionary<string, string?> ConsumerEnvironment() => new()
    {
        ["NUGET_PACKAGES"] = PackagesFolder,
    };

    /// <summary>The bytes of one file inside a package.</summary>
    public static byte[]? ReadPackageEntry(string package, string entry)
    {
        using var zip = ZipFile.OpenRead(package);
        var e = zip.GetEntry(entry);
        if (e is null) return null;
        using var s = e.Open();
        using var ms = new MemoryStream();
        s.CopyTo(ms);
        return ms.ToArray();
    }

    public static IReadOnlyList<string> PackageEntries(string package)
    {
        using var zip = ZipFile.OpenRead(package);
        return zip.Entries.Select(e => e.FullName).ToList();
    }

    public static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MlBuild.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException("Could not find MlBuild.sln above " + AppContext.BaseDirectory);
    }

    public void Dispose()
    {
        if (KeepRunDirectory || Environment.GetEnvironmentVariable("MLBUILD_KEEP_TEST_RUNS") == "1")
            return;
        try { Directory.Delete(RunDirectory, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}

[CollectionDefinition(Name)]
public sealed class PackagesCollection : ICollectionFixture<PackagesFixture>
{
    public const string Name = "Packed MlBuild";
}
