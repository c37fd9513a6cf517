using System.Buffers.Binary;
using System.Net.Sockets;

namespace Timely.Transport.Tcp.Tests;

/// <summary>Connection set-up: every pair joined once, host identities exchanged, and each kind of no-show named within the bound.</summary>
public sealed class TcpMeshTests
{
    [Fact]
    public void Three_processes_join_pairwise_and_learn_each_others_host()
    {
        var addresses = Loopback.FreeAddresses(3);
        var runs = Enumerable.Range(0, 3)
            .Select(p => new Background<PeerConnection?[]>(() => TcpMesh.Establish(addresses, p, 2, new TcpOptions { JobId = 5, HostId = 100UL + (ulong)p, ConnectTimeout = Loopback.Deadline })))
            .ToArray();
        var meshes = runs.Select(r => r.Join()).ToArray();
        for (int p = 0; p < 3; p++)
        {
            for (int q = 0; q < 3; q++)
            {
                if (p == q)
                {
                    Assert.Null(meshes[p][q]);
                    continue;
                }

                var c = meshes[p][q]!;
                Assert.Equal(q, c.Process);
                Assert.Equal(100UL + (ulong)q, c.Remote.Host);
                Assert.True(c.Socket.NoDelay);
            }
        }

        // The sockets are really paired: bytes sent by 2 to 0 arrive at 0 from 2.
        meshes[2][0]!.Socket.Send([42]);
        var one = new byte[1];
        Assert.Equal(1, meshes[0][2]!.Socket.Receive(one));
        Assert.Equal(42, one[0]);
        foreach (var c in meshes.SelectMany(m => m))
        {
            c?.Dispose();
        }
    }

    [Fact]
    public void The_acceptor_takes_its_connections_without_a_thrown_WouldBlock()
    {
        // Each accepted batch used to end on Accept's WouldBlock, an exception per readiness of
        // the listener; the acceptor now polls before another accept. Seen on the acceptors'
        // threads only (tests of other classes run meanwhile, on threads of their own).
        int wouldBlock = 0;
        EventHandler<System.Runtime.ExceptionServices.FirstChanceExceptionEventArgs> seen = (_, e) =>
        {
            if (e.Exception is SocketException { SocketErrorCode: SocketError.WouldBlock } && Thread.CurrentThread.Name == "timely:tcp-accept")
            {
                Interlocked.Increment(ref wouldBlock);
            }
        };
        AppDomain.CurrentDomain.FirstChanceException += seen;
        PeerConnection?[][] meshes;
        try
        {
            var addresses = Loopback.FreeAddresses(3);
            meshes = Enumerable.Range(0, 3)
                .Select(p => new Background<PeerConnection?[]>(() => TcpMesh.Establish(addresses, p, 1, new TcpOptions { JobId = 6, ConnectTimeout = Loopback.Deadline })))
                .ToArray()
                .Select(r => r.Join())
                .ToArray();
        }
        finally
        {
            AppDomain.CurrentDomain.FirstChanceException -= seen;
        }

        Assert.Equal(2, meshes[0].Count(c => c is not null));   // process 0 accepted both higher processes
        Assert.Equal(0, wouldBlock);
        foreach (var c in meshes.SelectMany(m => m))
        {
            c?.Dispose();
        }
    }

    [Fact]
    public void A_lower_process_that_never_answers_is_named_with_its_address()
    {
        var addresses = Loopback.FreeAddresses(2);
        var e = Assert.Throws<TcpTransportException>(() => TcpMesh.Establish(addresses, 1, 1, new TcpOptions { ConnectTimeout = TimeSpan.FromMilliseconds(300) }));
        Assert.Contains($"process 0 at {addresses[0]} never answered within 0.3 s", e.Message, StringComparison.Ordinal);
        Assert.Equal($"process 0 at {addresses[0]}", e.Peer);
    }

    [Fact]
    public void A_higher_process_that_never_connects_is_named()
    {
        var addresses = Loopback.FreeAddresses(3);
        var e = Assert.Throws<TcpTransportException>(() => TcpMesh.Establish(addresses, 0, 1, new TcpOptions { ConnectTimeout = TimeSpan.FromMilliseconds(300) }));
        Assert.Contains("process 1, process 2 never connected", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_listener_of_another_job_refuses_the_connecting_process_without_telling_its_job()
    {
        var addresses = Loopback.FreeAddresses(2);
        // The listener's window must outlast the client's connect under load: with 1 s, a CI run
        // saw the listener time out and close while the client's connection sat in its backlog,
        // so the client read end-of-stream instead of the refusal. The client is refused at once.
        var other = new Background<PeerConnection?[]>(() => TcpMesh.Establish(addresses, 0, 1, new TcpOptions { JobId = 1, ConnectTimeout = TimeSpan.FromSeconds(3) }));
        var e = Assert.Throws<TcpTransportException>(() => TcpMesh.Establish(addresses, 1, 1, new TcpOptions { JobId = 2, ConnectTimeout = TimeSpan.FromSeconds(3) }));
        Assert.Contains($"process 0 at {addresses[0]} refused this process", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("0x0000000000000001", e.Message, StringComparison.Ordinal);   // the listener's job id stays with it
        var listenerSide = Assert.Throws<TcpTransportException>(() => other.Join());
        Assert.Contains("job id 0x0000000000000002, this job is 0x0000000000000001", listenerSide.Message, StringComparison.Ordinal);   // its timeout lists the refusal
    }

    [Fact]
    public void A_bad_address_is_refused_with_the_text()
    {
        var e = Assert.Throws<TcpTransportException>(() => TcpMesh.ParseAddress("localhost-without-port"));
        Assert.Contains("'localhost-without-port' is not host:port", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Handshake_bytes_are_frozen()
    {
        var b = new byte[Handshake.Size];
        new Handshake(2, 3, 4, 0x0102030405060708, 0x1112131415161718, Secret: true, Nonce: new UInt128(0x2122232425262728, 0x292A2B2C2D2E2F30), PeerTimeoutMilliseconds: 0x0A0B0C0D).WriteTo(b);
        Assert.Equal(
            "54494D454C595443" + "00000003" + "00000001" + "00000002" + "00000003" + "00000004" + "0102030405060708" + "1112131415161718"
                + "2122232425262728292A2B2C2D2E2F30" + "0A0B0C0D" + "073897E15378E97B",
            Convert.ToHexString(b));
        Assert.Equal(3u, Handshake.Version);
        Assert.Equal(Handshake.Version, BinaryPrimitives.ReadUInt32BigEndian(b.AsSpan(8)));   // the check (last 8 bytes) is FNV-1a of bytes 0..63
    }
}
