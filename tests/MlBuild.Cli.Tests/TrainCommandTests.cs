using System.Text;
using System.Text.Json;
using MlBuild.Core.Models.Training;

namespace MlBuild.Cli.Tests;

/// <summary><c>dotnet ml train</c> end to end on a copy of samples/ChurnData (its data, schema and pipeline file).</summary>
public sealed class TrainCommandTests : CliWorkspace
{
    public TrainCommandTests()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "MlBuild.sln"))) root = Path.GetDirectoryName(root)!;
        var sample = Path.Combine(root, "samples", "ChurnData");
        Directory.CreateDirectory(Path.Combine(_dir, "data"));
        foreach (var f in new[] { "mlbuild.json", "data/train.csv", "data/train.schema.json" })
            File.Copy(Path.Combine(sample, f), Path.Combine(_dir, f));
    }

    string Path_(string relative) => Path.Combine(_dir, relative);

    [Fact]
    public void Train_writes_a_byte_stable_model_and_its_evidence()
    {
        var (exit, output, err) = Run("train", "-o", "out/churn.zip");
        Assert.Equal("", err);
        Assert.Equal(0, exit);
        var hash = ModelZip.CanonicalHash(Path_("out/churn.zip"));
        Assert.StartsWith("mlbuild: trained 'churn' (binary, lbfgs, seed 42) on ", output);
        Assert.Contains($"out/churn.zip {hash}; evidence in out/churn.evidence", output);
        Assert.DoesNotContain("reading", output); // no progress lines when nobody watches a terminal

        using var training = JsonDocument.Parse(File.ReadAllBytes(Path_("out/churn.evidence/training.json")));
        var t = training.RootElement;
        Assert.Equal(hash, t.GetProperty("canonicalHash").GetString());
        Assert.Equal(42, t.GetProperty("seed").GetInt32());
        Assert.Equal("LbfgsLogisticRegression", t.GetProperty("parameters").GetProperty("mlnetTrainer").GetString());
        var rows = t.GetProperty("rows");
        Assert.Equal(300, rows.GetProperty("train").GetInt32() + rows.GetProperty("test").GetInt32());
        var file = t.GetProperty("datasets")[0].GetProperty("files")[0];
        Assert.Equal("data/train.csv", file.GetProperty("path").GetString());
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(Path_("data/train.csv")))), file.GetProperty("sha256").GetString());

        // metrics.json is what `dotnet ml register --evidence` reads: parameters, seed, datasets, ML.NET version.
        using var metrics = JsonDocument.Parse(File.ReadAllBytes(Path_("out/churn.evidence/metrics.json")));
        Assert.Equal(42, metrics.RootElement.GetProperty("seed").GetInt32());
        Assert.Equal("6.0.0", metrics.RootElement.GetProperty("mlnetVersion").GetString());
        var auc = metrics.RootElement.GetProperty("metrics").GetProperty("auc");
        Assert.InRange(auc.GetProperty("low").GetDouble(), 0, auc.GetProperty("value").GetDouble());
        Assert.InRange(auc.GetProperty("high").GetDouble(), auc.GetProperty("value").GetDouble(), 1);
        Assert.Contains($"  auc             {auc.GetProperty("value").GetDouble().ToString("0.####", System.Globalization.CultureInfo.InvariantCulture)} [", output);
        using var schema = JsonDocument.Parse(File.ReadAllBytes(Path_("out/churn.evidence/schema.json")));
        Assert.Contains(schema.RootElement.GetProperty("inputs").EnumerateArray(), c => c.GetProperty("name").GetString() == "plan" && c.GetProperty("type").GetString() == "String");
        Assert.Contains(schema.RootElement.GetProperty("outputs").EnumerateArray(), c => c.GetProperty("name").GetString() == "Probability");

        // The test predictions feed `dotnet ml gate`, which finds the same AUC.
        File.WriteAllText(Path_("gates.json"), "[{\"metric\": \"auc\", \"min\": 0.01}]");
        var gate = Run("gate", "-p", "out/churn.evidence/predictions.csv", "-t", "binary", "-l", "churned", "-s", "score", "--predicted", "predicted", "--gates", "gates.json");
        Assert.Equal(0, gate.Exit);
        Assert.Contains($"PASS auc >= 0.01: {auc.GetProperty("value").GetDouble().ToString("0.####", System.Globalization.CultureInfo.InvariantCulture)} [", gate.Out);
        File.Delete(Path_("gates.json"));

        // Again, on one reading thread: the same model file and the same evidence, byte for byte.
        var first = Directory.GetFiles(Path_("out"), "*", SearchOption.AllDirectories).Order().Select(File.ReadAllBytes).ToList();
        Assert.Equal(0, Run("train", "-o", "out/churn.zip", "--threads", "1").Exit);
        var second = Directory.GetFiles(Path_("out"), "*", SearchOption.AllDirectories).Order().Select(File.ReadAllBytes).ToList();
        Assert.Equal(first, second);
    }

    [Fact]
    public void The_evidence_folder_is_what_register_reads()
    {
        Assert.Equal(0, Run("train").Exit);
        var (exit, _, err) = Run("register", "churn", "churn.zip", "--evidence", "churn.evidence", "--registry", "reg");
        Assert.Equal("", err);
        Assert.Equal(0, exit);
        var (showExit, show, _) = Run("show", "churn", "--registry", "reg");
        Assert.Equal(0, showExit);
        Assert.Contains("seed:       42", show);
        Assert.Contains("metric:     auc = ", show);
        Assert.Contains("dataset:    train data/train.csv sha256:", show);
        Assert.Contains("inputs:     age:Single, gender:String", show);
        Assert.Contains("outputs:    PredictedLabel:Boolean, Score:Single, Probability:Single", show);
    }

    [Fact]
    public void Quick_train_trains_on_the_sample_size_of_the_pipeline_file()
    {
        File.WriteAllText(Path_("mlbuild.json"), File.ReadAllText(Path_("mlbuild.json")).Replace("\"rows\": 200", "\"rows\": 100"));
        var (exit, output, _) = Run("train", "--quick");
        Assert.Equal(0, exit);
        Assert.Contains("on 100 rows (quick-train sample of ", output);
        Assert.True(File.Exists(Path_("churn.zip")));
        Assert.True(File.Exists(Path_("churn.evidence/training.json")));
    }

    [Fact]
    public void A_mistake_in_the_pipeline_file_is_one_canonical_line_at_its_place_and_exit_2()
    {
        File.WriteAllText(Path_("mlbuild.json"), File.ReadAllText(Path_("mlbuild.json")).Replace("\"trainer\": \"lbfgs\"", "\"trainer\": \"xgboost\""), new UTF8Encoding(false));
        var (exit, _, err) = Run("train");
        Assert.Equal(2, exit);
        var line = File.ReadAllLines(Path_("mlbuild.json")).Select((l, i) => (l, i)).First(x => x.l.Contains("xgboost"));
        int column = line.l.IndexOf("\"xgboost\"", StringComparison.Ordinal) + 1;
        Assert.Equal($"mlbuild.json({line.i + 1},{column}): error MLB9204: Unknown trainer 'xgboost' for a binary model; use one of lbfgs, sdca, lightgbm, fasttree.", err.Trim());
        Assert.False(File.Exists(Path_("churn.zip")));
    }

    [Fact]
    public void Bad_training_data_stops_with_the_data_diagnostics_and_no_model()
    {
        var csv = File.ReadAllLines(Path_("data/train.csv"));
        csv[3] = csv[3].Replace(",false", ",").Replace(",true", ","); // the label of record 3 goes missing
        File.WriteAllLines(Path_("data/train.csv"), csv);
        var (exit, output, err) = Run("train");
        Assert.Equal(1, exit);
        Assert.Contains("data/train.csv(4,11): error MLB1002: ", err);
        Assert.Contains("mlbuild.json(5,5): error MLB3304: Dataset 'train' failed its checks", err);
        Assert.Contains("model 'churn' was not trained", output);
        Assert.False(File.Exists(Path_("churn.zip")));
    }

    [Fact]
    public void A_missing_pipeline_file_is_MLB9208()
    {
        var (exit, _, err) = Run("train", "--pipeline", "nope.json");
        Assert.Equal(2, exit);
        Assert.StartsWith("nope.json: error MLB9208: ", err);
    }
}
