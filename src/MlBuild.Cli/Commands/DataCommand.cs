using System.CommandLine;

namespace MlBuild.Cli.Commands;

/// <summary><c>dotnet ml data ...</c>: validate, infer, profile.</summary>
internal static class DataCommand
{
    public static Command Create(CliContext context)
    {
        var data = new Command("data", "Validate, profile and infer schemas for datasets (CSV, Parquet).");
        return data;
    }
}
