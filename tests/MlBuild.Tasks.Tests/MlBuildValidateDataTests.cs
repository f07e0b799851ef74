using System.Text.Json;

namespace MlBuild.Tasks.Tests;

public sealed class MlBuildValidateDataTests : IDisposable
{
    readonly TaskWorkspace _ws = new();

    public void Dispose() => _ws.Dispose();

    static string Result(int exit, params string[] lines) =>
        $"MLBUILD-RESULT\t2\t{exit}\n" + string.Concat(lines.Select(l => l + "\n"));

    [UnixFact]
    public void Execute_starts_dotnet_exec_engine_validate_with_request_and_result()
    {
        _ws.Prepare(0, Result(0));
        var task = _ws.CreateTask(TaskWorkspace.Item("data/train.csv", ("Schema", "data/train.schema.json")));

        Assert.True(task.Execute());

        Assert.Equal(
            ["exec", task.EngineAssembly, "engine", "validate", "--request", task.RequestFile, "--result", task.ResultFile],
            _ws.RecordedArguments);
        Assert.Empty(_ws.Engine.Errors);
        Assert.Empty(_ws.Engine.Warnings);
    }

    [UnixFact]
    public void Execute_violations_replays_each_diagnostic_with_code_file_line_and_column()
    {
        _ws.Prepare(1, Result(1,
            "D\terror\tdata\tMLB1003\tdata/train.csv\t12\t2\tcolumn 'age' value '-3' is below min 18 (1 of 1 in this check)",
            "D\twarning\tdata\tMLB2001\tdata/train.csv\t0\t0\tdrift\\tin 'plan'",
            "D\tinfo\tdata\tMLB1000\t\t0\t0\t300 rows checked",
            "M\tvalidated 1 dataset"));
        var task = _ws.CreateTask(TaskWorkspace.Item("data/train.csv", ("Schema", "data/train.schema.json")));

        Assert.False(task.Execute());

        var error = Assert.Single(_ws.Engine.Errors);
        Assert.Equal(("MLB1003", "data/train.csv", 12, 2), (error.Code, error.File, error.LineNumber, error.ColumnNumber));
        var warning = Assert.Single(_ws.Engine.Warnings);
        // Control characters in a message are shown escaped (DiagnosticText.Escape), so no value can forge a diagnostic line.
        Assert.Equal(("MLB2001", "drift\\tin 'plan'"), (warning.Code, warning.Message));
        Assert.Contains(_ws.Engine.Messages, m => m.Code == "MLB1000");
        // The engine's text output is logged as messages only: its canonical-looking line is not an error,
        // and exit code 1 does not add MSBuild's generic "exited with code" error.
        Assert.DoesNotContain(_ws.Engine.Errors, e => e.Code is "MLB1999" or "MSB6006" or "MSB3073");
        Assert.Contains(_ws.Engine.Messages, m => m.Message!.Contains("fake engine on stdout", StringComparison.Ordinal));
    }

    [UnixFact]
    public void Execute_with_DataViolationsAsWarnings_downgrades_data_codes_but_not_configuration_codes()
    {
        _ws.Prepare(1, Result(1, "D\terror\tdata\tMLB1003\tdata/train.csv\t12\t2\tbelow min"));
        var task = _ws.CreateTask(TaskWorkspace.Item("data/train.csv", ("Schema", "data/train.schema.json")));
        task.DataViolationsAsWarnings = true;

        Assert.True(task.Execute());
        Assert.Empty(_ws.Engine.Errors);
        Assert.Equal("MLB1003", Assert.Single(_ws.Engine.Warnings).Code);

        using var ws2 = new TaskWorkspace();
        ws2.Prepare(2, Result(2, "D\terror\tconfiguration\tMLB9101\tdata/train.schema.json\t3\t5\tJSON error"));
        var task2 = ws2.CreateTask(TaskWorkspace.Item("data/train.csv", ("Schema", "data/train.schema.json")));
        task2.DataViolationsAsWarnings = true;

        Assert.False(task2.Execute());
        Assert.Equal("MLB9101", Assert.Single(ws2.Engine.Errors).Code);
    }

