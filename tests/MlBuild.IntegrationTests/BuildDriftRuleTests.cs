using System.Globalization;

namespace MlBuild.IntegrationTests;

/// <summary>
/// `dotnet build` of copies of samples/ChurnModel against the packed package: drift against a committed reference profile
/// judged by mlbuild.json's drift rule (the top-level section, a dataset's own section), rule mistakes and a broken
/// reference as coded diagnostics at their place, and an up-to-date build that starts no engine.
/// </summary>
[Collection(PackagesCollection.Name)]
public sealed class BuildDriftRuleTests(PackagesFixture packages, ITestOutputHelper output)
{
    const string Data = "data/train.csv";
    const string Profile = "data/train.profile.json";
    const string SkippedValidation = "Skipping target \"MlBuildValidateData\" because all output files are up-to-date";
    const string ReportFolder = "obj/Debug/net10.0/mlbuild";
    const string TrainDataset = "\"train\": { \"path\": \"data/train.csv\", \"schema\": \"data/train.schema.json\" }";

    /// <summary>`dotnet ml VERB ...` with the engine of the restored package (restored by a build before).</summary>
    DotnetRun Ml(SampleWorkspace ws, params string[] args)
    {
        var engine = Path.Combine(packages.PackagesFolder, "mlbuild", packages.Version.ToLowerInvariant(), "tools", "net10.0", "mlbuild.dll");
        Assert.True(File.Exists(engine), $"the restored package has no engine at {engine}");
        var run = Dotnet.Run(ws.ProjectDirectory, packages.ConsumerEnvironment(), TimeSpan.FromMinutes(3), ["exec", engine, .. args]);
        output.WriteLine(run.ToString());
        return run;
    }

    /// <summary>mlbuild.json of the sample with the train dataset's reference (and <paramref name="datasetMembers"/>) and a top-level drift section on line 5.</summary>
    static string PipelineWith(string original, string drift, string datasetMembers = "")
    {
        Assert.Contains(TrainDataset, original, StringComparison.Ordinal);
        var text = original.Replace(TrainDataset,
            $"\"train\": {{ \"path\": \"data/train.csv\", \"schema\": \"data/train.schema.json\", \"reference\": \"{Profile}\"{datasetMembers} }}", StringComparison.Ordinal);
        if (drift.Length > 0)
            text = text.Replace("  \"datasets\": {", $"  \"drift\": {drift},\n  \"datasets\": {{", StringComparison.Ordinal);
        return text;
    }

    /// <summary>Every monthly charge tripled: a large shift of one column, still valid under the schema.</summary>
    static void TripleMonthlyCharges(SampleWorkspace ws)
    {
        var lines = File.ReadAllLines(ws.PathOf(Data));
        for (int i = 1; i < lines.Length; i++)
        {
            var fields = lines[i].Split(',');
            fields[4] = (double.Parse(fields[4], CultureInfo.InvariantCulture) * 3).ToString("0.00", CultureInfo.InvariantCulture);
            lines[i] = string.Join(',', fields);
        }
        File.WriteAllText(ws.PathOf(Data), string.Join('\n', lines) + "\n");
    }

