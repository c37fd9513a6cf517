using Timely.Communication.Startup;
using Timely.Communication.Wakeup;
using Timely.Transport.Shm.Layout;
using Timely.Transport.Shm.Rendezvous;

namespace Timely.Communication.Fabrics;

/// <summary>
/// The liveness thread of a shared-memory job, for one process: each
/// <see cref="ShmFabric.LivenessPeriod"/> it verifies every member's control file, beats this
/// process's heartbeat, and looks at every peer (state Failed, pid gone, or heartbeat still for
/// <see cref="Config.PeerTimeout"/>). The first failure it finds is recorded once, every local
/// bell rung so parked workers wake and throw <see cref="PeerFailedException"/>, and the failure
/// put in the group, whose hook publishes it for the peers.
/// </summary>
// Design:
// - Threads: the liveness thread runs Run; workers read Failure (ThrowIfFailed, per Receive) and
//   IsCorrupt; the group's hooks (on worker or network threads) call FlagCorruptFiles and
//   RingTrusted. Dispose (the fabric's teardown) stops and joins the thread.
// - _remote: the liveness thread's first failure, written once (CAS from null) and read with a
//   volatile load, a line nobody writes in a healthy run.
// - _corrupt[m]: set (volatile write, never cleared) when member m's control file fails
//   verification, by the liveness thread before it records the failure or by a hook before it
//   writes or rings there; read before ringing or reading that member's words, which are never
//   touched again. A truncation between two checks can still fault a sender that rings that
//   member's bell in that window.
// - _lastBeat/_lastChange/_lastCheck are the liveness thread's alone; nothing else reads them.
// - A stall of this thread is not a peer's: when this thread itself went unscheduled for more
//   than half the peer timeout (a host whose virtual CPUs were taken away, a machine loaded far
//   beyond its cores), the peers' heartbeats could not have been seen to move in that time
//   either, so the look restarts every peer's clock instead of calling them stopped. A peer that
//   really stopped is named one timeout later; a dead one at once, by its pid.
// - Once the group holds a failure the peers are no longer checked: their Failed states only
//   relay it back.
internal sealed class ShmPeerWatch : IDisposable
{
    private readonly JobDirectory _job;
    private readonly WorkerGroup _group;
    private readonly Doorbell?[] _bells;
    private readonly int[] _members;
    private readonly int[] _memberOf;
    private readonly int _threads;
    private readonly int _processIndex;
    private readonly int _firstLocal;
    private readonly TimeSpan _peerTimeout;
    private readonly long[] _lastBeat;
    private readonly long[] _lastChange;
    private long _lastCheck;
    private readonly bool[] _corrupt;
    private readonly ManualResetEventSlim _stop = new(false, 0);
    private readonly Thread _thread;
    private readonly Action<string> _inform;
    private RemoteFailure? _remote;

    /// <summary>
    /// Watches the <paramref name="members"/> of <paramref name="job"/> (global process indices;
    /// <paramref name="memberOf"/> maps back, -1 for a process elsewhere) for process
    /// <paramref name="processIndex"/>; <paramref name="bells"/> by global worker. Call <see cref="Start"/>.
    /// <paramref name="inform"/> hears, once, that the thread has made its first look (a set-up step).
    /// </summary>
    public ShmPeerWatch(JobDirectory job, WorkerGroup group, Doorbell?[] bells, int[] members, int[] memberOf, int threads, int processIndex, TimeSpan peerTimeout, Action<string> inform)
    {
        _job = job;
        _group = group;
        _bells = bells;
        _members = members;
        _memberOf = memberOf;
        _threads = threads;
        _processIndex = processIndex;
        _firstLocal = processIndex * threads;
        _peerTimeout = peerTimeout;
        _inform = inform;
        _lastBeat = new long[members.Length];
        _lastChange = new long[members.Length];
        _corrupt = new bool[members.Length];
        long now = Environment.TickCount64;
        _lastCheck = now;
        for (int p = 0; p < members.Length; p++)
        {
            _lastBeat[p] = job.Control(p).Heartbeat;
            _lastChange[p] = now;
        }

        _thread = new Thread(Run) { Name = "timely:shm-liveness", IsBackground = true };
    }

    /// <summary>Whether the liveness thread found a failure.</summary>
    public bool HasFailed => Volatile.Read(ref _remote) is not null;

    public void Start() => _thread.Start();

    /// <summary>Throws <see cref="PeerFailedException"/> with the liveness thread's own words if it found a failure.</summary>
    public void ThrowIfFailed()
    {
        var remote = Volatile.Read(ref _remote);
        if (remote is not null)
        {
            ThrowRemote(remote);
        }
    }

