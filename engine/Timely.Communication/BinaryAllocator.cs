using System.Runtime.CompilerServices;
using Timely.Bytes;
using Timely.Communication.Binary;
using Timely.Communication.Diagnostics;
using Timely.Communication.Logging;
using Timely.Communication.Wakeup;
using Timely.Transport.Shm.Ring;

namespace Timely.Communication;

/// <summary>
/// The allocator of one worker whose messages travel as bytes (timely's zero-copy
/// allocators): <c>ProcessBinary</c> in one process, and the shared-memory and TCP
/// transports between processes. Pushers serialize in place into SPSC byte rings; a
/// receive drains the rings (at most <see cref="ReceiveBytesPerRing"/> from each ring of
/// compact records), checks each header and decodes into the channel's inbox.
/// A ring that joins this worker and one other carries <see cref="CompactRecord"/>s (no
/// 48-byte <see cref="MessageHeader"/>: source and target are the ring's ends); a ring to or
/// from a TCP network thread carries timely's header, which is the wire format.
/// </summary>
/// <remarks>
/// Owned by one worker thread. A push claims ring space and serializes into it; when the
/// ring is full the message goes to the writer's overflow queue (never blocking: two
/// workers sending to each other must not deadlock) and drains on <see cref="Release"/>,
/// <see cref="Receive"/> or a push; <see cref="Release"/> bounds it (WaitWhileOverflowing).
/// Messages for channels this worker has not allocated are copied aside and delivered when it
/// does.
/// </remarks>
public sealed class BinaryAllocator : Allocator
{
    /// <summary>
    /// Spilled messages a writer may hold before <see cref="Release"/> waits for its reader:
    /// each holds a buffer from <see cref="BufferPool.Shared"/>, which keeps
    /// <see cref="BufferPool.DefaultMaxArraysPerBucket"/> per size, so a deeper queue allocates
    /// a fresh array per message.
    /// </summary>
    internal const int OverflowMessagesBound = BufferPool.DefaultMaxArraysPerBucket / 2;

    /// <summary>
    /// Bytes of records one drain decodes from one ring of <see cref="CompactRecord"/>s before it
    /// leaves the rest there for the next (the message that crosses the bound is taken whole).
    /// </summary>
    /// <remarks>
    /// A receive decodes into messages the worker's operators pull only after it returns, so an
    /// unbounded drain holds every message the ring held at once: in <c>exchange 100000 1000</c>
    /// over shm x2 the peer's first two rounds arrive back to back and one receive decoded about
    /// 98 batches of 8 KiB into the worker's message pool, which kept them all for good. Left in
    /// the ring they cost nothing more (its pages are resident already), and the messages one
    /// receive decodes, once pulled, carry the next receive's. The bound is the shared-memory ring's
    /// working set (<see cref="Fabrics.ShmFabric.RingWorkingSet"/>): a reader that keeps up with a writer staying in it takes
    /// everything in one drain, as before. Nothing waits on the rest: a ring with records unread
    /// is work (<see cref="HasWork"/>), so the worker steps again instead of parking, and
    /// <see cref="WaitWhileOverflowing"/> drains in a loop. A relayed ring (TCP's network
    /// thread) and a direct socket are drained whole, as before.
    /// </remarks>
    internal const int ReceiveBytesPerRing = Fabrics.ShmFabric.RingWorkingSet;

    /// <summary>How often a worker with messages in an overflow queue looks for room (readers do not ring writers).</summary>
    private static readonly TimeSpan RoomPoll = TimeSpan.FromMilliseconds(1);

    private readonly int _index;
    private readonly int _peers;
    private readonly int _spinIterations;
    private readonly BinaryLinks _links;
    private readonly InboundRing[] _readers;
    private readonly IDirectReceive? _direct;
    private long _directFrames;
    private readonly RingWriter[] _distinctWriters;
    private readonly bool[] _dirty;
    private readonly IWakeTarget[] _writerBells;
    private readonly bool[] _movedWriters;
    private readonly Dictionary<int, BinaryInbox> _inboxes = new();
    private readonly InboxActivity _activity = new();
    private readonly Dictionary<int, List<PendingMessage>> _pending = new();
    private readonly IdRanges _deallocated = new();
    private readonly WorkerCounters _counters;
    private readonly IDisposable _metrics;
    private int _lastChannel = -1;
    private BinaryInbox? _lastInbox;

