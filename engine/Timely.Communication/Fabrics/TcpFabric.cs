using System.Diagnostics;
using Timely.Communication.Binary;
using Timely.Communication.Logging;
using Timely.Communication.Startup;
using Timely.Communication.Wakeup;
using Timely.Transport.Shm.Ring;
using Timely.Transport.Tcp;

namespace Timely.Communication.Fabrics;

/// <summary>
/// The byte paths of one process of a TCP cluster (timely's <c>zero_copy</c> allocator over
/// <c>networking.rs</c>): SPSC rings between the local workers, and per remote process one
/// send thread and one receive thread that move timely frames between rings and a socket.
/// </summary>
/// <remarks>
/// Design:
/// - Rings, each with exactly one producer and one consumer thread (no CAS on the data path):
///   local worker s -> local worker t (<c>_local[s * W + t]</c>); local worker s -> send thread
///   of process q (<c>_toNet[q][s]</c>, shared by all of q's workers as targets, so a worker's
///   messages to q stay in one FIFO); receive thread of q -> local worker t (<c>_fromNet[q][t]</c>).
///   A ring record is already a timely frame (48-byte header + payload, written in place by
///   <c>BinaryPusher</c>), so the send thread copies records into its batch unchanged and the
///   receive thread copies frames into rings unchanged.
/// - Sending (<see cref="TcpSendPath"/>): the sockets are non-blocking after the handshake. A
///   worker's flush puts its own frames on the wire when that needs no waiting (the path's
///   lock is free, its frames fit the batch, the kernel takes them); otherwise, and every
///   <see cref="TcpSendBell.PushesPerWake"/> pushes of a long burst, it rings the send thread,
///   which drains every ring and waits for room with poll. This took the send thread's wake-up
///   off the latency path (perf.md §3). The receive thread (<see cref="TcpReceivePath"/>) rings
///   a target worker's doorbell per frame (unfenced) and, before it blocks on the socket, every
///   worker it wrote to through <see cref="FenceThenRing"/>. Both follow the doorbell protocol,
///   so no wake-up is lost. A process of one worker with one peer lets the worker read its
///   socket itself while it is awake (<see cref="SocketTurn"/>, <see cref="WorkerReadsSocket"/>):
///   the receive thread reads only while the worker parks.
///   The workers' bells are <c>_bells</c>: the group's own, or under <c>--transport auto</c>'s
///   mix the shared-memory bells they park on (<see cref="AutoFabric"/>), which then also owns
///   the group and the rings between local workers.
/// - Never blocking a worker on the network: a full ring to the send path spills into the
///   worker's own overflow queue (<see cref="RingWriter"/>), which <see cref="Allocator.Release"/>
///   bounds by waiting while it drains its own rings (<see cref="BinaryAllocator"/>). The
///   receive thread does wait for a full ring to a worker before it reads more from the socket:
///   TCP then pushes back on the sender, and that cannot deadlock because a worker that waits
///   keeps draining its own rings.
/// - Failure: a receive or send thread that fails records a <see cref="TcpTransportException"/>
///   naming the peer in the <see cref="WorkerGroup"/> as a failure of that peer's first worker,
///   which wakes every local worker; each then throws <see cref="PeerFailedException"/>.
///   A process whose own worker failed resets its connections instead of ending them, so its
///   peers fail too instead of waiting for data that will not come.
/// - Liveness: a send thread whose connection has been quiet for a quarter of the smaller of
///   this process's <see cref="Config.PeerTimeout"/> and the peer's (from its handshake) sends
///   a heartbeat frame (<see cref="HeartbeatChannel"/>);
///   a receive thread that hears nothing at all for the whole timeout fails the peer by name.
///   Keep-alive alone could not tell: the kernel answers it for a stopped or hung process.
/// - Shutdown (<see cref="Dispose"/>, after every local worker returned): send threads drain
///   their rings, send timely's end of stream and shut down their side; receive threads end
///   at the peer's end of stream, however long that takes, unless something fails (then the
///   connections are reset and the threads joined within a bound). After a peer's end of
///   stream its workers count as finished, and frames
///   still coming for a finished local worker are dropped, since nobody will read them.
///   Rings are freed only after every thread that touches them has stopped.
/// - <c>_stopping</c> is volatile: written once by the disposing thread, polled by the
///   network threads between batches. A send thread reads it before a drain and ends the
///   stream only after a drain that followed a read saying stop and found nothing: the
///   workers' last frames come before their return, which comes before the write, so that
///   drain sends them (<see cref="TcpSendPath.Run"/>).
/// </remarks>
internal sealed class TcpFabric : IDisposable
{
    /// <summary>Channel id of the failure notice (see <see cref="TcpFailureNotice"/>); dataflows allocate ids from 0 upwards.</summary>
    internal const int FailureChannel = int.MaxValue;

