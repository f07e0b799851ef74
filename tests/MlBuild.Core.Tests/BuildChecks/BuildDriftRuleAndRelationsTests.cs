using System.Globalization;
using System.Text;
using MlBuild.Core.Data.BuildChecks;
using MlBuild.Core.Data.Profiling;
using MlBuild.Core.Data.Schema;
using MlBuild.Core.Diagnostics;
using MlBuild.Core.Reports;

namespace MlBuild.Core.Tests.BuildChecks;

/// <summary>The build's data checks with mlbuild.json's drift rule (top level and per dataset) and the relations check.</summary>
public sealed class BuildDriftRuleAndRelationsTests : IDisposable
{
    const string Schema = """{ "schemaVersion": 1, "columns": [ { "name": "id", "type": "integer" }, { "name": "amount", "type": "float", "min": 0 }, { "name": "churned", "type": "boolean" } ] }""";

    readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>Rows id,amount,churned with amounts from a seeded generator, scaled by <paramref name="scale"/>.</summary>
    string Csv(string name, int rows, double scale, int seed, int firstId = 1)
    {
        var random = new Random(seed);
        var sb = new StringBuilder("id,amount,churned\n");
        for (int i = firstId; i < firstId + rows; i++)
            sb.Append(i).Append(',').Append((scale * (10 + random.NextDouble() * 5)).ToString("0.000", CultureInfo.InvariantCulture))
                .Append(',').Append(i % 3 == 0 ? "true" : "false").Append('\n');
        return _dir.Write(name, sb.ToString());
    }

    EngineRequest Request(bool checkRelations = true) =>
        new(_dir.Path, [], Path.Combine(_dir.Path, "obj"))
        {
            PipelineFile = Path.Combine(_dir.Path, "mlbuild.json"),
            CheckRelations = checkRelations,
        };

    /// <summary>A reference profile of 2000 rows and current data of 2000 rows whose amounts are 1.5 times as large.</summary>
    void DriftedData()
    {
        _dir.Write("s.schema.json", Schema);
        var train = Csv("data/train.csv", 2000, 1, 1);
        var profile = ProfileBuilder.Build("train", [train], _dir.Path, SchemaLoader.Load(Path.Combine(_dir.Path, "s.schema.json"), "s.schema.json"));
        _dir.WriteBytes("data/train.profile.json", ProfileJson.Write(profile));
        Csv("data/current.csv", 2000, 1.5, 2);
    }

    /// <summary>mlbuild.json with one dataset "current" (its own members after <c>reference</c>) and the given root members.</summary>
    void Pipeline(string datasetMembers, string rootMembers) => _dir.Write("mlbuild.json",
        "{\n"
        + "  \"datasets\": {\n"
        + "    \"current\": { \"path\": \"data/current.csv\", \"schema\": \"s.schema.json\", \"reference\": \"data/train.profile.json\"" + datasetMembers + " }\n"
        + "  }" + rootMembers + "\n"
        + "}\n");

    static List<MlDiagnostic> Problems(BuildCheckOutcome outcome) => outcome.Diagnostics.Where(d => d.Severity != MlSeverity.Info).ToList();

