namespace Timely.Communication;

/// <summary>
/// Makes one worker's <see cref="Allocator"/> (timely's <c>AllocateBuilder</c>): the thing an
/// embedding hands to <see cref="Workers.InitializeFrom{T}"/> when it brings its own transport,
/// or runs on its own threads when it brings its own threads (<see cref="Workers.Build"/>).
/// </summary>
/// <remarks>
/// The life of a builder, on the worker's own thread: <see cref="Build"/> once; the worker's
/// logic; the allocator's <c>Dispose</c>; <see cref="OnFailed"/> if the logic, <c>Build</c> or
/// <c>Dispose</c> threw; then <see cref="OnFinished"/>. An embedding that runs builders on its
/// own threads keeps that order. <see cref="OnFailed"/> and <see cref="OnFinished"/> are how a
/// shared fabric tells the other workers (a peer that waits on a failed worker then stops with a
/// <see cref="PeerFailedException"/> instead of waiting forever); a builder of a transport
/// without such a fabric leaves them empty.
/// </remarks>
public abstract class AllocatorBuilder
{
    /// <summary>Sets the global index of the worker this builder is for.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is negative.</exception>
    protected AllocatorBuilder(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        Index = index;
    }

    /// <summary>
    /// Global index of the worker (what the built allocator's <see cref="Allocator.Index"/> must
    /// be); names the worker in its <see cref="WorkerResult{T}"/> even when <see cref="Build"/> throws.
    /// </summary>
    public int Index { get; }

    /// <summary>Makes the allocator; called once, on the thread that will use it.</summary>
    public abstract Allocator Build();

    /// <summary>
    /// Told, on the worker's thread, that the worker ended with <paramref name="error"/> (before
    /// <see cref="OnFinished"/>). Default: nothing.
    /// </summary>
    public virtual void OnFailed(Exception error)
    {
    }

    /// <summary>Told, on the worker's thread, that the worker has ended and its allocator is disposed. Default: nothing.</summary>
    public virtual void OnFinished()
    {
    }
}
