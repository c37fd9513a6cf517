using Timely.Bytes;

namespace Timely.Communication;

/// <summary>The receiving side of one channel of a <see cref="BinaryAllocator"/>, seen untyped by its dispatch loop.</summary>
internal interface IBinaryInbox
{
    /// <summary>Decodes one message for this channel (called on the owning worker's thread during Receive).</summary>
    void Deliver(in MessageHeader header, ReadOnlySpan<byte> payload);

    /// <summary>Whether decoded messages wait to be pulled.</summary>
    bool HasData { get; }

    /// <summary>Set by Deliver, cleared when the allocator records the channel's event.</summary>
    bool Touched { get; set; }
}
