using System.Diagnostics;
using Timely.Bench.Measurement;

namespace Timely.Bench.TransportBench;

/// <summary>What netbench's two paths (<see cref="RawSocketPath"/>, <see cref="TransportPath"/>) do alike.</summary>
internal static class NetBenchProtocol
{
    // First byte of a warm-up ping: another round follows, or this is the last untimed one.
    public const byte WarmUpMore = 1;
    public const byte WarmUpLast = 0;

    /// <summary>Messages streamed per size: <paramref name="streamBytes"/> worth, at least 1000.</summary>
    public static int MessagesFor(long streamBytes, int size) => (int)Math.Max(1000, streamBytes / size);

    /// <summary>Records the round trip that started at <paramref name="start"/> (a Stopwatch timestamp); returns it in µs.</summary>
    public static double Record(LatencyHistogram record, long start)
    {
        long ticks = Stopwatch.GetTimestamp() - start;
        record.RecordTicks(ticks);
        return ticks * 1e6 / Stopwatch.Frequency;
    }
}
