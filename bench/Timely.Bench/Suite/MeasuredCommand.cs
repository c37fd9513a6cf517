using System.Diagnostics;

namespace Timely.Bench.Suite;

/// <summary>One measured start of one or more processes (e.g. Rust's <c>-n 2 -p 0</c> and <c>-p 1</c>).</summary>
/// <param name="ExitCodes">Each process's exit code (-1 when it was killed at the deadline).</param>
/// <param name="Hung">Some process was still running at the deadline and was killed.</param>
/// <param name="WallMilliseconds">From the first start to the last exit.</param>
/// <param name="CpuMilliseconds">User + system CPU of all of them and their descendants (<see cref="ChildCpu"/>), NaN where unknown.</param>
/// <param name="FirstError">The first non-empty stderr line of the first process that failed, or null.</param>
/// <param name="PeakRssMegabytes">The sum of each process's (and descendant's) peak resident memory, MB (<see cref="PeakRss"/>), NaN where unknown.</param>
public sealed record MeasuredRun(IReadOnlyList<int> ExitCodes, bool Hung, double WallMilliseconds, double CpuMilliseconds, string? FirstError, double PeakRssMegabytes = double.NaN)
{
    /// <summary>A run that did not happen and counts zero (the trivial run of an example whose size is fixed).</summary>
    public static MeasuredRun Nothing { get; } = new([], false, 0, 0, null, 0);

    /// <summary>Every process exited 0.</summary>
    public bool Succeeded => !Hung && ExitCodes.All(c => c == 0);
}

/// <summary>
/// Starts processes together, waits for all of them up to a deadline (then kills the ones it
/// started, by their PIDs, with their process trees), and measures wall time, CPU time and peak
/// resident memory the same way whatever the program: the instrument of <c>suite --rust</c>,
/// applied alike to timely and to Rust.
/// </summary>
public static class MeasuredCommand
{
    /// <summary>Runs <paramref name="commands"/> (program, arguments) concurrently to completion or <paramref name="deadline"/>.</summary>
    public static MeasuredRun Run(IReadOnlyList<(string Program, IReadOnlyList<string> Arguments)> commands, TimeSpan deadline)
    {
        ArgumentNullException.ThrowIfNull(commands);
        double cpuBefore = ChildCpu.Milliseconds();
        var clock = Stopwatch.StartNew();
        var processes = new List<(Process Process, Task<string> Out, Task<string> Err)>();
        using var memory = PeakRss.Start();
        try
        {
            foreach (var (program, arguments) in commands)
            {
                var p = Process.Start(StartInfo(program, arguments)) ?? throw new InvalidOperationException($"could not start {program}.");
                processes.Add((p, p.StandardOutput.ReadToEndAsync(), p.StandardError.ReadToEndAsync()));
                memory.Add(p.Id);
            }

            bool hung = false;
            foreach (var (p, _, _) in processes)
            {
                var left = deadline - clock.Elapsed;
                if (!p.WaitForExit(left > TimeSpan.Zero ? left : TimeSpan.Zero))
                {
                    hung = true;
                    break;
                }
            }

            if (hung)
            {
                foreach (var (p, _, _) in processes)
                {
                    Kill(p);
                }
            }

            foreach (var (p, _, _) in processes)
            {
                // The parameterless wait also drains the redirected streams (bounded: the streams
                // of a killed process close with it).
                p.WaitForExit(TimeSpan.FromSeconds(10));
            }

            double wall = clock.Elapsed.TotalMilliseconds;
            double cpu = ChildCpu.Milliseconds() - cpuBefore;
            double peakRss = memory.StopMegabytes();
            var codes = processes.Select(x => x.Process.HasExited ? x.Process.ExitCode : -1).ToArray();
            string? firstError = null;
            for (int i = 0; i < processes.Count && firstError is null; i++)
            {
                if (codes[i] != 0)
                {
                    var err = processes[i].Err;
                    string text = err.Wait(TimeSpan.FromSeconds(5)) ? err.Result : "";
                    firstError = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "(no stderr)";
                }
            }

            return new MeasuredRun(codes, hung, wall, cpu, firstError, peakRss);
        }
        catch
        {
            // A later start failed: the ones already started are ours to stop.
            foreach (var (p, _, _) in processes)
            {
                Kill(p);
            }

            throw;
        }
        finally
        {
            foreach (var (p, _, _) in processes)
            {
                p.Dispose();
            }
        }
    }

    /// <summary>How the suite starts a measured program: its output redirected, no shell.</summary>
    internal static ProcessStartInfo StartInfo(string program, IReadOnlyList<string> arguments)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in arguments)
        {
            info.ArgumentList.Add(a);
        }

        return info;
    }

    /// <summary>SIGKILLs <paramref name="p"/> and its descendants, unless it has exited.</summary>
    internal static void Kill(Process p)
    {
        try
        {
            if (!p.HasExited)
            {
                p.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // It exited between the check and the kill.
        }
    }
}