    // Whether some writer may hold messages in its overflow queue: set by every spill (the
    // writer's watch hears each message that stays queued), cleared by a FlushWriters that
    // leaves every queue empty. A queue is never non-empty while this is false, so a receive or
    // release with it false has nothing to move and skips the pass over the writers (about 3 ns
    // of a 14 ns empty receive with two rings, in-process harness; see FlushWriters).
    private bool _mayOverflow;

    internal BinaryAllocator(int index, int peers, BinaryLinks links, int spinIterations)
    {
        _index = index;
        _peers = peers;
        _links = links;
        _readers = links.Readers;
        _direct = links.Direct;
        _spinIterations = spinIterations;
        _distinctWriters = links.WriterByTarget.Distinct().ToArray();
        _writerBells = _distinctWriters.Select(w => links.BellByTarget[Array.IndexOf(links.WriterByTarget, w)]).ToArray();
        _movedWriters = new bool[_distinctWriters.Length];
        _dirty = new bool[peers];
        _counters = new WorkerCounters(index);
        _metrics = CommunicationMetrics.Register(_counters, links.OwnBell);
        foreach (var writer in _distinctWriters)
        {
            int target = Array.IndexOf(links.WriterByTarget, writer);
            writer.Watch = new LimitWatch(this, target, links.CompactByTarget[target]);
        }
    }

    /// <inheritdoc />
    public override long OverflowBytes
    {
        get
        {
            long bytes = 0;
            foreach (var writer in _distinctWriters)
            {
                if (writer.OverflowBytes != 0 && !AllTargetsFinished(writer))
                {
                    bytes += writer.OverflowBytes;
                }
            }

            return bytes;
        }
    }

    /// <inheritdoc />
    public override int Index => _index;

    /// <inheritdoc />
    public override int Peers => _peers;

    /// <summary>This worker's communication counters.</summary>
    public WorkerCounters Counters => _counters;

    /// <inheritdoc />
    protected override (IPush<T>[] Senders, IPull<T> Receiver) AllocateChannel<T>(int channelId, IRecycler<T>? recycler)
        where T : class => AllocateDirect(channelId, recycler);

    /// <summary><see cref="Allocator.Allocate{T}(int, IRecycler{T})"/> of this allocator, called directly (no generic virtual dispatch).</summary>
    internal (IPush<T>[] Senders, IPull<T> Receiver) AllocateDirect<T>(int channelId, IRecycler<T>? recycler)
        where T : class
    {
        CheckChannelId(channelId);
        if (_inboxes.ContainsKey(channelId))
        {
            throw new InvalidOperationException($"channel {channelId} is already allocated on worker {_index}; each id is allocated once.");
        }

        var codec = WireCodec<T>.Default;
        var senders = new IPush<T>[_peers];
        for (int target = 0; target < _peers; target++)
        {
            senders[target] = new BinaryPusher<T>(codec, _links.WriterByTarget[target], _links.BellByTarget[target], _dirty, _counters, channelId, _index, target, this, _links.CompactByTarget[target]);
        }

        var inbox = new BinaryInbox<T>(codec, channelId, _peers, _counters, _activity, _links.SourceName, recycler);
        _inboxes.Add(channelId, inbox);
        _lastChannel = -1;

        if (_pending.Remove(channelId, out var early))
        {
            foreach (var message in early)
            {
                var bytes = message.Buffer.AsSpan(0, message.Length);
                if (message.Source == InboundRing.Relayed)
                {
                    MessageHeader.TryRead(bytes, out var header);
                    inbox.Deliver(header, bytes[MessageHeader.Size..]);
                }
                else
                {
                    DeliverCompact(inbox, channelId, message.Source, message.SeqTag, bytes, message.RecordBytes);
                }

                BufferPool.Shared.Return(message.Buffer);
            }
        }

        return (senders, inbox);
    }

    /// <inheritdoc />
    internal override int HeldChannels => _inboxes.Count;

    /// <summary>Channels with messages kept for a later allocation.</summary>
    internal int PendingChannelCount => _pending.Count;

    /// <summary>The connection this worker reads itself while it is awake (TCP, one worker, one peer); null: none.</summary>
    internal IDirectReceive? Direct => _direct;

    /// <summary>Frames this worker took from its socket itself (<see cref="Direct"/>), not through a ring.</summary>
    internal long DirectFrames => _directFrames;

