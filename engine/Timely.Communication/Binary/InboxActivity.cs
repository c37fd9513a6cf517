namespace Timely.Communication.Binary;

/// <summary>
/// What the inboxes of one <see cref="BinaryAllocator"/> hold between its receives, kept by the
/// inboxes as they decode and are pulled, so that neither a receive nor an idle look has to pass
/// over every channel: the channels decoded into since the last receive recorded its events,
/// and how many decoded messages wait to be pulled over all of them.
/// </summary>
/// <remarks>
/// Owned by the allocator's worker thread, as its inboxes are: plain fields. A channel is touched
/// at most once between two recordings (its inbox keeps its own flag until
/// <see cref="BinaryInbox.ClearTouched"/>), so a burst of messages on one channel costs one
/// entry, and a receive costs one step per channel that had traffic, not one per channel
/// allocated. The first inbox touched is a field and only the later ones go to a list: the
/// common hop decodes into one channel, and there the list's add, enumeration and clear were
/// about 190 instructions of a receive's 1,000 (a covariant array store, an enumerator and an
/// <c>Array.Clear</c>; callgrind of a one-thread round trip over a shm allocator pair, Native AOT).
/// </remarks>
internal sealed class InboxActivity
{
    private readonly List<BinaryInbox> _more = [];

    // The first inbox touched since the last take while _firstSet; after a take it stays as it
    // was (the last first inbox), so that the common hop, which touches the same inbox at every
    // receive, stores no reference: the store was a write barrier call, about 13 instructions a
    // receive (callgrind, Native AOT). Forget drops it when its channel is deallocated.
    private BinaryInbox? _first;
    private bool _firstSet;

    /// <summary>Messages decoded into any inbox and not yet pulled.</summary>
    public int Queued { get; set; }

    /// <summary>Records <paramref name="inbox"/> as touched (its caller touches each inbox once between two takes).</summary>
    public void Touch(BinaryInbox inbox)
    {
        if (_firstSet)
        {
            _more.Add(inbox);
            return;
        }

        _firstSet = true;
        if (!ReferenceEquals(_first, inbox))
        {
            _first = inbox;
        }
    }

    /// <summary>
    /// The first inbox touched since the last take, or null; <paramref name="more"/> the later
    /// ones in the order of their first message (empty when there were none), valid until the
    /// next <see cref="Touch"/>. The caller clears <paramref name="more"/> once it has read it.
    /// </summary>
    public BinaryInbox? Take(out List<BinaryInbox> more)
    {
        more = _more;
        if (!_firstSet)
        {
            return null;
        }

        _firstSet = false;
        return _first;
    }

    /// <summary>Lets go of <paramref name="inbox"/> (its channel was deallocated) if it is only kept from an earlier take.</summary>
    public void Forget(BinaryInbox inbox)
    {
        if (!_firstSet && ReferenceEquals(_first, inbox))
        {
            _first = null;
        }
    }
}
