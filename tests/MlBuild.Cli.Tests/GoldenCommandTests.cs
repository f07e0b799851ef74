using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlBuild.Cli.Tests;

/// <summary><c>dotnet ml golden record</c> on a copy of samples/ChurnData (its data, schema and pipeline file).</summary>
public sealed class GoldenCommandTests : CliWorkspace
{
    public GoldenCommandTests()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "MlBuild.sln"))) root = Path.GetDirectoryName(root)!;
        var sample = Path.Combine(root, "samples", "ChurnData");
        Directory.CreateDirectory(Path.Combine(_dir, "data"));
        foreach (var f in new[] { "mlbuild.json", "data/train.csv", "data/train.schema.json" })
            File.Copy(Path.Combine(sample, f), Path.Combine(_dir, f));
    }

    [Fact]
    public void Golden_record_writes_seeded_rows_and_the_same_file_from_the_trained_zip()
    {
        var (exit, output, err) = Run("golden", "record", "--rows", "7", "-o", "golden.csv");
        Assert.Equal("", err);
        Assert.Equal(0, exit);
        Assert.StartsWith("mlbuild: recorded 7 golden rows of model 'churn' in golden.csv (seed 42)", output, StringComparison.Ordinal);
        var lines = File.ReadAllLines(Path.Combine(_dir, "golden.csv"));
        Assert.Equal(8, lines.Length);
        Assert.EndsWith(",expected.score", lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("churned", lines[0].Split(','));

        // The same model, given as the zip `dotnet ml train` wrote, records the same bytes.
        Assert.Equal(0, Run("train", "-o", "churn.zip").Exit);
        Assert.Equal(0, Run("golden", "record", "--rows", "7", "--model", "churn.zip", "-o", "from-zip.csv").Exit);
        Assert.Equal(File.ReadAllBytes(Path.Combine(_dir, "golden.csv")), File.ReadAllBytes(Path.Combine(_dir, "from-zip.csv")));
        // Another seed picks other rows.
        Assert.Equal(0, Run("golden", "record", "--rows", "7", "--seed", "5", "-o", "other.csv").Exit);
        Assert.NotEqual(File.ReadAllBytes(Path.Combine(_dir, "golden.csv")), File.ReadAllBytes(Path.Combine(_dir, "other.csv")));
    }

    [Fact]
    public void Golden_record_refuses_a_row_count_below_one_with_MLB9241()
    {
        var (exit, _, err) = Run("golden", "record", "--rows", "0");
        Assert.Equal(2, exit);
        Assert.Contains("error MLB9241: --rows is 0", err, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_dir, "golden.csv")));
    }

    string Full(string relative) => Path.Combine(_dir, relative);

    /// <summary>
    /// A churn model made as a team would (ML.NET in its own code, exported with Microsoft.ML.OnnxConverter), written to
    /// <paramref name="onnxFile"/>; the in-memory ML.NET model is returned to check the ONNX scores against.
    /// </summary>
    (MLContext, ITransformer) ExportOnnx(string onnxFile)
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.CreateTextLoader(ChurnColumns(File.ReadLines(Full("data/train.csv")).First().Split(','))).Load(Full("data/train.csv"));
        var model = ml.Transforms.Categorical.OneHotEncoding([new("plan_1h", "plan"), new("contract_1h", "contract")])
            .Append(ml.Transforms.Concatenate("Features", "age", "tenure_months", "monthly_charges", "support_calls", "plan_1h", "contract_1h"))
            .Append(ml.Transforms.NormalizeMeanVariance("Features"))
            .Append(ml.BinaryClassification.Trainers.LbfgsLogisticRegression(labelColumnName: "churned")).Fit(data);
        Directory.CreateDirectory(Path.GetDirectoryName(Full(onnxFile))!);
        using (var f = File.Create(Full(onnxFile))) ml.Model.ConvertToOnnx(model, data, f);
        return (ml, model);
    }

    /// <summary>The columns the exported model reads, found by name in a CSV header (the label only where there is one).</summary>
    static TextLoader.Options ChurnColumns(string[] header)
    {
        TextLoader.Column Col(string name, DataKind kind) => new(name, kind, Array.IndexOf(header, name));
        var columns = new List<TextLoader.Column> { Col("age", DataKind.Single), Col("tenure_months", DataKind.Single), Col("monthly_charges", DataKind.Single),
            Col("support_calls", DataKind.Single), Col("plan", DataKind.String), Col("contract", DataKind.String) };
        if (header.Contains("churned")) columns.Add(Col("churned", DataKind.Boolean));
        return new TextLoader.Options { Separators = [','], HasHeader = true, AllowQuoting = true, Columns = [.. columns] };
    }

    [Fact]
    public void Golden_record_scores_an_ONNX_model_given_with_model_through_ONNX_Runtime()
    {
        var (ml, model) = ExportOnnx("models/churn.onnx");

        // The sample's pipeline trains its own lbfgs model; --model records what the ONNX file predicts on its held-out rows.
        var (exit, output, err) = Run("golden", "record", "--rows", "9", "--model", "models/churn.onnx", "-o", "golden.csv");
        Assert.Equal("", err);
        Assert.Equal(0, exit);
        Assert.StartsWith("mlbuild: recorded 9 golden rows of model 'churn' in golden.csv (seed 42)", output, StringComparison.Ordinal);
        var lines = File.ReadAllLines(Full("golden.csv"));
        Assert.Equal(10, lines.Length);
        Assert.EndsWith(",expected.score", lines[0], StringComparison.Ordinal);
        // The expected scores are the exported model's probabilities of those inputs (ML.NET in memory agrees within float noise).
        var recorded = lines.Skip(1).Select(l => double.Parse(l[(l.LastIndexOf(',') + 1)..], CultureInfo.InvariantCulture)).ToArray();
        var inputs = ml.Data.CreateTextLoader(ChurnColumns(lines[0].Split(','))).Load(Full("golden.csv"));
        var probabilities = model.Transform(inputs).GetColumn<float>("Probability").ToArray();
        Assert.Equal(9, probabilities.Length);
        for (int i = 0; i < 9; i++) Assert.Equal(probabilities[i], recorded[i], 1e-5);
        // ... and not the pipeline's own model's.
        Assert.Equal(0, Run("golden", "record", "--rows", "9", "-o", "own.csv").Exit);
        Assert.NotEqual(File.ReadAllBytes(Full("golden.csv")), File.ReadAllBytes(Full("own.csv")));

        // A pipeline whose model is that ONNX file records the same rows and scores without --model, with --model, and
        // with the file under a name without .onnx (told from a zip by its content).
        Write("onnx.json", File.ReadAllText(Full("mlbuild.json")).Replace("\"trainer\": \"lbfgs\",", "\"onnx\": { \"path\": \"models/churn.onnx\" },", StringComparison.Ordinal));
        File.Copy(Full("models/churn.onnx"), Full("models/churn-export"));
        Assert.Equal(0, Run("golden", "record", "-p", "onnx.json", "--rows", "9", "-o", "a.csv").Exit);
        Assert.Equal(0, Run("golden", "record", "-p", "onnx.json", "--rows", "9", "--model", "models/churn.onnx", "-o", "b.csv").Exit);
        Assert.Equal(0, Run("golden", "record", "-p", "onnx.json", "--rows", "9", "--model", "models/churn-export", "-o", "c.csv").Exit);
        Assert.Equal(File.ReadAllBytes(Full("a.csv")), File.ReadAllBytes(Full("b.csv")));
        Assert.Equal(File.ReadAllBytes(Full("a.csv")), File.ReadAllBytes(Full("c.csv")));
        Assert.Equal(lines.Skip(1).Select(l => l[(l.LastIndexOf(',') + 1)..]), File.ReadAllLines(Full("a.csv")).Skip(1).Select(l => l[(l.LastIndexOf(',') + 1)..]));
    }

    [Fact]
    public void Golden_record_with_a_truncated_or_foreign_model_file_is_one_coded_line_and_writes_nothing()
    {
        ExportOnnx("models/churn.onnx");
        var bytes = File.ReadAllBytes(Full("models/churn.onnx"));
        File.WriteAllBytes(Full("models/half.onnx"), bytes[..(bytes.Length / 2)]);
        File.WriteAllText(Full("models/notes.txt"), "not a model\n");
        File.WriteAllBytes(Full("models/broken.zip"), [.. "PK\u0003\u0004"u8, .. new byte[64]]);

        foreach (var (file, start) in new[]
        {
            ("models/half.onnx", "models/half.onnx: error MLB3412: 'models/half.onnx' is not an ONNX model ONNX Runtime can load: "),
            ("models/notes.txt", "models/notes.txt: error MLB3412: 'models/notes.txt' is neither an ML.NET model zip nor an ONNX model: "),
            ("models/broken.zip", "models/broken.zip: error MLB3411: 'models/broken.zip' is not an ML.NET model zip ML.NET can load ("),
        })
        {
            var (exit, _, err) = Run("golden", "record", "--model", file, "-o", "golden.csv");
            Assert.Equal(2, exit);
            Assert.StartsWith(start, err, StringComparison.Ordinal);
            Assert.Single(err.Trim().Split('\n'));
            Assert.DoesNotContain("   at ", err, StringComparison.Ordinal);
            Assert.False(File.Exists(Full("golden.csv")));
        }
    }
}