    /// <summary>
    /// Channel id of a heartbeat: a header with no payload that a send thread writes when it
    /// has sent nothing for a quarter of <see cref="Config.PeerTimeout"/>, so a peer that hears
    /// nothing for the whole timeout knows this process is stopped or gone, not just quiet
    /// (TCP keep-alive cannot tell: the kernel answers it for a stopped process).
    /// </summary>
    internal const int HeartbeatChannel = int.MaxValue - 1;

    private static readonly TimeSpan IdlePoll = TimeSpan.FromMilliseconds(100);

    private readonly int _threads;
    private readonly int _first;
    private readonly int _spinIterations;
    private readonly TimeSpan _shutdownBound;
    private readonly TimeSpan _peerTimeout;
    private readonly PeerConnection?[] _connections;
    private readonly SpscByteRing[] _local;
    private readonly SpscByteRing[]?[] _toNet;
    private readonly SpscByteRing[]?[] _fromNet;
    private readonly TcpSendPath?[] _paths;
    private readonly TcpReceivePath?[] _receivePaths;
    private readonly Doorbell[] _bells;
    private readonly bool _ownsGroup;
    private readonly List<Thread> _sendThreads = new();
    private readonly List<Thread> _receiveThreads = new();
    private volatile bool _stopping;
    private readonly Func<CommunicationSetup, Timely.Logging.Logger<CommunicationEvent>?>? _logFactory;

    public TcpFabric(Config config)
        : this(config, TcpMesh.Establish(config.Addresses, config.ProcessIndex, config.Threads, OptionsOf(config), RefusedSink(config)))
    {
    }

    /// <summary>Over connections already established (and handshaken) for <paramref name="config"/>.</summary>
    public TcpFabric(Config config, PeerConnection?[] connections)
        : this(config, connections, null, null)
    {
    }

