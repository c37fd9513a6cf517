using System.Diagnostics;
using Timely.Bench.Suite;
using Timely.Transport.Shm.Ring;

namespace Timely.Bench.Commands;

/// <summary>
/// Samples this process's resident memory (<c>VmRSS</c>, and the high-water mark <c>VmHWM</c>
/// from <c>/proc/self/status</c>) and its overflow bytes (<see cref="OverflowAccount"/>) every
/// interval, on a thread of its own, for a given duration; inert off Linux (no samples).
/// </summary>
public sealed class MemorySampler : IDisposable
{
    private readonly List<MemorySample> _samples = [];
    private readonly Thread? _thread;
    private readonly TimeSpan _interval;
    private readonly TimeSpan _duration;
    private readonly ManualResetEventSlim _stop = new();

    private MemorySampler(TimeSpan interval, TimeSpan duration)
    {
        _interval = interval;
        _duration = duration;
        if (OperatingSystem.IsLinux())
        {
            _thread = new Thread(Loop) { IsBackground = true, Name = "overload memory sampler" };
        }
    }

    /// <summary>Starts sampling every <paramref name="interval"/> for <paramref name="duration"/> (the measured part).</summary>
    public static MemorySampler Start(TimeSpan interval, TimeSpan duration)
    {
        OverflowAccount.ResetPeak();
        var sampler = new MemorySampler(interval, duration);
        sampler._thread?.Start();
        return sampler;
    }

    /// <summary>Stops (if the duration has not passed yet) and returns the samples.</summary>
    public IReadOnlyList<MemorySample> Stop()
    {
        Dispose();
        lock (_samples)
        {
            return _samples.ToArray();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _stop.Set();
        _thread?.Join();
    }

    /// <summary>(VmRSS, VmHWM) in kB from a <c>/proc/PID/status</c> text.</summary>
    internal static (long Rss, long Peak) ReadKb(string status)
    {
        long rss = 0;
        foreach (var line in status.AsSpan().EnumerateLines())
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                var value = line["VmRSS:".Length..].Trim();
                int space = value.IndexOf(' ');
                rss = long.Parse(space < 0 ? value : value[..space], System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return (rss, PeakRss.HighWaterKb(status) ?? 0);
    }

    private void Loop()
    {
        // One sample at the start, so a run has one however late the thread gets the CPU.
        var clock = Stopwatch.StartNew();
        Sample(clock);
        while (!_stop.Wait(_interval) && clock.Elapsed <= _duration + (_interval / 2))
        {
            Sample(clock);
        }
    }

    private void Sample(Stopwatch clock)
    {
        var (rss, peak) = ReadKb(File.ReadAllText("/proc/self/status"));
        lock (_samples)
        {
            _samples.Add(new MemorySample(clock.Elapsed.TotalSeconds, rss * 1024 / 1e6, peak * 1024 / 1e6, OverflowAccount.Bytes));
        }
    }
}
