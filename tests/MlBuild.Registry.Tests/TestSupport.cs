using System.Diagnostics;
using System.Text;
using MlBuild.Cli;

namespace MlBuild.Registry.Tests;

/// <summary>Paths of the built CLI and worker, found from the repository root, in the test's own configuration.</summary>
internal static class TestPaths
{
    public static string RepoRoot { get; } = FindRoot();

    // bin/<Configuration>/net10.0/ of this test assembly.
    public static string Configuration { get; } = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;

    // The referenced CLI is copied beside the tests with its runtimeconfig; else its own output folder.
    public static string CliDll => First("mlbuild.dll",
        Path.Combine(AppContext.BaseDirectory, "mlbuild.dll"),
        Path.Combine(RepoRoot, "src", "MlBuild.Cli", "bin", Configuration, "net10.0", "mlbuild.dll"),
        Path.Combine(RepoRoot, "artifacts", "bin", "MlBuild.Cli", Configuration.ToLowerInvariant(), "mlbuild.dll"));

    public static string WorkerDll => First("MlBuild.Registry.StressWorker.dll",
        Path.Combine(AppContext.BaseDirectory, "MlBuild.Registry.StressWorker.dll"),
        Path.Combine(RepoRoot, "tests", "MlBuild.Registry.Tests", "Worker", "bin", Configuration, "net10.0", "MlBuild.Registry.StressWorker.dll"),
        Path.Combine(RepoRoot, "artifacts", "bin", "MlBuild.Registry.StressWorker", Configuration.ToLowerInvariant(), "MlBuild.Registry.StressWorker.dll"));

    private static string First(string what, params string[] candidates) =>
        candidates.FirstOrDefault(c => File.Exists(c) && File.Exists(Path.ChangeExtension(c, ".runtimeconfig.json")))
        ?? throw new FileNotFoundException($"{what} not found (build the solution first); looked in: {string.Join(", ", candidates)}");

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "MlBuild.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("MlBuild.sln not found above the test assembly.");
    }
}

/// <summary>A temporary folder, deleted afterwards.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mlbuild-registry-tests", Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string relative, string content)
    {
        var full = System.IO.Path.Combine(Path, relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        System.IO.File.WriteAllText(full, content);
        return full;
    }

    public string Sub(string relative) => System.IO.Path.Combine(Path, relative);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>Result of a CLI run.</summary>
internal sealed record CliRun(int ExitCode, string Out, string Err)
{
    public string All => Out + Err;
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Out}\n--- stderr\n{Err}";
}

internal static class Cli
{
    /// <summary>Runs the CLI in process, as the tests of other verbs do.</summary>
    public static CliRun InProc(string workDir, params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var code = CliApp.Run(args, o, e, workDir);
        return new CliRun(code, o.ToString(), e.ToString());
    }

    /// <summary>Starts <c>dotnet exec DLL args</c> with extra environment variables.</summary>
    public static Process Start(string dll, string workDir, IEnumerable<string> args, IDictionary<string, string>? env = null)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        psi.ArgumentList.Add("exec");
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        // CI identity variables would change the recorded actor; tests set their own.
        foreach (var v in new[] { "GITHUB_ACTOR", "GITLAB_USER_LOGIN", "BUILD_REQUESTEDFOR", "BUILD_REQUESTEDFOREMAIL", "MLBUILD_REGISTRY_KILL_AT", "MLBUILD_REGISTRY_SIGNING_KEY", "MLBUILD_REGISTRY_SIGNING_KEY_FILE" })
            psi.Environment.Remove(v);
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["MLBUILD_ACTOR"] = "test";
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        return Process.Start(psi)!;
    }

    /// <summary>Runs the real CLI (<c>dotnet exec mlbuild.dll</c>) as a separate process.</summary>
    public static CliRun Exec(string workDir, IDictionary<string, string>? env, params string[] args)
    {
        using var p = Start(TestPaths.CliDll, workDir, args, env);
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(60_000)) { p.Kill(entireProcessTree: true); throw new TimeoutException("mlbuild did not finish in 60 s"); }
        return new CliRun(p.ExitCode, o.Result, e.Result);
    }
}