    [Fact]
    public void The_drift_section_sets_the_rule_and_a_dataset_section_replaces_its_members()
    {
        DriftedData();
        // Default rule: the 1.5x amounts drift.
        Pipeline("", "");
        Assert.Equal("MLB2020", Assert.Single(Problems(BuildDataCheck.Run(Request(), "test"))).Code);

        // A threshold of the whole file (the main effect's, and the PSI's) lets the amounts move that far.
        const string Tolerant = ",\n  \"drift\": { \"thresholds\": { \"amount\": 100 }, \"psi\": 100, \"ignore\": [\"id\"] }";
        Pipeline("", Tolerant);
        var tolerant = BuildDataCheck.Run(Request(), "test");
        Assert.Empty(Problems(tolerant));
        Assert.Contains(tolerant.Messages, m => m.StartsWith("data/current.csv: no drift from data/train.profile.json (0 of 2 columns drifted)", StringComparison.Ordinal));

        // The dataset's own thresholds replace the file's (its ignore stays): the amounts drift again.
        Pipeline(", \"drift\": { \"thresholds\": { \"amount\": 0.05 } }", Tolerant);
        var strict = Assert.Single(Problems(BuildDataCheck.Run(Request(), "test")));
        Assert.Equal(("MLB2020", "mlbuild.json", 3, 86), (strict.Code, strict.File, strict.Line, strict.Column));
        Assert.StartsWith("dataset 'current' (data/current.csv) drifted", strict.Message, StringComparison.Ordinal);
        Assert.Contains("(1 of 2 columns, 2000 rows against 2000)", strict.Message, StringComparison.Ordinal);

        // A share rule the one drifted column of three does not reach.
        Pipeline("", ",\n  \"drift\": { \"rule\": { \"share\": 0.5 } }");
        Assert.Empty(Problems(BuildDataCheck.Run(Request(), "test")));
        Pipeline("", ",\n  \"drift\": { \"rule\": \"columns:id,churned\" }");
        Assert.Empty(Problems(BuildDataCheck.Run(Request(), "test")));
        Pipeline("", ",\n  \"drift\": { \"rule\": \"columns:amount\" }");
        Assert.Equal("MLB2020", Assert.Single(Problems(BuildDataCheck.Run(Request(), "test"))).Code);
    }

