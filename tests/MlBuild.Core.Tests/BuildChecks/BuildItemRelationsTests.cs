using System.Globalization;
using System.Text;
using MlBuild.Core.Data.BuildChecks;
using MlBuild.Core.Data.Profiling;
using MlBuild.Core.Data.Schema;
using MlBuild.Core.Diagnostics;
using MlBuild.Core.Models.Gates;
using MlBuild.Core.Reports;

namespace MlBuild.Core.Tests.BuildChecks;

/// <summary>
/// The build's relations and drift for datasets declared as MlBuildDataset items (what the task sends: the item's place
/// in the project file and its Role/Label/Key/Features metadata): the same findings as mlbuild.json's datasets, and
/// mistakes in the metadata at the item's line.
/// </summary>
public sealed class BuildItemRelationsTests : IDisposable
{
    const string Schema = """{ "schemaVersion": 1, "columns": [ { "name": "id", "type": "integer" }, { "name": "amount", "type": "float", "min": 0 }, { "name": "churned", "type": "boolean" } ] }""";

    readonly TempDir _dir = new();

    public BuildItemRelationsTests()
    {
        // Training line 6 repeats line 2; test line 4 is training customer 2 (line 3) again.
        _dir.Write("s.schema.json", Schema);
        _dir.Write("data/train.csv", "id,amount,churned\n1,10.5,false\n2,11.0,true\n3,12.5,false\n4,13.0,true\n1,10.50,false\n");
        _dir.Write("data/test.csv", "id,amount,churned\n11,20.5,false\n12,21.0,true\n2,11.0,true\n");
    }

    public void Dispose() => _dir.Dispose();

    string ProjectFile => Path.Combine(_dir.Path, "app.csproj");

    /// <summary>An item's dataset as the task sends it: declared at line <paramref name="line"/>, column 6 of app.csproj.</summary>
    EngineRequestDataset Item(string name, string file, int line, string role = "", string label = "", string key = "", string features = "", string? reference = null) =>
        new(name, [file], "s.schema.json")
        {
            DefinedAt = new SourcePosition(ProjectFile, line, 6),
            Relations = role.Length + label.Length + key.Length + features.Length == 0 ? null : new ItemRelations(role, label, key, features),
            Reference = reference,
        };

    EngineRequest Request(IReadOnlyList<EngineRequestDataset> items, bool pipeline = false) =>
        new(_dir.Path, items, Path.Combine(_dir.Path, "obj")) { PipelineFile = pipeline ? Path.Combine(_dir.Path, "mlbuild.json") : null };

    static List<MlDiagnostic> Problems(BuildCheckOutcome outcome) => outcome.Diagnostics.Where(d => d.Severity != MlSeverity.Info).ToList();

    [Fact]
    public void A_train_and_a_test_item_get_the_same_findings_at_the_same_rows_as_the_datasets_of_mlbuild_json()
    {
        var items = BuildDataCheck.Run(Request([
            Item("train", "data/train.csv", 7, role: "train", label: "churned", key: "id"),
            Item("test", "data/test.csv", 8, role: "Test"),
        ]), "test");

        var found = Problems(items);
        Assert.Equal(
            [("MLB2101", "data/train.csv", 6, MlSeverity.Warning), ("MLB2103", "data/test.csv", 4, MlSeverity.Error)],
            found.Select(d => (d.Code, d.File!, d.Line, d.Severity)));
        Assert.StartsWith("test row's key id also in training row data/train.csv(3); dataset 'test': 1 of 3 test rows", found[1].Message, StringComparison.Ordinal);
        Assert.Contains(items.Messages, m => m.StartsWith("relations of test: fail: 3 rows in data/test.csv; 1 of 3 test rows", StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(_dir.Path, "obj", "data-relations.json")));

        // The same data declared in mlbuild.json, with the key in its relations section: the same diagnostics.
        _dir.Write("mlbuild.json", """
            {
              "datasets": {
                "train": { "path": "data/train.csv", "schema": "s.schema.json" },
                "test": { "path": "data/test.csv", "schema": "s.schema.json" }
              },
              "model": { "name": "m", "task": "binary", "label": "churned", "trainer": "lbfgs", "split": { "testDataset": "test", "key": "id" } },
              "relations": { "key": "id" }
            }
            """);
        var pipeline = BuildDataCheck.Run(Request([], pipeline: true), "test");
        Assert.Equal(Problems(pipeline), found);
    }

    [Fact]
    public void The_build_properties_set_the_levels_over_the_relations_section()
    {
        var items = new[]
        {
            Item("train", "data/train.csv", 7, role: "train", label: "churned", key: "id"),
            Item("test", "data/test.csv", 8, role: "test"),
        };
        var outcome = BuildDataCheck.Run(Request(items) with { RelationsLeakage = "warning", RelationsDuplicates = "off" }, "test");
        Assert.Equal([("MLB2103", MlSeverity.Warning)], Problems(outcome).Select(d => (d.Code, d.Severity)));

        // Over mlbuild.json's section too (which says duplicates are errors): the property wins where it is set.
        _dir.Write("mlbuild.json", """{ "relations": { "duplicates": "error", "leakage": "warning" } }""");
        var both = BuildDataCheck.Run(Request(items, pipeline: true) with { RelationsLeakage = "error" }, "test");
        Assert.Equal([("MLB2101", MlSeverity.Error), ("MLB2103", MlSeverity.Error)], Problems(both).Select(d => (d.Code, d.Severity)));
    }

