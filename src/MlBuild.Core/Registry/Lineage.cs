using System.ComponentModel;
using System.Diagnostics;
using System.Reflection;

namespace MlBuild.Core.Registry;

/// <summary>Reads who is acting and the state of the git working tree; tolerates a machine without git.</summary>
public static class LineageProbe
{
    /// <summary>
    /// The acting identity: <c>MLBUILD_ACTOR</c>, else the CI's actor (GitHub, GitLab, Azure DevOps), else
    /// <c>git config user.name/user.email</c>, else the OS user. Never a token or a password.
    /// </summary>
    public static string Actor(string workingDirectory, Func<string, string?> env)
    {
        if (Nonempty(env("MLBUILD_ACTOR")) is { } explicitActor) return explicitActor;
        if (Nonempty(env("GITHUB_ACTOR")) is { } gh) return "github:" + gh;
        if (Nonempty(env("GITLAB_USER_LOGIN")) is { } gl) return "gitlab:" + gl;
        if ((Nonempty(env("BUILD_REQUESTEDFOREMAIL")) ?? Nonempty(env("BUILD_REQUESTEDFOR"))) is { } ado) return "azure-devops:" + ado;
        var config = Git(workingDirectory, "config", "--get-regexp", @"^user\.(name|email)$");
        if (config is not null)
        {
            string? name = null, email = null;
            foreach (var line in config.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var sp = line.IndexOf(' ', StringComparison.Ordinal);
                if (sp < 0) continue;
                if (line.StartsWith("user.name", StringComparison.Ordinal)) name = line[(sp + 1)..];
                else if (line.StartsWith("user.email", StringComparison.Ordinal)) email = line[(sp + 1)..];
            }
            if (name is not null || email is not null)
                return name is not null && email is not null ? $"{name} <{email}>" : (name ?? email)!;
        }
        return Environment.UserName;
    }

    /// <summary>The commit of HEAD and whether the tree is dirty; (null, null) outside a git repository.</summary>
    public static (string? Commit, bool? Dirty) GitState(string workingDirectory)
    {
        var head = Git(workingDirectory, "rev-parse", "HEAD")?.Trim();
        if (string.IsNullOrEmpty(head)) return (null, null);
        var status = Git(workingDirectory, "status", "--porcelain", "--untracked-files=no");
        return (head, status is null ? null : status.Trim().Length > 0);
    }

    /// <summary>MlBuild's version.</summary>
    public static string MlBuildVersion()
    {
        var v = typeof(LineageProbe).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
        var plus = v.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? v : v[..plus];
    }

    /// <summary>ML.NET's version when it is loaded in this process.</summary>
    public static string? LoadedMlNetVersion() =>
        AppDomain.CurrentDomain.GetAssemblies().FirstOrDefault(a => a.GetName().Name == "Microsoft.ML.Core")
            ?.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion?.Split('+')[0];

    private static string? Nonempty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    /// <summary>Runs git; returns stdout, or null when git is missing, fails or hangs.</summary>
    internal static string? Git(string workingDirectory, params string[] args)
    {
        var psi = new ProcessStartInfo("git") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["GIT_TERMINAL_PROMPT"] = "0";
        try
        {
            using var p = Process.Start(psi);
            if (p is null) return null;
            var stdout = p.StandardOutput.ReadToEndAsync();
            _ = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(10_000)) { try { p.Kill(); } catch (InvalidOperationException) { } return null; }
            return p.ExitCode == 0 ? stdout.Result : null;
        }
        catch (Win32Exception) { return null; } // git not installed
    }
}
