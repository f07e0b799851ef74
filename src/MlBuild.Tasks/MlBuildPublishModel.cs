using Microsoft.Build.Framework;

namespace MlBuild.Tasks
{
    /// <summary>
    /// The model half of <c>dotnet publish</c>: starts <c>dotnet exec mlbuild.dll engine publish-model</c> (see
    /// <see cref="MlBuildEngineTask"/>), which trains the pipeline file's model on its full training data, measures the
    /// artifact, runs every gate and writes the model zip and its evidence into <see cref="OutputDirectory"/>; a failing
    /// gate comes back as an MLB error at the gate's line in the pipeline file.
    /// </summary>
    public sealed class MlBuildPublishModel : MlBuildModelTask
    {
        /// <summary>Where the engine lists the files the model was made from (the target's incremental inputs).</summary>
        public string? InputsFile { get; set; }

        /// <summary>Register the model with its evidence in the pipeline file's registry (<c>MlBuildRegisterOnPublish</c>).</summary>
        public bool RegisterOnPublish { get; set; }

        /// <summary>The <c>Microsoft.ML</c> version the app references, if any (compared with the one that saved the model).</summary>
        public string? ConsumerMlNetVersion { get; set; }

        /// <inheritdoc />
        protected override string EngineVerb => "publish-model";

        /// <inheritdoc />
        protected override bool TryCreateRequest(out string? requestJson)
        {
            var sb = StartModelRequest();
            if (!string.IsNullOrEmpty(InputsFile))
            {
                sb.Append(",\"inputsFile\":");
                EngineRequest.AppendString(sb, System.IO.Path.GetFullPath(InputsFile));
            }
            if (!string.IsNullOrEmpty(ConsumerMlNetVersion))
            {
                sb.Append(",\"consumerMlNetVersion\":");
                EngineRequest.AppendString(sb, ConsumerMlNetVersion!);
            }
            sb.Append(",\"register\":").Append(RegisterOnPublish ? "true" : "false").Append("}\n");
            requestJson = sb.ToString();
            return true;
        }
    }
}
