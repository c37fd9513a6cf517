using System.Runtime.CompilerServices;
using Timely.Communication.Diagnostics;
using Timely.Communication.Wakeup;

namespace Timely.Communication.InProcess;

/// <summary>
/// Sends from one worker to one target worker of the process. Owned by the sending
/// worker's thread: it is the producer of the forward queue, of the announcement queue towards
/// the target, and the consumer of the return queue. A push to the sending worker itself lists
/// the inbox on that worker's own list of inboxes to look at instead (same thread: no
/// announcement, no fence, no doorbell).
/// </summary>
/// <remarks>
/// Design: a push hands back through its slot the oldest instance the receiver has returned
/// (timely's ownership rule), and, with a recycler (the worker's store of empty messages, owned
/// by this same thread), gives it every other instance already waiting in the return queue. One
/// per push alone let the queue keep a backlog for good: a push takes at most one, and as many
/// come back per round as go out, so whatever piled up while the receiver lagged (rounds 0 and
/// 1 of <c>exchange 100000 1000 -w 2</c>, sent back to back, and every round a peer fell
/// behind) sat in the queue, usable only by later pushes to that same target, while the store
/// ran dry and made new arrays: 98 more 8 KiB batches in 1000 rounds on the two workers (0.8 MB,
/// never collected; 496 made in all where the first two rounds need 398). Drained at the push that finds one, the queue holds nothing the sender could refill.
/// The look that finds it empty is a second read of the queue's tail, whose line the first take
/// has usually just loaded, so a push that finds one instance costs a call and a load more
/// (callgrind of <c>pingpong 12000 1 -w 2</c>: within the run-to-run spread); a push that finds
/// none costs nothing more. Without a recycler (progress and other channels of plain values) the
/// queue keeps what the slot does not take, as before.
/// </remarks>
internal sealed class ProcessPusher<T> : IPush<T>
    where T : class
{
    private readonly SpscQueue<T> _forward;
    private readonly SpscQueue<T> _returns;
    private readonly SpscQueue<ProcessInbox> _announce;
    private readonly List<ITouchedInbox>? _ownTouched;
    private readonly ProcessInbox _inbox;
    private readonly Doorbell _target;
    private readonly bool[] _pushedTo;
    private readonly int _targetIndex;
    private readonly WorkerCounters _counters;
    private readonly IRecycler<T>? _recycler;

    // ownTouched: the sending worker's own list of inboxes to look at when the target is that worker itself, else null;
    // recycler: where returned instances beyond the one a push hands back go (the sending worker's store), or null.
    public ProcessPusher(ProcessChannel<T> channel, int pair, SpscQueue<ProcessInbox> announce, List<ITouchedInbox>? ownTouched, Doorbell target, bool[] pushedTo, int targetIndex, WorkerCounters counters, IRecycler<T>? recycler = null)
    {
        _recycler = recycler;
        _ownTouched = ownTouched;
        _forward = channel.Forward[pair];
        _returns = channel.Returns[pair];
        _announce = announce;
        _inbox = channel.Inboxes[targetIndex];
        _target = target;
        _pushedTo = pushedTo;
        _targetIndex = targetIndex;
        _counters = counters;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Push(ref T? item)
    {
        if (item is null)
        {
            Done();
            return;
        }

        _forward.Enqueue(item);
        _counters.MessagesSentRef++;
        if (_ownTouched is { } own)
        {
            // To ourselves: the receiver is this thread, so the inbox goes straight on its list
            // (its Touched flag is ours to read and write) and nobody sleeps who needs a ring.
            if (!_inbox.Touched)
            {
                _inbox.Touched = true;
                own.Add(_inbox);
            }
        }
        else
        {
            // The message first, then its announcement: a receiver that takes the announcement
            // (an acquire of its tail) sees the message.
            _announce.Enqueue(_inbox);
            _pushedTo[_targetIndex] = true;
            _target.RingIfSleeping();
        }

        if (_returns.TryDequeue(out var back))
        {
            item = back;
            if (_recycler is not null)
            {
                DrainReturns(_recycler);
            }
        }
        else
        {
            item = null;
        }
    }

    /// <summary>Gives every instance still waiting in the return queue to <paramref name="recycler"/>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void DrainReturns(IRecycler<T> recycler)
    {
        while (_returns.TryDequeue(out var extra))
        {
            recycler.Return(extra);
        }
    }

    public void Done()
    {
        if (_ownTouched is null)
        {
            _pushedTo[_targetIndex] = false;
            FenceThenRing.One(_target);
        }
    }
}
