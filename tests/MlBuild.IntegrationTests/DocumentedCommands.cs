namespace MlBuild.IntegrationTests;

/// <summary>
/// The install commands as README.md and docs/msbuild.md print them (lines of their ```sh blocks), so the tests run
/// what a user copies and a changed doc changes the test.
/// </summary>
public static class DocumentedCommands
{
    /// <summary>The folder feed the docs use; tests put their own folder in its place.</summary>
    public const string Feed = "~/.mlbuild-feed";

    /// <summary>`dotnet ...` lines of the ```sh blocks of a repository file, in order.</summary>
    public static IReadOnlyList<string> ShellLines(string repoRoot, string relativePath)
    {
        var lines = new List<string>();
        var inShell = false;
        foreach (var raw in File.ReadAllLines(Path.Combine(repoRoot, relativePath)))
        {
            var line = raw.Trim();
            if (line.StartsWith("```", StringComparison.Ordinal))
            {
                inShell = !inShell && line == "```sh";
                continue;
            }
            if (inShell && line.StartsWith("dotnet ", StringComparison.Ordinal))
                lines.Add(line);
        }
        return lines;
    }

    /// <summary>
    /// The README's lines starting with <paramref name="prefix"/>; each must also be in docs/msbuild.md, so the two
    /// pages cannot drift apart.
    /// </summary>
    public static IReadOnlyList<string> Documented(string repoRoot, string prefix)
    {
        var readme = ShellLines(repoRoot, "README.md").Where(l => l.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        if (readme.Count == 0)
            throw new InvalidOperationException($"README.md documents no '{prefix}' command in a ```sh block.");
        var docs = ShellLines(repoRoot, Path.Combine("docs", "msbuild.md"));
        var missing = readme.Where(l => !docs.Contains(l) && !l.StartsWith("dotnet tool ", StringComparison.Ordinal)).ToList();
        if (missing.Count > 0)
            throw new InvalidOperationException("docs/msbuild.md lacks README.md's commands: " + string.Join(" | ", missing));
        return readme;
    }

    /// <summary>The arguments after `dotnet` (the documented commands quote nothing), with the feed replaced.</summary>
    public static List<string> Arguments(string line, string feed) =>
        line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(a => a == Feed ? feed : a).ToList();
}
