using System.Text;
using CsCheck;
using MlBuild.Core.Data.Profiling;
using MlBuild.Core.Data.Schema;
using MlBuild.Core.Data.Validation;
using MlBuild.Core.Reports;
using MlBuild.Core.Tests.Parquet;
using global::Parquet.Schema;

namespace MlBuild.Core.Tests.Fuzz;

/// <summary>
/// Issue 12: the CSV reader, the schema loader and the Parquet reader under mutated real files and random input. The
/// property, for every case: no exception escapes but a coded <see cref="MlBuildException"/> with a documented code
/// (never MLB9000), the result's diagnostics are documented too, its reports can be written, and no case runs longer
/// than <see cref="Fuzzing.CaseBound"/>. Fixed seeds and case counts keep CI bounded and repeatable.
/// </summary>
public sealed class ReaderFuzzTests : IDisposable
{
    readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>A schema that asks for every kind of check, so every checker sees the mutated values.</summary>
    const string SchemaJson = """
        {
          // every type and check
          "schemaVersion": 1,
          "columns": [
            {"name": "id", "type": "integer", "unique": true, "nullable": false, "min": 1, "max": 9007199254740992},
            {"name": "score", "type": "float", "min": -1e6, "max": 1e6, "exclusiveMax": true},
            {"name": "plan", "type": "category", "allowed": ["basic", "pro", "team"]},
            {"name": "email", "type": "string", "pattern": "[^@]+@[^@]+", "maxLength": 40, "required": false},
            {"name": "active", "type": "boolean"},
            {"name": "signup", "type": "date", "min": "2000-01-01"},
            {"name": "seen", "type": "datetime", "max": "2030-01-01T00:00:00Z"},
            {"name": "n", "type": "integer", "allowed": ["1", "2", "3"]}
          ],
          "rules": [{"name": "order", "check": "seen >= '2000-01-01T00:00:00Z'"}, {"name": "ids", "check": "n <= id"}],
          "rows": {"min": 1, "max": 1000}
        }
        """;

    static readonly DatasetSchema Schema = SchemaLoader.Parse(Encoding.UTF8.GetBytes(SchemaJson), "fuzz.schema.json");

