using Timely.Communication.Binary;
using Timely.Communication.Failure;
using Timely.Communication.Startup;
using Timely.Communication.Wakeup;
using Timely.Transport.Shm.Layout;
using Timely.Transport.Shm.Rendezvous;
using Timely.Transport.Shm.Ring;
using Timely.Transport.Shm.Wakeup;

namespace Timely.Communication.Fabrics;

/// <summary>
/// The byte paths of a <see cref="TransportKind.Shm"/> cluster process: rings in mapped
/// files to and from workers of the other processes on this host (through a
/// <see cref="JobDirectory"/>), in-process rings between this process's own workers, a
/// futex doorbell per worker in shared memory, and a liveness thread that publishes this
/// process's heartbeat and notices dead or silent peers. Produces a
/// <see cref="BinaryAllocator"/> per local worker; to the user the cluster behaves like
/// <c>Process(processes * threads)</c>.
/// </summary>
/// <remarks>
/// Design:
/// - Every doorbell, local or remote, is a <see cref="SharedDoorbell"/> in its owner's control
///   file, so a worker parks the same way whoever will wake it.
/// - Failures: a local worker's failure goes through <see cref="WorkerGroup"/> (its
///   <c>Failed</c> hook publishes state Failed and rings every bell in the job); a remote
///   one is found by the liveness thread (<see cref="ShmPeerWatch"/>: state Failed, pid gone,
///   or heartbeat still for <see cref="Config.PeerTimeout"/>) and recorded there once, after
///   which every local bell is rung so parked workers wake and throw
///   <see cref="PeerFailedException"/>.
/// - Fail-stop: a remote failure found by the liveness thread is also recorded in the group,
///   whose hook publishes it (state Failed, with the reason) in this process's control file;
///   so a peer that was only stopped, or falsely timed out, finds on resuming that it was
///   declared failed (a Failed peer whose record blames one of its own workers) and stops
///   with that reason instead of waiting for peers that are gone. Once the group holds a
///   failure the peers are no longer checked: their Failed states only relay it back.
/// - Integrity: each period the liveness thread verifies every control file (length by fstat,
///   then header and words, <see cref="ControlBlock.Verify"/>) before it reads any of them
///   beyond the header; a corrupt one fails the job naming the file, and is never touched
///   again (<see cref="ShmPeerWatch.IsCorrupt"/>, checked before ringing or reading a member's
///   words). A parked worker wakes at least every
///   <see cref="SharedDoorbell.MaxSleep"/>, verifies its own file and polls for the failure,
///   so neither a scribbled bell word nor a lost ring parks it forever. A truncation between
///   two checks can still fault a sender that rings that member's bell in that window.
/// - Finished: a local worker's return is published in its control line (the <c>Finished</c>
///   hook), then every bell is rung, so a sender in another process draining an overflow
///   queue towards it stops waiting.
/// - Host group (<c>--transport auto</c> with processes on other hosts too, see
///   <see cref="AutoFabric"/>): the job holds only <c>_members</c>, the processes on this host
///   (global indices, ascending), joined under group-local indices (member i is job process i,
///   its workers job workers i * W ..); everything this type says to others (messages, failure
///   records, <see cref="IPeerStatus"/>) uses global indices. The <see cref="WorkerGroup"/> is
///   shared with the TCP fabric: its hooks here also see remote workers (TCP end of stream,
///   TCP failures), and a remote failure found by the liveness thread is also recorded in it,
///   so the TCP send threads send their failure notice to the other hosts.
/// </remarks>
internal sealed class ShmFabric : IPeerStatus, IDisposable
{
    /// <summary>Period of the heartbeat and of the peer checks.</summary>
    internal static readonly TimeSpan LivenessPeriod = TimeSpan.FromMilliseconds(100);

    /// <summary>How long a failed process's teardown waits for peers still exiting (see <c>AwaitDyingPeers</c>).</summary>
    private static readonly TimeSpan DyingPeerBound = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Data-area bytes a writer keeps its ring's records within while the reader keeps up
    /// (<see cref="SpscByteRing(Timely.Transport.Shm.Memory.MemoryRegion, int)"/>): a mapped ring's
    /// pages count in the resident memory of both processes once touched, and a ring cycled
    /// through its whole capacity touched all of them (two 1 MiB rings: 4 MiB over two
    /// processes for `barrier`'s progress stream, of which under 1 KB is ever in flight). 64 KiB
    /// holds a round of `exchange 1000` records per peer many times over; a larger burst still
    /// gets the whole ring.
    /// </summary>
    internal const int RingWorkingSet = 64 * 1024;

