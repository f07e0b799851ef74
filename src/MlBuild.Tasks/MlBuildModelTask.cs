using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;

namespace MlBuild.Tasks
{
    /// <summary>
    /// What the model tasks (<see cref="MlBuildTestModel"/>, <see cref="MlBuildPublishModel"/>) share: the pipeline file,
    /// the project directory and the output folder, and the start of the request they write for the engine
    /// (<c>{"formatVersion":1,"projectDirectory":..,"pipeline":..,"outputDirectory":..</c>).
    /// </summary>
    public abstract class MlBuildModelTask : MlBuildEngineTask
    {
        /// <summary>The pipeline file (<c>MlBuildPipelineFile</c>, default <c>mlbuild.json</c>), relative to
        /// <see cref="ProjectDirectory"/> or rooted. Diagnostics, TRX and JUnit name it relative to the project when it is
        /// below it (<c>mlbuild.json(20,5)</c>), as the IDE resolves them.</summary>
        [Required]
        public string PipelineFile { get; set; } = "";

        /// <summary>The project directory: relative paths are resolved against it, and diagnostics name files relative to it.</summary>
        [Required]
        public string ProjectDirectory { get; set; } = "";

        /// <summary>Where the engine writes its outputs (relative to <see cref="ProjectDirectory"/> or rooted).</summary>
        [Required]
        public string OutputDirectory { get; set; } = "";

        /// <summary>The pipeline file's full path.</summary>
        protected string PipelineFullPath => FullPath(PipelineFile);

        /// <summary>A path relative to <see cref="ProjectDirectory"/> (or rooted), made full.</summary>
        protected string FullPath(string path) =>
            Path.GetFullPath(Path.IsPathRooted(path) ? path : Path.Combine(ProjectDirectory, path));

        /// <summary>The pipeline file as diagnostics name it: relative to the project directory when it is below it
        /// (also when the property holds a full path), else as given.</summary>
        protected string PipelineDisplay
        {
            get
            {
                if (!Path.IsPathRooted(PipelineFile))
                    return PipelineFile.Replace('\\', '/');
                var project = Path.GetFullPath(ProjectDirectory).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar) + Path.DirectorySeparatorChar;
                var full = Path.GetFullPath(PipelineFile);
                var comparison = Path.DirectorySeparatorChar == '\\' ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
                return full.StartsWith(project, comparison) ? full.Substring(project.Length).Replace('\\', '/') : PipelineFile;
            }
        }

        /// <summary>Starts the request JSON with the fields every model verb reads; the caller adds its own and closes it.</summary>
        protected StringBuilder StartModelRequest()
        {
            var sb = new StringBuilder();
            sb.Append("{\"formatVersion\":1,\"projectDirectory\":");
            EngineRequest.AppendString(sb, ProjectDirectory);
            sb.Append(",\"pipeline\":");
            EngineRequest.AppendString(sb, PipelineDisplay);
            sb.Append(",\"outputDirectory\":");
            EngineRequest.AppendString(sb, FullPath(OutputDirectory));
            return sb;
        }
    }
}
