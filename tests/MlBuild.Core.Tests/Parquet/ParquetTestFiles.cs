using System.Text;
using MlBuild.Core.Data.Schema;
using MlBuild.Core.Data.Validation;
using Parquet;
using Parquet.Schema;

namespace MlBuild.Core.Tests.Parquet;

/// <summary>A temporary folder for generated Parquet files; deleted on dispose.</summary>
internal sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("mlbuild-parquet-").FullName;
    public string File(string name) => System.IO.Path.Combine(Path, name);
    public void Dispose() { try { Directory.Delete(Path, recursive: true); } catch (IOException) { } }
}

/// <summary>One column of a generated file: the field and its values per row group (an array of the field's CLR type).</summary>
internal sealed record TestColumn(DataField Field, params Array[] RowGroups);

/// <summary>Writes Parquet files with Parquet.Net for the tests.</summary>
internal static class ParquetTestFiles
{
    public static void Write(string path, params TestColumn[] columns) => Write(path, null, columns);

    public static void Write(string path, ParquetOptions? options, params TestColumn[] columns)
    {
        WriteAsync(path, options, columns).GetAwaiter().GetResult();
    }

    static async Task WriteAsync(string path, ParquetOptions? options, TestColumn[] columns)
    {
        var schema = new ParquetSchema(columns.Select(c => (Field)c.Field));
        await using var fs = System.IO.File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(schema, fs, options);
        int groups = columns[0].RowGroups.Length;
        for (int g = 0; g < groups; g++)
        {
            using var rg = writer.CreateRowGroup();
            foreach (var c in columns)
                await WriteColumn(rg, c.Field, c.RowGroups[g]);
        }
    }

    static Task WriteColumn(ParquetRowGroupWriter rg, DataField f, Array values) => values switch
    {
        string?[] s => rg.WriteAsync(f, s),
        long?[] a => rg.WriteAsync<long>(f, a.AsMemory()),
        long[] a => rg.WriteAsync<long>(f, a.AsMemory()),
        int?[] a => rg.WriteAsync<int>(f, a.AsMemory()),
        int[] a => rg.WriteAsync<int>(f, a.AsMemory()),
        double?[] a => rg.WriteAsync<double>(f, a.AsMemory()),
        double[] a => rg.WriteAsync<double>(f, a.AsMemory()),
        float?[] a => rg.WriteAsync<float>(f, a.AsMemory()),
        bool?[] a => rg.WriteAsync<bool>(f, a.AsMemory()),
        decimal?[] a => rg.WriteAsync<decimal>(f, a.AsMemory()),
        DateTime?[] a => rg.WriteAsync<DateTime>(f, a.AsMemory()),
        DateTime[] a => rg.WriteAsync<DateTime>(f, a.AsMemory()),
        _ => throw new NotSupportedException(values.GetType().Name),
    };

    public static DatasetSchema Schema(string json) => SchemaLoader.Parse(Encoding.UTF8.GetBytes(json), "schema.json");

    public static ValidationResult Validate(string folder, string files, string schemaJson, int parallelism = 2, ValidationOptions? options = null)
    {
        options ??= new ValidationOptions { MaxParallelism = parallelism };
        return DatasetValidator.Validate(new DatasetRequest("test", [files], Schema(schemaJson), folder), options);
    }

    public static CheckResult Check(this ValidationResult r, string id) => r.Checks.Single(c => c.Id == id);
    public static Data.Profiling.ColumnProfile Column(this ValidationResult r, string name) => r.Profile!.Columns.Single(c => c.Name == name);
}
