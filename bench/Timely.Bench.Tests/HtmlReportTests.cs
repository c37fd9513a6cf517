using System.Diagnostics;
using System.Text.RegularExpressions;
using Timely.Bench.Suite;

namespace Timely.Bench.Tests;

/// <summary>
/// The <c>--html</c> page, loaded in a real headless browser (Debian's <c>chromium</c>; .ci/run
/// installs it): its own script draws a chart per row with a dot per run, and the DOM the browser
/// dumps after the script ran shows how many. Without a browser the test fails and says so: a
/// page that was never rendered is not a page that was checked.
/// </summary>
public sealed partial class HtmlReportTests : IDisposable
{
    private static readonly string[] Browsers = ["chromium", "chromium-browser", "google-chrome"];

    private readonly string _dir = ReportFiles.TempDirectory();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static RowResult Build(RowResult row, string build) => new()
    {
        Id = row.Id,
        Label = row.Label,
        Configuration = row.Configuration,
        Build = build,
        Status = row.Status,
        Message = row.Message,
        Samples = row.Samples,
    };

    [Fact]
    public void The_page_draws_a_chart_per_row_with_every_run_in_a_headless_browser()
    {
        var slow = ReportFiles.Row("workload dial --size quick -w 1", 30, 31, 29.5, 33, 30.2);
        var fast = Build(ReportFiles.Row("workload dial --size quick -w 1", 10, 10.5, 9.8, 11, 10.1), "vs");
        var good = ReportFiles.Row("workload good --size quick -w 1", 5, 5.1, 4.9);
        var goodVs = Build(ReportFiles.Row("workload good --size quick -w 1", 5, 5.2, 5.05), "vs");
        var failed = ReportFiles.Row("workload throws --size quick -w 1");
        failed.Status = RowStatus.Failed;
        failed.Message = "exit code 1: timely: workload throws threw on worker 0: <script>alert(1)</script>";
        var report = ReportFiles.Report(slow, fast, good, goodVs, failed, Build(failed, "vs"));
        var theirs = report.Rows.Where(r => r.Build == "vs").Select(r => Build(r, "this")).ToArray();
        var vs = Comparison.CompareRuns(report.Rows, theirs, 0.1, filtered: true);
        var table = TextReport.Table(report, null, vs);
        string html = HtmlReport.Render(report, table, null, vs);

        // Self-contained: nothing to fetch, no element that loads from elsewhere.
        Assert.DoesNotMatch(SourceAttribute(), html);
        Assert.DoesNotContain("<script>alert(1)", html, StringComparison.Ordinal);
        Assert.Contains("<td class=\"regression\">REGRESSION</td>", html, StringComparison.Ordinal);
        Assert.Contains("<td class=\"noise\">within noise</td>", html, StringComparison.Ordinal);

        string path = Path.Combine(_dir, "report.html");
        File.WriteAllText(path, html);
        string dom = DumpDom(path);
        var body = BodyTag().Match(dom);
        Assert.True(body.Success, $"no <body> in the browser's DOM:\n{dom[..Math.Min(dom.Length, 2000)]}");
        Assert.Equal("3", body.Groups["charts"].Value);    // one per row id: dial, good, throws
        Assert.Equal("16", body.Groups["samples"].Value);  // 5 + 5 + 3 + 3 runs, one dot each
        Assert.Equal(3, Regex.Count(dom, "<svg "));
        Assert.Equal(16, Regex.Count(dom, "class=\"sample\""));
        // The throwing row's chart says why it has no dots, as text (escaped), not markup.
        Assert.Contains("failed: exit code 1: timely: workload throws threw on worker 0: &lt;script&gt;", dom, StringComparison.Ordinal);
    }

    /// <summary>The DOM after the page's scripts ran, from <c>chromium --headless --dump-dom</c>; fails the test when there is no browser.</summary>
    private string DumpDom(string page)
    {
        string? browser = Browsers
            .SelectMany(name => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(dir => Path.Combine(dir, name)))
            .FirstOrDefault(File.Exists);
        Assert.True(browser is not null, "no headless browser to render the --html page: install Debian's chromium (apt-get install -y chromium); .ci/run installs it when missing.");
        var info = new ProcessStartInfo(browser!) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        // --no-sandbox: the sandbox refuses to run as root (as CI does); the page is our own file.
        foreach (string a in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", $"--user-data-dir={Path.Combine(_dir, "profile")}", "--dump-dom", new Uri(page).AbsoluteUri })
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(90)))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            Assert.Fail($"{browser} did not exit within 90 s");
        }

        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{browser} exited {process.ExitCode}: {stderr.Result}");
        return stdout.Result;
    }

    [GeneratedRegex("<body[^>]*data-charts=\"(?<charts>[^\"]*)\"[^>]*data-samples=\"(?<samples>[^\"]*)\"|<body[^>]*data-samples=\"(?<samples>[^\"]*)\"[^>]*data-charts=\"(?<charts>[^\"]*)\"")]
    private static partial Regex BodyTag();

    [GeneratedRegex("(src|href)\\s*=|https?://(?!www\\.w3\\.org/2000/svg)", RegexOptions.IgnoreCase)]
    private static partial Regex SourceAttribute();
}
