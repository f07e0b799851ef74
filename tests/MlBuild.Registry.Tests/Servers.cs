using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace MlBuild.Registry.Tests;

/// <summary>
/// Local servers the tests start on 127.0.0.1 (free port) and stop afterwards. A server that is not on the machine is
/// installed on first use into a cache folder (artifacts/test-servers, or MLBUILD_TEST_SERVERS), so
/// <c>dotnet test</c> needs nothing but the .NET SDK on a Debian machine with Node.js: nothing is skipped.
/// </summary>
internal static class Servers
{
    private static readonly Lazy<string> DockerRegistry = new(InstallDockerRegistry);
    private static readonly Lazy<string> AzuriteBlob = new(InstallAzurite);

    /// <summary>The OCI distribution server (Debian's docker-registry): the machine's, else unpacked from its .deb.</summary>
    public static string DockerRegistryPath => DockerRegistry.Value;

    /// <summary>The Azure Blob emulator, npm-installed from tests/MlBuild.Registry.Tests/node's lock file.</summary>
    public static string AzuriteBlobPath => AzuriteBlob.Value;

    public static string CacheDir =>
        Environment.GetEnvironmentVariable("MLBUILD_TEST_SERVERS") is { Length: > 0 } dir ? Path.GetFullPath(dir)
        : Path.Combine(TestPaths.RepoRoot, "artifacts", "test-servers");

    private static string InstallDockerRegistry()
    {
        var onMachine = new[] { "/usr/bin/docker-registry" }
            .Concat((Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Select(d => Path.Combine(d, "docker-registry")))
            .FirstOrDefault(File.Exists);
        if (onMachine is not null) return onMachine;

        // `apt-get download` fetches the package file without installing it (no root, no system service on port
        // 5000); `dpkg-deb -x` unpacks it. The binary is a Go program that needs only libc.
        return InstallOnce("docker-registry", Path.Combine("usr", "bin", "docker-registry"), staging =>
        {
            if (Which("apt-get") is null || Which("dpkg-deb") is null)
                throw new InvalidOperationException("docker-registry (the OCI distribution server the OCI tests push to) is not installed, and this is no Debian machine to fetch it from: put a docker-registry binary (distribution 2.8) on PATH.");
            var download = Run("apt-get", ["download", "docker-registry"], staging, throwOnFailure: false);
            if (download.ExitCode != 0 && Environment.UserName == "root")
            {
                // A fresh machine has no package lists yet.
                Run("apt-get", ["update", "-q"], staging);
                download = Run("apt-get", ["download", "docker-registry"], staging, throwOnFailure: false);
            }
            if (download.ExitCode != 0)
                throw new InvalidOperationException($"Could not download Debian's docker-registry package (run 'apt-get update' as root first?): {download.Output}");
            var deb = Directory.GetFiles(staging, "docker-registry_*.deb").Single();
            Run("dpkg-deb", ["-x", deb, staging], staging);
            File.Delete(deb);
        });
    }

    private static string InstallAzurite()
    {
        var nodeDir = Path.Combine(TestPaths.RepoRoot, "tests", "MlBuild.Registry.Tests", "node");
        var lockFile = Path.Combine(nodeDir, "package-lock.json");
        // One folder per lock file: a changed pin installs afresh instead of running a stale Azurite.
        var lockHash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(lockFile)))[..12];
        return InstallOnce("azurite-" + lockHash, Path.Combine("node_modules", ".bin", "azurite-blob"), staging =>
        {
            if (Which("npm") is null || Which("node") is null)
                throw new InvalidOperationException("Node.js and npm are needed to install Azurite, the Azure Blob emulator the store tests run against; install Node.js 20 or newer.");
            File.Copy(Path.Combine(nodeDir, "package.json"), Path.Combine(staging, "package.json"));
            File.Copy(lockFile, Path.Combine(staging, "package-lock.json"));
            Run("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], staging);
        });
    }

    /// <summary>
    /// Returns cache/<paramref name="name"/>/<paramref name="binary"/>, installing it first if absent. The install runs
    /// in a staging folder that is then renamed into place, so a concurrent or interrupted install never leaves a
    /// half-filled folder that looks complete.
    /// </summary>
    private static string InstallOnce(string name, string binary, Action<string> install)
    {
        var final = Path.Combine(CacheDir, name);
        var path = Path.Combine(final, binary);
        if (File.Exists(path)) return path;
        var staging = Path.Combine(CacheDir, $".{name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        try
        {
            install(staging);
            if (!File.Exists(Path.Combine(staging, binary)))
                throw new InvalidOperationException($"Installing {name} left no {binary} in {staging}.");
            try { Directory.Move(staging, final); }
            catch (IOException) when (File.Exists(path)) { } // another test process won the race
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
        return path;
    }

    private static string? Which(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, program)).FirstOrDefault(File.Exists);

    private static (int ExitCode, string Output) Run(string program, string[] args, string workDir, bool throwOnFailure = true)
    {
        var psi = new ProcessStartInfo(Which(program) ?? program)
        {
            WorkingDirectory = workDir, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["DEBIAN_FRONTEND"] = "noninteractive";
        using var p = Process.Start(psi)!;
        p.StandardInput.Close();
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', args)} did not finish within 10 minutes.");
        }
        var output = (stdout + stderr.Result).Trim();
        if (throwOnFailure && p.ExitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} failed with exit code {p.ExitCode}: {output}");
        return (p.ExitCode, output);
    }

    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    public static bool WaitForPort(int port, TimeSpan timeout, Process p)
    {
        var end = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < end && !p.HasExited)
        {
            try
            {
                using var c = new TcpClient();
                c.Connect(IPAddress.Loopback, port);
                return true;
            }
            catch (SocketException) { Thread.Sleep(100); }
        }
        return false;
    }
}

/// <summary>A server process that is killed (with its children) when disposed.</summary>
internal sealed class ServerProcess : IDisposable
{
    private readonly Process _p;

    public ServerProcess(string file, IEnumerable<string> args, string workDir, int port, string name)
    {
        var psi = new ProcessStartInfo(file) { WorkingDirectory = workDir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        _p = Process.Start(psi)!;
        _p.OutputDataReceived += (_, _) => { };
        _p.ErrorDataReceived += (_, _) => { };
        _p.BeginOutputReadLine();
        _p.BeginErrorReadLine();
        Port = port;
        if (!Servers.WaitForPort(port, TimeSpan.FromSeconds(30), _p))
        {
            Dispose();
            throw new InvalidOperationException($"{name} did not listen on 127.0.0.1:{port} within 30 s.");
        }
    }

    public int Port { get; }

    public void Dispose()
    {
        try { if (!_p.HasExited) _p.Kill(entireProcessTree: true); _p.WaitForExit(10_000); }
        catch (InvalidOperationException) { }
        _p.Dispose();
    }
}
