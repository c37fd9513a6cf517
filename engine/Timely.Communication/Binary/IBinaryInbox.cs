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

    /// <summary>Whether decoded messages wait to be pulled.</summary>
    bool HasData { get; }

    /// <summary>Set by Deliver, cleared when the allocator records the channel's event.</summary>
    bool Touched { get; set; }
}
