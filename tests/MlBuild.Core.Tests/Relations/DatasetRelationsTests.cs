using System.Globalization;
using System.Text;
using MlBuild.Core.Data.Relations;
using MlBuild.Core.Data.Schema;
using MlBuild.Core.Data.Validation;
using MlBuild.Core.Diagnostics;
using MlBuild.Core.Models.Training;
using MlBuild.Core.Pipeline;
using MlBuild.Core.Reports;
using MlBuild.Core.Tests.Parquet;
using Parquet.Schema;

namespace MlBuild.Core.Tests.Relations;

public sealed class DatasetRelationsTests : IDisposable
{
    readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    const string SchemaJson = """
        {"schemaVersion": 1, "columns": [
          {"name": "id", "type": "integer"}, {"name": "x", "type": "float"},
          {"name": "c", "type": "category"}, {"name": "y", "type": "integer"}]}
        """;

    static DatasetSchema Schema(string json = SchemaJson) => SchemaLoader.Parse(Encoding.UTF8.GetBytes(json), "schema.json");

    RelationsDataset Dataset(string name, DatasetRole role, params string[] files) =>
        new(new DatasetRequest(name, files, Schema(), _dir.Path), role);

    static RelationFinding Find(RelationsResult r, string dataset, RelationKind kind) =>
        r.Findings.Single(f => f.Dataset == dataset && f.Kind == kind);

    [Fact]
    public void Duplicates_across_files_compare_decoded_values_and_point_at_both_rows()
    {
        // "1.0" and "1" are one float value; line 3 of b.csv repeats line 2 of a.csv, line 4 of b.csv repeats a.csv's line 2 again.
        _dir.Write("a.csv", "id,x,c,y\n1,1.0,red,0\n2,2.5,blue,1\n3,-0.0,red,1\n");
        _dir.Write("b.csv", "id,x,c,y\n4,7,red,0\n1,1,red,0\n1,1.00,red,0\n3,0,red,1\n5,2.5,Blue,1\n");

        var r = DatasetRelations.Check([Dataset("train", DatasetRole.Other, "a.csv", "b.csv")], new RelationsSpec());

        var dup = Find(r, "train", RelationKind.Duplicates);
        Assert.Equal(8, dup.Rows);
        Assert.Equal(3, dup.Count);   // b.csv lines 3, 4 (of a.csv(2)) and 5 (-0.0 == 0, of a.csv(4)); 'Blue' is not 'blue'
        Assert.Equal(2, dup.Groups);
        Assert.Equal(3.0 / 8, dup.Share);
        Assert.Equal(["b.csv(3) of a.csv(2)", "b.csv(4) of a.csv(2)", "b.csv(5) of a.csv(4)"], dup.Examples.Select(e => $"{e.At} of {e.Other}"));
        Assert.Equal(Verdict.Warn, r.Verdict);
        var diagnostics = RelationsReport.Diagnostics(r).ToList();
        Assert.Equal("b.csv(3): warning MLB2101: row repeats a.csv(2) in every column; dataset 'train': 3 duplicate rows (37.5 % of 8) in 2 groups.",
            diagnostics[0].ToCanonicalString());
        Assert.Equal(3, diagnostics.Count(d => d.Code == "MLB2101"));
    }

    [Fact]
    public void A_Parquet_row_that_repeats_a_CSV_row_is_a_duplicate_located_by_row()
    {
        _dir.Write("a.csv", "id,x,c,y\n1,1.5,red,0\n2,2,blue,1\n");
        // Row 1 of the Parquet file (0-based) holds 2, 2.0, "blue", 1: the CSV's line 3, with x a double.
        ParquetTestFiles.Write(Path.Combine(_dir.Path, "b.parquet"),
            new TestColumn(new DataField<long>("id"), new long[] { 9, 2, 10 }),
            new TestColumn(new DataField<double>("x"), new double[] { 1.5, 2.0, 3 }),
            new TestColumn(new DataField<string>("c"), new string?[] { "red", "blue", "red" }),
            new TestColumn(new DataField<long>("y"), new long[] { 0, 1, 0 }));

        var r = DatasetRelations.Check([Dataset("all", DatasetRole.Other, "a.csv", "b.parquet")], new RelationsSpec { Label = "y", Features = ["x", "c"] });

        var dup = Find(r, "all", RelationKind.Duplicates);
        Assert.Equal(1, dup.Count);
        var e = Assert.Single(dup.Examples);
        Assert.Equal(new RowLocation("b.parquet", 0, 0, 1), e.At);
        Assert.Equal("a.csv(3)", e.Other.ToString());
        // x 1.5, c red: the CSV's line 2 with y 0 and Parquet row 0 with y 0 agree; no conflict.
        Assert.Equal(0, Find(r, "all", RelationKind.ConflictingLabels).Count);
        Assert.Contains(RelationsReport.Diagnostics(r), d => d.ToCanonicalString() == "b.parquet: warning MLB2101: row 1: row repeats a.csv(3) in every column; dataset 'all': 1 duplicate row (20 % of 5) in 1 group.");
    }

