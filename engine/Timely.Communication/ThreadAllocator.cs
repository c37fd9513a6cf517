using Timely.Communication.InProcess;

namespace Timely.Communication;

/// <summary>
/// The allocator of a single worker (timely's <c>Thread</c>): every channel is a local
/// queue from this worker to itself, no synchronization at all.
/// </summary>
public sealed class ThreadAllocator : Allocator
{
    private readonly Dictionary<int, IChannelInbox> _channels = new();

    /// <inheritdoc />
    public override int Index => 0;

    /// <inheritdoc />
    public override int Peers => 1;

    /// <inheritdoc />
    public override (IPush<T>[] Senders, IPull<T> Receiver) Allocate<T>(int channelId)
    {
        CheckChannelId(channelId);
        if (_channels.ContainsKey(channelId))
        {
            throw new InvalidOperationException($"channel {channelId} is already allocated on this worker; each id is allocated once.");
        }

        var channel = new ThreadChannel<T>(channelId);
        _channels.Add(channelId, channel);
        return ([channel.Pusher], channel.Puller);
    }

    /// <inheritdoc />
    public override void Receive()
    {
        foreach (var (id, channel) in _channels)
        {
            if (channel.HasData && !Events.Contains(id))
            {
                Events.Add(id);
            }
        }
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