    /// <summary>
    /// Over established <paramref name="connections"/> (null: a process this fabric does not
    /// carry). With a <paramref name="group"/> (owned by the caller, as are the local workers'
    /// links between themselves), the receive threads ring <paramref name="bells"/>
    /// (by global worker) and failures go into that group: <c>--transport auto</c>'s mix.
    /// </summary>
    public TcpFabric(Config config, PeerConnection?[] connections, WorkerGroup? group, Doorbell[]? bells)
    {
        _threads = config.Threads;
        _logFactory = config.CommunicationLogging;
        _first = config.ProcessIndex * config.Threads;
        _spinIterations = config.SpinIterations;
        _shutdownBound = config.ConnectTimeout;
        _peerTimeout = config.PeerTimeout;
        _ownsGroup = group is null;
        Group = group ?? new WorkerGroup(config.Peers) { ThreadsPerProcess = config.Threads, ProcessIndex = config.ProcessIndex };
        _bells = bells ?? Group.Doorbells;
        _connections = connections;

        int w = _threads;
        _local = new SpscByteRing[_ownsGroup ? w * w : 0];
        for (int i = 0; i < _local.Length; i++)
        {
            _local[i] = SpscByteRing.Allocate(config.RingBytes);
        }

        int processes = config.Processes;
        _toNet = new SpscByteRing[]?[processes];
        _fromNet = new SpscByteRing[]?[processes];
        _paths = new TcpSendPath?[processes];
        _receivePaths = new TcpReceivePath?[processes];
        for (int q = 0; q < processes; q++)
        {
            if (_connections[q] is null)
            {
                continue;
            }

            _toNet[q] = Enumerable.Range(0, w).Select(_ => SpscByteRing.Allocate(config.RingBytes)).ToArray();
            _fromNet[q] = Enumerable.Range(0, w).Select(_ => SpscByteRing.Allocate(config.RingBytes)).ToArray();

            // Non-blocking from here on (the handshake is done): workers send inline without
            // ever waiting on the peer, the network threads wait with poll (TcpSendPath).
            _connections[q]!.Socket.Blocking = false;
            _paths[q] = new TcpSendPath(_toNet[q]!, _connections[q]!, config.MaxMessageBytes + Timely.Bytes.MessageHeader.Size);
        }

        bool workerReads = WorkerReadsSocket(config, _ownsGroup, _connections);
        for (int q = 0; q < processes; q++)
        {
            if (_connections[q] is { } connection)
            {
                int peer = q;
                var send = new Thread(() => SendLoop(peer, connection)) { Name = $"timely:tcp-send-{q}", IsBackground = true };
                var path = new TcpReceivePath(peer, connection, _fromNet[q]!, Group, _bells, _first, _threads, config.MaxMessageBytes, _peerTimeout, workerReads, () => _stopping);
                _receivePaths[q] = path;
                var receive = new Thread(() => path.Run(_logFactory)) { Name = $"timely:tcp-recv-{q}", IsBackground = true };
                _sendThreads.Add(send);
                _receiveThreads.Add(receive);
                send.Start();
                receive.Start();
            }
        }
    }

    public WorkerGroup Group { get; }

    /// <summary>The receive path of process <paramref name="q"/> (null: a process this fabric does not carry); tests read its <see cref="TcpReceivePath.Turn"/>.</summary>
    internal TcpReceivePath? ReceivePathOf(int q) => _receivePaths[q];

    /// <summary>
    /// Whether the one local worker reads its one peer's connection itself while it is awake
    /// (<see cref="SocketTurn"/>): a process of one worker with one peer (netbench's and
    /// pingpong's tcp x2), its own group (not <c>--transport auto</c>'s mix), without network
    /// logging (whose logger is the receive thread's). The receive thread then reads only while
    /// the worker parks: a frame that reaches a spinning worker through the thread waits for a
    /// third runnable thread on the worker's cores, which on 2 vCPUs was most of what a round
    /// trip cost beyond the raw socket (perf.md §17, the TCP hop).
    /// </summary>
    private static bool WorkerReadsSocket(Config config, bool ownsGroup, PeerConnection?[] connections) =>
        config.TcpWorkerReads && ownsGroup && config.Threads == 1 && config.CommunicationLogging is null
        && connections.Count(c => c is not null) == 1;

    /// <summary>The options every process derives the same way from its config.</summary>
    public static TcpOptions OptionsOf(Config config) => new()
    {
        JobId = TcpOptions.JobIdOf(config.EffectiveJobName),
        HostId = TcpOptions.JobIdOf(config.HostIdentity ?? Environment.MachineName),
        ConnectTimeout = config.ConnectTimeout,
        PeerTimeout = config.PeerTimeout,
        MaxMessageBytes = config.MaxMessageBytes,
        Secret = config.Secret,
    };

    /// <summary>Refused connection attempts reported one by one before the rest are only counted.</summary>
    public const int RefusalsReported = 8;

