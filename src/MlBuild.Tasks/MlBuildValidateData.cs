using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace MlBuild.Tasks
{
    /// <summary>
    /// Validates the project's <c>MlBuildDataset</c> items against their schemas by starting the engine out of process
    /// (<c>dotnet exec mlbuild.dll worker validate --request R --result F</c>) and replaying the coded diagnostics it
    /// writes to the result file through MSBuild's logger. ML.NET and Parquet.Net never load into the MSBuild node.
    /// </summary>
    public sealed class MlBuildValidateData : ToolTask
    {
        /// <summary>The <c>MlBuildDataset</c> items: ItemSpec is a data file; metadata <c>Schema</c> (required),
        /// <c>Dataset</c> (groups files into one logical dataset), <c>Validate</c> (<c>false</c> skips the item).</summary>
        [Required]
        public ITaskItem[] Datasets { get; set; } = Array.Empty<ITaskItem>();

        /// <summary>The engine, <c>mlbuild.dll</c>, started with <c>dotnet exec</c>.</summary>
        [Required]
        public string WorkerAssembly { get; set; } = "";

        /// <summary>The directory relative paths in the request are resolved against (the project directory).</summary>
        [Required]
        public string ProjectDirectory { get; set; } = "";

        /// <summary>Where the task writes the request JSON.</summary>
        [Required]
        public string RequestFile { get; set; } = "";

        /// <summary>Where the worker writes its result file.</summary>
        [Required]
        public string ResultFile { get; set; } = "";

        /// <summary>Where the worker's standard output and error are kept (default: the result file plus <c>.log</c>).</summary>
        public string? LogFile { get; set; }

        /// <summary>Where the engine writes its JSON report (<c>data-report.json</c>) and profile (<c>data-profile.json</c>); none when empty.</summary>
        public string? ReportDirectory { get; set; }

        /// <summary>Report data violations (MLB1xxx, MLB2xxx) as warnings instead of errors; MLB9xxx stay errors.</summary>
        public bool DataViolationsAsWarnings { get; set; }

        /// <summary>The dotnet host that runs the worker; <c>$(DOTNET_HOST_PATH)</c> when MSBuild runs under the .NET CLI.</summary>
        public string? DotnetHostPath { get; set; }

        /// <summary>The datasets the request named (after grouping), for callers and tests.</summary>
        [Output]
        public ITaskItem[] ValidatedDatasets { get; private set; } = Array.Empty<ITaskItem>();

        readonly StringBuilder _workerOutput = new StringBuilder();
        readonly object _outputLock = new object();

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
            cmd.AppendFileNameIfNotNull(WorkerAssembly);
            cmd.AppendSwitch("worker");
            cmd.AppendSwitch("validate");
            cmd.AppendSwitch("--request");
            cmd.AppendFileNameIfNotNull(RequestFile);
            cmd.AppendSwitch("--result");
            cmd.AppendFileNameIfNotNull(ResultFile);
            return cmd.ToString();
        }

        /// <inheritdoc />
        public override bool Execute()
        {
            var datasets = CollectDatasets();
            if (datasets is null)
                return false;
            if (datasets.Count == 0)
            {
                Log.LogMessage(MessageImportance.Low, "MlBuild: no MlBuildDataset item to validate.");
                return true;
            }
            if (!File.Exists(WorkerAssembly))
            {
                Log.LogError(null, "MLB9014", null, null, 0, 0, 0, 0,
                    "The MlBuild engine '{0}' does not exist. Restore the MlBuild package again, or set MlBuildWorkerPath to the engine's mlbuild.dll.",
                    WorkerAssembly);
                return false;
            }

            RequestFile = Path.GetFullPath(RequestFile);
            ResultFile = Path.GetFullPath(ResultFile);
            var logFile = Path.GetFullPath(string.IsNullOrEmpty(LogFile) ? ResultFile + ".log" : LogFile!);
            try
            {
                foreach (var f in new[] { RequestFile, ResultFile, logFile })
                {
                    var dir = Path.GetDirectoryName(Path.GetFullPath(f));
                    if (!string.IsNullOrEmpty(dir))
                        Directory.CreateDirectory(dir);
                }
                // A stale result must never be replayed after a crash.
                if (File.Exists(ResultFile))
                    File.Delete(ResultFile);
                File.WriteAllText(RequestFile, WorkerRequest.ToJson(ProjectDirectory, datasets,
                    string.IsNullOrEmpty(ReportDirectory) ? null : Path.GetFullPath(ReportDirectory)), new UTF8Encoding(false));
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                Log.LogError(null, "MLB9015", null, null, 0, 0, 0, 0,
                    "MlBuild could not write its request file '{0}': {1}", RequestFile, ex.Message);
                return false;
            }

            var items = new List<ITaskItem>();
            foreach (var d in datasets)
            {
                var item = new TaskItem(d.Name);
                item.SetMetadata("Schema", d.Schema);
                item.SetMetadata("Files", string.Join(";", d.Files));
                items.Add(item);
            }
            ValidatedDatasets = items.ToArray();

            bool started = base.Execute();
            WriteWorkerLog(logFile);
            if (!started)
                return false; // the tool did not start, timed out or was cancelled: ToolTask has logged why

            var result = ResultFileReader.TryRead(ResultFile, out var problem);
            if (result is null)
            {
                Log.LogError(null, "MLB9001", null, null, 0, 0, 0, 0,
                    "The MlBuild engine exited with code {0} and {1}. Its output is in '{2}'. Rebuild to retry; if it persists, report the log.",
                    ExitCode.ToString(CultureInfo.InvariantCulture), problem, logFile);
                return false;
            }
            foreach (var m in result.Messages)
                Log.LogMessage(MessageImportance.Normal, m);

            int errors = 0;
            foreach (var d in result.Diagnostics)
            {
                if (Replay(d))
                    errors++;
            }

            if (ExitCode != 0 && ExitCode != 1 && errors == 0)
            {
                Log.LogError(null, "MLB9001", null, null, 0, 0, 0, 0,
                    "The MlBuild engine exited with code {0} without reporting an error. Its output is in '{1}'.",
                    ExitCode.ToString(CultureInfo.InvariantCulture), logFile);
                return false;
            }
            if (ExitCode == 1 && result.Diagnostics.Count == 0)
            {
                Log.LogError(null, "MLB9001", null, null, 0, 0, 0, 0,
                    "The MlBuild engine reported failed checks (exit code 1) but no diagnostic. Its output is in '{0}'.", logFile);
                return false;
            }
            return errors == 0 && !Log.HasLoggedErrors;
        }

        /// <summary>Logs one worker diagnostic with its code and location; returns whether it was logged as an error.</summary>
        bool Replay(WorkerDiagnostic d)
        {
            var file = d.File.Length == 0 ? null : d.File;
            bool isError = d.Severity == "error";
            if (isError && DataViolationsAsWarnings && IsDataCode(d.Code))
                isError = false;
            if (isError)
            {
                Log.LogError(null, d.Code, null, file, d.Line, d.Column, 0, 0, "{0}", d.Message);
                return true;
            }
            if (d.Severity == "error" || d.Severity == "warning")
                Log.LogWarning(null, d.Code, null, file, d.Line, d.Column, 0, 0, "{0}", d.Message);
            else
                Log.LogMessage(null, d.Code, null, file, d.Line, d.Column, 0, 0, MessageImportance.Normal, "{0}", d.Message);
            return false;
        }

        static bool IsDataCode(string code) =>
            code.StartsWith("MLB1", StringComparison.Ordinal) || code.StartsWith("MLB2", StringComparison.Ordinal);

        /// <summary>Groups the items into datasets; logs MLB901x for configuration mistakes and returns null then.</summary>
        internal List<RequestDataset>? CollectDatasets()
        {
            var byName = new Dictionary<string, RequestDataset>(StringComparer.Ordinal);
            var ordered = new List<RequestDataset>();
            bool ok = true;
            foreach (var item in Datasets)
            {
                if (string.Equals(item.GetMetadata("Validate"), "false", StringComparison.OrdinalIgnoreCase))
                    continue;
                var file = item.ItemSpec;
                var schema = item.GetMetadata("Schema");
                if (string.IsNullOrWhiteSpace(schema))
                {
                    Log.LogError(null, "MLB9010", null, null, 0, 0, 0, 0,
                        "MlBuildDataset '{0}' has no Schema metadata. Add Schema=\"path/to/file.schema.json\" to the item, or Validate=\"false\" to skip it.",
                        file);
                    ok = false;
                    continue;
                }
                if (!File.Exists(Resolve(file)))
                {
                    Log.LogError(null, "MLB9011", null, null, 0, 0, 0, 0,
                        "MlBuildDataset '{0}' names a data file that does not exist (looked in '{1}'). Fix the Include path or remove the item.",
                        file, Resolve(file));
                    ok = false;
                    continue;
                }
                if (!File.Exists(Resolve(schema)))
                {
                    Log.LogError(null, "MLB9012", null, null, 0, 0, 0, 0,
                        "The schema '{0}' of MlBuildDataset '{1}' does not exist (looked in '{2}'). Fix the Schema metadata, or create the schema with 'dotnet ml data infer {1} -o {0}'.",
                        schema, file, Resolve(schema));
                    ok = false;
                    continue;
                }

                var explicitName = item.GetMetadata("Dataset").Trim();
                RequestDataset? set;
                if (explicitName.Length > 0)
                {
                    if (byName.TryGetValue(explicitName, out set))
                    {
                        if (!SamePath(set.Schema, schema))
                        {
                            Log.LogError(null, "MLB9013", null, null, 0, 0, 0, 0,
                                "MlBuildDataset '{0}' belongs to dataset '{1}' with Schema '{2}', but an earlier item of that dataset has Schema '{3}'. Give every item of one dataset the same Schema, or different Dataset names.",
                                file, explicitName, schema, set.Schema);
                            ok = false;
                            continue;
                        }
                    }
                    else
                    {
                        set = new RequestDataset(explicitName, schema);
                        byName.Add(explicitName, set);
                        ordered.Add(set);
                    }
                }
                else
                {
                    // Without Dataset metadata each file is its own dataset, named after the file; a clash gets a suffix.
                    var stem = Path.GetFileNameWithoutExtension(file);
                    var name = stem;
                    for (int n = 2; byName.ContainsKey(name); n++)
                        name = stem + "-" + n.ToString(CultureInfo.InvariantCulture);
                    set = new RequestDataset(name, schema);
                    byName.Add(name, set);
                    ordered.Add(set);
                }
                if (!set.Files.Exists(f => SamePath(f, file)))
                    set.Files.Add(file);
            }
            // MSBuild expands wildcards in file-system order; the engine reads a dataset's files in ordinal name order
            // (as `dotnet ml data validate data/part-*.csv` does), so record numbers and "first occurrence" agree everywhere.
            foreach (var set in ordered)
                set.Files.Sort(StringComparer.Ordinal);
            return ok ? ordered : null;
        }

        string Resolve(string path)
        {
            try
            {
                return Path.GetFullPath(Path.IsPathRooted(path) ? path : Path.Combine(ProjectDirectory, path));
            }
            catch (Exception ex) when (ex is ArgumentException || ex is NotSupportedException || ex is PathTooLongException)
            {
                return path;
            }
        }

        bool SamePath(string a, string b) =>
            string.Equals(Resolve(a), Resolve(b), Path.DirectorySeparatorChar == '\\' ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);

        /// <inheritdoc />
        protected override void LogEventsFromTextOutput(string singleLine, MessageImportance messageImportance)
        {
            // Never parse the worker's text as canonical errors (ToolTask's default would, and report them twice):
            // diagnostics come only from the result file.
            lock (_outputLock)
                _workerOutput.Append(singleLine).Append('\n');
            Log.LogMessage(messageImportance, "{0}", singleLine);
        }

        /// <inheritdoc />
        protected override bool HandleTaskExecutionErrors()
        {
            // Every non-zero exit is explained by the result file (or by MLB9001 when it is missing): never MSB6006.
            return true;
        }

        void WriteWorkerLog(string logFile)
        {
            try
            {
                string text;
                lock (_outputLock)
                    text = _workerOutput.ToString();
                File.WriteAllText(logFile,
                    "command: " + GenerateFullPathToTool() + " " + GenerateCommandLineCommands() + "\n" +
                    "exit code: " + ExitCode.ToString(CultureInfo.InvariantCulture) + "\n" + text,
                    new UTF8Encoding(false));
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                Log.LogMessage(MessageImportance.Low, "MlBuild could not write the worker log '{0}': {1}", logFile, ex.Message);
            }
        }
    }
}
