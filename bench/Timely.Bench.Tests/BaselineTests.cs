using Timely.Bench.Suite;

namespace Timely.Bench.Tests;

public sealed class BaselineTests : IDisposable
{
    private readonly string _dir = ReportFiles.TempDirectory();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Save_and_load_round_trip_every_sample_and_the_host()
    {
        var report = ReportFiles.Report(ReportFiles.Row("pingpong 10 1 -w 1", 1.5, 2.5, 3.5), ReportFiles.Row("barrier 100 -w 2", 7));
        report.Rows[1].Status = RowStatus.Skipped;
        report.Rows[1].Message = "not available in this build: shm";
        report.Rows[0].Samples[0] = new RunSample { Milliseconds = 1.5, Records = 11, ProcessAllocatedBytes = 4096, ProcessGen0 = 2, CpuMilliseconds = 12.5, CountersSource = "eventpipe" };
        string path = Path.Combine(_dir, "run.json");
        report.Save(path);
        var loaded = SuiteReport.Load(path);
        Assert.Equal(report.Host.Cpu, loaded.Host.Cpu);
        Assert.Equal(report.Host.Commit, loaded.Host.Commit);
        Assert.Equal(report.Host.Date, loaded.Host.Date);
        Assert.Equal(report.Calibration.SocketRoundTripNs, loaded.Calibration.SocketRoundTripNs);
        Assert.Equal(report.Rows.Select(r => (r.Id, r.Status, r.Message)), loaded.Rows.Select(r => (r.Id, r.Status, r.Message)));
        Assert.Equal(report.Rows[0].Milliseconds, loaded.Rows[0].Milliseconds);
        var s = loaded.Rows[0].Samples[0];
        Assert.Equal((11L, 4096L, 2L, 12.5, "eventpipe"), (s.Records, s.ProcessAllocatedBytes, s.ProcessGen0, s.CpuMilliseconds, s.CountersSource));
    }

    [Fact]
    public void A_smoke_run_without_floors_saves_and_loads()
    {
        // Smoke runs do not calibrate: NaN floors, which plain JSON numbers cannot hold.
        var smoke = ReportFiles.Report(ReportFiles.Row("barrier 100 -w 1", 1));
        var report = new SuiteReport { Command = "suite --smoke", Size = "smoke", Host = smoke.Host, Calibration = new CalibrationResult { CacheLineRoundTripNs = double.NaN, SocketRoundTripNs = double.NaN }, Rows = smoke.Rows };
        string path = Path.Combine(_dir, "smoke.json");
        report.Save(path);
        Assert.True(double.IsNaN(SuiteReport.Load(path).Calibration.CacheLineRoundTripNs));
    }

    [Fact]
    public void A_file_that_cannot_be_written_after_the_run_is_one_error_line_and_exit_1_and_the_rest_still_comes_out()
    {
        // The folder was checked before the run and removed during it.
        var report = ReportFiles.Report(ReportFiles.Row("a -w 1", 10, 10, 10));
        using var output = new StringWriter();
        using var errors = new StringWriter();
        string md = Path.Combine(_dir, "gone", "x.md");
        string save = Path.Combine(_dir, "s.json");
        Assert.Equal(1, SuiteCommand.Report(report, null, filtered: false, 0.1, save, md, output, errors));
        Assert.Contains("median ms", output.ToString(), StringComparison.Ordinal);
        Assert.StartsWith($"timely: could not write {md}: ", errors.ToString(), StringComparison.Ordinal);
        Assert.True(File.Exists(save));
    }

    [Fact]
    public void A_missing_baseline_is_a_clear_error()
    {
        string path = Path.Combine(_dir, "nope.json");
        var e = Assert.Throws<BaselineException>(() => SuiteReport.Load(path));
        Assert.Contains("no such file", e.Message, StringComparison.Ordinal);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Corrupt_json_and_foreign_json_are_clear_errors()
    {
        string corrupt = Path.Combine(_dir, "corrupt.json");
        File.WriteAllText(corrupt, "{\"format\": \"timely-suite/1\", \"rows\": [");
        Assert.Contains("not valid suite JSON", Assert.Throws<BaselineException>(() => SuiteReport.Load(corrupt)).Message, StringComparison.Ordinal);
        string foreign = Path.Combine(_dir, "foreign.json");
        File.WriteAllText(foreign, "{\"name\": \"something else\"}");
        Assert.Contains("not a suite result", Assert.Throws<BaselineException>(() => SuiteReport.Load(foreign)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_baseline_with_other_rows_is_a_clear_error_and_exit_code_2()
    {
        var baseline = ReportFiles.Report(ReportFiles.Row("pingpong 100000 1 -w 1", 10, 11, 12));
        var current = ReportFiles.Report(ReportFiles.Row("pingpong 10000 1 -w 1", 1, 1, 1));
        var e = Assert.Throws<BaselineException>(() => Comparison.CompareRuns(current.Rows, baseline.Rows, 0.1, filtered: false));
        Assert.Contains("pingpong 10000 1 -w 1", e.Message, StringComparison.Ordinal);
        using var output = new StringWriter();
        using var errors = new StringWriter();
        Assert.Equal(2, SuiteCommand.Report(current, baseline, filtered: false, 0.1, save: null, markdown: null, output, errors));
        Assert.Contains("baseline does not have", errors.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Baseline_rows_missing_from_an_unfiltered_run_are_an_error_but_allowed_when_filtered()
    {
        var baseline = ReportFiles.Report(ReportFiles.Row("a -w 1", 10, 10, 10), ReportFiles.Row("b -w 1", 10, 10, 10));
        var current = ReportFiles.Report(ReportFiles.Row("a -w 1", 10, 10, 10));
        Assert.Throws<BaselineException>(() => Comparison.CompareRuns(current.Rows, baseline.Rows, 0.1, filtered: false));
        Assert.Single(Comparison.CompareRuns(current.Rows, baseline.Rows, 0.1, filtered: true));
    }

    [Fact]
    public void Report_exits_1_on_a_regression_and_0_within_noise_and_writes_markdown_and_svg()
    {
        var baseline = ReportFiles.Report(ReportFiles.Row("a -w 1", 10, 10.2, 9.9), ReportFiles.Row("b -w 1", 10, 10.1, 9.8));
        var slower = ReportFiles.Report(ReportFiles.Row("a -w 1", 15, 15.2, 14.9), ReportFiles.Row("b -w 1", 10, 10.1, 9.9));
        using var output = new StringWriter();
        using var errors = new StringWriter();
        string md = Path.Combine(_dir, "perf.md");
        Assert.Equal(1, SuiteCommand.Report(slower, baseline, filtered: false, 0.1, Path.Combine(_dir, "s.json"), md, output, errors));
        Assert.Contains("REGRESSION a -w 1", errors.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("REGRESSION b", errors.ToString(), StringComparison.Ordinal);
        Assert.Contains("## Host", File.ReadAllText(md), StringComparison.Ordinal);
        Assert.Contains("timely a -w 1", File.ReadAllText(md), StringComparison.Ordinal);
        Assert.StartsWith("<svg", File.ReadAllText(Path.ChangeExtension(md, ".svg")), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_dir, "s.json")));
        using var quiet = new StringWriter();
        Assert.Equal(0, SuiteCommand.Report(baseline, baseline, filtered: false, 0.1, null, null, quiet, quiet));
    }
}
