namespace Timely.Communication;

/// <summary>
/// The running workers of one <see cref="Workers.Initialize{T}"/> or
/// <see cref="Workers.InitializeFrom{T}"/> call (timely's
/// <c>WorkerGuards</c>). <see cref="Join"/> waits for them and gives each one's result;
/// disposing joins too, then releases what the allocators shared.
/// </summary>
public sealed class WorkerGuards<T> : IDisposable, IAsyncDisposable
{
    // Design: each worker thread calls WorkerEnded as its last act (Interlocked count down);
    // the last one completes _ended, which JoinAsync awaits without holding a thread. Join and
    // JoinAsync then Thread.Join, which returns at once for a thread that has ended or is ending.
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _running;
    private readonly System.Threading.Thread[] _threads;
    private readonly WorkerResult<T>[] _results;
    private readonly int _firstIndex;
    private readonly IDisposable? _shared;
    private bool _joined;
    private bool _disposed;

    /// <summary>What the workers share (the fabric of a cluster), for tests to see which transport runs.</summary>
    internal IDisposable? Shared => _shared;

    internal WorkerGuards(System.Threading.Thread[] threads, WorkerResult<T>[] results, int firstIndex, IDisposable? shared)
    {
        _running = threads.Length;
        if (threads.Length == 0)
        {
            _ended.SetResult();
        }

        _threads = threads;
        _results = results;
        _firstIndex = firstIndex;
        _shared = shared;
    }

    /// <summary>Global index of the first local worker (the rest follow in order).</summary>
    public int FirstIndex => _firstIndex;

    /// <summary>Number of workers in this process.</summary>
    public int Count => _threads.Length;

    /// <summary>Waits for every local worker; results are in worker order.</summary>
    public IReadOnlyList<WorkerResult<T>> Join()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        foreach (var thread in _threads)
        {
            thread.Join();
        }

        _joined = true;
        return _results;
    }

    /// <summary>
    /// Waits for every local worker without blocking a thread; results are in worker order.
    /// <paramref name="cancellationToken"/> ends the wait only (the workers run on; cancel the
    /// run itself through <c>Execute.RunAsync</c>'s token).
    /// </summary>
    public async Task<IReadOnlyList<WorkerResult<T>>> JoinAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _ended.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        return Join();
    }

    /// <summary>Joins the workers without blocking a thread (if not yet joined), then releases shared resources.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        if (!_joined)
        {
            await JoinAsync().ConfigureAwait(false);
        }

        Dispose();
    }

    /// <summary>A worker thread's last act: the last one to end completes <see cref="JoinAsync"/>.</summary>
    internal void WorkerEnded()
    {
        if (Interlocked.Decrement(ref _running) == 0)
        {
            _ended.TrySetResult();
        }
    }

    /// <summary>Joins the workers (if not yet joined), then releases shared resources.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        if (!_joined)
        {
            Join();
        }

        _disposed = true;
        _shared?.Dispose();
    }
}
