using MlBuild.Core.Registry;

namespace MlBuild.Cli.Tests;

/// <summary>
/// The registry as a new user meets it after <c>dotnet ml train</c> on a copy of samples/ChurnData (issue 13): the gate
/// report kept in the evidence, the ML.NET version read from the zip, prod guarded, a re-run that records nothing, and
/// a package that depends on ML.NET.
/// </summary>
public sealed class RegistryFirstHourTests : CliWorkspace
{
    public RegistryFirstHourTests()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "MlBuild.sln"))) root = Path.GetDirectoryName(root)!;
        var sample = Path.Combine(root, "samples", "ChurnData");
        Directory.CreateDirectory(Path.Combine(_dir, "data"));
        foreach (var f in new[] { "mlbuild.json", "data/train.csv", "data/train.schema.json" })
            File.Copy(Path.Combine(sample, f), Path.Combine(_dir, f));
    }

    [Fact]
    public void Train_gate_register_promote_and_package_as_the_docs_describe()
    {
        Assert.Equal(0, Run("train").Exit);
        // A gate the sample's model cannot pass, its report kept in the evidence folder as gates.json.
        Write("gates.json", """[{"metric": "auc", "min": 0.99}]""");
        var gate = Run("gate", "-p", "churn.evidence/predictions.csv", "-t", "binary", "-l", "churned", "-s", "score",
            "--predicted", "predicted", "--gates", "gates.json", "--json", "churn.evidence/gates.json");
        Assert.Equal(1, gate.Exit);

        var register = Run("register", "churn", "churn.zip", "--evidence", "churn.evidence", "--registry", "reg");
        Assert.True(register.Exit == 0, register.Err);
        var show = Run("show", "churn", "--registry", "reg").Out;
        Assert.Contains($"ml.net {LineageProbe.LoadedMlNetVersion()}", show);
        Assert.Contains("gate:       auc >= 0.99 FAIL", show);

        // The same training run registered again (a CI re-run) records nothing.
        var again = Run("register", "churn", "churn.zip", "--evidence", "churn.evidence", "--registry", "reg");
        Assert.Equal(0, again.Exit);
        Assert.StartsWith("Already registered as churn@1 ", again.Out);

        var prod = Run("promote", "churn", "latest", "--to", "prod", "--registry", "reg");
        Assert.Equal(1, prod.Exit);
        Assert.Contains("error MLB6044: churn 1 has failing gates in its evidence (auc >= 0.99 FAIL)", prod.Err);
        Assert.DoesNotContain("System.Int32", prod.Err);

        var package = Run("package", "churn@1", "--nuget", "feed", "--registry", "reg");
        Assert.True(package.Exit == 0, package.Err);
        Assert.Contains($"Packed churn@1 as MlBuild.Models.churn 1.0.0 (depends on Microsoft.ML {LineageProbe.LoadedMlNetVersion()})", package.Out);
    }
}
