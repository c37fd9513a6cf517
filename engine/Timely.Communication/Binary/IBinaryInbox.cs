using Timely.Bytes;

namespace Timely.Communication.Binary;

/// <summary>The receiving side of one channel of a <see cref="BinaryAllocator"/>, seen untyped by its dispatch loop.</summary>
internal interface IBinaryInbox
{
    /// <summary>Decodes one message for this channel (called on the owning worker's thread during Receive).</summary>
    void Deliver(in MessageHeader header, ReadOnlySpan<byte> payload);

    /// <summary>
    /// Decodes one message of a <see cref="CompactRecord"/> from <paramref name="source"/>
    /// (the ring's writer, so in range) after checking its sequence tag, and returns its
    /// seqno; <paramref name="recordBytes"/> is what the record held, for the byte counter.
    /// </summary>
    long DeliverCompact(int source, int seqTag, ReadOnlySpan<byte> payload, int recordBytes);

    /// <summary>The channel this inbox receives for.</summary>
    int Channel { get; }

    /// <summary>
    /// Called when the allocator has recorded this channel's event: the next message decoded
    /// here puts the inbox in <see cref="InboxActivity.Touched"/> again.
    /// </summary>
    void ClearTouched();
}
