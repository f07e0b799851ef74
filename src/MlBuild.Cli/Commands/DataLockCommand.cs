using System.CommandLine;
using System.Xml;
using MlBuild.Core.Data.BuildChecks;
using MlBuild.Core.Data.Lock;
using MlBuild.Core.Data.Schema;
using MlBuild.Core.Data.Validation;
using MlBuild.Core.Diagnostics;
using MlBuild.Core.Pipeline;
using MlBuild.Core.Reports;

namespace MlBuild.Cli.Commands;

/// <summary>
/// <c>dotnet ml data lock</c>: records the content hash (size, SHA-256 and DVC's MD5) of every file of every dataset the
/// project declares (<c>mlbuild.json</c> and the project's <c>MlBuildDataset</c> items) in <c>mlbuild.lock.json</c>, after
/// checking the <c>.dvc</c> files beside them agree. <c>--check</c> compares instead of writing, as the build's locked mode does.
/// </summary>
internal static class DataLockCommand
{
    /// <summary>Adds the verb to the <c>data</c> command.</summary>
    public static void AddTo(Command data, CliContext context) => data.Subcommands.Add(Create(context));

    static Command Create(CliContext context)
    {
        var project = new Option<string?>("--project", "-p") { Description = "The project file whose MlBuildDataset items are locked (default: the one project file in the current folder, if any)." };
        var pipeline = new Option<string?>("--pipeline") { Description = "The pipeline file whose datasets are locked (default: mlbuild.json beside the project, if any)." };
        var output = new Option<string?>("--output", "-o") { Description = $"The lock file (default: {DataLock.DefaultFileName} beside the project)." };
        var check = new Option<bool>("--check") { Description = "Compare the data with the lock instead of writing it; exit 1 when a file is missing from it or changed." };
        var cmd = new Command("lock", $"Record the content hash (SHA-256, and the MD5 DVC uses) of every declared dataset's files in {DataLock.DefaultFileName}, as packages.lock.json does for packages; `dotnet build` in locked mode (MlBuildLockedMode) fails when the data no longer matches.")
        {
            project, pipeline, output, check,
        };
        cmd.SetAction(parse =>
        {
            var projectFile = FindProject(context, parse.GetValue(project));
            var projectDir = projectFile is null ? context.WorkingDirectory : Path.GetDirectoryName(projectFile)!;
            var pipelinePath = parse.GetValue(pipeline) is { } p ? Path.GetFullPath(p, context.WorkingDirectory)
                : File.Exists(Path.Combine(projectDir, PipelineLoader.DefaultFileName)) ? Path.Combine(projectDir, PipelineLoader.DefaultFileName) : null;
            var lockPath = parse.GetValue(output) is { } o ? Path.GetFullPath(o, context.WorkingDirectory) : Path.Combine(projectDir, DataLock.DefaultFileName);
            string Display(string full) => Path.GetRelativePath(context.WorkingDirectory, full).Replace('\\', '/');

            var diagnostics = new List<MlDiagnostic>();
            var items = projectFile is null ? [] : ReadItems(projectFile, projectDir, diagnostics);
            var pipelineFile = pipelinePath is null ? null : PipelineLoader.Load(pipelinePath, Display(pipelinePath));
            var datasets = DeclaredDatasets.Join(items, pipelineFile, projectDir, diagnostics);
            if (datasets.Count == 0)
                throw new MlBuildException(new MlDiagnostic(DiagnosticCodes.NothingToLock, MlSeverity.Error,
                    $"No dataset to lock in '{Display(projectDir)}': no mlbuild.json with datasets and no MlBuildDataset item. Run the command in the project folder, or pass --project or --pipeline."));

            var resolved = new List<(string Name, IReadOnlyList<DatasetFile> Files)>();
            foreach (var d in datasets)
            {
                try
                {
                    var request = new DatasetRequest(d.Name, d.Files, new DatasetSchema { Columns = [] }, projectDir);
                    resolved.Add((d.Name, DatasetValidator.ResolveFiles(request).Select(f => new DatasetFile(f.FullPath, f.Display)).ToList()));
                }
                catch (MlBuildException e) { diagnostics.Add(e.Diagnostic); }
            }
            var lockDisplay = Display(lockPath);
            if (parse.GetValue(check))
            {
                if (!File.Exists(lockPath))
                    throw new MlBuildException(new MlDiagnostic(DiagnosticCodes.DataLockMissing, MlSeverity.Error,
                        $"The data lock '{lockDisplay}' does not exist. Run 'dotnet ml data lock' and commit it."));
                diagnostics.AddRange(DataLock.Check(DataLock.Read(lockPath, lockDisplay), resolved, Path.GetDirectoryName(lockPath)!, lockDisplay, MlSeverity.Error));
                return Finish(context, diagnostics,
                    $"mlbuild: {Count(resolved.Sum(d => d.Files.Count), "file")} of {Count(resolved.Count, "dataset")} match {lockDisplay}.",
                    $"mlbuild: the data does not match {lockDisplay}.");
            }

            var lockDir = Path.GetDirectoryName(lockPath)!;
            var locked = new List<LockedDataset>();
            foreach (var (name, files) in resolved)
            {
                var entries = new Dictionary<string, LockedFile>(StringComparer.Ordinal);
                foreach (var f in files)
                {
                    var hashes = DataLock.Hash(f.FullPath);
                    if (Dvc.FileFor(f.FullPath) is { } dvcPath)
                    {
                        var dvcDisplay = f.Display + ".dvc";
                        try
                        {
                            var record = Dvc.Read(dvcPath, dvcDisplay);
                            if (!Dvc.Agrees(record, f.FullPath, hashes))
                                diagnostics.Add(new MlDiagnostic(DiagnosticCodes.DvcHashMismatch, MlSeverity.Error,
                                    $"'{f.Display}' does not match its DVC file '{dvcDisplay}': the file's MD5 is {hashes.Md5}, DVC records {record.Md5}. Run 'dvc status' and either 'dvc checkout' the recorded data or 'dvc add' the new data, then lock again.",
                                    dvcDisplay));
                        }
                        catch (MlBuildException e) { diagnostics.Add(e.Diagnostic); }
                    }
                    entries[DataLock.KeyOf(f.FullPath, lockDir)] = hashes;
                }
                locked.Add(new LockedDataset(name, entries));
            }
            var failed = $"mlbuild: {lockDisplay} not written.";
            if (diagnostics.Any(d => d.Severity == MlSeverity.Error))
                return Finish(context, diagnostics, failed, failed);
            AtomicFile.WriteOutput(lockPath, lockDisplay, DataLock.Write(locked));
            return Finish(context, diagnostics,
                $"mlbuild: locked {Count(locked.Sum(d => d.Files.Count), "file")} of {Count(locked.Count, "dataset")} in {lockDisplay}.", failed);
        });
        return cmd;
    }

