namespace Timely.Dataflow.Channels;

/// <summary>
/// The empty messages of one worker at one timestamp and record type, ready to be filled: what
/// the receivers of the worker's pipeline channels have released, handed to whichever of the
/// worker's outputs, exchanges or channels needs one next.
/// </summary>
/// <remarks>
/// Design: each pipeline channel kept its own stack of released messages and handed them back
/// only to its own sender. A sender that pushes a whole time's output in one run (pagerank's
/// operator: about 1200 messages at its largest time) finds its channel's stack empty and makes
/// a message per batch, while the operator downstream, forwarding those batches, releases as
/// many into a stack that only the upstream sender draws from; each hop of a chain made its own
/// copy of the burst. One pool per worker lets the next hop fill what the previous hop's reader
/// just released, so a chain holds about one burst of messages instead of one per hop. The
/// receiving ends of channels that cross as bytes (shared memory, TCP, <c>ProcessBinary</c>) decode
/// into messages from here and return them here too, so a burst received from another process
/// fills the worker's next burst instead of waiting in a store of its channel's own.
/// Owned by the worker thread (every channel that returns to it is a same-thread one); a
/// message is in the pool at most once: <see cref="Return"/> refuses a message that is already
/// there, so a path that released a message twice fails at once instead of handing one list to
/// two senders.
/// </remarks>
internal sealed class MessagePool<T, TData> : Communication.IRecycler<Message<T, TData>>
{
    private readonly Stack<Message<T, TData>> _free = new();

    /// <summary>Messages waiting to be reused.</summary>
    public int Count => _free.Count;

    /// <summary>Messages this pool made because it had none to hand out.</summary>
    public long Created { get; private set; }

    /// <summary>A released message (its list empty), or null when none is waiting.</summary>
    public Message<T, TData>? TryRent()
    {
        if (_free.TryPop(out var message))
        {
            message.Pooled = false;
            return message;
        }

        return null;
    }

    /// <summary>A released message, or a new one when none is waiting; its list is empty either way.</summary>
    public Message<T, TData> Rent()
    {
        if (TryRent() is { } message)
        {
            return message;
        }

        Created++;
        return new Message<T, TData>();
    }

    /// <summary>Takes back a message nobody reads any more; its records are dropped.</summary>
    /// <exception cref="InvalidOperationException">The message is already in the pool.</exception>
    public void Return(Message<T, TData> message)
    {
        if (message.Pooled)
        {
            throw new InvalidOperationException("a message was released twice: it would be handed to two senders");
        }

        message.Data.Clear();
        message.Pooled = true;
        _free.Push(message);
    }
}
