using System.Collections.Concurrent;
using System.Net.Sockets;

namespace Timely.Transport.Tcp.Tests;

/// <summary>
/// One TCP client must not be able to stop a job's set-up, learn its job id, or
/// take a peer's place. Real sockets on 127.0.0.1; the listening side is a real
/// <see cref="TcpMesh.Establish"/>, the other side real or played by hand.
/// </summary>
public sealed class HandshakeHardeningTests
{
    private const ulong Job = 0x0BAD_F00D_0000_0012;

    [Fact]
    public void A_half_handshake_held_open_does_not_stop_the_real_peers()
    {
        var addresses = Loopback.FreeAddresses(2);
        var options = new TcpOptions { JobId = Job, ConnectTimeout = Loopback.Deadline, HandshakeTimeout = Loopback.Deadline };
        var zero = new Background<PeerConnection?[]>(() => TcpMesh.Establish(addresses, 0, 1, options));
        var hello = HelloBytes(new Handshake(1, 2, 1, Job, 7));

        // All but the last byte, and the socket held for the whole test: under the old set-up
        // process 0 read this client alone until its per-read bound, and process 1's own
        // handshake timed out meanwhile.
        using var bad = Loopback.Send(addresses[0], hello.AsSpan(0, Handshake.Size - 1));
        var one = new Background<PeerConnection?[]>(() => TcpMesh.Establish(addresses, 1, 1, options));
        var zeros = zero.Join();
        var ones = one.Join();
        AssertPaired(zeros[1]!.Socket, ones[0]!.Socket);
        DisposeAll(zeros, ones);
    }

    [Fact]
    public void A_slow_loris_client_is_cut_at_the_handshake_deadline_not_per_read()
    {
        var addresses = Loopback.FreeAddresses(2);
        var refusals = new BlockingCollection<string>();
        var options = new TcpOptions { JobId = Job, ConnectTimeout = Loopback.Deadline, HandshakeTimeout = TimeSpan.FromSeconds(1) };
        var zero = new Background<PeerConnection?[]>(() => TcpMesh.Establish(addresses, 0, 1, options, refusals.Add));

        // A valid handshake, one byte per 100 ms (paced by waiting for the refusal): each read
        // is quick, only the whole handshake's deadline can cut it.
        var hello = HelloBytes(new Handshake(1, 2, 1, Job, 7));
        string? refusal = null;
        using (var loris = Loopback.Send(addresses[0], hello.AsSpan(0, 1)))
        {
            for (int i = 1; i < hello.Length && refusal is null; i++)
            {
                if (refusals.TryTake(out refusal, TimeSpan.FromMilliseconds(100)))
                {
                    break;
                }

                try
                {
                    loris.Send(hello, i, 1, SocketFlags.None);
                }
                catch (SocketException)
                {
                    break;   // reset by the listener: its refusal is on the way
                }
            }

            Assert.True(refusal is not null || refusals.TryTake(out refusal, Loopback.Deadline), "the slow client was never cut");
            Assert.Matches(@"a client at 127\.0\.0\.1:\d+ sent \d+ of 72 bytes of its handshake hello within 1 s", refusal);
            AssertNothingComes(loris);
        }

        var real = Loopback.FakePeer(addresses[0], new Handshake(1, 2, 1, Job, 7));
        var peers = zero.Join();
        Assert.NotNull(peers[1]);
        real.Socket.Dispose();
        DisposeAll(peers);
    }

    [Fact]
    public void Forty_zero_bytes_get_no_bytes_back()
    {
        var addresses = Loopback.FreeAddresses(2);
        var refusals = new BlockingCollection<string>();
        var options = new TcpOptions { JobId = Job, ConnectTimeout = Loopback.Deadline };
        var zero = new Background<PeerConnection?[]>(() => TcpMesh.Establish(addresses, 0, 1, options, refusals.Add));
        using (var probe = Loopback.Send(addresses[0], new byte[40]))
        {
            Assert.True(refusals.TryTake(out string? refusal, Loopback.Deadline), "no refusal reported");
            Assert.Contains("bad magic", refusal, StringComparison.Ordinal);
            AssertNothingComes(probe);   // before: process 0's own handshake, job id included
        }

        var real = Loopback.FakePeer(addresses[0], new Handshake(1, 2, 1, Job, 7));
        DisposeAll(zero.Join());
        real.Socket.Dispose();
    }

