using Timely.Bench.Suite;
using Timely.Testing;

namespace Timely.Bench.Tests;

/// <summary>
/// The suite's exact peak: each command's <c>ru_maxrss</c> from <c>wait4</c> in GNU time, a
/// launcher's children by their own reports, summed. No timing is asserted.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ExactPeakTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);

    [Fact]
    public void A_child_that_touches_48_MiB_peaks_at_48_MiB_and_a_little_more()
    {
        RequireGnuTime();

        // dd reads /dev/zero into one 48 MiB buffer: every page of it is touched once.
        var run = MeasuredCommand.Run([("dd", ["if=/dev/zero", "of=/dev/null", "bs=48M", "count=1", "status=none"])], Deadline);
        Assert.True(run.Succeeded, run.FirstError);
        Assert.True(run.PeakExact);
        double mib48 = 48 * 1.048576;
        Assert.InRange(run.PeakRssMegabytes, mib48, mib48 + 8);
    }

    [Fact]
    public void A_child_that_exits_at_once_still_has_its_peak()
    {
        RequireGnuTime();

        // true exits within a millisecond: before a 2 ms sampler's first read, but not before the kernel's count.
        for (int i = 0; i < 20; i++)
        {
            var run = MeasuredCommand.Run([("true", [])], Deadline);
            Assert.True(run.Succeeded && run.PeakExact);
            Assert.InRange(run.PeakRssMegabytes, 0.1, 20);
            Assert.Single(run.ProcessPeaksKilobytes);
        }
    }

    [Fact]
    public void Processes_started_together_are_summed_and_exit_codes_kept()
    {
        RequireGnuTime();

        var run = MeasuredCommand.Run([("dd", ["if=/dev/zero", "of=/dev/null", "bs=16M", "count=1", "status=none"]), ("sh", ["-c", "dd if=/dev/zero of=/dev/null bs=24M count=1 status=none; echo gone >&2; exit 3"])], Deadline);
        Assert.Equal([0, 3], run.ExitCodes);
        Assert.Equal("gone", run.FirstError);
        Assert.Equal(2, run.ProcessPeaksKilobytes.Count);
        // sh's figure from wait4 is the larger of its own and its waited-for dd's.
        Assert.InRange(run.PeakRssMegabytes, (16 + 24) * 1.048576, ((16 + 24) * 1.048576) + 12);
    }

    [Fact]
    public void A_command_killed_at_its_deadline_has_no_figure()
    {
        RequireGnuTime();

        var run = MeasuredCommand.Run([("sh", ["-c", "sleep 300 & wait"])], TimeSpan.FromMilliseconds(300));
        Assert.True(run.Hung);
        Assert.False(run.PeakExact);
        Assert.True(double.IsNaN(run.PeakRssMegabytes));
    }

    [Fact]
    public void A_launchers_children_are_summed_with_the_launcher()
    {
        RequireGnuTime();

        var exe = TimelyExecutable.FromPath(TimelyDll.Path);
        string job = "exactpeak-" + Guid.NewGuid().ToString("N")[..10];
        var one = MeasuredCommand.Run([(exe.FileName, [.. exe.PrefixArguments, "exchange", "1", "1"])], Deadline);
        var launched = MeasuredCommand.Run([(exe.FileName, [.. exe.PrefixArguments, "exchange", "1", "1", "--processes", "2", "--transport", "shm", "--job", job])], Deadline);
        Assert.True(one.Succeeded, one.FirstError);
        Assert.True(launched.Succeeded, launched.FirstError);

        // One process alone: its wait4 figure. Launched: the launcher (process 0 itself) and its
        // child (process 1), each its own figure; the launcher's wait4 figure (the larger of the
        // two) would be about one process's.
        Assert.Single(one.ProcessPeaksKilobytes);
        Assert.Equal(2, launched.ProcessPeaksKilobytes.Count);
        Assert.All(launched.ProcessPeaksKilobytes, kb => Assert.InRange(kb, 1000, 1_000_000));
        Assert.InRange(launched.PeakRssMegabytes, 1.5 * one.PeakRssMegabytes, 4 * one.PeakRssMegabytes);
    }

    [Fact]
    public void A_commands_figure_is_times_unless_it_left_more_than_one_report()
    {
        Assert.Equal([50L], ExactPeak.Figures(50, new Dictionary<int, long>()));
        Assert.Equal([50L], ExactPeak.Figures(50, new Dictionary<int, long> { [100] = 49 }));
        Assert.Empty(ExactPeak.Figures(null, new Dictionary<int, long>()));

        // A launcher whose time figure is 90 (its largest child's), with its report and its children's.
        var launched = ExactPeak.Figures(90, new Dictionary<int, long> { [100] = 30, [101] = 60, [102] = 90 });
        Assert.Equal(180, launched.Sum());
        Assert.Equal(3, launched.Length);
    }

    [Fact]
    public void Times_figure_is_the_last_line_of_its_file()
    {
        Assert.Equal(1088, ExactPeak.TimeFigure("1088\n"));
        Assert.Equal(2044, ExactPeak.TimeFigure("Command exited with non-zero status 3\n2044\n"));
        Assert.Equal(1800, ExactPeak.TimeFigure("Command terminated by signal 9\n1800\n"));
        Assert.Null(ExactPeak.TimeFigure(""));
    }

    [Fact]
    public void A_report_is_a_pid_file_holding_kilobytes_and_anything_else_is_skipped()
    {
        var directory = Directory.CreateTempSubdirectory("timely-peak-test-");
        try
        {
            File.WriteAllText(Path.Combine(directory.FullName, "123"), "4567");
            File.WriteAllText(Path.Combine(directory.FullName, "124"), "");
            File.WriteAllText(Path.Combine(directory.FullName, "x"), "1");
            Assert.Equal(new Dictionary<int, long> { [123] = 4567 }, ExactPeak.Reports(directory.FullName));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    // Not a silent pass where time is missing: the suite would fall back to the sampler there, and
    // these tests are of the exact instrument (.ci/run installs Debian's 'time' when it is missing).
    private static void RequireGnuTime() =>
        Assert.True(ExactPeak.IsAvailable, $"GNU time ({ExactPeak.GnuTime}, Debian's package 'time') is missing: the suite's exact peak needs it; install it");
}