    [UnixTheory]
    [InlineData("input", "MLB1101")]          // unreadable input, though its digits look like a data check's
    [InlineData("configuration", "MLB9104")]
    [InlineData("internal", "MLB9000")]
    [InlineData("unknown-kind", "MLB1003")]   // a kind this task does not know is never downgraded
    public void Execute_with_DataViolationsAsWarnings_keeps_every_error_that_is_not_a_data_finding_and_adds_no_MLB9001(string kind, string code)
    {
        _ws.Prepare(2, Result(2, $"D\terror\t{kind}\t{code}\tdata/train.csv\t3\t1\tcannot run"));
        var task = _ws.CreateTask(TaskWorkspace.Item("data/train.csv", ("Schema", "data/train.schema.json")));
        task.DataViolationsAsWarnings = true;

        Assert.False(task.Execute());

        Assert.Equal(code, Assert.Single(_ws.Engine.Errors).Code);
        Assert.Empty(_ws.Engine.Warnings);
    }

    [UnixFact]
    public void Execute_engine_without_result_file_is_MLB9001_with_exit_code_and_log_path()
    {
        _ws.Prepare(134, result: null);
        var task = _ws.CreateTask(TaskWorkspace.Item("data/train.csv", ("Schema", "data/train.schema.json")));

        Assert.False(task.Execute());

        var error = Assert.Single(_ws.Engine.Errors);
        Assert.Equal("MLB9001", error.Code);
        Assert.Contains("134", error.Message, StringComparison.Ordinal);
        Assert.Contains(task.LogFile!, error.Message, StringComparison.Ordinal);
        Assert.Contains("fake engine on stdout", File.ReadAllText(task.LogFile!), StringComparison.Ordinal);
    }

    [UnixFact]
    public void Execute_never_replays_a_stale_result_file()
    {
        var task = _ws.CreateTask(TaskWorkspace.Item("data/train.csv", ("Schema", "data/train.schema.json")));
        Directory.CreateDirectory(_ws.StateDir);
        File.WriteAllText(task.ResultFile, Result(0));
        _ws.Prepare(0, result: null);

        Assert.False(task.Execute());
        Assert.Equal("MLB9001", Assert.Single(_ws.Engine.Errors).Code);
    }

    [UnixTheory]
    [InlineData("garbage\n")]
    [InlineData("MLBUILD-RESULT\t1\t1\nD\terror\tMLB1003\tdata/train.csv\t1\t2\tversion 1 has no kind\n")]
    [InlineData("MLBUILD-RESULT\t2\t1\nD\terror\tdata\tMLB1003\tdata/train.csv\tx\t2\tbad line number\n")]
    [InlineData("MLBUILD-RESULT\t2\t1\n")]
    public void Execute_garbled_or_empty_failing_result_is_MLB9001(string result)
    {
        _ws.Prepare(1, result);
        var task = _ws.CreateTask(TaskWorkspace.Item("data/train.csv", ("Schema", "data/train.schema.json")));

        Assert.False(task.Execute());
        Assert.Equal("MLB9001", Assert.Single(_ws.Engine.Errors).Code);
    }

    [UnixFact]
    public void Execute_exit_2_without_errors_in_result_is_MLB9001()
    {
        _ws.Prepare(2, Result(2));
        var task = _ws.CreateTask(TaskWorkspace.Item("data/train.csv", ("Schema", "data/train.schema.json")));

        Assert.False(task.Execute());
        Assert.Equal("MLB9001", Assert.Single(_ws.Engine.Errors).Code);
    }

