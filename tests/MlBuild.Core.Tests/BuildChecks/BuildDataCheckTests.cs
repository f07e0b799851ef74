using System.Globalization;
using System.Text;
using MlBuild.Core.Data.BuildChecks;
using MlBuild.Core.Data.Lock;
using MlBuild.Core.Data.Profiling;
using MlBuild.Core.Data.Schema;
using MlBuild.Core.Diagnostics;
using MlBuild.Core.Pipeline;
using MlBuild.Core.Reports;

namespace MlBuild.Core.Tests.BuildChecks;

/// <summary>The engine side of the build's data checks: mlbuild.json joined with the items, drift, the lock.</summary>
public sealed class BuildDataCheckTests : IDisposable
{
    const string Schema = """{ "schemaVersion": 1, "columns": [ { "name": "id", "type": "integer", "unique": true }, { "name": "amount", "type": "float", "min": 0 } ] }""";

    readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>Rows id,amount with amounts from a seeded generator, scaled by <paramref name="scale"/>.</summary>
    string Csv(string name, int rows, double scale, int seed)
    {
        var random = new Random(seed);
        var sb = new StringBuilder("id,amount\n");
        for (int i = 1; i <= rows; i++)
            sb.Append(i).Append(',').Append((scale * (10 + random.NextDouble() * 5)).ToString("0.000", CultureInfo.InvariantCulture)).Append('\n');
        return _dir.Write(name, sb.ToString());
    }

    string Pipeline(string datasets) => _dir.Write("mlbuild.json", "// data\n{\n  \"datasets\": {\n    " + datasets + "\n  }\n}\n");

    EngineRequest Request(IReadOnlyList<EngineRequestDataset> items, bool pipeline = true, bool lockedMode = false) =>
        new(_dir.Path, items, Path.Combine(_dir.Path, "obj"))
        {
            PipelineFile = pipeline ? Path.Combine(_dir.Path, "mlbuild.json") : null,
            LockFile = Path.Combine(_dir.Path, DataLock.DefaultFileName),
            LockedMode = lockedMode,
        };

    [Fact]
    public void An_item_naming_a_file_of_mlbuild_json_is_that_dataset_and_another_schema_is_MLB9030_at_its_line()
    {
        _dir.Write("s.schema.json", Schema);
        _dir.Write("other.schema.json", Schema);
        Csv("data/a.csv", 10, 1, 1);
        var pipeline = PipelineLoader.Parse(Encoding.UTF8.GetBytes(
            "{\n  \"datasets\": {\n    \"train\": { \"path\": \"data/*.csv\", \"schema\": \"s.schema.json\", \"reference\": \"r.json\" }\n  }\n}\n"), "mlbuild.json", _dir.Path);

        var diagnostics = new List<MlDiagnostic>();
        var same = DeclaredDatasets.Join([new DeclaredDataset("a", ["data/a.csv"], "s.schema.json")], pipeline, _dir.Path, diagnostics);
        Assert.Empty(diagnostics);
        var joined = Assert.Single(same);
        Assert.Equal(("train", "s.schema.json", "r.json"), (joined.Name, joined.Schema, joined.Reference));

        var conflict = DeclaredDatasets.Join([new DeclaredDataset("a", ["data/a.csv"], "other.schema.json")], pipeline, _dir.Path, diagnostics);
        var d = Assert.Single(diagnostics);
        Assert.Equal(("MLB9030", "mlbuild.json", 3), (d.Code, d.File, d.Line));
        Assert.Equal("a", Assert.Single(conflict).Name); // the item is still validated
    }

