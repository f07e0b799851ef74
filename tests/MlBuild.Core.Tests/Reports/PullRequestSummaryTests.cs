using MlBuild.Core.Diagnostics;
using MlBuild.Core.Models;
using MlBuild.Core.Reports;

namespace MlBuild.Core.Tests.Reports;

/// <summary>The pull-request summary's Markdown for inputs built by hand: every part, in a fixed order, escaped.</summary>
public sealed class PullRequestSummaryTests : IDisposable
{
    readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    static CandidateEvidence Candidate(IReadOnlyList<SummaryGate>? gates = null) => new()
    {
        Display = "v2/churn.evidence", Model = "churn", Task = "regression", Trainer = "sdca", Seed = 7, TrainRows = 1200, TestRows = 300,
        Metrics = [new("rmse", 2.5, 2.25, 2.75), new("r2", double.NaN)],
        Schema = new ModelSchema([new("age", "Single"), new("plan", "String")], [new("Score", "Single")]),
        Gates = gates,
    };

    [Fact]
    public void Candidate_beside_serving_with_changes_by_direction_gates_slices_and_a_breaking_schema_change()
    {
        var serving = new ServingModel("churn", 3, "prod", ".mlregistry",
            new Dictionary<string, MetricValue> { ["rmse"] = new(2.0, 1.75, 2.25), ["mae"] = new(1.5) },
            new ModelSchema([new("age", "Single"), new("tenure", "Single"), new("plan", "String")], [new("Score", "Single")]));
        var gates = new List<SummaryGate>
        {
            new() { Name = "rmse drop vs prod <= 0.1 (relative)", Verdict = Verdict.Fail, Code = "MLB4002", Value = 0.5, Low = 0.25, High = 0.75,
                    Comparison = "<=", Threshold = 0.2, Baseline = 2.0, BaselineSource = "churn 3 (prod)" },
            new() { Name = "mae <= 3 in every 'a|b' slice", Verdict = Verdict.Pass, Value = 2, Low = 1, High = 2.5, Comparison = "<=", Threshold = 3,
                    Parts = [new() { Name = "x", Verdict = Verdict.Pass, Value = 2, Low = 1, High = 2.5 }], Excluded = "tiny (3)" },
        };

        var md = PullRequestSummary.Markdown(new PullRequestSummaryInput { Candidate = Candidate(gates), Serving = serving });

        Assert.Equal("""
            ## MlBuild: model `churn` ❌ fail

            **Candidate**: `churn` (regression, sdca, seed 7), trained on 1,200 rows, 300 test rows  
            **Serving**: `churn` version 3 (`prod` in registry `.mlregistry`)

            ### Metrics

            | metric | candidate | serving (churn 3) | change |
            |---|---:|---:|---:|
            | rmse ↓ | 2.5 [2.25, 2.75] | 2 [1.75, 2.25] | +0.5 worse |
            | r2 ↑ | undefined |  |  |
            | mae ↓ |  | 1.5 |  |

            Changes are candidate − serving; the gates below compare the two on the same test rows where they could.

            ### Gates

            2 gates: 1 pass, 1 fail.

            | gate | verdict | value [interval] | bound | baseline |
            |---|---|---:|---|---|
            | rmse drop vs prod <= 0.1 (relative) | ❌ fail MLB4002 | 0.5 [0.25, 0.75] | <= 0.2 | churn 3 (prod): 2 |
            | mae <= 3 in every 'a\|b' slice | ✅ pass | 2 [1, 2.5] | <= 3 |  |

            ### Slices

            | gate | slice or group | verdict | value [interval] |
            |---|---|---|---:|
            | mae <= 3 in every 'a\|b' slice | x | ✅ pass | 2 [1, 2.5] |

            mae <= 3 in every 'a\|b' slice: excluded as too small: tiny (3)

            ### Schema

            ⚠️ **Breaking**: consumers of the serving model must change.

            - input 'tenure' removed

            """.Replace("\r\n", "\n"), md);
    }

    [Fact]
    public void Without_serving_or_gates_the_summary_says_what_is_missing()
    {
        var md = PullRequestSummary.Markdown(new PullRequestSummaryInput { Candidate = Candidate(), ServingMissing = "there is no registry at 'reg'" });
        Assert.StartsWith("## MlBuild: model `churn`\n\n", md);
        Assert.Contains("**Serving**: none to compare with: there is no registry at 'reg'.\n", md);
        Assert.Contains("| metric | candidate |\n|---|---:|\n| rmse ↓ | 2.5 [2.25, 2.75] |\n", md);
        Assert.Contains("The gates did not run for this evidence", md);
        Assert.EndsWith("### Schema\n\n2 inputs, 1 outputs; no serving version to compare with.\n", md);
    }

    [Fact]
    public void Evidence_without_metrics_or_with_broken_json_is_MLB4210_at_the_file()
    {
        var folder = Path.Combine(_dir.Path, "e");
        Directory.CreateDirectory(folder);
        var none = Assert.Throws<MlBuildException>(() => CandidateEvidence.Read(folder, "e"));
        Assert.Equal(DiagnosticCodes.SummaryEvidenceInvalid.Code, none.Diagnostic.Code);
        Assert.Contains("has no metrics.json", none.Diagnostic.Message);

        _dir.Write("e/metrics.json", "{\n  \"metrics\": {\n    \"auc\": oops }\n}");
        var broken = Assert.Throws<MlBuildException>(() => CandidateEvidence.Read(folder, "e"));
        Assert.Equal((DiagnosticCodes.SummaryEvidenceInvalid.Code, "e/metrics.json", 3), (broken.Diagnostic.Code, broken.Diagnostic.File, broken.Diagnostic.Line));
    }
}
