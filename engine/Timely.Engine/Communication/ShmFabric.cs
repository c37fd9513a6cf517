using Timely.Transport.Shm;

namespace Timely.Communication;

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
/// - Finished: a local worker's return is published in its control line (the <c>Finished</c>
///   hook), then every bell is rung, so a sender in another process draining an overflow
///   queue towards it stops waiting.
/// - The liveness thread owns <c>_lastBeat</c>/<c>_lastChange</c>; nothing else reads them.
/// </remarks>
internal sealed class ShmFabric : IPeerStatus, IDisposable
{
    /// <summary>Period of the heartbeat and of the peer checks.</summary>
    internal static readonly TimeSpan LivenessPeriod = TimeSpan.FromMilliseconds(100);

    private readonly Config _config;
    private readonly JobDirectory _job;
    private readonly WorkerGroup _group;
    private readonly int _threads;
    private readonly int _firstLocal;
    private readonly IDoorbell[] _bells;
    private readonly SpscByteRing[] _localRings;
    private readonly long[] _lastBeat;
    private readonly long[] _lastChange;
    private readonly ManualResetEventSlim _stop = new(false, 0);
    private readonly Thread _liveness;
    private RemoteFailure? _remote;

    private ShmFabric(Config config, JobDirectory job)
    {
        _config = config;
        _job = job;
        _threads = config.Threads;
        _firstLocal = config.ProcessIndex * _threads;
        int peers = config.Peers;
        _group = new WorkerGroup(peers) { Finished = OnLocalFinished, Failed = OnLocalFailed };
        _bells = new IDoorbell[peers];
        for (int t = 0; t < peers; t++)
        {
            _bells[t] = new ShmDoorbell(job.Control(t / _threads).Bell(t % _threads));
        }

        _localRings = new SpscByteRing[_threads * _threads];
        for (int i = 0; i < _localRings.Length; i++)
        {
            _localRings[i] = SpscByteRing.Allocate(config.RingBytes);
        }

        _lastBeat = new long[config.Processes];
        _lastChange = new long[config.Processes];
        long now = Environment.TickCount64;
        for (int p = 0; p < config.Processes; p++)
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

    /// <summary>Joins the job and builds the local workers' allocators.</summary>
    /// <exception cref="ConfigException">The job cannot be joined (name in use, a peer never appeared).</exception>
    public static (Allocator[] Allocators, int FirstIndex, IDisposable? Shared, WorkerGroup? Group) Build(Config config)
    {
        JobDirectory job;
        string root = config.ShmDirectory ?? JobDirectory.DefaultRoot;
        try
        {
            job = JobDirectory.Join(root, config.EffectiveJobName, config.ProcessIndex, config.Processes, config.Threads, config.RingBytes, config.ConnectTimeout);
        }
        catch (IOException e)
        {
            throw new ConfigException($"shm: {e.Message}", e);
        }
        catch (TimeoutException e)
        {
            throw new ConfigException($"shm: {e.Message}", e);
        }

        ShmFabric fabric;
        try
        {
            fabric = new ShmFabric(config, job);
        }
        catch
        {
            job.Own.State = ProcessState.Failed;
            job.Dispose();
            throw;
        }

        try
        {
            return (fabric.CreateAllocators(), fabric._firstLocal, fabric, fabric._group);
        }
        catch
        {
            job.Own.State = ProcessState.Failed;
            fabric.Dispose();
            throw;
        }
    }

    public void ThrowIfFailed(int self)
    {
        _group.ThrowIfFailed(self);
        var remote = Volatile.Read(ref _remote);
        if (remote is not null)
        {
            ThrowRemote(remote);
        }
    }

    public bool HasFinished(int worker)
    {
        int process = worker / _threads;
        if (process == _config.ProcessIndex)
        {
            return _group.HasFinished(worker);
        }

        var control = _job.Control(process);
        return control.IsFinished(worker % _threads) || control.State == ProcessState.Finished;
    }

    public void Dispose()
    {
        _stop.Set();
        _liveness.Join();
        foreach (var ring in _localRings)
        {
            ring.Dispose();
        }

        _job.Dispose();
        _group.Dispose();
        _stop.Dispose();
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void ThrowRemote(RemoteFailure failure) =>
        throw new PeerFailedException(failure.Message) { FailedWorker = failure.FirstWorker };

    private Allocator[] CreateAllocators()
    {
        int peers = _config.Peers;
        var allocators = new Allocator[_threads];
        for (int local = 0; local < _threads; local++)
        {
            int worker = _firstLocal + local;
            var writers = new RingWriter[peers];
            var readers = new RingReader[peers];
            for (int other = 0; other < peers; other++)
            {
                int otherLocal = other - _firstLocal;
                if ((uint)otherLocal < (uint)_threads)
                {
                    writers[other] = new RingWriter(_localRings[(local * _threads) + otherLocal]);
                    readers[other] = new RingReader(_localRings[(otherLocal * _threads) + local]);
                }
                else
                {
                    writers[other] = new RingWriter(new SpscByteRing(_job.Ring(worker, other)));
                    readers[other] = new RingReader(new SpscByteRing(_job.Ring(other, worker)));
                }
            }

            var links = new BinaryLinks
            {
                WriterByTarget = writers,
                BellByTarget = _bells,
                Readers = readers,
                OwnBell = _bells[worker],
                Status = this,
            };
            allocators[local] = new BinaryAllocator(worker, peers, links, _config.SpinIterations);
        }

        return allocators;
    }

    private void OnLocalFinished(int worker)
    {
        _job.Own.MarkFinished(worker - _firstLocal);
        RingEveryone();
    }

    private void OnLocalFailed(int worker, Exception error)
    {
        _job.Own.PublishFailure(worker, $"{error.GetType().Name}: {error.Message}");
        RingEveryone();
    }

    private void RingEveryone()
    {
        Interlocked.MemoryBarrier();
        foreach (var bell in _bells)
        {
            bell.RingAfterFence();
        }
    }

    private void Liveness()
    {
        while (!_stop.Wait(LivenessPeriod))
        {
            _job.Own.Beat();
            if (Volatile.Read(ref _remote) is null)
            {
                CheckPeers();
            }
        }
    }

    private void CheckPeers()
    {
        long now = Environment.TickCount64;
        for (int p = 0; p < _config.Processes; p++)
        {
            if (p == _config.ProcessIndex)
            {
                continue;
            }

            var control = _job.Control(p);
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
                    reason = $"failed: worker {record.Worker} threw {record.Message}";
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
                if (beat != _lastBeat[p])
                {
                    _lastBeat[p] = beat;
                    _lastChange[p] = now;
                }
                else if (now - _lastChange[p] > (long)_config.PeerTimeout.TotalMilliseconds)
                {
                    reason = $"stopped: no heartbeat for {_config.PeerTimeout.TotalSeconds:0.#} s (--peer-timeout)";
                }
            }

            if (reason is not null)
            {
                var failure = new RemoteFailure(
                    $"process {p} (pid {control.Pid}, workers {p * _threads}..{((p + 1) * _threads) - 1}) {reason}; shm job '{_job.Job}'.",
                    failedWorker);
                if (Interlocked.CompareExchange(ref _remote, failure, null) is null)
                {
                    for (int w = 0; w < _threads; w++)
                    {
                        _job.Own.Bell(w).RingFenced();
                    }
                }

                return;
            }
        }
    }

    private sealed record RemoteFailure(string Message, int FirstWorker);
}
