using System.Diagnostics;

namespace Timely.Examples;

/// <summary>The state captured when a worker's timed part starts (<see cref="WorkloadResult.Start"/>).</summary>
public readonly record struct WorkloadMeter(long StartTimestamp, int Gen0AtStart, long AllocatedAtStart)
{
    /// <summary>Ends the timed part of worker <paramref name="worker"/>, which handled <paramref name="records"/>.</summary>
    public WorkloadResult Stop(int worker, long records) => new(
        worker,
        Stopwatch.GetElapsedTime(StartTimestamp),
        records,
        GC.CollectionCount(0) - Gen0AtStart,
        GC.GetAllocatedBytesForCurrentThread() - AllocatedAtStart);
}
