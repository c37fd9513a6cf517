using Timely.Bench.Suite;

namespace Timely.Bench.Tests;

public class MatrixTests
{
    [Fact]
    public void The_full_matrix_is_every_workload_under_every_configuration()
    {
        var rows = SuiteMatrix.Rows(SuiteSize.Full);
        Assert.Equal(20 * 4, rows.Count);
        Assert.Contains(rows, r => r.Id == "wordcount -w 2" && r.Label == "wordcount-fixed");
        Assert.Contains(rows, r => r.Id == "distinct --processes 2 --transport tcp" && r.Label == "distinct-fixed");
        Assert.Contains(rows, r => r.Id == "pingpong 100000 1 -w 1");
        Assert.Contains(rows, r => r.Id == "pingpong 1000 1000000 --processes 2 --transport shm");
        Assert.Contains(rows, r => r.Id == "exchange 100000 1000 --processes 2 --transport tcp");
        Assert.Contains(rows, r => r.Id == "barrier 1000000 -w 2");
        Assert.Contains(rows, r => r.Id == "bfs 100000 200000 --processes 2 --transport tcp");
        Assert.Contains(rows, r => r.Id == "openloop 100000 5 -w 1");
        Assert.Equal(rows.Count, rows.Select(r => r.Id).Distinct().Count());
    }

    [Fact]
    public void A_row_whose_command_an_earlier_row_runs_is_left_out()
    {
        // wordcount's and distinct's smoke sizes are Rust's own computation, which the -fixed rows run at every size.
        var smoke = SuiteMatrix.Rows(SuiteSize.Smoke);
        Assert.Equal(smoke.Count, smoke.Select(r => r.Id).Distinct().Count());
        Assert.Equal(18 * 4, smoke.Count);
        Assert.Equal(["wordcount"], smoke.Where(r => r.Id == "wordcount -w 1").Select(r => r.Label));
        var quick = SuiteMatrix.Rows(SuiteSize.Quick);
        Assert.Equal(20 * 4, quick.Count);
        Assert.Equal(quick.Count, quick.Select(r => r.Id).Distinct().Count());
    }

    [Fact]
    public void Filter_takes_substrings_and_globs_case_insensitively()
    {
        var rows = SuiteMatrix.Rows(SuiteSize.Quick);
        Assert.Equal(4, SuiteMatrix.Filter(rows, ["ROUNDTRIP"]).Count);
        Assert.Equal(2, SuiteMatrix.Filter(rows, ["pingpong* -w 2"]).Count);
        Assert.Equal(20, SuiteMatrix.Filter(rows, ["*--transport tcp"]).Count);
        Assert.Equal(4, SuiteMatrix.Filter(rows, ["PINGPONG* -W ?"]).Count);   // both pingpong rows at -w 1 and -w 2, not the processes' rows
        Assert.Empty(SuiteMatrix.Filter(rows, ["pingpong* -w"]));              // a glob holds the whole text, not a prefix
        Assert.Empty(SuiteMatrix.Filter(rows, ["no such row"]));
        Assert.Equal(rows.Count, SuiteMatrix.Filter(rows, []).Count);
    }

    [Fact]
    public void Expected_records_follow_each_workload()
    {
        var rows = SuiteMatrix.Rows(SuiteSize.Full).ToDictionary(r => r.Id);
        Assert.Equal(1 * 100_001, rows["pingpong 100000 1 -w 2"].ExpectedRecords);
        Assert.Equal(2L * 1000 * 100_000, rows["exchange 1000 100000 -w 2"].ExpectedRecords);
        Assert.Equal(1_000_000, rows["barrier 1000000 -w 1"].ExpectedRecords);
        Assert.Equal(4, rows["hello --processes 2 --transport shm"].ExpectedRecords);
        var smoke = SuiteMatrix.Rows(SuiteSize.Smoke).ToDictionary(r => r.Id);
        Assert.Equal(Examples.Bfs.Reference(1000, 2000, 2).Records, smoke["bfs 1000 2000 -w 2"].ExpectedRecords);
        Assert.Equal(2 * 2 * 5, smoke["sequence --rounds 5 --processes 2 --transport shm"].ExpectedRecords);
        Assert.Equal(50, smoke["openloop 1000 0.05 -w 1"].ExpectedRecords);
        Assert.Equal(7, smoke["distinct -w 2"].ExpectedRecords);
        Assert.Equal(5, smoke["distinct -w 1"].ExpectedRecords);   // Rust's worker-0 data alone: 0 1 2 3 4
    }

