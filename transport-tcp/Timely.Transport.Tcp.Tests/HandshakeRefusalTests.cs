using System.Buffers.Binary;
using System.Collections.Concurrent;

namespace Timely.Transport.Tcp.Tests;

/// <summary>
/// A listening process (process 0 of a job) meets clients that must be refused: each refusal
/// names the client's address and the reason, closes only that connection, and set-up goes on
/// to accept the real peer afterwards. A client whose hello is well formed but names another
/// setting of the job gets one refusal record with a code (no value); anything else gets no byte.
/// </summary>
public sealed class HandshakeRefusalTests
{
    private const ulong Job = 0x1234_5678_9ABC_DEF0;

    public static TheoryData<string, int, string, int> Cases => new()
    {
        { "bad magic", 2, "bad magic", 0 },
        { "version", 2, "layout version 9", 0 },
        { "job", 2, "job id", 1 },
        { "process count", 2, "it counts 5 processes", 2 },
        { "threads", 2, "it runs 3 workers per process", 3 },
        { "index out of range", 2, "process index 7 is outside", 5 },
        { "lower index", 2, "accepts only higher indices", 5 },
        { "truncated", 2, "closed the connection after 10 of 72 handshake bytes", 0 },
        { "empty", 2, "closed the connection after 0 of 72 handshake bytes", 0 },
        { "garbage", 2, "bad magic", 0 },
        { "duplicate index", 3, "process 1 is already connected", 6 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_bad_client_is_refused_by_name_and_the_real_peer_still_joins(string kind, int processes, string expected, int code)
    {
        var addresses = Loopback.FreeAddresses(processes);
        var refusals = new BlockingCollection<string>();
        var options = new TcpOptions { JobId = Job, ConnectTimeout = Loopback.Deadline };
        var listening = new Background<PeerConnection?[]>(() => TcpMesh.Establish(addresses, 0, 1, options, refusals.Add));

        var good = new Handshake(1, processes, 1, Job, 7);
        var extra = new List<IDisposable>();
        if (kind == "duplicate index")
        {
            extra.Add(Loopback.FakePeer(addresses[0], good).Socket);
        }

        using (var bad = Loopback.Send(addresses[0], BadBytes(kind, good)))
        {
            if (kind == "truncated" || kind == "empty")
            {
                bad.Shutdown(System.Net.Sockets.SocketShutdown.Send);
            }

            Assert.True(refusals.TryTake(out string? refusal, Loopback.Deadline), "no refusal reported");
            Assert.Contains(expected, refusal, StringComparison.Ordinal);
            Assert.Contains("127.0.0.1:", refusal, StringComparison.Ordinal);   // names the client
            AssertClosed(bad, code);
        }

        var last = new Handshake(processes - 1, processes, 1, Job, 7);
        extra.Add(Loopback.FakePeer(addresses[0], last).Socket);
        var peers = listening.Join();
        Assert.Null(peers[0]);
        Assert.All(peers.Skip(1), p => Assert.NotNull(p));
        Assert.Equal(7UL, peers[processes - 1]!.Remote.Host);
        foreach (var p in peers)
        {
            p?.Dispose();
        }

        extra.ForEach(d => d.Dispose());
    }

    private static byte[] BadBytes(string kind, Handshake good)
    {
        var b = new byte[Handshake.Size];
        good.WriteTo(b);
        switch (kind)
        {
            case "bad magic":
                b[0] ^= 0xFF;
                return b;
            case "version":
                BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(8), 9);
                return b;
            case "job":
                (good with { Job = Job + 1 }).WriteTo(b);
                return b;
            case "process count":
                (good with { Processes = 5 }).WriteTo(b);
                return b;
            case "threads":
                (good with { Threads = 3 }).WriteTo(b);
                return b;
            case "index out of range":
                (good with { Process = 7 }).WriteTo(b);
                return b;
            case "lower index":
                (good with { Process = 0 }).WriteTo(b);
                return b;
            case "truncated":
                return b[..10];
            case "empty":
                return [];
            case "garbage":
                new Random(17).NextBytes(b);
                return b;
            case "duplicate index":
                return b;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown case");
        }
    }

    /// <summary>
    /// The listener resets a refused connection without one byte (a prober learns nothing, not
    /// even that this is a Timely.Native process), unless its hello was well formed and only a
    /// setting differs: then one 16-byte refusal record with <paramref name="code"/>, and the close.
    /// </summary>
    private static void AssertClosed(System.Net.Sockets.Socket socket, int code)
    {
        socket.ReceiveTimeout = (int)Loopback.Deadline.TotalMilliseconds;
        var buffer = new byte[Handshake.Size];
        if (code != 0)
        {
            int have = 0;
            while (have < HandshakeRefusal.Size)
            {
                int n = socket.Receive(buffer, have, buffer.Length - have, System.Net.Sockets.SocketFlags.None);
                Assert.True(n > 0, $"the refusal record was cut after {have} bytes");
                have += n;
            }

            Assert.Equal(HandshakeRefusal.Size, have);
            Assert.Equal(HandshakeRefusal.Magic, BinaryPrimitives.ReadUInt64BigEndian(buffer));
            Assert.Equal((uint)code, BinaryPrimitives.ReadUInt32BigEndian(buffer.AsSpan(8)));
            Assert.Equal(0u, BinaryPrimitives.ReadUInt32BigEndian(buffer.AsSpan(12)));
        }

        try
        {
            Assert.Equal(0, socket.Receive(buffer));
        }
        catch (System.Net.Sockets.SocketException e)
        {
            Assert.Equal(System.Net.Sockets.SocketError.ConnectionReset, e.SocketErrorCode);
        }
    }
}
