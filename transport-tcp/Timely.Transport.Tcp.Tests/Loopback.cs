using System.Net;
using System.Net.Sockets;

namespace Timely.Transport.Tcp.Tests;

/// <summary>Loopback sockets for tests: free ports, connected pairs, and a fake peer process speaking the handshake by hand.</summary>
internal static class Loopback
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    /// <summary><paramref name="count"/> distinct <c>127.0.0.1:port</c> addresses, free a moment ago.</summary>
    public static string[] FreeAddresses(int count) => Timely.Testing.FreePorts.Loopback(count);

    /// <summary>A connected pair of sockets (client, server side).</summary>
    public static (Socket Client, Socket Server) Pair() => Timely.Testing.LoopbackPair.Connect(Deadline);   // a broken test fails, never hangs

    /// <summary>Connects to <paramref name="address"/> (retrying while nothing listens yet, up to the deadline) and sends <paramref name="bytes"/>; the caller closes.</summary>
    public static Socket Send(string address, ReadOnlySpan<byte> bytes)
    {
        var until = DateTime.UtcNow + Deadline;
        while (true)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.Connect(TcpMesh.ParseAddress(address));
                socket.Send(bytes);
                return socket;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused && DateTime.UtcNow < until)
            {
                socket.Dispose();
                Thread.Yield();
            }
        }
    }

    /// <summary>Acts as process <paramref name="self"/>.Process: connects, sends its handshake and reads the reply.</summary>
    public static (Socket Socket, byte[] Reply) FakePeer(string address, Handshake self)
    {
        var hello = new byte[Handshake.Size];
        self.WriteTo(hello);
        var socket = Send(address, hello);
        socket.ReceiveTimeout = (int)Deadline.TotalMilliseconds;
        var reply = new byte[Handshake.Size];
        int have = 0;
        while (have < reply.Length)
        {
            int n = socket.Receive(reply, have, reply.Length - have, SocketFlags.None);
            if (n == 0)
            {
                throw new InvalidOperationException($"the listener closed after {have} handshake bytes");
            }

            have += n;
        }

        return (socket, reply);
    }

    /// <summary>The bytes of a frame header (big-endian u64 fields), for writing invalid ones.</summary>
    public static byte[] Header(ulong channel, ulong source, ulong lower, ulong upper, ulong length, ulong seqno)
    {
        var b = new byte[48];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(b, channel);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(b.AsSpan(8), source);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(b.AsSpan(16), lower);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(b.AsSpan(24), upper);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(b.AsSpan(32), length);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(b.AsSpan(40), seqno);
        return b;
    }
}
