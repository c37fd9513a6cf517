using System.Runtime.InteropServices;
using Timely.Bytes;

namespace Timely.Communication.Diagnostics;

/// <summary>
/// One worker's communication counters, read by <see cref="CommunicationMetrics"/> and
/// <see cref="TimelyEventSource"/>.
/// </summary>
/// <remarks>
/// Design: every field is written by the owning worker thread only, with plain increments
/// (no Interlocked: these sit on the per-message path). Observers on other threads read
/// them with <see cref="Volatile.Read(ref readonly long)"/>; a 64-bit aligned long never tears on a
/// 64-bit runtime, and a count that is a few messages stale is fine for a meter. The block
/// is padded to its own cache lines so one worker's increments do not invalidate another's.
/// </remarks>
public sealed class WorkerCounters
{
    private Block _block;

    internal WorkerCounters(int worker)
    {
        Worker = worker;
    }

    /// <summary>Global index of the worker these counters belong to.</summary>
    public int Worker { get; }

    /// <summary>Messages pushed by this worker.</summary>
    public long MessagesSent => Volatile.Read(ref _block.MessagesSent);

    /// <summary>Serialized bytes pushed by this worker (binary allocators only).</summary>
    public long BytesSent => Volatile.Read(ref _block.BytesSent);

    /// <summary>Messages pulled by this worker.</summary>
    public long MessagesReceived => Volatile.Read(ref _block.MessagesReceived);

    /// <summary>Serialized bytes received by this worker (binary allocators only).</summary>
    public long BytesReceived => Volatile.Read(ref _block.BytesReceived);

    /// <summary>Messages that found their ring full and went to the overflow queue.</summary>
    public long RingFullSpills => Volatile.Read(ref _block.Spills);

    internal ref long MessagesSentRef => ref _block.MessagesSent;

    internal ref long BytesSentRef => ref _block.BytesSent;

    internal ref long MessagesReceivedRef => ref _block.MessagesReceived;

    internal ref long BytesReceivedRef => ref _block.BytesReceived;

    internal ref long SpillsRef => ref _block.Spills;

    [StructLayout(LayoutKind.Explicit, Size = 2 * CacheLine.Size)]
    private struct Block
    {
        [FieldOffset(CacheLine.Size + 0)] public long MessagesSent;
        [FieldOffset(CacheLine.Size + 8)] public long BytesSent;
        [FieldOffset(CacheLine.Size + 16)] public long MessagesReceived;
        [FieldOffset(CacheLine.Size + 24)] public long BytesReceived;
        [FieldOffset(CacheLine.Size + 32)] public long Spills;
    }
}
