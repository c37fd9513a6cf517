using System.Diagnostics;
using Timely.Bench.Suite;

namespace Timely.Bench.Tests;

/// <summary>
/// The suite's peak-memory instrument: the high-water line of <c>/proc/PID/status</c>, and the
/// sum over a process and its descendants. No timing is asserted: the tests wait for a condition.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class PeakRssTests
{
    [Fact]
    public void The_high_water_mark_is_read_from_the_status_text_and_absent_for_an_exited_process()
    {
        const string live = "Name:\tdd\nVmPeak:\t  70000 kB\nVmHWM:\t   65612 kB\nVmRSS:\t   1000 kB\n";
        Assert.Equal(65612, PeakRss.HighWaterKb(live));
        Assert.Null(PeakRss.HighWaterKb("Name:\tdd\nState:\tZ (zombie)\n"));
        Assert.Null(PeakRss.HighWaterKb("VmHWM:\t  lots kB\n"));
    }

    [Fact]
    public void A_descendants_peak_counts_after_it_has_given_its_memory_back()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        // sh starts dd, which fills a 64 MB buffer and then blocks writing to a pipe nobody reads;
        // sh's own pid is the only one the sampler is given.
        var info = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("dd if=/dev/zero bs=64M count=1 status=none | sleep 60");
        using var sampler = PeakRss.Start();
        using var process = Process.Start(info)!;
        try
        {
            sampler.Add(process.Id);
            var clock = Stopwatch.StartNew();
            while (!(sampler.Megabytes >= 64 * 1.048576) && clock.Elapsed < TimeSpan.FromSeconds(50))
            {
                Thread.Sleep(10);
            }
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }

        // The processes are gone; the figure stays what was read while they lived.
        double peak = sampler.StopMegabytes();
        Assert.InRange(peak, 64 * 1.048576, 1000);
    }

    [Fact]
    public void A_measured_run_reports_the_peak_of_all_its_processes()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var one = MeasuredCommand.Run([("/bin/sh", ["-c", "sleep 0.2"])], TimeSpan.FromSeconds(60));
        var two = MeasuredCommand.Run([("/bin/sh", ["-c", "sleep 0.2"]), ("/bin/sh", ["-c", "sleep 0.2"])], TimeSpan.FromSeconds(60));
        Assert.True(one.Succeeded && two.Succeeded);
        Assert.InRange(one.PeakRssMegabytes, 0.1, 100);
        Assert.InRange(two.PeakRssMegabytes, 0.1, 200);
    }
}
