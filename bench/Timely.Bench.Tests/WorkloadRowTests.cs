using Timely.Bench.Suite;
using Timely.Communication;
using Timely.Workloads;

namespace Timely.Bench.Tests;

/// <summary>The pure parts of --workloads and suite-power: rows of declared configurations, the checksum checks, the listing, the power table.</summary>
public sealed class WorkloadRowTests
{
    private static RowResult Row(string label, string configuration, string build, params ulong[] checksums) => new()
    {
        Id = $"workload {label} --size quick {configuration}",
        Label = label,
        Configuration = configuration,
        Build = build,
        Samples = checksums.Select(c => new RunSample { Milliseconds = 1, Records = 10, Checksum = c }).ToList(),
    };

    [Fact]
    public void A_workload_gets_a_row_per_declared_configuration_and_no_path_in_its_id()
    {
        var rows = SuiteMatrix.UserRows([("a", WorkloadConfigurations.All), ("b", WorkloadConfigurations.TwoWorkers | WorkloadConfigurations.Tcp), ("c", WorkloadConfigurations.None)], SuiteSize.Quick);
        Assert.Equal(
            ["workload a --size quick -w 1", "workload a --size quick -w 2", "workload a --size quick --processes 2 --transport shm", "workload a --size quick --processes 2 --transport tcp", "workload b --size quick -w 2", "workload b --size quick --processes 2 --transport tcp"],
            rows.Select(r => r.Id));
        Assert.All(rows, r => Assert.True(r.IsUserWorkload));
        Assert.Equal([1, 2, 2, 2, 2, 2], rows.Select(r => r.Peers));
        Assert.Equal("workload b --size smoke -w 2", SuiteMatrix.UserRows([("b", WorkloadConfigurations.TwoWorkers)], SuiteSize.Smoke)[0].Id);
    }

    [Fact]
    public void A_run_whose_checksum_or_records_differ_from_its_rows_first_is_refused_with_both_values()
    {
        var row = Row("w", "-w 1", "this", 5);
        Assert.Null(ChecksumCheck.AgainstRow(row, new RunSample { Records = 10, Checksum = 5 }));
        Assert.Equal("wrong result: checksum 0000000000000006 on run 2, but 0000000000000005 on run 1 of this row", ChecksumCheck.AgainstRow(row, new RunSample { Records = 10, Checksum = 6 }));
        Assert.Equal("wrong result: 11 records on run 2, but 10 on run 1 of this row", ChecksumCheck.AgainstRow(row, new RunSample { Records = 11, Checksum = 5 }));
    }

    [Fact]
    public void Across_rows_the_checksum_most_rows_agree_on_wins_and_only_the_others_fail()
    {
        var rows = new[]
        {
            Row("w", "-w 1", "this", 7), Row("w", "-w 1", "vs", 7), Row("w", "-w 2", "this", 9), Row("w", "-w 2", "vs", 7),
            Row("other", "-w 1", "this", 1), Row("other", "-w 2", "this", 2),
        };
        Assert.Equal(2, ChecksumCheck.AcrossRows(rows));
        Assert.Equal([RowStatus.Ok, RowStatus.Ok, RowStatus.Failed, RowStatus.Ok, RowStatus.Ok, RowStatus.Failed], rows.Select(r => r.Status));
        Assert.Equal("wrong result: checksum 0000000000000009, but 0000000000000007 on -w 1 this, -w 1 vs, -w 2 vs", rows[2].Message);
        // A tie goes to the earliest row in the matrix (the -w 1 row of this build).
        Assert.Equal("wrong result: checksum 0000000000000002, but 0000000000000001 on -w 1 this", rows[5].Message);
    }

    [Fact]
    public void Built_in_rows_without_checksums_are_left_alone()
    {
        var builtIn = ReportFiles.Row("barrier 1000 -w 1", 1, 2);
        Assert.Equal(0, ChecksumCheck.AcrossRows([builtIn, ReportFiles.Row("barrier 1000 -w 2", 1)]));
        Assert.Equal(RowStatus.Ok, builtIn.Status);
    }

    [Fact]
    public void The_listing_keeps_well_formed_lines_only()
    {
        var listed = UserWorkloads.ParseList("good\t15\t-w 1, -w 2, shm x2, tcp x2\nnoise line\nbad name\t1\n x\t1\nw\t99\nsmall\t3\t-w 1, -w 2\r\n");
        Assert.Equal([("good", WorkloadConfigurations.All), ("small", WorkloadConfigurations.OneWorker | WorkloadConfigurations.TwoWorkers)], listed);
    }

    [Fact]
    public void The_power_table_counts_detections_and_false_alarms_per_repeat()
    {
        double[] reference = [10, 10.2, 9.9, 10.1, 10, 10.3];
        var trials = new Dictionary<int, List<(double[] Changed, double[] Reference)>>
        {
            [0] = [(reference, reference), (reference, reference)],
            [200] = [(reference.Select(x => x * 3).ToArray(), reference), (reference.Select(x => x * 3).ToArray(), reference)],
        };
        string table = DetectionPower.Table(trials, [3, 6], 0.10);
        Assert.Contains("| +0% | +0.0% | 2 | 0/2 false alarms | 0/2 false alarms |", table, StringComparison.Ordinal);
        Assert.Contains("| +200% | +200.0% | 2 | 2/2 detected | 2/2 detected |", table, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0,5,x")]
    [InlineData("5,5")]
    [InlineData("-1")]
    [InlineData("")]
    public void A_bad_list_of_dials_is_a_usage_error(string text)
    {
        Assert.Throws<ConfigException>(() => PowerCommand.ParseIntegers("--dials", text, 0, 1000));
    }
}
