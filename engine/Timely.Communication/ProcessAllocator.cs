using Timely.Communication.Diagnostics;
using Timely.Communication.Fabrics;
using Timely.Communication.InProcess;
using Timely.Communication.Wakeup;

namespace Timely.Communication;

/// <summary>
/// The allocator of one worker among <c>n</c> in this process (timely's <c>Process</c>):
/// typed messages move through one lock-free SPSC queue per ordered pair of workers and
/// channel; buffers come back through a twin queue; an idle worker parks on its doorbell.
/// </summary>
/// <remarks>
/// The data path has no lock and no interlocked instruction: a push is a store and a
/// release-store in <see cref="SpscQueue{T}"/> plus an unfenced look at the target's
/// doorbell. The one full fence is paid at <see cref="Release"/> (for every target pushed to)
/// or <see cref="IPush{T}.Done"/> (see <see cref="FenceThenRing"/> for why that is enough).
/// </remarks>
public sealed class ProcessAllocator : Allocator
{
    private readonly ProcessFabric _fabric;
    private readonly int _index;
    private readonly int _spinIterations;
    private readonly List<IChannelInbox> _inboxes = new();
    private readonly List<int> _inboxIds = new();
    private readonly bool[] _pushedTo;
    private readonly Doorbell[] _bells;
    private readonly WorkerCounters _counters;
    private readonly IDisposable _metrics;

    internal ProcessAllocator(ProcessFabric fabric, int index, int spinIterations)
    {
        _bells = fabric.Group.Doorbells;
        _pushedTo = new bool[fabric.Peers];
        _fabric = fabric;
        _index = index;
        _spinIterations = spinIterations;
        _counters = new WorkerCounters(index);
        _metrics = CommunicationMetrics.Register(_counters, _bells[index]);
    }

    /// <summary>This worker's communication counters.</summary>
    public WorkerCounters Counters => _counters;

    /// <inheritdoc />
    public override int Index => _index;

    /// <inheritdoc />
    public override int Peers => _fabric.Peers;

    internal Doorbell Doorbell => _bells[_index];

    /// <inheritdoc />
    public override (IPush<T>[] Senders, IPull<T> Receiver) Allocate<T>(int channelId)
    {
        CheckChannelId(channelId);
        if (_inboxIds.Contains(channelId))
        {
            throw new InvalidOperationException($"channel {channelId} is already allocated on worker {_index}; each id is allocated once.");
        }

        var channel = _fabric.GetOrCreate<T>(channelId);
        int peers = Peers;
        var senders = new IPush<T>[peers];
        for (int target = 0; target < peers; target++)
        {
            int pair = (_index * peers) + target;
            senders[target] = new ProcessPusher<T>(channel.Forward[pair], channel.Returns[pair], _bells[target], _pushedTo, target, _counters);
        }

        var puller = new ProcessPuller<T>(channel, _index, _counters);
        _inboxes.Add(puller);
        _inboxIds.Add(channelId);
        return (senders, puller);
    }

    /// <inheritdoc />
    internal override int HeldChannels => _inboxIds.Count;

    /// <summary>Channels the process's registry holds (allocated by some worker, not yet deallocated by all).</summary>
    internal int FabricChannels => _fabric.ChannelCount;

    /// <inheritdoc />
    public override void Deallocate(int channelId)
    {
        int at = _inboxIds.IndexOf(channelId);
        if (at < 0)
        {
            return;
        }

        _inboxIds.RemoveAt(at);
        _inboxes.RemoveAt(at);
        _fabric.Release(channelId);
    }

    /// <inheritdoc />
    public override void Receive()
    {
        _fabric.Group.ThrowIfFailed(_index);
        for (int i = 0; i < _inboxes.Count; i++)
        {
            if (_inboxes[i].HasData && !Events.Contains(_inboxIds[i]))
            {
                Events.Add(_inboxIds[i]);
            }
        }
    }

    /// <inheritdoc />
    public override void Release() => FenceThenRing.Flagged(_pushedTo, new DoorbellList(_bells));

    /// <inheritdoc />
    public override void AwaitEvents(TimeSpan? timeout)
    {
        _fabric.Group.ThrowIfFailed(_index);
        if (timeout == TimeSpan.Zero)
        {
            return;
        }

        // Our own unflushed pushes must be visible before we sleep, or two workers that
        // each wait for the other's reply could both sleep on data neither announced.
        Release();
        SpinThenPark.Await(Doorbell, _spinIterations, timeout, new WorkProbe(this));
        _fabric.Group.ThrowIfFailed(_index);
    }

    /// <inheritdoc />
    protected override void RingOwnDoorbell() => FenceThenRing.One(Doorbell);

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _metrics.Dispose();
        }

        base.Dispose(disposing);
    }

    private bool AnyInboxHasData()
    {
        for (int i = 0; i < _inboxes.Count; i++)
        {
            if (_inboxes[i].HasData)
            {
                return true;
            }
        }

        return _fabric.Group.HasFailed;
    }

    /// <summary>What this worker waits for: data in an inbox, a failure, an unpark.</summary>
    private readonly struct WorkProbe(ProcessAllocator owner) : IWorkProbe
    {
        public bool HasWork() => owner.AnyInboxHasData() || owner.UnparkRequested;

        public TimeSpan? BeforePark(TimeSpan? timeout) => timeout;
    }
}