    [Fact]
    public void Unavailable_transports_and_commands_are_skips_other_failures_are_not()
    {
        Assert.True(SuiteRunner.Unavailable(1, "Unhandled exception: Timely.Communication.ConfigException: cluster of 2 processes over Shm: not built yet"));
        Assert.True(SuiteRunner.Unavailable(2, "timely: --transport shm: not available"));
        Assert.True(SuiteRunner.Unavailable(1, "Unrecognized command or argument 'roundtrip'."));
        Assert.False(SuiteRunner.Unavailable(1, "Unhandled exception: System.InvalidOperationException: roundtrip: sent 3, got 4 back."));
        Assert.False(SuiteRunner.Unavailable(134, "Segmentation fault"));
    }
}

public class ParseTests
{
    private static SuiteRow Row(string config) => SuiteMatrix.Rows(SuiteSize.Smoke).Single(r => r.Label == "exchange-small-batch" && r.Configuration == config);

    [Fact]
    public void Launcher_prefixed_summary_lines_are_combined_per_process()
    {
        var row = Row("shm x2");
        string stdout = """
            [p0] 1.2ms	worker 0 complete
            [p0] {"workload":"exchange","args":[100,10],"workers":2,"elapsed_ms":3.5,"records":1000,"gen0":1,"allocated_bytes":100}
            [p1] {"workload":"exchange","args":[100,10],"workers":2,"elapsed_ms":4.5,"records":1000,"gen0":0,"allocated_bytes":50}
            """;
        var sample = SuiteRunner.Parse(row, new ChildRun { StandardOutput = stdout, WallMilliseconds = 300, CountersNote = "off (test)" }, out string? error);
        Assert.True(sample is not null, error);
        Assert.Equal((4.5, 2000L, 1L, 150L), (sample.Milliseconds, sample.Records, sample.JsonGen0, sample.JsonAllocatedBytes));
        Assert.Equal("off (test)", sample.CountersSource);
    }

    [Fact]
    public void Wrong_record_counts_and_missing_summaries_are_failures()
    {
        var row = Row("-w 1");
        string wrong = """{"workload":"exchange","args":[100,10],"workers":1,"elapsed_ms":3.5,"records":999,"gen0":0,"allocated_bytes":0}""";
        Assert.Null(SuiteRunner.Parse(row, new ChildRun { StandardOutput = wrong }, out string? error));
        Assert.Contains("expected 1000", error, StringComparison.Ordinal);
        Assert.Null(SuiteRunner.Parse(row, new ChildRun { StandardOutput = "1ms\tworker 0 complete" }, out error));
        Assert.Contains("no --json summary", error, StringComparison.Ordinal);
    }
}

public sealed class CommandLineTests : IDisposable
{
    private readonly string _dir = ReportFiles.TempDirectory();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Exit, string Errors) Run(params string[] args)
    {
        var errors = new StringWriter();
        var saved = Console.Error;
        Console.SetError(errors);
        try
        {
            return (Program.Main(args), errors.ToString());
        }
        finally
        {
            Console.SetError(saved);
        }
    }

    [Fact]
    public void A_baseline_of_other_sizes_fails_before_running_with_exit_code_2()
    {
        string path = Path.Combine(_dir, "full.json");
        var full = SuiteMatrix.Rows(SuiteSize.Full).Select(r => ReportFiles.Row(r.Id, 1, 2, 3)).ToArray();
        ReportFiles.Report(full).Save(path);
        var (exit, errors) = Run("suite", "--quick", "--baseline", path);
        Assert.Equal(2, exit);
        Assert.Contains("baseline does not have", errors, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_baseline_or_vs_build_fails_with_exit_code_2()
    {
        var (exit, errors) = Run("suite", "--smoke", "--baseline", Path.Combine(_dir, "none.json"));
        Assert.Equal(2, exit);
        Assert.Contains("no such file", errors, StringComparison.Ordinal);
        (exit, errors) = Run("suite", "--smoke", "--vs", Path.Combine(_dir, "nothing", "timely.dll"));
        Assert.Equal(2, exit);
        Assert.Contains("no timely build", errors, StringComparison.Ordinal);
    }

    [Fact]
    public void A_filter_that_matches_nothing_lists_the_rows_and_exits_2()
    {
        var (exit, errors) = Run("suite", "--smoke", "--filter", "no-such-row");
        Assert.Equal(2, exit);
        Assert.Contains("roundtrip: roundtrip 100 -w 1", errors, StringComparison.Ordinal);
    }
}

public class CalibrationTests
{
    [Fact]
    public void Floors_are_measured_within_a_budget_and_positive()
    {
        var floors = Calibration.Measure(2000, TimeSpan.FromMilliseconds(300), batches: 4);
        Assert.True(floors.CacheLineRoundTripNs > 0, $"{floors.CacheLineRoundTripNs}");
        Assert.True(floors.SocketRoundTripNs > 0, $"{floors.SocketRoundTripNs}");
    }
}