    [Fact]
    public void An_impostor_claiming_a_connected_index_is_refused_and_the_established_connection_keeps_working()
    {
        var addresses = Loopback.FreeAddresses(3);
        var refusals = new BlockingCollection<string>();
        var options = new TcpOptions { JobId = Job, ConnectTimeout = Loopback.Deadline, HandshakeTimeout = Loopback.Deadline };
        var zero = new Background<PeerConnection?[]>(() => TcpMesh.Establish(addresses, 0, 1, options, refusals.Add));

        // The impostor knows the job id and starts first, but has not finished when the real
        // process 1 does; then it completes its claim.
        var claim = HelloBytes(new Handshake(1, 3, 1, Job, 666));
        using var impostor = Loopback.Send(addresses[0], claim.AsSpan(0, 20));
        var real = Loopback.FakePeer(addresses[0], new Handshake(1, 3, 1, Job, 7));
        impostor.Send(claim, 20, claim.Length - 20, SocketFlags.None);
        Assert.True(refusals.TryTake(out string? refusal, Loopback.Deadline), "the impostor was not refused");
        Assert.Contains("process 1 is already connected", refusal, StringComparison.Ordinal);
        AssertRefusalRecord(impostor, HandshakeRefusal.Code.IndexTaken);   // a code, nothing of the job

        var last = Loopback.FakePeer(addresses[0], new Handshake(2, 3, 1, Job, 7));
        var peers = zero.Join();
        Assert.Equal(7UL, peers[1]!.Remote.Host);   // the real one, not the impostor (666)
        AssertPaired(peers[1]!.Socket, real.Socket);
        real.Socket.Dispose();
        last.Socket.Dispose();
        DisposeAll(peers);
    }

    [Fact]
    public void With_the_same_secret_two_processes_join_and_each_proves_it_to_the_other()
    {
        var addresses = Loopback.FreeAddresses(2);
        var options = new TcpOptions { JobId = Job, ConnectTimeout = Loopback.Deadline, Secret = Secret("s3cret") };
        var zero = new Background<PeerConnection?[]>(() => TcpMesh.Establish(addresses, 0, 1, options));
        var ones = TcpMesh.Establish(addresses, 1, 1, options with { Secret = Secret("s3cret") });
        var zeros = zero.Join();
        Assert.True(zeros[1]!.Remote.Secret);
        AssertPaired(zeros[1]!.Socket, ones[0]!.Socket);
        DisposeAll(zeros, ones);
    }

    [Fact]
    public void With_a_secret_a_wrong_secret_is_refused_and_the_real_peer_still_joins()
    {
        var addresses = Loopback.FreeAddresses(2);
        var refusals = new BlockingCollection<string>();
        var options = new TcpOptions { JobId = Job, ConnectTimeout = Loopback.Deadline, Secret = Secret("right") };
        var zero = new Background<PeerConnection?[]>(() => TcpMesh.Establish(addresses, 0, 1, options, refusals.Add));

        var wrong = Assert.Throws<TcpTransportException>(() => TcpMesh.Establish(addresses, 1, 1, options with { Secret = Secret("wrong") }));
        Assert.Contains("refused this process", wrong.Message, StringComparison.Ordinal);
        Assert.True(refusals.TryTake(out string? refusal, Loopback.Deadline), "no refusal reported");
        Assert.Contains("proof of the cluster secret is wrong", refusal, StringComparison.Ordinal);

        var ones = TcpMesh.Establish(addresses, 1, 1, options with { Secret = Secret("right") });
        var zeros = zero.Join();
        AssertPaired(zeros[1]!.Socket, ones[0]!.Socket);
        DisposeAll(zeros, ones);
    }

