namespace Timely.Communication;

/// <summary>How the processes of a <see cref="CommunicationKind.Cluster"/> reach each other.</summary>
public enum TransportKind
{
    /// <summary>Shared memory for peers on this host, TCP for the rest.</summary>
    Auto,

    /// <summary>SPSC rings in memory-mapped files (all processes on one host).</summary>
    Shm,

    /// <summary>TCP sockets, timely's wire format.</summary>
    Tcp,
}