    [UnixFact]
    public void Execute_groups_items_by_Dataset_in_ordinal_order_without_repeats_skips_Validate_false_and_escapes_paths()
    {
        _ws.WriteFile("data/part-1.csv", "id\n1\n");
        _ws.WriteFile("data/part-2.csv", "id\n2\n");
        _ws.WriteFile("data/parts.schema.json", "{}");
        _ws.WriteFile("data/we\"ird name.csv", "id\n3\n");
        _ws.WriteFile("other/train.csv", "id\n4\n");
        _ws.Prepare(0, Result(0));
        var task = _ws.CreateTask(
            TaskWorkspace.Item("data/train.csv", ("Schema", "data/train.schema.json")),
            TaskWorkspace.Item("data/part-2.csv", ("Schema", "data/parts.schema.json"), ("Dataset", "parts")),
            TaskWorkspace.Item("data/old.csv", ("Schema", "missing.json"), ("Validate", "False")),
            TaskWorkspace.Item("data/part-1.csv", ("Schema", "data/parts.schema.json"), ("Dataset", "parts")),
            TaskWorkspace.Item("data/part-2.csv", ("Schema", "data/parts.schema.json"), ("Dataset", "parts")),
            TaskWorkspace.Item("data/we\"ird name.csv", ("Schema", "data/train.schema.json")),
            TaskWorkspace.Item("other/train.csv", ("Schema", "data/train.schema.json")));

        Assert.True(task.Execute());

        using var request = JsonDocument.Parse(_ws.RecordedRequest);
        var root = request.RootElement;
        Assert.Equal(1, root.GetProperty("formatVersion").GetInt32());
        Assert.Equal(_ws.Project, root.GetProperty("projectDirectory").GetString());
        var sets = root.GetProperty("datasets").EnumerateArray()
            .Select(d => (d.GetProperty("name").GetString(), string.Join("|", d.GetProperty("files").EnumerateArray().Select(f => f.GetString())), d.GetProperty("schema").GetString()))
            .ToArray();
        Assert.Equal(
            [("train", "data/train.csv", "data/train.schema.json"),
             ("parts", "data/part-1.csv|data/part-2.csv", "data/parts.schema.json"),
             ("we\"ird name", "data/we\"ird name.csv", "data/train.schema.json"),
             ("train-2", "other/train.csv", "data/train.schema.json")],
            sets);
        Assert.Equal(4, task.ValidatedDatasets.Length);
    }

    [Fact]
    public void Request_json_escapes_quotes_backslashes_and_control_characters()
    {
        var set = new RequestDataset("a\"b", "C:\\data\\s.json");
        set.Files.Add("x\ty\u0001");
        var json = EngineRequest.ToJson("C:\\proj", [set]);

        using var doc = JsonDocument.Parse(json);
        var d = doc.RootElement.GetProperty("datasets")[0];
        Assert.Equal("C:\\proj", doc.RootElement.GetProperty("projectDirectory").GetString());
        Assert.Equal("a\"b", d.GetProperty("name").GetString());
        Assert.Equal("C:\\data\\s.json", d.GetProperty("schema").GetString());
        Assert.Equal("x\ty\u0001", d.GetProperty("files")[0].GetString());
    }

    [Fact]
    public void Execute_item_without_Schema_is_MLB9010_naming_the_item_and_starts_no_engine()
    {
        var task = _ws.CreateTask(TaskWorkspace.Item("data/train.csv"));

        Assert.False(task.Execute());

        var error = Assert.Single(_ws.Engine.Errors);
        Assert.Equal("MLB9010", error.Code);
        Assert.Contains("data/train.csv", error.Message, StringComparison.Ordinal);
        Assert.False(_ws.EngineStarted);
    }

    [Fact]
    public void Execute_missing_data_file_is_MLB9011_and_missing_schema_is_MLB9012()
    {
        var task = _ws.CreateTask(
            TaskWorkspace.Item("data/nope.csv", ("Schema", "data/train.schema.json")),
            TaskWorkspace.Item("data/train.csv", ("Schema", "data/nope.schema.json")));

        Assert.False(task.Execute());

        Assert.Equal(["MLB9011", "MLB9012"], _ws.Engine.Errors.Select(e => e.Code));
        Assert.Contains("data/nope.csv", _ws.Engine.Errors[0].Message, StringComparison.Ordinal);
        Assert.Contains("data/nope.schema.json", _ws.Engine.Errors[1].Message, StringComparison.Ordinal);
        Assert.False(_ws.EngineStarted);
    }

    [Fact]
    public void Execute_one_dataset_with_two_schemas_is_MLB9013()
    {
        _ws.WriteFile("data/b.csv", "id\n1\n");
        _ws.WriteFile("data/other.schema.json", "{}");
        var task = _ws.CreateTask(
            TaskWorkspace.Item("data/train.csv", ("Schema", "data/train.schema.json"), ("Dataset", "all")),
            TaskWorkspace.Item("data/b.csv", ("Schema", "data/other.schema.json"), ("Dataset", "all")));

        Assert.False(task.Execute());
        Assert.Equal("MLB9013", Assert.Single(_ws.Engine.Errors).Code);
    }

    [Fact]
    public void Execute_missing_engine_is_MLB9014()
    {
        var task = _ws.CreateTask(TaskWorkspace.Item("data/train.csv", ("Schema", "data/train.schema.json")));
        task.EngineAssembly = Path.Combine(_ws.Root, "no-such", "mlbuild.dll");

        Assert.False(task.Execute());
        Assert.Equal("MLB9014", Assert.Single(_ws.Engine.Errors).Code);
    }