    [Fact]
    public void A_dataset_of_mlbuild_json_with_a_reference_is_validated_checked_for_drift_and_reported()
    {
        _dir.Write("s.schema.json", Schema);
        var train = Csv("data/train.csv", 2000, 1, 1);
        var profile = ProfileBuilder.Build("train", [train], _dir.Path, SchemaLoader.Load(Path.Combine(_dir.Path, "s.schema.json"), "s.schema.json"));
        _dir.WriteBytes("data/train.profile.json", ProfileJson.Write(profile));
        Csv("data/current-1.csv", 2000, 1.5, 2);
        Pipeline("\"current\": { \"path\": \"data/current-*.csv\", \"schema\": \"s.schema.json\", \"reference\": \"data/train.profile.json\" }");

        var outcome = BuildDataCheck.Run(Request([]), "test");

        var d = Assert.Single(outcome.Diagnostics, x => x.Severity == MlSeverity.Error);
        // At the dataset's "reference" in mlbuild.json (line 4), naming the data it judged.
        Assert.Equal(("MLB2020", "mlbuild.json", 4, 88), (d.Code, d.File, d.Line, d.Column));
        Assert.StartsWith("dataset 'current' (data/current-*.csv) drifted from its reference profile 'data/train.profile.json' (", d.Message, StringComparison.Ordinal);
        Assert.Contains("column 'amount' drifted: wasserstein ", d.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("'id'", d.Message, StringComparison.Ordinal);
        Assert.EndsWith("Report: obj/drift-current.html", d.Message, StringComparison.Ordinal);
        Assert.Contains("amount", File.ReadAllText(Path.Combine(_dir.Path, "obj", "drift-current.html")), StringComparison.Ordinal);
        // What the build must watch: the glob as a glob (a new matching file reruns the checks), the schema, the reference, mlbuild.json.
        var root = _dir.Path.Replace('\\', '/');
        Assert.Equal([$"{root}/data/current-*.csv", $"{root}/data/train.profile.json", $"{root}/mlbuild.json", $"{root}/s.schema.json"], outcome.Inputs);

        // The same data as the reference does not drift.
        Pipeline("\"current\": { \"path\": \"data/train.csv\", \"schema\": \"s.schema.json\", \"reference\": \"data/train.profile.json\" }");
        Assert.DoesNotContain(BuildDataCheck.Run(Request([]), "test").Diagnostics, x => x.Severity != MlSeverity.Info);
    }

    [Fact]
    public void A_dataset_that_fails_its_checks_and_drifted_gets_both_from_one_pass_validation_first()
    {
        // The build validates and profiles a dataset with a reference in one pass: its check failures and its drift
        // both come out, in the order of two passes (validation, then drift), and a broken reference after validation.
        _dir.Write("s.schema.json", Schema);
        var train = Csv("data/train.csv", 2000, 1, 1);
        var schema = SchemaLoader.Load(Path.Combine(_dir.Path, "s.schema.json"), "s.schema.json");
        _dir.WriteBytes("data/train.profile.json", ProfileJson.Write(ProfileBuilder.Build("train", [train], _dir.Path, schema)));
        var current = Csv("data/current.csv", 2000, 1.5, 2);
        File.AppendAllText(current, "2001,-4.5\n2001,3.25\n"); // below the minimum, and a repeated id
        Pipeline("\"current\": { \"path\": \"data/current.csv\", \"schema\": \"s.schema.json\", \"reference\": \"data/train.profile.json\" }");

        var outcome = BuildDataCheck.Run(Request([]), "test");
        var errors = outcome.Diagnostics.Where(x => x.Severity == MlSeverity.Error).ToList();
        var validated = Data.Validation.DatasetValidator.Validate(new Data.Validation.DatasetRequest("current", ["data/current.csv"], schema, _dir.Path));
        var validationErrors = Data.Validation.ValidationDiagnostics.From(validated, 10, "obj/data-report.json").Where(x => x.Severity == MlSeverity.Error).ToList();
        Assert.Equal(2, validationErrors.Count); // the minimum and the unique id
        Assert.Equal(validationErrors.Select(x => x.ToCanonicalString()).Append("MLB2020"), errors.Select(x => x.Code == "MLB2020" ? x.Code : x.ToCanonicalString()));
        Assert.Contains("column 'amount' drifted: wasserstein ", errors[^1].Message, StringComparison.Ordinal);

        _dir.Write("data/train.profile.json", "{ \"format\": \"mlbuild-profile\", \"formatVersion\": 1, \"rows\": ");
        var broken = BuildDataCheck.Run(Request([]), "test").Diagnostics.Where(x => x.Severity == MlSeverity.Error).ToList();
        Assert.Equal(validationErrors.Select(x => x.ToCanonicalString()).Append("MLB2005"), broken.Select(x => x.Code == "MLB2005" ? x.Code : x.ToCanonicalString()));
    }

    [Fact]
    public void The_lock_is_checked_as_errors_in_locked_mode_and_as_warnings_otherwise()
    {
        _dir.Write("s.schema.json", Schema);
        var train = Csv("data/train.csv", 50, 1, 1);
        var items = new[] { new EngineRequestDataset("train", ["data/train.csv"], "s.schema.json") };

        var missing = BuildDataCheck.Run(Request(items, pipeline: false, lockedMode: true), "test");
        Assert.Equal(("MLB1300", "mlbuild.lock.json"), (Assert.Single(missing.Diagnostics).Code, missing.Diagnostics[0].File));
        Assert.Empty(BuildDataCheck.Run(Request(items, pipeline: false), "test").Diagnostics);

        _dir.WriteBytes(DataLock.DefaultFileName, DataLock.Write([new LockedDataset("train",
            new Dictionary<string, LockedFile> { ["data/train.csv"] = DataLock.Hash(train), ["data/gone.csv"] = DataLock.Hash(train) })]));
        var gone = Assert.Single(BuildDataCheck.Run(Request(items, pipeline: false, lockedMode: true), "test").Diagnostics);
        Assert.Equal(("MLB1303", MlSeverity.Error), (gone.Code, gone.Severity));
        Assert.Contains("'data/gone.csv'", gone.Message, StringComparison.Ordinal);

        _dir.WriteBytes(DataLock.DefaultFileName, DataLock.Write([new LockedDataset("train", new Dictionary<string, LockedFile> { ["data/train.csv"] = DataLock.Hash(train) })]));
        Assert.Empty(BuildDataCheck.Run(Request(items, pipeline: false, lockedMode: true), "test").Diagnostics);

        File.AppendAllText(train, "51,12.5\n");
        var changed = Assert.Single(BuildDataCheck.Run(Request(items, pipeline: false, lockedMode: true), "test").Diagnostics);
        Assert.Equal(("MLB1302", "data/train.csv", MlSeverity.Error), (changed.Code, changed.File, changed.Severity));
        var warned = Assert.Single(BuildDataCheck.Run(Request(items, pipeline: false), "test").Diagnostics);
        Assert.Equal(("MLB1302", MlSeverity.Warning), (warned.Code, warned.Severity));
    }
}
