using System.Globalization;
using System.Text.RegularExpressions;

namespace MlBuild.IntegrationTests;

/// <summary>
/// `dotnet build` of copies of samples/ChurnData against the packed package: mlbuild.json's datasets validated without
/// items, drift against a committed reference profile, and the data lock in locked mode.
/// </summary>
[Collection(PackagesCollection.Name)]
public sealed class DataDriftLockBuildTests(PackagesFixture packages, ITestOutputHelper output)
{
    const string Data = "data/train.csv";
    const string SkippedValidation = "Skipping target \"MlBuildValidateData\" because all output files are up-to-date";
    const string ReportFolder = "obj/Debug/net10.0/mlbuild";

    SampleWorkspace Workspace(string name) => SampleWorkspace.Create(packages, output, "ChurnData", name);

    /// <summary>`dotnet ml VERB ...` with the engine of the restored package (restored by a build before).</summary>
    DotnetRun Ml(SampleWorkspace ws, params string[] args)
    {
        var engine = Path.Combine(packages.PackagesFolder, "mlbuild", packages.Version.ToLowerInvariant(), "tools", "net10.0", "mlbuild.dll");
        Assert.True(File.Exists(engine), $"the restored package has no engine at {engine}");
        var run = Dotnet.Run(ws.ProjectDirectory, packages.ConsumerEnvironment(), TimeSpan.FromMinutes(3), ["exec", engine, .. args]);
        output.WriteLine(run.ToString());
        return run;
    }

    static void RemoveItems(SampleWorkspace ws) =>
        ws.EditProject(text => Regex.Replace(text, @"\s*<MlBuildDataset [^>]*/>", ""));

