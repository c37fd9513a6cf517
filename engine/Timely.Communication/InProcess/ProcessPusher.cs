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

    // ownTouched: the sending worker's own list of inboxes to look at when the target is that worker itself, else null.
    public ProcessPusher(ProcessChannel<T> channel, int pair, SpscQueue<ProcessInbox> announce, List<ITouchedInbox>? ownTouched, Doorbell target, bool[] pushedTo, int targetIndex, WorkerCounters counters)
    {
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

        item = _returns.TryDequeue(out var back) ? back : null;
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
