using System.Text.Json;
using MlBuild.Core.Diagnostics;
using MlBuild.Core.Reports;

namespace MlBuild.Core.Models.ModelTests;

/// <summary>
/// The request the <c>MlBuildTestModel</c> task writes for <c>mlbuild engine test-model</c> (the task, netstandard2.0,
/// writes it by hand; tests/MlBuild.Tasks.Tests holds the two together):
/// <code>{"formatVersion":1,"projectDirectory":"...","pipeline":"mlbuild.json","outputDirectory":"...","driftDirectory":"..."}</code>
/// (<c>driftDirectory</c> optional).
/// </summary>
/// <param name="ProjectDirectory">The directory relative paths are resolved against.</param>
/// <param name="Pipeline">The pipeline file as the project names it (diagnostics point at it so).</param>
/// <param name="OutputDirectory">Where the model, its evidence and the reports go.</param>
/// <param name="DriftDirectory">Where the build wrote its drift reports (<c>drift-*.json</c>) for the summary, or null.</param>
public sealed record ModelTestRequest(string ProjectDirectory, string Pipeline, string OutputDirectory, string? DriftDirectory = null)
{
    /// <summary>The format version this engine reads.</summary>
    public const int FormatVersion = 1;

    /// <summary>Reads a request file; anything unreadable or of another shape is <see cref="DiagnosticCodes.EngineRequestUnreadable"/>.</summary>
    public static ModelTestRequest Read(string path)
    {
        return EngineRequestFile.Read(path, FormatVersion, root =>
        {
            return new ModelTestRequest(root.GetProperty("projectDirectory").GetString()!, root.GetProperty("pipeline").GetString()!,
                root.GetProperty("outputDirectory").GetString()!,
                root.TryGetProperty("driftDirectory", out var drift) && drift.ValueKind == JsonValueKind.String ? drift.GetString() : null);
        });
    }
}
