namespace Timely.Bench.Suite;

/// <summary>
/// One run of one row by one build. <see cref="Milliseconds"/> is the figure the suite compares:
/// the workload's own timed part (<c>elapsed_ms</c> of <c>--json</c>, the slowest worker, set-up
/// excluded) or, for <c>hello</c> which has no timed part, the child's wall-clock time (start-up).
/// </summary>
public sealed class RunSample
{
    /// <summary>The compared figure in ms (see the type's summary).</summary>
    public double Milliseconds { get; init; }

    /// <summary>The child process's wall-clock time from start to exit, ms.</summary>
    public double WallMilliseconds { get; init; }

    /// <summary>Records the run reported (summed over processes), or for hello its greetings.</summary>
    public long Records { get; init; }

    /// <summary>The checksum the run reported (summed over its processes, wrapping): a user's workload rows only (<see cref="ChecksumCheck"/>).</summary>
    public ulong? Checksum { get; init; }

    /// <summary>Gen0 collections during the timed part, from the workload's <c>--json</c> (max over workers).</summary>
    public long JsonGen0 { get; init; }

    /// <summary>Bytes the worker threads allocated during the timed part, from <c>--json</c>.</summary>
    public long JsonAllocatedBytes { get; init; }

    /// <summary>
    /// Where the process-wide figures below came from: <c>eventpipe</c>; or why there are none:
    /// <c>not measured: why</c> (the counter reader failed), <c>too short ...</c>, <c>off ...</c>.
    /// </summary>
    public string CountersSource { get; init; } = "off";

    /// <summary>Gen0 collections in the whole child process (EventPipe counters), when read.</summary>
    public long? ProcessGen0 { get; init; }

    /// <summary>Bytes the whole child process allocated (EventPipe counters), when read.</summary>
    public long? ProcessAllocatedBytes { get; init; }

    /// <summary>CPU time of the child process in ms (EventPipe cpu-usage x interval x cores), when read.</summary>
    public double? CpuMilliseconds { get; init; }
}
