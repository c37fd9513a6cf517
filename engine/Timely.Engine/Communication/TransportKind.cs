namespace Timely.Communication;

/// <summary>How the processes of a <see cref="CommunicationKind.Cluster"/> reach each other.</summary>
public enum TransportKind
{
    /// <summary>
    /// Shared memory for peers on this host, TCP for the rest. In this version Auto still
    /// carries every peer over TCP: the shared-memory transport was not merged when the TCP
    /// one was, so the per-host split (by the host identity the TCP handshake exchanges) is
    /// not wired yet; <c>--transport shm</c> selects shared memory explicitly.
    /// </summary>
    Auto,

    /// <summary>SPSC rings in memory-mapped files (all processes on one host).</summary>
    Shm,

    /// <summary>TCP sockets, timely's wire format.</summary>
    Tcp,
}
