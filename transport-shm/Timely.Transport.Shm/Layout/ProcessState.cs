namespace Timely.Transport.Shm.Layout;

/// <summary>Where a process of a job is in its life, as published in its <see cref="ControlBlock"/>.</summary>
public enum ProcessState
{
    /// <summary>Not initialized (a zeroed file).</summary>
    None = 0,

    /// <summary>Created its files; connecting to the others.</summary>
    Starting = 1,

    /// <summary>Mapped every ring it sends on; its workers run.</summary>
    Running = 2,

    /// <summary>Every worker returned; nothing more will be read or written.</summary>
    Finished = 3,

    /// <summary>A worker threw; the others should stop.</summary>
    Failed = 4,
}
