using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace MlBuild.IntegrationTests;

/// <summary>One canonical diagnostic parsed from build output: <c>file(line,col): error CODE: message</c>.</summary>
public sealed record BuildDiagnostic(string File, int Line, int Column, string Severity, string Code, string Message);

/// <summary>The outcome of one `dotnet` command.</summary>
public sealed record DotnetRun(string Command, int ExitCode, string Output)
{
    static readonly Regex Canonical = new(
        @"^\s*(?:\d+>)?(?<file>[^\s(][^(\r\n]*?)\((?<line>\d+)(?:,(?<col>\d+))?\)\s*:\s*(?<sev>error|warning)\s+(?<code>[A-Z]+\d+)\s*:\s*(?<msg>.*?)(?:\s+\[[^\]]+\])?\s*$",
        RegexOptions.Multiline | RegexOptions.CultureInvariant);

    static readonly Regex NoLocation = new(
        @"^\s*(?:\d+>)?(?<file>\S[^\r\n]*?)\s*:\s*(?<sev>error|warning)\s+(?<code>MLB\d{4})\s*:\s*(?<msg>.*?)(?:\s+\[[^\]]+\])?\s*$",
        RegexOptions.Multiline | RegexOptions.CultureInvariant);

    /// <summary>The distinct canonical diagnostics in the output (MSBuild prints each twice: inline and in the summary).</summary>
    public IReadOnlyList<BuildDiagnostic> Diagnostics
    {
        get
        {
            var list = new List<BuildDiagnostic>();
            foreach (Match m in Canonical.Matches(Output))
            {
                list.Add(new BuildDiagnostic(m.Groups["file"].Value.Trim(), int.Parse(m.Groups["line"].Value),
                    m.Groups["col"].Success ? int.Parse(m.Groups["col"].Value) : 0, m.Groups["sev"].Value, m.Groups["code"].Value, m.Groups["msg"].Value));
            }
            foreach (Match m in NoLocation.Matches(Output))
            {
                if (m.Groups["file"].Value.EndsWith(')'))
                    continue;
                list.Add(new BuildDiagnostic(m.Groups["file"].Value.Trim(), 0, 0, m.Groups["sev"].Value, m.Groups["code"].Value, m.Groups["msg"].Value));
            }
            return list.Distinct().ToList();
        }
    }

    /// <summary>MlBuild's diagnostics only.</summary>
    public IReadOnlyList<BuildDiagnostic> MlbDiagnostics => Diagnostics.Where(d => d.Code.StartsWith("MLB", StringComparison.Ordinal)).ToList();

    public override string ToString() => $"$ {Command}\nexit code {ExitCode}\n{Output}";
}

/// <summary>Runs `dotnet` with an environment cleaned of CI and parent-MSBuild variables.</summary>
public static class Dotnet
{
    // Variables that would change how the child builds: CI detection, and the parent `dotnet test`'s MSBuild wiring.
    static readonly string[] StrippedPrefixes = ["GITHUB_", "TF_BUILD", "BUILD_", "SYSTEM_", "AGENT_", "APPVEYOR", "TRAVIS", "CIRCLE", "GITLAB_", "JENKINS_", "TEAMCITY_", "MSBUILD", "VSTEST", "TESTINGPLATFORM"];
    static readonly string[] StrippedNames = ["CI", "MSBuildExtensionsPath", "MSBuildSDKsPath", "MSBuildLoadMicrosoftTargetsReadOnly", "DOTNET_HOST_PATH", "NUGET_PACKAGES", "RUNNING_TESTS_WITH_DOTNET"];

    public static string Executable { get; } = FindDotnet();

    static string FindDotnet()
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(host) && File.Exists(host)) return host;
        var root = Environment.GetEnvironmentVariable("DOTNET_ROOT");
        var exe = OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet";
        if (!string.IsNullOrEmpty(root) && File.Exists(Path.Combine(root, exe))) return Path.Combine(root, exe);
        var main = Process.GetCurrentProcess().MainModule?.FileName;
        if (main is not null && Path.GetFileNameWithoutExtension(main) == "dotnet") return main;
        return exe;
    }

    public static DotnetRun Run(string workingDirectory, IReadOnlyDictionary<string, string?> environment, TimeSpan timeout, params string[] args) =>
        RunProcess(Executable, workingDirectory, environment, timeout, args);

    public static DotnetRun RunProcess(string fileName, string workingDirectory, IReadOnlyDictionary<string, string?> environment, TimeSpan timeout, params string[] args)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var key in psi.Environment.Keys.ToList())
        {
            if (StrippedNames.Contains(key, StringComparer.OrdinalIgnoreCase)
                || StrippedPrefixes.Any(p => key.StartsWith(p, StringComparison.OrdinalIgnoreCase)))
                psi.Environment.Remove(key);
        }
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        psi.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        psi.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        foreach (var (k, v) in environment)
        {
            if (v is null) psi.Environment.Remove(k);
            else psi.Environment[k] = v;
        }

        var output = new StringBuilder();
        using var process = new Process { StartInfo = psi };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var command = Path.GetFileName(fileName) + " " + string.Join(" ", args);
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            lock (output) output.AppendLine($"(killed after {timeout.TotalSeconds} s)");
            return new DotnetRun(command, -1, output.ToString());
        }
        process.WaitForExit(); // drain the asynchronous readers
        lock (output) return new DotnetRun(command, process.ExitCode, output.ToString());
    }
}
