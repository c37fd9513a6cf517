using Timely.Communication;

namespace Timely.Dataflow.Channels;

/// <summary>
/// A batch of records at one time: what travels along a dataflow edge (timely's
/// <c>Message</c> with its container). Instances are recycled: a receiver reads
/// <see cref="Data"/> and leaves the message in the channel's slot, and the sender gets it
/// back to refill, so steady-state traffic allocates nothing.
/// </summary>
public sealed class Message<T, TData> : ISenderStamped
{
    // Design: owned by whichever side holds it. The sender fills it and pushes; from then on the
    // receiver owns it (within a process the allocator's queue publishes it, so its fields are
    // visible before it can be pulled; a serializing allocator hands the receiver a decoded copy)
    // until a slot hands it back for reuse. Nobody touches a message the other side holds, so
    // nothing here is volatile.

    /// <summary>A message with an empty buffer of the default batch capacity.</summary>
    public Message()
    {
        Data = new List<TData>(BatchSize);
    }

    private Message(List<TData> data) => Data = data;

    /// <summary>A message whose list has no array yet: a carrier for a received batch's own list (<see cref="MessagePool{T, TData}.RentCarrier"/>).</summary>
    internal static Message<T, TData> Shell() => new([]);

    /// <summary>
    /// Records per batch before an output flushes: timely's default buffer (8 KiB) holds
    /// 1024 eight-byte records, and the same number here keeps batches comparable.
    /// </summary>
    public const int BatchSize = 1024;

    /// <summary>The time every record in <see cref="Data"/> carries.</summary>
    public T Time { get; set; } = default!;

    /// <summary>The records. Owned by the channel: valid until the receiver pulls again.</summary>
    /// <remarks>Settable inside the engine so that pass-through operators swap lists instead of copying records.</remarks>
    public List<TData> Data { get; internal set; }

    /// <summary>
    /// The sending worker and its number for the message on its channel, stamped by the logging
    /// pusher (in memory only) and, for a message decoded by a byte allocator, from its header.
    /// </summary>
    internal int From { get; set; } = -1;

    /// <inheritdoc cref="From"/>
    internal long Seq { get; set; } = -1;

    /// <summary>Whether the message waits in its worker's <see cref="MessagePool{T, TData}"/> (nobody may hold it then).</summary>
    internal bool Pooled { get; set; }

    void ISenderStamped.StampSender(int source, long seqno)
    {
        From = source;
        Seq = seqno;
    }
}
