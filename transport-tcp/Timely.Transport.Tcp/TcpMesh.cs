using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Timely.Transport.Tcp;

/// <summary>
/// Connection set-up of a job, as timely's <c>networking.rs</c> does it: process <c>i</c>
/// listens on its own address, connects to every lower index and accepts every higher one;
/// then one socket joins each pair. Each connection starts with a <see cref="Handshake"/>,
/// and the accepting side answers only after it validated the connector's.
/// </summary>
/// <remarks>
/// The exchange on one connection, connector C (higher index) to acceptor A:
/// <code>
/// without a secret:  C -> A  hello(C)            A checks it, then
///                    A -> C  hello(A)
/// with a secret:     C -> A  hello(C)            A checks it, then
///                    A -> C  challenge: "TIMELYCH" + fresh nonce(A)
///                    C -> A  proof(C) = HMAC(secret, label(C), hello(C), nonce(A), index(A))
///                    A checks proof(C) (FixedTimeEquals), then
///                    A -> C  hello(A) + proof(A) = HMAC(secret, label(A), hello(C), hello(A))
/// </code>
/// So A sends nothing at all to a client whose handshake it did not validate (a prober
/// learns neither the job id nor that this is a Timely.Native process), and with a secret
/// sends nothing but a random nonce before the client proved it: A answers first, and that
/// answer is useless to a client without the secret. C checks proof(A) before it trusts A.
/// Each hello carries a fresh nonce of its sender, so every proof binds both nonces, the
/// job, both indices and its direction: replayed on another connection, or reflected back,
/// it fails. The secret itself is never sent. A man in the middle who relays both sides
/// verbatim is not stopped (the frames after the handshake are not authenticated).
/// Accepts run on their own thread while this one connects to the lower indices, and that
/// thread multiplexes every handshake in progress with one deadline each
/// (<see cref="TcpOptions.HandshakeTimeout"/> for the whole handshake, not per read): a
/// slow or half-done client is dropped at its deadline and never delays another. A
/// refusal (bad handshake, wrong proof, duplicate index) resets that connection only, is
/// reported through <c>onRefused</c> (called on the accept thread), and set-up keeps
/// waiting for the real peer; the connecting side retries, on a new connection, a handshake
/// that timed out or that the acceptor reset or closed (it may have been dropped to make room
/// during a flood), and gives up at once only on a <see cref="HandshakeRefusal"/> record,
/// which names the setting that differs. Connects retry with a short exponential back-off (5 ms doubling to
/// 200 ms) instead of timely's one second. Everything is bounded by
/// <see cref="TcpOptions.ConnectTimeout"/>; the timeout error lists what never came and
/// what was refused.
/// </remarks>
public static class TcpMesh
{
    /// <summary>"TIMELYCH" in ASCII: the acceptor's challenge when the job has a secret.</summary>
    internal const ulong ChallengeMagic = 0x54494D454C594348UL;

    /// <summary>Bytes of the challenge: magic and the acceptor's nonce.</summary>
    internal const int ChallengeSize = 8 + 16;