    static byte[] ValidCsv()
    {
        var sb = new StringBuilder("id,score,plan,email,active,signup,seen,n\n");
        string[] plans = ["basic", "pro", "team"];
        for (int i = 1; i <= 40; i++)
            sb.Append(i).Append(',').Append((i * 1.25 - 7).ToString(System.Globalization.CultureInfo.InvariantCulture)).Append(',')
              .Append(plans[i % 3]).Append(',').Append(i % 7 == 0 ? "\"quoted, \"\"with\"\" comma\nand newline\"" : $"u{i}@example.org").Append(',')
              .Append(i % 2 == 0 ? "true" : "0").Append(',').Append($"2024-01-{1 + i % 28:00}").Append(',')
              .Append(i % 5 == 0 ? $"2024-02-03T04:05:{i % 60:00}.1234567+01:00" : $"2024-02-03 04:05:{i % 60:00}").Append(',').Append(1 + i % 3)
              .Append(i % 9 == 0 ? "\r\n" : "\n");
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    static readonly byte[][] CsvAlphabet =
    [
        "a"u8.ToArray(), "1"u8.ToArray(), "-2.5"u8.ToArray(), "\""u8.ToArray(), ","u8.ToArray(), "\n"u8.ToArray(), "\r\n"u8.ToArray(),
        "\r"u8.ToArray(), "2024-01-01"u8.ToArray(), "1e5"u8.ToArray(), "é"u8.ToArray(), [0xFF], "id,score,plan\n"u8.ToArray(), "\"\""u8.ToArray(),
        "true"u8.ToArray(), "NA"u8.ToArray(), "9223372036854775807"u8.ToArray(), [0xEF, 0xBB, 0xBF], " "u8.ToArray(), ";"u8.ToArray(), [0],
    ];

    static readonly Gen<byte[]> CsvInputs = Gen.Frequency(
        (6, Fuzzing.Mutations.Select(m => Fuzzing.Apply(ValidCsv(), m, CsvAlphabet))),
        (2, Fuzzing.Tokens(CsvAlphabet, 120)),
        (1, Gen.Byte.Array[0, 400]));

    /// <summary>Validates the file and writes every report the CLI would, so a value that breaks a writer counts too.</summary>
    static ValidationResult? ValidateAndReport(string dir, string file, DatasetSchema schema)
    {
        var result = Fuzzing.Coded(() => DatasetValidator.Validate(new DatasetRequest("fuzz", [file], schema, dir), new ValidationOptions { MaxParallelism = 2 }));
        if (result is null) return null;
        foreach (var d in result.InputErrors) Fuzzing.AssertDocumented(d);
        foreach (var d in ValidationDiagnostics.From(result)) Fuzzing.AssertDocumented(d);
        var report = ValidationReport.Document([result], "fuzz");
        Assert.NotEmpty(ReportWriters.Json(report));
        Assert.NotEmpty(ReportWriters.Sarif(report));
        Assert.NotEmpty(ReportWriters.Markdown(report));
        Assert.NotEmpty(ValidationReport.ProfileJson([result]));
        return result;
    }

    [Fact]
    public void Csv_reader_turns_every_mutated_or_random_file_into_a_result_or_a_coded_diagnostic()
    {
        var path = Path.Combine(_dir.Path, "data.csv");
        Fuzzing.Run(CsvInputs, bytes =>
        {
            File.WriteAllBytes(path, bytes);
            ValidateAndReport(_dir.Path, "data.csv", Schema);
        }, cases: 400, seed: 20261203, print: Fuzzing.Show);
    }

    [Fact]
    public void Csv_profiles_and_inference_of_mutated_files_are_results_or_coded_diagnostics()
    {
        // The other consumers of the reader: data profile (mergeable) and data infer, on a smaller share of cases.
        var path = Path.Combine(_dir.Path, "p.csv");
        Fuzzing.Run(CsvInputs, bytes =>
        {
            File.WriteAllBytes(path, bytes);
            var profile = Fuzzing.Coded(() => ProfileBuilder.Build(new DatasetRequest("p", ["p.csv"], Schema, _dir.Path)));
            if (profile is not null) Assert.NotEmpty(ProfileJson.Write(profile));
            var inferred = Fuzzing.Coded(() => SchemaInferrer.Infer("p", ["p.csv"], _dir.Path));
            if (inferred is not null)
            {
                foreach (var d in inferred.Diagnostics) Fuzzing.AssertDocumented(d);
                // What infer writes loads back.
                SchemaLoader.Parse(Encoding.UTF8.GetBytes(inferred.Json), "p.schema.json");
            }
        }, cases: 150, seed: 77, print: Fuzzing.Show);
    }

    static readonly byte[][] JsonAlphabet =
    [
        "{"u8.ToArray(), "}"u8.ToArray(), "["u8.ToArray(), "]"u8.ToArray(), "\""u8.ToArray(), ":"u8.ToArray(), ","u8.ToArray(),
        "null"u8.ToArray(), "1e999"u8.ToArray(), "-0"u8.ToArray(), "\"integer\""u8.ToArray(), "\"min\""u8.ToArray(), "\"max\": \"x\""u8.ToArray(),
        "\"columns\""u8.ToArray(), "\"rules\": [{\"check\": \"id < \"}]"u8.ToArray(), "\\u0000"u8.ToArray(), "//"u8.ToArray(), "/*"u8.ToArray(),
        "\"pattern\": \"(a+)+\\\\1\""u8.ToArray(), Encoding.ASCII.GetBytes(new string('[', 2000)), "true"u8.ToArray(), "\"name\": \"id\""u8.ToArray(),
        "\"allowed\": [1, \"2\"]"u8.ToArray(), "\"format\": \"%\""u8.ToArray(), "\"check\": \"`a` == 'b'\""u8.ToArray(),
    ];

    static readonly Gen<byte[]> SchemaInputs = Gen.Frequency(
        (6, Fuzzing.Mutations.Select(m => Fuzzing.Apply(Encoding.UTF8.GetBytes(SchemaJson), m, JsonAlphabet))),
        (2, Fuzzing.Tokens(JsonAlphabet, 60)),
        (1, Gen.Byte.Array[0, 300]));

    [Fact]
    public void Schema_loader_turns_every_mutated_or_random_schema_into_a_schema_or_a_coded_diagnostic_and_the_schema_validates()
    {
        var data = Path.Combine(_dir.Path, "s.csv");
        File.WriteAllBytes(data, ValidCsv());
        Fuzzing.Run(SchemaInputs, bytes =>
        {
            var schema = Fuzzing.Coded(() => SchemaLoader.Parse(bytes, "fuzz.schema.json"));
            // A schema that loads must be one the validator can run: its plan (rules, bounds, sets) is built here.
            if (schema is not null) ValidateAndReport(_dir.Path, "s.csv", schema);
        }, cases: 400, seed: 4242, print: Fuzzing.Show);
    }

    static byte[] ValidParquet(string folder)
    {
        var path = Path.Combine(folder, "seed.parquet");
        int n = 60;
        string[] plans = ["basic", "pro", "team"];
        var start = new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        TestColumn[] Group(int offset) =>
        [
            new(new DataField<long>("id"), Enumerable.Range(offset + 1, n).Select(i => (long)i).ToArray()),
            new(new DataField<double?>("score"), Enumerable.Range(offset, n).Select(i => i % 11 == 0 ? (double?)null : i * 0.5).ToArray()),
            new(new DataField<string>("plan"), Enumerable.Range(offset, n).Select(i => plans[i % 3]).ToArray()),
            new(new DataField<string>("email"), Enumerable.Range(offset, n).Select(i => $"u{i}@example.org").ToArray()),
            new(new DataField<bool?>("active"), Enumerable.Range(offset, n).Select(i => (bool?)(i % 2 == 0)).ToArray()),
            new(new DataField<string>("signup"), Enumerable.Range(offset, n).Select(i => $"2024-01-{1 + i % 28:00}").ToArray()),
            new(new DataField<DateTime>("seen"), Enumerable.Range(offset, n).Select(i => start.AddMinutes(i)).ToArray()),
            new(new DataField<int>("n"), Enumerable.Range(offset, n).Select(i => 1 + i % 3).ToArray()),
        ];
        // Two row groups, written column by column as the test writer does.
        var first = Group(0);
        var second = Group(n);
        ParquetTestFiles.Write(path, first.Zip(second, (a, b) => new TestColumn(a.Field, a.RowGroups[0], b.RowGroups[0])).ToArray());
        return File.ReadAllBytes(path);
    }

    [Fact]
    public void Parquet_reader_turns_every_mutated_file_into_a_result_or_a_coded_diagnostic()
    {
        var seed = ValidParquet(_dir.Path);
        Assert.Equal(0, ValidateAndReport(_dir.Path, "seed.parquet", Schema)!.ExitCode);
        var inputs = Gen.Frequency(
            (8, Fuzzing.Mutations.Select(m => Fuzzing.Apply(seed, m, [[0], "PAR1"u8.ToArray(), [0x15, 0x00], [0xFF, 0xFF, 0xFF, 0x7F]]))),
            (1, Gen.Byte.Array[0, 400].Select(b => "PAR1"u8.ToArray().Concat(b).Concat("PAR1"u8.ToArray()).ToArray())));
        var path = Path.Combine(_dir.Path, "data.parquet");
        Fuzzing.Run(inputs, bytes =>
        {
            File.WriteAllBytes(path, bytes);
            ValidateAndReport(_dir.Path, "data.parquet", Schema);
        }, cases: 300, seed: 1234, print: Fuzzing.Show);
    }
}
