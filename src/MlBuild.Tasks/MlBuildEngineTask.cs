using System;
using System.Globalization;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace MlBuild.Tasks
{
    /// <summary>
    /// The one way a task runs the engine: <c>dotnet exec mlbuild.dll engine &lt;verb&gt; --request R --result F</c> out of
    /// process (ML.NET and Parquet.Net never load into the MSBuild node). It finds <c>dotnet</c>, writes the request the
    /// derived task builds, starts the engine, keeps its output in a log file, reads the result file and replays its
    /// diagnostics through MSBuild's logger with code, file, line and column. A new task supplies its verb and its
    /// request (<see cref="TryCreateRequest"/>) and, if it has one, its warning policy (<see cref="ReportAsWarning"/>).
    /// </summary>
    public abstract class MlBuildEngineTask : ToolTask
    {
        /// <summary>The engine, <c>mlbuild.dll</c>, started with <c>dotnet exec</c>.</summary>
        [Required]
        public string EngineAssembly { get; set; } = "";

        /// <summary>Where the task writes the request JSON.</summary>
        [Required]
        public string RequestFile { get; set; } = "";

        /// <summary>Where the engine writes its result file.</summary>
        [Required]
        public string ResultFile { get; set; } = "";

        /// <summary>Where the engine's command line, exit code, standard output and error are kept (default: the result file plus <c>.log</c>).</summary>
        public string? LogFile { get; set; }

        /// <summary>The user's project file (<c>$(MSBuildProjectFullPath)</c>): the task's own errors point at it, not at the
        /// line of MlBuild.targets that runs the task.</summary>
        public string? ProjectFile { get; set; }

        /// <summary>The dotnet host that runs the engine; <c>$(DOTNET_HOST_PATH)</c> when MSBuild runs under the .NET CLI.</summary>
        public string? DotnetHostPath { get; set; }

        readonly StringBuilder _engineOutput = new StringBuilder();
        readonly object _outputLock = new object();

        /// <summary>The engine verb under <c>engine</c>, e.g. <c>validate</c>.</summary>
        protected abstract string EngineVerb { get; }

        /// <summary>
        /// Builds the request JSON (<see cref="EngineRequest"/> writes JSON strings). Returns false after logging the
        /// configuration errors that stop the task; returns true with a null request when there is nothing to do.
        /// </summary>
        protected abstract bool TryCreateRequest(out string? requestJson);

        /// <summary>
        /// Whether an error the engine reported may be logged as a warning instead (a user's policy such as
        /// <c>MlBuildDataViolationsAsWarnings</c>). Asked only for findings (data findings, refusals): configuration,
        /// unreadable input, usage and internal errors are always errors, whatever this says.
        /// </summary>
        protected virtual bool ReportAsWarning(EngineDiagnostic diagnostic) => false;

        /// <inheritdoc />
        protected override string ToolName => "dotnet";

        /// <inheritdoc />
        protected override MessageImportance StandardOutputLoggingImportance => MessageImportance.Low;

        /// <inheritdoc />
        protected override MessageImportance StandardErrorLoggingImportance => MessageImportance.Low;

        /// <inheritdoc />
        protected override string GenerateFullPathToTool()
        {
            if (!string.IsNullOrEmpty(DotnetHostPath) && File.Exists(DotnetHostPath))
                return DotnetHostPath!;
            var fromEnv = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
            if (!string.IsNullOrEmpty(fromEnv) && File.Exists(fromEnv))
                return fromEnv!;
            var exe = ToolExe;
            var path = Environment.GetEnvironmentVariable("PATH") ?? "";
            foreach (var dir in path.Split(Path.PathSeparator))
            {
                if (dir.Length == 0)
                    continue;
                try
                {
                    var candidate = Path.Combine(dir, exe);
                    if (File.Exists(candidate))
                        return candidate;
                    if (File.Exists(candidate + ".exe"))
                        return candidate + ".exe";
                }
                catch (ArgumentException)
                {
                    // An invalid PATH entry: skip it.
                }
            }
            return exe;
        }

        /// <inheritdoc />
        protected override string GenerateCommandLineCommands()
        {
            var cmd = new CommandLineBuilder();
            cmd.AppendSwitch("exec");
            cmd.AppendFileNameIfNotNull(EngineAssembly);
            cmd.AppendSwitch("engine");
            cmd.AppendSwitch(EngineVerb);
            cmd.AppendSwitch("--request");
            cmd.AppendFileNameIfNotNull(RequestFile);
            cmd.AppendSwitch("--result");
            cmd.AppendFileNameIfNotNull(ResultFile);
            return cmd.ToString();
        }

        /// <inheritdoc />
        public override bool Execute()
        {
            if (!TryCreateRequest(out var requestJson))
                return false;
            if (requestJson is null)
                return true;
            if (!File.Exists(EngineAssembly))
            {
                LogCodedError(DiagnosticCodes.EngineMissing,
                    "The MlBuild engine '{0}' does not exist. Restore the MlBuild package again, or set MlBuildEnginePath to the engine's mlbuild.dll.",
                    EngineAssembly);
                return false;
            }

            RequestFile = Path.GetFullPath(RequestFile);
            ResultFile = Path.GetFullPath(ResultFile);
            var logFile = Path.GetFullPath(string.IsNullOrEmpty(LogFile) ? ResultFile + ".log" : LogFile!);
            try
            {
                foreach (var f in new[] { RequestFile, ResultFile, logFile })
                {
                    var dir = Path.GetDirectoryName(f);
                    if (!string.IsNullOrEmpty(dir))
                        Directory.CreateDirectory(dir);
                }
                // A stale result must never be replayed after a crash.
                if (File.Exists(ResultFile))
                    File.Delete(ResultFile);
                File.WriteAllText(RequestFile, requestJson, new UTF8Encoding(false));
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                LogCodedError(DiagnosticCodes.RequestNotWritable, "MlBuild could not write its request file '{0}': {1}", RequestFile, ex.Message);
                return false;
            }

            bool started = base.Execute();
            WriteEngineLog(logFile);
            if (!started)
                return false; // the tool did not start, timed out or was cancelled: ToolTask has logged why

            var result = ResultFileReader.TryRead(ResultFile, out var problem);
            if (result is null)
            {
                LogCodedError(DiagnosticCodes.EngineFailed,
                    "The MlBuild engine exited with code {0} and {1}. Its output is in '{2}'. Rebuild to retry; if it persists, report the log.",
                    ExitCode.ToString(CultureInfo.InvariantCulture), problem, logFile);
                return false;
            }
            // The engine's summaries (one line per dataset) show at the default verbosity, as a test runner's summary does.
            foreach (var m in result.Messages)
                Log.LogMessage(MessageImportance.High, "{0}", MlBuild.Core.Diagnostics.DiagnosticText.Escape(m));

            int errors = 0;
            bool engineReportedError = false;
            foreach (var d in result.Diagnostics)
            {
                engineReportedError |= d.Severity == "error";
                if (Replay(d))
                    errors++;
            }

            // A failing exit is explained by the errors the engine reported, whether they were logged as errors or
            // (by the user's policy) as warnings; one without any is the engine's failure, never a silent pass.
            if (ExitCode != 0 && !engineReportedError)
            {
                if (ExitCode == 1)
                    LogCodedError(DiagnosticCodes.EngineFailed,
                        "The MlBuild engine reported failed checks (exit code 1) but no diagnostic. Its output is in '{0}'.", logFile);
                else
                    LogCodedError(DiagnosticCodes.EngineFailed,
                        "The MlBuild engine exited with code {0} without reporting an error. Its output is in '{1}'.",
                        ExitCode.ToString(CultureInfo.InvariantCulture), logFile);
                return false;
            }
            return errors == 0 && !Log.HasLoggedErrors;
        }

        /// <summary>
        /// Replays the result file an earlier run of the engine wrote, in process and without starting anything: what an
        /// up-to-date target does so that its verdicts and diagnostics show again. Returns false when it holds errors.
        /// </summary>
        protected bool ReplayStoredResult()
        {
            var path = Path.GetFullPath(ResultFile);
            var result = ResultFileReader.TryRead(path, out var problem);
            if (result is null)
            {
                LogCodedError(DiagnosticCodes.EngineFailed,
                    "MlBuild's stored result '{0}' cannot be replayed: {1}. Delete it and its stamp, or build with --no-incremental.", path, problem);
                return false;
            }
            foreach (var m in result.Messages)
                Log.LogMessage(MessageImportance.High, "{0}", MlBuild.Core.Diagnostics.DiagnosticText.Escape(m));
            int errors = 0;
            foreach (var d in result.Diagnostics)
                if (Replay(d))
                    errors++;
            return errors == 0 && !Log.HasLoggedErrors;
        }

        /// <summary>Logs one error of the task itself with its code from the table, at the user's project file.</summary>
        protected void LogCodedError(DiagnosticCode code, string format, params object?[] args) =>
            LogCodedErrorAt(new ProjectLocation(string.IsNullOrEmpty(ProjectFile) ? null : ProjectFile, 0, 0), code, format, args);

        /// <summary>Logs one error of the task itself with its code from the table, at <paramref name="at"/>.</summary>
        private protected void LogCodedErrorAt(ProjectLocation at, DiagnosticCode code, string format, params object?[] args) =>
            Log.LogError(null, code.Code, null, at.File, at.Line, at.Column, 0, 0, format, args);

        /// <summary>Logs one engine diagnostic with its code and location; returns whether it was logged as an error.</summary>
        bool Replay(EngineDiagnostic d)
        {
            var file = d.File.Length == 0 ? null : d.File;
            bool isError = d.Severity == "error";
            if (isError && IsFinding(d.Kind) && ReportAsWarning(d))
                isError = false;
            if (isError)
            {
                Log.LogError(null, d.Code, null, file, d.Line, d.Column, 0, 0, "{0}", MlBuild.Core.Diagnostics.DiagnosticText.Escape(d.Message));
                return true;
            }
            if (d.Severity == "error" || d.Severity == "warning")
                Log.LogWarning(null, d.Code, null, file, d.Line, d.Column, 0, 0, "{0}", MlBuild.Core.Diagnostics.DiagnosticText.Escape(d.Message));
            else
                Log.LogMessage(null, d.Code, null, file, d.Line, d.Column, 0, 0, MessageImportance.Normal, "{0}", MlBuild.Core.Diagnostics.DiagnosticText.Escape(d.Message));
            return false;
        }

        /// <summary>The kinds a policy may downgrade: checks that ran and found something. The rest mean they could not run.</summary>
        static bool IsFinding(DiagnosticKind kind) => kind == DiagnosticKind.DataFinding || kind == DiagnosticKind.Refusal;

        /// <inheritdoc />
        protected override void LogEventsFromTextOutput(string singleLine, MessageImportance messageImportance)
        {
            // Never parse the engine's text as canonical errors (ToolTask's default would, and report them twice):
            // diagnostics come only from the result file.
            lock (_outputLock)
                _engineOutput.Append(singleLine).Append('\n');
            Log.LogMessage(messageImportance, "{0}", singleLine);
        }

        /// <inheritdoc />
        protected override bool HandleTaskExecutionErrors()
        {
            // Every non-zero exit is explained by the result file (or by MLB9001 when it is missing): never MSB6006.
            return true;
        }

        void WriteEngineLog(string logFile)
        {
            try
            {
                string text;
                lock (_outputLock)
                    text = _engineOutput.ToString();
                File.WriteAllText(logFile,
                    "command: " + GenerateFullPathToTool() + " " + GenerateCommandLineCommands() + "\n" +
                    "exit code: " + ExitCode.ToString(CultureInfo.InvariantCulture) + "\n" + text,
                    new UTF8Encoding(false));
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                Log.LogMessage(MessageImportance.Low, "MlBuild could not write the engine log '{0}': {1}", logFile, ex.Message);
            }
        }
    }
}
