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
///   one is found by the liveness thread (state Failed, pid gone, or heartbeat still for
///   <see cref="Config.PeerTimeout"/>) and recorded once in <c>_remote</c> (CAS from null),
///   after which every local bell is rung so parked workers wake and throw
///   <see cref="PeerFailedException"/>. <c>_remote</c> is read with a volatile load per
///   <c>Receive</c>, a line nobody writes in a healthy run.
/// - Fail-stop: a remote failure found by the liveness thread is also recorded in the group,
///   whose hook publishes it (state Failed, with the reason) in this process's control file;
///   so a peer that was only stopped, or falsely timed out, finds on resuming that it was
///   declared failed (a Failed peer whose record blames one of its own workers) and stops
///   with that reason instead of waiting for peers that are gone. Once the group holds a
///   failure the peers are no longer checked: their Failed states only relay it back.
/// - Integrity: each period the liveness thread verifies every control file (length by fstat,
///   then header and words, <see cref="ControlBlock.Verify"/>) before it reads any of them
///   beyond the header; a corrupt one fails the job naming the file, and is never touched
///   again (<c>_corrupt</c>, written by the liveness thread before the failure is recorded,
///   read before ringing or reading a member's words). A parked worker wakes at least every
///   <see cref="SharedDoorbell.MaxSleep"/>, verifies its own file and polls for the failure,
///   so neither a scribbled bell word nor a lost ring parks it forever. A truncation between
///   two checks can still fault a sender that rings that member's bell in that window.
/// - Finished: a local worker's return is published in its control line (the <c>Finished</c>
///   hook), then every bell is rung, so a sender in another process draining an overflow
///   queue towards it stops waiting.
/// - The liveness thread owns <c>_lastBeat</c>/<c>_lastChange</c>; nothing else reads them.
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

    private readonly Config _config;
    private readonly JobDirectory _job;
    private readonly WorkerGroup _group;
    private readonly int _threads;
    private readonly int _firstLocal;
    private readonly int[] _members;
    private readonly int[] _memberOf;
    private readonly Doorbell?[] _bells;
    private readonly SpscByteRing[] _localRings;
    private readonly long[] _lastBeat;
    private readonly long[] _lastChange;
    private readonly bool[] _corrupt;
    private readonly ManualResetEventSlim _stop = new(false, 0);
    private readonly Thread _liveness;
    private RemoteFailure? _remote;

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
        _group = new WorkerGroup(peers) { Finished = OnFinished, Failed = OnFailed };
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

        _lastBeat = new long[members.Length];
        _lastChange = new long[members.Length];
        _corrupt = new bool[members.Length];
        long now = Environment.TickCount64;
        for (int p = 0; p < members.Length; p++)
        {
            _lastBeat[p] = job.Control(p).Heartbeat;
            _lastChange[p] = now;
        }

        _liveness = new Thread(Liveness) { Name = "timely:shm-liveness", IsBackground = true };
        _liveness.Start();
    }

    /// <summary>The job directory this process joined.</summary>
    public JobDirectory Job => _job;

    public bool HasFailed => _group.HasFailed || Volatile.Read(ref _remote) is not null;

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
            directory = JobDirectory.Join(root, job, Array.IndexOf(members, config.ProcessIndex), members.Length, config.Threads, config.RingBytes, config.ConnectTimeout);
        }
        catch (IOException e)
        {
            throw new ConfigException($"shm: {e.Message}", e);
        }
        catch (TimeoutException e)
        {
            throw new ConfigException($"shm: {e.Message}", e);
        }

        try
        {
            return new ShmFabric(config, directory, members);
        }
        catch
        {
            directory.Own.State = ProcessState.Failed;
            directory.Dispose();
            throw;
        }
    }

    /// <summary>Marks this process Failed in the job (set-up failed after joining), so its peers stop at once.</summary>
    public void MarkFailed() => _job.Own.State = ProcessState.Failed;

    /// <summary>Global worker <paramref name="worker"/>'s doorbell in shared memory (a worker of this host group).</summary>
    public Doorbell Bell(int worker) => _bells[worker] ?? throw new ArgumentOutOfRangeException(nameof(worker), worker, "not a worker of this host group");

    public void ThrowIfFailed(int self)
    {
        // The liveness thread's own words first: it also records them in the group, as a
        // failure of the worker it blames, which may be one of ours (we were declared failed).
        var remote = Volatile.Read(ref _remote);
        if (remote is not null)
        {
            ThrowRemote(remote);
        }

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

        if (Volatile.Read(ref _corrupt[member]))
        {
            return true;   // its file is not to be read again; nobody there reads what is queued
        }

        var control = _job.Control(member);
        return control.IsFinished(worker % _threads) || control.State == ProcessState.Finished;
    }

    public void Dispose()
    {
        _stop.Set();
        _liveness.Join();
        AwaitDyingPeers();
        foreach (var ring in _localRings)
        {
            ring.Dispose();
        }

        _job.Dispose();
        _group.Dispose();
        _stop.Dispose();
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
            if (_members[m] == _config.ProcessIndex || Volatile.Read(ref _corrupt[m]))
            {
                continue;
            }

            var control = _job.Control(m);
            while (control.State is not (ProcessState.Finished or ProcessState.Failed)
                && ProcessLiveness.IsAlive(control.Pid) && Environment.TickCount64 < deadline)
            {
                Thread.Sleep(10);
            }
        }
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void ThrowRemote(RemoteFailure failure) =>
        throw new PeerFailedException(failure.Message) { FailedWorker = failure.FirstWorker };

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
                    writers[target] = new RingWriter(new SpscByteRing(_job.Ring(worker, other)));
                    readers.Add(new InboundRing(new RingReader(new SpscByteRing(_job.Ring(other, worker))), target));
                }
            }
        }
    }

    /// <summary>The group's hook: a worker returned (ours, or a TCP peer's at its end of stream).</summary>
    private void OnFinished(int worker)
    {
        FlagCorruptFiles();
        int local = worker - _firstLocal;
        if ((uint)local < (uint)_threads && !Volatile.Read(ref _corrupt[_memberOf[_config.ProcessIndex]]))
        {
            _job.Own.MarkFinished(local);
        }

        RingEveryone();
    }

    /// <summary>The group's first failure (ours, or one a TCP peer or the liveness thread reported): published for the host group.</summary>
    private void OnFailed(int worker, Exception error)
    {
        FlagCorruptFiles();   // the failure may be a worker's park finding one before the liveness thread did
        _job.Own.PublishFailure(worker, $"{error.GetType().Name}: {error.Message}");
        RingEveryone();
    }

    private void RingEveryone() => FenceThenRing.All(new TrustedBells(this, 0, _bells.Length));

    private void Liveness()
    {
        int self = _memberOf[_config.ProcessIndex];
        while (!_stop.Wait(LivenessPeriod))
        {
            bool checkPeers = Volatile.Read(ref _remote) is null && !_group.HasFailed;
            if (checkPeers && !VerifyFiles())
            {
                continue;
            }

            if (!Volatile.Read(ref _corrupt[self]))
            {
                _job.Own.Beat();
            }

            if (checkPeers)
            {
                CheckPeers();
            }
        }
    }

    /// <summary>Before writing or ringing in the members' files off the liveness thread: flags those that fail verification.</summary>
    private void FlagCorruptFiles()
    {
        for (int m = 0; m < _members.Length; m++)
        {
            if (Volatile.Read(ref _corrupt[m]))
            {
                continue;
            }

            try
            {
                _job.Control(m).Verify();
            }
            catch (InvalidDataException)
            {
                Volatile.Write(ref _corrupt[m], true);   // the liveness thread reports it
            }
        }
    }

    /// <summary>Verifies every member's control file; records the first corrupt one as the failure (false then).</summary>
    private bool VerifyFiles()
    {
        for (int m = 0; m < _members.Length; m++)
        {
            try
            {
                _job.Control(m).Verify();
            }
            catch (InvalidDataException e)
            {
                Volatile.Write(ref _corrupt[m], true);
                int p = _members[m];
                Record(new RemoteFailure($"process {p} (workers {p * _threads}..{((p + 1) * _threads) - 1}) cannot be trusted: {e.Message} (shm job '{_job.Job}')", p * _threads));
                return false;
            }
        }

        // A ring file truncated under the job would raise SIGBUS at the next access to its lost
        // pages: one fstat per ring here finds it first, when it happens between two accesses.
        if (_job.FindTruncatedFile() is { } truncated)
        {
            int self = _config.ProcessIndex;
            Record(new RemoteFailure($"shm file '{truncated}' was truncated under the job (shorter than its mapping; shm job '{_job.Job}')", self * _threads));
            return false;
        }

        return true;
    }

    /// <summary>Records the liveness thread's first failure, wakes the local workers, and puts it in the group (which publishes it).</summary>
    private void Record(RemoteFailure failure)
    {
        if (Interlocked.CompareExchange(ref _remote, failure, null) is not null)
        {
            return;
        }

        FenceThenRing.All(new TrustedBells(this, _firstLocal, _threads));

        // Published in our control file (a peer stopped or declared failed learns it there) and,
        // in a host group, sent to the other hosts by the TCP send threads' failure notice.
        _group.Fail(failure.FirstWorker, new IOException(failure.Message));
    }

    private void CheckPeers()
    {
        long now = Environment.TickCount64;
        for (int m = 0; m < _members.Length; m++)
        {
            int p = _members[m];
            if (p == _config.ProcessIndex)
            {
                continue;
            }

            var control = _job.Control(m);
            var state = control.State;
            if (state == ProcessState.Finished)
            {
                continue;
            }

            string? reason = null;
            int failedWorker = p * _threads;
            if (state == ProcessState.Failed)
            {
                if (control.ReadFailure() is { } record)
                {
                    failedWorker = record.Worker;
                    reason = (uint)(record.Worker - _firstLocal) < (uint)_threads
                        ? $"declared this process failed: {record.Message}"
                        : $"failed: worker {record.Worker} threw {record.Message}";
                }
                else
                {
                    reason = "failed while connecting";
                }
            }
            else if (!ProcessLiveness.IsAlive(control.Pid))
            {
                reason = "died: its pid is gone";
            }
            else
            {
                long beat = control.Heartbeat;
                if (beat != _lastBeat[m])
                {
                    _lastBeat[m] = beat;
                    _lastChange[m] = now;
                }
                else if (now - _lastChange[m] > (long)_config.PeerTimeout.TotalMilliseconds)
                {
                    reason = $"stopped: no heartbeat for {_config.PeerTimeout.TotalSeconds:0.#} s (--peer-timeout)";
                }
            }

            if (reason is not null)
            {
                Record(new RemoteFailure(
                    $"process {p} (pid {control.Pid}, workers {p * _threads}..{((p + 1) * _threads) - 1}) {reason}; shm job '{_job.Job}'.",
                    failedWorker));
                return;
            }
        }
    }

    private sealed record RemoteFailure(string Message, int FirstWorker);

    /// <summary>
    /// The bells of workers <c>first .. first + count</c> of this host group (global indices)
    /// whose control file is not known to be corrupt: one is never rung (or read) again.
    /// </summary>
    private readonly struct TrustedBells(ShmFabric fabric, int first, int count) : IBellList
    {
        public int Count => count;

        public void RingAfterFence(int index)
        {
            int worker = first + index;
            if (fabric._bells[worker] is { } bell && !Volatile.Read(ref fabric._corrupt[fabric._memberOf[worker / fabric._threads]]))
            {
                bell.RingAfterFence();
            }
        }
    }
}
