namespace Timely.Transport.Tcp;

/// <summary>
/// A connection to a peer process failed or was refused: it did not answer in time, its
/// handshake did not match, it sent bytes that are not timely frames, or it went away
/// without ending its stream. The message names the peer (process index when known, and
/// its address).
/// </summary>
public sealed class TcpTransportException : Exception
{
    /// <summary>An error with no message and <see cref="Peer"/> unknown; the transport itself always says which peer and why.</summary>
    public TcpTransportException()
    {
    }

    /// <summary>An error whose <paramref name="message"/> names the peer and what went wrong.</summary>
    public TcpTransportException(string message)
        : base(message)
    {
    }

    /// <summary>An error whose <paramref name="message"/> names the peer, caused by <paramref name="innerException"/> (usually a <see cref="System.Net.Sockets.SocketException"/>).</summary>
    public TcpTransportException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The peer as the message names it (e.g. <c>process 1 at 127.0.0.1:2102</c>).</summary>
    public string Peer { get; init; } = "unknown peer";

    /// <summary>For a handshake refused over a setting: which one, so the accepting side can tell the connector (<see cref="HandshakeRefusal"/>).</summary>
    internal HandshakeRefusal.Code Refusal { get; init; }
}
