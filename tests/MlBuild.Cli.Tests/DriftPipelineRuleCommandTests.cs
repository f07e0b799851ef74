using System.Globalization;
using System.Text;

namespace MlBuild.Cli.Tests;

/// <summary>`dotnet ml data drift --pipeline mlbuild.json [--dataset NAME]`: the rule the build applies, from the command line.</summary>
[Collection(nameof(ProfileDriftCommandTests))]
public sealed class DriftPipelineRuleCommandTests : CliWorkspace
{
    const string Schema = """{"schemaVersion": 1, "columns": [{"name": "x", "type": "float"}, {"name": "plan", "type": "category"}]}""";

    /// <summary>x uniform in [50 + shift, 60 + shift), plan basic/pro alternating.</summary>
    static string Data(int rows, int seed, double shift)
    {
        var rng = new Random(seed);
        var sb = new StringBuilder("x,plan\n");
        for (int i = 0; i < rows; i++)
            sb.Append((50 + shift + 10 * rng.NextDouble()).ToString("0.0000", CultureInfo.InvariantCulture)).Append(',').Append(i % 2 == 0 ? "basic" : "pro").Append('\n');
        return sb.ToString();
    }

    void Pipeline(string datasetDrift, string drift) => Write("mlbuild.json",
        "{\n"
        + "  \"drift\": " + drift + ",\n"
        + "  \"datasets\": { \"current\": { \"path\": \"current.csv\", \"schema\": \"s.json\"" + datasetDrift + " } }\n"
        + "}\n");

    [Fact]
    public void The_pipeline_files_rule_and_a_datasets_rule_decide_and_options_replace_their_members()
    {
        Write("s.json", Schema);
        Write("reference.csv", Data(3000, 1, 0));
        Write("current.csv", Data(3000, 2, 1.5));
        Assert.Equal(0, Run("data", "profile", "reference.csv", "-s", "s.json", "-o", "reference.json").Exit);
        string[] drift = ["data", "drift", "--reference", "reference.json", "--current", "current.csv"];

        // The default rule: x moved by half its spread.
        Assert.Equal(1, Run(drift).Exit);

        // The file's thresholds let x move that far.
        Pipeline("", "{ \"thresholds\": { \"x\": 100 }, \"psi\": 100 }");
        var (tolerant, tolerantOut, _) = Run([.. drift, "--pipeline", "mlbuild.json"]);
        Assert.Equal(0, tolerant);
        Assert.Contains("shows no drift: 0 of 2 columns", tolerantOut, StringComparison.Ordinal);

        // The dataset's own thresholds replace the file's; an option replaces the dataset's rule.
        Pipeline(", \"drift\": { \"thresholds\": { \"x\": 0.05 } }", "{ \"thresholds\": { \"x\": 100 }, \"psi\": 100 }");
        Assert.Equal(0, Run([.. drift, "--pipeline", "mlbuild.json"]).Exit);
        Assert.Equal(1, Run([.. drift, "--pipeline", "mlbuild.json", "--dataset", "current"]).Exit);
        Assert.Equal(0, Run([.. drift, "--pipeline", "mlbuild.json", "--dataset", "current", "--rule", "columns:plan"]).Exit);

        // A column the reference lacks: MLB2009 at its name in mlbuild.json; an unknown dataset: a usage error.
        Pipeline("", "{ \"ignore\": [\"plna\"] }");
        var (bad, _, badErr) = Run([.. drift, "--pipeline", "mlbuild.json"]);
        Assert.Equal(2, bad);
        Assert.StartsWith("mlbuild.json(2,25): error MLB2009: The drift rule names column 'plna'", badErr, StringComparison.Ordinal);
        var (unknown, _, unknownErr) = Run([.. drift, "--pipeline", "mlbuild.json", "--dataset", "train"]);
        Assert.Equal(2, unknown);
        Assert.Contains("--dataset 'train' is not a dataset of mlbuild.json (current)", unknownErr, StringComparison.Ordinal);
    }
}
