using Timely.Communication.InProcess;
using Timely.Communication.Startup;

namespace Timely.Communication.Fabrics;

/// <summary>
/// The shared state of a <see cref="CommunicationKind.Process"/> computation: the channel
/// registry (touched under a lock only when a channel is allocated, never on the message path),
/// the worker group, and the announcement queues between each pair of workers.
/// </summary>
internal sealed class ProcessFabric
{
    private readonly Dictionary<int, IProcessChannel> _channels = new();
    private readonly Lock _lock = new();

    public ProcessFabric(WorkerGroup group)
    {
        Group = group;
        int peers = group.Peers;
        Announcements = new SpscQueue<ProcessInbox>[peers * peers];
        for (int i = 0; i < Announcements.Length; i++)
        {
            Announcements[i] = new SpscQueue<ProcessInbox>();
        }
    }

    public WorkerGroup Group { get; }

    public int Peers => Group.Peers;

    /// <summary>
    /// From sender <c>s</c> to receiver <c>r</c> at <c>s * Peers + r</c>: the inbox of each message
    /// pushed, in push order (the sender produces, the receiver consumes).
    /// </summary>
    public SpscQueue<ProcessInbox>[] Announcements { get; }

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
    /// Worker <paramref name="worker"/> (the caller's thread) deallocated <paramref name="channelId"/>:
    /// its inbox drops what arrives from now on; once every worker has, the registry
    /// forgets the channel and its queues go with the last pusher and puller that hold them.
    /// Every worker allocates a channel before any deallocates it (a dataflow completes on a
    /// worker only after every worker built it and reported its progress), so a forgotten id is
    /// never allocated again.
    /// </summary>
    public void Release(int channelId, int worker)
    {
        lock (_lock)
        {
            if (_channels.TryGetValue(channelId, out var channel))
            {
                channel.Drop(worker);
                if (++channel.Released == Peers)
                {
                    _channels.Remove(channelId);
                }
            }
        }
    }
}
