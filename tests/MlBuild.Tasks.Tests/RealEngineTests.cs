namespace MlBuild.Tasks.Tests;

/// <summary>
/// The task starting the real engine (the referenced CLI's mlbuild.dll, run by the real dotnet host) on real files:
/// what a build logs depends on the kind the engine writes for each code, not on the code's digits.
/// </summary>
public sealed class RealEngineTests : IDisposable
{
    const string Schema = """
        { "schemaVersion": 1,
          "columns": [ { "name": "id", "type": "integer", "nullable": false, "min": 1 },
                       { "name": "name", "type": "string" } ] }
        """;

    readonly TaskWorkspace _ws = new();

    public void Dispose() => _ws.Dispose();

    static string EngineDll
    {
        get
        {
            var dll = Path.Combine(AppContext.BaseDirectory, "mlbuild.dll");
            Assert.True(File.Exists(dll) && File.Exists(Path.ChangeExtension(dll, ".runtimeconfig.json")), $"the engine is not beside the tests: {dll}");
            return dll;
        }
    }

    /// <summary>The dotnet host running these tests (testhost runs under it), else the one MSBuild names, else PATH's.</summary>
    static string? DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host
        : Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath
        : null;

    MlBuildValidateData RealTask(string csv, bool dataViolationsAsWarnings)
    {
        _ws.WriteFile("data/train.csv", csv);
        _ws.WriteFile("data/train.schema.json", Schema);
        var task = _ws.CreateTask(TaskWorkspace.Item("data/train.csv", ("Schema", "data/train.schema.json")));
        task.EngineAssembly = EngineDll;
        task.DotnetHostPath = DotnetHost;
        task.DataViolationsAsWarnings = dataViolationsAsWarnings;
        return task;
    }

    [Fact]
    public void Unreadable_csv_with_DataViolationsAsWarnings_stays_an_error_and_adds_no_false_MLB9001()
    {
        // An unterminated quote: the engine cannot read the file (MLB1101, exit 2). It starts with "MLB1" like the data
        // findings a user may downgrade, but it is unreadable input: it must fail the build, as an error, and alone.
        var task = RealTask("id,name\n1,\"never closed\n2,b\n", dataViolationsAsWarnings: true);

        Assert.False(task.Execute());

        Assert.Equal(2, task.ExitCode);
        var error = Assert.Single(_ws.Engine.Errors);
        Assert.Equal(("MLB1101", "data/train.csv", 2), (error.Code, error.File, error.LineNumber));
        Assert.Empty(_ws.Engine.Warnings);
    }

    [Fact]
    public void Data_finding_with_DataViolationsAsWarnings_is_a_warning_and_the_task_succeeds()
    {
        var task = RealTask("id,name\n1,a\n0,b\n", dataViolationsAsWarnings: true);

        Assert.True(task.Execute());

        Assert.Equal(1, task.ExitCode);
        Assert.Empty(_ws.Engine.Errors);
        var warning = Assert.Single(_ws.Engine.Warnings);
        Assert.Equal(("MLB1003", "data/train.csv", 3, 1), (warning.Code, warning.File, warning.LineNumber, warning.ColumnNumber));
    }

    [Fact]
    public void Data_finding_without_the_policy_is_an_error_at_its_cell()
    {
        var task = RealTask("id,name\n1,a\n0,b\n", dataViolationsAsWarnings: false);

        Assert.False(task.Execute());

        var error = Assert.Single(_ws.Engine.Errors);
        Assert.Equal(("MLB1003", "data/train.csv", 3, 1), (error.Code, error.File, error.LineNumber, error.ColumnNumber));
        Assert.Empty(_ws.Engine.Warnings);
    }

    [Fact]
    public void Schema_mistake_with_DataViolationsAsWarnings_stays_an_error()
    {
        var task = RealTask("id,name\n1,a\n", dataViolationsAsWarnings: true);
        _ws.WriteFile("data/train.schema.json", Schema.Replace("\"min\": 1", "\"min\": \"one\"", StringComparison.Ordinal));

        Assert.False(task.Execute());

        Assert.Equal("MLB9104", Assert.Single(_ws.Engine.Errors).Code);
        Assert.Empty(_ws.Engine.Warnings);
    }
}
