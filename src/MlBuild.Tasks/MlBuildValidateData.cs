using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace MlBuild.Tasks
{
    /// <summary>
    /// Validates the project's <c>MlBuildDataset</c> items against their schemas with the engine
    /// (<c>dotnet exec mlbuild.dll engine validate --request R --result F</c>, see <see cref="MlBuildEngineTask"/>).
    /// </summary>
    public sealed class MlBuildValidateData : MlBuildEngineTask
    {
        /// <summary>The <c>MlBuildDataset</c> items: ItemSpec is a data file; metadata <c>Schema</c> (required),
        /// <c>Dataset</c> (groups files into one logical dataset), <c>Reference</c> (a profile to check drift against),
        /// <c>Validate</c> (<c>false</c> skips the item), and the relations metadata <c>Role</c> (<c>train</c> or <c>test</c>),
        /// <c>Label</c>, <c>Key</c> and <c>Features</c> (docs/msbuild.md#relations-in-the-build).</summary>
        public ITaskItem[] Datasets { get; set; } = Array.Empty<ITaskItem>();

        /// <summary>The directory relative paths in the request are resolved against (the project directory).</summary>
        [Required]
        public string ProjectDirectory { get; set; } = "";

        /// <summary>Where the engine writes its JSON report (<c>data-report.json</c>) and profile (<c>data-profile.json</c>); none when empty.</summary>
        public string? ReportDirectory { get; set; }

        /// <summary>Report data findings (failed checks over the data) as warnings instead of errors. Unreadable data,
        /// configuration and internal errors stay errors: the kind comes from the engine's result file, never from a code's digits.</summary>
        public bool DataViolationsAsWarnings { get; set; }

        /// <summary>Locations reported per failing check (<c>MlBuildMaxLocationsPerCheck</c>, 1 or more; default 5).</summary>
        public int MaxLocationsPerCheck { get; set; } = 5;

        /// <summary>The project's pipeline file (<c>MlBuildPipelineFile</c>, default <c>mlbuild.json</c> beside the project): its
        /// datasets are validated too, once with the items that name the same files. Ignored when empty or absent.</summary>
        public string? PipelineFile { get; set; }

        /// <summary>The data lock (<c>MlBuildLockFile</c>, default <c>mlbuild.lock.json</c> beside the project).</summary>
        public string? LockFile { get; set; }

        /// <summary>Locked mode (<c>MlBuildLockedMode</c>): a missing lock or a data file that does not match it fails the build.</summary>
        public bool LockedMode { get; set; }

        /// <summary>Report drift from a reference profile (MLB2020) as a warning instead of an error (<c>MlBuildDriftAsWarnings</c>).</summary>
        public bool DriftAsWarnings { get; set; }

        /// <summary>Check duplicates, conflicting labels and train/test leakage across the pipeline file's datasets and the
        /// items with relations metadata (<c>MlBuildCheckRelations</c>, default true; they run when <c>mlbuild.json</c>
        /// declares more than one dataset or a <c>relations</c> section, or an item has <c>Role</c>, <c>Label</c>, <c>Key</c>
        /// or <c>Features</c> metadata).</summary>
        public bool CheckRelations { get; set; } = true;

        /// <summary>The level of duplicate rows in the relations check (<c>MlBuildRelationsDuplicates</c>: <c>error</c>,
        /// <c>warning</c> or <c>off</c>; empty: <c>mlbuild.json</c>'s <c>relations</c> section, else the default).</summary>
        public string? RelationsDuplicates { get; set; }

        /// <summary>The level of conflicting labels (<c>MlBuildRelationsConflictingLabels</c>), as <see cref="RelationsDuplicates"/>.</summary>
        public string? RelationsConflictingLabels { get; set; }

        /// <summary>The level of train/test leakage (<c>MlBuildRelationsLeakage</c>), as <see cref="RelationsDuplicates"/>.</summary>
        public string? RelationsLeakage { get; set; }

        /// <summary>Where the engine lists the files it read (data, globs, schemas, references, pipeline file, lock), for the
        /// target's up-to-date check.</summary>
        public string? InputsFile { get; set; }

        /// <summary>The datasets the request named (after grouping), for callers and tests.</summary>
        [Output]
        public ITaskItem[] ValidatedDatasets { get; private set; } = Array.Empty<ITaskItem>();

        /// <inheritdoc />
        protected override string EngineVerb => "validate";

        /// <inheritdoc />
        protected override bool ReportAsWarning(EngineDiagnostic diagnostic) =>
            diagnostic.Code == DiagnosticCodes.DatasetDrifted.Code
                ? DriftAsWarnings
                : DataViolationsAsWarnings && diagnostic.Kind == DiagnosticKind.DataFinding;

        /// <inheritdoc />
        protected override bool TryCreateRequest(out string? requestJson)
        {
            requestJson = null;
            if (MaxLocationsPerCheck < 1)
            {
                LogCodedError(DiagnosticCodes.InvalidBuildProperty,
                    "MlBuildMaxLocationsPerCheck is {0}; set it to 1 or more (the number of locations reported per failing check).",
                    MaxLocationsPerCheck.ToString(CultureInfo.InvariantCulture));
                return false;
            }
            foreach (var (property, value) in new[] { ("MlBuildRelationsDuplicates", RelationsDuplicates), ("MlBuildRelationsConflictingLabels", RelationsConflictingLabels), ("MlBuildRelationsLeakage", RelationsLeakage) })
            {
                if (Level(value) is null)
                {
                    LogCodedError(DiagnosticCodes.InvalidBuildProperty,
                        "{0} is '{1}'; set it to error, warning or off (the level of that relation), or leave it empty for mlbuild.json's relations section.",
                        property, value);
                    return false;
                }
            }
            var datasets = CollectDatasets();
            if (datasets is null)
                return false;
            var pipeline = string.IsNullOrEmpty(PipelineFile) || !File.Exists(Resolve(PipelineFile!)) ? null : Resolve(PipelineFile!);
            if (datasets.Count == 0 && pipeline is null)
            {
                Log.LogMessage(MessageImportance.Low, "MlBuild: no MlBuildDataset item and no mlbuild.json to validate.");
                return true;
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
            var settings = new RequestSettings
            {
                PipelineFile = pipeline,
                LockFile = string.IsNullOrEmpty(LockFile) ? null : Resolve(LockFile!),
                LockedMode = LockedMode,
                InputsFile = string.IsNullOrEmpty(InputsFile) ? null : Path.GetFullPath(InputsFile),
                CheckRelations = CheckRelations,
                RelationsDuplicates = Level(RelationsDuplicates) ?? "",
                RelationsConflictingLabels = Level(RelationsConflictingLabels) ?? "",
                RelationsLeakage = Level(RelationsLeakage) ?? "",
            };
            requestJson = EngineRequest.ToJson(ProjectDirectory, datasets,
                string.IsNullOrEmpty(ReportDirectory) ? null : Path.GetFullPath(ReportDirectory), MaxLocationsPerCheck, settings);
            return true;
        }

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
                    LogCodedErrorAt(Where(item), DiagnosticCodes.DatasetWithoutSchema,
                        "MlBuildDataset '{0}' has no Schema metadata. Add Schema=\"path/to/file.schema.json\" to the item, or Validate=\"false\" to skip it.",
                        file);
                    ok = false;
                    continue;
                }
                if (!File.Exists(Resolve(file)))
                {
                    LogCodedErrorAt(Where(item), DiagnosticCodes.DatasetFileMissing,
                        "MlBuildDataset '{0}' names a data file that does not exist (looked in '{1}'). Fix the Include path or remove the item.",
                        file, Resolve(file));
                    ok = false;
                    continue;
                }
                if (!File.Exists(Resolve(schema)))
                {
                    LogCodedErrorAt(Where(item), DiagnosticCodes.DatasetSchemaMissing,
                        "The schema '{0}' of MlBuildDataset '{1}' does not exist (looked in '{2}'). Fix the Schema metadata, or create the schema with 'dotnet ml data infer {1} -o {0}'.",
                        schema, file, Resolve(schema));
                    ok = false;
                    continue;
                }

                var reference = item.GetMetadata("Reference").Trim();
                if (reference.Length > 0 && !File.Exists(Resolve(reference)))
                {
                    LogCodedErrorAt(Where(item), DiagnosticCodes.ReferenceProfileMissing,
                        "The reference profile '{0}' of MlBuildDataset '{1}' does not exist (looked in '{2}'). Write it from the training data with 'dotnet ml data profile {1} --schema {3} -o {0}' and commit it, or remove the Reference metadata.",
                        reference, file, Resolve(reference), schema);
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
                            LogCodedErrorAt(Where(item), DiagnosticCodes.DatasetSchemaConflict,
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
                if (set.Reference is null && reference.Length > 0)
                {
                    set.Reference = reference;
                    set.DefinedAt = Where(item);
                }
                if (!TakeRelations(item, set))
                {
                    ok = false;
                    continue;
                }
            }
            // MSBuild expands wildcards in file-system order; the engine reads a dataset's files in ordinal name order
            // (as `dotnet ml data validate data/part-*.csv` does), so record numbers and "first occurrence" agree everywhere.
            foreach (var set in ordered)
                set.Files.Sort(StringComparer.Ordinal);
            return ok ? ordered : null;
        }

        /// <summary>A relations level as the engine reads it (lower case); empty for none, null for a value that is no level.</summary>
        static string? Level(string? value)
        {
            var level = (value ?? "").Trim().ToLowerInvariant();
            return level.Length == 0 || level == "error" || level == "warning" || level == "off" ? level : null;
        }

        static readonly string[] RelationsMetadata = { "Role", "Label", "Key", "Features" };

        /// <summary>
        /// Takes the item's relations metadata (<c>Role</c>, <c>Label</c>, <c>Key</c>, <c>Features</c>) into its dataset; the
        /// engine checks the values. Two items of one dataset that give one of them differently are MLB2105 at the second.
        /// </summary>
        bool TakeRelations(ITaskItem item, RequestDataset set)
        {
            bool any = false;
            foreach (var name in RelationsMetadata)
            {
                var value = item.GetMetadata(name).Trim();
                if (value.Length == 0)
                    continue;
                any = true;
                var had = name == "Role" ? set.Role : name == "Label" ? set.Label : name == "Key" ? set.Key : set.Features;
                if (had.Length > 0 && !string.Equals(had, value, StringComparison.Ordinal))
                {
                    LogCodedErrorAt(Where(item), DiagnosticCodes.InvalidRelationsSettings,
                        "MlBuildDataset '{0}' of dataset '{1}' has {2}=\"{3}\", but an earlier item of that dataset has {2}=\"{4}\". One dataset has one {2}: give its items the same value, or give it on one item.",
                        item.ItemSpec, set.Name, name, value, had);
                    return false;
                }
                if (name == "Role") set.Role = value;
                else if (name == "Label") set.Label = value;
                else if (name == "Key") set.Key = value;
                else set.Features = value;
            }
            if (any && set.DefinedAt is null)
                set.DefinedAt = Where(item);
            return true;
        }

        /// <summary>Where the user declared the item: its <c>MlBuildDataset</c> element in the project (or import) that
        /// defined it, found by reading that file; the project file without a line when it is not found.</summary>
        ProjectLocation Where(ITaskItem item)
        {
            var definedIn = item.GetMetadata("_MlBuildDefinedIn");
            if (string.IsNullOrEmpty(definedIn))
                definedIn = item.GetMetadata("DefiningProjectFullPath");
            if (string.IsNullOrEmpty(definedIn) || !File.Exists(definedIn))
                definedIn = ProjectFile ?? "";
            return ItemLocator.Find(definedIn, "MlBuildDataset", item.ItemSpec);
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
    }
}
