namespace Timely.Transport.Tcp;

/// <summary>
/// A connection to a peer process failed or was refused: it did not answer in time, its
/// handshake did not match, it sent bytes that are not timely frames, or it went away
/// without ending its stream. The message names the peer (process index when known, and
/// its address).
/// </summary>
public sealed class TcpTransportException : Exception
{
    public TcpTransportException()
    {
    }

    public TcpTransportException(string message)
        : base(message)
    {
    }

    public TcpTransportException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The peer as the message names it (e.g. <c>process 1 at 127.0.0.1:2102</c>).</summary>
    public string Peer { get; init; } = "unknown peer";
}
