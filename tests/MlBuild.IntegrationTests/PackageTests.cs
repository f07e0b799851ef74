using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace MlBuild.IntegrationTests;

/// <summary>The packages as a user gets them: layout, the tool installed from a folder feed, the task's references.</summary>
[Collection(PackagesCollection.Name)]
public sealed class PackageTests(PackagesFixture packages, ITestOutputHelper output)
{
    [Fact]
    public void MlBuild_package_has_build_files_tasks_and_engine()
    {
        using var guard = new TestGuard(packages, output);
        var entries = PackagesFixture.PackageEntries(packages.MlBuildPackage);

        Assert.Contains("build/MlBuild.props", entries);
        Assert.Contains("build/MlBuild.targets", entries);
        Assert.Contains("build/MlBuild.Test.targets", entries);
        Assert.Contains("build/MlBuild.Publish.targets", entries);
        Assert.Contains("tasks/netstandard2.0/MlBuild.Tasks.dll", entries);
        Assert.Contains("tools/net10.0/mlbuild.dll", entries);
        Assert.Contains("tools/net10.0/mlbuild.runtimeconfig.json", entries);
        Assert.Contains("tools/net10.0/mlbuild.deps.json", entries);
        Assert.Contains("tools/net10.0/MlBuild.Core.dll", entries);
        // No lib/: the package adds nothing to the user's compilation or output.
        Assert.DoesNotContain(entries, e => e.StartsWith("lib/", StringComparison.Ordinal));
        var nuspec = System.Text.Encoding.UTF8.GetString(PackagesFixture.ReadPackageEntry(packages.MlBuildPackage, "MlBuild.nuspec")!);
        Assert.Contains("<developmentDependency>true</developmentDependency>", nuspec, StringComparison.Ordinal);
        Assert.DoesNotContain("<dependency ", nuspec, StringComparison.Ordinal);
        guard.Passed();
    }

    [Fact]
    public void Tasks_assembly_references_only_netstandard_and_msbuild()
    {
        // The MSBuild node must never load ML.NET, Parquet.Net or the engine: the task only starts a process.
        using var guard = new TestGuard(packages, output);
        var bytes = PackagesFixture.ReadPackageEntry(packages.MlBuildPackage, "tasks/netstandard2.0/MlBuild.Tasks.dll")!;
        using var pe = new PEReader(new MemoryStream(bytes));
        var md = pe.GetMetadataReader();
        var references = md.AssemblyReferences.Select(h => md.GetString(md.GetAssemblyReference(h).Name)).OrderBy(n => n, StringComparer.Ordinal).ToList();
        output.WriteLine(string.Join(", ", references));

        Assert.All(references, r => Assert.True(
            r is "netstandard" or "Microsoft.Build.Framework" or "Microsoft.Build.Utilities.Core",
            $"MlBuild.Tasks references '{r}'"));
        // And no engine assembly is shipped beside the task.
        Assert.DoesNotContain(PackagesFixture.PackageEntries(packages.MlBuildPackage),
            e => e.StartsWith("tasks/", StringComparison.Ordinal) && !e.EndsWith("/MlBuild.Tasks.dll", StringComparison.Ordinal));
        guard.Passed();
    }

    [Fact]
    public void Tool_installs_from_folder_feed_and_prints_help()
    {
        using var guard = new TestGuard(packages, output);
        var toolPath = Path.Combine(packages.RunDirectory, "tool");
        // As a user would: the folder feed given with --add-source (which NuGet refuses beside source mapping, so
        // this config has no source of its own; a tool package has no dependencies to restore).
        var config = Path.Combine(packages.RunDirectory, "tool.NuGet.config");
        File.WriteAllText(config, "<configuration><packageSources><clear /></packageSources></configuration>\n");
        var install = Dotnet.Run(packages.RunDirectory, packages.ConsumerEnvironment(), TimeSpan.FromMinutes(3),
            "tool", "install", "--tool-path", toolPath, "MlBuild.Tool", "--version", packages.Version,
            "--configfile", config, "--add-source", packages.Feed);
        output.WriteLine(install.ToString());
        Assert.Equal(0, install.ExitCode);

        var exe = Path.Combine(toolPath, OperatingSystem.IsWindows() ? "dotnet-ml.exe" : "dotnet-ml");
        var help = Dotnet.RunProcess(exe, packages.RunDirectory, packages.ConsumerEnvironment(), TimeSpan.FromMinutes(1), "--help");
        output.WriteLine(help.ToString());
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("data", help.Output, StringComparison.Ordinal);
        Assert.Contains("dotnet ml [command] [options]", help.Output, StringComparison.Ordinal);
        // No arguments is a request for the help, not an error.
        var bare = Dotnet.RunProcess(exe, packages.RunDirectory, packages.ConsumerEnvironment(), TimeSpan.FromMinutes(1));
        Assert.Equal((0, help.Output), (bare.ExitCode, bare.Output));
        // The tool ships ReadyToRun code (src/MlBuild.Cli packs a ReadyToRun publish): its main assembly has a managed-native header.
        var dll = Directory.GetFiles(Path.Combine(toolPath, ".store"), "mlbuild.dll", SearchOption.AllDirectories).Single();
        using (var pe = new System.Reflection.PortableExecutable.PEReader(File.OpenRead(dll)))
            Assert.True(pe.PEHeaders.CorHeader!.ManagedNativeHeaderDirectory.Size > 0, $"{dll} has no ReadyToRun code");
        guard.Passed();
    }
}
