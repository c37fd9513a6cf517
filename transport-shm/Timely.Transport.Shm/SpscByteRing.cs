using System.Runtime.CompilerServices;
using Timely.Bytes;

namespace Timely.Transport.Shm;

/// <summary>
/// A lock-free single-producer single-consumer ring of variable-length byte records over a
/// <see cref="MemoryRegion"/> laid out by <see cref="RingDescriptor"/>. The producer claims
/// space and serializes in place; the consumer reads records in place and releases them in
/// batches.
/// </summary>
// Design:
// - Ownership. Exactly one producer thread calls TryClaim/Commit(int)
//   and exactly one consumer thread calls TryRead/ReleaseRead;
//   they may be in different processes, each with its own SpscByteRing over the
//   same mapped region. The producer is the only writer of the shared tail and of the data
//   area between head and tail + capacity; the consumer is the only writer of the shared head.
//   One writer per counter is why no Interlocked/CAS appears anywhere on the data path.
// - Private cursors (RingCursors, padded per side). The producer keeps its own
//   tail (authoritative, since it alone writes the shared one) and a cached head; it
//   acquire-loads the shared head only when the cached head says the record does not fit.
//   The consumer keeps its read position, its own head and a cached tail; it acquire-loads the
//   shared tail only when it has read everything below the cached one. In steady state each
//   side touches the other's line once per batch, not once per message.
// - Volatility. The private cursors are plain fields: each is read and written by one thread.
//   The shared head and tail are accessed only with Volatile: release-store by
//   their owner, acquire-load by the other side. Data bytes and record headers are plain
//   stores and loads, ordered by those release/acquire pairs.
// - Publication order. Producer: write payload (in place, through the claimed span), write the
//   record header (and, before it, any padding record), then release-store tail. Consumer:
//   acquire-load tail, read headers and payloads below it, then release-store head, after
//   which the producer may overwrite those bytes. Spans returned by TryRead are
//   therefore valid only until the next ReleaseRead.
// - Batch release. TryRead advances only the private read position;
//   ReleaseRead publishes it as head once for everything read so far, so a
//   consumer that drains 100 records does one shared store, not 100.
// - Cache lines per hop (issue 14 item 1; counted from this code, not measured with a
//   coherence counter). The floor, a ping-pong on one line, moves 1 line per one-way hop.
//   A 64 B message through this ring today moves, per one-way hop while the consumer spins:
//     data    : the record is align8(8 + 64) = 72 B at an 8-aligned start, so exactly 2
//               lines; the engine's BinaryPusher adds timely's 48 B MessageHeader: 120 B,
//               2 lines at 2 of 8 start offsets, 3 lines at the other 6.
//     header  : in those data lines (plain store before the tail store), +0.
//     tail    : 1 line: the producer release-stores it per Commit and a spinning consumer
//               re-loads it on every empty poll, so the line moves on every message.
//     head    : 1 line per ReleaseRead; a round trip releases after each message, so 1 per
//               hop there, about 1 per drained batch in one-way streaming.
//     doorbell: 0 in steady state (SharedDoorbell word is read, not written, by the sender;
//               it stays Shared until the owner parks), 1-2 on each park/wake.
//     counters: 0 (Messages/BytesSent are per worker, never read by the other core).
//   Total: 4 lines (raw ring, 64 B, round trip), 4-5 through the engine, against 1.
//   Removable: the tail line (poll the next record's header in the data line instead,
//   Aeron/Disruptor style), the head line (lazy/batched release), one data line (compact
//   record: no 48 B MessageHeader inside a ring). Not done yet: see perf.md, "The
//   shared-memory hop, cache lines counted".
public sealed class SpscByteRing : IDisposable
{
    private const long NoClaim = -1;

    private readonly MemoryRegion _region;
    private readonly bool _ownsRegion;
    private readonly int _capacity;
    private readonly int _mask;
    private readonly int _maxPayload;
    private RingCursors _cursors;

    /// <summary>
    /// Attaches to an initialized ring in <paramref name="region"/> (validated by
    /// <see cref="RingDescriptor.Validate"/>), resuming from the head and tail stored there.
    /// The region stays owned by the caller.
    /// </summary>
    public SpscByteRing(MemoryRegion region)
        : this(region, ownsRegion: false)
    {
    }

    private SpscByteRing(MemoryRegion region, bool ownsRegion)
    {
        _capacity = RingDescriptor.Validate(region);
        _region = region;
        _ownsRegion = ownsRegion;
        _mask = _capacity - 1;
        _maxPayload = RingDescriptor.MaxPayload(_capacity);

        long head = Volatile.Read(ref region.Int64At(RingDescriptor.HeadOffset));
        long tail = Volatile.Read(ref region.Int64At(RingDescriptor.TailOffset));
        if (head < 0 || tail < head || tail - head > _capacity || ((head | tail) & (RingDescriptor.RecordAlignment - 1)) != 0)
        {
            throw new InvalidDataException(
                $"Ring counters are inconsistent: head {head}, tail {tail}, capacity {_capacity}.");
        }

        _cursors.Tail = tail;
        _cursors.CachedHead = head;
        _cursors.ClaimPosition = NoClaim;
        _cursors.ReadPosition = head;
        _cursors.Head = head;
        _cursors.CachedTail = tail;
    }

