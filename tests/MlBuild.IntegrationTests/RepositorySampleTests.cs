using System.Text.Json;

namespace MlBuild.IntegrationTests;

/// <summary>
/// The samples in the repository import build/ from source and point MlBuild at src/'s build outputs (README's first
/// command). Evaluation alone proves the wiring still matches where the projects build, without building anything.
/// </summary>
public sealed class RepositorySampleTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("Debug")]
    [InlineData("Release")]
    public void Sample_points_at_the_tasks_and_engine_that_src_builds(string configuration)
    {
        var root = PackagesFixture.FindRepoRoot();
        var sample = Evaluate(root, "samples/ChurnData/ChurnData.csproj", configuration, "MlBuildTasksAssembly", "MlBuildEnginePath", "_MlBuildTasksInTaskHost");
        var tasks = Evaluate(root, "src/MlBuild.Tasks/MlBuild.Tasks.csproj", configuration, "TargetPath");
        var cli = Evaluate(root, "src/MlBuild.Cli/MlBuild.Cli.csproj", configuration, "TargetPath");

        Assert.Equal(Path.GetFullPath(tasks["TargetPath"]), Path.GetFullPath(sample["MlBuildTasksAssembly"]));
        Assert.Equal(Path.GetFullPath(cli["TargetPath"]), Path.GetFullPath(sample["MlBuildEnginePath"]));
        Assert.Equal("true", sample["_MlBuildTasksInTaskHost"]);
    }

    Dictionary<string, string> Evaluate(string root, string project, string configuration, params string[] properties)
    {
        var args = new List<string> { "msbuild", Path.Combine(root, project), $"-p:Configuration={configuration}", "-nologo" };
        args.AddRange(properties.Select(p => $"-getProperty:{p}"));
        args.Add("-getProperty:MSBuildProjectName"); // always ask for two or more, so the answer is JSON
        var run = Dotnet.Run(root, new Dictionary<string, string?>(), TimeSpan.FromMinutes(2), args.ToArray());
        output.WriteLine(run.ToString());
        Assert.Equal(0, run.ExitCode);
        using var doc = JsonDocument.Parse(run.Output);
        return doc.RootElement.GetProperty("Properties").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "");
    }
}