    [Fact]
    public void Execute_no_items_to_validate_succeeds_without_an_engine()
    {
        var task = _ws.CreateTask(TaskWorkspace.Item("data/train.csv", ("Schema", "data/train.schema.json"), ("Validate", "false")));

        Assert.True(task.Execute());
        Assert.False(_ws.EngineStarted);
    }

    const string UserProject = """
        <Project Sdk="Microsoft.NET.Sdk">
          <ItemGroup>
            <MlBuildDataset Include="data/other.csv" Schema="data/other.schema.json" />
            <MlBuildDataset Include="data/train.csv" />
            <MlBuildDataset Include="data/part-*.csv" Schema="data/missing.schema.json" />
          </ItemGroup>
        </Project>
        """;

    [Fact]
    public void Configuration_errors_point_at_the_item_line_in_the_users_project_not_at_the_targets()
    {
        _ws.WriteFile("app.csproj", UserProject);
        _ws.WriteFile("data/part-1.csv", "id\n1\n");
        var project = Path.Combine(_ws.Project, "app.csproj");
        var task = _ws.CreateTask(
            TaskWorkspace.Item("data/train.csv"),                                                  // no Schema: MLB9010
            TaskWorkspace.Item("data/part-1.csv", ("Schema", "data/missing.schema.json")));        // from the wildcard: MLB9012
        task.ProjectFile = project;

        Assert.False(task.Execute());

        Assert.Equal([("MLB9010", project, 4, 6), ("MLB9012", project, 5, 6)],
            _ws.Engine.Errors.Select(e => (e.Code, e.File, e.LineNumber, e.ColumnNumber)));
        Assert.False(_ws.EngineStarted);
    }

    [UnixFact]
    public void Execute_sends_the_relations_metadata_and_where_the_item_is_declared()
    {
        _ws.WriteFile("app.csproj", """
            <Project Sdk="Microsoft.NET.Sdk">
              <ItemGroup>
                <MlBuildDataset Include="data/train.csv" Schema="data/train.schema.json" Role="train" Label="churned" Key="id;region" />
                <MlBuildDataset Include="data/test.csv" Schema="data/train.schema.json" Role="test" Reference="data/p.json" />
                <MlBuildDataset Include="data/other.csv" Schema="data/train.schema.json" />
              </ItemGroup>
            </Project>
            """);
        _ws.WriteFile("data/test.csv", "id\n2\n");
        _ws.WriteFile("data/other.csv", "id\n3\n");
        _ws.WriteFile("data/p.json", "{}");
        _ws.Prepare(0, Result(0));
        var project = Path.Combine(_ws.Project, "app.csproj");
        var task = _ws.CreateTask(
            TaskWorkspace.Item("data/train.csv", ("Schema", "data/train.schema.json"), ("Role", "train"), ("Label", "churned"), ("Key", "id;region")),
            TaskWorkspace.Item("data/test.csv", ("Schema", "data/train.schema.json"), ("Role", "test"), ("Reference", "data/p.json")),
            TaskWorkspace.Item("data/other.csv", ("Schema", "data/train.schema.json")));
        task.ProjectFile = project;

        Assert.True(task.Execute());

        using var request = JsonDocument.Parse(_ws.RecordedRequest);
        var sets = request.RootElement.GetProperty("datasets").EnumerateArray().ToList();
        static string Relations(JsonElement d) => d.TryGetProperty("relations", out var r)
            ? string.Join("|", r.EnumerateObject().Select(p => $"{p.Name}={p.Value.GetString()}")) : "";
        static string DefinedAt(JsonElement d) => d.TryGetProperty("definedAt", out var a)
            ? $"{a.GetProperty("file").GetString()}({a.GetProperty("line").GetInt32()},{a.GetProperty("column").GetInt32()})" : "";
        Assert.Equal(
            [("train", "role=train|label=churned|key=id;region|features=", $"{project}(3,6)"),
             ("test", "role=test|label=|key=|features=", $"{project}(4,6)"),
             ("other", "", "")],
            sets.Select(d => (d.GetProperty("name").GetString(), Relations(d), DefinedAt(d))));
    }