    /// <summary>
    /// Creates an in-process ring of <paramref name="capacity"/> data bytes in native memory
    /// that this ring owns and frees on <see cref="Dispose"/>.
    /// </summary>
    public static SpscByteRing Allocate(int capacity)
    {
        var region = MemoryRegion.Allocate(RingDescriptor.RequiredRegionBytes(capacity));
        try
        {
            RingDescriptor.Initialize(region, capacity, Environment.ProcessId);
            return new SpscByteRing(region, ownsRegion: true);
        }
        catch
        {
            region.Dispose();
            throw;
        }
    }

    /// <summary>Data-area bytes (a power of two).</summary>
    public int Capacity => _capacity;

    /// <summary>Largest payload of one record, <see cref="RingDescriptor.MaxPayload"/>.</summary>
    public int MaxPayload => _maxPayload;

    /// <summary>The region the ring lives in.</summary>
    public MemoryRegion Region => _region;

    /// <summary>The shared head (acquire-load): bytes below it have been released by the consumer.</summary>
    public long Head => Volatile.Read(ref _region.Int64At(RingDescriptor.HeadOffset));

    /// <summary>The shared tail (acquire-load): bytes below it have been published by the producer.</summary>
    public long Tail => Volatile.Read(ref _region.Int64At(RingDescriptor.TailOffset));

    /// <summary>
    /// Consumer: whether records past the read position have been published (one acquire
    /// load of the shared tail). A parking worker calls it after announcing sleep.
    /// </summary>
    public bool HasUnread => Volatile.Read(ref _region.Int64At(RingDescriptor.TailOffset)) != _cursors.ReadPosition;

    /// <summary>
    /// Consumer: bytes published past the read position, record headers and padding included,
    /// so an upper bound on the payload bytes a drain of the ring can yield right now.
    /// </summary>
    public long UnreadBytes => Volatile.Read(ref _region.Int64At(RingDescriptor.TailOffset)) - _cursors.ReadPosition;

    /// <summary>
    /// Producer: claims a record of <paramref name="payloadLength"/> bytes (0 to
    /// <see cref="MaxPayload"/>) and returns its payload span to serialize into; finish with
    /// <see cref="Commit(int)"/>. Returns false (and claims nothing) when the ring lacks room.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryClaim(int payloadLength, out Span<byte> payload)
    {
        if ((uint)payloadLength > (uint)_maxPayload || _cursors.ClaimPosition != NoClaim)
        {
            ThrowBadClaim(payloadLength);
        }

        int recordLength = RingDescriptor.RecordLength(payloadLength);
        long tail = _cursors.Tail;
        int index = (int)tail & _mask;
        if (recordLength <= _capacity - index && tail + recordLength - _cursors.CachedHead <= _capacity)
        {
            _cursors.ClaimPosition = tail;
            _cursors.ClaimLength = payloadLength;
            payload = _region.Slice(RingDescriptor.DataOffset + RingDescriptor.RecordHeaderLength + index, payloadLength);
            return true;
        }

        return TryClaimSlow(payloadLength, recordLength, out payload);
    }

    /// <summary>Producer: publishes the claimed record, all of its claimed payload, with <paramref name="type"/> (not a reserved type).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Commit(int type) => Commit(type, _cursors.ClaimLength);

    /// <summary>
    /// Producer: publishes the claimed record with only the first <paramref name="payloadLength"/>
    /// bytes of the claim (for serializers that claim an upper bound).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Commit(int type, int payloadLength)
    {
        long position = _cursors.ClaimPosition;
        if (position == NoClaim || type == RingDescriptor.PaddingType || (uint)payloadLength > (uint)_cursors.ClaimLength)
        {
            ThrowBadCommit(type, payloadLength);
        }

        _region.Int64At(RingDescriptor.DataOffset + ((int)position & _mask)) = RingDescriptor.PackRecordHeader(payloadLength, type);
        long tail = position + RingDescriptor.RecordLength(payloadLength);
        _cursors.Tail = tail;
        _cursors.ClaimPosition = NoClaim;
        Volatile.Write(ref _region.Int64At(RingDescriptor.TailOffset), tail);
    }

    /// <summary>Producer: claims, copies <paramref name="payload"/> and commits; false when the ring lacks room.</summary>
    public bool TryWrite(int type, ReadOnlySpan<byte> payload)
    {
        if (!TryClaim(payload.Length, out Span<byte> destination))
        {
            return false;
        }

        payload.CopyTo(destination);
        Commit(type);
        return true;
    }

