using Timely.Communication.InProcess;

namespace Timely.Communication;

/// <summary>
/// The allocator of a single worker (timely's <c>Thread</c>): every channel is a local
/// queue from this worker to itself, no synchronization at all.
/// </summary>
public sealed class ThreadAllocator : Allocator
{
    // Design: one thread owns everything. A push lists its channel in _touched the first time
    // after the channel was found empty, and Receive looks only at the listed channels (keeping
    // those that still hold messages), so a step costs the channels that saw traffic, not every
    // channel allocated, and a channel with messages is still reported at every receive.
    private readonly Dictionary<int, ITouchedInbox> _channels = new();
    private readonly List<ITouchedInbox> _touched = new();

    /// <inheritdoc />
    public override int Index => 0;

    /// <inheritdoc />
    public override int Peers => 1;

    /// <inheritdoc />
    protected override (IPush<T>[] Senders, IPull<T> Receiver) AllocateChannel<T>(int channelId, IRecycler<T>? recycler)
        where T : class => AllocateDirect<T>(channelId);

    /// <summary><see cref="Allocator.Allocate{T}(int)"/> of this allocator, called directly (no generic virtual dispatch).</summary>
    internal (IPush<T>[] Senders, IPull<T> Receiver) AllocateDirect<T>(int channelId)
        where T : class
    {
        CheckChannelId(channelId);
        if (_channels.ContainsKey(channelId))
        {
            throw new InvalidOperationException($"channel {channelId} is already allocated on this worker; each id is allocated once.");
        }

        var channel = new ThreadChannel<T>(channelId, _touched);
        _channels.Add(channelId, channel);
        return ([channel.Pusher], channel.Puller);
    }

    /// <inheritdoc />
    internal override int HeldChannels => _channels.Count;

    /// <inheritdoc />
    public override void Deallocate(int channelId)
    {
        if (_channels.Remove(channelId, out var channel))
        {
            channel.Drop();
        }
    }

    /// <inheritdoc />
    public override void Receive()
    {
        TouchedInboxes.Sweep(_touched, Events);
    }

    /// <inheritdoc />
    public override void Release()
    {
    }

    /// <summary>A single worker has no one to wait for: returns at once.</summary>
    public override void AwaitEvents(TimeSpan? timeout)
    {
    }
}