    static int Finish(CliContext context, List<MlDiagnostic> diagnostics, string passed, string failed)
    {
        foreach (var d in diagnostics)
            (d.Severity == MlSeverity.Error ? context.Error : context.Out).WriteLine(d.ToCanonicalString());
        if (!diagnostics.Any(d => d.Severity == MlSeverity.Error))
            context.Out.WriteLine(passed);
        else
            context.Error.WriteLine(failed);
        return (int)Verdicts.ExitCode(diagnostics);
    }

    static string Count(int n, string noun) => n.ToString(System.Globalization.CultureInfo.InvariantCulture) + " " + noun + (n == 1 ? "" : "s");

    /// <summary>The named project, or the one project file of the current folder (null when there is none).</summary>
    static string? FindProject(CliContext context, string? named)
    {
        if (named is not null)
        {
            var full = Path.GetFullPath(named, context.WorkingDirectory);
            if (!File.Exists(full))
                throw new MlBuildException(new MlDiagnostic(DiagnosticCodes.CommandLine, MlSeverity.Error, $"--project '{named}' does not exist."));
            return full;
        }
        var candidates = Directory.GetFiles(context.WorkingDirectory, "*.*proj").Where(f => f.EndsWith("proj", StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal).ToList();
        if (candidates.Count > 1)
            throw new MlBuildException(new MlDiagnostic(DiagnosticCodes.CommandLine, MlSeverity.Error,
                $"The folder has {candidates.Count} project files ({string.Join(", ", candidates.Select(Path.GetFileName))}); name one with --project."));
        return candidates.Count == 1 ? candidates[0] : null;
    }

    /// <summary>
    /// The project's <c>MlBuildDataset</c> items, read from its XML as written (no MSBuild evaluation: an item whose
    /// Include uses a property is named in a warning and left out), grouped as the build groups them: by <c>Dataset</c>
    /// metadata, else one dataset per file named after it. Items with <c>Validate="false"</c> are not checked by the build
    /// and not locked.
    /// </summary>
    static List<DeclaredDataset> ReadItems(string projectFile, string projectDir, List<MlDiagnostic> diagnostics)
    {
        var sets = new List<(string Name, List<string> Files, string Schema, string? Reference)>();
        var display = Path.GetFileName(projectFile);
        try
        {
            using var reader = XmlReader.Create(projectFile, new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore, XmlResolver = null });
            var info = (IXmlLineInfo)reader;
            while (reader.Read())
            {
                if (reader.NodeType != XmlNodeType.Element || reader.LocalName != "MlBuildDataset" || reader.GetAttribute("Include") is not { } include)
                    continue;
                if (string.Equals(reader.GetAttribute("Validate"), "false", StringComparison.OrdinalIgnoreCase))
                    continue;
                var schema = reader.GetAttribute("Schema") ?? "";
                var datasetName = reader.GetAttribute("Dataset")?.Trim() ?? "";
                var reference = reader.GetAttribute("Reference");
                foreach (var part in include.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    if (part.Contains("$(", StringComparison.Ordinal) || part.Contains("@(", StringComparison.Ordinal))
                    {
                        diagnostics.Add(new MlDiagnostic(DiagnosticCodes.NothingToLock, MlSeverity.Warning,
                            $"The MlBuildDataset item '{part}' uses an MSBuild property or item; 'data lock' reads the project without evaluating it and leaves the item out. Declare the dataset in mlbuild.json, or name its files.",
                            display, info.LineNumber, info.LinePosition));
                        continue;
                    }
                    var files = part.IndexOfAny(['*', '?']) >= 0
                        ? DeclaredDatasets.Expand([part], projectDir).Select(f => Path.GetRelativePath(projectDir, f).Replace('\\', '/')).Order(StringComparer.Ordinal).ToList()
                        : [part];
                    foreach (var file in files)
                    {
                        string name;
                        if (datasetName.Length > 0)
                        {
                            name = datasetName;
                            if (sets.FindIndex(s => s.Name == name) is var i and >= 0) { sets[i].Files.Add(file); continue; }
                        }
                        else
                        {
                            // As the build names a file's dataset: its name without extension, a suffix on a clash.
                            var stem = Path.GetFileNameWithoutExtension(file);
                            name = stem;
                            for (int n = 2; sets.Any(s => s.Name == name); n++) name = stem + "-" + n.ToString(System.Globalization.CultureInfo.InvariantCulture);
                        }
                        sets.Add((name, [file], schema, reference));
                    }
                }
            }
        }
        catch (XmlException e)
        {
            throw new MlBuildException(new MlDiagnostic(DiagnosticCodes.CommandLine, MlSeverity.Error,
                $"The project file '{display}' is not valid XML: {e.Message}", display, e.LineNumber, e.LinePosition));
        }
        return sets.Select(s => new DeclaredDataset(s.Name, s.Files, s.Schema) { Reference = s.Reference }).ToList();
    }
}
