using System.Text;
using MlBuild.Core.Data.Schema;
using MlBuild.Core.Data.Validation;

namespace MlBuild.Core.Tests.Csv;

/// <summary>Malformed input gets a coded diagnostic with a location and never an exception.</summary>
public class BadInputTests
{
    const string Schema = """{"schemaVersion": 1, "columns": [{"name": "a", "type": "integer"}, {"name": "b", "type": "string", "maxLength": 10000000}]}""";

    static ValidationResult Validate(TempDir dir, byte[] content, ValidationOptions? options = null)
    {
        dir.WriteBytes("data.csv", content);
        return DatasetValidator.Validate(new DatasetRequest("data", ["data.csv"], SchemaLoader.Parse(Encoding.UTF8.GetBytes(Schema), "s.json"), dir.Path), options);
    }

    static ValidationResult Validate(TempDir dir, string content, ValidationOptions? options = null) => Validate(dir, Encoding.UTF8.GetBytes(content), options);

    [Fact]
    public void Unterminated_quote_is_MLB1101_at_the_line_where_the_quote_opens()
    {
        using var dir = new TempDir();
        var r = Validate(dir, "a,b\n1,x\n2,\"never closed\n3,y\n4,z\n");
        Assert.Equal(2, r.ExitCode);
        var d = Assert.Single(r.InputErrors);
        Assert.Equal(("MLB1101", 3), (d.Code, d.Line));
    }

    [Fact]
    public void Records_with_too_many_or_too_few_fields_are_MLB1013_violations()
    {
        using var dir = new TempDir();
        var r = Validate(dir, "a,b\n1,x\n2,y,extra\n3\n4,z\n");
        Assert.Equal(1, r.ExitCode);
        var c = r.Checks.Single(c => c.Code == "MLB1013");
        Assert.Equal(2, c.Failures);
        Assert.Equal([3L, 4L], c.FirstFailures.Select(f => f.Location.Line));
        Assert.Equal(2, r.Profile!.Columns[0].Count); // the malformed records are not read as values
    }

    [Fact]
    public void Invalid_utf8_is_MLB1103_with_its_line()
    {
        using var dir = new TempDir();
        var bytes = Encoding.UTF8.GetBytes("a,b\n1,ok\n2,").Concat(new byte[] { 0xC3, 0x28 }).Concat(Encoding.UTF8.GetBytes("\n")).ToArray();
        var r = Validate(dir, bytes);
        var d = Assert.Single(r.InputErrors);
        Assert.Equal(("MLB1103", 3), (d.Code, d.Line));
        Assert.Equal(2, r.ExitCode);
    }

    [Fact]
    public void Nul_byte_is_MLB1104()
    {
        using var dir = new TempDir();
        var r = Validate(dir, "a,b\n1,o\0k\n");
        Assert.Equal("MLB1104", Assert.Single(r.InputErrors).Code);
        Assert.Equal(2, Assert.Single(r.InputErrors).Line);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\uFEFF")]
    [InlineData("\n\n")]
    public void Empty_file_is_MLB1105(string content)
    {
        using var dir = new TempDir();
        var r = Validate(dir, content);
        Assert.Equal("MLB1105", Assert.Single(r.InputErrors).Code);
        Assert.Equal(2, r.ExitCode);
    }

    [Fact]
    public void Header_only_file_fails_the_row_count_check()
    {
        using var dir = new TempDir();
        var r = Validate(dir, "a,b\n");
        Assert.Empty(r.InputErrors);
        Assert.Equal(1, r.ExitCode);
        Assert.Equal(1, r.Checks.Single(c => c.Code == "MLB1010").Failures);
    }

    [Fact]
    public void A_5_MB_field_is_read_whole()
    {
        using var dir = new TempDir();
        var big = new string('x', 5 << 20);
        var r = Validate(dir, $"a,b\n1,\"{big}\"\n2,short\n", new ValidationOptions { ChunkBytes = 1 << 20 });
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(5 << 20, r.Profile!.Columns[1].MaxLength);
        Assert.Equal(2, r.Records);
    }

    [Fact]
    public void Record_longer_than_the_limit_is_MLB1107()
    {
        using var dir = new TempDir();
        var r = Validate(dir, $"a,b\n1,{new string('x', 3 << 20)}\n", new ValidationOptions { ChunkBytes = 1 << 20, MaxRecordBytes = 2 << 20 });
        Assert.Equal("MLB1107", Assert.Single(r.InputErrors).Code);
    }

    [Fact]
    public void Missing_file_and_unmatched_glob_are_MLB1108()
    {
        using var dir = new TempDir();
        var schema = SchemaLoader.Parse(Encoding.UTF8.GetBytes(Schema), "s.json");
        var r = DatasetValidator.Validate(new DatasetRequest("x", ["nope.csv"], schema, dir.Path));
        Assert.Equal(("MLB1108", "nope.csv"), (r.InputErrors.Single().Code, r.InputErrors.Single().File));
        r = DatasetValidator.Validate(new DatasetRequest("x", ["parts/*.csv"], schema, dir.Path));
        Assert.Equal("MLB1108", r.InputErrors.Single().Code);
    }

    [Fact]
    public void Duplicate_header_names_are_MLB1109()
    {
        using var dir = new TempDir();
        var r = Validate(dir, "a,b,a\n1,2,3\n");
        var d = Assert.Single(r.InputErrors);
        Assert.Equal(("MLB1109", 1, 3), (d.Code, d.Line, d.Column));
    }
}
