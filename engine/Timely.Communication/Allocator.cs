using Timely.Bytes;
using Timely.Communication.Logging;

namespace Timely.Communication;

/// <summary>
/// A worker's handle on the communication layer: timely's <c>Allocate</c> trait and its
/// <c>Generic</c> allocator in one abstract type. One instance belongs to one worker thread
/// and is not thread-safe; the channels it hands out are the only cross-thread paths.
/// </summary>
/// <remarks>
/// Channel ids must be allocated in the same order on every worker. Data that arrives for a
/// channel id this worker has not allocated yet is kept and delivered once it is.
/// </remarks>
public abstract class Allocator : IDisposable
{
    /// <summary>This worker's index, in <c>0..Peers</c>.</summary>
    public abstract int Index { get; }

    /// <summary>Number of workers in the computation (all processes).</summary>
    public abstract int Peers { get; }

    /// <summary>
    /// Channel ids that saw activity since the list was last cleared. <see cref="Receive"/>
    /// appends to it; the worker drains it (timely's <c>events()</c>).
    /// </summary>
    public List<int> Events { get; } = new();

    /// <summary>
    /// Where this worker's allocator logs each message it sends and receives with its header
    /// (the byte allocators: <c>ProcessBinary</c>, shared memory, TCP; typed in-process channels
    /// have no header and log nothing, as in timely). Null (the default) costs one null check per message.
    /// </summary>
    public Timely.Logging.Logger<CommunicationEvent>? CommunicationLogger { get; set; }

    /// <summary>
    /// Bytes this worker's outbound overflow queues hold now (messages waiting for room in a
    /// full ring towards a worker that still reads). 0 for allocators without byte rings.
    /// </summary>
    public virtual long OverflowBytes => 0;

    /// <summary>
    /// The job's budget for this process's overflow queues (<see cref="Config.OverflowBudgetBytes"/>;
    /// <see cref="long.MaxValue"/> when none): sources wait while
    /// <see cref="Timely.Transport.Shm.Ring.OverflowAccount.Bytes"/> is above it.
    /// </summary>
    public long OverflowBudgetBytes { get; internal set; } = long.MaxValue;

    /// <summary>Bytes all overflow queues of this process hold now (<see cref="Timely.Transport.Shm.Ring.OverflowAccount.Bytes"/>), what <see cref="OverflowBudgetBytes"/> is compared with.</summary>
    public static long ProcessOverflowBytes => Timely.Transport.Shm.Ring.OverflowAccount.Bytes;

    /// <summary>
    /// Whether this worker is pinned to a core no other worker of its job is pinned to, with no
    /// TCP thread carrying messages (<see cref="Affinity.EachWorkerOwnsCore"/>): its idle wait
    /// then never yields before it parks, since no thread of the job waits for that core.
    /// </summary>
    internal bool OwnsCore { get; set; }

    /// <summary>The hard limit on this process's overflow queues (<see cref="Config.OverflowLimitBytes"/>; <see cref="long.MaxValue"/> when none).</summary>
    public long OverflowLimitBytes { get; internal set; } = long.MaxValue;

    /// <summary>The largest channel id a caller may allocate; the two above it carry the TCP transport's heartbeats and failure notices.</summary>
    public const int MaxChannelId = int.MaxValue - 2;

    /// <summary>
    /// Allocates channel <paramref name="channelId"/> (0 to <see cref="MaxChannelId"/>): one
    /// pusher per worker (index = target worker) and one puller for what the others send here.
    /// FIFO per sender, no fairness.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The id is negative or above <see cref="MaxChannelId"/>.</exception>
    /// <exception cref="InvalidOperationException">The id is already allocated on this worker.</exception>
    public (IPush<T>[] Senders, IPull<T> Receiver) Allocate<[WireEncoded] T>(int channelId)
        where T : class => Allocate<T>(channelId, null);

    /// <summary>
    /// As <see cref="Allocate{T}(int)"/>, with <paramref name="recycler"/> as where the receiving
    /// end takes the instances it decodes into and returns those its reader has finished with.
    /// Allocators that decode received bytes (<c>ProcessBinary</c>, shared memory, TCP) rent from
    /// it and return to it. The in-process allocator hands the sender's own instances across and
    /// back: a push hands back one through its slot, and gives the recycler (the sender's, on the
    /// sender's thread) any more that its receivers have returned; it never rents. The
    /// single-worker allocator ignores it.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The id is negative or above <see cref="MaxChannelId"/>.</exception>
    /// <exception cref="InvalidOperationException">The id is already allocated on this worker.</exception>
    public (IPush<T>[] Senders, IPull<T> Receiver) Allocate<[WireEncoded] T>(int channelId, IRecycler<T>? recycler)
        where T : class
    {
        // Design: not a generic virtual method. Under Native AOT the first call of one, per
        // instantiation, resolves its target through the type loader (GVMLookupForSlotSlow,
        // which builds the instantiation's dictionary at run time): 4.9% of the samples of a
        // native `timely wordcount` (perf record over 40 runs), all of it at the dataflow's first
        // channel. The allocators of this assembly are sealed, so a type test names the method
        // and the call is direct, its instantiation compiled ahead; only an allocator defined
        // elsewhere goes through the virtual AllocateChannel.
        return this switch
        {
            BinaryAllocator binary => binary.AllocateDirect(channelId, recycler),
            ProcessAllocator process => process.AllocateDirect<T>(channelId, recycler),
            ThreadAllocator thread => thread.AllocateDirect<T>(channelId),
            _ => AllocateChannel(channelId, recycler),
        };
    }

