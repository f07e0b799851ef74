namespace MlBuild.IntegrationTests;

/// <summary>
/// The way a user gets MlBuild today, as README.md and docs/msbuild.md print it: the packages packed into a folder feed
/// (PackagesFixture runs the documented `dotnet pack` lines), the tool installed globally from it, the package added
/// to a new project with `dotnet add package --source`, and a nuget.config that lets a machine without that
/// package in its cache restore it.
/// </summary>
[Collection(PackagesCollection.Name)]
public sealed class InstallFromFeedTests(PackagesFixture packages, ITestOutputHelper output)
{
    static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    [Fact]
    public void Documented_commands_install_the_tool_and_add_the_package_to_a_new_project()
    {
        using var guard = new TestGuard(packages, output);
        // A user's machine: its own home (NuGet config, packages folder, global tools), outside the run folder whose
        // NuGet.config the other tests use.
        var home = packages.RunDirectory + "-home";
        Directory.CreateDirectory(home);
        var tools = Path.Combine(home, ".dotnet", "tools");
        var user = new Dictionary<string, string?>
        {
            ["HOME"] = home,
            ["USERPROFILE"] = home,
            ["DOTNET_CLI_HOME"] = null,
            ["PATH"] = tools + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH"),
        };

        DotnetRun Run(string directory, IReadOnlyDictionary<string, string?> env, IEnumerable<string> args)
        {
            var run = Dotnet.Run(directory, env, Timeout, [.. args]);
            output.WriteLine(run.ToString());
            return run;
        }

        // 1. The tool, with the documented command (pinned to this run's version: the feed holds a prerelease).
        var toolInstall = DocumentedCommands.Documented(packages.RepoRoot, "dotnet tool install ").Single();
        Assert.Contains(" -g ", toolInstall, StringComparison.Ordinal);
        var install = Run(home, user, [.. DocumentedCommands.Arguments(toolInstall, packages.Feed), "--version", packages.Version]);
        Assert.Equal(0, install.ExitCode);
        Assert.True(File.Exists(Path.Combine(tools, OperatingSystem.IsWindows() ? "dotnet-ml.exe" : "dotnet-ml")), install.Output);

        // 2. A new project of the user's with the sample's data, and the package added as documented.
        var solution = Path.Combine(home, "src");
        var project = Path.Combine(solution, "Churn");
        Directory.CreateDirectory(Path.Combine(project, "data"));
        foreach (var file in Directory.GetFiles(Path.Combine(packages.RepoRoot, "samples", "ChurnData", "data")))
            File.Copy(file, Path.Combine(project, "data", Path.GetFileName(file)));
        var projectFile = Path.Combine(project, "Churn.csproj");
        File.WriteAllText(projectFile, """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
              </PropertyGroup>
            </Project>
            """);
        var addPackage = DocumentedCommands.Documented(packages.RepoRoot, "dotnet add package ").Single();
        var add = Run(project, user, [.. DocumentedCommands.Arguments(addPackage, packages.Feed), "--version", packages.Version]);
        Assert.Equal(0, add.ExitCode);
        var text = File.ReadAllText(projectFile);
        Assert.Contains($"<PackageReference Include=\"MlBuild\" Version=\"{packages.Version}\"", text, StringComparison.Ordinal);
        Assert.Contains("<PrivateAssets>all</PrivateAssets>", text, StringComparison.Ordinal); // a development dependency
        var end = text.LastIndexOf("</Project>", StringComparison.Ordinal);
        File.WriteAllText(projectFile, text[..end]
            + "  <ItemGroup>\n    <MlBuildDataset Include=\"data/train.csv\" Schema=\"data/train.schema.json\" />\n  </ItemGroup>\n</Project>\n");

        // 3. The installed command on PATH as `dotnet ml`, and the build, both validating the data.
        var validate = Run(project, user, ["ml", "data", "validate", "data/train.csv", "--schema", "data/train.schema.json"]);
        Assert.Equal(0, validate.ExitCode);
        var build = Run(project, user, ["build", "-nodeReuse:false", "-tl:off", "-nologo", "-m:1"]);
        Assert.Equal(0, build.ExitCode);

        // 4. A machine that never restored MlBuild (CI, a teammate): the feed named in a nuget.config, as documented.
        var ci = new Dictionary<string, string?>(user) { ["NUGET_PACKAGES"] = Path.Combine(home, "ci-packages") };
        var configCommands = DocumentedCommands.ShellLines(packages.RepoRoot, Path.Combine("docs", "msbuild.md"))
            .Where(l => l.StartsWith("dotnet new nugetconfig", StringComparison.Ordinal) || l.StartsWith("dotnet nuget add source ", StringComparison.Ordinal))
            .ToList();
        Assert.Equal(2, configCommands.Count);
        foreach (var command in configCommands)
        {
            // The docs name the feed folder in prose ("/path/to/mlbuild-feed"): the run's feed stands in.
            var args = DocumentedCommands.Arguments(command, packages.Feed).Select(a => a == "/path/to/mlbuild-feed" ? packages.Feed : a);
            Assert.Equal(0, Run(solution, ci, args).ExitCode);
        }
        Assert.True(File.Exists(Path.Combine(solution, "nuget.config")));
        // A bad value now: the restored package's validation must fail the build at the value.
        var csv = Path.Combine(project, "data", "train.csv");
        var lines = File.ReadAllLines(csv);
        var fields = lines[1].Split(',');
        fields[1] = "-3"; // age
        lines[1] = string.Join(',', fields);
        File.WriteAllLines(csv, lines);
        var ciBuild = Run(project, ci, ["build", "-nodeReuse:false", "-tl:off", "-nologo", "-m:1"]);
        Assert.True(Directory.Exists(Path.Combine(home, "ci-packages", "mlbuild", packages.Version)), "MlBuild was not restored through nuget.config");
        Assert.NotEqual(0, ciBuild.ExitCode);
        Assert.Contains(ciBuild.MlbDiagnostics, d => d.Code == "MLB1003" && d.File.EndsWith("train.csv", StringComparison.Ordinal) && d.Line == 2 && d.Column == 2);

        guard.Passed();
        try { Directory.Delete(home, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
