using System.Diagnostics;

namespace Timely.Bench.Workloads;

/// <summary>The state captured when a worker's timed part starts.</summary>
internal readonly record struct WorkloadMeter(long StartTimestamp, int Gen0AtStart, long AllocatedAtStart)
{
    public WorkloadResult Stop(int worker, long records) => new(
        worker,
        Stopwatch.GetElapsedTime(StartTimestamp),
        records,
        GC.CollectionCount(0) - Gen0AtStart,
        GC.GetAllocatedBytesForCurrentThread() - AllocatedAtStart);
}