    /// <summary>
    /// Where a refused connection attempt is reported: the config's diagnostics (the library never
    /// writes to the console itself), each of the first <see cref="RefusalsReported"/> as it
    /// happens, then one line saying that further ones are not reported, so that a flood of
    /// strangers cannot flood the log. A set-up that fails lists refusals in its error too.
    /// </summary>
    public static Action<string> RefusedSink(Config config)
    {
        int count = 0;
        return message =>
        {
            int n = Interlocked.Increment(ref count);
            if (n <= RefusalsReported)
            {
                config.Report(Diagnostics.DiagnosticLevel.Warning, "tcp", message);
            }
            else if (n == RefusalsReported + 1)
            {
                config.Report(Diagnostics.DiagnosticLevel.Warning, "tcp", $"more than {RefusalsReported} connection attempts refused; further refusals are not reported one by one.");
            }
        };
    }

    public BinaryAllocator[] CreateAllocators(int spinIterations)
    {
        int w = _threads;
        int peers = Group.Peers;
        var allocators = new BinaryAllocator[w];
        for (int l = 0; l < w; l++)
        {
            var writers = new RingWriter[peers];
            var compact = new bool[peers];
            var bells = new IWakeTarget[peers];
            var readers = new List<InboundRing>();
            for (int t = 0; t < w; t++)
            {
                // In-process rings join two workers: compact records.
                writers[_first + t] = new RingWriter(_local[(l * w) + t]);
                compact[_first + t] = true;
                bells[_first + t] = Group.Doorbells[_first + t];
                readers.Add(new InboundRing(new RingReader(_local[(t * w) + l]), _first + t));
            }

            LinkPeers(l, writers, bells, readers);
            var links = new BinaryLinks
            {
                WriterByTarget = writers,
                CompactByTarget = compact,
                BellByTarget = bells,
                Readers = readers.ToArray(),
                OwnBell = Group.Doorbells[_first + l],
                Status = Group,
                SourceName = SourceName,
                Direct = _receivePaths.FirstOrDefault(p => p?.Turn is not null),
            };
            allocators[l] = new BinaryAllocator(_first + l, peers, links, spinIterations);
        }

        return allocators;
    }

    /// <summary>How a decode error names worker <paramref name="worker"/>: with its process and address when it is remote.</summary>
    private string SourceName(int worker) =>
        _connections[worker / _threads] is { } c ? $"worker {worker} of {c.Name}" : $"worker {worker} (this process)";

    /// <summary>
    /// Local worker <paramref name="l"/>'s links to the workers of every process this fabric
    /// carries: the ring to that process's send thread (shared by its workers as targets, so
    /// the worker's messages to it stay in one FIFO) with the send thread's bell, and the ring
    /// from its receive thread. Both carry timely's MessageHeader per message (the wire
    /// format), never compact records: the caller's compact flags stay false for these targets.
    /// </summary>
    public void LinkPeers(int l, RingWriter[] writers, IWakeTarget[] bells, List<InboundRing> readers)
    {
        int w = _threads;
        for (int q = 0; q < _connections.Length; q++)
        {
            if (_toNet[q] is not { } toNet || _fromNet[q] is not { } fromNet || _paths[q] is not { } path)
            {
                continue;
            }

            var toProcess = new RingWriter(toNet[l]);
            var bell = new TcpSendBell(path, l);
            for (int t = q * w; t < (q + 1) * w; t++)
            {
                writers[t] = toProcess;
                bells[t] = bell;
            }

            readers.Add(new InboundRing(new RingReader(fromNet[l]), InboundRing.Relayed));
        }
    }