    /// <summary>
    /// Connects process <paramref name="index"/> (with <paramref name="threads"/> workers) to
    /// every other process in <paramref name="addresses"/>; the result has one connection per
    /// process, null at <paramref name="index"/>. The sockets are blocking.
    /// </summary>
    /// <exception cref="TcpTransportException">A peer never answered within the timeout, refused this process, failed to prove the secret, or the own address cannot be bound.</exception>
    public static PeerConnection?[] Establish(IReadOnlyList<string> addresses, int index, int threads, TcpOptions options, Action<string>? onRefused = null)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, addresses.Count);
        var clock = Stopwatch.StartNew();
        var self = new Handshake(index, addresses.Count, threads, options.JobId, options.HostId, options.Secret is not null)
        {
            PeerTimeoutMilliseconds = (uint)Math.Clamp(options.PeerTimeout.TotalMilliseconds, 1, uint.MaxValue),
        };
        var peers = new PeerConnection?[addresses.Count];
        using var listener = index + 1 < addresses.Count ? Listen(addresses[index]) : null;
        var acceptor = listener is null ? null : HandshakeAcceptor.Start(listener, addresses, self, options, clock, onRefused);
        try
        {
            for (int j = 0; j < index; j++)
            {
                peers[j] = ConnectTo(j, addresses[j], self, options, clock);
            }

            if (acceptor is not null)
            {
                var higher = acceptor.Join();
                for (int j = index + 1; j < peers.Length; j++)
                {
                    peers[j] = higher[j];
                }
            }

            return peers;
        }
        catch
        {
            acceptor?.Cancel();
            foreach (var p in peers)
            {
                p?.Dispose();
            }

            throw;
        }
    }

    /// <summary>Parses <c>host:port</c> (host a literal address or a name resolved to its first IPv4 address).</summary>
    public static IPEndPoint ParseAddress(string address)
    {
        ArgumentNullException.ThrowIfNull(address);
        int colon = address.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(address.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port > 65535)
        {
            throw new TcpTransportException($"'{address}' is not host:port.") { Peer = address };
        }

        string host = address[..colon].Trim('[', ']');
        if (IPAddress.TryParse(host, out var ip))
        {
            return new IPEndPoint(ip, port);
        }

        try
        {
            var all = Dns.GetHostAddresses(host);
            var chosen = all.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? all.FirstOrDefault()
                ?? throw new TcpTransportException($"'{host}' resolves to no address.") { Peer = address };
            return new IPEndPoint(chosen, port);
        }
        catch (SocketException e)
        {
            throw new TcpTransportException($"'{host}' does not resolve ({e.SocketErrorCode}).", e) { Peer = address };
        }
    }

    /// <summary>Binds and listens on <paramref name="address"/>.</summary>
    public static Socket Listen(string address)
    {
        var endpoint = ParseAddress(address);
        var listener = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            listener.Bind(endpoint);
            listener.Listen(128);
            return listener;
        }
        catch (SocketException e)
        {
            listener.Dispose();
            throw new TcpTransportException($"cannot listen on {address} ({e.SocketErrorCode}): is another process using it?", e) { Peer = address };
        }
    }

    private static PeerConnection ConnectTo(int process, string address, Handshake self, TcpOptions options, Stopwatch clock)
    {
        var endpoint = ParseAddress(address);
        string name = $"process {process} at {address}";
        var backoff = TimeSpan.FromMilliseconds(5);
        string last = "none";
        int resets = 0;
        while (true)
        {
            var remaining = options.ConnectTimeout - clock.Elapsed;
            if (remaining <= TimeSpan.Zero)
            {
                throw new TcpTransportException($"{name} {(resets > 0 ? "never completed a handshake" : "never answered")} within {options.ConnectTimeout.TotalSeconds:0.###} s (last error: {last}).") { Peer = name };
            }

            var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                ConnectWithin(socket, endpoint, remaining);
                Configure(socket, options);
                var end = clock.Elapsed + Min(options.HandshakeTimeout, options.ConnectTimeout - clock.Elapsed);
                if (Greet(socket, process, name, self, options, clock, end) is { } remote)
                {
                    // Blocking for the caller, as the acceptor's connections are. The descriptor
                    // itself stays non-blocking: a sync call on it from here on would run through
                    // .NET's epoll emulation (see ConnectWithin); the fabric sets it non-blocking
                    // before its first send or receive.
                    socket.Blocking = true;
                    return new PeerConnection(process, address, socket, remote);
                }

                // Not answered within the handshake deadline (the peer is busy or dropped us):
                // a new connection, as long as the connect timeout allows.
                last = $"no handshake within {Min(options.HandshakeTimeout, options.ConnectTimeout).TotalSeconds:0.###} s";
                socket.LingerState = new LingerOption(true, 0);
                socket.Dispose();
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = e.SocketErrorCode.ToString();
                if (e.SocketErrorCode == SocketError.ConnectionReset)
                {
                    resets++;
                    last = $"it reset {resets} handshake(s): it was busy with other clients, or it refused this process without saying why (its log names the reason)";
                }
            }
            catch
            {
                socket.Dispose();
                throw;
            }

            var left = options.ConnectTimeout - clock.Elapsed;
            if (left > TimeSpan.Zero)
            {
                Thread.Sleep(Min(backoff, left));
            }

            backoff = Min(backoff * 2, TimeSpan.FromMilliseconds(200));
        }
    }

    /// <summary>The connector's side of the exchange (see the remarks above); null when the peer did not finish by <paramref name="end"/>.</summary>
    private static Handshake? Greet(Socket socket, int process, string name, Handshake self, TcpOptions options, Stopwatch clock, TimeSpan end)
    {
        Span<byte> hello = stackalloc byte[Handshake.Size];
        (self with { Nonce = ClusterSecret.NewNonce() }).WriteTo(hello);
        if (!SendExactly(socket, hello, clock, end))
        {
            return null;
        }

        var secret = options.Secret;
        Span<byte> proof = stackalloc byte[ClusterSecret.ProofSize];
        UInt128 challenge = default;
        if (secret is not null)
        {
            Span<byte> received = stackalloc byte[ChallengeSize];
            if (!ReadReply(socket, received, name, clock, end))
            {
                return null;
            }

            ulong magic = BinaryPrimitives.ReadUInt64BigEndian(received);
            if (magic != ChallengeMagic)
            {
                throw new TcpTransportException($"handshake from {name} refused: it answered 0x{magic:X16}, not a challenge for the cluster secret.") { Peer = name };
            }

            challenge = BinaryPrimitives.ReadUInt128BigEndian(received[8..]);
            secret.ConnectorProof(hello, challenge, process, proof);
            if (!SendExactly(socket, proof, clock, end))
            {
                return null;
            }
        }

        Span<byte> reply = stackalloc byte[Handshake.Size + (secret is null ? 0 : ClusterSecret.ProofSize)];
        if (!ReadReply(socket, reply, name, clock, end))
        {
            return null;
        }

        var remote = Handshake.ReadAndCheck(reply, self, name);
        if (remote.Process != process)
        {
            throw new TcpTransportException($"handshake from {name} refused: it says it is process {remote.Process}.") { Peer = name };
        }

        if (secret is not null)
        {
            secret.AcceptorProof(hello, reply[..Handshake.Size], proof);
            if (remote.Nonce != challenge || !ClusterSecret.Matches(proof, reply[Handshake.Size..]))
            {
                throw new TcpTransportException($"handshake from {name} refused: its proof of the cluster secret is wrong (another secret, or not the real process {process}).") { Peer = name };
            }
        }

        return remote;
    }

    /// <summary>
    /// Reads a reply of <paramref name="buffer"/>'s length, or a <see cref="HandshakeRefusal"/>
    /// record (shorter than any reply), which it throws as the error it names.
    /// </summary>
    private static bool ReadReply(Socket socket, Span<byte> buffer, string peer, Stopwatch clock, TimeSpan end)
    {
        if (!ReadExactly(socket, buffer[..HandshakeRefusal.Size], peer, clock, end))
        {
            return false;
        }

        if (HandshakeRefusal.IsRefusal(buffer))
        {
            throw HandshakeRefusal.Describe(buffer, peer);
        }

        return ReadExactly(socket, buffer[HandshakeRefusal.Size..], peer, clock, end);
    }

    /// <summary>
    /// Reads all of <paramref name="buffer"/> by <paramref name="end"/> on <paramref name="clock"/>
    /// (one deadline for every read); false when it passed. The socket is non-blocking here
    /// (<see cref="ConnectWithin"/>): each wait is a poll, never a blocking receive, which .NET
    /// would emulate on its epoll engine and so register the socket there for good.
    /// </summary>
    private static bool ReadExactly(Socket socket, Span<byte> buffer, string peer, Stopwatch clock, TimeSpan end)
    {
        int have = 0;
        while (have < buffer.Length)
        {
            var left = end - clock.Elapsed;
            if (left <= TimeSpan.Zero)
            {
                return false;
            }

            int n = socket.Receive(buffer[have..], SocketFlags.None, out SocketError error);
            if (error == SocketError.WouldBlock)
            {
                socket.Poll(ToMicros(Min(left, ConnectPollSlice)), SelectMode.SelectRead);
                continue;   // the deadline check above ends it
            }


            if (error != SocketError.Success)
            {
                throw new SocketException((int)error);
            }

            if (n == 0)
            {
                // Dropped by the acceptor (a flood made it make room, say): retried by the caller.
                throw new SocketException((int)SocketError.ConnectionReset);
            }

            have += n;
        }

        return true;
    }

    /// <summary>Sends all of <paramref name="data"/> on the non-blocking socket by <paramref name="end"/>; false when it passed.</summary>
    private static bool SendExactly(Socket socket, ReadOnlySpan<byte> data, Stopwatch clock, TimeSpan end)
    {
        int sent = 0;
        while (sent < data.Length)
        {
            var left = end - clock.Elapsed;
            if (left <= TimeSpan.Zero)
            {
                return false;
            }

            int n = socket.Send(data[sent..], SocketFlags.None, out SocketError error);
            if (error == SocketError.WouldBlock)
            {
                socket.Poll(ToMicros(Min(left, ConnectPollSlice)), SelectMode.SelectWrite);
                continue;
            }

            if (error != SocketError.Success)
            {
                throw new SocketException((int)error);
            }

            sent += n;
        }

        return true;
    }

    private static readonly TimeSpan ConnectPollSlice = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Connects within <paramref name="bound"/> and leaves the socket non-blocking. Neither the
    /// async API nor a blocking call may touch it: on Linux, .NET runs a blocking call on a
    /// descriptor that is non-blocking underneath (as it is after a bounded connect) through its
    /// epoll engine, which registers the socket there for good, and that engine's thread then
    /// wakes for every packet that arrives on it: one more thread wake-up per message beside the
    /// receive thread (strace: one epoll_wait per round trip on the connecting side, from the
    /// handshake's blocking receive with a timeout; gone with the handshake done by polls).
    /// </summary>
    /// <exception cref="SocketException">Refused, unreachable, or not connected within the bound (TimedOut).</exception>
    private static void ConnectWithin(Socket socket, IPEndPoint endpoint, TimeSpan bound)
    {
        socket.Blocking = false;
        try
        {
            socket.Connect(endpoint);
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress)
        {
            // Writable when connected; a refusal may show only as an error condition.
            var clock = Stopwatch.StartNew();
            while (!socket.Poll(ToMicros(Min(ConnectPollSlice, bound - clock.Elapsed)), SelectMode.SelectWrite) && !socket.Poll(0, SelectMode.SelectError))
            {
                if (clock.Elapsed >= bound)
                {
                    throw new SocketException((int)SocketError.TimedOut);
                }
            }

            int error = (int)socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error)!;
            if (error != 0)
            {
                throw new SocketException(error);
            }
        }
    }

    internal static void Configure(Socket socket, TcpOptions options)
    {
        socket.NoDelay = true;

        // A peer host that vanishes without a FIN/RST is noticed by keep-alive probes within
        // about the peer timeout (idle half of it, then three probes a sixth apart; whole
        // seconds, at least 1), so a worker waiting on it fails instead of hanging.
        double t = options.PeerTimeout.TotalSeconds;
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, Math.Max(1, (int)(t / 2)));
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, Math.Max(1, (int)(t / 6)));
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, 3);
    }

    internal static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    internal static int ToMicros(TimeSpan t) => (int)Math.Min(int.MaxValue, Math.Max(1, t.Ticks / 10));
}
