namespace Timely.Communication;

/// <summary>
/// Where a channel's receiving end takes the empty instances it decodes into, and where it
/// puts them back once the reader is done with them: the worker's own store of empty messages,
/// so that what a byte allocator decodes and what the worker's other channels and outputs fill
/// come from one set instead of one set each.
/// </summary>
/// <remarks>
/// Called only on the worker thread that owns the channel (a byte allocator decodes during
/// <see cref="Allocator.Receive"/>, on that thread), so an implementation needs no locking.
/// </remarks>
/// <typeparam name="T">The channel's message type.</typeparam>
public interface IRecycler<T>
    where T : class
{
    /// <summary>An empty instance to decode into: one handed back earlier, or a new one when none is waiting.</summary>
    T Rent();

    /// <summary>
    /// Takes back an instance its reader has finished with, or one of this worker's own sends that
    /// its receiver in the same process handed back beyond the one a push's slot returns; its
    /// contents are dropped.
    /// </summary>
    void Return(T item);
}
