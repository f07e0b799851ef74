using System.IO;
using System.Text;
using Microsoft.Build.Framework;

namespace MlBuild.Tasks
{
    /// <summary>
    /// The model test of <c>dotnet test</c>: quick-trains the model of the project's pipeline file, evaluates it and runs
    /// its gates with the engine (<c>dotnet exec mlbuild.dll engine test-model --request R --result F</c>, see
    /// <see cref="MlBuildEngineTask"/>); each gate's line and the totals show as messages, a failing gate is an error
    /// MLB4xxx at its line in the pipeline file. With <see cref="ReplayOnly"/> it starts nothing and replays the stored
    /// result of the last run (the target is up to date).
    /// </summary>
    public sealed class MlBuildTestModel : MlBuildEngineTask
    {
        /// <summary>The pipeline file, relative to <see cref="ProjectDirectory"/> (diagnostics name it so) or rooted.</summary>
        [Required]
        public string PipelineFile { get; set; } = "";

        /// <summary>The directory relative paths are resolved against (the project directory).</summary>
        [Required]
        public string ProjectDirectory { get; set; } = "";

        /// <summary>Where the engine writes the model, its evidence, the reports and the list of files it read.</summary>
        [Required]
        public string OutputDirectory { get; set; } = "";

        /// <summary>Replay the stored result file instead of starting the engine.</summary>
        public bool ReplayOnly { get; set; }

        /// <summary>True when the task ran to start the engine (not a replay), whatever happened next: an up-to-date target
        /// does not run its tasks, so the replay target runs exactly when this was not set.</summary>
        [Output]
        public bool Started { get; private set; }

        /// <summary>True when this run of the engine left a result file (whatever its verdict): the target may mark itself
        /// up to date, so that the next run replays these verdicts instead of training again. False when replaying.</summary>
        [Output]
        public bool ResultRecorded { get; private set; }

        bool _requested;

        /// <inheritdoc />
        protected override string EngineVerb => "test-model";

        /// <inheritdoc />
        public override bool Execute()
        {
            if (ReplayOnly)
            {
                Log.LogMessage(MessageImportance.High, "mlbuild: nothing changed since the last model test; its stored verdicts (no training):");
                return ReplayStoredResult();
            }
            Started = true;
            bool ok = base.Execute();
            ResultRecorded = _requested && ResultFileReader.TryRead(Path.GetFullPath(ResultFile), out _) != null;
            return ok;
        }

        /// <inheritdoc />
        protected override bool TryCreateRequest(out string? requestJson)
        {
            requestJson = null;
            var full = Path.GetFullPath(Path.IsPathRooted(PipelineFile) ? PipelineFile : Path.Combine(ProjectDirectory, PipelineFile));
            if (!File.Exists(full))
            {
                LogCodedError(DiagnosticCodes.ModelTestPipelineMissing,
                    "MlBuildPipelineFile is '{0}', which does not exist (looked in '{1}'). Fix the property, or set MlBuildTestModel=false to skip the model tests.",
                    PipelineFile, full);
                return false;
            }
            var sb = new StringBuilder();
            sb.Append("{\"formatVersion\":1,\"projectDirectory\":");
            EngineRequest.AppendString(sb, ProjectDirectory);
            sb.Append(",\"pipeline\":");
            EngineRequest.AppendString(sb, PipelineFile);
            sb.Append(",\"outputDirectory\":");
            EngineRequest.AppendString(sb, Path.GetFullPath(Path.IsPathRooted(OutputDirectory) ? OutputDirectory : Path.Combine(ProjectDirectory, OutputDirectory)));
            sb.Append("}\n");
            requestJson = sb.ToString();
            _requested = true;
            return true;
        }
    }
}