    private readonly Config _config;
    private readonly JobDirectory _job;
    private readonly WorkerGroup _group;
    private readonly int _threads;
    private readonly int _firstLocal;
    private readonly int[] _members;
    private readonly int[] _memberOf;
    private readonly Doorbell?[] _bells;
    private readonly SpscByteRing[] _localRings;
    private readonly ShmPeerWatch _watch;

    private ShmFabric(Config config, JobDirectory job, int[] members)
    {
        _config = config;
        _job = job;
        _threads = config.Threads;
        _firstLocal = config.ProcessIndex * _threads;
        _members = members;
        _memberOf = new int[config.Processes];
        Array.Fill(_memberOf, -1);
        for (int i = 0; i < members.Length; i++)
        {
            _memberOf[members[i]] = i;
        }

        int peers = config.Peers;
        _group = new WorkerGroup(peers) { Finished = OnFinished, Failed = OnFailed, ThreadsPerProcess = _threads, ProcessIndex = config.ProcessIndex };
        _bells = new Doorbell?[peers];
        for (int i = 0; i < members.Length; i++)
        {
            for (int l = 0; l < _threads; l++)
            {
                _bells[(members[i] * _threads) + l] = new Doorbell(job.Control(i).Bell(l));
            }
        }

        _localRings = new SpscByteRing[_threads * _threads];
        for (int i = 0; i < _localRings.Length; i++)
        {
            _localRings[i] = SpscByteRing.Allocate(config.RingBytes);
        }

        _watch = new ShmPeerWatch(job, _group, _bells, members, _memberOf, _threads, config.ProcessIndex, config.PeerTimeout,
            inform: message => config.Report(Diagnostics.DiagnosticLevel.Information, "shm", message));
        _watch.Start();
    }

    /// <summary>The job directory this process joined.</summary>
    public JobDirectory Job => _job;

    public bool HasFailed => _group.HasFailed || _watch.HasFailed;

    /// <summary>The group the local workers report to (shared with the TCP fabric in a host group).</summary>
    public WorkerGroup Group => _group;

