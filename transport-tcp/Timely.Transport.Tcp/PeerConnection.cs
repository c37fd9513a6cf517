using System.Net.Sockets;

namespace Timely.Transport.Tcp;

/// <summary>An established, handshaken connection to one peer process.</summary>
public sealed class PeerConnection : IDisposable
{
    internal PeerConnection(int process, string address, Socket socket, Handshake remote)
    {
        Process = process;
        Address = address;
        Socket = socket;
        Remote = remote;
    }

    /// <summary>The peer's process index.</summary>
    public int Process { get; }

    /// <summary>The peer's address as the hostfile gives it (or as the accepted socket reports it).</summary>
    public string Address { get; }

    /// <summary>The connected socket (TCP_NODELAY, keep-alive on).</summary>
    public Socket Socket { get; }

    /// <summary>What the peer said in its handshake (its host identity, for <c>--transport auto</c>).</summary>
    public Handshake Remote { get; }

    /// <summary>How errors name this peer.</summary>
    public string Name => $"process {Process} at {Address}";

    /// <summary>Closes at once with a reset (no end of stream): the peer sees a failure, not a clean end.</summary>
    public void Abort()
    {
        try
        {
            Socket.LingerState = new LingerOption(true, 0);
        }
        catch (SocketException)
        {
            // Already closed by the peer: disposing below is all that is left to do.
        }
        catch (ObjectDisposedException)
        {
            return;
        }

        Socket.Dispose();
    }

    /// <summary>Closes the socket with a normal close (no reset); <see cref="Abort"/> resets it instead, so the peer sees a failure.</summary>
    public void Dispose() => Socket.Dispose();
}
