using Timely.Communication.Failure;
using Timely.Communication.Wakeup;
using Timely.Transport.Shm.Ring;

namespace Timely.Communication.Binary;

/// <summary>
/// The byte paths of one worker of a binary allocator: where messages to each target go,
/// whom to wake, and which rings bring messages in. ProcessBinary builds them from in-process
/// rings; the transports build them from mapped files or from rings to their network threads.
/// </summary>
internal sealed class BinaryLinks
{
    /// <summary>Writer for each target worker (index = global worker). Several targets may share one writer (one per remote process, say).</summary>
    public required RingWriter[] WriterByTarget { get; init; }

    /// <summary>Doorbell to ring after writing for each target (the target worker, or the thread that carries its bytes).</summary>
    public required IWakeTarget[] BellByTarget { get; init; }

    /// <summary>
    /// For each target: whether its writer's ring ends at that target worker alone, so it
    /// carries <see cref="CompactRecord"/>s; false for a ring to a thread that carries the bytes
    /// on (a TCP send thread: timely's <c>MessageHeader</c>, the wire format).
    /// </summary>
    public required bool[] CompactByTarget { get; init; }

    /// <summary>Rings whose messages are for this worker, each with who writes it.</summary>
    public required InboundRing[] Readers { get; init; }

    /// <summary>This worker's own doorbell.</summary>
    public required Doorbell OwnBell { get; init; }

    /// <summary>Where failures and finished workers elsewhere show up.</summary>
    public required IPeerStatus Status { get; init; }

    /// <summary>A connection this worker reads itself while it is awake (after its rings); null: none.</summary>
    public IDirectReceive? Direct { get; init; }

    /// <summary>How decode errors name the sending worker (global index), e.g. with its process and address; null: "worker i".</summary>
    public Func<int, string>? SourceName { get; init; }
}
