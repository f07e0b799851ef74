using MlBuild.Core.Diagnostics;
using MlBuild.Core.Models.Artifacts;
using MlBuild.Core.Reports;

namespace MlBuild.Cli.Commands;

/// <summary><c>mlbuild engine publish-model</c>: the engine side of <c>dotnet publish</c> (started by MlBuildPublishModel).</summary>
internal static class PublishModelVerb
{
    public static int Run(CliContext context, string requestPath, string resultPath)
    {
        PublishOutcome outcome;
        try
        {
            outcome = ModelPublisher.Run(PublishRequest.Read(requestPath));
        }
        catch (MlBuildException e)
        {
            outcome = new PublishOutcome((int)Verdicts.ExitCode([e.Diagnostic]), [e.Diagnostic], [], []);
        }
        ResultFile.Write(resultPath, outcome.ExitCode, outcome.Diagnostics, outcome.Messages);
        foreach (var m in outcome.Messages) context.Out.WriteLine(m);
        foreach (var d in outcome.Diagnostics) context.Out.WriteLine(d.ToCanonicalString());
        return outcome.ExitCode;
    }
}
