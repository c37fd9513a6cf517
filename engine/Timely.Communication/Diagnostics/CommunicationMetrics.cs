using System.Diagnostics.Metrics;
using Timely.Communication.Wakeup;

namespace Timely.Communication.Diagnostics;

/// <summary>
/// The <c>Timely.Communication</c> meter: per-worker messages, bytes, ring-full spills,
/// parks and wake-ups of the allocators alive in this process, for
/// <c>dotnet-counters monitor --counters Timely.Communication -p PID</c> or any
/// MeterListener/OpenTelemetry exporter. Observable instruments: nothing is recorded on
/// the message path; the meter reads <see cref="WorkerCounters"/> when it is collected.
/// </summary>
public static class CommunicationMetrics
{
    /// <summary>Name of the meter.</summary>
    public const string MeterName = "Timely.Communication";

    private static readonly Lock Gate = new();
    private static readonly List<Registration> Live = new();
    private static readonly Meter Meter = new(MeterName, "1.0");

    static CommunicationMetrics()
    {
        Meter.CreateObservableCounter("timely.messages.sent", () => Observe(static r => r.Counters.MessagesSent), "{message}", "Messages pushed, per worker.");
        Meter.CreateObservableCounter("timely.messages.received", () => Observe(static r => r.Counters.MessagesReceived), "{message}", "Messages pulled, per worker.");
        Meter.CreateObservableCounter("timely.bytes.sent", () => Observe(static r => r.Counters.BytesSent), "By", "Serialized bytes pushed, per worker (binary allocators).");
        Meter.CreateObservableCounter("timely.bytes.received", () => Observe(static r => r.Counters.BytesReceived), "By", "Serialized bytes received, per worker (binary allocators).");
        Meter.CreateObservableCounter("timely.ring.spills", () => Observe(static r => r.Counters.RingFullSpills), "{message}", "Messages that found the ring full and went to the overflow queue.");
        Meter.CreateObservableCounter("timely.worker.parks", () => Observe(static r => r.Doorbell?.Parks ?? 0), "{park}", "Times a worker went to sleep for lack of work.");
        Meter.CreateObservableCounter("timely.worker.wakes", () => Observe(static r => r.Doorbell?.Wakes ?? 0), "{wake}", "Wake-ups sent to a sleeping worker.");
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
        var registration = new Registration(counters, doorbell);
        lock (Gate)
        {
            Live.Add(registration);
        }

        return registration;
    }

    private static IEnumerable<Measurement<long>> Observe(Func<Registration, long> read)
    {
        Registration[] live;
        lock (Gate)
        {
            live = Live.ToArray();
        }

        foreach (var r in live)
        {
            yield return new Measurement<long>(read(r), new KeyValuePair<string, object?>("worker", r.Counters.Worker));
        }
    }

    private sealed class Registration(WorkerCounters counters, Doorbell? doorbell) : IDisposable
    {
        public WorkerCounters Counters { get; } = counters;

        public Doorbell? Doorbell { get; } = doorbell;

        public void Dispose()
        {
            lock (Gate)
            {
                Live.Remove(this);
            }
        }
    }
}
