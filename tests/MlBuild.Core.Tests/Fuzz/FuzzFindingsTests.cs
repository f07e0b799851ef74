using System.Text;
using MlBuild.Core.Data.Schema;
using MlBuild.Core.Data.Validation;
using MlBuild.Core.Diagnostics;
using MlBuild.Core.Tests.Parquet;
using global::Parquet.Schema;

namespace MlBuild.Core.Tests.Fuzz;

/// <summary>What the fuzzing found, shrunk and kept as plain tests (each was an escape before its fix).</summary>
public sealed class FuzzFindingsTests
{
    [Theory]
    [InlineData("id,score,plan,email,\n1,2.5,pro,a@b,\n", 5, "has no name")]       // a trailing comma in the header
    [InlineData(",a,b\n0,1,x\n1,2,y\n", 1, "has no name")]                       // pandas' unnamed index column
    public void Infer_leaves_out_a_header_column_without_a_usable_name_and_its_schema_loads_and_passes_the_file(string csv, int position, string why)
    {
        using var dir = new TempDir();
        dir.Write("t.csv", csv);
        var inferred = SchemaInferrer.Infer("t", ["t.csv"], dir.Path);
        var warning = Assert.Single(inferred.Diagnostics, d => d.Code == DiagnosticCodes.InferredUnnamedColumn.Code);
        Assert.Contains(why, warning.Message);
        Assert.Equal((1, position), (warning.Line, warning.Column));
        // Before: the schema written named a column "" (or one twice) and did not load back (MLB9104 / MLB9109).
        var schema = SchemaLoader.Parse(Encoding.UTF8.GetBytes(inferred.Json), "t.schema.json");
        Assert.Equal(ColumnPolicy.Warn, schema.ExtraColumns);
        var r = DatasetValidator.Validate(new DatasetRequest("t", ["t.csv"], schema, dir.Path));
        Assert.Equal(0, r.ExitCode);
    }

    [Theory]
    [InlineData(4)]   // a power of two: the text slices of a failing value were made, not rented, and handed to the pool
    [InlineData(8)]
    [InlineData(5)]
    public void A_small_Parquet_row_group_with_a_failing_float_validates_without_an_internal_error(int rows)
    {
        using var dir = new TempFolder();
        var values = Enumerable.Range(0, rows).Select(i => i == 1 ? double.NaN : i * 1.5).ToArray();
        ParquetTestFiles.Write(dir.File("t.parquet"), new TestColumn(new DataField<double>("x"), values));
        var r = ParquetTestFiles.Validate(dir.Path, "t.parquet", """{"schemaVersion": 1, "columns": [{"name": "x", "type": "float", "max": 3}]}""");
        Assert.Equal(1, r.Check("x.type").Failures);
        Assert.Equal(values.Count(v => v > 3), r.Check("x.max").Failures);
    }

    [Fact]
    public void A_schema_with_invalid_UTF_8_is_MLB9101_at_the_bad_byte_not_an_internal_error()
    {
        var bytes = Encoding.UTF8.GetBytes("{\"schemaVersion\": 1,\n \"columns\": [{\"name\": \"x").Concat(new byte[] { 0xFF }).Concat(Encoding.UTF8.GetBytes("\", \"type\": \"integer\"}]}")).ToArray();
        var e = Assert.Throws<MlBuildException>(() => SchemaLoader.Parse(bytes, "s.json"));
        Assert.Equal(DiagnosticCodes.SchemaJson.Code, e.Diagnostic.Code);
        Assert.Equal(2, e.Diagnostic.Line);
        Assert.Contains("not valid UTF-8", e.Diagnostic.Message);
    }
}
