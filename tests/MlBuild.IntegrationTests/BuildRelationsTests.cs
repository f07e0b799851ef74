namespace MlBuild.IntegrationTests;

/// <summary>
/// `dotnet build` of a copy of samples/ChurnModel with a separate test dataset: train/test leakage found by the build's
/// relations check at the leaked rows, its level from mlbuild.json's relations section, MlBuildCheckRelations=false, and
/// an up-to-date build that starts no engine; the same with the datasets declared as MlBuildDataset items.
/// </summary>
[Collection(PackagesCollection.Name)]
public sealed class BuildRelationsTests(PackagesFixture packages, ITestOutputHelper output)
{
    const string SkippedValidation = "Skipping target \"MlBuildValidateData\" because all output files are up-to-date";
    const string TrainDataset = "\"train\": { \"path\": \"data/train.csv\", \"schema\": \"data/train.schema.json\" }";
    const string Split = "\"split\": { \"test\": 0.25, \"key\": \"customer_id\" }";

    /// <summary>
    /// Splits the sample's 3000 rows: customers 1-1900 train, 1901-3000 test; then copies training lines 11 and 12
    /// (customers 10 and 11) to the end of the test file, lines 1102 and 1103.
    /// </summary>
    static void SplitWithLeakage(SampleWorkspace ws)
    {
        var lines = File.ReadAllLines(ws.PathOf("data/train.csv"));
        Assert.Equal(3001, lines.Length);
        File.WriteAllText(ws.PathOf("data/train.csv"), string.Join('\n', lines[..1901]) + "\n");
        File.WriteAllText(ws.PathOf("data/test.csv"), string.Join('\n', [lines[0], .. lines[1901..], lines[10], lines[11]]) + "\n");
    }

    /// <summary>The sample's mlbuild.json with the test dataset as the model's test data, and a relations section when given.</summary>
    static string PipelineWith(string original, string relations)
    {
        Assert.Contains(TrainDataset, original, StringComparison.Ordinal);
        Assert.Contains(Split, original, StringComparison.Ordinal);
        var pipeline = original
            .Replace(TrainDataset, TrainDataset + ",\n    \"test\": { \"path\": \"data/test.csv\", \"schema\": \"data/train.schema.json\" }", StringComparison.Ordinal)
            .Replace(Split, "\"split\": { \"testDataset\": \"test\", \"key\": \"customer_id\" }", StringComparison.Ordinal);
        return relations.Length == 0 ? pipeline
            : pipeline.Replace("  \"datasets\": {", $"  \"relations\": {relations},\n  \"datasets\": {{", StringComparison.Ordinal);
    }

