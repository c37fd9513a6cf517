using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.ExceptionServices;

namespace Timely.Transport.Tcp;

/// <summary>
/// The accepting half of <see cref="TcpMesh.Establish"/>: accepts the higher-indexed
/// processes and runs every handshake in progress at once, each with its own deadline.
/// </summary>
/// <remarks>
/// Design:
/// - One thread (<c>timely:tcp-accept</c>) owns the listener, every pending socket and the
///   result array; nothing else touches them until <see cref="Join"/> has seen the thread
///   end (Thread.Join orders its writes before the caller's reads).
/// - The sockets are non-blocking and the thread waits in <see cref="Socket.Select(System.Collections.IList, System.Collections.IList, System.Collections.IList, int)"/> on the
///   listener and all pending sockets together, for at most the nearest deadline (and
///   <see cref="CancelSlice"/>), so a client that sends part of its handshake and holds the
///   socket, or trickles bytes, costs one slot until its deadline and never delays another.
///   Each pending connection has one deadline for its whole handshake (not per read).
/// - Two budgets, so a flood cannot evict a real peer: at most <see cref="MaxPending"/>
///   connections that have not yet sent a valid hello, and beyond that the oldest of those is
///   dropped, but only after every one of them with bytes waiting was read (a real peer sends
///   its hello with its connect, so it has moved on by then); and at most
///   <see cref="MaxProven"/> that sent a valid hello and owe the secret's proof, which no
///   newcomer evicts. A real peer dropped anyway (the budgets full of clients that knew the
///   job) is reset, and its connecting side retries until the connect timeout.
/// - A well-formed hello refused over a setting of the job gets a <see cref="HandshakeRefusal"/>
///   record (a code, no value) before the close, and <see cref="TcpOptions.Warn"/> hears the
///   reason at once; every other refusal is a reset without a byte.
/// - <c>_cancelled</c> is volatile: set by the connecting thread when set-up failed there,
///   polled by this thread at least every <see cref="CancelSlice"/>.
/// - A refused connection is reset (linger 0) without one byte sent to it.
/// </remarks>
internal sealed class HandshakeAcceptor
{
    private const int MaxPending = 64;
    private const int MaxProven = 64;
    private const int RefusalsListed = 8;
    private static readonly TimeSpan CancelSlice = TimeSpan.FromMilliseconds(100);

    private readonly Socket _listener;
    private readonly IReadOnlyList<string> _addresses;
    private readonly Handshake _self;
    private readonly TcpOptions _options;
    private readonly Stopwatch _clock;
    private readonly Action<string>? _onRefused;
    private readonly PeerConnection?[] _peers;
    private readonly List<Pending> _pending = new();
    private readonly List<string> _refusals = new();
    private readonly Thread _thread;
    private int _refusalCount;
    private ExceptionDispatchInfo? _error;
    private volatile bool _cancelled;

    private HandshakeAcceptor(Socket listener, IReadOnlyList<string> addresses, Handshake self, TcpOptions options, Stopwatch clock, Action<string>? onRefused)
    {
        _listener = listener;
        _addresses = addresses;
        _self = self;
        _options = options;
        _clock = clock;
        _onRefused = onRefused;
        _peers = new PeerConnection?[addresses.Count];
        _thread = new Thread(Run) { Name = "timely:tcp-accept", IsBackground = true };
    }

    private enum Stage
    {
        Hello,
        Proof,
    }

    public static HandshakeAcceptor Start(Socket listener, IReadOnlyList<string> addresses, Handshake self, TcpOptions options, Stopwatch clock, Action<string>? onRefused)
    {
        var acceptor = new HandshakeAcceptor(listener, addresses, self, options, clock, onRefused);
        acceptor._thread.Start();
        return acceptor;
    }

    /// <summary>Waits for every higher process (or the connect timeout); the connections by index, null below this process.</summary>
    public PeerConnection?[] Join()
    {
        _thread.Join();
        _error?.Throw();
        return _peers;
    }

