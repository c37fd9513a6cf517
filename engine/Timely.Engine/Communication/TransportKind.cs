namespace Timely.Communication;

/// <summary>How the processes of a <see cref="CommunicationKind.Cluster"/> reach each other.</summary>
public enum TransportKind
{
    /// <summary>
    /// Shared memory for peers on this host, TCP for the rest. The processes meet over TCP,
    /// whose handshake carries each one's host identity: when all are on one host the job runs
    /// over shared memory, otherwise over TCP for every peer (in this version a job does not
    /// yet mix the two per peer).
    /// </summary>
    Auto,

    /// <summary>SPSC rings in memory-mapped files (all processes on one host).</summary>
    Shm,

    /// <summary>TCP sockets, timely's wire format.</summary>
    Tcp,
}
