using System.Globalization;
using System.Text;

namespace MlBuild.Cli.Tests;

public sealed class EvaluateCommandTests : CliWorkspace
{
    /// <summary>A predictions file: label, a good model's score, a worse baseline's score, and a region column.</summary>
    void WritePredictions(string name, int rows, int seed)
    {
        var rng = new Random(seed);
        var sb = new StringBuilder("label,score,old_score,region\n");
        for (int i = 0; i < rows; i++)
        {
            bool y = rng.NextDouble() < 0.4;
            double s = Math.Clamp((y ? 0.72 : 0.28) + (rng.NextDouble() - 0.5) * 0.7, 0, 1);
            double old = Math.Clamp(s + (rng.NextDouble() - 0.5) * 0.8, 0, 1);
            sb.Append(CultureInfo.InvariantCulture, $"{(y ? 1 : 0)},{s:0.####},{old:0.####},{(i % 3 == 0 ? "north" : "south")}\n");
        }
        Write(name, sb.ToString());
    }

    [Fact]
    public void Gate_prints_a_line_per_gate_and_fails_with_the_code_at_the_gates_line()
    {
        WritePredictions("preds.csv", 1000, 1);
        Write("gates.json", """
        {
          // a passing gate, a failing one, a paired comparison with the old model
          "gates": [
            { "metric": "auc", "min": 0.8 },
            { "metric": "accuracy", "min": 0.97 },
            { "metric": "auc", "maxDrop": 0.02, "baseline": "prod" }
          ]
        }
        """);
        var (exit, output, err) = Run("gate", "-p", "preds.csv", "-t", "binary", "-l", "label", "-s", "score",
                                      "--gates", "gates.json", "--baseline-score", "old_score", "--baseline-name", "prod");
        Assert.Equal(1, exit);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(lines, l => l.StartsWith("PASS auc >= 0.8: 0.", StringComparison.Ordinal) && l.Contains("n=1000, bootstrap 95 % (2000 resamples, seed 42)"));
        Assert.Contains(lines, l => l.StartsWith("FAIL accuracy >= 0.97: 0.", StringComparison.Ordinal) && l.Contains("Wilson 95 %"));
        Assert.Contains(lines, l => l.StartsWith("PASS auc drop vs prod <= 0.02: 0.", StringComparison.Ordinal) && l.Contains(">= -0.02"));
        Assert.Equal("gates: 2 passed, 1 failed, 0 inconclusive; result FAIL", lines[^1]);
        var diagnostic = Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("gates.json(5,5): error MLB4001: Gate 'accuracy >= 0.97' failed: accuracy 0.", diagnostic);
    }

