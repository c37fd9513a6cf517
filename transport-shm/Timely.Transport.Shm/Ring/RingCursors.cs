using System.Runtime.InteropServices;
using Timely.Bytes;

namespace Timely.Transport.Shm.Ring;

/// <summary>
/// The private (per-process, per-side) cursors of a <see cref="SpscByteRing"/>, padded so the
/// producer's and the consumer's fields sit on different <see cref="CacheLine.Size"/> lines.
/// </summary>
/// <remarks>
/// Both sides' cursors live in the same managed object for an in-process ring; without the
/// padding, the producer writing <see cref="Tail"/> and the consumer writing
/// <see cref="ReadPosition"/> would share a line and invalidate each other on every message,
/// the very traffic the shared head/tail lines are laid out to avoid. The leading line keeps
/// the object header and other fields of the owning object off the producer's line; the
/// trailing bytes keep the next heap object off the consumer's line. Size asserted in
/// <c>RingLayoutTests</c> with <c>Unsafe.SizeOf</c>.
/// </remarks>
[StructLayout(LayoutKind.Explicit, Size = 3 * CacheLine.Size)]
internal struct RingCursors
{
    // Producer line: written only by the producer thread.

    /// <summary>Next write position. The producer is the only writer of the shared tail, so this copy is authoritative.</summary>
    [FieldOffset(CacheLine.Size)]
    public long Tail;

    /// <summary>Last head the producer acquire-loaded; free space is at least capacity - (Tail - CachedHead).</summary>
    [FieldOffset(CacheLine.Size + 8)]
    public long CachedHead;

    /// <summary>Start of the claimed record, or -1 when no claim is outstanding.</summary>
    [FieldOffset(CacheLine.Size + 16)]
    public long ClaimPosition;

    /// <summary>Start of the padding record the outstanding claim wrapped over, or -1: its header is published by Commit, after the record's.</summary>
    [FieldOffset(CacheLine.Size + 24)]
    public long PaddingPosition;

    /// <summary>Payload bytes of the outstanding claim.</summary>
    [FieldOffset(CacheLine.Size + 32)]
    public int ClaimLength;

    /// <summary>
    /// Position that a record placed without the slow path must end at or before: the end of
    /// the ring's working set in this lap, or the end of the data area once the lap has gone
    /// past the working set with the consumer too far behind to wrap early.
    /// </summary>
    [FieldOffset(CacheLine.Size + 40)]
    public long LimitPosition;

    // Consumer line: written only by the consumer thread.

    /// <summary>Position of the next record to read; ahead of <see cref="Head"/> until released.</summary>
    [FieldOffset(2 * CacheLine.Size)]
    public long ReadPosition;

    /// <summary>Last head the consumer release-stored (its own authoritative copy).</summary>
    [FieldOffset((2 * CacheLine.Size) + 8)]
    public long Head;
}