    /// <summary>Whether member <paramref name="member"/>'s control file failed verification (it is not to be read or rung again).</summary>
    public bool IsCorrupt(int member) => Volatile.Read(ref _corrupt[member]);

    /// <summary>One fence, then the bells of workers <paramref name="first"/> .. + <paramref name="count"/> (global indices) whose file is trusted.</summary>
    public void RingTrusted(int first, int count) => FenceThenRing.All(new TrustedBells(this, first, count));

    /// <summary>Before writing or ringing in the members' files off the liveness thread: flags those that fail verification.</summary>
    public void FlagCorruptFiles()
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

    public void Dispose()
    {
        _stop.Set();
        if (_thread.IsAlive)
        {
            _thread.Join();
        }

        _stop.Dispose();
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void ThrowRemote(RemoteFailure failure) =>
        throw new PeerFailedException(failure.Message) { FailedWorker = failure.FirstWorker };

    private void Run()
    {
        int self = _memberOf[_processIndex];
        bool announced = false;
        while (!_stop.Wait(ShmFabric.LivenessPeriod))
        {
            bool checkPeers = Volatile.Read(ref _remote) is null && !_group.HasFailed;
            if (checkPeers && !VerifyFiles())
            {
                continue;
            }

            try
            {
                if (!Volatile.Read(ref _corrupt[self]))
                {
                    _job.Own.Beat();
                }

                if (checkPeers)
                {
                    CheckPeers();
                }
            }
            catch (IOException e)
            {
                // A control file truncated between the check above and a read of it: the read
                // went through a probe, which names the file instead of raising SIGBUS.
                Record(new RemoteFailure($"shm file {e.Message.TrimEnd('.')} (shm job '{_job.Job}')", _processIndex * _threads));
            }

            if (!announced)
            {
                announced = true;
                _inform($"process {_processIndex}: liveness thread running: looks at {_members.Length - 1} peer process(es) every {ShmFabric.LivenessPeriod.TotalMilliseconds:0} ms, peer timeout {_peerTimeout.TotalSeconds:0.#} s (shm job '{_job.Job}')");
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
            int self = _processIndex;
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

        RingTrusted(_firstLocal, _threads);

        // Published in our control file (a peer stopped or declared failed learns it there) and,
        // in a host group, sent to the other hosts by the TCP send threads' failure notice.
        _group.Fail(failure.FirstWorker, new IOException(failure.Message));
    }

    private void CheckPeers()
    {
        long now = Environment.TickCount64;
        bool stalled = now - _lastCheck > (long)_peerTimeout.TotalMilliseconds / 2;
        _lastCheck = now;
        for (int m = 0; m < _members.Length; m++)
        {
            int p = _members[m];
            if (p == _processIndex)
            {
                continue;
            }

            var control = _job.Control(m);
            var state = control.ProbeState();
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
            else if (control.PidIsVisible && !ProcessLiveness.IsAlive(control.Pid))
            {
                // A pid of another pid namespace means nothing here: such a peer (a container
                // sharing /dev/shm) is judged by its heartbeat alone, below.
                reason = "died: its pid is gone";
            }
            else
            {
                long beat = control.Heartbeat;
                if (beat != _lastBeat[m] || stalled)
                {
                    _lastBeat[m] = beat;
                    _lastChange[m] = now;
                }
                else if (now - _lastChange[m] > (long)_peerTimeout.TotalMilliseconds)
                {
                    reason = $"stopped: no heartbeat for {_peerTimeout.TotalSeconds:0.#} s (--peer-timeout)";
                }
            }

            if (reason is not null)
            {
                // A relayed reason may already name the job (it was one of ours): named once.
                string job = $"shm job '{_job.Job}'";
                string where = reason.Contains(job, StringComparison.Ordinal) ? string.Empty : $"; {job}.";
                Record(new RemoteFailure(
                    $"process {p} (pid {control.Pid}{(control.PidIsVisible ? string.Empty : " in another pid namespace")}, workers {p * _threads}..{((p + 1) * _threads) - 1}) {reason.TrimEnd('.')}{where}",
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
    private readonly struct TrustedBells(ShmPeerWatch watch, int first, int count) : IBellList
    {
        public int Count => count;

        public void RingAfterFence(int index)
        {
            int worker = first + index;
            if (watch._bells[worker] is { } bell && !watch.IsCorrupt(watch._memberOf[worker / watch._threads]))
            {
                bell.RingAfterFence();
            }
        }
    }
}
