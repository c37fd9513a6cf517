using System.Diagnostics;
using Microsoft.Diagnostics.NETCore.Client;

namespace Timely.Bench.Suite;

/// <summary>
/// Starts one <c>timely</c> child, optionally reads its counters over EventPipe, and enforces the
/// per-run deadline: past it, a dump is written through the diagnostics client and the process
/// the suite started (with its own children, e.g. a launcher's processes) is killed by that PID.
/// </summary>
public static class ChildRunner
{
    /// <summary>
    /// Runs <paramref name="exe"/> with <paramref name="arguments"/> to completion or the deadline.
    /// With <paramref name="processes"/> above 1 the child is timely's launcher, which is the
    /// cluster's process 0 and starts the others itself; the counters are then read from it and
    /// from those (its children, found through /proc) and summed.
    /// <paramref name="openCounters"/> opens each process's counter session (tests: a failing one);
    /// by default the process's real EventPipe session.
    /// </summary>
    public static ChildRun Run(TimelyExecutable exe, IReadOnlyList<string> arguments, TimeSpan deadline, bool counters, string dumpDirectory, int processes = 1, Func<int, ICounterPipe>? openCounters = null)
    {
        ArgumentNullException.ThrowIfNull(exe);
        ArgumentNullException.ThrowIfNull(arguments);
        var info = new ProcessStartInfo(exe.FileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in exe.PrefixArguments.Concat(arguments))
        {
            info.ArgumentList.Add(a);
        }

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {exe}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        string? countersNote = counters ? null : "off (--no-counters, or --smoke)";
        var sessions = new List<CounterSession>();
        if (counters)
        {
            List<int> targets = processes > 1 ? [process.Id, .. ChildProcesses(process.Id, processes - 1, TimeSpan.FromSeconds(3))] : [process.Id];
            if (targets.Count < processes)
            {
                countersNote = CounterSession.NotMeasured($"found {targets.Count - 1} of the launcher's {processes - 1} other worker processes");
            }

            foreach (int pid in targets)
            {
                if (CounterSession.Attach(pid, TimeSpan.FromSeconds(2), openCounters ?? EventPipeCounterPipe.Open, out string? reason) is { } session)
                {
                    sessions.Add(session);
                }
                else
                {
                    countersNote = $"{reason} (process {pid})";
                }
            }
        }

        try
        {
            bool exited = process.WaitForExit(deadline - clock.Elapsed > TimeSpan.Zero ? deadline - clock.Elapsed : TimeSpan.Zero);
            string? dumpNote = null;
            if (!exited)
            {
                dumpNote = WriteDump(process.Id, dumpDirectory);
                process.Kill(entireProcessTree: true);
                process.WaitForExit(TimeSpan.FromSeconds(10));
            }
            else
            {
                // The parameterless wait also drains the redirected streams.
                process.WaitForExit();
            }

            double wall = clock.Elapsed.TotalMilliseconds;
            ProcessCounters? figures = null;
            if (sessions.Count > 0 && sessions.Count == processes)
            {
                // Summed over the cluster's processes; any process without figures voids the sum.
                var sum = new ProcessCounters(0, 0, 0, 0);
                foreach (var session in sessions)
                {
                    if (session.Finish(TimeSpan.FromSeconds(2), out string? reason) is { } one)
                    {
                        sum = new ProcessCounters(Math.Max(sum.Intervals, one.Intervals), sum.Gen0 + one.Gen0, sum.AllocatedBytes + one.AllocatedBytes, sum.CpuMilliseconds + one.CpuMilliseconds);
                    }
                    else
                    {
                        countersNote = reason;
                        sum = default;
                        break;
                    }
                }

                figures = sum.Intervals > 0 ? sum : null;
            }

            string? undrained = Drain(stdout, stderr);
            return new ChildRun
            {
                ExitCode = exited ? process.ExitCode : -1,
                Hung = !exited,
                DumpNote = dumpNote,
                StandardOutput = undrained is null ? stdout.Result : "",
                StandardError = undrained ?? stderr.Result,
                WallMilliseconds = wall,
                Counters = figures,
                CountersNote = countersNote,
            };
        }
        finally
        {
            foreach (var session in sessions)
            {
                session.Dispose();
            }
        }
    }

    /// <summary>Waits (bounded) for both output readers; null when they completed, else why not (as the stderr text).</summary>
    private static string? Drain(Task<string> stdout, Task<string> stderr)
    {
        try
        {
            return Task.WaitAll([stdout, stderr], TimeSpan.FromSeconds(10)) ? null : "(output not drained: a grandchild still holds the pipe)";
        }
        catch (AggregateException e)
        {
            // Reading a child's pipe failed; the run is then a failure with this as its reason.
            return $"(output not readable: {e.InnerException?.Message ?? e.Message})";
        }
    }

    /// <summary>
    /// The child processes of <paramref name="parent"/> (Linux: /proc/PID/task/PID/children), polled
    /// until <paramref name="expected"/> have appeared or <paramref name="wait"/> has passed.
    /// </summary>
    private static List<int> ChildProcesses(int parent, int expected, TimeSpan wait)
    {
        string path = $"/proc/{parent}/task/{parent}/children";
        var deadline = DateTime.UtcNow + wait;
        var found = new List<int>();
        var spin = new SpinWait();
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                found = File.ReadAllText(path).Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(p => int.Parse(p, System.Globalization.CultureInfo.InvariantCulture)).ToList();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The launcher exited (or this is not Linux): whatever was found is all there is.
                return found;
            }

            if (found.Count >= expected)
            {
                return found;
            }

            spin.SpinOnce(sleep1Threshold: 10);
        }

        return found;
    }

    private static string WriteDump(int pid, string directory)
    {
        try
        {
            Directory.CreateDirectory(directory);
            string path = Path.Combine(Path.GetFullPath(directory), $"timely-hung-{pid}-{DateTime.UtcNow:yyyyMMddHHmmss}.dmp");
            new DiagnosticsClient(pid).WriteDump(DumpType.WithHeap, path);
            return $"dump written to {path}";
        }
        catch (Exception e)
        {
            // The dump is an instrument: whatever stops it is reported, and the hung child is still killed.
            return $"no dump ({e.GetType().Name}: {e.Message})";
        }
    }
}
