using Timely.Communication.Failure;
using Timely.Communication.Wakeup;

namespace Timely.Communication.Startup;

/// <summary>
/// What the workers of one <see cref="Workers.Initialize{T}"/> call share: their doorbells
/// and the first failure, so that one worker's exception stops the others instead of
/// leaving them waiting for data that will never come.
/// </summary>
/// <remarks>
/// Design: <c>_failure</c> is written once (CAS from null) by the first failing worker and
/// read by every worker in <c>Receive</c>/<c>AwaitEvents</c>; after the write all doorbells
/// are rung so parked workers see it at once. A volatile read per <c>Receive</c> is one
/// load of a line that is never written in a healthy run.
/// </remarks>
internal sealed class WorkerGroup : IPeerStatus, IDisposable
{
    private FailureRecord? _failure;
    private readonly int[] _finished;

    public WorkerGroup(int peers)
    {
        Peers = peers;
        _finished = new int[peers];
        Doorbells = new Doorbell[peers];
        for (int i = 0; i < peers; i++)
        {
            Doorbells[i] = Doorbell.InProcess();
        }
    }

    public int Peers { get; }

    public Doorbell[] Doorbells { get; }

    /// <summary>
    /// Told after a worker is marked finished (a transport publishes it to other processes).
    /// Set before the workers start; called on the finishing worker's thread.
    /// </summary>
    public Action<int>? Finished { get; init; }

    /// <summary>Told of the first failure (a transport publishes it to other processes). Set before the workers start.</summary>
    public Action<int, Exception>? Failed { get; init; }

    /// <summary>
    /// Workers per process of a cluster, with <see cref="ProcessIndex"/> this process's index, so
    /// a failure names the process of a remote worker; 0 (the default): every worker is local.
    /// </summary>
    public int ThreadsPerProcess { get; init; }

    /// <summary>This process's index in the cluster (with <see cref="ThreadsPerProcess"/>).</summary>
    public int ProcessIndex { get; init; }

    /// <summary>Whether any worker failed (wakes parked workers so they can throw).</summary>
    public bool HasFailed => Volatile.Read(ref _failure) is not null;

    /// <summary>Whether worker <paramref name="worker"/> has returned.</summary>
    public bool HasFinished(int worker) => Volatile.Read(ref _finished[worker]) != 0;

    /// <summary>Records that <paramref name="worker"/> returned, and wakes the others (a sender draining towards it can stop).</summary>
    public void MarkFinished(int worker)
    {
        Volatile.Write(ref _finished[worker], 1);
        FenceThenRing.All(new DoorbellList(Doorbells));

        Finished?.Invoke(worker);
    }

    /// <summary>Records the first failure and wakes every worker.</summary>
    public void Fail(int worker, Exception error)
    {
        if (error is PeerFailedException)
        {
            return;   // a consequence, not a cause
        }

        if (Interlocked.CompareExchange(ref _failure, new FailureRecord(worker, error), null) is null)
        {
            FenceThenRing.All(new DoorbellList(Doorbells));

            Failed?.Invoke(worker, error);
        }
    }

    /// <summary>Throws <see cref="PeerFailedException"/> if some worker other than <paramref name="self"/> failed.</summary>
    public void ThrowIfFailed(int self)
    {
        var failure = Volatile.Read(ref _failure);
        if (failure is not null && failure.Worker != self)
        {
            ThrowPeerFailed(failure);
        }
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private void ThrowPeerFailed(FailureRecord failure) =>
        throw new PeerFailedException($"{Describe(failure.Worker)} failed: {failure.Error.GetType().Name}: {failure.Error.Message}", failure.Error)
        {
            FailedWorker = failure.Worker,
        };

    /// <summary>"worker 3", or "worker 3 of process 1 (remote)" when it runs in another process of the cluster.</summary>
    private string Describe(int worker) =>
        ThreadsPerProcess > 0 && worker / ThreadsPerProcess != ProcessIndex
            ? $"worker {worker} of process {worker / ThreadsPerProcess} (remote)"
            : $"worker {worker}";

    public void Dispose()
    {
        foreach (var bell in Doorbells)
        {
            bell.Dispose();
        }
    }

    private sealed record FailureRecord(int Worker, Exception Error);
}
