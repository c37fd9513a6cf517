namespace Timely.Communication;

/// <summary>Which allocator a <see cref="Config"/> builds (timely's <c>Config</c> variants).</summary>
public enum CommunicationKind
{
    /// <summary>One worker, no communication.</summary>
    Thread,

    /// <summary>Workers in this process exchanging typed objects through lock-free queues.</summary>
    Process,

    /// <summary>Workers in this process exchanging serialized bytes through SPSC byte rings: the transports' path, in one process.</summary>
    ProcessBinary,

    /// <summary>Several processes, each with <see cref="Config.Threads"/> workers.</summary>
    Cluster,
}