    [Theory]
    [InlineData(",\n  \"drift\": { \"rule\": \"most\" }", 5, 22, "'drift.rule' is \"most\"")]
    [InlineData(",\n  \"drift\": { \"alpha\": 2 }", 5, 23, "'drift.alpha' must be between 0 and 1")]
    [InlineData(",\n  \"drift\": { \"treshold\": 1 }", 5, 14, "Unknown property 'treshold' in 'drift'")]
    [InlineData(",\n  \"drift\": { \"thresholds\": { \"amonut\": 1 } }", 5, 30, "names column 'amonut', which the reference profile 'data/train.profile.json' does not have")]
    public void A_mistake_in_the_drift_section_is_MLB2009_at_its_line_and_column(string rootMembers, int line, int column, string message)
    {
        DriftedData();
        Pipeline("", rootMembers);
        var d = Assert.Single(Problems(BuildDataCheck.Run(Request(), "test")));
        Assert.Equal(("MLB2009", "mlbuild.json", line, column, MlSeverity.Error), (d.Code, d.File, d.Line, d.Column, d.Severity));
        Assert.Contains(message, d.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_mistake_in_a_datasets_drift_section_is_reported_even_without_a_reference()
    {
        _dir.Write("s.schema.json", Schema);
        Csv("data/current.csv", 20, 1, 2);
        _dir.Write("mlbuild.json", "{\n  \"datasets\": {\n    \"current\": { \"path\": \"data/current.csv\", \"schema\": \"s.schema.json\", \"drift\": { \"psi\": -1 } }\n  }\n}\n");
        var d = Assert.Single(Problems(BuildDataCheck.Run(Request(), "test")));
        Assert.Equal(("MLB2009", "mlbuild.json", 3, 91), (d.Code, d.File, d.Line, d.Column));
        Assert.Contains("'datasets.current.drift.psi' must be a positive number", d.Message, StringComparison.Ordinal);
    }

    /// <summary>A train and a test dataset; test row 3 (line 4) copies training id 2; training line 6 repeats line 2.</summary>
    void TrainAndTest(string relations)
    {
        _dir.Write("s.schema.json", Schema);
        _dir.Write("data/train.csv", "id,amount,churned\n1,10.5,false\n2,11.0,true\n3,12.5,false\n4,13.0,true\n1,10.50,false\n");
        _dir.Write("data/test.csv", "id,amount,churned\n11,20.5,false\n12,21.0,true\n2,11.0,true\n");
        _dir.Write("mlbuild.json",
            "{\n"
            + "  \"datasets\": {\n"
            + "    \"train\": { \"path\": \"data/train.csv\", \"schema\": \"s.schema.json\" },\n"
            + "    \"test\": { \"path\": \"data/test.csv\", \"schema\": \"s.schema.json\" }\n"
            + "  },\n"
            + "  \"model\": { \"name\": \"m\", \"task\": \"binary\", \"label\": \"churned\", \"trainer\": \"lbfgs\", \"split\": { \"testDataset\": \"test\", \"key\": \"id\" } }"
            + relations + "\n"
            + "}\n");
    }

    [Fact]
    public void Two_datasets_are_checked_for_duplicates_and_leakage_at_the_example_rows_with_the_sections_levels()
    {
        TrainAndTest("");
        var outcome = BuildDataCheck.Run(Request(), "test");
        var found = Problems(outcome);
        Assert.Equal(
            [("MLB2101", "data/train.csv", 6, MlSeverity.Warning), ("MLB2103", "data/test.csv", 4, MlSeverity.Error)],
            found.Select(d => (d.Code, d.File!, d.Line, d.Severity)));
        Assert.Contains("repeats data/train.csv(2)", found[0].Message, StringComparison.Ordinal);
        Assert.Contains(outcome.Messages, m => m.StartsWith("relations of test: fail: 3 rows in data/test.csv; 1 of 3 test rows", StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(_dir.Path, "obj", "data-relations.json")));

        // The relations section changes the levels.
        TrainAndTest(",\n  \"relations\": { \"duplicates\": \"error\", \"leakage\": \"warning\" }");
        Assert.Equal(
            [("MLB2101", MlSeverity.Error), ("MLB2103", MlSeverity.Warning)],
            Problems(BuildDataCheck.Run(Request(), "test")).Select(d => (d.Code, d.Severity)));

        // A mistake in it is MLB2105 at its value.
        TrainAndTest(",\n  \"relations\": { \"leakage\": \"fatal\" }");
        var bad = Assert.Single(Problems(BuildDataCheck.Run(Request(), "test")));
        Assert.Equal(("MLB2105", "mlbuild.json", 7, 29), (bad.Code, bad.File, bad.Line, bad.Column));

        // Turned off (MlBuildCheckRelations=false): only validation.
        TrainAndTest("");
        var off = BuildDataCheck.Run(Request(checkRelations: false), "test");
        Assert.Empty(Problems(off));
        Assert.DoesNotContain(off.Messages, m => m.StartsWith("relations", StringComparison.Ordinal));
    }

    [Fact]
    public void One_dataset_without_a_relations_section_is_not_checked_and_with_one_it_is()
    {
        _dir.Write("s.schema.json", Schema);
        _dir.Write("data/train.csv", "id,amount,churned\n1,10.5,false\n2,11.0,true\n1,10.5,false\n");
        const string Dataset = "{\n  \"datasets\": { \"train\": { \"path\": \"data/train.csv\", \"schema\": \"s.schema.json\" } }";
        _dir.Write("mlbuild.json", Dataset + "\n}\n");
        Assert.Empty(BuildDataCheck.Run(Request(), "test").Diagnostics);

        _dir.Write("mlbuild.json", Dataset + ",\n  \"relations\": { }\n}\n");
        var d = Assert.Single(Problems(BuildDataCheck.Run(Request(), "test")));
        Assert.Equal(("MLB2101", "data/train.csv", 4, MlSeverity.Warning), (d.Code, d.File, d.Line, d.Severity));
    }

    [Fact]
    public void Relations_are_not_checked_when_a_dataset_is_unreadable()
    {
        TrainAndTest("");
        File.Delete(Path.Combine(_dir.Path, "data/test.csv"));
        var outcome = BuildDataCheck.Run(Request(), "test");
        Assert.DoesNotContain(outcome.Diagnostics, d => d.Code is "MLB2101" or "MLB2103");
        Assert.Contains("relations not checked: dataset 'test' was not read (see the errors above).", outcome.Messages);
    }
}