    /// <summary>
    /// Consumer: reads the next record in place. The payload span stays valid until
    /// <see cref="ReleaseRead"/>; the shared head does not move until then.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryRead(out int type, out ReadOnlySpan<byte> payload)
    {
        long position = _cursors.ReadPosition;
        if (position == _cursors.CachedTail)
        {
            return TryReadSlow(out type, out payload);
        }

        int index = (int)position & _mask;
        long header = _region.Int64At(RingDescriptor.DataOffset + index);
        int length = RingDescriptor.RecordLengthField(header);
        type = RingDescriptor.RecordTypeField(header);
        int recordLength = RingDescriptor.RecordLength(length);

        // Padding, and anything a confused or hostile peer could have written (a length past
        // the published tail), goes to the slow path, which skips the one and throws on the other.
        if ((uint)length > (uint)_maxPayload || type == RingDescriptor.PaddingType || position + recordLength > _cursors.CachedTail)
        {
            return TryReadSlow(out type, out payload);
        }

        payload = _region.Slice(RingDescriptor.DataOffset + RingDescriptor.RecordHeaderLength + index, length);
        _cursors.ReadPosition = position + recordLength;
        return true;
    }

    /// <summary>
    /// Consumer: releases every record read so far with one release-store of head, handing
    /// their bytes back to the producer. Payload spans from earlier reads become invalid.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void ReleaseRead()
    {
        long position = _cursors.ReadPosition;
        if (position != _cursors.Head)
        {
            _cursors.Head = position;
            Volatile.Write(ref _region.Int64At(RingDescriptor.HeadOffset), position);
        }
    }

    /// <summary>Frees the region if this ring allocated it (<see cref="Allocate"/>); an attached region stays with its owner.</summary>
    public void Dispose()
    {
        if (_ownsRegion)
        {
            _region.Dispose();
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool TryClaimSlow(int payloadLength, int recordLength, out Span<byte> payload)
    {
        long tail = _cursors.Tail;
        int index = (int)tail & _mask;
        int toEnd = _capacity - index;
        int padding = recordLength <= toEnd ? 0 : toEnd;
        long end = tail + padding + recordLength;
        if (end - _cursors.CachedHead > _capacity)
        {
            _cursors.CachedHead = Volatile.Read(ref _region.Int64At(RingDescriptor.HeadOffset));
            if (end - _cursors.CachedHead > _capacity)
            {
                payload = default;
                return false;
            }
        }

        if (padding != 0)
        {
            // Published together with the record by Commit's tail store; never visible alone,
            // so the consumer always finds a record after a padding record.
            _region.Int64At(RingDescriptor.DataOffset + index) =
                RingDescriptor.PackRecordHeader(padding - RingDescriptor.RecordHeaderLength, RingDescriptor.PaddingType);
            tail += padding;
            index = 0;
        }

        _cursors.ClaimPosition = tail;
        _cursors.ClaimLength = payloadLength;
        payload = _region.Slice(RingDescriptor.DataOffset + RingDescriptor.RecordHeaderLength + index, payloadLength);
        return true;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool TryReadSlow(out int type, out ReadOnlySpan<byte> payload)
    {
        long position = _cursors.ReadPosition;
        while (true)
        {
            if (position == _cursors.CachedTail)
            {
                _cursors.CachedTail = Volatile.Read(ref _region.Int64At(RingDescriptor.TailOffset));
                if (position == _cursors.CachedTail)
                {
                    type = 0;
                    payload = default;
                    return false;
                }
            }

            int index = (int)position & _mask;
            long header = _region.Int64At(RingDescriptor.DataOffset + index);
            int length = RingDescriptor.RecordLengthField(header);
            type = RingDescriptor.RecordTypeField(header);
            if (type == RingDescriptor.PaddingType)
            {
                if (length != _capacity - index - RingDescriptor.RecordHeaderLength)
                {
                    ThrowHelper.ThrowCorruptRecord(position, length, type, $"padding must reach the end of the data area ({_capacity - index} bytes)");
                }

                position += _capacity - index;
                _cursors.ReadPosition = position;
                continue;
            }

            int recordLength = RingDescriptor.RecordLength(length);
            if ((uint)length > (uint)_maxPayload || recordLength > _capacity - index || position + recordLength > _cursors.CachedTail)
            {
                ThrowHelper.ThrowCorruptRecord(position, length, type, "record runs past the published tail or the end of the data area");
            }

            payload = _region.Slice(RingDescriptor.DataOffset + RingDescriptor.RecordHeaderLength + index, length);
            _cursors.ReadPosition = position + recordLength;
            return true;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowBadClaim(int payloadLength)
    {
        if (_cursors.ClaimPosition != NoClaim)
        {
            ThrowHelper.ThrowClaimOutstanding();
        }

        ThrowHelper.ThrowPayloadTooLarge(payloadLength, _maxPayload);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowBadCommit(int type, int payloadLength)
    {
        if (_cursors.ClaimPosition == NoClaim)
        {
            ThrowHelper.ThrowNoClaim();
        }

        if (type == RingDescriptor.PaddingType)
        {
            ThrowHelper.ThrowReservedType(type);
        }

        ThrowHelper.ThrowCommitLength(payloadLength, _cursors.ClaimLength);
    }
}
