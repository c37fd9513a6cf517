using System.Diagnostics.Metrics;
using Timely.Communication.Wakeup;

namespace Timely.Communication.Diagnostics;

/// <summary>
/// The <c>Timely.Communication</c> meter: per-worker messages, bytes, ring-full spills,
/// parks and wake-ups of the allocators alive in this process, and the bytes its overflow
/// queues hold now and at most (<c>timely.overflow.bytes</c>, <c>timely.overflow.peak</c>), for
/// <c>dotnet-counters monitor --counters Timely.Communication -p PID</c> or any
/// MeterListener/OpenTelemetry exporter. Observable instruments: nothing is recorded on
/// the message path; the meter reads <see cref="WorkerCounters"/> when it is collected.
/// Each series (one per worker index) and each total counts the allocators that ended too, so
/// a counter never goes down when workers exit or a new run starts.
/// </summary>
public static class CommunicationMetrics
{
    /// <summary>Name of the meter.</summary>
    public const string MeterName = "Timely.Communication";

    private static readonly Lock Gate = new();
    private static readonly List<Registration> Live = new();
    private static readonly Meter Meter = new(MeterName, "1.0");

    // What ended allocators counted, per worker index: added when an allocator's registration is
    // disposed, under Gate, so a reader sees a worker's counts either live or retired, never both.
    private static readonly Dictionary<int, Retired> Ended = new();

    static CommunicationMetrics()
    {
        Meter.CreateObservableCounter("timely.messages.sent", () => Observe(static r => r.Counters.MessagesSent, static r => r.MessagesSent), "{message}", "Messages pushed, per worker.");
        Meter.CreateObservableCounter("timely.messages.received", () => Observe(static r => r.Counters.MessagesReceived, static r => r.MessagesReceived), "{message}", "Messages pulled, per worker.");
        Meter.CreateObservableCounter("timely.bytes.sent", () => Observe(static r => r.Counters.BytesSent, static r => r.BytesSent), "By", "Serialized bytes pushed, per worker (binary allocators).");
        Meter.CreateObservableCounter("timely.bytes.received", () => Observe(static r => r.Counters.BytesReceived, static r => r.BytesReceived), "By", "Serialized bytes received, per worker (binary allocators).");
        Meter.CreateObservableCounter("timely.ring.spills", () => Observe(static r => r.Counters.RingFullSpills, static r => r.Spills), "{message}", "Messages that found the ring full and went to the overflow queue.");
        Meter.CreateObservableGauge("timely.overflow.bytes", static () => Timely.Transport.Shm.Ring.OverflowAccount.Bytes, "By", "Bytes waiting in this process's overflow queues (messages for which a ring had no room).");
        Meter.CreateObservableGauge("timely.overflow.peak", static () => Timely.Transport.Shm.Ring.OverflowAccount.PeakBytes, "By", "The most bytes this process's overflow queues have held.");
        Meter.CreateObservableCounter("timely.worker.parks", () => Observe(static r => r.Doorbell?.Parks ?? 0, static r => r.Parks), "{park}", "Times a worker went to sleep for lack of work.");
        Meter.CreateObservableCounter("timely.worker.wakes", () => Observe(static r => r.Doorbell?.Wakes ?? 0, static r => r.Wakes), "{wake}", "Wake-ups sent to a sleeping worker.");
    }

    /// <summary>Counters of every allocator alive in this process.</summary>
    public static IReadOnlyList<WorkerCounters> Snapshot()
    {
        lock (Gate)
        {
            return Live.Select(r => r.Counters).ToArray();
        }
    }

    /// <summary>Totals over live allocators: (messages sent, bytes sent, spills, parks, wakes).</summary>
    internal static (long Messages, long Bytes, long Spills, long Parks, long Wakes) Totals()
    {
        lock (Gate)
        {
            long m = 0, b = 0, s = 0, p = 0, w = 0;
            foreach (var r in Ended.Values)
            {
                m += r.MessagesSent;
                b += r.BytesSent;
                s += r.Spills;
                p += r.Parks;
                w += r.Wakes;
            }

            foreach (var r in Live)
            {
                m += r.Counters.MessagesSent;
                b += r.Counters.BytesSent;
                s += r.Counters.RingFullSpills;
                p += r.Doorbell?.Parks ?? 0;
                w += r.Doorbell?.Wakes ?? 0;
            }

            return (m, b, s, p, w);
        }
    }

    internal static IDisposable Register(WorkerCounters counters, Doorbell? doorbell)
    {
        // The event source exists from the first allocator on, so dotnet-counters and
        // EventListeners see it without the application touching it.
        // (A discarded read of the field may be dropped with the type's initializer: keep it.)
        GC.KeepAlive(TimelyEventSource.Log);
        var registration = new Registration(counters, doorbell);
        lock (Gate)
        {
            Live.Add(registration);
        }

        return registration;
    }

    private static IEnumerable<Measurement<long>> Observe(Func<Registration, long> read, Func<Retired, long> retired)
    {
        var sums = new SortedDictionary<int, long>();
        lock (Gate)
        {
            foreach (var (worker, r) in Ended)
            {
                sums[worker] = retired(r);
            }

            foreach (var r in Live)
            {
                sums[r.Counters.Worker] = sums.GetValueOrDefault(r.Counters.Worker) + read(r);
            }
        }

        foreach (var (worker, sum) in sums)
        {
            yield return new Measurement<long>(sum, new KeyValuePair<string, object?>("timely.worker", worker));
        }
    }

    /// <summary>What the ended allocators of one worker index counted.</summary>
    private sealed class Retired
    {
        public long MessagesSent;
        public long MessagesReceived;
        public long BytesSent;
        public long BytesReceived;
        public long Spills;
        public long Parks;
        public long Wakes;
    }

    private sealed class Registration(WorkerCounters counters, Doorbell? doorbell) : IDisposable
    {
        public WorkerCounters Counters { get; } = counters;

        public Doorbell? Doorbell { get; } = doorbell;

        public void Dispose()
        {
            lock (Gate)
            {
                if (!Live.Remove(this))
                {
                    return;
                }

                if (!Ended.TryGetValue(Counters.Worker, out var r))
                {
                    Ended[Counters.Worker] = r = new Retired();
                }

                r.MessagesSent += Counters.MessagesSent;
                r.MessagesReceived += Counters.MessagesReceived;
                r.BytesSent += Counters.BytesSent;
                r.BytesReceived += Counters.BytesReceived;
                r.Spills += Counters.RingFullSpills;
                r.Parks += Doorbell?.Parks ?? 0;
                r.Wakes += Doorbell?.Wakes ?? 0;
            }
        }
    }
}