    [Fact]
    public void With_a_secret_a_client_without_one_is_refused_within_the_handshake_deadline()
    {
        var addresses = Loopback.FreeAddresses(2);
        var refusals = new BlockingCollection<string>();
        var options = new TcpOptions { JobId = Job, ConnectTimeout = Loopback.Deadline, HandshakeTimeout = TimeSpan.FromSeconds(1), Secret = Secret("right") };
        var zero = new Background<PeerConnection?[]>(() => TcpMesh.Establish(addresses, 0, 1, options, refusals.Add));

        // A process without a secret says so in its handshake: refused at once with the code
        // that tells it so, nothing else sent (no nonce, no identifier of the job).
        using (var plain = Loopback.Send(addresses[0], HelloBytes(new Handshake(1, 2, 1, Job, 7))))
        {
            Assert.True(refusals.TryTake(out string? refusal, Loopback.Deadline), "no refusal reported");
            Assert.Contains("it has no cluster secret", refusal, StringComparison.Ordinal);
            AssertRefusalRecord(plain, HandshakeRefusal.Code.SecretSetting);
        }

        // One that claims a secret but cannot answer the challenge gets a nonce and is cut at the deadline.
        using (var bluff = Loopback.Send(addresses[0], HelloBytes(new Handshake(1, 2, 1, Job, 7, Secret: true))))
        {
            Assert.True(refusals.TryTake(out string? refusal, Loopback.Deadline), "no refusal reported");
            Assert.Contains("sent 0 of 32 bytes of its handshake proof within 1 s", refusal, StringComparison.Ordinal);
            Assert.Equal(TcpMesh.ChallengeSize, ReadUntilClosed(bluff).Length);   // the challenge, nothing more
        }

        var ones = TcpMesh.Establish(addresses, 1, 1, options);
        DisposeAll(zero.Join(), ones);
    }

    [Fact]
    public void A_proof_captured_on_one_connection_is_refused_when_replayed_on_a_new_one()
    {
        var secret = Secret("right");
        var addresses = Loopback.FreeAddresses(2);
        var options = new TcpOptions { JobId = Job, ConnectTimeout = Loopback.Deadline, Secret = secret };

        // An observer records process 1's hello and proof on a real run...
        var hello = HelloBytes(new Handshake(1, 2, 1, Job, 7, Secret: true, Nonce: 42));
        var first = new Background<PeerConnection?[]>(() => TcpMesh.Establish(addresses, 0, 1, options));
        byte[] proof = new byte[ClusterSecret.ProofSize];
        using (var honest = Loopback.Send(addresses[0], hello))
        {
            var challenge = ReadExactly(honest, TcpMesh.ChallengeSize);
            secret.ConnectorProof(hello, System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(challenge.AsSpan(8)), 0, proof);
            honest.Send(proof);
            ReadExactly(honest, Handshake.Size + ClusterSecret.ProofSize);
            DisposeAll(first.Join());
        }

        // ...and replays both to the next run of the same job: the new challenge makes the proof stale.
        var refusals = new BlockingCollection<string>();
        var second = new Background<PeerConnection?[]>(() => TcpMesh.Establish(addresses, 0, 1, options, refusals.Add));
        using (var replay = Loopback.Send(addresses[0], hello))
        {
            ReadExactly(replay, TcpMesh.ChallengeSize);
            replay.Send(proof);
            Assert.True(refusals.TryTake(out string? refusal, Loopback.Deadline), "the replayed proof was not refused");
            Assert.Contains("proof of the cluster secret is wrong", refusal, StringComparison.Ordinal);
            AssertRefusalRecord(replay, HandshakeRefusal.Code.Proof);
        }

        var ones = TcpMesh.Establish(addresses, 1, 1, options);
        DisposeAll(second.Join(), ones);
    }

