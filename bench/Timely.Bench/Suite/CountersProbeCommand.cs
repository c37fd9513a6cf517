using System.CommandLine;
using System.Diagnostics;

namespace Timely.Bench.Suite;

/// <summary>
/// <c>timely counters-probe --ms T --allocate-mb N</c> (hidden): lives T ms and allocates N MB
/// meanwhile (or nothing), so the suite's EventPipe reader can be checked against a process whose
/// allocation is known. It waits in 10 ms sleeps, so it costs no CPU when it allocates nothing.
/// </summary>
public static class CountersProbeCommand
{
    public static Command Create()
    {
        var ms = new Option<int>("--ms") { Description = "How long to live.", DefaultValueFactory = _ => 1000 };
        var mb = new Option<int>("--allocate-mb") { Description = "Megabytes to allocate over that time.", DefaultValueFactory = _ => 0 };
        var command = new Command("counters-probe", "Lives --ms milliseconds allocating --allocate-mb megabytes (a check for the suite's counter reader).") { Hidden = true };
        command.Options.Add(ms);
        command.Options.Add(mb);
        command.SetAction(result => Run(result.GetValue(ms), result.GetValue(mb)));
        return command;
    }

    private static int Run(int milliseconds, int megabytes)
    {
        var clock = Stopwatch.StartNew();
        long target = (long)megabytes << 20;
        long allocated = 0;
        long checksum = 0;
        while (clock.ElapsedMilliseconds < milliseconds)
        {
            // Allocate in step with time, 64 KB arrays (below the large-object threshold: gen0).
            long due = (long)(target * Math.Min(1.0, clock.ElapsedMilliseconds / (double)milliseconds));
            while (allocated < due)
            {
                var chunk = new byte[64 * 1024];
                chunk[allocated % chunk.Length] = 1;
                checksum += chunk[0];
                allocated += chunk.Length;
            }

            Thread.Sleep(10);
        }

        Console.WriteLine($"allocated {allocated} bytes ({checksum})");
        return 0;
    }
}
