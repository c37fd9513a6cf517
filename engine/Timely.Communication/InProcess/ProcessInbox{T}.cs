namespace Timely.Communication.InProcess;

/// <summary>The <see cref="ProcessInbox"/> of a channel of <typeparamref name="T"/>: the forward queues from every sender to one receiver.</summary>
internal sealed class ProcessInbox<T> : ProcessInbox
    where T : class
{
    public ProcessInbox(int id, SpscQueue<T>[] from)
        : base(id)
    {
        From = from;
    }

    /// <summary><c>From[s]</c>: messages from worker <c>s</c> (the receiver consumes).</summary>
    public SpscQueue<T>[] From { get; }

    public override bool HasData
    {
        get
        {
            if (Dropped)
            {
                // Deallocated here: nobody pulls, so what a sender still pushed goes.
                DropQueued();
                return false;
            }

            foreach (var q in From)
            {
                if (!q.IsEmpty)
                {
                    return true;
                }
            }

            return false;
        }
    }

    protected override void DropQueued()
    {
        foreach (var q in From)
        {
            while (q.TryDequeue(out _))
            {
            }
        }
    }
}