    private void SendLoop(int q, PeerConnection connection)
    {
        var path = _paths[q]!;
        var heartbeat = new byte[Timely.Bytes.MessageHeader.Size + 1];   // length 0 would read as the end of stream
        new Timely.Bytes.MessageHeader(HeartbeatChannel, _first, q * _threads, (q + 1) * _threads, 1, 0).WriteTo(heartbeat);
        // A quarter of the smaller of the two peer timeouts (each side's is in its handshake), so
        // a peer with a shorter timeout than ours never takes a quiet connection for a dead one.
        uint remoteMs = connection.Remote.PeerTimeoutMilliseconds;
        var heartbeatInterval = (remoteMs > 0 && TimeSpan.FromMilliseconds(remoteMs) < _peerTimeout ? TimeSpan.FromMilliseconds(remoteMs) : _peerTimeout) / 4;
        var park = IdlePoll < heartbeatInterval ? IdlePoll : heartbeatInterval;
        path.Log = NetworkLog.Open(_logFactory, true, _first / _threads, q);
        try
        {
            path.Run(() => _stopping, () => Group.HasFailed ? TcpFailureNotice.Encode(Group, _first, _threads, q) : null, heartbeat, heartbeatInterval, park, _spinIterations);
        }
        catch (TcpTransportException e)
        {
            if (!(_stopping && Group.HasFailed))
            {
                Group.Fail(q * _threads, e);
            }
        }
#pragma warning disable CA1031 // anything else (a local message above the cap, say) fails the job by name instead of crashing the process
        catch (Exception e)
#pragma warning restore CA1031
        {
            Group.Fail(q * _threads, new TcpTransportException($"sending to {connection.Name} failed: {e.GetType().Name}: {e.Message}", e) { Peer = connection.Name });
        }
        finally
        {
            NetworkLog.Close(path.Log, true, _first / _threads, q);
        }
    }

    public void Dispose()
    {
        _stopping = true;
        foreach (var path in _receivePaths)
        {
            // Every local worker has returned (its allocator surrendered already, unless it was
            // never built): the receive thread reads until the peer's end of stream.
            path?.Surrender();
        }

        foreach (var path in _paths)
        {
            if (path is not null)
            {
                FenceThenRing.One(path.ThreadBell);
            }
        }

        var clock = Stopwatch.StartNew();
        bool stopped = JoinAll(_sendThreads, clock);
        if (Group.HasFailed)
        {
            // The notices are out (or the bound passed): reset, so peers stop at once.
            AbortAll();
        }

        // As in timely, a process that is done still waits for every peer to end its stream
        // (a peer may be computing for a long time yet, and a reset would fail it); only a
        // failure, here or on a connection, cuts the wait short.
        foreach (var receiver in _receiveThreads)
        {
            while (!receiver.Join(IdlePoll))
            {
                if (Group.HasFailed)
                {
                    AbortAll();
                    clock.Restart();
                    stopped &= JoinAll(_receiveThreads, clock);
                    break;
                }
            }
        }

        if (!stopped)
        {
            // A peer never ended its stream within the bound: reset, which unblocks the threads.
            AbortAll();
            clock.Restart();
            stopped = JoinAll(_sendThreads, clock) & JoinAll(_receiveThreads, clock);
        }

        foreach (var c in _connections)
        {
            c?.Dispose();
        }

        // Freeing a ring a thread still touches would be a use-after-free of native memory:
        // if a thread did not stop, the rings are left to the process's exit instead.
        if (stopped)
        {
            foreach (var ring in _local.Concat(_toNet.Where(r => r is not null).SelectMany(r => r!)).Concat(_fromNet.Where(r => r is not null).SelectMany(r => r!)))
            {
                ring.Dispose();
            }
        }

        if (stopped)
        {
            foreach (var path in _paths)
            {
                path?.Dispose();
            }

            foreach (var path in _receivePaths)
            {
                path?.Turn?.Dispose();
            }
        }

        if (_ownsGroup)
        {
            Group.Dispose();
        }
    }

    /// <summary>Joins <paramref name="threads"/> within <c>_shutdownBound</c> of <paramref name="clock"/>'s start.</summary>
    private bool JoinAll(List<Thread> threads, Stopwatch clock)
    {
        bool all = true;
        foreach (var t in threads)
        {
            var left = _shutdownBound - clock.Elapsed;
            all &= t.Join(left > TimeSpan.Zero ? left : TimeSpan.Zero);
        }

        return all;
    }

    private void AbortAll()
    {
        foreach (var c in _connections)
        {
            c?.Abort();
        }
    }
}
