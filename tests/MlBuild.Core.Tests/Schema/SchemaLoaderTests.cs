using System.Text;
using MlBuild.Core.Data.Schema;
using MlBuild.Core.Diagnostics;

namespace MlBuild.Core.Tests.Schema;

public class SchemaLoaderTests
{
    static MlDiagnostic Fails(string json)
    {
        var ex = Assert.Throws<MlBuildException>(() => SchemaLoader.Parse(Encoding.UTF8.GetBytes(json), "train.schema.json"));
        return ex.Diagnostic;
    }

    [Fact]
    public void Json_syntax_error_points_at_its_line_and_column()
    {
        var d = Fails("{\n  \"schemaVersion\": 1,\n  \"columns\": [\n    {\"name\": \"a\" \"type\": \"integer\"}\n  ]\n}");
        Assert.Equal(("MLB9101", "train.schema.json", 4), (d.Code, d.File, d.Line));
        Assert.True(d.Column > 1);
    }

    [Fact]
    public void Unknown_type_is_MLB9102_at_the_type_value()
    {
        var d = Fails("{\"schemaVersion\": 1,\n\"columns\": [\n  {\"name\": \"a\", \"type\": \"int32\"}]}");
        Assert.Equal(("MLB9102", 3, 25), (d.Code, d.Line, d.Column));
        Assert.Contains("int32", d.Message);
    }

    [Fact]
    public void Unknown_check_is_MLB9103_naming_the_allowed_ones()
    {
        var d = Fails("{\"schemaVersion\": 1, \"columns\": [{\"name\": \"a\", \"type\": \"integer\", \"minimum\": 0}]}");
        Assert.Equal("MLB9103", d.Code);
        Assert.Contains("'minimum'", d.Message);
        Assert.Contains("min", d.Message);
    }

    [Theory]
    [InlineData("{\"schemaVersion\": 2, \"columns\": []}", "MLB9107")]
    [InlineData("{\"columns\": []}", "MLB9105")]
    [InlineData("{\"schemaVersion\": 1, \"columns\": [{\"name\": \"a\", \"type\": \"string\", \"pattern\": \"(\"}]}", "MLB9106")]
    [InlineData("{\"schemaVersion\": 1, \"columns\": [{\"name\": \"a\", \"type\": \"string\", \"min\": 0}]}", "MLB9104")]
    [InlineData("{\"schemaVersion\": 1, \"columns\": [{\"name\": \"a\", \"type\": \"integer\"}, {\"name\": \"a\", \"type\": \"integer\"}]}", "MLB9109")]
    [InlineData("{\"schemaVersion\": 1, \"columns\": [{\"name\": \"a\", \"type\": \"integer\"}], \"rules\": [{\"check\": \"a >= b\"}]}", "MLB9110")]
    [InlineData("{\"schemaVersion\": 1, \"columns\": [{\"name\": \"d\", \"type\": \"date\", \"min\": \"2015-02-29\"}]}", "MLB9104")]
    [InlineData("", "MLB9101")]
    public void Wrong_schemas_get_their_code(string json, string code) => Assert.Equal(code, Fails(json).Code);

    [Fact]
    public void Missing_schema_file_is_MLB9108()
    {
        var ex = Assert.Throws<MlBuildException>(() => SchemaLoader.Load("/nonexistent/x.json", "x.json"));
        Assert.Equal(("MLB9108", "x.json"), (ex.Diagnostic.Code, ex.Diagnostic.File));
    }

    [Fact]
    public void Comments_and_trailing_commas_are_allowed()
    {
        var s = SchemaLoader.Parse(Encoding.UTF8.GetBytes("{\n // why\n \"schemaVersion\": 1, \"columns\": [{\"name\": \"a\", \"type\": \"float\", \"min\": 0, \"exclusiveMin\": true},],}"), "s.json");
        Assert.True(s.Columns[0].Min!.Exclusive);
    }
}
