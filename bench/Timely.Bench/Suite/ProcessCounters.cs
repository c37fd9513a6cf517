namespace Timely.Bench.Suite;

/// <summary>What the EventPipe counters said about one child process, summed over the intervals received.</summary>
/// <param name="Intervals">Counter intervals received (0: the process ended before the first one).</param>
/// <param name="Gen0">Gen0 collections (sum of gen-0-gc-count increments).</param>
/// <param name="AllocatedBytes">Bytes allocated (sum of alloc-rate increments).</param>
/// <param name="CpuMilliseconds">CPU time: sum over intervals of cpu-usage% x interval x cores.</param>
public readonly record struct ProcessCounters(int Intervals, long Gen0, long AllocatedBytes, double CpuMilliseconds);