    /// <summary>Stops accepting (set-up failed elsewhere), closes what was accepted, and waits for the thread.</summary>
    public void Cancel()
    {
        _cancelled = true;
        _thread.Join();
        foreach (var p in _peers)
        {
            p?.Dispose();
        }
    }

    private void Run()
    {
        try
        {
            _listener.Blocking = false;
            Loop();
        }
#pragma warning disable CA1031 // handed to the set-up thread by Join
        catch (Exception e)
#pragma warning restore CA1031
        {
            _error = ExceptionDispatchInfo.Capture(e);
        }
        finally
        {
            foreach (var p in _pending)
            {
                p.Socket.Dispose();
            }

            _pending.Clear();
        }
    }

    private void Loop()
    {
        var readable = new List<Socket>();
        while (!_cancelled)
        {
            var missing = Enumerable.Range(_self.Process + 1, _peers.Length - _self.Process - 1).Where(j => _peers[j] is null).ToArray();
            if (missing.Length == 0)
            {
                return;
            }

            var now = _clock.Elapsed;
            if (now >= _options.ConnectTimeout)
            {
                string what = string.Join(", ", missing.Select(j => $"process {j}"));
                string more = _refusalCount > _refusals.Count ? $" (and {_refusalCount - _refusals.Count} more)" : string.Empty;
                string refused = _refusals.Count == 0 ? string.Empty : $" Refused meanwhile: {string.Join(" ", _refusals)}{more}";
                throw new TcpTransportException($"{what} never connected to {_listener.LocalEndPoint} within {_options.ConnectTimeout.TotalSeconds:0.###} s.{refused}") { Peer = $"process {missing[0]}" };
            }

            var wait = TcpMesh.Min(_options.ConnectTimeout - now, CancelSlice);
            for (int i = _pending.Count - 1; i >= 0; i--)
            {
                var p = _pending[i];
                if (p.Deadline <= now)
                {
                    Refuse(p, $"{p.Name} sent {p.Have} of {p.Need} bytes of its handshake {(p.Stage == Stage.Hello ? "hello" : "proof")} within {p.Bound.TotalSeconds:0.###} s.");
                }
                else
                {
                    wait = TcpMesh.Min(wait, p.Deadline - now);
                }
            }

            readable.Clear();
            readable.Add(_listener);
            readable.AddRange(_pending.Select(p => p.Socket));
            Socket.Select(readable, null, null, TcpMesh.ToMicros(wait));
            foreach (var socket in readable)
            {
                if (socket == _listener)
                {
                    AcceptWaiting();
                }
                else if (_pending.Find(p => p.Socket == socket) is { } p)
                {
                    Advance(p);
                }
            }
        }
    }

    private void AcceptWaiting()
    {
        while (true)
        {
            Socket socket;
            try
            {
                socket = _listener.Accept();
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.ConnectionAborted or SocketError.ConnectionReset)
            {
                return;   // none left (or the client already gave up)
            }

            if (_pending.Count(p => p.Stage == Stage.Hello) >= MaxPending)
            {
                MakeRoom();
            }

            string from = socket.RemoteEndPoint?.ToString() ?? "unknown address";
            var now = _clock.Elapsed;
            var bound = TcpMesh.Min(_options.HandshakeTimeout, _options.ConnectTimeout);
            var p = new Pending(socket, from, now + bound, bound);
            _pending.Add(p);
            try
            {
                socket.Blocking = false;
                TcpMesh.Configure(socket, _options);
            }
            catch (SocketException e)
            {
                Refuse(p, $"{p.Name} failed during the handshake ({e.SocketErrorCode}).");
            }

            // Another accept only when a connection waits: the loop otherwise ended on Accept's
            // WouldBlock, a thrown exception at every readiness of the listener (about 66,000
            // instructions of a native process; one per tcp x2 `timely wordcount`, by a uprobe on
            // the runtime's throw). Poll is one poll(2); a client gone between it and the
            // accept still ends the loop through the catch above.
            if (!_listener.Poll(0, SelectMode.SelectRead))
            {
                return;
            }
        }
    }

