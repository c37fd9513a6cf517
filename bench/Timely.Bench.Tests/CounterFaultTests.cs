using Timely.Bench.Suite;

namespace Timely.Bench.Tests;

/// <summary>No failure of the counter reader ends a suite run: the row's counters say "not measured" and why.</summary>
public sealed class CounterFaultTests : IDisposable
{
    private readonly string _dir = ReportFiles.TempDirectory();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_reader_thread_that_throws_leaves_its_row_not_measured_and_the_suite_goes_on_to_the_next_row()
    {
        // The crash this guards against: FormatException "Read past end of stream" from TraceEvent on the reader thread.
        var rows = SuiteMatrix.Filter(SuiteMatrix.Rows(SuiteSize.Smoke), ["barrier*-w 1", "roundtrip*-w 1"]);
        Assert.Equal(2, rows.Count);
        var settings = new SuiteSettings
        {
            Size = SuiteSize.Smoke,
            Counters = true,
            Calibrate = false,
            Deadline = TimeSpan.FromSeconds(30),
            DumpDirectory = _dir,
            OpenCounters = _ => FaultyPipes.ThrowingOnRead(new FormatException("Read past end of stream")),
        };
        var report = SuiteRunner.Run(rows, settings, "suite --smoke (test)");
        Assert.Equal(rows.Select(r => r.Id), report.Rows.Select(r => r.Id));
        foreach (var row in report.Rows)
        {
            Assert.True(row.Status == RowStatus.Ok, $"{row.Id}: {row.Status}: {row.Message}");
            var sample = Assert.Single(row.Samples);
            Assert.StartsWith("not measured: ", sample.CountersSource, StringComparison.Ordinal);
            Assert.Contains("Read past end of stream", sample.CountersSource, StringComparison.Ordinal);
            Assert.Null(sample.ProcessAllocatedBytes);
        }
    }

    [Fact]
    public void A_session_whose_disposal_throws_leaves_the_run_complete_with_counters_not_measured()
    {
        var run = ChildRunner.Run(
            ReportFiles.Timely,
            ["counters-probe", "--ms", "600"],
            TimeSpan.FromSeconds(30),
            counters: true,
            _dir,
            openCounters: pid => FaultyPipes.ThrowingOnDispose(EventPipeCounterPipe.Open(pid), new InvalidOperationException("injected disposal failure")));
        Assert.Equal(0, run.ExitCode);
        Assert.Null(run.Counters);
        Assert.NotNull(run.CountersNote);
        Assert.StartsWith("not measured: ", run.CountersNote, StringComparison.Ordinal);
        Assert.Contains("injected disposal failure", run.CountersNote, StringComparison.Ordinal);
    }

    [Fact]
    public void A_reader_that_does_not_end_is_not_measured_rather_than_read_while_it_runs()
    {
        using var session = CounterSession.Attach(0, TimeSpan.FromSeconds(5), _ => FaultyPipes.Blocking(), out string? attachReason);
        Assert.True(session is not null, attachReason);
        var counters = session.Finish(TimeSpan.FromMilliseconds(50), out string? reason);
        Assert.Null(counters);
        Assert.NotNull(reason);
        Assert.StartsWith("not measured: ", reason, StringComparison.Ordinal);
    }
}
