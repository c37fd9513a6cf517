namespace Timely.Examples;

/// <summary>
/// One worker's figures for a workload run: time from the dataflow's start to its
/// completion on this worker (connection set-up excluded), records it handled, and what the
/// garbage collector did meanwhile.
/// </summary>
/// <param name="Worker">Global worker index.</param>
/// <param name="Elapsed">Timed part on this worker.</param>
/// <param name="Records">Records this worker handled (workload-specific: sent, received or passed).</param>
/// <param name="Gen0Collections">Gen0 collections in the process during this worker's timed part.</param>
/// <param name="AllocatedBytes">Bytes this worker's thread allocated during its timed part.</param>
public readonly record struct WorkloadResult(int Worker, TimeSpan Elapsed, long Records, int Gen0Collections, long AllocatedBytes)
{
    /// <summary>Timely's example line: <c>&lt;elapsed&gt;\tworker &lt;i&gt; complete</c>.</summary>
    public override string ToString() => $"{Elapsed.TotalSeconds:F9}s\tworker {Worker} complete";

    /// <summary>Starts the timed part on this worker's thread: the clock, gen0 collections and bytes allocated so far.</summary>
    public static WorkloadMeter Start() => new(System.Diagnostics.Stopwatch.GetTimestamp(), GC.CollectionCount(0), GC.GetAllocatedBytesForCurrentThread());
}