    /// <summary>
    /// The hello budget is full: reads every connection at the hello stage that has bytes
    /// waiting (a real peer's hello completes or moves it on), then, if none left that stage,
    /// drops the oldest connection still at it.
    /// </summary>
    private void MakeRoom()
    {
        foreach (var p in _pending.Where(p => p.Stage == Stage.Hello).ToArray())
        {
            int waiting;
            try
            {
                waiting = p.Socket.Available;
            }
            catch (SocketException e)
            {
                Refuse(p, $"{p.Name} failed during the handshake ({e.SocketErrorCode}).");
                continue;
            }

            if (waiting > 0)
            {
                Advance(p);
            }
        }

        if (_pending.Where(p => p.Stage == Stage.Hello).Skip(MaxPending - 1).Any()
            && _pending.Find(p => p.Stage == Stage.Hello) is { } oldest)
        {
            Refuse(oldest, $"{oldest.Name} was dropped: more than {MaxPending} connections had not sent a valid hello.");
        }
    }

    /// <summary>Reads what <paramref name="p"/> sent and moves its handshake on; any failure refuses it alone.</summary>
    private void Advance(Pending p)
    {
        try
        {
            int n = p.Socket.Receive(p.Buffer, p.Have, p.Need - p.Have, SocketFlags.None, out SocketError error);
            if (error == SocketError.WouldBlock)
            {
                return;
            }

            if (error != SocketError.Success)
            {
                Refuse(p, $"{p.Name} failed during the handshake ({error}).");
                return;
            }

            if (n == 0)
            {
                Refuse(p, $"{p.Name} closed the connection after {p.Have} of {p.Need} handshake bytes.");
                return;
            }

            p.Have += n;
            if (p.Stage == Stage.Hello)
            {
                Handshake.CheckPrefix(p.Buffer.AsSpan(0, p.Have), p.Name);
            }

            if (p.Have < p.Need)
            {
                return;
            }

            if (p.Stage == Stage.Hello)
            {
                OnHello(p);
            }
            else
            {
                OnProof(p);
            }
        }
        catch (TcpTransportException e)
        {
            Refuse(p, e.Message, e.Refusal);
        }
        catch (SocketException e)
        {
            Refuse(p, $"{p.Name} failed during the handshake ({e.SocketErrorCode}).");
        }
    }

    private void OnHello(Pending p)
    {
        var remote = Handshake.ReadAndCheck(p.Buffer.AsSpan(0, Handshake.Size), _self, p.Name);
        CheckIndex(remote.Process, p);
        p.Remote = remote;
        p.ConnectorHello = p.Buffer.AsSpan(0, Handshake.Size).ToArray();
        p.Nonce = ClusterSecret.NewNonce();
        if (_options.Secret is null)
        {
            var hello = new byte[Handshake.Size];
            (_self with { Nonce = p.Nonce }).WriteTo(hello);
            Complete(p, hello);
            return;
        }

        if (_pending.Count(other => other.Stage == Stage.Proof) >= MaxProven)
        {
            throw new TcpTransportException($"{p.Name} was dropped: {MaxProven} other clients that sent a valid hello still owe their proof of the secret.") { Peer = p.From };
        }

        var challenge = new byte[TcpMesh.ChallengeSize];
        BinaryPrimitives.WriteUInt64BigEndian(challenge, TcpMesh.ChallengeMagic);
        BinaryPrimitives.WriteUInt128BigEndian(challenge.AsSpan(8), p.Nonce);
        SendAll(p, challenge);
        p.Stage = Stage.Proof;
        p.Have = 0;
        p.Need = ClusterSecret.ProofSize;
    }