    [Fact]
    public void Conflicting_labels_count_every_row_of_a_conflicting_group_and_ignore_missing_labels()
    {
        _dir.Write("t.csv", "id,x,c,y\n1,1,red,0\n2,1,red,0\n3,1,red,1\n4,2,red,1\n5,2,red,\n6,3,blue,0\n7,3,blue,1\n");

        var r = DatasetRelations.Check([Dataset("t", DatasetRole.Other, "t.csv")], new RelationsSpec { Label = "y", Features = ["x", "c"] });

        var c = Find(r, "t", RelationKind.ConflictingLabels);
        Assert.Equal(5, c.Count);  // the three rows of (1, red) and the two of (3, blue); (2, red) has one label and a missing one
        Assert.Equal(2, c.Groups);
        Assert.Equal(["t.csv(4) vs t.csv(2)", "t.csv(8) vs t.csv(7)"], c.Examples.Select(e => $"{e.At} vs {e.Other}"));
        Assert.Equal("features x, c", c.ComparedBy);
        Assert.Equal(0, Find(r, "t", RelationKind.Duplicates).Count);
        // Without the label's name the check cannot run, and says so.
        var none = DatasetRelations.Check([Dataset("t", DatasetRole.Other, "t.csv")], new RelationsSpec());
        var skipped = Find(none, "t", RelationKind.ConflictingLabels);
        Assert.False(skipped.Checked);
        Assert.Contains(RelationsReport.Diagnostics(none), d => d.Code == "MLB2104" && d.Severity == MlSeverity.Info);
    }

    [Fact]
    public void Leakage_finds_test_rows_whose_features_occur_in_the_training_data()
    {
        _dir.Write("train.csv", "id,x,c,y\n1,1,red,0\n2,2,blue,1\n3,3,red,0\n");
        // Test line 2 has train line 3's features (other id and label), line 4 has train line 2's, line 5 too.
        _dir.Write("test.csv", "id,x,c,y\n10,2.0,blue,0\n11,9,red,0\n12,1,red,1\n13,1,red,1\n");

        var r = DatasetRelations.Check(
            [Dataset("train", DatasetRole.Train, "train.csv"), Dataset("test", DatasetRole.Test, "test.csv")],
            new RelationsSpec { Label = "y", Features = ["x", "c"] });

        var leak = Find(r, "test", RelationKind.Leakage);
        Assert.Equal("train", leak.Against);
        Assert.Equal(4, leak.Rows);
        Assert.Equal(3, leak.Count);
        Assert.Equal(2, leak.Groups);
        Assert.Equal(["test.csv(2) in train.csv(3)", "test.csv(4) in train.csv(2)"], leak.Examples.Select(e => $"{e.At} in {e.Other}"));
        Assert.Equal(Verdict.Fail, r.Verdict);
        Assert.Equal(ExitCodes.ChecksFailed, RelationsReport.Document(r, "1.0").ExitCode);
        var d = RelationsReport.Diagnostics(r).First(x => x.Code == "MLB2103");
        Assert.Equal(MlSeverity.Error, d.Severity);
        Assert.Equal(("test.csv", 2), (d.File, d.Line));
    }

    [Fact]
    public void Leakage_by_declared_key_ignores_missing_keys_and_matches_an_integer_key_with_a_float_one()
    {
        _dir.Write("train.csv", "id,x,c,y\n1,1,red,0\n2,2,blue,1\n,3,red,0\n");
        // The test schema reads id as a float: 2.0 is the training id 2. An empty id identifies nothing.
        _dir.Write("test.csv", "id,x,c,y\n2.0,5,red,0\n,3,red,0\n7,1,red,0\n");
        var testSchema = Schema(SchemaJson.Replace("{\"name\": \"id\", \"type\": \"integer\"}", "{\"name\": \"id\", \"type\": \"float\"}"));
        var datasets = new[]
        {
            Dataset("train", DatasetRole.Train, "train.csv"),
            new RelationsDataset(new DatasetRequest("test", ["test.csv"], testSchema, _dir.Path), DatasetRole.Test),
        };

        var r = DatasetRelations.Check(datasets, new RelationsSpec { Label = "y", Key = ["id"] });

        var leak = Find(r, "test", RelationKind.Leakage);
        Assert.Equal(1, leak.Count);
        Assert.Equal("key id", leak.ComparedBy);
        Assert.Equal("test.csv(2) in train.csv(3)", $"{leak.Examples[0].At} in {leak.Examples[0].Other}");
        // Leakage can be a warning: then the run passes with a warning.
        var warned = DatasetRelations.Check(datasets, new RelationsSpec { Label = "y", Key = ["id"] },
            new RelationsOptions { Policy = new RelationsPolicy { Leakage = RelationLevel.Warning } });
        Assert.Equal(Verdict.Warn, warned.Verdict);
    }

