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
    /// <summary>Runs <paramref name="exe"/> with <paramref name="arguments"/> to completion or the deadline.</summary>
    public static ChildRun Run(TimelyExecutable exe, IReadOnlyList<string> arguments, TimeSpan deadline, bool counters, string dumpDirectory)
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
        string? countersNote = null;
        CounterSession? session = counters ? CounterSession.Attach(process.Id, TimeSpan.FromSeconds(2), out countersNote) : null;
        if (!counters)
        {
            countersNote = "counters off (--no-counters)";
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
            if (session is not null)
            {
                figures = session.Finish(TimeSpan.FromSeconds(2), out countersNote);
            }

            bool drained = Task.WaitAll([stdout, stderr], TimeSpan.FromSeconds(10));
            return new ChildRun
            {
                ExitCode = exited ? process.ExitCode : -1,
                Hung = !exited,
                DumpNote = dumpNote,
                StandardOutput = drained ? stdout.Result : "",
                StandardError = drained ? stderr.Result : "(output not drained: a grandchild still holds the pipe)",
                WallMilliseconds = wall,
                Counters = figures,
                CountersNote = countersNote,
            };
        }
        finally
        {
            session?.Dispose();
        }
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
        catch (Exception e) when (e is ServerNotAvailableException or DiagnosticsClientException or IOException or UnauthorizedAccessException)
        {
            return $"no dump ({e.GetType().Name}: {e.Message})";
        }
    }
}
