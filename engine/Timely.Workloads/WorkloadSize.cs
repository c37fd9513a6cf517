namespace Timely.Workloads;

/// <summary>How big a run the suite asks for (<see cref="WorkloadContext.Size"/>).</summary>
public enum WorkloadSize
{
    /// <summary>The size a regression verdict is made at (<c>timely suite</c>): seconds per run at most.</summary>
    Full,

    /// <summary>A tenth of a second or so per run (<c>timely suite --quick</c>).</summary>
    Quick,

    /// <summary>Just enough to prove the workload completes with the right checksum (<c>--smoke</c>, CI).</summary>
    Smoke,
}
