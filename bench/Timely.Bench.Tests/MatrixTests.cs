using Timely.Bench.Suite;

namespace Timely.Bench.Tests;

public class MatrixTests
{
    [Fact]
    public void The_full_matrix_is_every_workload_under_every_configuration()
    {
        var rows = SuiteMatrix.Rows(SuiteSize.Full);
        Assert.Equal(7 * 4, rows.Count);
        Assert.Contains(rows, r => r.Id == "pingpong 100000 1 -w 1");
        Assert.Contains(rows, r => r.Id == "pingpong 1000 1000000 --processes 2 --transport shm");
        Assert.Contains(rows, r => r.Id == "exchange 100000 1000 --processes 2 --transport tcp");
        Assert.Contains(rows, r => r.Id == "barrier 1000000 -w 2");
        Assert.Equal(rows.Count, rows.Select(r => r.Id).Distinct().Count());
    }

    [Fact]
    public void Filter_takes_substrings_and_globs_case_insensitively()
    {
        var rows = SuiteMatrix.Rows(SuiteSize.Quick);
        Assert.Equal(4, SuiteMatrix.Filter(rows, ["ROUNDTRIP"]).Count);
        Assert.Equal(2, SuiteMatrix.Filter(rows, ["pingpong* -w 2"]).Count);
        Assert.Equal(7, SuiteMatrix.Filter(rows, ["*--transport tcp"]).Count);
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