    /// <summary>Joins the job and builds the local workers' allocators.</summary>
    /// <exception cref="ConfigException">The job cannot be joined (name in use, a peer never appeared).</exception>
    public static FabricSetup Build(Config config)
    {
        var fabric = Join(config, config.EffectiveJobName, [.. Enumerable.Range(0, config.Processes)]);
        try
        {
            return new FabricSetup(fabric.CreateAllocators(), fabric._firstLocal, fabric, fabric._group);
        }
        catch
        {
            fabric.MarkFailed();
            fabric.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Joins shared-memory job <paramref name="job"/> of the processes <paramref name="members"/>
    /// (global indices, ascending, this process among them); the other processes of the
    /// cluster, if any, are carried by TCP (<see cref="AutoFabric"/>).
    /// </summary>
    /// <exception cref="ConfigException">The job cannot be joined (name in use, a peer never appeared).</exception>
    public static ShmFabric Join(Config config, string job, int[] members)
    {
        JobDirectory directory;
        string root = config.ShmDirectory ?? JobDirectory.DefaultRoot;
        try
        {
            directory = JobDirectory.Join(root, job, Array.IndexOf(members, config.ProcessIndex), members.Length, config.Threads, config.RingBytes, config.ConnectTimeout,
                warn: message => config.Report(Diagnostics.DiagnosticLevel.Warning, "shm", message));
        }
        catch (IOException e)
        {
            throw new ConfigException(ShmMessage(e), e);
        }
        catch (TimeoutException e)
        {
            throw new ConfigException(ShmMessage(e), e);
        }

        try
        {
            return new ShmFabric(config, directory, members);
        }
        catch
        {
            directory.MarkFailed();
            directory.Dispose();
            throw;
        }
    }

    /// <summary>The set-up error as one line that says "shm" once (the job directory's own errors already start with it).</summary>
    private static string ShmMessage(Exception e) => e.Message.StartsWith("shm", StringComparison.Ordinal) ? e.Message : $"shm: {e.Message}";

    /// <summary>Marks this process Failed in the job (set-up failed after joining), so its peers stop at once.</summary>
    public void MarkFailed() => _job.MarkFailed();

    /// <summary>Global worker <paramref name="worker"/>'s doorbell in shared memory (a worker of this host group).</summary>
    public Doorbell Bell(int worker) => _bells[worker] ?? throw new ArgumentOutOfRangeException(nameof(worker), worker, "not a worker of this host group");

    public void ThrowIfFailed(int self)
    {
        // The liveness thread's own words first: it also records them in the group, as a
        // failure of the worker it blames, which may be one of ours (we were declared failed).
        _watch.ThrowIfFailed();
        _group.ThrowIfFailed(self);
    }

    public bool HasFinished(int worker)
    {
        int process = worker / _threads;
        int member = _memberOf[process];
        if (process == _config.ProcessIndex || member < 0)
        {
            return _group.HasFinished(worker);   // ours, or a TCP peer's (marked at its end of stream)
        }

        if (_watch.IsCorrupt(member))
        {
            return true;   // its file is not to be read again; nobody there reads what is queued
        }

        var control = _job.Control(member);
        return control.IsFinished(worker % _threads) || control.State == ProcessState.Finished;
    }

    public void Dispose()
    {
        _watch.Dispose();
        AwaitDyingPeers();
        foreach (var ring in _localRings)
        {
            ring.Dispose();
        }

        _job.Dispose();
        _group.Dispose();
    }

    /// <summary>
    /// After a failure, waits (at most <see cref="DyingPeerBound"/>) for members that neither
    /// finished nor failed to die or publish: a peer killed while we learned of it another way
    /// (a TCP notice from another host) may still be exiting, and the job directory removes a
    /// peer's files on our way out only once its pid is gone. A stopped peer costs the bound.
    /// </summary>
    private void AwaitDyingPeers()
    {
        if (!HasFailed)
        {
            return;
        }

        long deadline = Environment.TickCount64 + (long)DyingPeerBound.TotalMilliseconds;
        for (int m = 0; m < _members.Length; m++)
        {
            if (_members[m] == _config.ProcessIndex || _watch.IsCorrupt(m))
            {
                continue;
            }

            var control = _job.Control(m);
            try
            {
                while (control.ProbeState() is not (ProcessState.Finished or ProcessState.Failed)
                    && (!control.PidIsVisible || ProcessLiveness.IsAlive(control.Pid)) && Environment.TickCount64 < deadline)
                {
                    Thread.Sleep(10);
                }
            }
            catch (IOException)
            {
                // its file was truncated: nothing more to learn from it
            }
        }
    }

    private Allocator[] CreateAllocators()
    {
        int peers = _config.Peers;
        var allocators = new Allocator[_threads];
        var bells = new IWakeTarget[peers];
        for (int local = 0; local < _threads; local++)
        {
            int worker = _firstLocal + local;
            var writers = new RingWriter[peers];
            var compact = new bool[peers];
            var readers = new List<InboundRing>(peers);
            LinkPeers(local, writers, compact, bells, readers);
            var links = new BinaryLinks
            {
                WriterByTarget = writers,
                CompactByTarget = compact,
                BellByTarget = bells,
                Readers = readers.ToArray(),
                OwnBell = _bells[worker]!,
                Status = this,
            };
            allocators[local] = new BinaryAllocator(worker, peers, links, _config.SpinIterations);
        }

        return allocators;
    }

    /// <summary>
    /// Local worker <paramref name="local"/>'s links to every worker of this host group, its own
    /// process's included (in-process rings); each target's bell is the target's own. Every
    /// one of these rings joins two workers, so all carry compact records.
    /// </summary>
    public void LinkPeers(int local, RingWriter[] writers, bool[] compact, IWakeTarget[] bells, List<InboundRing> readers)
    {
        int self = _memberOf[_config.ProcessIndex];
        int worker = (self * _threads) + local;   // in the job's (group-local) numbering
        for (int i = 0; i < _members.Length; i++)
        {
            for (int l = 0; l < _threads; l++)
            {
                int target = (_members[i] * _threads) + l;
                bells[target] = _bells[target]!;
                compact[target] = true;
                if (i == self)
                {
                    writers[target] = new RingWriter(_localRings[(local * _threads) + l]);
                    readers.Add(new InboundRing(new RingReader(_localRings[(l * _threads) + local]), target));
                }
                else
                {
                    int other = (i * _threads) + l;
                    writers[target] = new RingWriter(new SpscByteRing(_job.Ring(worker, other), RingWorkingSet));
                    readers.Add(new InboundRing(new RingReader(new SpscByteRing(_job.Ring(other, worker))), target));
                }
            }
        }
    }

    /// <summary>The group's hook: a worker returned (ours, or a TCP peer's at its end of stream).</summary>
    private void OnFinished(int worker)
    {
        _watch.FlagCorruptFiles();
        int local = worker - _firstLocal;
        if ((uint)local < (uint)_threads && !_watch.IsCorrupt(_memberOf[_config.ProcessIndex]))
        {
            _job.Own.MarkFinished(local);
        }

        _watch.RingTrusted(0, _bells.Length);
    }

    /// <summary>The group's first failure (ours, or one a TCP peer or the liveness thread reported): published for the host group.</summary>
    private void OnFailed(int worker, Exception error)
    {
        _watch.FlagCorruptFiles();   // the failure may be a worker's park finding one before the liveness thread did
        _job.Own.PublishFailure(worker, $"{error.GetType().Name}: {error.Message}");
        _watch.RingTrusted(0, _bells.Length);
    }
}
