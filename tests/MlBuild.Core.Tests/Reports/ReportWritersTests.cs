using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using MlBuild.Core.Data.Schema;
using MlBuild.Core.Data.Validation;
using MlBuild.Core.Diagnostics;
using MlBuild.Core.Models;
using MlBuild.Core.Reports;

namespace MlBuild.Core.Tests.Reports;

/// <summary>
/// The writers know sections, verdicts and figures, not what made them: a model's gates (intervals, units, every
/// verdict) come out of the same JSON, SARIF, JUnit and Markdown writers as data checks do.
/// </summary>
public class ReportWritersTests
{
    static ReportDocument GateReport()
    {
        var doc = new ReportDocument { ToolVersion = "1.2.3", Title = "model gates" };
        var model = new ReportSection { Kind = SectionKinds.Model, Id = "churn", Verdict = Verdict.Pass, Summary = "2,000 test rows." };
        model.Sections.Add(new ReportSection { Kind = SectionKinds.Gate, Id = "auc-min", Title = "auc ≥ 0.85", Verdict = Verdict.Pass, Code = "MLB4001" }
            .With(new MetricValue(0.91, 0.89, 0.93).ToFigure("auc", level: 0.95))
            .With(new Figure("threshold", 0.85)));
        var latency = new ReportSection { Kind = SectionKinds.Artifact, Id = "latency-p95", Title = "p95 ≤ 2 ms", Verdict = Verdict.Fail, Code = "MLB5004", Summary = "p95 12.5 ms > 2 ms" }
            .With(new MetricValue(12.5) { Direction = MetricDirection.LowerIsBetter }.ToFigure("p95", "ms"));
        latency.Locations.Add(new ReportLocation { File = "mlbuild.json", Line = 12, Column = 5 });
        latency.Diagnostics.Add(new MlDiagnostic("MLB5004", MlSeverity.Error, "latency p95 12.5 ms exceeds 2 ms", "mlbuild.json", 12, 5));
        model.Sections.Add(latency);
        model.Sections.Add(new ReportSection { Kind = SectionKinds.Gate, Id = "logloss-max", Verdict = Verdict.Inconclusive, Code = "MLB4002" }
            .With(new Figure("logloss", 0.41) { Low = 0.35, High = 0.47 }));
        model.Sections.Add(new ReportSection { Kind = SectionKinds.Gate, Id = "auc-vs-prod", Verdict = Verdict.Skipped, Summary = "no baseline" }
            .With(new Figure("delta", double.NaN)));
        model.Sections.Add(new ReportSection { Kind = SectionKinds.Gate, Id = "f1-min", Verdict = Verdict.Warn, Code = "MLB4003" }
            .With(new Figure("f1", 0.5)));
        model.Verdict = Verdicts.Worst(model.Sections.Select(s => s.Verdict));
        doc.Sections.Add(model);
        return doc;
    }