    [Fact]
    public void Items_without_relations_metadata_are_not_checked_as_before()
    {
        var outcome = BuildDataCheck.Run(Request([Item("train", "data/train.csv", 7), Item("test", "data/test.csv", 8)]), "test");

        Assert.Empty(Problems(outcome));
        Assert.DoesNotContain(outcome.Messages, m => m.StartsWith("relations", StringComparison.Ordinal));
        Assert.False(File.Exists(Path.Combine(_dir.Path, "obj", "data-relations.json")));

        // A relations section with nothing to compare says so.
        _dir.Write("mlbuild.json", """{ "relations": { "leakage": "warning" } }""");
        var nothing = BuildDataCheck.Run(Request([Item("train", "data/train.csv", 7)], pipeline: true), "test");
        Assert.Empty(Problems(nothing));
        Assert.Contains("relations not checked: mlbuild.json declares no dataset to check.", nothing.Messages);
    }

    [Fact]
    public void A_test_item_is_checked_against_the_training_dataset_of_mlbuild_json()
    {
        // One dataset in mlbuild.json (no relations section): the item with Role="test" brings the check.
        _dir.Write("mlbuild.json", """
            {
              "datasets": { "train": { "path": "data/train.csv", "schema": "s.schema.json" } },
              "model": { "name": "m", "task": "binary", "label": "churned", "trainer": "lbfgs", "split": { "test": 0.25, "key": "id" } }
            }
            """);

        var outcome = BuildDataCheck.Run(Request([Item("holdout", "data/test.csv", 9, role: "test")], pipeline: true), "test");

        // The model's features (every column but the label and the split key) are compared: amount 11.0 is in training.
        var leak = Assert.Single(Problems(outcome), d => d.Code == "MLB2103");
        Assert.Equal(("data/test.csv", 4, MlSeverity.Error), (leak.File, leak.Line, leak.Severity));
        Assert.StartsWith("test row's features amount also in training row data/train.csv(3)", leak.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true, "validation", "", "", "MlBuildDataset 'data/test.csv' has Role=\"validation\"; use \"train\", \"test\"")]
    [InlineData(false, "test", "", "", "Dataset 'test' has Role=\"test\", but no dataset is the training data")]
    [InlineData(true, "train", "", "", "Dataset 'test' has Role=\"train\", but 'train' (from MlBuildDataset 'data/train.csv') is training data too.")]
    [InlineData(true, "test", "", "customer", "Leakage compares column 'customer', which dataset 'test'")]
    [InlineData(true, "", "", ";", "MlBuildDataset 'data/test.csv' has Key=\";\", which names no column.")]
    [InlineData(true, "", "label", "", "MlBuildDataset 'data/test.csv' has Label=\"label\", but MlBuildDataset 'data/train.csv' names label 'churned'.")]
    public void A_mistake_in_an_items_relations_metadata_is_MLB2105_at_the_items_line(bool trainMarked, string role, string label, string key, string message)
    {
        const int line = 8;
        var train = trainMarked ? Item("train", "data/train.csv", 7, role: "train", label: "churned") : Item("train", "data/train.csv", 7);

        var outcome = BuildDataCheck.Run(Request([train, Item("test", "data/test.csv", 8, role: role, label: label, key: key)]), "test");

        var d = Assert.Single(Problems(outcome));
        Assert.Equal(("MLB2105", "app.csproj", line, 6), (d.Code, d.File, d.Line, d.Column));
        Assert.Contains(message, d.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Drift_of_an_items_dataset_is_reported_at_the_item_naming_its_data()
    {
        var random = new Random(1);
        var sb = new StringBuilder("id,amount,churned\n");
        for (int i = 1; i <= 2000; i++)
            sb.Append(i).Append(',').Append((10 + random.NextDouble() * 5).ToString("0.000", CultureInfo.InvariantCulture)).Append(",false\n");
        var reference = _dir.Write("data/ref.csv", sb.ToString());
        _dir.WriteBytes("data/train.profile.json", ProfileJson.Write(
            ProfileBuilder.Build("ref", [reference], _dir.Path, SchemaLoader.Load(Path.Combine(_dir.Path, "s.schema.json"), "s.schema.json"))));

        var outcome = BuildDataCheck.Run(Request([Item("train", "data/train.csv", 11, reference: "data/train.profile.json")]), "test");

        var d = Assert.Single(Problems(outcome));
        Assert.Equal(("MLB2020", "app.csproj", 11, 6), (d.Code, d.File, d.Line, d.Column));
        Assert.StartsWith("dataset 'train' (data/train.csv) drifted from its reference profile 'data/train.profile.json' (", d.Message, StringComparison.Ordinal);
    }
}
