using Timely.Communication.Diagnostics;
using Timely.Communication.Fabrics;
using Timely.Communication.InProcess;
using Timely.Communication.Wakeup;

namespace Timely.Communication;

/// <summary>
/// The allocator of one worker among <c>n</c> in this process (timely's <c>Process</c>):
/// typed messages move through one lock-free SPSC queue per ordered pair of workers and
/// channel; buffers come back through a twin queue (one through a push's slot, the rest of what
/// waits to the channel's recycler, when it has one); an idle worker parks on its doorbell.
/// </summary>
/// <remarks>
/// The data path has no lock and no interlocked instruction: a push is a store and a
/// release-store in <see cref="SpscQueue{T}"/> for the message, the same for its announcement
/// to the target, plus an unfenced look at the target's doorbell (a push to this worker itself
/// lists the inbox on its own list instead: no announcement, no doorbell, no fence). The one full fence is paid at <see cref="Release"/> (for every target pushed to)
/// or <see cref="IPush{T}.Done"/> (see <see cref="FenceThenRing"/> for why that is enough).
/// </remarks>
public sealed class ProcessAllocator : Allocator
{
    private readonly ProcessFabric _fabric;
    private readonly int _index;
    private readonly int _spinIterations;
    // Design: a receive looks only at the channels pushed to, as timely's Process allocator has
    // each push send the channel's id to the receiver. Each push to another worker appends the
    // target's inbox to the announcement queue from this sender to that target (one SPSC queue
    // per ordered pair of workers, after the message itself, so taking the announcement makes
    // the message visible). A push to this worker itself runs on this thread, so it lists the
    // inbox on _touched directly (by the same Touched flag), with no queue and no fence; the
    // announcement queue from ourselves stays empty and a receive skips it. Receive first drains
    // the announcement queue from every other sender into _touched (each inbox once, by its
    // receiver-owned Touched flag), then keeps in _touched only the inboxes that still hold
    // messages, reporting the allocated ones (TouchedInboxes, as the single-worker allocator
    // does with its own pushes). Nothing is missed:
    // - every message from another worker has an announcement behind it, and an inbox leaves
    //   _touched only when a look after the drain found it empty; a message that look did not
    //   see was pushed after it, and its announcement is still queued for the next receive;
    // - a message from ourselves was pushed before or after the sweep, both on this thread: one
    //   pushed before is seen by the look; one pushed after finds the inbox's flag cleared (if
    //   the sweep let it go) and lists it again;
    // - an inbox with messages stays in _touched and is reported at every receive until drained, as
    //   before (a puller that leaves messages behind is asked again);
    // - parking: the idle look (WorkProbe) finds work when an announcement queue is not empty or
    //   a touched, allocated inbox holds messages (our own pushes are on _touched already, made
    //   on this thread before it looks). A sender appends its announcement before its
    //   fence and its look at the doorbell (FenceThenRing), as it appends the message, so the
    //   doorbell's Dekker pair covers the announcement exactly as it covered the message.
    // A push costs one more enqueue of a reference (no allocation once the queue's segment has
    // room); a receive costs the peers' announcement queues and the touched inboxes, not every
    // channel allocated.
    private readonly SpscQueue<ProcessInbox>[] _announced;   // _announced[s]: from worker s
    private readonly List<ITouchedInbox> _touched = new();
    private readonly HashSet<int> _allocatedIds = new();
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
        _announced = new SpscQueue<ProcessInbox>[fabric.Peers];
        for (int s = 0; s < _announced.Length; s++)
        {
            _announced[s] = fabric.Announcements[(s * fabric.Peers) + index];
        }

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

    /// <summary>What the idle look sees: an announcement not yet taken, or a touched, allocated inbox holding messages (or a failure).</summary>
    internal bool HasWork => AnyInboxHasData();

    /// <inheritdoc />
    protected override (IPush<T>[] Senders, IPull<T> Receiver) AllocateChannel<T>(int channelId, IRecycler<T>? recycler)
        where T : class => AllocateDirect<T>(channelId, recycler);

    /// <summary><see cref="Allocator.Allocate{T}(int)"/> of this allocator, called directly (no generic virtual dispatch).</summary>
    internal (IPush<T>[] Senders, IPull<T> Receiver) AllocateDirect<T>(int channelId, IRecycler<T>? recycler = null)
        where T : class
    {
        CheckChannelId(channelId);
        if (!_allocatedIds.Add(channelId))
        {
            throw new InvalidOperationException($"channel {channelId} is already allocated on worker {_index}; each id is allocated once.");
        }

        var channel = _fabric.GetOrCreate<T>(channelId);
        int peers = Peers;
        var senders = new IPush<T>[peers];
        for (int target = 0; target < peers; target++)
        {
            int pair = (_index * peers) + target;
            var ownTouched = target == _index ? _touched : null;
            senders[target] = new ProcessPusher<T>(channel, pair, _fabric.Announcements[pair], ownTouched, _bells[target], _pushedTo, target, _counters, recycler);
        }

        // Messages that arrived before this allocation were announced already, and their
        // inbox stays touched while it holds them: from now on a receive reports it.
        channel.Inboxes[_index].Allocated = true;
        return (senders, new ProcessPuller<T>(channel, _index, _counters));
    }

    /// <inheritdoc />
    internal override int HeldChannels => _allocatedIds.Count;

    /// <summary>Channels the process's registry holds (allocated by some worker, not yet deallocated by all).</summary>
    internal int FabricChannels => _fabric.ChannelCount;

    /// <inheritdoc />
    public override void Deallocate(int channelId)
    {
        if (_allocatedIds.Remove(channelId))
        {
            _fabric.Release(channelId, _index);
        }
    }

    /// <inheritdoc />
    public override void Receive()
    {
        _fabric.Group.ThrowIfFailed(_index);
        for (int s = 0; s < _announced.Length; s++)
        {
            if (s == _index)
            {
                continue;   // our own pushes list their inbox directly
            }

            var announced = _announced[s];
            while (announced.TryDequeue(out var inbox))
            {
                if (!inbox.Touched)
                {
                    inbox.Touched = true;
                    _touched.Add(inbox);
                }
            }
        }

        TouchedInboxes.Sweep(_touched, Events);
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
        _ = SpinThenPark.Await(Doorbell, _spinIterations, timeout, new WorkProbe(this), OwnsCore);
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
        for (int s = 0; s < _announced.Length; s++)
        {
            if (s != _index && !_announced[s].IsEmpty)
            {
                return true;
            }
        }

        foreach (var inbox in _touched)
        {
            if (inbox.Reportable && inbox.HasData)
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
