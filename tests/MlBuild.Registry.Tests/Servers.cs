using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace MlBuild.Registry.Tests;

/// <summary>Local servers the tests start on 127.0.0.1 (free port) and stop afterwards.</summary>
internal static class Servers
{
    public const string DockerRegistryBinary = "/usr/bin/docker-registry";

    public static string? DockerRegistryPath =>
        File.Exists(DockerRegistryBinary) ? DockerRegistryBinary
        : (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, "docker-registry")).FirstOrDefault(File.Exists);

    public static string AzuriteBlobPath => Path.Combine(TestPaths.RepoRoot, "tests", "MlBuild.Registry.Tests", "node", "node_modules", ".bin", "azurite-blob");

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

/// <summary>A fact that is skipped, with the reason, when the docker-registry binary is not installed.</summary>
public sealed class DockerRegistryFactAttribute : FactAttribute
{
    public DockerRegistryFactAttribute()
    {
        if (Servers.DockerRegistryPath is null)
            Skip = "docker-registry is not installed: run .ci/install-registry-deps.sh (Debian package docker-registry).";
    }
}
