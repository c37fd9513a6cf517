using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Timely.Transport.Tcp;

/// <summary>
/// Connection set-up of a job, as timely's <c>networking.rs</c> does it: process <c>i</c>
/// listens on its own address, connects to every lower index and accepts every higher one;
/// then one socket joins each pair. Each connection starts with a <see cref="Handshake"/>
/// in both directions, checked before anything else is read.
/// </summary>
/// <remarks>
/// Unlike timely, connects retry with a short exponential back-off (5 ms doubling to 200 ms)
/// instead of one second, and the accept side blocks in <see cref="Socket.Poll(int, SelectMode)"/>
/// until a connection comes, so a job starts as soon as its last process is up. Everything is
/// bounded by <see cref="TcpOptions.ConnectTimeout"/>; a refusal (bad handshake, duplicate
/// index) closes that connection, is reported through <c>onRefused</c>, and set-up keeps
/// waiting for the real peer; the timeout error lists what never came and what was refused.
/// </remarks>
public static class TcpMesh
{
    private static readonly TimeSpan HandshakeReadBound = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Connects process <paramref name="index"/> (with <paramref name="threads"/> workers) to
    /// every other process in <paramref name="addresses"/>; the result has one connection per
    /// process, null at <paramref name="index"/>.
    /// </summary>
    /// <exception cref="TcpTransportException">A peer never answered within the timeout, or the own address cannot be bound.</exception>
    public static PeerConnection?[] Establish(IReadOnlyList<string> addresses, int index, int threads, TcpOptions options, Action<string>? onRefused = null)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, addresses.Count);
        var deadline = Stopwatch.StartNew();
        var self = new Handshake(index, addresses.Count, threads, options.JobId, options.HostId);
        var peers = new PeerConnection?[addresses.Count];
        using var listener = index + 1 < addresses.Count ? Listen(addresses[index]) : null;
        try
        {
            for (int j = 0; j < index; j++)
            {
                peers[j] = ConnectTo(j, addresses[j], self, options, deadline);
            }

            if (listener is not null)
            {
                AcceptHigher(listener, addresses, peers, self, options, deadline, onRefused);
            }

            return peers;
        }
        catch
        {
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
        SocketError last = SocketError.Success;
        Span<byte> hello = stackalloc byte[Handshake.Size];
        self.WriteTo(hello);
        while (true)
        {
            var remaining = options.ConnectTimeout - clock.Elapsed;
            if (remaining <= TimeSpan.Zero)
            {
                throw new TcpTransportException($"{name} never answered within {options.ConnectTimeout.TotalSeconds:0.###} s (last error: {last}).") { Peer = name };
            }

            var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                ConnectWithin(socket, endpoint, remaining);
                Configure(socket, options);
                socket.Send(hello);
                var remote = ReadHandshake(socket, self, name, Min(options.ConnectTimeout - clock.Elapsed, HandshakeReadBound));
                if (remote.Process != process)
                {
                    throw new TcpTransportException($"handshake from {name} refused: it says it is process {remote.Process}.") { Peer = name };
                }

                return new PeerConnection(process, address, socket, remote);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = e.SocketErrorCode;
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

    private static readonly TimeSpan ConnectPollSlice = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Connects within <paramref name="bound"/> without the socket's async API: an async
    /// connect registers the socket with .NET's epoll engine for good, and that engine's
    /// thread then wakes for every packet that arrives on it, one more thread wake-up per
    /// message beside the receive thread (seen with strace: one epoll_wait per round trip on
    /// the connecting side). A non-blocking connect and a poll for writability bound it instead.
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

        socket.Blocking = true;
    }

    private static void AcceptHigher(Socket listener, IReadOnlyList<string> addresses, PeerConnection?[] peers, Handshake self, TcpOptions options, Stopwatch clock, Action<string>? onRefused)
    {
        var refusals = new List<string>();
        Span<byte> theirs = stackalloc byte[Handshake.Size];
        Span<byte> hello = stackalloc byte[Handshake.Size];
        self.WriteTo(hello);
        while (true)
        {
            var missing = Enumerable.Range(self.Process + 1, peers.Length - self.Process - 1).Where(j => peers[j] is null).ToArray();
            if (missing.Length == 0)
            {
                return;
            }

            var remaining = options.ConnectTimeout - clock.Elapsed;
            if (remaining <= TimeSpan.Zero || !listener.Poll(ToMicros(remaining), SelectMode.SelectRead))
            {
                string what = string.Join(", ", missing.Select(j => $"process {j}"));
                string refused = refusals.Count == 0 ? string.Empty : $" Refused meanwhile: {string.Join(" ", refusals)}";
                throw new TcpTransportException($"{what} never connected to {listener.LocalEndPoint} within {options.ConnectTimeout.TotalSeconds:0.###} s.{refused}") { Peer = $"process {missing[0]}" };
            }

            var socket = listener.Accept();
            string from = socket.RemoteEndPoint?.ToString() ?? "unknown address";
            bool answered = false;
            try
            {
                Configure(socket, options);
                string client = $"a client at {from}";
                ReadRaw(socket, theirs, self, client, Min(options.ConnectTimeout - clock.Elapsed, HandshakeReadBound));
                Handshake remote;
                try
                {
                    remote = Handshake.ReadAndCheck(theirs, self, client);
                }
                catch (TcpTransportException)
                {
                    // A mismatch is symmetric: with our handshake the client refuses us too, at
                    // once and with the same reason, instead of retrying until its timeout.
                    socket.Send(hello);
                    socket.Shutdown(SocketShutdown.Send);
                    answered = true;
                    throw;
                }

                if (remote.Process <= self.Process)
                {
                    throw new TcpTransportException($"handshake from process {remote.Process} at {from} refused: process {self.Process} accepts only higher indices.") { Peer = from };
                }

                if (peers[remote.Process] is not null)
                {
                    throw new TcpTransportException($"handshake from process {remote.Process} at {from} refused: process {remote.Process} is already connected ({peers[remote.Process]!.Address}).") { Peer = from };
                }

                socket.Send(hello);
                peers[remote.Process] = new PeerConnection(remote.Process, $"{addresses[remote.Process]} (connected from {from})", socket, remote);
            }
            catch (TcpTransportException e)
            {
                refusals.Add(e.Message);
                onRefused?.Invoke(e.Message);
                if (!answered)
                {
                    socket.LingerState = new LingerOption(true, 0);   // reset: nothing it sent is read
                }

                socket.Dispose();
            }
            catch (SocketException e)
            {
                string message = $"a client at {from} failed during the handshake ({e.SocketErrorCode}).";
                refusals.Add(message);
                onRefused?.Invoke(message);
                socket.Dispose();
            }
        }
    }

    private static Handshake ReadHandshake(Socket socket, Handshake self, string peer, TimeSpan bound)
    {
        Span<byte> buffer = stackalloc byte[Handshake.Size];
        ReadRaw(socket, buffer, self, peer, bound);
        return Handshake.ReadAndCheck(buffer, self, peer);
    }

    private static void ReadRaw(Socket socket, Span<byte> buffer, Handshake self, string peer, TimeSpan bound)
    {
        socket.ReceiveTimeout = Math.Max(1, (int)bound.TotalMilliseconds);
        int have = 0;
        while (have < Handshake.Size)
        {
            int n;
            try
            {
                n = socket.Receive(buffer[have..]);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut)
            {
                throw new TcpTransportException($"{peer} sent {have} of {Handshake.Size} handshake bytes within {bound.TotalSeconds:0.###} s.", e) { Peer = peer };
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
            {
                throw new TcpTransportException($"{peer} refused the connection (reset during the handshake): another process may already claim index {self.Process}; its log names the reason.", e) { Peer = peer };
            }

            if (n == 0)
            {
                throw new TcpTransportException($"{peer} closed the connection after {have} of {Handshake.Size} handshake bytes.") { Peer = peer };
            }

            have += n;
        }

        socket.ReceiveTimeout = 0;
    }

    private static void Configure(Socket socket, TcpOptions options)
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

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static int ToMicros(TimeSpan t) => (int)Math.Min(int.MaxValue, Math.Max(1, t.Ticks / 10));
}
