using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace MlBuild.Tasks
{
    /// <summary>One logical dataset of the request: the files that share a <c>Dataset</c> name, and their schema.</summary>
    internal sealed class RequestDataset
    {
        public RequestDataset(string name, string schema)
        {
            Name = name;
            Schema = schema;
        }

        public string Name { get; }
        public string Schema { get; }
        public List<string> Files { get; } = new List<string>();
        /// <summary>The reference profile drift is checked against (the item's <c>Reference</c> metadata), or null.</summary>
        public string? Reference { get; set; }
        /// <summary>Where the item that gave the dataset its <c>Reference</c> (else its relations metadata) is declared; null when it has neither.</summary>
        public ProjectLocation? DefinedAt { get; set; }
        /// <summary>The role in the relations check (<c>Role</c> metadata: <c>train</c>, <c>test</c>), or empty.</summary>
        public string Role { get; set; } = "";
        /// <summary>The label column (<c>Label</c> metadata), or empty.</summary>
        public string Label { get; set; } = "";
        /// <summary>The key columns (<c>Key</c> metadata) as written, or empty.</summary>
        public string Key { get; set; } = "";
        /// <summary>The feature columns (<c>Features</c> metadata) as written, or empty.</summary>
        public string Features { get; set; } = "";
        /// <summary>Whether any relations metadata was given: the dataset then takes part in the relations check.</summary>
        public bool HasRelations => Role.Length > 0 || Label.Length > 0 || Key.Length > 0 || Features.Length > 0;
    }

    /// <summary>The request's settings besides the datasets: the pipeline file, the data lock and the inputs list (all optional).</summary>
    internal sealed class RequestSettings
    {
        public string? PipelineFile { get; set; }
        public string? LockFile { get; set; }
        public bool LockedMode { get; set; }
        public string? InputsFile { get; set; }
        /// <summary>False: the engine does not check the relations of the pipeline file's datasets (written only then).</summary>
        public bool CheckRelations { get; set; } = true;
        /// <summary>The levels of the relations (<c>error</c>, <c>warning</c>, <c>off</c>), overriding <c>mlbuild.json</c>'s; empty: not set.</summary>
        public string RelationsDuplicates { get; set; } = "";
        /// <summary>See <see cref="RelationsDuplicates"/>.</summary>
        public string RelationsConflictingLabels { get; set; } = "";
        /// <summary>See <see cref="RelationsDuplicates"/>.</summary>
        public string RelationsLeakage { get; set; } = "";
    }

    /// <summary>
    /// Writes the engine's request JSON by hand (netstandard2.0 has no JSON library we want to load into MSBuild):
    /// <c>{"formatVersion":1,"projectDirectory":"...","reportDirectory":"...","maxLocationsPerCheck":5,"datasets":[{"name":"train","files":["data/train.csv"],"schema":"..."}]}</c>.
    /// The engine reads it with MlBuild.Core's <c>EngineRequest</c>; tests/MlBuild.Tasks.Tests/EngineRequestContractTests.cs
    /// holds the two together.
    /// </summary>
    internal static class EngineRequest
    {
        public const int FormatVersion = 1;

        public static string ToJson(string projectDirectory, IEnumerable<RequestDataset> datasets, string? reportDirectory = null, int maxLocationsPerCheck = 0, RequestSettings? settings = null)
        {
            var sb = new StringBuilder();
            sb.Append("{\"formatVersion\":").Append(FormatVersion.ToString(CultureInfo.InvariantCulture));
            sb.Append(",\"projectDirectory\":");
            AppendString(sb, projectDirectory);
            if (!string.IsNullOrEmpty(reportDirectory))
            {
                sb.Append(",\"reportDirectory\":");
                AppendString(sb, reportDirectory!);
            }
            if (maxLocationsPerCheck > 0)
                sb.Append(",\"maxLocationsPerCheck\":").Append(maxLocationsPerCheck.ToString(CultureInfo.InvariantCulture));
            if (settings != null)
            {
                AppendOptional(sb, "pipelineFile", settings.PipelineFile);
                AppendOptional(sb, "lockFile", settings.LockFile);
                if (settings.LockedMode)
                    sb.Append(",\"lockedMode\":true");
                AppendOptional(sb, "inputsFile", settings.InputsFile);
                if (!settings.CheckRelations)
                    sb.Append(",\"checkRelations\":false");
                AppendOptional(sb, "relationsDuplicates", settings.RelationsDuplicates);
                AppendOptional(sb, "relationsConflictingLabels", settings.RelationsConflictingLabels);
                AppendOptional(sb, "relationsLeakage", settings.RelationsLeakage);
            }
            sb.Append(",\"datasets\":[");
            bool firstSet = true;
            foreach (var d in datasets)
            {
                if (!firstSet)
                    sb.Append(',');
                firstSet = false;
                sb.Append("{\"name\":");
                AppendString(sb, d.Name);
                sb.Append(",\"files\":[");
                for (int i = 0; i < d.Files.Count; i++)
                {
                    if (i > 0)
                        sb.Append(',');
                    AppendString(sb, d.Files[i]);
                }
                sb.Append("],\"schema\":");
                AppendString(sb, d.Schema);
                AppendOptional(sb, "reference", d.Reference);
                if (d.DefinedAt is ProjectLocation at && !string.IsNullOrEmpty(at.File))
                {
                    sb.Append(",\"definedAt\":{\"file\":");
                    AppendString(sb, at.File!);
                    sb.Append(",\"line\":").Append(at.Line.ToString(CultureInfo.InvariantCulture));
                    sb.Append(",\"column\":").Append(at.Column.ToString(CultureInfo.InvariantCulture)).Append('}');
                }
                if (d.HasRelations)
                {
                    sb.Append(",\"relations\":{\"role\":");
                    AppendString(sb, d.Role);
                    sb.Append(",\"label\":");
                    AppendString(sb, d.Label);
                    sb.Append(",\"key\":");
                    AppendString(sb, d.Key);
                    sb.Append(",\"features\":");
                    AppendString(sb, d.Features);
                    sb.Append('}');
                }
                sb.Append('}');
            }
            sb.Append("]}\n");
            return sb.ToString();
        }

        static void AppendOptional(StringBuilder sb, string name, string? value)
        {
            if (string.IsNullOrEmpty(value))
                return;
            sb.Append(",\"").Append(name).Append("\":");
            AppendString(sb, value!);
        }

        /// <summary>Appends a JSON string literal (RFC 8259 escapes; control characters as \u00XX).</summary>
        internal static void AppendString(StringBuilder sb, string value)
        {
            sb.Append('"');
            foreach (var c in value)
            {
                switch (c)
                {
                    case '"': sb.Append("\\\""); break;
                    case '\\': sb.Append("\\\\"); break;
                    case '\n': sb.Append("\\n"); break;
                    case '\r': sb.Append("\\r"); break;
                    case '\t': sb.Append("\\t"); break;
                    case '\b': sb.Append("\\b"); break;
                    case '\f': sb.Append("\\f"); break;
                    default:
                        if (c < 0x20)
                            sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                        else
                            sb.Append(c);
                        break;
                }
            }
            sb.Append('"');
        }
    }
}