    [Fact]
    public void Build_judges_drift_by_the_rule_of_mlbuild_json_and_a_datasets_own_rule_and_is_up_to_date_after()
    {
        using var guard = new TestGuard(packages, output);
        var ws = SampleWorkspace.Create(packages, output, "ChurnModel", "drift-rule");
        var pipelinePath = ws.PathOf("mlbuild.json");
        var original = File.ReadAllText(pipelinePath);

        // Restores the package (the engine the profile is written with) and validates the sample as it is.
        Assert.Equal(0, ws.Build().ExitCode);
        Assert.Equal(0, Ml(ws, "data", "profile", Data, "--schema", "data/train.schema.json", "-o", Profile).ExitCode);
        TripleMonthlyCharges(ws);

        // The file's rule decides by two columns that did not move: the dataset did not drift, and the build says so
        // with the report's path.
        File.WriteAllText(pipelinePath, PipelineWith(original, "{ \"rule\": \"columns:age,tenure_months\" }"));
        var passed = ws.Build("-v:n");
        Assert.Equal(0, passed.ExitCode);
        Assert.Empty(passed.MlbDiagnostics);
        Assert.Contains("engine validate", passed.Output, StringComparison.Ordinal);
        Assert.Matches(@$"(?m)^\s*data/train\.csv: no drift from data/train\.profile\.json \(1 of 11 columns drifted\); report: {ReportFolder}/drift-train\.html\s*$", passed.Output);
        Assert.Contains("monthly_charges", File.ReadAllText(ws.PathOf($"{ReportFolder}/drift-train.html")), StringComparison.Ordinal);

        // Up to date: no engine process.
        var upToDate = ws.Build("-v:n");
        Assert.Equal(0, upToDate.ExitCode);
        Assert.Contains(SkippedValidation, upToDate.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("engine validate", upToDate.Output, StringComparison.Ordinal);

        // The dataset's own rule replaces the file's: monthly_charges decides, and the dataset drifted.
        File.WriteAllText(pipelinePath, PipelineWith(original, "{ \"rule\": \"columns:age,tenure_months\" }", ", \"drift\": { \"rule\": { \"columns\": [\"monthly_charges\"] } }"));
        var drifted = ws.Build();
        Assert.NotEqual(0, drifted.ExitCode);
        var d = Assert.Single(drifted.MlbDiagnostics);
        // At the dataset's "reference" in mlbuild.json (line 7, below the drift section on line 5), naming the data.
        Assert.Equal(("mlbuild.json", 7, 91, "error", "MLB2020"), (d.File, d.Line, d.Column, d.Severity, d.Code));
        Assert.StartsWith("dataset 'train' (data/train.csv) drifted from its reference profile 'data/train.profile.json' (1 of 11 columns, 3000 rows against 3000): column 'monthly_charges' drifted: ", d.Message, StringComparison.Ordinal);
        Assert.EndsWith($"Report: {ReportFolder}/drift-train.html", d.Message, StringComparison.Ordinal);
        Assert.Contains($"data/train.csv: drift report written to {ReportFolder}/drift-train.html", drifted.Output, StringComparison.Ordinal);
        guard.Passed();
    }

    [Fact]
    public void Build_reports_a_drift_rule_mistake_and_a_broken_reference_as_coded_errors_at_their_place()
    {
        using var guard = new TestGuard(packages, output);
        var ws = SampleWorkspace.Create(packages, output, "ChurnModel", "drift-rule-bad");
        var pipelinePath = ws.PathOf("mlbuild.json");
        var original = File.ReadAllText(pipelinePath);
        Assert.Equal(0, ws.Build().ExitCode);
        Assert.Equal(0, Ml(ws, "data", "profile", Data, "--schema", "data/train.schema.json", "-o", Profile).ExitCode);

        // A rule that is none of the known ones: MLB2009 at its value in mlbuild.json (line 5: "drift": { "rule": "most" }).
        File.WriteAllText(pipelinePath, PipelineWith(original, "{ \"rule\": \"most\" }"));
        var badRule = ws.Build();
        Assert.NotEqual(0, badRule.ExitCode);
        var r = Assert.Single(badRule.MlbDiagnostics);
        Assert.Equal(("mlbuild.json", 5, 22, "error", "MLB2009"), (r.File, r.Line, r.Column, r.Severity, r.Code));
        Assert.StartsWith("'drift.rule' is \"most\"; expected \"any\"", r.Message, StringComparison.Ordinal);

        // A threshold for a column the reference does not have: MLB2009 at the column's name.
        File.WriteAllText(pipelinePath, PipelineWith(original, "{ \"thresholds\": { \"monthly_charge\": 0.2 } }"));
        var badColumn = ws.Build();
        Assert.NotEqual(0, badColumn.ExitCode);
        var c = Assert.Single(badColumn.MlbDiagnostics);
        Assert.Equal(("mlbuild.json", 5, 30, "error", "MLB2009"), (c.File, c.Line, c.Column, c.Severity, c.Code));
        Assert.Contains("names column 'monthly_charge', which the reference profile 'data/train.profile.json' does not have", c.Message, StringComparison.Ordinal);

        // A truncated reference profile: MLB2005 at the profile, no stack trace.
        File.WriteAllText(pipelinePath, PipelineWith(original, ""));
        var profile = File.ReadAllText(ws.PathOf(Profile));
        File.WriteAllText(ws.PathOf(Profile), profile[..(profile.Length / 2)]);
        var truncated = ws.Build();
        Assert.NotEqual(0, truncated.ExitCode);
        var t = Assert.Single(truncated.MlbDiagnostics);
        Assert.Equal((Profile, "error", "MLB2005"), (t.File, t.Severity, t.Code));
        Assert.DoesNotContain("   at ", truncated.Output, StringComparison.Ordinal);

        // A profile written by a newer MlBuild: MLB2006 at the profile.
        var newer = System.Text.RegularExpressions.Regex.Replace(profile, "\"formatVersion\"\\s*:\\s*\\d+", "\"formatVersion\": 99");
        Assert.NotEqual(profile, newer);
        File.WriteAllText(ws.PathOf(Profile), newer);
        var tooNew = ws.Build();
        Assert.NotEqual(0, tooNew.ExitCode);
        var n = Assert.Single(tooNew.MlbDiagnostics);
        Assert.Equal((Profile, "error", "MLB2006"), (n.File, n.Severity, n.Code));
        Assert.Contains("is a profile of format version 99", n.Message, StringComparison.Ordinal);

        // A profile of another schema (a column renamed): MLB2011 at the profile.
        File.WriteAllText(ws.PathOf(Profile), profile.Replace("\"monthly_charges\"", "\"monthly_fee\"", StringComparison.Ordinal));
        var otherSchema = ws.Build();
        Assert.NotEqual(0, otherSchema.ExitCode);
        var o = Assert.Single(otherSchema.MlbDiagnostics);
        Assert.Equal((Profile, "error", "MLB2011"), (o.File, o.Severity, o.Code));
        Assert.Contains("column 'monthly_fee'", o.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", otherSchema.Output, StringComparison.Ordinal);
        guard.Passed();
    }
}