    [Fact]
    public void Leakage_from_a_Parquet_training_file_names_the_training_row()
    {
        ParquetTestFiles.Write(Path.Combine(_dir.Path, "train.parquet"),
            new TestColumn(new DataField<long>("id"), new long[] { 1, 2 }, new long[] { 3, 4 }),
            new TestColumn(new DataField<double>("x"), new double[] { 0.5, 1 }, new double[] { 2, 3 }),
            new TestColumn(new DataField<string>("c"), new string?[] { "red", "red" }, new string?[] { "blue", "red" }),
            new TestColumn(new DataField<long>("y"), new long[] { 0, 1 }, new long[] { 0, 1 }));
        // Test line 3 has the features of training row 2 (row group 1): x 2 and c blue.
        _dir.Write("test.csv", "id,x,c,y\n7,0.25,red,0\n8,2,blue,1\n");

        var r = DatasetRelations.Check(
            [Dataset("train", DatasetRole.Train, "train.parquet"), Dataset("test", DatasetRole.Test, "test.csv")],
            new RelationsSpec { Label = "y", Features = ["x", "c"] });

        var leak = Find(r, "test", RelationKind.Leakage);
        Assert.Equal(1, leak.Count);
        Assert.Equal(new RowLocation("train.parquet", 0, 1, 2), leak.Examples[0].Other);
        Assert.Equal("test.csv(3): error MLB2103: test row's features x, c also in training row train.parquet row 2; dataset 'test': 1 of 2 test rows (50 %) share 1 value combination with 'train'.",
            RelationsReport.Diagnostics(r).Single().ToCanonicalString());
    }

    [Fact]
    public void Clean_data_passes_with_no_findings()
    {
        _dir.Write("train.csv", "id,x,c,y\n1,1,red,0\n2,2,blue,1\n3,1,red,1\n");
        _dir.Write("test.csv", "id,x,c,y\n4,4,red,0\n5,2,red,1\n");

        var r = DatasetRelations.Check(
            [Dataset("train", DatasetRole.Train, "train.csv"), Dataset("test", DatasetRole.Test, "test.csv")],
            new RelationsSpec { Label = "y" });

        Assert.All(r.Findings, f => Assert.Equal(0, f.Count));
        Assert.Equal(Verdict.Pass, r.Verdict);
        Assert.Empty(RelationsReport.Diagnostics(r));
        Assert.Equal(5, r.Findings.Count); // duplicates and conflicting labels of both, leakage of the test data
    }

    [Fact]
    public void A_split_within_one_dataset_flags_feature_values_on_both_sides_as_training_splits_them()
    {
        // 400 distinct feature values, each written on two rows: the split by row number sends some pairs to both sides.
        var sb = new StringBuilder("id,x,c,y\n");
        for (int i = 0; i < 800; i++) sb.Append(CultureInfo.InvariantCulture, $"{i},{i % 400},red,{i % 2}\n");
        _dir.Write("d.csv", sb.ToString());
        var spec = new RelationsSpec { Label = "y", Features = ["x", "c"], Split = new SplitWithinDataset(null, 7, 0.25) };

        var r = DatasetRelations.Check([Dataset("d", DatasetRole.Train, "d.csv")], spec);

        // What training does: TrainingTable's key hashes and RowSplitter's sides.
        var table = TrainingTable.Load(new DatasetRequest("d", ["d.csv"], Schema(), _dir.Path), ["x"], null);
        var (_, testRows) = RowSplitter.Split(table.KeyHashes.AsSpan(0, table.RowCount), 7, 0.25);
        var testSet = testRows.ToHashSet();
        int leakedPairs = Enumerable.Range(0, 400).Count(v => testSet.Contains(v) != testSet.Contains(v + 400));
        var leak = Find(r, "d", RelationKind.Leakage);
        Assert.Equal(testRows.Length, leak.Rows);
        Assert.Equal(leakedPairs, leak.Groups);
        Assert.Equal(leakedPairs, leak.Count);
        Assert.True(leakedPairs > 0);
        Assert.Null(leak.Against);
    }