    [Fact]
    public void A_listener_that_lacks_the_secret_is_not_trusted_by_the_connecting_process()
    {
        // Mutual: a listener at process 0's address that answers the challenge dance but
        // cannot prove the secret (here: a zero proof) is refused by the connector.
        var addresses = Loopback.FreeAddresses(2);
        using var listener = TcpMesh.Listen(addresses[0]);
        var fake = new Background<int>(() =>
        {
            using var socket = listener.Accept();
            socket.ReceiveTimeout = (int)Loopback.Deadline.TotalMilliseconds;
            var theirs = ReadExactly(socket, Handshake.Size);
            var challenge = new byte[TcpMesh.ChallengeSize];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(challenge, TcpMesh.ChallengeMagic);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt128BigEndian(challenge.AsSpan(8), 99);
            socket.Send(challenge);
            ReadExactly(socket, ClusterSecret.ProofSize);
            var reply = new byte[Handshake.Size + ClusterSecret.ProofSize];
            new Handshake(0, 2, 1, Job, 7, Secret: true, Nonce: 99).WriteTo(reply);
            socket.Send(reply);
            return ReadUntilClosed(socket).Length + theirs.Length;
        });
        var e = Assert.Throws<TcpTransportException>(() => TcpMesh.Establish(addresses, 1, 1, new TcpOptions { JobId = Job, ConnectTimeout = Loopback.Deadline, Secret = Secret("right") }));
        Assert.Contains($"handshake from process 0 at {addresses[0]} refused: its proof of the cluster secret is wrong", e.Message, StringComparison.Ordinal);
        Assert.Equal(Handshake.Size, fake.Join());   // it sent its hello, then nothing after the bad proof
    }

    internal static ClusterSecret Secret(string text) => ClusterSecret.FromBytes(System.Text.Encoding.UTF8.GetBytes(text));

    private static byte[] HelloBytes(Handshake handshake)
    {
        var b = new byte[Handshake.Size];
        handshake.WriteTo(b);
        return b;
    }

    private static byte[] ReadExactly(Socket socket, int count)
    {
        socket.ReceiveTimeout = (int)Loopback.Deadline.TotalMilliseconds;
        var b = new byte[count];
        int have = 0;
        while (have < count)
        {
            int n = socket.Receive(b, have, count - have, SocketFlags.None);
            Assert.True(n > 0, $"closed after {have} of {count} bytes");
            have += n;
        }

        return b;
    }

    /// <summary>Everything the other side sends until it closes or resets (a hang fails at the deadline).</summary>
    private static byte[] ReadUntilClosed(Socket socket)
    {
        socket.ReceiveTimeout = (int)Loopback.Deadline.TotalMilliseconds;
        var all = new List<byte>();
        var buffer = new byte[256];
        try
        {
            int n;
            while ((n = socket.Receive(buffer)) > 0)
            {
                all.AddRange(buffer.AsSpan(0, n));
            }
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            // Reset: the end of what it sends.
        }

        return [.. all];
    }

    /// <summary>The other side sends one refusal record with <paramref name="code"/> (no value, no identifier), then closes.</summary>
    private static void AssertRefusalRecord(Socket socket, HandshakeRefusal.Code code) =>
        Assert.Equal(HandshakeRefusal.Encode(code), ReadUntilClosed(socket));

    /// <summary>The other side closes or resets without one byte.</summary>
    private static void AssertNothingComes(Socket socket) => Assert.Empty(ReadUntilClosed(socket));

    private static void AssertPaired(Socket a, Socket b)
    {
        a.Send([42]);
        Assert.Equal([42], ReadExactly(b, 1));
        b.Send([7]);
        Assert.Equal([7], ReadExactly(a, 1));
    }

    private static void DisposeAll(params PeerConnection?[][] meshes)
    {
        foreach (var c in meshes.SelectMany(m => m))
        {
            c?.Dispose();
        }
    }
}
