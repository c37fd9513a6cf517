namespace Timely.Workloads;

/// <summary>What one worker's call of a workload returns.</summary>
/// <param name="Records">Records this worker handled; the suite sums them over the workers and divides the time by them (ns/record).</param>
/// <param name="Checksum">
/// A checksum of what this worker computed. The suite adds the workers' checksums (wrapping), so
/// a sum over the records a worker owns (<see cref="WorkloadChecksum.Of(ulong, ulong)"/> of each)
/// gives the same total whatever the number of workers and processes, as it must.
/// </param>
public readonly record struct WorkloadOutcome(long Records, ulong Checksum);
