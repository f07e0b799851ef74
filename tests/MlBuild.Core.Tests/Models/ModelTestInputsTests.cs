using MlBuild.Core.Diagnostics;
using MlBuild.Core.Models.ModelTests;
using MlBuild.Core.Pipeline;
using MlBuild.Core.Reports;

namespace MlBuild.Core.Tests.Models;

/// <summary>
/// What the model test lists as the inputs of `dotnet test`'s up-to-date check, and which alias its summary puts
/// beside the candidate: a gate against a registry alias makes the registry's head file an input (so a promote makes
/// the next run decide again), a metrics-file baseline makes that file one.
/// </summary>
public sealed class ModelTestInputsTests : IDisposable
{
    readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    PipelineFile Load(string gates, string registry = "")
    {
        _dir.Write("data/train.csv", "id,x,y\n1,0.5,true\n");
        _dir.Write("data/train.schema.json", "{}");
        var path = _dir.Write("mlbuild.json", $$"""
            {
              "datasets": { "train": { "path": "data/train.csv", "schema": "data/train.schema.json" } },
              "model": { "name": "churn", "task": "binary", "label": "y", "trainer": "lbfgs", "seed": 1, "split": { "test": 0.5, "key": "id" } },
              "gates": [ {{gates}} ]{{registry}}
            }
            """);
        return PipelineLoader.Load(path, "mlbuild.json");
    }

    string Full(string relative) => Path.GetFullPath(Path.Combine(_dir.Path, relative));

    [Fact]
    public void A_gate_against_a_registry_alias_lists_the_registry_head_file_even_before_the_registry_exists()
    {
        var pipeline = Load("""{ "metric": "auc", "maxDrop": 0.01, "baseline": "prod" }, { "metric": "auc", "min": 0.7 }""",
            """, "registry": { "store": "shared/reg" }""");

        var inputs = ModelTestRunner.InputFiles(pipeline);

        Assert.Equal([Full("data/train.schema.json"), Full("data/train.csv"), Full("shared/reg/head.json")], inputs);
        Assert.Equal("prod", PullRequestSummary.GateBaselineAlias(pipeline));
    }

    [Fact]
    public void A_metrics_file_baseline_is_an_input_and_no_registry_alias_for_the_summary()
    {
        _dir.Write("baseline.json", """{ "metrics": { "auc": 0.8 } }""");
        var pipeline = Load("""{ "metric": "auc", "maxDrop": 0.01, "baseline": "baseline.json" }""");

        var inputs = ModelTestRunner.InputFiles(pipeline);

        Assert.Equal([Full("data/train.schema.json"), Full("data/train.csv"), Full("baseline.json")], inputs);
        Assert.Null(PullRequestSummary.GateBaselineAlias(pipeline));
    }

    [Fact]
    public void Without_baselines_only_the_data_and_schemas_are_inputs()
    {
        var pipeline = Load("""{ "metric": "auc", "min": 0.7 }""");

        Assert.Equal([Full("data/train.schema.json"), Full("data/train.csv")], ModelTestRunner.InputFiles(pipeline));
        Assert.Null(PullRequestSummary.GateBaselineAlias(pipeline));
    }

    [Fact]
    public void Two_aliases_leave_the_summary_without_a_default_serving_model_but_both_watch_the_registry()
    {
        var pipeline = Load("""{ "metric": "auc", "maxDrop": 0.01, "baseline": "prod" }, { "metric": "auc", "maxDrop": 0.05, "baseline": "staging" }""");

        Assert.Null(PullRequestSummary.GateBaselineAlias(pipeline));
        Assert.Contains(Full(".mlregistry/head.json"), ModelTestRunner.InputFiles(pipeline));
    }
    [Fact]
    public void A_training_commands_listed_code_is_an_input_and_a_pattern_that_matches_nothing_adds_nothing()
    {
        _dir.Write("data/train.csv", "id,x,y\n1,0.5,true\n");
        _dir.Write("data/train.schema.json", "{}");
        _dir.Write("Trainer/Program.cs", "// trains");
        _dir.Write("Trainer/Features.cs", "// featurises");
        _dir.Write("Trainer/Trainer.csproj", "<Project />");
        var path = _dir.Write("app/mlbuild.json", """
            {
              "datasets": { "train": { "path": "../data/train.csv", "schema": "../data/train.schema.json" } },
              "model": { "name": "churn", "task": "binary", "label": "y", "seed": 1, "split": { "test": 0.5, "key": "id" },
                         "command": { "run": ["dotnet", "run", "--project", "../Trainer", "--", "{trainData}", "{modelOutput}"],
                                      "inputs": ["../Trainer/*.cs", "../Trainer/Trainer.csproj", "../Trainer/*.fs"] } },
              "gates": [ { "metric": "auc", "min": 0.7 } ]
            }
            """);
        var pipeline = PipelineLoader.Load(path, "mlbuild.json");

        var warnings = new List<MlDiagnostic>();
        Assert.Equal([Full("data/train.schema.json"), Full("data/train.csv"), Full("Trainer/Features.cs"), Full("Trainer/Program.cs"), Full("Trainer/Trainer.csproj")],
            ModelTestRunner.InputFiles(pipeline, warnings));
        // The glob that matches nothing is a warning at its place in mlbuild.json (line 5, column 86: the string "../Trainer/*.fs").
        var w = Assert.Single(warnings);
        Assert.Equal(("MLB4300", MlSeverity.Warning, "mlbuild.json", 5, 86), (w.Code, w.Severity, w.File, w.Line, w.Column));
        Assert.StartsWith("model.command.inputs '../Trainer/*.fs' matches no file, so a change of the training code", w.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_misspelt_file_and_a_folder_in_the_training_commands_inputs_are_each_a_warning_at_their_line()
    {
        _dir.Write("data/train.csv", "id,x,y\n1,0.5,true\n");
        _dir.Write("data/train.schema.json", "{}");
        _dir.Write("Trainer/Program.cs", "// trains");
        var path = _dir.Write("mlbuild.json", """
            {
              "datasets": { "train": { "path": "data/train.csv", "schema": "data/train.schema.json" } },
              "model": { "name": "churn", "task": "binary", "label": "y", "seed": 1, "split": { "test": 0.5, "key": "id" },
                         "command": { "run": ["dotnet", "run", "--project", "Trainer"],
                                      "inputs": [
                                        "Trainer/Programm.cs",
                                        "Trainer",
                                        "Trainer/Program.cs"
                                      ] } },
              "gates": [ { "metric": "auc", "min": 0.7 } ]
            }
            """);
        var warnings = new List<MlDiagnostic>();

        var inputs = ModelTestRunner.InputFiles(PipelineLoader.Load(path, "mlbuild.json"), warnings);

        Assert.Contains(Full("Trainer/Program.cs"), inputs);
        Assert.Equal([("MLB4300", "mlbuild.json", 6, 29), ("MLB4300", "mlbuild.json", 7, 29)], warnings.Select(w => (w.Code, w.File, w.Line, w.Column)));
        Assert.StartsWith("model.command.inputs 'Trainer/Programm.cs' names no file,", warnings[0].Message, StringComparison.Ordinal);
        Assert.StartsWith("model.command.inputs 'Trainer' is a folder (list its files with a glob such as 'Trainer/*.cs'),", warnings[1].Message, StringComparison.Ordinal);
        // Without a list to report to, the same inputs (the test's up-to-date check needs no warning).
        Assert.Equal(inputs, ModelTestRunner.InputFiles(PipelineLoader.Load(path, "mlbuild.json")));
    }
}
