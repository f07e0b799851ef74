using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Xml;
using MlBuild.Core.Diagnostics;

namespace MlBuild.Core.Reports;

/// <summary>
/// The Visual Studio test results format (TRX, namespace <c>http://microsoft.com/schemas/VisualStudio/TeamTest/2010</c>)
/// over a <see cref="ReportDocument"/>, so that Azure DevOps, GitHub test reporters and Visual Studio show each check as
/// a test: a test per leaf section (as <see cref="ReportWriters.JUnit"/> makes its test cases), the class name its
/// parent path, the outcome from its verdict after policy, the diagnostics as the error message.
/// <para>
/// Deterministic: every id (run, test, execution) is a name-based UUID (version 5 layout over SHA-256 of the title and
/// the test's path), and there are no clock times: the schema makes the run's <c>Times</c> and a result's
/// <c>startTime</c>/<c>endTime</c> optional, readers fall back to the file's time, and a duration of zero says that the
/// checks' cost is not what the file reports (MSBuild's performance summary has it).
/// </para>
/// </summary>
public static class TrxWriter
{
    const string Ns = "http://microsoft.com/schemas/VisualStudio/TeamTest/2010";
    // Fixed ids of the TRX format itself: the unit-test type and the "Results Not in a List" / "All Loaded Results" lists.
    const string UnitTestType = "13cdc9d9-ddb5-4fa4-a97d-d965ccfc6d4b";
    const string ResultsNotInAList = "8c84fa94-04c1-424b-9868-57a2d4851a1d";
    const string AllLoadedResults = "19431567-8539-422a-85d7-44ee4e166bda";

    /// <summary>The TRX bytes (UTF-8 without BOM, LF line ends).</summary>
    public static byte[] Trx(ReportDocument doc)
    {
        var tests = doc.Sections.SelectMany(s => Leaves(s, null)).ToList();
        var runName = $"{doc.Tool} {doc.Title}";
        var settings = new XmlWriterSettings { Indent = true, Encoding = new UTF8Encoding(false), NewLineChars = "\n" };
        using var ms = new MemoryStream();
        using (var w = XmlWriter.Create(ms, settings))
        {
            w.WriteStartDocument();
            w.WriteStartElement("TestRun", Ns);
            w.WriteAttributeString("id", NameId("run", runName));
            w.WriteAttributeString("name", runName);
            w.WriteAttributeString("runUser", "");

            w.WriteStartElement("Results", Ns);
            foreach (var t in tests)
            {
                var s = t.Section;
                w.WriteStartElement("UnitTestResult", Ns);
                w.WriteAttributeString("executionId", t.ExecutionId);
                w.WriteAttributeString("testId", t.TestId);
                w.WriteAttributeString("testName", t.ClassName + "." + s.Id);
                w.WriteAttributeString("computerName", "");
                w.WriteAttributeString("duration", "00:00:00");
                w.WriteAttributeString("testType", UnitTestType);
                w.WriteAttributeString("outcome", Outcome(s.Verdict));
                w.WriteAttributeString("testListId", ResultsNotInAList);
                w.WriteAttributeString("relativeResultsDirectory", t.ExecutionId);
                var figures = string.Join("\n", s.Figures.Select(f => $"{f.Name} = {ReportWriters.Format(f)}"));
                var diagnostics = string.Join("\n", s.Diagnostics.Select(d => d.ToCanonicalString()));
                var message = s.Summary ?? s.Diagnostics.FirstOrDefault()?.Message;
                if (figures.Length > 0 || (message is not null && s.Verdict != Verdict.Pass))
                {
                    w.WriteStartElement("Output", Ns);
                    if (figures.Length > 0) w.WriteElementString("StdOut", Ns, figures);
                    if (s.Verdict != Verdict.Pass && message is not null)
                    {
                        w.WriteStartElement("ErrorInfo", Ns);
                        w.WriteElementString("Message", Ns, diagnostics.Length > 0 ? message + "\n" + diagnostics : message);
                        w.WriteEndElement();
                    }
                    w.WriteEndElement();
                }
                w.WriteEndElement();
            }
            w.WriteEndElement();

            w.WriteStartElement("TestDefinitions", Ns);
            foreach (var t in tests)
            {
                w.WriteStartElement("UnitTest", Ns);
                w.WriteAttributeString("name", t.Section.Id);
                w.WriteAttributeString("storage", doc.Tool);
                w.WriteAttributeString("id", t.TestId);
                w.WriteStartElement("Execution", Ns);
                w.WriteAttributeString("id", t.ExecutionId);
                w.WriteEndElement();
                w.WriteStartElement("TestMethod", Ns);
                w.WriteAttributeString("codeBase", doc.Tool);
                w.WriteAttributeString("adapterTypeName", "executor://mlbuild/" + doc.ToolVersion);
                w.WriteAttributeString("className", t.ClassName);
                w.WriteAttributeString("name", t.Section.Id);
                w.WriteEndElement();
                w.WriteEndElement();
            }
            w.WriteEndElement();

            w.WriteStartElement("TestEntries", Ns);
            foreach (var t in tests)
            {
                w.WriteStartElement("TestEntry", Ns);
                w.WriteAttributeString("testId", t.TestId);
                w.WriteAttributeString("executionId", t.ExecutionId);
                w.WriteAttributeString("testListId", ResultsNotInAList);
                w.WriteEndElement();
            }
            w.WriteEndElement();

            w.WriteStartElement("TestLists", Ns);
            foreach (var (name, id) in new[] { ("Results Not in a List", ResultsNotInAList), ("All Loaded Results", AllLoadedResults) })
            {
                w.WriteStartElement("TestList", Ns);
                w.WriteAttributeString("name", name);
                w.WriteAttributeString("id", id);
                w.WriteEndElement();
            }
            w.WriteEndElement();

            w.WriteStartElement("ResultSummary", Ns);
            bool failed = tests.Any(t => t.Section.Verdict is Verdict.Fail or Verdict.Inconclusive or Verdict.Error);
            w.WriteAttributeString("outcome", failed ? "Failed" : "Completed");
            w.WriteStartElement("Counters", Ns);
            int Count(params string[] outcomes) => tests.Count(t => outcomes.Contains(Outcome(t.Section.Verdict)));
            Attr(w, "total", tests.Count);
            Attr(w, "executed", tests.Count - Count("NotExecuted"));
            Attr(w, "passed", Count("Passed"));
            Attr(w, "failed", Count("Failed"));
            Attr(w, "error", Count("Error"));
            Attr(w, "timeout", 0);
            Attr(w, "aborted", 0);
            Attr(w, "inconclusive", Count("Inconclusive"));
            Attr(w, "passedButRunAborted", 0);
            Attr(w, "notRunnable", 0);
            Attr(w, "notExecuted", Count("NotExecuted"));
            Attr(w, "disconnected", 0);
            Attr(w, "warning", 0);
            Attr(w, "completed", 0);
            Attr(w, "inProgress", 0);
            Attr(w, "pending", 0);
            w.WriteEndElement();
            w.WriteEndElement();

            w.WriteEndElement();
            w.WriteEndDocument();
        }
        return ms.ToArray();
    }

