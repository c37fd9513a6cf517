using System.Diagnostics;
using System.Text;
using Timely.Bench.Launch;

namespace Timely.Bench.Suite;

/// <summary>One cut-off start of one or more processes (<see cref="CutOffCommand"/>).</summary>
/// <param name="ExitCodes">Each process's exit code (128 + the signal when one ended it; -1 when it could not be reaped).</param>
/// <param name="ExitedEarly">Some process exited on its own before the cut-off asked it to stop.</param>
/// <param name="StoppedBy">The strongest signal the stop needed: <c>SIGINT</c>, <c>SIGTERM</c> or <c>SIGKILL</c>; "" when nothing was sent.</param>
/// <param name="WallMilliseconds">From the first start to the last exit.</param>
/// <param name="CpuMilliseconds">User + system CPU of all of them and their descendants (<see cref="ChildCpu"/>), NaN where unknown.</param>
/// <param name="PeakRssMegabytes">The sum of each process's peak resident memory, MB (<see cref="PeakRss"/>), NaN where unknown.</param>
/// <param name="Outputs">Each process's stdout and stderr lines, in the order they came.</param>
public sealed record CutOffRun(IReadOnlyList<int> ExitCodes, bool ExitedEarly, string StoppedBy, double WallMilliseconds, double CpuMilliseconds, double PeakRssMegabytes, IReadOnlyList<string> Outputs)
{
    /// <summary>The first non-empty stderr or stdout line of a process that exited early with a non-zero code, or null.</summary>
    public string? FirstError => ExitedEarly
        ? ExitCodes.Select((code, i) => code == 0 ? null : Outputs[i].Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault(l => !l.Contains("\tround ", StringComparison.Ordinal)) ?? "(no output)").FirstOrDefault(l => l is not null)
        : null;
}

/// <summary>
/// Runs processes that do not stop by themselves (Rust timely's <c>event_driven</c>, and ours
/// without <c>--rounds</c>) for a fixed time and stops them, the same way whatever the program:
/// each process the suite started, by its PID, gets SIGINT (Ctrl-C, on which Rust's example dies
/// and ours finishes its round and reports), then SIGTERM after <see cref="Grace"/> (a process
/// that ignores SIGINT, as every child of a shell's background job does), then SIGKILL of its
/// whole process tree after another. Their output is kept for the figures they print.
/// </summary>
public static class CutOffCommand
{
    /// <summary>How long a process gets to exit after each signal before the next, stronger one.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(2);

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// Starts <paramref name="commands"/> together, lets them run for <paramref name="runFor"/>
    /// and on until <paramref name="enough"/> holds of their outputs so far (at most until
    /// <paramref name="deadline"/>), then stops them. Returns early, stopping the others, when
    /// any process exits by itself.
    /// </summary>
    public static CutOffRun Run(IReadOnlyList<(string Program, IReadOnlyList<string> Arguments)> commands, TimeSpan runFor, Func<IReadOnlyList<string>, bool> enough, TimeSpan deadline, TimeSpan? grace = null)
    {
        ArgumentNullException.ThrowIfNull(commands);
        ArgumentNullException.ThrowIfNull(enough);
        var wait = grace ?? Grace;
        double cpuBefore = ChildCpu.Milliseconds();
        var clock = Stopwatch.StartNew();
        var processes = new List<(Process Process, StringBuilder Output)>();
        using var memory = PeakRss.Start();
        try
        {
            foreach (var (program, arguments) in commands)
            {
                var output = new StringBuilder();
                var p = new Process { StartInfo = MeasuredCommand.StartInfo(program, arguments) };
                p.OutputDataReceived += (_, e) => Append(output, e.Data);
                p.ErrorDataReceived += (_, e) => Append(output, e.Data);
                if (!p.Start())
                {
                    p.Dispose();
                    throw new InvalidOperationException($"could not start {program}.");
                }

                processes.Add((p, output));
                memory.Add(p.Id);
                p.BeginOutputReadLine();
                p.BeginErrorReadLine();
            }

            bool early = false;
            while (true)
            {
                if (processes.Any(x => x.Process.HasExited))
                {
                    early = true;
                    break;
                }

                if ((clock.Elapsed >= runFor && enough(Snapshot(processes))) || clock.Elapsed >= deadline)
                {
                    break;
                }

                Thread.Sleep(Poll);
            }

            string stoppedBy = Stop(processes.Select(x => x.Process).ToList(), wait);
            foreach (var (p, _) in processes)
            {
                // The parameterless wait drains the redirected streams (bounded: they close with the process).
                if (p.WaitForExit(TimeSpan.FromSeconds(10)))
                {
                    p.WaitForExit();
                }
            }

            double wall = clock.Elapsed.TotalMilliseconds;
            double cpu = ChildCpu.Milliseconds() - cpuBefore;
            double peakRss = memory.StopMegabytes();
            var codes = processes.Select(x => x.Process.HasExited ? x.Process.ExitCode : -1).ToArray();
            return new CutOffRun(codes, early, stoppedBy, wall, cpu, peakRss, Snapshot(processes));
        }
        catch
        {
            // A later start failed: the ones already started are ours to stop.
            foreach (var (p, _) in processes)
            {
                MeasuredCommand.Kill(p);
            }

            throw;
        }
        finally
        {
            foreach (var (p, _) in processes)
            {
                p.Dispose();
            }
        }
    }

    /// <summary>SIGINT, then SIGTERM, then SIGKILL of the tree, each to the processes still running after <paramref name="grace"/>; the strongest one sent.</summary>
    private static string Stop(List<Process> processes, TimeSpan grace)
    {
        string sent = "";
        foreach (var (signal, name) in new[] { (PosixKill.SigInt, "SIGINT"), (PosixKill.SigTerm, "SIGTERM") })
        {
            var running = processes.Where(p => !p.HasExited).ToList();
            if (running.Count == 0)
            {
                return sent;
            }

            sent = name;
            foreach (var p in running)
            {
                if (OperatingSystem.IsWindows())
                {
                    MeasuredCommand.Kill(p);
                }
                else
                {
                    _ = PosixKill.Send(p.Id, signal);
                }
            }

            var clock = Stopwatch.StartNew();
            foreach (var p in running)
            {
                var left = grace - clock.Elapsed;
                p.WaitForExit(left > TimeSpan.Zero ? left : TimeSpan.Zero);
            }
        }

        if (processes.All(p => p.HasExited))
        {
            return sent;
        }

        foreach (var p in processes)
        {
            MeasuredCommand.Kill(p);
        }

        return "SIGKILL";
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.Append(line).Append('\n');
        }
    }

    private static string[] Snapshot(List<(Process Process, StringBuilder Output)> processes) =>
        processes.Select(x =>
        {
            lock (x.Output)
            {
                return x.Output.ToString();
            }
        }).ToArray();
}