    [Fact]
    public void Gates_with_intervals_units_and_every_verdict_come_out_of_the_same_writers()
    {
        var doc = GateReport();
        Assert.Equal(Verdict.Fail, doc.Verdict);
        Assert.Equal(ExitCodes.ChecksFailed, doc.ExitCode);

        using var json = JsonDocument.Parse(ReportWriters.Json(doc));
        var root = json.RootElement;
        Assert.Equal("fail", root.GetProperty("verdict").GetString());
        Assert.Equal(1, root.GetProperty("exitCode").GetInt32());
        var gates = root.GetProperty("sections")[0].GetProperty("sections");
        var auc = gates[0].GetProperty("figures").GetProperty("auc");
        Assert.Equal(0.89, auc.GetProperty("low").GetDouble());
        Assert.Equal(0.93, auc.GetProperty("high").GetDouble());
        Assert.Equal(0.95, auc.GetProperty("level").GetDouble());
        Assert.Equal("higher", auc.GetProperty("direction").GetString());
        Assert.Equal("auc ≥ 0.85", gates[0].GetProperty("title").GetString());
        Assert.Equal("ms", gates[1].GetProperty("figures").GetProperty("p95").GetProperty("unit").GetString());
        Assert.Equal("lower", gates[1].GetProperty("figures").GetProperty("p95").GetProperty("direction").GetString());
        Assert.False(gates[2].GetProperty("figures").GetProperty("logloss").TryGetProperty("direction", out _)); // not stated on a bare figure
        Assert.Equal(["pass", "fail", "inconclusive", "skipped", "warn"], gates.EnumerateArray().Select(g => g.GetProperty("verdict").GetString()!).ToArray());
        Assert.Equal("NaN", gates[3].GetProperty("figures").GetProperty("delta").GetProperty("value").GetString());

        var junit = XDocument.Parse(Encoding.UTF8.GetString(ReportWriters.JUnit(doc)));
        var suite = junit.Root!.Element("testsuite")!;
        Assert.Equal("churn", (string?)suite.Attribute("name"));
        Assert.Equal(("5", "2", "0", "1"), ((string?)suite.Attribute("tests"), (string?)suite.Attribute("failures"), (string?)suite.Attribute("errors"), (string?)suite.Attribute("skipped")));
        XElement Case(string name) => suite.Elements("testcase").Single(t => (string?)t.Attribute("name") == name);
        Assert.Empty(Case("auc-min").Elements());
        Assert.Equal("MLB5004", (string?)Case("latency-p95").Element("failure")!.Attribute("type"));
        Assert.Equal("p95 12.5 ms > 2 ms", (string?)Case("latency-p95").Element("failure")!.Attribute("message"));
        Assert.Contains("mlbuild.json(12,5): error MLB5004", Case("latency-p95").Element("failure")!.Value);
        Assert.NotNull(Case("logloss-max").Element("failure"));
        Assert.Equal("no baseline", (string?)Case("auc-vs-prod").Element("skipped")!.Attribute("message"));
        Assert.Empty(Case("f1-min").Elements());

        using var sarif = JsonDocument.Parse(ReportWriters.Sarif(doc));
        var run = sarif.RootElement.GetProperty("runs")[0];
        var result = run.GetProperty("results").EnumerateArray().Single();
        Assert.Equal("MLB5004", result.GetProperty("ruleId").GetString());
        var region = result.GetProperty("locations")[0].GetProperty("physicalLocation").GetProperty("region");
        Assert.Equal((12, 5), (region.GetProperty("startLine").GetInt32(), region.GetProperty("startColumn").GetInt32()));
        // The gate codes are not in the code table yet: an unknown code links to the page of codes, with no title.
        var rule = run.GetProperty("tool").GetProperty("driver").GetProperty("rules")[0];
        Assert.Equal(DiagnosticDocs.PageUri, rule.GetProperty("helpUri").GetString());
        Assert.False(rule.TryGetProperty("shortDescription", out _));
        Assert.Equal(DiagnosticDocs.RepositoryUri + "docs/diagnostics.md#mlb1003", DiagnosticDocs.HelpUri(DiagnosticCodes.BelowMin));

        var md = ReportWriters.Markdown(doc);
        Assert.Contains("## MlBuild model gates\n", md);
        Assert.Contains("| artifact | verdict | code | p95 | first at | detail |", md); // the first row names the figure column
        Assert.Contains("### `churn`: ❌ fail\n\n2,000 test rows.\n", md);
        Assert.Contains("| latency-p95 (p95 ≤ 2 ms) | fail | MLB5004 | 12.5 ms | mlbuild.json(12,5) | latency p95 12.5 ms exceeds 2 ms |", md);
        Assert.Contains("| logloss-max | inconclusive | MLB4002 | logloss 0.41 [0.35, 0.47] |", md);
        Assert.DoesNotContain("auc-min", md);
    }

