using System.Diagnostics;
using MlBuild.Core.Reports;
using Xunit;

namespace MlBuild.Core.Tests.Drift;

/// <summary>
/// The drift report in a real browser: headless Chromium (Debian's <c>chromium</c>, installed on first use when the tests
/// run as root on Debian, as the registry tests install their servers) loads the file, shows every column and logs no
/// console error; the screenshot is kept beside the test binaries (drift-report-screenshot.png) to look at.
/// </summary>
public sealed class HtmlDriftReportBrowserTests
{
    static readonly Lazy<string> Chromium = new(FindOrInstallChromium);

    [Fact]
    public void Report_renders_in_headless_chromium_with_every_column_and_no_console_error()
    {
        using var dir = new TempDir();
        var input = HtmlDriftReportTests.Sample();
        var page = dir.WriteBytes("drift.html", HtmlDriftReport.Write(input));

        var (dom, log) = RunChromium(dir.Path, "--dump-dom", new Uri(page).AbsoluteUri);
        Assert.DoesNotContain(":CONSOLE", log);
        foreach (var column in input.Columns)
            Assert.Contains("<h2>" + column.Name + " <b", dom); // each column's section was parsed and is in the document
        Assert.Contains("<h1>Drift detected</h1>", dom);

        var screenshot = Path.Combine(AppContext.BaseDirectory, "drift-report-screenshot.png");
        File.Delete(screenshot);
        RunChromium(dir.Path, "--window-size=1100,2400", "--hide-scrollbars", "--screenshot=" + screenshot, new Uri(page).AbsoluteUri);
        var png = File.ReadAllBytes(screenshot);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
        Assert.True(png.Length > 20_000, $"a {png.Length}-byte screenshot is nearly blank");
    }

    [Fact]
    public void The_console_check_sees_an_error_when_there_is_one()
    {
        using var dir = new TempDir();
        var page = dir.Write("broken.html", "<!DOCTYPE html><html><body><p>x</p><script>console.error('marker'); notDefined();</script></body></html>");
        var (_, log) = RunChromium(dir.Path, "--dump-dom", new Uri(page).AbsoluteUri);
        Assert.Contains(":CONSOLE", log);
        Assert.Contains("notDefined", log);
    }

    static (string Stdout, string Stderr) RunChromium(string workDir, params string[] args)
    {
        var psi = new ProcessStartInfo(Chromium.Value)
        {
            WorkingDirectory = workDir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        // Its own profile folder, so tests running at once do not share one; logging to stderr carries console messages.
        foreach (var a in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--user-data-dir=" + Path.Combine(workDir, "profile"),
                                  "--enable-logging=stderr", "--v=0" }.Concat(args))
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException("chromium did not finish within 2 minutes");
        }
        Assert.True(p.ExitCode == 0, $"chromium exited with {p.ExitCode}: {stderr.Result}");
        return (stdout, stderr.Result);
    }

    static string? Which(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, program)).FirstOrDefault(File.Exists);

    static string FindOrInstallChromium()
    {
        string? Find() => new[] { "chromium", "chromium-browser", "google-chrome", "google-chrome-stable" }.Select(Which).FirstOrDefault(p => p is not null);
        if (Find() is { } found) return found;
        if (Which("apt-get") is null || Environment.UserName != "root")
            throw new InvalidOperationException("The browser test needs Chromium: install Debian's package (sudo apt-get install chromium) or put chromium on PATH.");
        foreach (var args in new[] { "update -q", "install -y -q --no-install-recommends chromium" })
        {
            var psi = new ProcessStartInfo("apt-get", args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            psi.Environment["DEBIAN_FRONTEND"] = "noninteractive";
            using var p = Process.Start(psi)!;
            var err = p.StandardError.ReadToEndAsync();
            p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0) throw new InvalidOperationException($"apt-get {args} failed: {err.Result}");
        }
        return Find() ?? throw new InvalidOperationException("apt-get installed chromium but it is not on PATH.");
    }
}
