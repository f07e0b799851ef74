using System.CommandLine;
using MlBuild.Cli.Commands;
using MlBuild.Core.Diagnostics;

namespace MlBuild.Cli;

/// <summary>Where a verb writes: tests pass <see cref="StringWriter"/>s, the program passes the console.</summary>
internal sealed record CliContext(TextWriter Out, TextWriter Error, string WorkingDirectory);

/// <summary>Builds the root command and runs it; every verb is one class with a static Create.</summary>
internal static class CliApp
{
    public static RootCommand CreateRoot(CliContext context)
    {
        // Promise only the verbs that exist (CliAppTests checks the description against the subcommands).
        var root = new RootCommand("MlBuild: validate, profile and compare (drift) datasets; train, test, evaluate and gate ML.NET models; register, approve, promote, package, pull and verify them in a registry.")
        {
            // What a user types (the tool is installed as dotnet-ml and run as `dotnet ml`), not the assembly's name.
            HelpName = "dotnet ml",
        };
        root.Subcommands.Add(DataCommand.Create(context));
        root.Subcommands.Add(EngineCommand.Create(context));
        root.Subcommands.Add(TrainCommand.Create(context));
        root.Subcommands.Add(GoldenCommand.Create(context));
        root.Subcommands.Add(TestCommand.Create(context));
        Commands.Registry.RegistryCommands.AddTo(root, context);
        EvaluateCommand.AddTo(root, context);
        root.Subcommands.Add(SummaryCommand.Create(context));
        return root;
    }

    /// <summary>
    /// Refuses values that look like options (an unknown <c>--bogus</c> would otherwise be taken for a file name and
    /// reported as "file not found"); a file whose name starts with '-' is named as <c>./-name</c>.
    /// </summary>
    public static void RejectOptionLikeValues(Argument<string[]> argument) =>
        argument.Validators.Add(result =>
        {
            foreach (var value in result.GetValueOrDefault<string[]>() ?? [])
                if (value.Length > 1 && value[0] == '-')
                {
                    result.AddError($"Unknown option '{DiagnosticText.Escape(value)}' (to name a file that starts with '-', write './{DiagnosticText.Escape(value)}').");
                    return;
                }
        });

    /// <summary>Refuses a thread count below 1.</summary>
    public static void RequirePositive(Option<int?> option) =>
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is < 1 and var n)
                result.AddError($"{option.Name} must be at least 1, not {n}.");
        });

    public static int Run(string[] args, TextWriter output, TextWriter error, string? workingDirectory = null)
    {
        var context = new CliContext(output, error, workingDirectory ?? Directory.GetCurrentDirectory());
        var root = CreateRoot(context);
        // `dotnet ml` alone is a person asking what the tool does: show the help, successfully, not a missing-command error.
        // No response files: an argument such as '@train.csv' is a name, never a file whose contents become options.
        var parsed = root.Parse(args.Length == 0 ? ["--help"] : args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parsed.Errors.Count > 0)
        {
            foreach (var e in parsed.Errors)
                error.WriteLine(new MlDiagnostic(DiagnosticCodes.CommandLine, MlSeverity.Error, $"{e.Message} Run 'dotnet ml --help' for usage.").ToCanonicalString());
            return (int)DiagnosticCodes.CommandLine.ExitClass;
        }
        try
        {
            return parsed.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        }
        catch (MlBuildException ex)
        {
            error.WriteLine(ex.Diagnostic.ToCanonicalString());
            return (int)Verdicts.ExitCode([ex.Diagnostic]);
        }
        catch (Exception ex) when (Environment.GetEnvironmentVariable("MLBUILD_DEBUG") != "1")
        {
            // A bug of ours, not a user mistake: say so plainly; MLBUILD_DEBUG=1 shows the stack trace.
            var inner = ex is AggregateException { InnerException: { } i } ? i : ex;
            error.WriteLine(new MlDiagnostic(DiagnosticCodes.InternalError, MlSeverity.Error,
                $"Internal error ({inner.GetType().Name}: {inner.Message}). Please report it; set MLBUILD_DEBUG=1 for details.").ToCanonicalString());
            return (int)DiagnosticCodes.InternalError.ExitClass;
        }
    }
}
