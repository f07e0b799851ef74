using System.CommandLine;

namespace MlBuild.Cli.Commands;

/// <summary>Hidden verbs started by the MSBuild tasks; they write a result file the task replays.</summary>
internal static class WorkerCommand
{
    public static Command Create(CliContext context)
    {
        var worker = new Command("worker", "Verbs started by the MlBuild MSBuild tasks.") { Hidden = true };
        return worker;
    }
}
