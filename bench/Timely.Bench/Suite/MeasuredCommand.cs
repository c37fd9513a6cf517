using System.Diagnostics;

namespace Timely.Bench.Suite;

/// <summary>One measured start of one or more processes (e.g. Rust's <c>-n 2 -p 0</c> and <c>-p 1</c>).</summary>
/// <param name="ExitCodes">Each process's exit code (-1 when it was killed at the deadline).</param>
/// <param name="Hung">Some process was still running at the deadline and was killed.</param>
/// <param name="WallMilliseconds">From the first start to the last exit.</param>
/// <param name="CpuMilliseconds">User + system CPU of all of them and their descendants (<see cref="ChildCpu"/>), NaN where unknown.</param>
/// <param name="FirstError">The first non-empty stderr line of the first process that failed, or null.</param>
/// <param name="PeakRssMegabytes">The sum of each process's (and descendant's) peak resident memory, MB (<see cref="ExactPeak"/>, or <see cref="PeakRss"/> where not <see cref="MeasuredRun.PeakExact"/>), NaN where unknown.</param>
public sealed record MeasuredRun(IReadOnlyList<int> ExitCodes, bool Hung, double WallMilliseconds, double CpuMilliseconds, string? FirstError, double PeakRssMegabytes = double.NaN)
{
    /// <summary>Whether <see cref="PeakRssMegabytes"/> is the kernel's figure at each process's exit (<see cref="ExactPeak"/>), not the 2 ms sampler's (<see cref="PeakRss"/>).</summary>
    public bool PeakExact { get; init; }

    /// <summary>The exact figures <see cref="PeakRssMegabytes"/> adds up, kB, one per process of the run (a launcher's children included); empty when sampled.</summary>
    public IReadOnlyList<long> ProcessPeaksKilobytes { get; init; } = [];

    /// <summary>A run that did not happen and counts zero (the trivial run of an example whose size is fixed).</summary>
    public static MeasuredRun Nothing { get; } = new([], false, 0, 0, null, 0) { PeakExact = true };

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
    /// <summary>
    /// Runs <paramref name="commands"/> (program, arguments) concurrently to completion or
    /// <paramref name="deadline"/>. Where GNU time is there (<see cref="ExactPeak.IsAvailable"/>)
    /// each command runs under it and the peak is the exact one (<see cref="ExactPeak"/>); elsewhere
    /// it is sampled (<see cref="PeakRss"/>); <see cref="MeasuredRun.PeakExact"/> says which.
    /// </summary>
    /// <remarks>
    /// With <paramref name="exactPeak"/> false the peak is sampled even where time is there: a
    /// whole run's wall and CPU are the figures compared, and time's own start (a fork and an exec,
    /// about a millisecond) added to both sides would pull the ratio of a few-ms run towards 1.
    /// </remarks>
    public static MeasuredRun Run(IReadOnlyList<(string Program, IReadOnlyList<string> Arguments)> commands, TimeSpan deadline, bool exactPeak = true)
    {
        ArgumentNullException.ThrowIfNull(commands);
        return exactPeak && ExactPeak.IsAvailable ? RunExact(commands, deadline) : RunSampled(commands, deadline);
    }

    /// <summary>The run with each command under GNU time, its peak from time's figure or its processes' own reports (<see cref="ExactPeak"/>).</summary>
    internal static MeasuredRun RunExact(IReadOnlyList<(string Program, IReadOnlyList<string> Arguments)> commands, TimeSpan deadline)
    {
        var folder = Directory.CreateTempSubdirectory("timely-peak-");
        try
        {
            var starts = new List<(string, IReadOnlyList<string>)>();
            var environments = new List<IReadOnlyDictionary<string, string>>();
            for (int i = 0; i < commands.Count; i++)
            {
                string reports = Directory.CreateDirectory(Path.Combine(folder.FullName, $"reports-{i}")).FullName;
                starts.Add((ExactPeak.GnuTime, ExactPeak.TimeArguments(Path.Combine(folder.FullName, $"time-{i}"), commands[i].Program, commands[i].Arguments)));
                environments.Add(new Dictionary<string, string> { [ExactPeak.DirectoryVariable] = reports });
            }

            var run = RunProcesses(starts, deadline, environments, sampler: null);
            var figures = new List<long>();
            for (int i = 0; i < commands.Count; i++)
            {
                string time = Path.Combine(folder.FullName, $"time-{i}");
                long? timeKb = File.Exists(time) ? ExactPeak.TimeFigure(File.ReadAllText(time)) : null;
                long[] one = ExactPeak.Figures(timeKb, ExactPeak.Reports(Path.Combine(folder.FullName, $"reports-{i}")));
                if (one.Length == 0)
                {
                    // A command killed at the deadline has no figure: the run's peak is unknown.
                    return run with { PeakRssMegabytes = double.NaN };
                }

                figures.AddRange(one);
            }

            return run with { PeakRssMegabytes = figures.Sum() * 1024 / 1e6, PeakExact = true, ProcessPeaksKilobytes = figures };
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>The run with its peak sampled (<see cref="PeakRss"/>): where GNU time is not there.</summary>
    internal static MeasuredRun RunSampled(IReadOnlyList<(string Program, IReadOnlyList<string> Arguments)> commands, TimeSpan deadline)
    {
        using var memory = PeakRss.Start();
        return RunProcesses(commands, deadline, null, memory);
    }

    private static MeasuredRun RunProcesses(IReadOnlyList<(string Program, IReadOnlyList<string> Arguments)> commands, TimeSpan deadline, List<IReadOnlyDictionary<string, string>>? environments, PeakRss? sampler)
    {
        double cpuBefore = ChildCpu.Milliseconds();
        var clock = Stopwatch.StartNew();
        var processes = new List<(Process Process, Task<string> Out, Task<string> Err)>();
        try
        {
            for (int i = 0; i < commands.Count; i++)
            {
                var info = StartInfo(commands[i].Program, commands[i].Arguments);
                foreach (var (name, value) in environments?[i] ?? new Dictionary<string, string>())
                {
                    info.Environment[name] = value;
                }

                var p = Process.Start(info) ?? throw new InvalidOperationException($"could not start {commands[i].Program}.");
                processes.Add((p, p.StandardOutput.ReadToEndAsync(), p.StandardError.ReadToEndAsync()));
                sampler?.Add(p.Id);
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
            double peakRss = sampler?.StopMegabytes() ?? double.NaN;
            var codes = processes.Select(x => x.Process.HasExited ? x.Process.ExitCode : -1).ToArray();
            return new MeasuredRun(codes, hung, wall, cpu, FirstError(codes, processes.Select(x => x.Err).ToArray()), peakRss);
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

    /// <summary>The first non-empty stderr line of the first process that failed, or null.</summary>
    private static string? FirstError(int[] codes, Task<string>[] errors)
    {
        for (int i = 0; i < codes.Length; i++)
        {
            if (codes[i] != 0)
            {
                var err = errors[i];
                string text = err.Wait(TimeSpan.FromSeconds(5)) ? err.Result : "";
                return text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "(no stderr)";
            }
        }

        return null;
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
