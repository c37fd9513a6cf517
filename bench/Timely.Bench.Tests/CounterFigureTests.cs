using Timely.Bench.Suite;

namespace Timely.Bench.Tests;

/// <summary>The suite never prints a figure that was not measured.</summary>
public class CounterFigureTests
{
    private static string[] TableRow(RowResult row) => TextReport.Table(ReportFiles.Report(row), null, null)[1];

    private static string CountersCell(RowResult row) => TableRow(row)[^1];

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void Fewer_than_two_counter_windows_are_too_short_and_name_the_window(int intervals)
    {
        string? reason = CounterSession.TooShort(intervals);
        Assert.NotNull(reason);
        Assert.StartsWith("too short", reason, StringComparison.Ordinal);
        Assert.Contains("100 ms", reason, StringComparison.Ordinal);
        Assert.Null(CounterSession.TooShort(2));
    }

    [Fact]
    public void A_row_whose_runs_were_too_short_says_so_instead_of_figures()
    {
        var row = ReportFiles.Row("roundtrip 100 -w 1", 1, 2, 3);
        string tooShort = CounterSession.TooShort(1)!;
        for (int i = 0; i < row.Samples.Count; i++)
        {
            row.Samples[i] = new RunSample { Milliseconds = i + 1, Records = 1000, CountersSource = tooShort };
        }

        string cell = CountersCell(row);
        Assert.Equal(tooShort, cell);
        Assert.DoesNotContain("0.00", cell, StringComparison.Ordinal);
    }

    [Fact]
    public void A_row_whose_reader_failed_says_not_measured_with_the_reason()
    {
        var row = ReportFiles.Row("barrier 100 -w 1", 1);
        row.Samples[0] = new RunSample { Milliseconds = 1, Records = 1000, CountersSource = CounterSession.NotMeasured("event stream failed (FormatException: Read past end of stream)") };
        Assert.Equal("not measured: event stream failed (FormatException: Read past end of stream)", CountersCell(row));
    }

    [Fact]
    public void Only_runs_with_every_counter_enter_the_medians_and_a_missing_one_is_not_printed_as_zero()
    {
        var row = ReportFiles.Row("barrier 100 -w 1", 1, 2);
        row.Samples[0] = new RunSample { Milliseconds = 1, Records = 1000, CountersSource = "eventpipe", ProcessAllocatedBytes = 3_000_000, ProcessGen0 = 2, CpuMilliseconds = 40 };
        row.Samples[1] = new RunSample { Milliseconds = 2, Records = 1000, CountersSource = "eventpipe", ProcessAllocatedBytes = 9_000_000, ProcessGen0 = null, CpuMilliseconds = null };
        Assert.Equal("3.00, 2, 40.0 (eventpipe medians, 1/2 runs)", CountersCell(row));
    }

    [Fact]
    public void Hello_has_no_timed_part_so_no_bytes_per_record()
    {
        var row = ReportFiles.Row("hello -w 1", 300);
        Assert.Equal("hello", row.Label);
        Assert.Equal("-", TableRow(row)[9]);
    }
}
