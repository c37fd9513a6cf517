namespace Timely.Communication;

/// <summary>How the processes of a <see cref="CommunicationKind.Cluster"/> reach each other.</summary>
public enum TransportKind
{
    /// <summary>
    /// Shared memory for peers on this host, TCP for the rest. The processes meet over TCP,
    /// whose handshake carries each one's host identity (<see cref="Config.HostIdentity"/>):
    /// processes with the same identity exchange through shared memory, all others over TCP,
    /// in one job (all on one host: shared memory only; each alone: TCP only).
    /// </summary>
    Auto,

    /// <summary>SPSC rings in memory-mapped files (all processes on one host).</summary>
    Shm,

    /// <summary>TCP sockets, timely's wire format.</summary>
    Tcp,
}