    /// <summary>
    /// What <see cref="Allocate{T}(int, IRecycler{T})"/> does for an allocator defined outside
    /// this library: allocates channel <paramref name="channelId"/> (an implementation checks the
    /// id, <see cref="CheckChannelId"/>), with <paramref name="recycler"/> for an allocator that
    /// decodes what it receives (the others ignore it).
    /// </summary>
    protected abstract (IPush<T>[] Senders, IPull<T> Receiver) AllocateChannel<[WireEncoded] T>(int channelId, IRecycler<T>? recycler)
        where T : class;

    /// <summary>
    /// Allocates a broadcast channel: one pusher that delivers to every worker (this one
    /// included), and one puller. <paramref name="clone"/> copies a value per target; when it
    /// is null the same instance goes to every worker, which is right for immutable values
    /// (numbers, strings, records) and wrong for buffers that a receiver mutates.
    /// </summary>
    public virtual (IPush<T> Sender, IPull<T> Receiver) Broadcast<[WireEncoded] T>(int channelId, Func<T, T>? clone = null)
        where T : class
    {
        var (senders, receiver) = Allocate<T>(channelId);
        return (new BroadcastPusher<T>(senders, clone), receiver);
    }

    /// <summary>
    /// Lets go of channel <paramref name="channelId"/> on this worker (timely drops a channel's
    /// puller when its dataflow completes): this worker will neither push to it nor pull from it
    /// again, so the allocator frees what it holds for it (queues, buffers, its inbox), and a
    /// message that still arrives for it is discarded, not kept for a later allocation. An id
    /// never allocated here is ignored; an id is not allocated again once deallocated. A dataflow calls this for each of its channels once it
    /// has completed on this worker, when every count of its progress is zero and no peer can
    /// send on its channels any more. The base implementation keeps everything.
    /// </summary>
    public virtual void Deallocate(int channelId)
    {
    }

    /// <summary>Channels this allocator holds: allocated and not deallocated (-1 where an allocator does not count them).</summary>
    internal virtual int HeldChannels => -1;

    /// <summary>Brings in whatever has arrived from other workers and records channel events.</summary>
    public abstract void Receive();

    /// <summary>
    /// Pushes out whatever this worker has buffered (flushes overflow, wakes peers). In the
    /// binary allocators this is also where backpressure happens: while a queue towards a slow
    /// reader holds more than its ring (or 32 messages), it waits, bringing in what arrives
    /// meanwhile (reported as events at the next <see cref="Receive"/>), so it cannot deadlock.
    /// </summary>
    public abstract void Release();

    /// <summary>
    /// Parks this worker until data may have arrived for it or <paramref name="timeout"/>
    /// passes (<c>null</c>: no limit; <see cref="TimeSpan.Zero"/>: do not park). Never
    /// sleeps past data that is already there.
    /// </summary>
    public abstract void AwaitEvents(TimeSpan? timeout);

    // Design: written by any thread (Unpark, with a full fence before the doorbell is read) and
    // cleared by the owner (ClearUnpark, before it looks for the work the unpark announced).
    // The owner's park re-checks it after announcing sleep, so an unpark either finds the owner
    // asleep and rings it, or the owner's re-check finds the flag: the doorbells' Dekker pair.
    private int _unparkRequested;

    /// <summary>
    /// Thread-safe: wakes this worker if it is parked in <see cref="AwaitEvents"/>, or makes its
    /// next park return at once (timely's <c>Thread::unpark</c>, as a <c>SyncActivator</c> uses it).
    /// Post the work first (a queue the worker drains), then call this.
    /// </summary>
    public void Unpark()
    {
        Interlocked.Exchange(ref _unparkRequested, 1);
        RingOwnDoorbell();
    }

    /// <summary>For implementations that park: whether <see cref="Unpark"/> was called since the owner last cleared it.</summary>
    protected bool UnparkRequested => Volatile.Read(ref _unparkRequested) != 0;

    /// <summary>For implementations that park: wake the owner if it sleeps (any thread, after a full fence).</summary>
    protected virtual void RingOwnDoorbell()
    {
    }

    /// <summary>
    /// Owner thread: forgets a pending <see cref="Unpark"/> before draining the work it announced
    /// (clear first, then drain: an unpark that lands after the clear makes the next park return).
    /// </summary>
    public void ClearUnpark()
    {
        if (Volatile.Read(ref _unparkRequested) != 0)
        {
            Interlocked.Exchange(ref _unparkRequested, 0);
        }
    }

    /// <summary>Releases what the allocator holds (rings, mappings, sockets).</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Override to release resources.</summary>
    protected virtual void Dispose(bool disposing)
    {
    }

    /// <summary>For implementations: rejects ids outside 0..<see cref="MaxChannelId"/>.</summary>
    protected static void CheckChannelId(int channelId)
    {
        if ((uint)channelId > MaxChannelId)
        {
            ThrowBadChannelId(channelId);
        }
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void ThrowBadChannelId(int channelId) =>
        throw new ArgumentOutOfRangeException(nameof(channelId), channelId, $"channel ids run from 0 to {MaxChannelId}; the ids above are reserved for the transports' heartbeats and failure notices.");
}
