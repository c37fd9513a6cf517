namespace Timely.Workloads;

/// <summary>The configurations a workload runs on in the suite, as flags (<see cref="WorkloadAttribute.Configurations"/>).</summary>
[Flags]
public enum WorkloadConfigurations
{
    /// <summary>None: the workload is listed but never run.</summary>
    None = 0,

    /// <summary><c>-w 1</c>: one worker thread.</summary>
    OneWorker = 1,

    /// <summary><c>-w 2</c>: two worker threads in one process.</summary>
    TwoWorkers = 2,

    /// <summary><c>shm x2</c>: two processes of one worker each, over shared memory.</summary>
    SharedMemory = 4,

    /// <summary><c>tcp x2</c>: two processes of one worker each, over TCP on the loopback.</summary>
    Tcp = 8,

    /// <summary>All four.</summary>
    All = OneWorker | TwoWorkers | SharedMemory | Tcp,
}