    [Fact]
    public void Gate_writes_SARIF_JUnit_and_Markdown_naming_the_failing_gate_with_its_code_byte_identical_on_reruns()
    {
        WritePredictions("preds.csv", 1000, 1);
        Write("gates.json", """
        {
          "gates": [
            { "metric": "auc", "min": 0.8 },
            { "metric": "accuracy", "min": 0.97 }
          ]
        }
        """);
        string[] Args(string tag, string threads) =>
        [
            "gate", "-p", "preds.csv", "-t", "binary", "-l", "label", "-s", "score", "--gates", "gates.json",
            "--sarif", $"{tag}.sarif", "--junit", $"{tag}.xml", "--markdown", $"{tag}.md", "--threads", threads,
        ];
        Assert.Equal(1, Run(Args("a", "1")).Exit);
        Assert.Equal(1, Run(Args("b", "4")).Exit);
        foreach (var ext in new[] { "sarif", "xml", "md" })
            Assert.Equal(File.ReadAllBytes(Path.Combine(_dir, "a." + ext)), File.ReadAllBytes(Path.Combine(_dir, "b." + ext)));

        // SARIF: one error result, the failing gate's MLB4001 at its line in the gates file.
        using var sarif = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, "a.sarif")));
        var result = Assert.Single(sarif.RootElement.GetProperty("runs")[0].GetProperty("results").EnumerateArray());
        Assert.Equal("MLB4001", result.GetProperty("ruleId").GetString());
        Assert.Equal("error", result.GetProperty("level").GetString());
        Assert.StartsWith("Gate 'accuracy >= 0.97' failed", result.GetProperty("message").GetProperty("text").GetString());
        var location = result.GetProperty("locations")[0].GetProperty("physicalLocation");
        Assert.Equal("gates.json", location.GetProperty("artifactLocation").GetProperty("uri").GetString());
        Assert.Equal(4, location.GetProperty("region").GetProperty("startLine").GetInt32());

        // JUnit: a test case per gate; the accuracy gate fails with its code, the AUC gate passes.
        var junit = System.Xml.Linq.XDocument.Load(Path.Combine(_dir, "a.xml"));
        var cases = junit.Descendants("testcase").ToDictionary(c => (string)c.Attribute("name")!);
        Assert.Equal(["accuracy >= 0.97", "auc >= 0.8"], cases.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("MLB4001", (string?)cases["accuracy >= 0.97"].Element("failure")?.Attribute("type"));
        Assert.Null(cases["auc >= 0.8"].Element("failure"));

        // Markdown: the failing gate's row with its verdict, code and value with its interval.
        var md = File.ReadAllText(Path.Combine(_dir, "a.md"));
        Assert.Contains("`preds.csv`: ❌ fail", md);
        Assert.Matches(@"\| accuracy >= 0\.97 \| fail \| MLB4001 \| 0\.\d+ \[0\.\d+, 0\.\d+\] \| gates\.json\(4,", md);
        Assert.DoesNotContain("| auc >= 0.8 |", md);
    }

    [Fact]
    public void Inconclusive_exits_1_by_default_and_0_under_warn()
    {
        WritePredictions("preds.csv", 150, 2);
        var args = new[] { "gate", "-p", "preds.csv", "-t", "binary", "-l", "label", "-s", "score", "--resamples", "500" };
        // A bound inside the AUC's interval (between its low end and the point estimate) cannot be decided on 150 rows.
        Assert.Equal(0, Run(["evaluate", .. args[1..], "--json", "m.json"]).Exit);
        using var report = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, "m.json")));
        var auc = report.RootElement.GetProperty("metrics").EnumerateArray().Single(m => m.GetProperty("metric").GetString() == "auc");
        double bound = Math.Round((auc.GetProperty("value").GetDouble() + auc.GetProperty("low").GetDouble()) / 2, 4);
        string b = bound.ToString(CultureInfo.InvariantCulture);
        Write("gates.json", $$"""[ { "metric": "auc", "min": {{b}} } ]""");
        var warn = $$"""{ "inconclusive": "warn", "gates": [ { "metric": "auc", "min": {{b}} } ] }""";
        Write("warn.json", warn);
        var (exit, output, err) = Run([.. args, "--gates", "gates.json"]);
        Assert.Contains($"INCONCLUSIVE (as fail) auc >= {b}", output);
        Assert.Contains("test rows would decide it", output);
        Assert.Contains("error MLB4003", err);
        Assert.Equal(1, exit);
        var (warnExit, warnOut, warnErr) = Run([.. args, "--gates", "warn.json"]);
        Assert.Equal(0, warnExit);
        Assert.Contains($"warn.json(1,{warn.IndexOf("{ \"metric\"", StringComparison.Ordinal) + 1}): warning MLB4003", warnOut);
        Assert.Equal("", warnErr);
        // Strict mode: the point estimate alone decides, no INCONCLUSIVE.
        var (strictExit, strictOut, _) = Run([.. args, "--gates", "gates.json", "--strict"]);
        Assert.DoesNotContain("INCONCLUSIVE", strictOut);
        Assert.Equal(0, strictExit);                       // the point estimate is above the bound
        Assert.Contains($"PASS auc >= {b}", strictOut);
    }

    [Fact]
    public void The_JSON_report_is_byte_identical_for_any_thread_count()
    {
        WritePredictions("preds.csv", 800, 3);
        Write("gates.json", """[ { "metric": "f1", "min": 0.6, "slice": "region" }, { "fairness": "demographic-parity-ratio", "by": "region", "min": 0.5 } ]""");
        var args = new[] { "evaluate", "-p", "preds.csv", "-t", "binary", "-l", "label", "-s", "score", "--gates", "gates.json", "--resamples", "300" };
        var (e1, output, _) = Run([.. args, "--threads", "1", "--json", "one.json"]);
        Assert.Contains("f1 >= 0.6 in every 'region' slice: ", output);
        Assert.Contains("\n  PASS f1 >= 0.6 [region=north]: ", output);      // one indented line per slice
        Assert.Contains("\n  PASS f1 >= 0.6 [region=south]: ", output);
        var (e3, _, _) = Run([.. args, "--threads", "3", "--json", "three.json"]);
        Assert.Equal(e1, e3);
        var one = File.ReadAllBytes(Path.Combine(_dir, "one.json"));
        Assert.Equal(one, File.ReadAllBytes(Path.Combine(_dir, "three.json")));
        var text = Encoding.UTF8.GetString(one);
        Assert.Contains("\"metric\": \"auc\"", text);
        Assert.Contains("\"interval\": \"bootstrap-percentile\"", text);
        Assert.Contains("\"seed\": 42", text);
        Assert.Contains("\"parts\"", text);
    }

    [Fact]
    public void Multiclass_and_regression_predictions_are_evaluated()
    {
        Write("mc.csv", "label,cat,dog,bird\ncat,0.7,0.2,0.1\ndog,0.1,0.8,0.1\nbird,0.2,0.2,0.6\ncat,0.3,0.6,0.1\n");
        var (exit, output, err) = Run("evaluate", "-p", "mc.csv", "-t", "multiclass", "-l", "label", "-s", "cat,dog,bird", "--resamples", "200");
        Assert.Equal(0, exit);
        Assert.Equal("", err);
        Assert.Contains("accuracy        0.75 [", output);
        Assert.Contains("macro-f1", output);
        Assert.Contains("recall[cat]     0.5 [", output);               // 1 of the 2 cats, a Wilson interval
        Assert.Contains("precision[dog]  0.5 [", output);
        Write("mc-gates.json", """{ "strict": true, "gates": [ { "metric": "recall[dog]", "min": 0.9 }, { "metric": "recall[cow]", "min": 0.5 } ] }""");
        var (gExit, _, gErr) = Run("gate", "-p", "mc.csv", "-t", "multiclass", "-l", "label", "-s", "cat,dog,bird", "--resamples", "200", "--gates", "mc-gates.json");
        Assert.Equal(2, gExit);
        Assert.Contains("mc-gates.json(1,71): error MLB3403: Unknown per-class metric 'recall[cow]'", gErr);
        Write("reg.csv", "y,yhat\n1,1.5\n2,2\n3,2.5\n4,4\n");
        var (rExit, rOutput, _) = Run("evaluate", "-p", "reg.csv", "-t", "regression", "-l", "y", "-s", "yhat", "--resamples", "200");
        Assert.Equal(0, rExit);
        Assert.Contains("mae             0.25 [", rOutput);
        Assert.Contains("lower is better", rOutput);
    }

    [Fact]
    public void Bad_input_is_a_coded_diagnostic_at_its_place()
    {
        WritePredictions("preds.csv", 50, 4);
        Write("bad.csv", "label,score\n1,0.9\n0,abc\n");
        var (exit, _, err) = Run("evaluate", "-p", "bad.csv", "-t", "binary", "-l", "label", "-s", "score");
        Assert.Equal(2, exit);
        Assert.Equal("bad.csv(3,2): error MLB3402: Predictions file: column 'score' value 'abc' is not a finite number.", err.Trim());

        (exit, _, err) = Run("evaluate", "-p", "preds.csv", "-t", "binary", "-l", "label", "-s", "proba");
        Assert.Equal(2, exit);
        Assert.Contains("MLB3402: Predictions file: no column 'proba'; columns: label, score, old_score, region.", err);

        Write("one-class.csv", "label,score\n1,0.9\n1,0.2\n");
        (exit, _, err) = Run("evaluate", "-p", "one-class.csv", "-t", "binary", "-l", "label", "-s", "score");
        Assert.Equal(2, exit);
        Assert.Contains("single class", err);

        Write("unknown-metric.json", "[\n  { \"metric\": \"aucc\", \"min\": 0.8 }\n]");
        (exit, _, err) = Run("gate", "-p", "preds.csv", "-t", "binary", "-l", "label", "-s", "score", "--gates", "unknown-metric.json");
        Assert.Equal(2, exit);
        Assert.StartsWith("unknown-metric.json(2,3): error MLB3403: Unknown metric 'aucc'", err);

        Write("typo.json", "[ { \"metric\": \"auc\", \"minn\": 0.8 } ]");
        (exit, _, err) = Run("gate", "-p", "preds.csv", "-t", "binary", "-l", "label", "-s", "score", "--gates", "typo.json");
        Assert.Equal(2, exit);
        Assert.StartsWith("typo.json(1,22): error MLB9301: Unknown property 'minn'", err);

        (exit, _, err) = Run("gate", "-p", "preds.csv", "-t", "binary", "-l", "label", "-s", "score");
        Assert.Equal(2, exit);
        Assert.Contains("MLB9002", err);

        Write("empty.json", "{ \"gates\": [] }");
        (exit, _, err) = Run("gate", "-p", "preds.csv", "-t", "binary", "-l", "label", "-s", "score", "--gates", "empty.json");
        Assert.Equal(2, exit);
        Assert.Contains("MLB4008", err);
    }

    [Fact]
    public void A_baseline_from_a_metrics_file_is_compared_and_a_missing_one_fails_by_default()
    {
        WritePredictions("preds.csv", 1000, 5);
        Write("prod-metrics.json", """{ "metrics": { "auc": { "value": 0.99, "low": 0.98, "high": 1.0 } } }""");
        Write("gates.json", """[ { "metric": "auc", "maxDrop": 0.01, "baseline": "prod" } ]""");
        var args = new[] { "gate", "-p", "preds.csv", "-t", "binary", "-l", "label", "-s", "score", "--gates", "gates.json", "--resamples", "300" };
        var (exit, output, err) = Run([.. args, "--baseline-metrics", "prod-metrics.json", "--baseline-name", "prod"]);
        Assert.Equal(1, exit);
        Assert.Contains("FAIL auc drop vs prod <= 0.01", output);
        Assert.Contains(">= 0.98, n=1000, baseline 0.99", output);
        Assert.Contains("error MLB4002", err);
        (exit, _, err) = Run(args);
        Assert.Equal(1, exit);
        Assert.Contains("gates.json(1,3): error MLB4005: Gate 'auc drop vs prod <= 0.01' has no baseline 'prod'", err);
    }
}