    /// <summary>Times this worker slept on its doorbell.</summary>
    internal long Parks => _links.OwnBell.Parks;

    /// <summary>Wake-ups senders sent this worker's doorbell.</summary>
    internal long Wakes => _links.OwnBell.Wakes;

    /// <summary>Messages that arrived for a deallocated channel and were discarded.</summary>
    internal long DiscardedMessages { get; private set; }

    /// <summary>The deallocated ids, as ranges (a late message for one is discarded).</summary>
    internal IdRanges Deallocated => _deallocated;

    /// <inheritdoc />
    public override void Deallocate(int channelId)
    {
        if (!_inboxes.Remove(channelId, out var inbox))
        {
            return;
        }

        _activity.Forget(inbox);
        _deallocated.Add(channelId);
        _lastChannel = -1;
        _lastInbox = null;
    }

    /// <inheritdoc />
    public override void Receive()
    {
        _links.Status.ThrowIfFailed(_index);
        if (_mayOverflow)
        {
            FlushWriters();
        }

        RingDirtyTargets();   // what Done() left for a TCP path goes out now, before we look for replies
        DrainOwnRings();
        RecordEvents();
    }

    /// <summary>One event per channel decoded into since the last receive (not one look per channel allocated).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void RecordEvents()
    {
        if (_activity.Take(out var more) is not { } first)
        {
            return;
        }

        RecordEvent(first);
        if (more.Count != 0)
        {
            RecordMoreEvents(more);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void RecordMoreEvents(List<BinaryInbox> more)
    {
        for (int i = 0; i < more.Count; i++)
        {
            RecordEvent(more[i]);
        }

        more.Clear();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void RecordEvent(BinaryInbox inbox)
    {
        inbox.ClearTouched();
        int channel = inbox.Channel;

        // A worker that takes the events at each step finds the list empty; one that does
        // not (a loop over one channel) finds this channel last: neither needs the search.
        var events = Events;
        int count = events.Count;
        if (count == 0 || (events[count - 1] != channel && !events.Contains(channel)))
        {
            events.Add(channel);
        }
    }

    /// <inheritdoc />
    public override void Release()
    {
        if (_mayOverflow && !FlushWriters())
        {
            WaitWhileOverflowing();
        }

        RingDirtyTargets();
    }

    /// <summary>Wakes (or, for a TCP path, sends to) every target pushed to since its last flush.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void RingDirtyTargets()
    {
        // The look inline, the fence and the bells out of line: on shared memory each flush is a
        // Done's, which clears its own flag, so a receive and a release find none set, and the
        // look as a call of its own was 38 instructions where the loop is 5 a target
        // (callgrind, Native AOT).
        bool[] dirty = _dirty;
        bool any = false;
        for (int t = 0; t < dirty.Length; t++)
        {
            any |= dirty[t];
        }

        if (any)
        {
            RingFlaggedTargets();
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void RingFlaggedTargets() => FenceThenRing.Flagged(_dirty, new WakeTargetList(_links.BellByTarget));

    /// <inheritdoc />
    public override void AwaitEvents(TimeSpan? timeout)
    {
        _links.Status.ThrowIfFailed(_index);
        if (timeout == TimeSpan.Zero)
        {
            return;
        }

        Release();
        _ = _direct is null
            ? SpinThenPark.Await(_links.OwnBell, _spinIterations, timeout, new WorkProbe(this), OwnsCore)
            : SpinThenPark.AwaitSystemCallLooks(_links.OwnBell, _spinIterations, timeout, new WorkProbe(this));
        _links.Status.ThrowIfFailed(_index);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            // The receive thread reads from here on: a worker waiting for room below does not.
            _direct?.Surrender();
            DeliverQueuedOnExit();
            _metrics.Dispose();
            foreach (var writer in _distinctWriters)
            {
                writer.Dispose();
            }

            foreach (var (reader, _) in _links.Readers)
            {
                reader.Dispose();
            }

            foreach (var list in _pending.Values)
            {
                foreach (var message in list)
                {
                    BufferPool.Shared.Return(message.Buffer);
                }
            }

            _pending.Clear();
        }

        base.Dispose(disposing);
    }

    /// <summary>
    /// A worker that returns may still have messages in overflow queues (its rings were
    /// full). They are delivered before the worker lets go, as the receivers make room; what
    /// is queued for a worker that has itself finished, or after a failure, is dropped,
    /// since nobody will read it.
    /// </summary>
    private void DeliverQueuedOnExit()
    {
        while (true)
        {
            Release();
            bool waiting = false;
            foreach (var writer in _distinctWriters)
            {
                if (writer.OverflowCount > 0 && !AllTargetsFinished(writer))
                {
                    waiting = true;
                }
            }

            if (!waiting || _links.Status.HasFailed)
            {
                return;
            }

            _links.OwnBell.Park(RoomPoll, static _ => false, 0);
        }
    }

    /// <summary>
    /// Backpressure: while some writer's overflow queue holds more than its ring's capacity or
    /// more than <see cref="OverflowMessagesBound"/> messages (and someone still reads it),
    /// flush, ring the readers and keep draining this worker's own rings, then wait. Without it a sender that outruns its reader (a socket, say) grows the
    /// queue without bound. Draining our own rings while we wait is what keeps this from
    /// deadlocking: a peer that waits on us the same way gets its ring emptied, and a network
    /// thread that waits for room in a ring to us gets it. What is drained lands in the
    /// channels' inboxes and shows up as events at the next <see cref="Receive"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void WaitWhileOverflowing()
    {
        var spinner = default(SpinWait);
        while (OverflowingWriter() is { } writer)
        {
            _links.Status.ThrowIfFailed(_index);
            DrainOwnRings();
            FenceThenRing.One(_writerBells[Array.IndexOf(_distinctWriters, writer)]);

            // Readers do not ring writers when they make room: once the spin is spent, poll every millisecond.
            SpinThenPark.SpinOrPark(ref spinner, _links.OwnBell, _spinIterations, RoomPoll, new WorkProbe(this));

            FlushWriters();
        }
    }

    /// <summary>What an idle look of <see cref="AwaitEvents"/> finds now: records in a ring, decoded messages not pulled, a failure or an unpark.</summary>
    internal bool HasWork => HasWorkOrFailure();

    /// <summary>Whether every writer's overflow is within the bound <see cref="Release"/> keeps (or its readers are gone).</summary>
    internal bool IsOverflowBounded => OverflowingWriter() is null;

    private RingWriter? OverflowingWriter()
    {
        foreach (var writer in _distinctWriters)
        {
            if ((writer.OverflowBytes > writer.Ring.Capacity || writer.OverflowCount > OverflowMessagesBound) && !AllTargetsFinished(writer))
            {
                return writer;
            }
        }

        return null;
    }

    private void DrainOwnRings()
    {
        // Whether this worker holds its connection is read before the rings are drained: the
        // receive thread writes the ring only while it holds it, so this drain sees every frame
        // it wrote before giving the connection back. Read after the drain, a give-back in
        // between would let a frame from the socket overtake the ring's last ones (seen as a
        // sequence error in exchange 100000 20 over tcp x2).
        bool direct = _direct is { } d && d.Request();
        foreach (var ring in _readers)
        {
            // Each kind of ring drained in a method of its own: inlined here, the two loops and
            // the pending path made one frame of about 0x200 bytes that every receive zeroed
            // (about 45 instructions) and kept the spans in memory (callgrind, Native AOT).
            if (ring.IsCompact)
            {
                // A ring with nothing unread costs one look at its next header word and no call:
                // every drain ends with the ring's records released and no reassembly buffer
                // handed out, so there is nothing to release either.
                if (ring.Reader.HasUnread)
                {
                    DrainCompact(ring.Reader, ring.Source);
                }
            }
            else
            {
                DrainRelayed(ring.Reader);
            }
        }

        // After the rings: what the receive thread put there before it gave the socket back
        // came before what the socket holds now.
        if (direct)
        {
            DrainDirect(_direct!);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void DrainCompact(RingReader reader, int source)
    {
        int budget = ReceiveBytesPerRing;
        while (reader.TryRead(out int type, out ReadOnlySpan<byte> message))
        {
            DispatchCompact(source, type, message);
            if ((budget -= message.Length) <= 0)
            {
                break;   // the rest stays in the ring, unread: HasUnread keeps the worker from parking
            }
        }

        reader.ReleaseRead();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void DrainRelayed(RingReader reader)
    {
        while (reader.TryRead(out int type, out ReadOnlySpan<byte> message))
        {
            Dispatch(type, message);
        }

        reader.ReleaseRead();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void DrainDirect(IDirectReceive direct)
    {
        bool received = false;
        while (direct.TryTake(ref received, out ReadOnlySpan<byte> frame))
        {
            _directFrames++;
            Dispatch(0, frame);
        }
    }

    private bool AllTargetsFinished(RingWriter writer)
    {
        for (int t = 0; t < _peers; t++)
        {
            if (ReferenceEquals(_links.WriterByTarget[t], writer) && !_links.Status.HasFinished(t))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Moves overflow into the rings; true when nothing is left queued. A reader that parked
    /// while the ring was full would not otherwise hear of what moved (the push that rang its
    /// bell happened while the message went to the queue), so every writer that made progress
    /// rings its reader, after one fence.
    /// </summary>
    private bool FlushWriters()
    {
        bool empty = true;
        bool moved = false;
        long spills = 0;
        for (int i = 0; i < _distinctWriters.Length; i++)
        {
            var writer = _distinctWriters[i];
            long before = writer.OverflowBytes;
            if (before != 0)
            {
                empty &= writer.Flush();
                if (writer.OverflowBytes != before)
                {
                    _movedWriters[i] = true;
                    moved = true;
                }
            }

            spills += writer.OverflowedMessages;
        }

        _counters.SpillsRef = spills;
        _mayOverflow = !empty;
        if (moved)
        {
            RingMovedWriters();
        }

        return empty;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void RingMovedWriters() => FenceThenRing.Flagged(_movedWriters, new WakeTargetList(_writerBells));

    private bool HasWorkOrFailure()
    {
        foreach (var (reader, _) in _readers)
        {
            if (reader.HasUnread)
            {
                return true;
            }
        }

        return _activity.Queued > 0 || _links.Status.HasFailed || UnparkRequested || (_direct is { } direct && direct.Poll());
    }

    /// <inheritdoc />
    protected override void RingOwnDoorbell() => FenceThenRing.One(_links.OwnBell);

    private void Dispatch(int type, ReadOnlySpan<byte> message)
    {
        if (type != 0 || !MessageHeader.TryRead(message, out var header))
        {
            throw new WireFormatException($"worker {_index}: a ring record of type {type} and {message.Length} bytes is not a message (expected type 0 and a {MessageHeader.Size}-byte header).");
        }

        if (header.RequiredBytes != message.Length)
        {
            throw new WireFormatException($"worker {_index}: header says {header.Length} payload bytes for channel {header.Channel}, the record holds {message.Length - MessageHeader.Size}.");
        }

        if (_index < header.TargetLower || _index >= header.TargetUpper)
        {
            throw new WireFormatException($"worker {_index}: received a message for workers {header.TargetLower}..{header.TargetUpper - 1} on channel {header.Channel}.");
        }

        CommunicationLogger?.Log(CommunicationEvent.Of(new MessageEvent(false, header)));
        if (FindInbox(header.Channel) is { } inbox)
        {
            inbox.Deliver(header, message[MessageHeader.Size..]);
            return;
        }

        KeepPending(header.Channel, new PendingMessage(Copy(message), message.Length, InboundRing.Relayed, 0, 0));
    }

    /// <summary>
    /// A <see cref="CompactRecord"/> from <paramref name="source"/>, the only worker that writes
    /// the ring it came from. The receive is logged after the inbox checked the sequence tag, so
    /// the logged header carries the true seqno (for a message that waits for its channel to be
    /// allocated, when it is delivered).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void DispatchCompact(int source, int type, ReadOnlySpan<byte> message)
    {
        // An escaped channel (the id in the payload) out of line: the escape's `ref` to the
        // payload, inlined, made the drain keep the span in its frame, copy it there and zero
        // the frame on every receive (callgrind, Native AOT).
        int channel = type & CompactRecord.EscapedChannel;
        if (channel == CompactRecord.EscapedChannel)
        {
            DispatchEscaped(source, type, message);
            return;
        }

        DispatchToChannel(channel, source, type, message, message.Length);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void DispatchEscaped(int source, int type, ReadOnlySpan<byte> message)
    {
        int recordBytes = message.Length;
        int channel = CompactRecord.ReadChannel(type, ref message, _index, source);
        DispatchToChannel(channel, source, type, message, recordBytes);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void DispatchToChannel(int channel, int source, int type, ReadOnlySpan<byte> payload, int recordBytes)
    {
        if (FindInbox(channel) is { } inbox)
        {
            DeliverCompact(inbox, channel, source, CompactRecord.SeqTagOf(type), payload, recordBytes);
            return;
        }

        KeepPendingCompact(channel, source, type, payload, recordBytes);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void KeepPendingCompact(int channel, int source, int type, ReadOnlySpan<byte> message, int recordBytes) =>
        KeepPending(channel, new PendingMessage(Copy(message), message.Length, source, CompactRecord.SeqTagOf(type), recordBytes));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void DeliverCompact(BinaryInbox inbox, int channel, int source, int seqTag, ReadOnlySpan<byte> payload, int recordBytes)
    {
        long seqno = inbox.DeliverCompact(source, seqTag, payload, recordBytes);
        if (CommunicationLogger is { } logger)
        {
            LogReceive(logger, new MessageHeader(channel, source, _index, _index + 1, payload.Length, seqno));
        }
    }

    // Out of line: the event's struct, inlined into the drain, was zeroed on every message
    // whether a logger was set or not (callgrind, Native AOT).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void LogReceive(Timely.Logging.Logger<CommunicationEvent> logger, MessageHeader header) =>
        logger.Log(CommunicationEvent.Of(new MessageEvent(false, header)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private BinaryInbox? FindInbox(int channel)
    {
        if (channel == _lastChannel)
        {
            return _lastInbox;
        }

        if (_inboxes.TryGetValue(channel, out var inbox))
        {
            _lastChannel = channel;
            _lastInbox = inbox;
        }

        return inbox;
    }

    private static byte[] Copy(ReadOnlySpan<byte> message)
    {
        byte[] copy = BufferPool.Shared.Rent(message.Length);
        message.CopyTo(copy);
        return copy;
    }

    // Not allocated here yet: keep a copy until it is. Deallocated already: its dataflow
    // completed here, so nobody will pull it; drop the copy.
    private void KeepPending(int channel, PendingMessage message)
    {
        if (_deallocated.Contains(channel))
        {
            BufferPool.Shared.Return(message.Buffer);
            DiscardedMessages++;
            return;
        }

        if (!_pending.TryGetValue(channel, out var list))
        {
            list = new List<PendingMessage>();
            _pending.Add(channel, list);
        }

        list.Add(message);
    }

    // Source is InboundRing.Relayed for a copy of a whole record with timely's header; else the
    // compact record's sender, its sequence tag and the bytes the record held (escape included).
    private readonly record struct PendingMessage(byte[] Buffer, int Length, int Source, int SeqTag, int RecordBytes);

    /// <summary>What this worker waits for: records in its rings, data in an inbox, a failure, an unpark.</summary>
    private readonly struct WorkProbe(BinaryAllocator owner) : IWorkProbe
    {
        public bool HasWork() => owner.HasWorkOrFailure();

        /// <summary>
        /// With messages still in an overflow queue, the reader making room does not ring us:
        /// poll for room at least every <see cref="RoomPoll"/> rather than sleeping past it.
        /// </summary>
        public TimeSpan? BeforePark(TimeSpan? timeout)
        {
            owner._direct?.BeforePark();   // the receive thread reads, and rings us, while we sleep
            return !owner._mayOverflow || owner.FlushWriters() || timeout < RoomPoll ? timeout : RoomPoll;
        }
    }

    /// <summary>
    /// Enforces <see cref="Allocator.OverflowLimitBytes"/> where a message stays in a writer's
    /// overflow queue: past the limit the worker fails with the message's channel and target.
    /// </summary>
    private sealed class LimitWatch(BinaryAllocator owner, int target, bool compact) : IOverflowWatch
    {
        public void Spilled(int type, ReadOnlySpan<byte> message, long processBytes)
        {
            owner._mayOverflow = true;
            long limit = owner.OverflowLimitBytes;
            if (processBytes <= limit)
            {
                return;
            }

            int channel = -1;
            int to = target;
            if (compact)
            {
                channel = CompactRecord.ReadChannel(type, ref message, target, owner._index);
            }
            else if (MessageHeader.TryRead(message, out var header))
            {
                channel = header.Channel;
                to = header.TargetLower;
            }

            throw new InvalidOperationException(
                $"worker {owner._index}: channel {channel} to worker {to}: this process's overflow queues hold {processBytes} bytes, above the hard limit of {limit} bytes (Config.OverflowLimitBytes); an operator sends on this channel faster than worker {to} reads, without bound.");
        }
    }
}
