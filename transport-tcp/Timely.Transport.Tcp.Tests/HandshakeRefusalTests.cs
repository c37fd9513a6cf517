using System.Buffers.Binary;
using System.Collections.Concurrent;

namespace Timely.Transport.Tcp.Tests;

/// <summary>
/// A listening process (process 0 of a job) meets clients that must be refused: each refusal
/// names the client's address and the reason, closes only that connection, and set-up goes on
/// to accept the real peer afterwards.
/// </summary>
public sealed class HandshakeRefusalTests
{
    private const ulong Job = 0x1234_5678_9ABC_DEF0;

    public static TheoryData<string, int, string> Cases => new()
    {
        { "bad magic", 2, "bad magic" },
        { "version", 2, "layout version 9" },
        { "job", 2, "job id" },
        { "process count", 2, "it counts 5 processes" },
        { "threads", 2, "it runs 3 workers per process" },
        { "index out of range", 2, "process index 7 is outside" },
        { "lower index", 2, "accepts only higher indices" },
        { "truncated", 2, "closed the connection after 10 of 68 handshake bytes" },
        { "empty", 2, "closed the connection after 0 of 68 handshake bytes" },
        { "garbage", 2, "bad magic" },
        { "duplicate index", 3, "process 1 is already connected" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_bad_client_is_refused_by_name_and_the_real_peer_still_joins(string kind, int processes, string expected)
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
            AssertClosed(bad);
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

    /// <summary>The listener resets a refused connection without one byte: a prober learns nothing, not even that this is a Timely.Native process.</summary>
    private static void AssertClosed(System.Net.Sockets.Socket socket)
    {
        socket.ReceiveTimeout = (int)Loopback.Deadline.TotalMilliseconds;
        var buffer = new byte[Handshake.Size];
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
