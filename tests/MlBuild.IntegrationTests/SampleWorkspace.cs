using System.Text;

namespace MlBuild.IntegrationTests;

/// <summary>
/// A copy of a sample in a temporary folder, made to stand alone the way a user's project does: stopper
/// Directory.Build.props/.targets, Directory.Packages.props with central package management off, .editorconfig
/// root = true, the run's NuGet.config and global.json, and a PackageReference to the packed MlBuild instead of the
/// repository wiring.
/// </summary>
public sealed class SampleWorkspace
{
    readonly PackagesFixture _packages;
    readonly ITestOutputHelper _output;
    int _runs;

    public string Root { get; }
    public string ProjectDirectory { get; }
    public string ProjectFile { get; }

    SampleWorkspace(PackagesFixture packages, ITestOutputHelper output, string root, string projectDirectory, string projectFile)
    {
        _packages = packages;
        _output = output;
        Root = root;
        ProjectDirectory = projectDirectory;
        ProjectFile = projectFile;
    }

    public static SampleWorkspace Create(PackagesFixture packages, ITestOutputHelper output, string sample, string name)
    {
        var root = Path.Combine(packages.RunDirectory, "ws", name);
        var source = Path.Combine(packages.RepoRoot, "samples", sample);
        var projectDirectory = Path.Combine(root, sample);
        CopyDirectory(source, projectDirectory);

        File.WriteAllText(Path.Combine(root, "Directory.Build.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(root, "Directory.Build.targets"), "<Project />\n");
        File.WriteAllText(Path.Combine(root, "Directory.Packages.props"),
            "<Project>\n  <PropertyGroup>\n    <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally>\n  </PropertyGroup>\n</Project>\n");
        File.WriteAllText(Path.Combine(root, ".editorconfig"), "root = true\n");
        File.Copy(packages.NuGetConfig, Path.Combine(root, "NuGet.config"));
        File.Copy(Path.Combine(packages.RepoRoot, "global.json"), Path.Combine(root, "global.json"));

        var projectFile = Directory.GetFiles(projectDirectory, "*.csproj").Single();
        var text = File.ReadAllText(projectFile);
        var reference = $"""
              <ItemGroup>
                <PackageReference Include="MlBuild" Version="{packages.Version}" PrivateAssets="all" />
              </ItemGroup>
            </Project>
            """;
        var end = text.LastIndexOf("</Project>", StringComparison.Ordinal);
        File.WriteAllText(projectFile, text[..end] + reference.TrimStart() + "\n");
        return new SampleWorkspace(packages, output, root, projectDirectory, projectFile);
    }

    static void CopyDirectory(string source, string destination)
    {
        Directory.CreateDirectory(destination);
        foreach (var dir in Directory.GetDirectories(source))
        {
            var name = Path.GetFileName(dir);
            if (name is "bin" or "obj" or "TestResults")
                continue;
            CopyDirectory(dir, Path.Combine(destination, name));
        }
        foreach (var file in Directory.GetFiles(source))
            File.Copy(file, Path.Combine(destination, Path.GetFileName(file)));
    }

    public string PathOf(string relative) => Path.Combine(ProjectDirectory, relative);

    /// <summary>Replaces one physical line (1-based) of a text file in the sample.</summary>
    public void ReplaceLine(string relative, int line, Func<string, string> edit)
    {
        var path = PathOf(relative);
        var lines = File.ReadAllText(path).Split('\n').ToList();
        lines[line - 1] = edit(lines[line - 1]);
        File.WriteAllText(path, string.Join('\n', lines), new UTF8Encoding(false));
    }

    /// <summary>Replaces field <paramref name="column"/> (1-based) of CSV line <paramref name="line"/>.</summary>
    public void SetCsvField(string relative, int line, int column, string value) =>
        ReplaceLine(relative, line, text =>
        {
            var fields = text.Split(',');
            fields[column - 1] = value;
            return string.Join(',', fields);
        });

    public void EditProject(Func<string, string> edit) => File.WriteAllText(ProjectFile, edit(File.ReadAllText(ProjectFile)));

    /// <summary>Runs `dotnet build` on the sample with a binlog; logs the output to the test.</summary>
    public DotnetRun Build(params string[] extraArgs) => Dotnet_("build", extraArgs);

    public DotnetRun Dotnet_(string verb, params string[] extraArgs)
    {
        _runs++;
        var binlog = Path.Combine(Root, $"{verb}-{_runs}.binlog");
        var args = new List<string> { verb, ProjectFile, "-nodeReuse:false", "-tl:off", "-nologo", "-m:1", $"-bl:{binlog}" };
        args.AddRange(extraArgs);
        var run = Dotnet.Run(ProjectDirectory, _packages.ConsumerEnvironment(), TimeSpan.FromMinutes(5), args.ToArray());
        _output.WriteLine(run.ToString());
        _output.WriteLine($"(binlog: {binlog})");
        return run;
    }
}
