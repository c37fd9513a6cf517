using Timely.Transport.Shm.Ring;

namespace Timely.Communication.Binary;

/// <summary>
/// A ring whose messages are for a worker of a <see cref="BinaryAllocator"/>, and who writes
/// it: <paramref name="Source"/> is the one sender worker when the ring joins that worker and
/// this one alone (its records are <see cref="CompactRecord"/>s), or <see cref="Relayed"/> when
/// a TCP receive thread writes it on behalf of a remote process's workers (timely's
/// <c>MessageHeader</c> in every record, as the frames came off the wire).
/// </summary>
internal readonly record struct InboundRing(RingReader Reader, int Source)
{
    /// <summary><see cref="Source"/> of a ring that a network thread writes for several senders.</summary>
    public const int Relayed = -1;

    /// <summary>Whether the ring carries compact records (it joins one sender worker and the reader).</summary>
    public bool IsCompact => Source != Relayed;
}
