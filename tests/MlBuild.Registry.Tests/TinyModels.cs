using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlBuild.Registry.Tests;

/// <summary>Real ML.NET model zips, small enough to train in a test: regression of Label on float inputs.</summary>
internal static class TinyModels
{
    /// <summary>Trains and saves a model over <paramref name="inputs"/> (default X) with SDCA, or FastTree when <paramref name="fastTree"/>.</summary>
    public static string Save(string path, int seed = 1, bool fastTree = false, params string[] inputs)
    {
        if (inputs.Length == 0) inputs = ["X"];
        var csv = Path.ChangeExtension(path, ".train.csv");
        var random = new Random(seed);
        var lines = new List<string> { string.Join(',', inputs.Append("Label")) };
        for (var i = 0; i < 60; i++)
        {
            var xs = inputs.Select(_ => random.NextDouble() * 4).ToList();
            lines.Add(string.Join(',', xs.Append(2 * xs.Sum() + 1).Select(v => v.ToString("R", CultureInfo.InvariantCulture))));
        }
        File.WriteAllLines(csv, lines);
        var ml = new MLContext(seed);
        var columns = inputs.Select((c, i) => new TextLoader.Column(c, DataKind.Single, i))
            .Append(new TextLoader.Column("Label", DataKind.Single, inputs.Length)).ToArray();
        var data = ml.Data.LoadFromTextFile(csv, columns, separatorChar: ',', hasHeader: true);
        var features = ml.Transforms.Concatenate("Features", inputs);
        ITransformer model = fastTree
            ? features.Append(ml.Regression.Trainers.FastTree(labelColumnName: "Label", numberOfLeaves: 4, numberOfTrees: 5, minimumExampleCountPerLeaf: 2)).Fit(data)
            : features.Append(ml.Regression.Trainers.Sdca(labelColumnName: "Label", maximumNumberOfIterations: 20)).Fit(data);
        ml.Model.Save(model, data.Schema, path);
        File.Delete(csv);
        return path;
    }

    /// <summary>The schema.json <c>dotnet ml train</c> would write for <see cref="Save"/>'s model.</summary>
    public static string SchemaJson(params string[] inputs) =>
        $$"""{"inputs":[{{string.Join(',', (inputs.Length == 0 ? ["X"] : inputs).Select(c => $$"""{"name":"{{c}}","type":"Single"}"""))}}],"outputs":[{"name":"Score","type":"Single"}]}""";
}