    [Fact]
    public void A_split_by_the_key_that_leakage_compares_cannot_leak_by_construction()
    {
        _dir.Write("d.csv", "id,x,c,y\n1,1,red,0\n1,2,red,1\n");
        var r = DatasetRelations.Check([Dataset("d", DatasetRole.Train, "d.csv")],
            new RelationsSpec { Label = "y", Key = ["id"], Split = new SplitWithinDataset("id", 42, 0.2) });

        var leak = Find(r, "d", RelationKind.Leakage);
        Assert.False(leak.Checked);
        Assert.Contains("by construction", leak.Note, StringComparison.Ordinal);
        Assert.Equal(Verdict.Pass, leak.Verdict);
    }

    [Fact]
    public void The_JSON_report_is_byte_identical_on_one_and_several_threads()
    {
        // Over 1 MB per file: several chunks, decoded in parallel, merged in order.
        var sb = new StringBuilder("id,x,c,y\n");
        for (int i = 0; i < 60_000; i++)
        {
            int j = i % 50_000;
            sb.Append(CultureInfo.InvariantCulture, $"{j},{j % 997 * 0.5},{(char)('a' + j % 7)},{j % 3 % 2}\n");
        }
        _dir.Write("train.csv", sb.ToString());
        _dir.Write("test.csv", sb.ToString()[..200_000]);
        var datasets = new[] { Dataset("train", DatasetRole.Train, "train.csv"), Dataset("test", DatasetRole.Test, "test.csv") };
        var spec = new RelationsSpec { Label = "y", Features = ["x", "c"] };

        byte[] Json(int threads) => ReportWriters.Json(RelationsReport.Document(
            DatasetRelations.Check(datasets, spec, new RelationsOptions { MaxParallelism = threads }), "1.0"));

        var one = Json(1);
        Assert.Equal(one, Json(4));
        var r = DatasetRelations.Check(datasets, spec, new RelationsOptions { MaxParallelism = 3 });
        Assert.Equal(10_000, Find(r, "train", RelationKind.Duplicates).Count);   // ids 0..9,999 come back with the same x, c and y
        Assert.Equal(5, Find(r, "train", RelationKind.Duplicates).Examples.Count);
    }

    [Fact]
    public void A_pipeline_file_declares_the_datasets_the_label_and_the_relations_policy()
    {
        _dir.Write("schema.json", SchemaJson);
        _dir.Write("train.csv", "id,x,c,y\n1,1,red,0\n2,2,blue,1\n2,2,blue,1\n");
        _dir.Write("test.csv", "id,x,c,y\n2,8,red,0\n");
        _dir.Write("mlbuild.json", """
            {
              "datasets": {
                "train": { "path": "train.csv", "schema": "schema.json" },
                "test": { "path": "test.csv", "schema": "schema.json" }
              },
              "model": { "name": "m", "task": "binary", "label": "y", "trainer": "lbfgs", "split": { "testDataset": "test" } },
              "relations": { "key": "id", "duplicates": "error", "leakage": "warning" }
            }
            """);
        var pipeline = PipelineLoader.Load(Path.Combine(_dir.Path, "mlbuild.json"), "mlbuild.json");

        var r = PipelineRelations.Check(pipeline);

        Assert.Equal(Verdict.Fail, Find(r, "train", RelationKind.Duplicates).Verdict);
        Assert.Equal(Verdict.Warn, Find(r, "test", RelationKind.Leakage).Verdict);
        Assert.Equal("key id", Find(r, "test", RelationKind.Leakage).ComparedBy);
        Assert.Equal("features id, x, c", Find(r, "train", RelationKind.ConflictingLabels).ComparedBy);
    }

    [Fact]
    public void A_bad_relations_section_is_MLB2105_at_the_value()
    {
        _dir.Write("schema.json", SchemaJson);
        _dir.Write("train.csv", "id,x,c,y\n1,1,red,0\n");
        _dir.Write("mlbuild.json", "{\n  \"datasets\": { \"train\": { \"path\": \"train.csv\", \"schema\": \"schema.json\" } },\n  \"relations\": { \"leakage\": \"fatal\" }\n}\n");
        var pipeline = PipelineLoader.Load(Path.Combine(_dir.Path, "mlbuild.json"), "mlbuild.json");

        var ex = Assert.Throws<MlBuildException>(() => PipelineRelations.Check(pipeline));
        Assert.Equal("mlbuild.json(3,29): error MLB2105: relations.leakage must be \"error\", \"warning\" or \"off\".", ex.Diagnostic.ToCanonicalString());

        var unknown = Assert.Throws<MlBuildException>(() => DatasetRelations.Check(
            [Dataset("train", DatasetRole.Train, "train.csv"), Dataset("test", DatasetRole.Test, "train.csv")], new RelationsSpec { Key = ["customer"] }));
        Assert.Equal("MLB2105", unknown.Diagnostic.Code);
    }
}
