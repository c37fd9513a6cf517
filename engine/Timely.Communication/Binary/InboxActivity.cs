namespace Timely.Communication.Binary;

/// <summary>
/// What the inboxes of one <see cref="BinaryAllocator"/> hold between its receives, kept by the
/// inboxes as they decode and are pulled, so that neither a receive nor an idle look has to pass
/// over every channel: the channels decoded into since the last receive recorded its events,
/// and how many decoded messages wait to be pulled over all of them.
/// </summary>
/// <remarks>
/// Owned by the allocator's worker thread, as its inboxes are: plain fields. A channel is in
/// <see cref="Touched"/> at most once (its inbox keeps its own flag until
/// <see cref="BinaryInbox.ClearTouched"/>), so a burst of messages on one channel costs one
/// entry, and a receive costs one step per channel that had traffic, not one per channel
/// allocated.
/// </remarks>
internal sealed class InboxActivity
{
    /// <summary>The inboxes decoded into since the allocator last recorded events, each once, in the order of their first message.</summary>
    public List<BinaryInbox> Touched { get; } = [];

    /// <summary>Messages decoded into any inbox and not yet pulled.</summary>
    public int Queued { get; set; }
}