    [Fact]
    public void Every_writer_gives_the_same_bytes_under_any_culture()
    {
        byte[][] Write()
        {
            var doc = GateReport();
            return [ReportWriters.Json(doc), ReportWriters.Sarif(doc), ReportWriters.JUnit(doc), Encoding.UTF8.GetBytes(ReportWriters.Markdown(doc))];
        }
        var saved = CultureInfo.CurrentCulture;
        byte[][] invariant, german;
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
            invariant = Write();
            // The tests run in globalization-invariant mode, so make a culture that writes numbers the German way.
            var commaDecimal = (CultureInfo)CultureInfo.InvariantCulture.Clone();
            commaDecimal.NumberFormat.NumberDecimalSeparator = ",";
            commaDecimal.NumberFormat.NumberGroupSeparator = ".";
            CultureInfo.CurrentCulture = commaDecimal;
            Assert.Equal("12,5", 12.5.ToString());
            german = Write();
        }
        finally { CultureInfo.CurrentCulture = saved; }
        Assert.Equal(invariant, german);
        Assert.Contains("12.5", Encoding.UTF8.GetString(german[0]));
    }

    [Fact]
    public void A_top_level_section_without_children_is_its_own_test_case()
    {
        var doc = new ReportDocument { ToolVersion = "1", Title = "artifact checks" };
        doc.Sections.Add(new ReportSection { Kind = SectionKinds.Artifact, Id = "size", Verdict = Verdict.Error, Code = "MLB5001" }
            .With(new Figure("size", 61.5, "MB")));
        var junit = XDocument.Parse(Encoding.UTF8.GetString(ReportWriters.JUnit(doc)));
        var testcase = junit.Descendants("testcase").Single();
        Assert.Equal(("size", "size"), ((string?)testcase.Attribute("classname"), (string?)testcase.Attribute("name")));
        Assert.Equal("MLB5001", (string?)testcase.Element("error")!.Attribute("type"));
        Assert.Equal(ExitCodes.InvalidInput, doc.ExitCode);
    }

    [Fact]
    public void Figure_and_property_names_are_unique_within_a_section()
    {
        var s = new ReportSection { Kind = SectionKinds.Check, Id = "x", Verdict = Verdict.Pass }.With(new Figure("n", 1)).With("column", "a");
        Assert.Throws<ArgumentException>(() => s.With(new Figure("n", 2)));
        Assert.Throws<ArgumentException>(() => s.With("column", "b"));
    }

    [Fact]
    public void Validation_maps_checks_within_tolerance_to_pass_and_failing_checks_to_fail_with_their_first_failures()
    {
        using var dir = new TempDir();
        dir.Write("data.csv", "id,age\n1,-1\n2,5\n3,7\n4,-2\n");
        var schema = SchemaLoader.Parse(Encoding.UTF8.GetBytes("""
            {"schemaVersion": 1, "columns": [{"name": "id", "type": "integer", "max": 3}, {"name": "age", "type": "integer", "min": 0, "tolerance": 0.5}]}
            """), "schema.json");
        var result = DatasetValidator.Validate(new DatasetRequest("data", ["data.csv"], schema, dir.Path));
        var doc = ValidationReport.Document([result], "t");
        var dataset = doc.Sections.Single();
        Assert.Equal((SectionKinds.Dataset, Verdict.Fail), (dataset.Kind, dataset.Verdict));
        Assert.Equal(4, dataset.Figure("records")!.Value);
        Assert.Equal("read", dataset.Sections[0].Id);
        Assert.Equal(Verdict.Pass, dataset.Sections[0].Verdict);

        var age = dataset.Sections.Single(s => s.Id == "age.min");
        Assert.Equal(Verdict.Pass, age.Verdict);                       // 2 of 4 fail, within tolerance 50 %
        Assert.Equal(2, age.Figure("failures")!.Value);
        Assert.Equal(MlSeverity.Info, age.Diagnostics.Single().Severity);

        var id = dataset.Sections.Single(s => s.Id == "id.max");
        Assert.Equal((Verdict.Fail, "MLB1004", "id"), (id.Verdict, id.Code, id.Property("column")));
        var first = id.Locations.Single();
        Assert.Equal(("data.csv", 5L, 1, "4"), (first.File, first.Line, first.Column, first.Value));
        Assert.Equal(MlSeverity.Error, id.Diagnostics.Single().Severity);
        Assert.Equal(ValidationDiagnostics.From(result), doc.AllDiagnostics());
        Assert.Equal((int)doc.ExitCode, result.ExitCode);
    }
}
