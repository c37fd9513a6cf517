using System.Globalization;

namespace Timely.Bench.Suite;

/// <summary>
/// Peak resident memory of measured processes and their descendants, the same instrument for
/// timely and for Rust's examples: a thread reads each live process's high-water mark (the
/// kernel's <c>VmHWM</c> in <c>/proc/PID/status</c>, which only grows) every
/// <see cref="Interval"/> and keeps the last value read per process; the figure is the sum over
/// the processes (two processes of one row hold their memory at the same time). The kernel's
/// children figure of <c>getrusage</c> cannot give this: it is one maximum over every child the
/// suite ever waited for, not a figure per run. A process that grows in its last interval before
/// exit is under-counted by that growth; one that exits before the first read counts 0.
/// </summary>
internal sealed class PeakRss : IDisposable
{
    /// <summary>How often the high-water marks are read.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(2);

    private readonly List<int> _roots = [];
    private readonly Dictionary<int, long> _peakKb = [];
    private readonly Thread? _thread;
    private volatile bool _stop;

    private PeakRss(bool sample)
    {
        if (sample)
        {
            _thread = new Thread(Loop) { IsBackground = true, Name = "suite peak RSS", Priority = ThreadPriority.AboveNormal };
        }
    }

    /// <summary>A sampler that reads nothing until <see cref="Add"/> gives it a process; inert off Linux.</summary>
    public static PeakRss Start()
    {
        var sampler = new PeakRss(OperatingSystem.IsLinux());
        sampler._thread?.Start();
        return sampler;
    }

    /// <summary>Samples <paramref name="pid"/> (just started) and, from now on, its descendants.</summary>
    public void Add(int pid)
    {
        lock (_roots)
        {
            _roots.Add(pid);
        }

        SampleOnce();
    }

    /// <summary>The sum of each process's peak read so far, in MB (10^6 bytes); NaN off Linux or when nothing was read.</summary>
    public double Megabytes
    {
        get
        {
            lock (_roots)
            {
                return _peakKb.Count == 0 ? double.NaN : _peakKb.Values.Sum() * 1024 / 1e6;
            }
        }
    }

    /// <summary>Stops sampling; <see cref="Megabytes"/> at the end.</summary>
    public double StopMegabytes()
    {
        Dispose();
        return Megabytes;
    }

    public void Dispose()
    {
        _stop = true;
        _thread?.Join();
    }

    /// <summary>The high-water mark line of a <c>/proc/PID/status</c> text, in kB; null when absent (a process that has exited).</summary>
    internal static long? HighWaterKb(string status)
    {
        foreach (var line in status.AsSpan().EnumerateLines())
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                var value = line["VmHWM:".Length..].Trim();
                int space = value.IndexOf(' ');
                return long.TryParse(space < 0 ? value : value[..space], NumberStyles.None, CultureInfo.InvariantCulture, out long kb) ? kb : null;
            }
        }

        return null;
    }

    private void Loop()
    {
        while (!_stop)
        {
            SampleOnce();
            Thread.Sleep(Interval);
        }
    }

    private void SampleOnce()
    {
        if (_thread is null)
        {
            return;
        }

        lock (_roots)
        {
            var pending = new Stack<int>(_roots);
            var seen = new HashSet<int>();
            while (pending.TryPop(out int pid))
            {
                if (!seen.Add(pid) || Read($"/proc/{pid}/status") is not { } status || HighWaterKb(status) is not { } kb)
                {
                    continue;
                }

                _peakKb[pid] = Math.Max(kb, _peakKb.GetValueOrDefault(pid));
                foreach (int child in Children(pid))
                {
                    pending.Push(child);
                }
            }
        }
    }

    /// <summary>The children of <paramref name="pid"/>'s threads (<c>/proc/PID/task/TID/children</c>).</summary>
    private static IEnumerable<int> Children(int pid)
    {
        string[] tasks;
        try
        {
            tasks = Directory.GetDirectories($"/proc/{pid}/task");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            yield break;
        }

        foreach (string task in tasks)
        {
            foreach (string id in (Read(Path.Combine(task, "children")) ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (int.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out int child))
                {
                    yield return child;
                }
            }
        }
    }

    private static string? Read(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The process or thread exited between listing and reading.
            return null;
        }
    }
}
