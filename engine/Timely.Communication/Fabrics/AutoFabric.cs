using Timely.Communication.Binary;
using Timely.Communication.Failure;
using Timely.Communication.Startup;
using Timely.Communication.Wakeup;
using Timely.Transport.Shm.Rendezvous;
using Timely.Transport.Shm.Ring;
using Timely.Transport.Tcp;

namespace Timely.Communication.Fabrics;

/// <summary>
/// The byte paths of a <see cref="TransportKind.Auto"/> cluster process whose host group (the
/// processes with this process's host identity) is neither alone nor the whole cluster: shared
/// memory with the host group (<see cref="ShmFabric"/>), TCP with every other process
/// (<see cref="TcpFabric"/>), in one job.
/// </summary>
/// <remarks>
/// Design:
/// - Host group: every process learns every host identity from the TCP mesh's handshakes, so
///   all members compute the same ascending member list; member i joins the shared-memory job
///   <see cref="HostJobName"/> (one per host identity, so two groups that share a machine,
///   as tests fake with <c>--host-id</c>, never meet) as its process i. The mesh's connections
///   to members are closed: nothing goes over them.
/// - Links (per local worker, each ring with one producer and one consumer thread): targets in
///   this process and in the host group come from <see cref="ShmFabric.LinkPeers"/> (in-process
///   rings, mapped rings, the targets' shared-memory bells); targets elsewhere from
///   <see cref="TcpFabric.LinkPeers"/> (the per-process ring to its send thread and its bell).
///   A worker parks on its shared-memory bell, which host-group peers ring through the mapping
///   and the TCP receive threads ring in process (the bells handed to <see cref="TcpFabric"/>).
/// - Status and failures: one <see cref="WorkerGroup"/>, created by the shm fabric and borrowed
///   by the TCP fabric, holds the first failure from any side; the shm fabric answers
///   <see cref="IPeerStatus"/> for every worker. A local or TCP failure reaches the group's hook,
///   which publishes it in this process's control block (host-group peers fail naming it) and
///   rings every bell; a host-group peer's death found by the liveness thread is recorded in
///   the group too, so at shutdown the TCP send threads send their failure notice to the other
///   hosts instead of an end of stream.
/// - Shutdown: the TCP fabric first (it drains to and waits for the other hosts while the
///   liveness thread still beats and watches), then the shm fabric, which disposes the group.
/// </remarks>
internal sealed class AutoFabric : IDisposable
{
    private readonly Config _config;
    private readonly ShmFabric _shm;
    private readonly TcpFabric _tcp;

    private AutoFabric(Config config, ShmFabric shm, TcpFabric tcp)
    {
        _config = config;
        _shm = shm;
        _tcp = tcp;
    }

    /// <summary>The processes that share this process's host identity (global indices, ascending), reached through shared memory.</summary>
    public IReadOnlyList<int> HostGroup { get; private init; } = [];

    /// <summary>The shared-memory job the host group meets in.</summary>
    public JobDirectory Job => _shm.Job;

    /// <summary>The shared-memory job name of the processes with host identity <paramref name="hostId"/>.</summary>
    public static string HostJobName(Config config, ulong hostId) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{config.EffectiveJobName}-h{hostId:x16}");

    /// <summary>
    /// Over the established <paramref name="mesh"/> (one connection per other process, handshaken),
    /// with <paramref name="members"/> the processes of this host (ascending, this one included,
    /// neither alone nor everyone).
    /// </summary>
    /// <exception cref="ConfigException">The host group's shared-memory job cannot be joined.</exception>
    public static FabricSetup Build(Config config, PeerConnection?[] mesh, int[] members, ulong hostId)
    {
        var remote = (PeerConnection?[])mesh.Clone();
        foreach (int p in members)
        {
            remote[p]?.Dispose();
            remote[p] = null;
        }

        ShmFabric shm;
        try
        {
            shm = ShmFabric.Join(config, HostJobName(config, hostId), members);
        }
        catch
        {
            Abort(remote);   // a reset fails the other hosts at once, naming this process
            throw;
        }

        AutoFabric fabric;
        try
        {
            int first = config.ProcessIndex * config.Threads;
            var bells = new Doorbell[config.Peers];
            for (int t = 0; t < bells.Length; t++)
            {
                // The TCP receive threads ring only local workers; the rest are never touched.
                bells[t] = (uint)(t - first) < (uint)config.Threads ? shm.Bell(t) : shm.Group.Doorbells[t];
            }

            fabric = new AutoFabric(config, shm, new TcpFabric(config, remote, shm.Group, bells)) { HostGroup = members };
        }
        catch
        {
            shm.MarkFailed();
            shm.Dispose();
            Abort(remote);
            throw;
        }

        try
        {
            return new FabricSetup(fabric.CreateAllocators(), config.ProcessIndex * config.Threads, fabric, shm.Group);
        }
        catch
        {
            shm.MarkFailed();
            fabric.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        _tcp.Dispose();
        _shm.Dispose();
    }

    private static void Abort(PeerConnection?[] connections)
    {
        foreach (var c in connections)
        {
            c?.Abort();
            c?.Dispose();
        }
    }

    private BinaryAllocator[] CreateAllocators()
    {
        int w = _config.Threads;
        int peers = _config.Peers;
        int first = _config.ProcessIndex * w;
        var allocators = new BinaryAllocator[w];
        for (int l = 0; l < w; l++)
        {
            var writers = new RingWriter[peers];
            var compact = new bool[peers];   // set for the host group's workers; TCP targets keep timely's header
            var bells = new IWakeTarget[peers];
            var readers = new List<InboundRing>(peers);
            _shm.LinkPeers(l, writers, compact, bells, readers);
            _tcp.LinkPeers(l, writers, bells, readers);
            var links = new BinaryLinks
            {
                WriterByTarget = writers,
                CompactByTarget = compact,
                BellByTarget = bells,
                Readers = readers.ToArray(),
                OwnBell = _shm.Bell(first + l),
                Status = _shm,
            };
            allocators[l] = new BinaryAllocator(first + l, peers, links, _config.SpinIterations);
        }

        return allocators;
    }
}