    [UnixFact]
    public void Execute_sends_the_relations_levels_and_refuses_one_that_is_no_level_with_MLB9016()
    {
        _ws.Prepare(0, Result(0));
        var task = _ws.CreateTask(TaskWorkspace.Item("data/train.csv", ("Schema", "data/train.schema.json"), ("Role", "train")));
        task.RelationsLeakage = "Warning";
        task.RelationsDuplicates = "off";

        Assert.True(task.Execute());
        using (var request = JsonDocument.Parse(_ws.RecordedRequest))
        {
            var root = request.RootElement;
            Assert.Equal(("warning", "off", false), (root.GetProperty("relationsLeakage").GetString(), root.GetProperty("relationsDuplicates").GetString(),
                root.TryGetProperty("relationsConflictingLabels", out _)));
        }

        var bad = _ws.CreateTask(TaskWorkspace.Item("data/train.csv", ("Schema", "data/train.schema.json")));
        bad.RelationsConflictingLabels = "fatal";
        Assert.False(bad.Execute());
        var error = Assert.Single(_ws.Engine.Errors);
        Assert.Equal("MLB9016", error.Code);
        Assert.StartsWith("MlBuildRelationsConflictingLabels is 'fatal'; set it to error, warning or off", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Execute_one_dataset_whose_items_give_two_roles_is_MLB2105_at_the_second_item()
    {
        _ws.WriteFile("app.csproj", """
            <Project Sdk="Microsoft.NET.Sdk">
              <ItemGroup>
                <MlBuildDataset Include="data/train.csv" Schema="data/train.schema.json" Dataset="all" Role="train" />
                <MlBuildDataset Include="data/b.csv" Schema="data/train.schema.json" Dataset="all" Role="test" />
              </ItemGroup>
            </Project>
            """);
        _ws.WriteFile("data/b.csv", "id\n1\n");
        var project = Path.Combine(_ws.Project, "app.csproj");
        var task = _ws.CreateTask(
            TaskWorkspace.Item("data/train.csv", ("Schema", "data/train.schema.json"), ("Dataset", "all"), ("Role", "train")),
            TaskWorkspace.Item("data/b.csv", ("Schema", "data/train.schema.json"), ("Dataset", "all"), ("Role", "test")));
        task.ProjectFile = project;

        Assert.False(task.Execute());

        var error = Assert.Single(_ws.Engine.Errors);
        Assert.Equal(("MLB2105", project, 4, 6), (error.Code, error.File, error.LineNumber, error.ColumnNumber));
        Assert.Contains("has Role=\"test\", but an earlier item of that dataset has Role=\"train\"", error.Message, StringComparison.Ordinal);
        Assert.False(_ws.EngineStarted);
    }

    [Fact]
    public void Configuration_error_of_an_item_defined_in_an_import_points_at_that_file()
    {
        _ws.WriteFile("app.csproj", "<Project />");
        _ws.WriteFile("Directory.Build.props", UserProject);
        var props = Path.Combine(_ws.Project, "Directory.Build.props");
        var task = _ws.CreateTask(TaskWorkspace.Item("data/train.csv", ("_MlBuildDefinedIn", props)));
        task.ProjectFile = Path.Combine(_ws.Project, "app.csproj");

        Assert.False(task.Execute());

        var error = Assert.Single(_ws.Engine.Errors);
        Assert.Equal(("MLB9010", props, 4), (error.Code, error.File, error.LineNumber));
    }

    [Fact]
    public void Task_error_without_an_item_is_at_the_project_file()
    {
        var task = _ws.CreateTask(TaskWorkspace.Item("data/train.csv", ("Schema", "data/train.schema.json")));
        task.ProjectFile = Path.Combine(_ws.Project, "app.csproj");
        task.EngineAssembly = Path.Combine(_ws.Root, "no-such", "mlbuild.dll");

        Assert.False(task.Execute());

        var error = Assert.Single(_ws.Engine.Errors);
        Assert.Equal(("MLB9014", task.ProjectFile, 0), (error.Code, error.File, error.LineNumber));
    }
}

/// <summary>A theory that needs a POSIX shell.</summary>
public sealed class UnixTheoryAttribute : TheoryAttribute
{
    public UnixTheoryAttribute()
    {
        if (OperatingSystem.IsWindows())
            Skip = "The fake engine is a POSIX shell script.";
    }
}
