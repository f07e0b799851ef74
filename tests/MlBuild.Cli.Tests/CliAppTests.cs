using System.CommandLine;

namespace MlBuild.Cli.Tests;

/// <summary>The root command: what a user sees from `dotnet ml` alone and from its help.</summary>
public sealed class CliAppTests
{
    static (int Exit, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int exit = CliApp.Run(args, o, e, Path.GetTempPath());
        return (exit, o.ToString(), e.ToString());
    }

    [Fact]
    public void No_arguments_prints_the_help_and_exits_0()
    {
        var (exit, output, err) = Run();

        Assert.Equal(0, exit);
        Assert.Equal("", err);
        Assert.Contains("Usage:", output, StringComparison.Ordinal);
        Assert.Contains("data", output, StringComparison.Ordinal);
        Assert.Equal(Run("--help").Out, output);
    }

    [Fact]
    public void Usage_names_the_command_a_user_types()
    {
        var (_, output, _) = Run("--help");

        Assert.Contains("  dotnet ml [command] [options]", output, StringComparison.Ordinal);
        Assert.DoesNotContain("mlbuild [", output, StringComparison.Ordinal);
        Assert.Contains("  dotnet ml data validate <path>... [options]", Run("data", "validate", "--help").Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Root_description_promises_only_verbs_that_exist()
    {
        var root = CliApp.CreateRoot(new CliContext(TextWriter.Null, TextWriter.Null, Path.GetTempPath()));
        var verbs = new HashSet<string>(StringComparer.Ordinal);
        void Collect(Command c) { foreach (var s in c.Subcommands) { verbs.Add(s.Name); Collect(s); } }
        Collect(root);

        // Verbs MlBuild has or plans; each one the description names must be a command of this build.
        string[] known = ["validate", "infer", "profile", "drift", "train", "evaluate", "gate", "register", "approve", "promote", "rollback", "package", "verify", "pull"];
        var words = root.Description!.Split([' ', ',', ';', ':', '.'], StringSplitOptions.RemoveEmptyEntries);
        var promised = known.Where(v => words.Contains(v, StringComparer.OrdinalIgnoreCase)).ToList();
        Assert.NotEmpty(promised);
        Assert.All(promised, v => Assert.Contains(v, verbs));
    }
}
