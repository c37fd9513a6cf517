using System.Diagnostics;
using HdrHistogram;

namespace Timely.Bench.Measurement;

/// <summary>
/// One measured path's round trips, in ns, in an HdrHistogram allocated when this is made:
/// create it before the timed loop, then <see cref="RecordTicks"/> allocates nothing.
/// </summary>
/// <remarks>
/// Design: not thread-safe; one thread records (the timed loop's), and the report reads it only
/// after that thread is joined (Workers' Join, or the same thread), which orders the writes before the reads.
/// </remarks>
public sealed class LatencyHistogram
{
    /// <summary>An hour: a longer round trip is recorded as an hour (the histogram would throw).</summary>
    public const long HighestTrackableNs = 3_600_000_000_000;

    // Stopwatch ticks to ns, computed once (1 on Linux, where Stopwatch.Frequency is 1e9).
    private static readonly double NanosecondsPerTick = 1e9 / Stopwatch.Frequency;

    public LatencyHistogram(string key, string title, LatencyHistogram? floor = null)
    {
        Key = key;
        Title = title;
        Floor = floor ?? this;

        // The first RecordValue allocates (measured: shm-bench's floor showed 1 KB in its first
        // timed batch); pay it here, before any timed loop, and start empty.
        Histogram.RecordValue(1);
        Histogram.Reset();
    }

    /// <summary>The floor this path is shown against (itself for a floor).</summary>
    public LatencyHistogram Floor { get; }

    /// <summary>The JSON field prefix and --hist-out file infix (e.g. <c>shm_ring</c>).</summary>
    public string Key { get; }

    public string Title { get; }

    /// <summary>1 ns .. <see cref="HighestTrackableNs"/>, 3 significant digits (0.1% resolution).</summary>
    public LongHistogram Histogram { get; } = new(1, HighestTrackableNs, 3);

    public long Count => Histogram.TotalCount;

    public long Max => Histogram.GetMaxValue();

    /// <summary>Records one round trip of <paramref name="ticks"/> Stopwatch ticks.</summary>
    public void RecordTicks(long ticks) => RecordNanoseconds((long)(ticks * NanosecondsPerTick));

    public void RecordNanoseconds(long nanoseconds) => Histogram.RecordValue(Math.Clamp(nanoseconds, 1, HighestTrackableNs));

    /// <summary>The value at <paramref name="percentile"/> (0..100), as HdrHistogram reports it (the highest value equivalent to it).</summary>
    public long ValueAtPercentile(double percentile) => Histogram.GetValueAtPercentile(percentile);
}
