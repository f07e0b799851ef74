using Spectre.Console;

namespace MlBuild.Cli;

/// <summary>
/// A progress bar for long work when a person is watching: only on an interactive terminal, never in CI or when
/// output is redirected (so logs and tests stay clean).
/// </summary>
internal static class ProgressDisplay
{
    public static T Run<T>(CliContext context, string description, Func<Action<long, long>?, T> work)
    {
        bool interactive = ReferenceEquals(context.Out, Console.Out) && !Console.IsOutputRedirected && !Console.IsErrorRedirected
            && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI")) && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("TF_BUILD"));
        if (!interactive) return work(null);
        T result = default!;
        AnsiConsole.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(description, maxValue: 1);
                result = work((done, total) =>
                {
                    task.MaxValue = Math.Max(total, 1);
                    task.Value = done;
                });
                task.Value = task.MaxValue;
            });
        return result;
    }
}