    [Fact]
    public void Build_fails_on_rows_leaked_from_train_to_test_at_those_rows_and_the_relations_section_or_property_change_that()
    {
        using var guard = new TestGuard(packages, output);
        var ws = SampleWorkspace.Create(packages, output, "ChurnModel", "relations");
        var pipelinePath = ws.PathOf("mlbuild.json");
        var original = File.ReadAllText(pipelinePath);
        SplitWithLeakage(ws);
        File.WriteAllText(pipelinePath, PipelineWith(original, ""));

        // Two datasets: relations run with the defaults; leakage (by the model's features) is an error at each leaked row.
        var leaked = ws.Build();
        Assert.NotEqual(0, leaked.ExitCode);
        Assert.Equal(
            [("data/test.csv", 1102, "error", "MLB2103"), ("data/test.csv", 1103, "error", "MLB2103")],
            leaked.MlbDiagnostics.Select(d => (d.File, d.Line, d.Severity, d.Code)));
        Assert.StartsWith("test row's features ", leaked.MlbDiagnostics[0].Message, StringComparison.Ordinal);
        Assert.Contains(" also in training row data/train.csv(11)", leaked.MlbDiagnostics[0].Message, StringComparison.Ordinal);
        Assert.Contains("relations of test: fail: 1,102 rows in data/test.csv; 2 of 1,102 test rows (0.18 %)", leaked.Output, StringComparison.Ordinal);

        // Turned off for this build: validation only, and it passes.
        var off = ws.Build("-p:MlBuildCheckRelations=false");
        Assert.Equal(0, off.ExitCode);
        Assert.Empty(off.MlbDiagnostics);

        // The relations section compares the key and makes leakage a warning: the build passes, warning once, and the
        // next build is up to date (no engine process).
        File.WriteAllText(pipelinePath, PipelineWith(original, "{ \"key\": \"customer_id\", \"leakage\": \"warning\" }"));
        var warned = ws.Build("-v:n");
        Assert.Equal(0, warned.ExitCode);
        Assert.Equal(
            [("data/test.csv", 1102, "warning", "MLB2103"), ("data/test.csv", 1103, "warning", "MLB2103")],
            warned.MlbDiagnostics.Select(d => (d.File, d.Line, d.Severity, d.Code)));
        Assert.StartsWith("test row's key customer_id also in training row data/train.csv(11)", warned.MlbDiagnostics[0].Message, StringComparison.Ordinal);
        Assert.Contains("engine validate", warned.Output, StringComparison.Ordinal);
        var upToDate = ws.Build("-v:n");
        Assert.Equal(0, upToDate.ExitCode);
        Assert.Contains(SkippedValidation, upToDate.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("engine validate", upToDate.Output, StringComparison.Ordinal);
        Assert.Empty(upToDate.MlbDiagnostics);
        guard.Passed();
    }

    [Fact]
    public void Build_checks_a_train_and_a_test_item_like_mlbuild_json_datasets_and_points_metadata_mistakes_at_the_item()
    {
        using var guard = new TestGuard(packages, output);
        var ws = SampleWorkspace.Create(packages, output, "ChurnModel", "relations-items");
        SplitWithLeakage(ws);
        File.Delete(ws.PathOf("mlbuild.json"));
        const string Items = """
              <ItemGroup>
                <MlBuildDataset Include="data/train.csv" Schema="data/train.schema.json" Role="train" Label="churned" Key="customer_id" />
                <MlBuildDataset Include="data/test.csv" Schema="data/train.schema.json" Role="test" />
              </ItemGroup>
            </Project>
            """;
        ws.EditProject(text => text[..text.LastIndexOf("</Project>", StringComparison.Ordinal)] + Items);
        var project = Path.GetFileName(ws.ProjectFile);
        int testItemLine = Array.FindIndex(File.ReadAllLines(ws.ProjectFile), l => l.Contains("Include=\"data/test.csv\"", StringComparison.Ordinal)) + 1;

        // The leaked rows are errors at the same rows, with the same words, as mlbuild.json's datasets with relations.key.
        var leaked = ws.Build();
        Assert.NotEqual(0, leaked.ExitCode);
        Assert.Equal(
            [("data/test.csv", 1102, "error", "MLB2103"), ("data/test.csv", 1103, "error", "MLB2103")],
            leaked.MlbDiagnostics.Select(d => (d.File, d.Line, d.Severity, d.Code)));
        Assert.StartsWith("test row's key customer_id also in training row data/train.csv(11)", leaked.MlbDiagnostics[0].Message, StringComparison.Ordinal);
        Assert.Contains("relations of test: fail: 1,102 rows in data/test.csv; 2 of 1,102 test rows (0.18 %)", leaked.Output, StringComparison.Ordinal);

        // A role that is none of train and test: MLB2105 at the item's line in the project file.
        ws.EditProject(text => text.Replace("Role=\"test\"", "Role=\"holdout\"", StringComparison.Ordinal));
        var badRole = ws.Build();
        Assert.NotEqual(0, badRole.ExitCode);
        var r = Assert.Single(badRole.MlbDiagnostics);
        Assert.Equal((project, testItemLine, 6, "error", "MLB2105"), (r.File, r.Line, r.Column, r.Severity, r.Code));
        Assert.StartsWith("MlBuildDataset 'data/test.csv' has Role=\"holdout\"; use \"train\", \"test\"", r.Message, StringComparison.Ordinal);

        // Leakage made a warning by its property: the build passes, and the next one is up to date (no engine process).
        ws.EditProject(text => text.Replace("Role=\"holdout\"", "Role=\"test\"", StringComparison.Ordinal));
        var warned = ws.Build("-v:n", "-p:MlBuildRelationsLeakage=warning");
        Assert.Equal(0, warned.ExitCode);
        Assert.Equal(
            [("data/test.csv", 1102, "warning", "MLB2103"), ("data/test.csv", 1103, "warning", "MLB2103")],
            warned.MlbDiagnostics.Select(d => (d.File, d.Line, d.Severity, d.Code)));
        Assert.Contains("engine validate", warned.Output, StringComparison.Ordinal);
        var upToDate = ws.Build("-v:n", "-p:MlBuildRelationsLeakage=warning");
        Assert.Equal(0, upToDate.ExitCode);
        Assert.Contains(SkippedValidation, upToDate.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("engine validate", upToDate.Output, StringComparison.Ordinal);
        guard.Passed();
    }
}
