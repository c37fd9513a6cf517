using System.Text.Json;
using Timely.Bench.Suite;

namespace Timely.Bench.Tests;

/// <summary>`timely suite` through the real executable (dotnet timely.dll), on smoke rows or refused before any row.</summary>
public sealed class SuiteCliTests : IDisposable
{
    private const string OneRow = "barrier*-w 1";

    private readonly string _dir = ReportFiles.TempDirectory();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private ChildRun Suite(params string[] args) =>
        ChildRunner.Run(ReportFiles.Timely, ["suite", "--smoke", .. args], TimeSpan.FromSeconds(120), counters: false, _dir);

    private static void AssertRefusedBeforeAnyRow(ChildRun run, string option, string why)
    {
        Assert.False(run.Hung);
        Assert.True(run.ExitCode == 2, $"exit {run.ExitCode}: {run.StandardError}");
        string[] lines = run.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        string line = Assert.Single(lines);
        Assert.StartsWith($"timely: error: {option}", line, StringComparison.Ordinal);
        Assert.Contains(why, line, StringComparison.Ordinal);
        Assert.DoesNotContain("[1/", run.StandardError, StringComparison.Ordinal);
        Assert.Equal("", run.StandardOutput);
    }

    [Theory]
    [InlineData("--markdown", "x.md")]
    [InlineData("--save", "x.json")]
    [InlineData("--dump-dir", "dumps")]
    [InlineData("--html", "x.html")]
    public void An_output_path_in_a_missing_directory_is_refused_before_any_row_runs(string option, string name)
    {
        string path = Path.Combine(_dir, "missing", name);
        AssertRefusedBeforeAnyRow(Suite("--filter", OneRow, option, path), option, "does not exist");
        Assert.False(Directory.Exists(Path.Combine(_dir, "missing")));
    }

    [Fact]
    public void A_markdown_path_that_is_a_directory_is_refused_before_any_row_runs()
    {
        AssertRefusedBeforeAnyRow(Suite("--filter", OneRow, "--markdown", _dir), "--markdown", "is a directory");
    }

    [Theory]
    [InlineData("--threshold", "-5", "above 0 and at most 1000")]
    [InlineData("--threshold", "0", "above 0 and at most 1000")]
    [InlineData("--repeat", "0", "from 1 to 1000")]
    [InlineData("--timeout", "0", "above 0 and at most 86400")]
    [InlineData("--timeout", "-1", "above 0 and at most 86400")]
    public void Out_of_range_numbers_are_refused_with_the_range_before_any_row_runs(string option, string value, string range)
    {
        AssertRefusedBeforeAnyRow(Suite("--filter", OneRow, option, value), $"{option} {value}", range);
    }

    [Fact]
    public void Json_mode_prints_one_object_per_row_result_and_a_summary_and_nothing_else_on_stdout()
    {
        string md = Path.Combine(_dir, "run.md");
        var run = Suite("--filter", OneRow, "--filter", "roundtrip*-w 1", "--json", "--markdown", md);
        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {run.StandardError}");
        var lines = run.StandardOutput.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).ToArray();
        var objects = lines.Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.All(objects, o => Assert.Equal(JsonValueKind.Object, o.ValueKind));
        Assert.Equal(["row", "row", "summary"], objects.Select(o => o.GetProperty("type").GetString()));
        Assert.Equal(["barrier 1000 -w 1", "roundtrip 100 -w 1"], objects[..2].Select(o => o.GetProperty("id").GetString()));
        Assert.All(objects[..2], o => Assert.Equal("ok", o.GetProperty("status").GetString()));
        Assert.All(objects[..2], o => Assert.Equal(1, o.GetProperty("runs").GetInt32()));
        Assert.All(objects[..2], o => Assert.True(o.GetProperty("median_ms").GetDouble() > 0));
        // Smoke runs do not calibrate: no floors, so no ratios (null, never 0).
        Assert.All(objects[..2], o => Assert.Equal(JsonValueKind.Null, o.GetProperty("x_cache_line").ValueKind));
        var summary = objects[2];
        Assert.Equal((2, 2, 0), (summary.GetProperty("rows").GetInt32(), summary.GetProperty("ok").GetInt32(), summary.GetProperty("exit_code").GetInt32()));
        Assert.Equal(md, summary.GetProperty("markdown").GetString());
        // The human output is on stderr in this mode.
        Assert.Contains("median ms", run.StandardError, StringComparison.Ordinal);
        Assert.Contains("[1/2", run.StandardError, StringComparison.Ordinal);
    }
}