    sealed record Test(string ClassName, ReportSection Section, string TestId, string ExecutionId);

    /// <summary>The leaf sections below <paramref name="parent"/> with their dotted class path (a top-level section without
    /// children is its own test), as the JUnit writer lists test cases.</summary>
    static IEnumerable<Test> Leaves(ReportSection parent, string? path)
    {
        if (path is null && parent.Sections.Count == 0)
        {
            yield return Make(parent.Id, parent);
            yield break;
        }
        var here = path is null ? parent.Id : path + "." + parent.Id;
        foreach (var s in parent.Sections)
            if (s.Sections.Count == 0) yield return Make(here, s);
            else foreach (var t in Leaves(s, here)) yield return t;
    }

    static Test Make(string className, ReportSection s) =>
        new(className, s, NameId("test", className + "\n" + s.Id), NameId("execution", className + "\n" + s.Id));

    /// <summary>The verdict after policy as a TRX outcome: an inconclusive gate that only warns is Inconclusive (not a
    /// failure); one that fails is Failed; a check that could not run is Error; a skipped one NotExecuted.</summary>
    static string Outcome(Verdict v) => v switch
    {
        Verdict.Pass => "Passed",
        Verdict.Skipped => "NotExecuted",
        Verdict.Warn or Verdict.Inconclusive => "Inconclusive",
        Verdict.Fail => "Failed",
        _ => "Error",
    };

    /// <summary>A UUID from a name (version-5 layout, SHA-256 instead of SHA-1): the same name gives the same id everywhere.</summary>
    internal static string NameId(string kind, string name)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes("mlbuild-trx\n" + kind + "\n" + name));
        var b = hash.AsSpan(0, 16).ToArray();
        b[6] = (byte)((b[6] & 0x0F) | 0x50);
        b[8] = (byte)((b[8] & 0x3F) | 0x80);
        return new Guid(b, bigEndian: true).ToString("D", CultureInfo.InvariantCulture);
    }

    static void Attr(XmlWriter w, string name, int value) => w.WriteAttributeString(name, value.ToString(CultureInfo.InvariantCulture));
}
