using System;
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
    public sealed class MlBuildTestModel : MlBuildModelTask
    {
        /// <summary>Where the build wrote its drift reports (<c>drift-*.json</c>): the summary shows them. Optional.</summary>
        public string? DriftDirectory { get; set; }

        /// <summary>The pull-request summary the engine writes (in <see cref="OutputDirectory"/>). Optional: without it,
        /// no summary line and nothing appended to <c>$GITHUB_STEP_SUMMARY</c>.</summary>
        public string? SummaryFile { get; set; }

        /// <summary>The summary as the output names it (its copy under <c>TestResults/</c>).</summary>
        public string? SummaryDisplay { get; set; }

        /// <summary>GitHub Actions' job summary file (<c>$(GITHUB_STEP_SUMMARY)</c>, the environment variable the step has);
        /// empty when not on GitHub Actions. The summary is appended to it.</summary>
        public string? StepSummaryFile { get; set; }

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
                bool replayed = ReplayStoredResult();
                ReportSummary(fresh: false);
                return replayed;
            }
            Started = true;
            bool ok = base.Execute();
            ResultRecorded = _requested && ResultFileReader.TryRead(Path.GetFullPath(ResultFile), out _) != null;
            if (ResultRecorded)
                ReportSummary(fresh: true);
            return ok;
        }

        /// <summary>
        /// Names the summary file in the output and appends it to GitHub Actions' job summary (<c>$GITHUB_STEP_SUMMARY</c>)
        /// when that is set: always after a run; after a replay only when this step's summary file has not had it yet
        /// (a second <c>dotnet test</c> in the same CI step does not add a second copy, a later step gets its own).
        /// </summary>
        void ReportSummary(bool fresh)
        {
            if (string.IsNullOrEmpty(SummaryFile))
                return;
            var summary = Path.GetFullPath(SummaryFile);
            if (!File.Exists(summary))
                return;
            var stepSummary = StepSummaryFile;
            var record = summary + ".step-summary";
            bool append = !string.IsNullOrEmpty(stepSummary)
                && (fresh || !File.Exists(record) || File.ReadAllText(record) != stepSummary);
            if (append)
            {
                try
                {
                    using (var to = new FileStream(stepSummary!, FileMode.Append, FileAccess.Write, FileShare.ReadWrite))
                    {
                        var bytes = File.ReadAllBytes(summary);
                        to.Write(bytes, 0, bytes.Length);
                    }
                    File.WriteAllText(record, stepSummary, new UTF8Encoding(false));
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is NotSupportedException || ex is ArgumentException)
                {
                    Log.LogWarning(null, DiagnosticCodes.StepSummaryNotWritten.Code, null, ProjectFile, 0, 0, 0, 0,
                        "The job summary was not written: GITHUB_STEP_SUMMARY names '{0}', and {1}. Point GITHUB_STEP_SUMMARY at a writable file.",
                        stepSummary, ex.Message.TrimEnd('.'));
                    append = false;
                }
            }
            Log.LogMessage(MessageImportance.High, "mlbuild: pull-request summary: {0}{1}",
                string.IsNullOrEmpty(SummaryDisplay) ? summary : SummaryDisplay,
                append ? " (appended to $GITHUB_STEP_SUMMARY)" : "");
        }

        /// <inheritdoc />
        protected override bool TryCreateRequest(out string? requestJson)
        {
            requestJson = null;
            var full = PipelineFullPath;
            if (!File.Exists(full))
            {
                LogCodedError(DiagnosticCodes.ModelTestPipelineMissing,
                    "MlBuildPipelineFile is '{0}', which does not exist (looked in '{1}'). Fix the property, or set MlBuildTestModel=false to skip the model tests.",
                    PipelineFile, full);
                return false;
            }
            var sb = StartModelRequest();
            if (!string.IsNullOrEmpty(DriftDirectory))
            {
                sb.Append(",\"driftDirectory\":");
                EngineRequest.AppendString(sb, FullPath(DriftDirectory!));
            }
            sb.Append("}\n");
            requestJson = sb.ToString();
            _requested = true;
            return true;
        }
    }
}
