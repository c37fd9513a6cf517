namespace Timely.Communication.InProcess;

/// <summary>
/// The receiving side of one channel at one worker of the process, as its senders name it: each
/// push puts this object on the receiver's announcement queue from that sender, so a receive
/// looks only at the inboxes something was pushed to. Created with the channel, before the
/// receiver allocates it, so a sender can announce early. Every field but <see cref="Id"/> is
/// the receiving worker's alone.
/// </summary>
internal abstract class ProcessInbox : ITouchedInbox
{
    protected ProcessInbox(int id)
    {
        Id = id;
    }

    /// <summary>The channel's id.</summary>
    public int Id { get; }

    /// <summary>Receiver: whether this inbox is in its allocator's list of inboxes to look at.</summary>
    public bool Touched { get; set; }

    /// <summary>Receiver: whether the receiving worker has allocated the channel (only then is it reported).</summary>
    public bool Allocated { get; set; }

    /// <inheritdoc />
    public bool Reportable => Allocated;

    /// <summary>Receiver: whether the receiving worker has deallocated the channel (its messages are dropped at each look).</summary>
    protected bool Dropped { get; private set; }

    /// <inheritdoc />
    public abstract bool HasData { get; }

    /// <inheritdoc />
    public void Drop()
    {
        Allocated = false;
        Dropped = true;
        DropQueued();
    }

    /// <summary>
    /// Receiver, once dropped: empties the queues from every sender (the receiving worker is
    /// every queue's consumer). Called at the drop and at each later look, which is how what a
    /// late sender still pushes goes.
    /// </summary>
    protected abstract void DropQueued();
}