    [Fact]
    public void Build_validates_the_datasets_of_mlbuild_json_without_items_and_reruns_only_when_their_data_changes()
    {
        using var guard = new TestGuard(packages, output);
        var ws = Workspace("pipeline-only");
        RemoveItems(ws);
        var pipeline = File.ReadAllText(ws.PathOf("mlbuild.json"));

        // A mistake in mlbuild.json is its MLB92xx code at its line.
        File.WriteAllText(ws.PathOf("mlbuild.json"), pipeline.Replace("\"schema\": \"data/train.schema.json\"", "\"schema\": \"data/train.schema.json\", \"sheme\": 1", StringComparison.Ordinal));
        var badPipeline = ws.Build();
        Assert.NotEqual(0, badPipeline.ExitCode);
        var p = Assert.Single(badPipeline.MlbDiagnostics);
        Assert.Equal(("mlbuild.json", 5, "MLB9202"), (p.File, p.Line, p.Code));
        File.WriteAllText(ws.PathOf("mlbuild.json"), pipeline);

        // A bad row of mlbuild.json's dataset: the error is at its line and column of the CSV.
        var original = File.ReadAllText(ws.PathOf(Data));
        ws.SetCsvField(Data, 11, 2, "-3");
        var failed = ws.Build();
        Assert.NotEqual(0, failed.ExitCode);
        var d = Assert.Single(failed.MlbDiagnostics);
        Assert.Equal((Data, 11, 2, "error", "MLB1003"), (d.File, d.Line, d.Column, d.Severity, d.Code));

        // Restored (written now): the failed build left no stamp, so this one validates; no future time stamp here, or a
        // fast build would leave its stamp older than the data and the up-to-date build below would run again.
        File.WriteAllText(ws.PathOf(Data), original);
        var passed = ws.Build("-v:n");
        Assert.Equal(0, passed.ExitCode);
        Assert.Contains("engine validate", passed.Output, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^\s*data/train\.csv: 300 rows, [1-9][0-9]* checks passed\s*$", passed.Output);

        // Up to date: no engine process. The data file is known from the engine's list of what it read.
        var upToDate = ws.Build("-v:n");
        Assert.Equal(0, upToDate.ExitCode);
        Assert.Contains(SkippedValidation, upToDate.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("engine validate", upToDate.Output, StringComparison.Ordinal);

        File.SetLastWriteTimeUtc(ws.PathOf(Data), DateTime.UtcNow.AddSeconds(4));
        var changed = ws.Build("-v:n");
        Assert.Equal(0, changed.ExitCode);
        Assert.Contains("engine validate", changed.Output, StringComparison.Ordinal);
        guard.Passed();
    }

    [Fact]
    public void Build_checks_drift_against_the_reference_profile_as_an_error_or_a_warning_and_writes_the_html_report()
    {
        using var guard = new TestGuard(packages, output);
        var ws = Workspace("drift");
        ws.EditProject(text => text.Replace("Schema=\"data/train.schema.json\"", "Schema=\"data/train.schema.json\" Reference=\"data/train.profile.json\"", StringComparison.Ordinal));

        // No profile yet: MLB9031 at the item's line in the project.
        var missing = ws.Build();
        Assert.NotEqual(0, missing.ExitCode);
        var m = Assert.Single(missing.MlbDiagnostics);
        Assert.Equal((Path.GetFileName(ws.ProjectFile), "MLB9031"), (Path.GetFileName(m.File), m.Code));
        Assert.True(m.Line > 0);

        Assert.Equal(0, Ml(ws, "data", "profile", Data, "--schema", "data/train.schema.json", "-o", "data/train.profile.json").ExitCode);
        // Every monthly charge tripled: a large shift of one column, still valid under the schema.
        var lines = File.ReadAllLines(ws.PathOf(Data));
        for (int i = 1; i < lines.Length; i++)
        {
            var fields = lines[i].Split(',');
            fields[4] = (double.Parse(fields[4], CultureInfo.InvariantCulture) * 3).ToString("0.00", CultureInfo.InvariantCulture);
            lines[i] = string.Join(',', fields);
        }
        File.WriteAllText(ws.PathOf(Data), string.Join('\n', lines) + "\n");

        var drifted = ws.Build();
        Assert.NotEqual(0, drifted.ExitCode);
        var d = Assert.Single(drifted.MlbDiagnostics);
        // At the item that names the reference (mlbuild.json's train dataset names none), naming the data.
        var project = Path.GetFileName(ws.ProjectFile);
        int itemLine = Array.FindIndex(File.ReadAllLines(ws.ProjectFile), l => l.Contains("<MlBuildDataset Include=\"data/train.csv\"", StringComparison.Ordinal)) + 1;
        Assert.Equal((project, itemLine, 6, "error", "MLB2020"), (d.File, d.Line, d.Column, d.Severity, d.Code));
        Assert.StartsWith("dataset 'train' (data/train.csv) drifted from its reference profile 'data/train.profile.json'", d.Message, StringComparison.Ordinal);
        Assert.Contains("column 'monthly_charges' drifted: wasserstein ", d.Message, StringComparison.Ordinal);
        Assert.Contains("(score ", d.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("'age'", d.Message, StringComparison.Ordinal);
        Assert.Contains($"Report: {ReportFolder}/drift-train.html", d.Message, StringComparison.Ordinal);
        var html = File.ReadAllText(ws.PathOf($"{ReportFolder}/drift-train.html"));
        Assert.Contains("monthly_charges", html, StringComparison.Ordinal);
        Assert.Contains("<svg", html, StringComparison.Ordinal);
        Assert.True(File.Exists(ws.PathOf($"{ReportFolder}/drift-train.json")));

        var warned = ws.Build("-p:MlBuildDriftAsWarnings=true");
        Assert.Equal(0, warned.ExitCode);
        var w = Assert.Single(warned.MlbDiagnostics);
        Assert.Equal((project, itemLine, "warning", "MLB2020"), (w.File, w.Line, w.Severity, w.Code));
        guard.Passed();
    }

    [Fact]
    public void Build_in_locked_mode_fails_without_a_lock_and_when_a_dataset_no_longer_matches_it()
    {
        using var guard = new TestGuard(packages, output);
        var ws = Workspace("locked");

        var noLock = ws.Build("-p:MlBuildLockedMode=true");
        Assert.NotEqual(0, noLock.ExitCode);
        var n = Assert.Single(noLock.MlbDiagnostics);
        Assert.Equal(("mlbuild.lock.json", "error", "MLB1300"), (n.File, n.Severity, n.Code));

        var locked = Ml(ws, "data", "lock");
        Assert.Equal(0, locked.ExitCode);
        Assert.Contains("locked 1 file of 1 dataset in mlbuild.lock.json", locked.Output, StringComparison.Ordinal);
        var matching = ws.Build("-p:MlBuildLockedMode=true");
        Assert.Equal(0, matching.ExitCode);
        Assert.Empty(matching.MlbDiagnostics);

        // A valid edit of one cell: the data still passes its schema, but it is not the data that was locked.
        ws.SetCsvField(Data, 11, 2, "33");
        var changed = ws.Build("-p:MlBuildLockedMode=true");
        Assert.NotEqual(0, changed.ExitCode);
        var c = Assert.Single(changed.MlbDiagnostics);
        Assert.Equal((Data, "error", "MLB1302"), (c.File, c.Severity, c.Code));
        Assert.Contains("'data/train.csv' of dataset 'train' no longer matches the data lock 'mlbuild.lock.json'", c.Message, StringComparison.Ordinal);
        guard.Passed();
    }
}
