using System.Diagnostics;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace MlBuild.Tasks.Tests;

/// <summary>
/// A temporary project directory with data files, a schema and a fake `dotnet` (a shell script that records its
/// arguments and the request, prints canonical-looking text that must NOT be parsed, copies a prepared result file
/// to --result, and exits with a chosen code), in the manner of Grpc.Tools' fake protoc.
/// </summary>
internal sealed class TaskWorkspace : IDisposable
{
    const string FakeDotnet = """
        #!/bin/sh
        out="$(dirname "$0")"
        : > "$out/args.txt"
        for a in "$@"; do printf '%s\n' "$a" >> "$out/args.txt"; done
        prev=""; request=""; result=""
        for a in "$@"; do
          [ "$prev" = "--request" ] && request="$a"
          [ "$prev" = "--result" ] && result="$a"
          prev="$a"
        done
        [ -n "$request" ] && cp "$request" "$out/request.json"
        [ -f "$out/prepared-result.tsv" ] && cp "$out/prepared-result.tsv" "$result"
        echo "fake engine on stdout"
        echo "data/train.csv(9,9): error MLB1999: text output is never parsed" >&2
        exit "$(cat "$out/exit-code.txt" 2>/dev/null || echo 0)"
        """;

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "mlbuild-tasks-tests", Guid.NewGuid().ToString("N"));
    public string Project => Path.Combine(Root, "project");
    public string Fake => Path.Combine(Root, "fake");
    public FakeBuildEngine Engine { get; } = new();

    public TaskWorkspace()
    {
        Directory.CreateDirectory(Path.Combine(Project, "data"));
        Directory.CreateDirectory(Fake);
        File.WriteAllText(Path.Combine(Fake, "mlbuild.dll"), "not a real assembly");
        var dotnet = Path.Combine(Fake, "dotnet");
        File.WriteAllText(dotnet, FakeDotnet.Replace("\r\n", "\n") + "\n");
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(dotnet, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        WriteFile("data/train.csv", "id\n1\n");
        WriteFile("data/train.schema.json", "{}");
    }

    public void WriteFile(string relative, string text)
    {
        var path = Path.Combine(Project, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    /// <summary>What the fake engine will do: exit with <paramref name="exitCode"/>, after writing <paramref name="result"/> (unless null).</summary>
    public void Prepare(int exitCode, string? result)
    {
        File.WriteAllText(Path.Combine(Fake, "exit-code.txt"), exitCode.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var prepared = Path.Combine(Fake, "prepared-result.tsv");
        if (result is null) File.Delete(prepared);
        else File.WriteAllText(prepared, result);
    }

    public string[] RecordedArguments => File.ReadAllLines(Path.Combine(Fake, "args.txt"));
    public string RecordedRequest => File.ReadAllText(Path.Combine(Fake, "request.json"));
    public bool EngineStarted => File.Exists(Path.Combine(Fake, "args.txt"));
    public string StateDir => Path.Combine(Project, "obj", "mlbuild");

    public static ITaskItem Item(string spec, params (string Key, string Value)[] metadata)
    {
        var item = new TaskItem(spec);
        foreach (var (k, v) in metadata) item.SetMetadata(k, v);
        return item;
    }

    public MlBuildValidateData CreateTask(params ITaskItem[] datasets) => new()
    {
        BuildEngine = Engine,
        Datasets = datasets,
        EngineAssembly = Path.Combine(Fake, "mlbuild.dll"),
        ProjectDirectory = Project,
        RequestFile = Path.Combine(StateDir, "validate-data.request.json"),
        ResultFile = Path.Combine(StateDir, "validate-data.result.tsv"),
        LogFile = Path.Combine(StateDir, "validate-data.log"),
        DotnetHostPath = Path.Combine(Fake, "dotnet"),
    };

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { Debug.WriteLine($"could not delete {Root}"); }
    }
}
