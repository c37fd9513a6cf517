namespace Timely.Communication;

/// <summary>
/// The running workers of one <see cref="Workers.Initialize{T}"/> or
/// <see cref="Workers.InitializeFrom{T}"/> call (timely's
/// <c>WorkerGuards</c>). <see cref="Join"/> waits for them and gives each one's result;
/// disposing joins too, then releases what the allocators shared.
/// </summary>
public sealed class WorkerGuards<T> : IDisposable
{
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
