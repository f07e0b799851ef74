using System.Text;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlBuild.Core.Models.Training;

namespace MlBuild.Cli.Tests;

/// <summary>
/// <c>dotnet ml train</c> on a model made elsewhere, on a copy of samples/ChurnData: an ONNX model exported from an
/// ML.NET model trained here, and a real C# training project run as the pipeline's training command.
/// </summary>
public sealed class ExternalModelCommandTests : CliWorkspace
{
    public ExternalModelCommandTests()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "MlBuild.sln"))) root = Path.GetDirectoryName(root)!;
        var sample = Path.Combine(root, "samples", "ChurnData");
        Directory.CreateDirectory(Path.Combine(_dir, "data"));
        foreach (var f in new[] { "data/train.csv", "data/train.schema.json" })
            File.Copy(Path.Combine(sample, f), Path.Combine(_dir, f));
    }

    string Full(string relative) => Path.Combine(_dir, relative);

    void WritePipeline(string modelKeys) => Write("mlbuild.json", $$"""
        {
          "datasets": { "train": { "path": "data/train.csv", "schema": "data/train.schema.json" } },
          "model": {
            "name": "churn", "task": "binary", "label": "churned",
            "features": { "allBut": ["signup_date", "last_active_date"] },
            "seed": 42,
            "split": { "test": 0.2, "key": "customer_id" },
            "quickTrain": { "rows": 200 },
            {{modelKeys}}
          }
        }
        """);

    /// <summary>The training code of the C# project below, also used in-process to make the ONNX model.</summary>
    const string TrainerCode = """
        using Microsoft.ML;
        using Microsoft.ML.Data;

        public static class ChurnTrainer
        {
            // Columns by name from the header MlBuild writes (the model section's features, then the label).
            public static (MLContext, ITransformer, IDataView) Train(string trainCsv, int seed)
            {
                var ml = new MLContext(seed: seed);
                var header = File.ReadLines(trainCsv).First().Split(',');
                TextLoader.Column Col(string name, DataKind kind) => new(name, kind, Array.IndexOf(header, name));
                var data = ml.Data.CreateTextLoader(new TextLoader.Options
                {
                    Separators = [','], HasHeader = true,
                    Columns = [Col("age", DataKind.Single), Col("tenure_months", DataKind.Single), Col("monthly_charges", DataKind.Single),
                        Col("support_calls", DataKind.Single), Col("plan", DataKind.String), Col("contract", DataKind.String), Col("churned", DataKind.Boolean)],
                }).Load(trainCsv);
                var model = ml.Transforms.Categorical.OneHotEncoding([new("plan_1h", "plan"), new("contract_1h", "contract")])
                    .Append(ml.Transforms.Concatenate("Features", "age", "tenure_months", "monthly_charges", "support_calls", "plan_1h", "contract_1h"))
                    .Append(ml.Transforms.NormalizeMeanVariance("Features"))
                    .Append(ml.BinaryClassification.Trainers.LbfgsLogisticRegression(labelColumnName: "churned"))
                    .Fit(data);
                return (ml, model, data);
            }
        }
        """;

    [Fact]
    public void Train_scores_an_ONNX_model_writes_it_beside_its_evidence_and_prints_its_metrics()
    {
        // Made as a team would: ML.NET in its own code, exported with Microsoft.ML.OnnxConverter.
        WritePipeline("\"onnx\": { \"path\": \"models/churn.onnx\", \"output\": \"Probability.output\" }");
        var ml = new MLContext(seed: 1);
        var data = ml.Data.CreateTextLoader(new TextLoader.Options
        {
            Separators = [','], HasHeader = true,
            Columns = [new("age", DataKind.Single, 1), new("tenure_months", DataKind.Single, 3), new("monthly_charges", DataKind.Single, 4),
                new("plan", DataKind.String, 5), new("contract", DataKind.String, 6), new("support_calls", DataKind.Single, 9), new("churned", DataKind.Boolean, 10)],
        }).Load(Full("data/train.csv"));
        var model = ml.Transforms.Categorical.OneHotEncoding([new("plan_1h", "plan"), new("contract_1h", "contract")])
            .Append(ml.Transforms.Concatenate("Features", "age", "tenure_months", "monthly_charges", "support_calls", "plan_1h", "contract_1h"))
            .Append(ml.Transforms.NormalizeMeanVariance("Features"))
            .Append(ml.BinaryClassification.Trainers.LbfgsLogisticRegression(labelColumnName: "churned")).Fit(data);
        Directory.CreateDirectory(Full("models"));
        using (var f = File.Create(Full("models/churn.onnx"))) ml.Model.ConvertToOnnx(model, data, f);

        var (exit, output, err) = Run("train");
        Assert.Equal("", err);
        Assert.Equal(0, exit);
        Assert.Equal(File.ReadAllBytes(Full("models/churn.onnx")), File.ReadAllBytes(Full("churn.onnx")));
        var hash = "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(Full("churn.onnx"))));
        Assert.StartsWith($"mlbuild: evaluated 'churn' (binary, onnx model models/churn.onnx) on 57 test rows: churn.onnx {hash}; evidence in churn.evidence\n", output);
        Assert.Contains("  auc             ", output);
        using var metrics = JsonDocument.Parse(File.ReadAllBytes(Full("churn.evidence/metrics.json")));
        Assert.True(metrics.RootElement.GetProperty("metrics").GetProperty("auc").GetProperty("value").GetDouble() > 0.6);
        Assert.Equal("onnx", metrics.RootElement.GetProperty("parameters").GetProperty("trainer").GetString());
        using var schema = JsonDocument.Parse(File.ReadAllBytes(Full("churn.evidence/schema.json")));
        Assert.Equal(["age", "contract", "monthly_charges", "plan", "support_calls", "tenure_months"], schema.RootElement.GetProperty("inputs").EnumerateArray().Select(c => c.GetProperty("name").GetString()).Order());
        Assert.Contains(schema.RootElement.GetProperty("outputs").EnumerateArray(), c => c.GetProperty("name").GetString() == "Probability");

        // The predictions feed `dotnet ml gate` as a built-in model's do.
        Write("gates.json", "[{\"metric\": \"auc\", \"min\": 0.55}]");
        var gate = Run("gate", "-p", "churn.evidence/predictions.csv", "-t", "binary", "-l", "churned", "-s", "score", "--predicted", "predicted", "--gates", "gates.json");
        Assert.Equal(0, gate.Exit);
        Assert.Contains("PASS auc >= 0.55", gate.Out);
    }

    [Fact]
    public void A_corrupt_model_zip_is_one_coded_line_at_its_path_and_exit_2()
    {
        WritePipeline("\"path\": \"models/churn.zip\"");
        Directory.CreateDirectory(Full("models"));
        File.WriteAllBytes(Full("models/churn.zip"), [.. "PK\u0003\u0004"u8, .. new byte[64]]);
        var (exit, _, err) = Run("train");
        Assert.Equal(2, exit);
        Assert.StartsWith("mlbuild.json(9,13): error MLB3411: 'models/churn.zip' is not an ML.NET model zip ML.NET can load", err);
        Assert.Single(err.Trim().Split('\n'));
        Assert.DoesNotContain("   at ", err);
    }

    /// <summary>
    /// The "small training run": a real C# console project (ML.NET, as a team's trainer would be) built and run by
    /// `dotnet run` on the seeded quick-train sample; MlBuild then evaluates the model it wrote.
    /// </summary>
    [Fact]
    public void Train_quick_runs_the_users_training_project_on_the_sample_and_evaluates_what_it_wrote()
    {
        Directory.CreateDirectory(Full("Trainer"));
        Write("Trainer/Trainer.csproj", """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework><ImplicitUsings>enable</ImplicitUsings><Nullable>enable</Nullable></PropertyGroup>
              <ItemGroup><PackageReference Include="Microsoft.ML" Version="6.0.0" /></ItemGroup>
            </Project>
            """);
        Write("Trainer/ChurnTrainer.cs", TrainerCode);
        Write("Trainer/Program.cs", """
            // Usage: Trainer TRAIN_CSV MODEL_ZIP (the seed comes from MLBUILD_SEED).
            var seed = int.Parse(Environment.GetEnvironmentVariable("MLBUILD_SEED")!);
            var (ml, model, data) = ChurnTrainer.Train(args[0], seed);
            ml.Model.Save(model, data.Schema, args[1]);
            Console.WriteLine($"trained on {File.ReadLines(args[0]).Count() - 1} rows with seed {seed}");
            """);
        WritePipeline("""
            "path": "trained/churn.zip",
            "command": { "run": ["dotnet", "run", "--project", "Trainer", "--", "{trainData}", "{modelOutput}"], "timeoutSeconds": 900 }
            """);

        var (exit, output, err) = Run("train", "--quick", "-o", "out/churn.zip");
        Assert.Equal("", err);
        Assert.Equal(0, exit);
        Assert.StartsWith("mlbuild: trained 'churn' (binary, command, seed 42) on 200 rows (quick-train sample of ", output);
        // The model is the one the project wrote (byte-stable copy), evaluated on the held-out test rows.
        Assert.Equal(ModelZip.CanonicalHash(Full("trained/churn.zip")), ModelZip.CanonicalHash(Full("out/churn.zip")));
        using var training = JsonDocument.Parse(File.ReadAllBytes(Full("out/churn.evidence/training.json")));
        Assert.Equal("command", training.RootElement.GetProperty("parameters").GetProperty("trainer").GetString());
        Assert.Equal(200, training.RootElement.GetProperty("rows").GetProperty("train").GetInt32());
        using var metrics = JsonDocument.Parse(File.ReadAllBytes(Full("out/churn.evidence/metrics.json")));
        Assert.True(metrics.RootElement.GetProperty("metrics").GetProperty("auc").GetProperty("value").GetDouble() > 0.6);

        // The same project failing (a column it needs is gone from the sample): its exit code and last lines.
        File.WriteAllText(Full("mlbuild.json"), File.ReadAllText(Full("mlbuild.json")).Replace("\"allBut\": [\"signup_date\", \"last_active_date\"]", "\"allBut\": [\"signup_date\", \"last_active_date\", \"contract\"]"), new UTF8Encoding(false));
        var failed = Run("train", "--quick", "-o", "out/churn.zip");
        Assert.Equal(2, failed.Exit);
        Assert.StartsWith("mlbuild.json(10,12): error MLB3416: The training command exited with code ", failed.Err);
        Assert.Contains(". Its last lines: ", failed.Err);
        Assert.DoesNotContain("MlBuild.Core", failed.Err);
    }
}
