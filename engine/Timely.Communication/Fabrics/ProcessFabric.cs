using Timely.Communication.InProcess;
using Timely.Communication.Startup;

namespace Timely.Communication.Fabrics;

/// <summary>
/// The shared state of a <see cref="CommunicationKind.Process"/> computation: the channel
/// registry and the worker group. Touched under a lock only when a channel is allocated,
/// never on the message path.
/// </summary>
internal sealed class ProcessFabric
{
    private readonly Dictionary<int, IProcessChannel> _channels = new();
    private readonly Lock _lock = new();

    public ProcessFabric(WorkerGroup group)
    {
        Group = group;
    }

    public WorkerGroup Group { get; }

    public int Peers => Group.Peers;

    public ProcessChannel<T> GetOrCreate<T>(int channelId)
        where T : class
    {
        lock (_lock)
        {
            if (_channels.TryGetValue(channelId, out var existing))
            {
                return existing as ProcessChannel<T>
                    ?? throw new InvalidOperationException(
                        $"channel {channelId} was allocated with payload {existing.PayloadType.Name} on another worker and with {typeof(T).Name} here; channel ids must be allocated in the same order, with the same types, on every worker.");
            }

            var channel = new ProcessChannel<T>(channelId, Peers);
            _channels.Add(channelId, channel);
            return channel;
        }
    }

    /// <summary>Channels in the registry: allocated by some worker and not yet released by all.</summary>
    public int ChannelCount
    {
        get
        {
            lock (_lock)
            {
                return _channels.Count;
            }
        }
    }

    /// <summary>
    /// A worker deallocated <paramref name="channelId"/>: once every worker has, the registry
    /// forgets the channel and its queues go with the last pusher and puller that hold them.
    /// Every worker allocates a channel before any deallocates it (a dataflow completes on a
    /// worker only after every worker built it and reported its progress), so a forgotten id is
    /// never allocated again.
    /// </summary>
    public void Release(int channelId)
    {
        lock (_lock)
        {
            if (_channels.TryGetValue(channelId, out var channel) && ++channel.Released == Peers)
            {
                _channels.Remove(channelId);
            }
        }
    }
}