    private void OnProof(Pending p)
    {
        var secret = _options.Secret!;
        Span<byte> expected = stackalloc byte[ClusterSecret.ProofSize];
        secret.ConnectorProof(p.ConnectorHello, p.Nonce, _self.Process, expected);
        if (!ClusterSecret.Matches(expected, p.Buffer.AsSpan(0, ClusterSecret.ProofSize)))
        {
            throw new TcpTransportException($"handshake from {p.Name} refused: its proof of the cluster secret is wrong (another secret, or a replayed proof).") { Peer = p.From, Refusal = HandshakeRefusal.Code.Proof };
        }

        CheckIndex(p.Remote.Process, p);   // another connection may have claimed it meanwhile
        var reply = new byte[Handshake.Size + ClusterSecret.ProofSize];
        (_self with { Nonce = p.Nonce }).WriteTo(reply);
        secret.AcceptorProof(p.ConnectorHello, reply.AsSpan(0, Handshake.Size), reply.AsSpan(Handshake.Size));
        Complete(p, reply);
    }

    private void CheckIndex(int process, Pending p)
    {
        if (process <= _self.Process)
        {
            throw new TcpTransportException($"handshake from process {process} at {p.From} refused: process {_self.Process} accepts only higher indices.") { Peer = p.From, Refusal = HandshakeRefusal.Code.Index };
        }

        if (_peers[process] is { } established)
        {
            throw new TcpTransportException($"handshake from process {process} at {p.From} refused: process {process} is already connected ({established.Address}).") { Peer = p.From, Refusal = HandshakeRefusal.Code.IndexTaken };
        }
    }

    private void Complete(Pending p, byte[] reply)
    {
        SendAll(p, reply);
        _pending.Remove(p);
        p.Socket.Blocking = true;
        int q = p.Remote.Process;
        _peers[q] = new PeerConnection(q, $"{_addresses[q]} (connected from {p.From})", p.Socket, p.Remote);
    }

    /// <summary>A reply of at most a hundred bytes to a socket that has sent nothing yet fits its empty send buffer at once.</summary>
    private static void SendAll(Pending p, byte[] bytes)
    {
        int sent = p.Socket.Send(bytes, 0, bytes.Length, SocketFlags.None, out SocketError error);
        if (error != SocketError.Success || sent != bytes.Length)
        {
            throw new TcpTransportException($"{p.Name} did not take the {bytes.Length}-byte handshake reply ({error}, {sent} bytes).") { Peer = p.From };
        }
    }

    private void Refuse(Pending p, string message, HandshakeRefusal.Code code = HandshakeRefusal.Code.None)
    {
        _pending.Remove(p);
        _refusalCount++;
        if (_refusals.Count < RefusalsListed)
        {
            _refusals.Add(message);
        }

        _onRefused?.Invoke(message);
        if (code != HandshakeRefusal.Code.None)
        {
            _options.Warn?.Invoke(message);
            try
            {
                // A few bytes into an empty send buffer, then a normal close (a reset could
                // discard them before the client reads them).
                p.Socket.Send(HandshakeRefusal.Encode(code), SocketFlags.None, out _);
                p.Socket.Shutdown(SocketShutdown.Send);
                p.Socket.Dispose();
                return;
            }
            catch (SocketException)
            {
                // The client is gone already: reset below.
            }
        }

        try
        {
            p.Socket.LingerState = new LingerOption(true, 0);   // reset: nothing it sent is read, nothing is answered
        }
        catch (SocketException)
        {
            // Already reset by the client: disposing below is all that is left to do.
        }

        p.Socket.Dispose();
    }

    private sealed class Pending(Socket socket, string from, TimeSpan deadline, TimeSpan bound)
    {
        public Socket Socket { get; } = socket;

        public string From { get; } = from;

        public string Name => $"a client at {From}";

        public TimeSpan Deadline { get; } = deadline;

        public TimeSpan Bound { get; } = bound;

        public byte[] Buffer { get; } = new byte[Math.Max(Handshake.Size, ClusterSecret.ProofSize)];

        public int Have { get; set; }

        public int Need { get; set; } = Handshake.Size;

        public Stage Stage { get; set; }

        public Handshake Remote { get; set; }

        public byte[] ConnectorHello { get; set; } = [];

        public UInt128 Nonce { get; set; }
    }
}
