using System.Net;
using System.Net.Sockets;

namespace Timely.Testing;

/// <summary>Two connected TCP sockets on 127.0.0.1, for tests that feed a reader bytes by hand.</summary>
public static class LoopbackPair
{
    /// <summary>
    /// A connected pair (client, server side); the server side's receives time out after
    /// <paramref name="receiveTimeout"/>, so a broken test fails instead of hanging.
    /// </summary>
    public static (Socket Client, Socket Server) Connect(TimeSpan receiveTimeout)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.Connect(listener.LocalEndPoint!);
        var server = listener.Accept();
        server.ReceiveTimeout = (int)receiveTimeout.TotalMilliseconds;
        return (client, server);
    }
}
