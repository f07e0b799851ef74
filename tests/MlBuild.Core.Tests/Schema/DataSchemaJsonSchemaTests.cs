using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using MlBuild.Core.Data.Schema;
using MlBuild.Core.Diagnostics;

namespace MlBuild.Core.Tests.Schema;

/// <summary>The shipped JSON Schema of the data schema format (mlbuild-data-schema.json), the loader and docs/schema.md
/// say the same thing: an editor completing from the JSON Schema never offers what the loader refuses, nor flags what it takes.</summary>
public class DataSchemaJsonSchemaTests
{
    static readonly string RepoRoot = FindRoot();
    static readonly JsonElement JsonSchema = LoadJsonSchema();

    static JsonElement LoadJsonSchema()
    {
        // The copy beside the engine, as a user's editor or tool would find it.
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "mlbuild-data-schema.json")));
        return doc.RootElement.Clone();
    }

    static MlDiagnostic Fails(string json) =>
        Assert.Throws<MlBuildException>(() => SchemaLoader.Parse(Encoding.UTF8.GetBytes(json), "train.schema.json")).Diagnostic;

    /// <summary>The names the loader accepts in one object, read from its own MLB9103 message for a property it does not know.</summary>
    static SortedSet<string> LoaderAccepts(string jsonWithUnknownProperty, string listLabel)
    {
        var d = Fails(jsonWithUnknownProperty);
        Assert.Equal("MLB9103", d.Code);
        var list = d.Message[(d.Message.IndexOf(listLabel, StringComparison.Ordinal) + listLabel.Length)..].TrimEnd('.');
        return new SortedSet<string>(list.Split(", "), StringComparer.Ordinal);
    }

    static JsonElement Resolve(JsonElement node)
    {
        while (node.TryGetProperty("$ref", out var r))
        {
            node = JsonSchema;
            foreach (var part in r.GetString()!.TrimStart('#', '/').Split('/')) node = node.GetProperty(part);
        }
        return node;
    }

    static SortedSet<string> SchemaProperties(JsonElement node) =>
        new(Resolve(node).GetProperty("properties").EnumerateObject().Select(p => p.Name), StringComparer.Ordinal);

    public static TheoryData<string, string, string> Objects()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var (name, json, label) in ObjectProbes) data.Add(name, json, label);
        return data;
    }

    static readonly (string Name, string Json, string ListLabel)[] ObjectProbes =
    [
        ("root", "{\"zz_unknown\": 1}", "Allowed: "),
        ("csv", "{\"schemaVersion\": 1, \"csv\": {\"zz_unknown\": 1}, \"columns\": []}", "Allowed: "),
        ("column", "{\"schemaVersion\": 1, \"columns\": [{\"zz_unknown\": 1}]}", "Allowed: "),
        ("rows", "{\"schemaVersion\": 1, \"columns\": [], \"rows\": {\"zz_unknown\": 1}}", "Allowed: "),
        ("rule", "{\"schemaVersion\": 1, \"columns\": [], \"rules\": [{\"zz_unknown\": 1}]}", "Allowed: "),
        ("tolerance", "{\"schemaVersion\": 1, \"columns\": [{\"name\": \"a\", \"type\": \"integer\", \"tolerance\": {\"zz_unknown\": 0}}]}", "Checks: "),
    ];

    static JsonElement SchemaNodeFor(string objectName)
    {
        var props = JsonSchema.GetProperty("properties");
        var column = Resolve(props.GetProperty("columns").GetProperty("items"));
        return objectName switch
        {
            "root" => JsonSchema,
            "csv" => props.GetProperty("csv"),
            "rows" => props.GetProperty("rows"),
            "rule" => props.GetProperty("rules").GetProperty("items"),
            "column" => column,
            "tolerance" => column.GetProperty("properties").GetProperty("tolerance").GetProperty("oneOf").EnumerateArray()
                .Single(b => Resolve(b).TryGetProperty("properties", out _)),
            _ => throw new ArgumentOutOfRangeException(nameof(objectName)),
        };
    }

    [Theory]
    [MemberData(nameof(Objects))]
    public void Each_object_has_the_same_properties_in_the_loader_and_the_json_schema(string objectName, string json, string listLabel)
    {
        var loader = LoaderAccepts(json, listLabel);
        var schema = SchemaProperties(SchemaNodeFor(objectName));
        Assert.Equal(string.Join(", ", loader), string.Join(", ", schema));
        Assert.False(Resolve(SchemaNodeFor(objectName)).GetProperty("additionalProperties").GetBoolean(), $"{objectName}: the JSON Schema must flag unknown properties as the loader does");
    }

    [Fact]
    public void The_type_names_are_the_same_in_the_loader_the_json_schema_and_the_docs()
    {
        var column = SchemaNodeFor("column").GetProperty("properties");
        var schemaTypes = new SortedSet<string>(column.GetProperty("type").GetProperty("enum").EnumerateArray().Select(e => e.GetString()!), StringComparer.Ordinal);
        var loaderTypes = new SortedSet<string>(SchemaLoader.TypeSpellings.Keys, StringComparer.Ordinal);
        Assert.Equal(string.Join(", ", loaderTypes), string.Join(", ", schemaTypes));

        // Each spelling really loads as a column of that type, and docs/schema.md names it.
        var docs = File.ReadAllText(Path.Combine(RepoRoot, "docs", "schema.md"));
        foreach (var (spelling, type) in SchemaLoader.TypeSpellings)
        {
            var s = SchemaLoader.Parse(Encoding.UTF8.GetBytes($"{{\"schemaVersion\": 1, \"columns\": [{{\"name\": \"a\", \"type\": \"{spelling}\"}}]}}"), "s.json");
            Assert.Equal(type, s.Columns[0].Type);
            Assert.Contains($"`{spelling}`", docs);
        }
    }

    [Fact]
    public void Docs_name_every_property_the_loader_accepts()
    {
        var docs = File.ReadAllText(Path.Combine(RepoRoot, "docs", "schema.md"));
        foreach (var (name, json, label) in ObjectProbes)
            foreach (var property in LoaderAccepts(json, label))
                Assert.True(docs.Contains($"`{property}`") || docs.Contains($"\"{property}\""), $"docs/schema.md does not name '{property}' ({name})");
        Assert.Contains("mlbuild-data-schema.json", docs);
    }

    /// <summary>The schema files in the repository (samples, test fixtures) and the example in docs/schema.md.</summary>
    public static TheoryData<string> SchemaFiles() => new(SchemaFilePaths());

    static List<string> SchemaFilePaths()
    {
        var data = new List<string>();
        foreach (var top in new[] { "samples", "tests" })
            foreach (var path in Directory.EnumerateFiles(Path.Combine(RepoRoot, top), "*.schema.json", SearchOption.AllDirectories)
                         .Where(p => !p.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}") && !p.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}"))
                         .Order(StringComparer.Ordinal))
                data.Add(Path.GetRelativePath(RepoRoot, path).Replace('\\', '/'));
        data.Add("docs/schema.md");
        return data;
    }

    [Fact]
    public void The_repository_has_schema_files_to_check() =>
        Assert.Contains("samples/ChurnData/data/train.schema.json", SchemaFilePaths());

    [Theory]
    [MemberData(nameof(SchemaFiles))]
    public void Every_schema_file_in_the_repository_loads_and_keeps_to_the_json_schema(string relativePath)
    {
        var bytes = File.ReadAllBytes(Path.Combine(RepoRoot, relativePath));
        if (relativePath.EndsWith(".md", StringComparison.Ordinal))
        {
            // The first jsonc block of the page is the annotated full example.
            var m = Regex.Match(Encoding.UTF8.GetString(bytes), "```jsonc\\n(.*?)\\n```", RegexOptions.Singleline);
            Assert.True(m.Success, "docs/schema.md has no jsonc example");
            bytes = Encoding.UTF8.GetBytes(m.Groups[1].Value);
        }
        SchemaLoader.Parse(bytes, relativePath);
        using var doc = JsonDocument.Parse(bytes, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var problems = new List<string>();
        Conforms(doc.RootElement, JsonSchema, "$", problems);
        Assert.Empty(problems);
    }

    /// <summary>The subset of JSON Schema the shipped file uses: properties, additionalProperties false, items, enum, const, oneOf, $ref.</summary>
    static void Conforms(JsonElement value, JsonElement schema, string where, List<string> problems)
    {
        schema = Resolve(schema);
        if (schema.TryGetProperty("oneOf", out var branches))
        {
            var fits = branches.EnumerateArray().Count(b => { var p = new List<string>(); Conforms(value, b, where, p); return p.Count == 0; });
            if (fits != 1) problems.Add($"{where}: fits {fits} of the oneOf branches");
            return;
        }
        if (schema.TryGetProperty("enum", out var values) && !values.EnumerateArray().Any(v => JsonElement.DeepEquals(v, value)))
            problems.Add($"{where}: {value.GetRawText()} is not one of {values.GetRawText()}");
        if (schema.TryGetProperty("const", out var constant) && !JsonElement.DeepEquals(constant, value))
            problems.Add($"{where}: {value.GetRawText()} is not {constant.GetRawText()}");
        if (schema.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && !HasType(value, type.GetString()!))
            problems.Add($"{where}: {value.GetRawText()} is not of type {type.GetString()}");
        if (value.ValueKind == JsonValueKind.Object && schema.TryGetProperty("properties", out var properties))
            foreach (var member in value.EnumerateObject())
            {
                if (properties.TryGetProperty(member.Name, out var sub)) Conforms(member.Value, sub, $"{where}.{member.Name}", problems);
                else problems.Add($"{where}: property '{member.Name}' is unknown to the JSON Schema");
            }
        if (value.ValueKind == JsonValueKind.Array && schema.TryGetProperty("items", out var items))
        {
            var i = 0;
            foreach (var item in value.EnumerateArray()) Conforms(item, items, $"{where}[{i++}]", problems);
        }
    }

    static bool HasType(JsonElement value, string type) => type switch
    {
        "object" => value.ValueKind == JsonValueKind.Object,
        "array" => value.ValueKind == JsonValueKind.Array,
        "string" => value.ValueKind == JsonValueKind.String,
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "number" => value.ValueKind == JsonValueKind.Number,
        "integer" => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _),
        _ => true,
    };

    public static TheoryData<string, int, int, string> RefusedSpellings => new()
    {
        // 'number' takes integers too in JSON Schema: integer or float is the author's call, not a silent guess.
        { "{\"schemaVersion\": 1,\n\"columns\": [\n  {\"name\": \"a\", \"type\": \"number\"}]}", 3, 25, "Did you mean 'float'?" },
        { "{\"schemaVersion\": 1,\n\"columns\": [{\"name\": \"a\", \"type\": \"integer\"},\n  {\"name\": \"b\",\n   \"type\": \"Integer\"}]}", 4, 12, "Did you mean 'integer'?" },
        { "{\"schemaVersion\": 1, \"columns\": [{\"name\": \"a\", \"type\": \"timestamp\"}]}", 1, 56, "Did you mean 'datetime'?" },
        { "{\"schemaVersion\": 1, \"columns\": [{\"name\": \"a\", \"type\": \"str\"}]}", 1, 56, "Did you mean 'string'?" },
    };

    [Theory]
    [MemberData(nameof(RefusedSpellings))]
    public void A_refused_type_spelling_is_MLB9102_at_its_value_with_what_it_probably_means(string json, int line, int column, string suggestion)
    {
        var d = Fails(json);
        Assert.Equal(("MLB9102", "train.schema.json", line, column), (d.Code, d.File, d.Line, d.Column));
        Assert.Contains(suggestion, d.Message);
        Assert.StartsWith($"train.schema.json({line},{column}): error MLB9102: ", d.ToCanonicalString());
    }

    [Fact]
    public void A_misspelt_description_is_MLB9103_at_the_property()
    {
        var d = Fails("{\"schemaVersion\": 1,\n  \"descripton\": \"x\", \"columns\": []}");
        Assert.Equal(("MLB9103", 2, 3), (d.Code, d.Line, d.Column));
    }

    [Fact]
    public void A_schema_naming_its_json_schema_loads()
    {
        var s = SchemaLoader.Parse(Encoding.UTF8.GetBytes("{\"$schema\": \"mlbuild-data-schema.json\", \"schemaVersion\": 1, \"description\": \"d\", \"columns\": [{\"name\": \"a\", \"type\": \"int\", \"description\": \"why\"}]}"), "s.json");
        Assert.Equal(ColumnType.Integer, s.Columns[0].Type);
    }

    static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "MlBuild.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("MlBuild.sln not found above the test assembly.");
    }
}
