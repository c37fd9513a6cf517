using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Timely.Transport.Shm.Layout;
using Timely.Transport.Shm.Memory;

namespace Timely.Transport.Shm.Ring;

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
// - Header polling (layout version 2; Aeron's IPC log and the Disruptor's sequence-in-slot
//   are the models). The consumer does not read the shared tail to find records: it
//   acquire-loads the 8-byte header word at its read position, and a header whose lap tag
//   (RingDescriptor.LapTag: 1 in even laps, 2 in odd laps, 0 in a cleared word) is the one
//   expected for that position is a complete record. The signal travels in the record's
//   own first line, which the consumer has to fetch anyway.
// - Publication order (Commit). Producer: payload (plain stores, through the claimed span);
//   clear the next header slot, the word at the record's end, if it is free (plain store);
//   release-store tail; release-store the record header; for a record placed at index 0
//   after a wrap, release-store the padding header at the old tail after that. Consumer:
//   acquire-load the header at the read position, read the payload, and when done
//   release-store head, after which the producer may overwrite those bytes. Spans returned
//   by TryRead are therefore valid only until the next ReleaseRead.
// - Why a stale word is never taken for a record. Call R the consumer's read position. It
//   gets to R only by taking the record (or padding) that ends at R, whose header it
//   acquire-loaded, so it sees every store the producer made before that header. Among
//   them, the last store to the word at index(R) is one of:
//     (a) the clear that the commit of the record ending at R made: tag 0;
//     (b) when that commit found no free word past the record (the ring exactly full, R =
//         CachedHead + capacity), no clear was made, and the word is the header that the
//         producer wrote at R - capacity = CachedHead. That position is a record boundary
//         (head only ever stops at boundaries) in the previous lap, and nothing is stored at
//         a position twice, so the word holds that header: the other lap's tag;
//     (c) the initial clear of RingDescriptor.Initialize (R = 0, tag 0).
//   Payload bytes of an older lap can be at index(R) only before (a) or (b)'s header was
//   written, so they are never what the consumer sees. The only later store to the word,
//   until the consumer releases R, is the header of the record at R, with R's tag. Every
//   word is an aligned 8-byte store and load, so none is torn. A record placed at index 0
//   after a wrap (position S) is reached only through the padding header, which is released
//   after S's header, so S's header is visible when the consumer gets there: no clear is
//   needed there. (Index 0 starts a record in every lap, so even the other order would show
//   the consumer only the previous lap's tag there; the order is kept because it makes the
//   argument local. RingRaceProperties checks this with a producer and consumer racing: the
//   clear moved after the header store fails it, padding published first does not.) The
//   clear of the next slot costs no extra cache line in steady state: it falls in the
//   record's last line unless the record ends on a line boundary, and that line is where
//   the consumer polls next anyway. Nothing is reserved: the ring still
//   fills to exactly its capacity (case (b)).
// - The shared tail is still release-stored per commit, before the header, for
//   UnreadBytes, the producer's own restart and tests. Stored before the header, it is never
//   behind a record the consumer has taken (head <= tail for anyone who sees head). Nobody
//   reads it at message rate, so its line stays Modified in the producer's cache and the
//   store moves nothing. HasUnread, the park check of the doorbell protocol (announce sleep,
//   full fence, check; senders publish, full fence, read the doorbell word) and the check a
//   spinning worker makes between polls, polls the header word too. It used to read the
//   tail, so an engine worker spinning in AwaitEvents pulled the tail line to its core
//   and every commit had to take it back before the header store could become visible (a
//   third line per hop on the engine's path, which shm-bench's raw loop never showed).
// - Private cursors (RingCursors, padded per side). The producer keeps its own tail
//   (authoritative, since it alone writes the shared one), a cached head and any padding
//   pending with the claim; it acquire-loads the shared head only when the cached head says
//   the record does not fit. The consumer keeps its read position and its own head.
// - Volatility. The private cursors are plain fields: each is read and written by one
//   thread. The shared head and tail and the record header words are accessed with Volatile
//   where they publish (release-store by the producer, acquire-load by the consumer). Data
//   bytes are plain stores and loads, ordered by those release/acquire pairs.
// - Batch release. TryRead advances only the private read position;
//   ReleaseRead publishes it as head once for everything read so far, so a
//   consumer that drains 100 records does one shared store, not 100. The store is to a line
//   only the consumer writes and the producer reads only when its cached head says the ring
//   is full, so it stays in the consumer's cache between those reads.
// - Cache lines per hop (counted from this code, not measured with a
//   coherence counter). The floor, a ping-pong on one line, moves 1 line per one-way hop.
//   A 64 B message through this ring moves, per one-way hop while the consumer spins:
//     data    : the record is align8(8 + 64) = 72 B at an 8-aligned start, so exactly 2
//               lines (at 64-byte lines). Through the engine it is the same 72 B since
//               layout version 3 (the compact record between two workers: channel and
//               sequence tag in the type word); version 2 put timely's 48 B MessageHeader
//               in the payload: 120 B, 2 lines at 2 of 8 start offsets, 3 at the other 6.
//     header  : the signal, in the first data line: +0. The next-slot clear falls in the
//               record's last line, or (1 record in 8 at 72 B) in the next record's first
//               line, which the consumer then polls: +0.
//     tail    : 0: stored per commit, read by nobody on the message path (HasUnread
//               polls the header word; see above).
//     head    : about 2 line moves per producer re-read of head, which happens once per
//               (capacity - in use) bytes: about 1/450 per hop for a 64 KiB ring at 72 B
//               records (the version-1 count gave it 1 per hop; the producer already read it
//               lazily, so nothing changed there).
//     doorbell: 0 in steady state (SharedDoorbell word is read, not written, by the sender;
//               it stays Shared until the owner parks), 1-2 on each park/wake.
//     counters: 0 (Messages/BytesSent are per worker, never read by the other core).
//   Total: 2 lines (64 B, each way), raw ring and engine alike, against 1; version 2 moved
//   2-3 through the engine (2.75 on average over the start offsets), version 1 one more (the
//   tail line re-loaded on every empty poll). Left: one data line, which a 64 B payload with
//   any header cannot avoid at 64-byte lines. See perf.md §2, "Cache lines per hop"
//   (the A/B runs of versions 2 and 3 are in its git history).
// - Working set (producer policy; the consumer and the layout do not change). A ring made
//   with a working set smaller than its capacity places records in the first workingSet
//   bytes of the data area while the consumer keeps up: a record that would end past that
//   point is placed at index 0 after a padding record to the end of the data area, the same
//   padding a record that straddles the end gets, when the consumer has released all but an
//   eighth of the working set (the cached head, else one acquire-load of the shared head).
//   If it has not, the lap goes on, so a burst still has the whole capacity, and the producer
//   looks again each time its tail has moved on by another eighth of the working set (or by
//   one record, when that is longer): one head load per eighth of the working set written
//   while the consumer is behind. A lap that ran on wraps at the first look that finds the
//   consumer caught up, so a burst of B bytes followed by a pause touches about B plus an
//   eighth of the working set past the start of the lap, not the whole data area: the burst
//   after the pause starts at index 0 again. "Caught up" at a later look is "released all but
//   an eighth of the lap so far", the same ratio as at the first look: the wrap leaves the
//   producer at least seven times the bytes the consumer still has to read before it passes
//   the padding. (With an eighth of the working set at every look, a look at the start of a
//   burst would miss whenever the consumer still had a few KB of the last one unread, as it may
//   while it writes its own burst. Measured on `exchange 100000 1000` over shm x2: each ring
//   resident at 788 of 1024 KB, which is the example's first two rounds sent back to back, round
//   0 not waiting for its probe; every later round's burst wrapped to index 0.) (The first rule looked once a lap, so each burst
//   of a steady stream of bursts larger than the working set began where the last ended, and
//   the laps cycled through the whole data area: `exchange 100000 1000` over shm x2 writes
//   about 400 KB a round into each 1 MiB ring, and kept all 4 MiB resident.) Why "all but an eighth": after an early wrap the producer has only the bytes below
//   the consumer until the consumer passes the padding, so a wrap taken with the consumer far
//   behind would make a streaming burst wait on a ring a working set long (measured: the first
//   rule, wrap when the record fits, made `pingpong 10 100000` over shm x2 1.33x slower). Why: pages of a mapped ring count in the resident memory of both processes that map
//   it from the first touch until the unmap, and a ring that cycles through its whole data
//   area touches all of them even when a few KB are ever in flight (two 1 MiB rings between
//   two processes: 4 MiB resident, all of it for a progress stream of under 1 KB in flight).
//   The consumer reads the early padding exactly as it reads an end-of-area padding.
public sealed class SpscByteRing : IDisposable
{
    private const long NoClaim = -1;

    private readonly MemoryRegion _region;
    private readonly bool _ownsRegion;
    private readonly int _capacity;
    private readonly int _mask;
    private readonly int _lapShift;     // log2(capacity): position >> _lapShift is the lap
    private readonly int _maxPayload;
    private readonly int _workingSet;   // data-area bytes a lap stays within while the consumer keeps up (<= capacity)
    private RingCursors _cursors;

    /// <summary>
    /// Attaches to an initialized ring in <paramref name="region"/> (validated by
    /// <see cref="RingDescriptor.Validate"/>), resuming from the head and tail stored there.
    /// The region stays owned by the caller.
    /// </summary>
    public SpscByteRing(MemoryRegion region)
        : this(region, ownsRegion: false, workingSet: int.MaxValue)
    {
    }

    /// <summary>
    /// Attaches to an initialized ring in <paramref name="region"/>, as the producer keeping its
    /// records within the first <paramref name="workingSet"/> bytes of the data area (rounded up
    /// to the record alignment; the capacity when larger) while the consumer keeps up, so that
    /// only those pages of a mapped ring become resident unless a burst needs more (see the
    /// design note on the working set). The consumer's side is the same whatever the value.
    /// </summary>
    public SpscByteRing(MemoryRegion region, int workingSet)
        : this(region, ownsRegion: false, workingSet)
    {
    }

    private SpscByteRing(MemoryRegion region, bool ownsRegion, int workingSet)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(workingSet);
        _capacity = RingDescriptor.Validate(region);
        _workingSet = (int)Math.Min(_capacity, ((long)workingSet + RingDescriptor.RecordAlignment - 1) & -RingDescriptor.RecordAlignment);
        _region = region;
        _ownsRegion = ownsRegion;
        _mask = _capacity - 1;
        _lapShift = System.Numerics.BitOperations.Log2((uint)_capacity);
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
        _cursors.PaddingPosition = NoClaim;
        _cursors.LimitPosition = tail - ((int)tail & _mask) + _workingSet;   // a tail already past it: the slow path decides
        _cursors.ReadPosition = head;
        _cursors.Head = head;
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
            return new SpscByteRing(region, ownsRegion: true, workingSet: int.MaxValue);
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

    /// <summary>Data-area bytes the producer's laps stay within while the consumer keeps up (<see cref="Capacity"/> when it has no working set).</summary>
    public int WorkingSet => _workingSet;

    /// <summary>The region the ring lives in.</summary>
    public MemoryRegion Region => _region;

    /// <summary>The shared head (acquire-load): bytes below it have been released by the consumer.</summary>
    public long Head => Volatile.Read(ref _region.Int64At(RingDescriptor.HeadOffset));

    /// <summary>The shared tail (acquire-load): bytes below it have been published by the producer.</summary>
    public long Tail => Volatile.Read(ref _region.Int64At(RingDescriptor.TailOffset));

    /// <summary>
    /// Consumer: whether a record past the read position has been published: one acquire load
    /// of the header word at the read position, the word <see cref="TryRead"/> polls, so a
    /// spinning consumer reads only the line it has to fetch for the record anyway (the shared
    /// tail stays in the producer's cache). True as well for a word no producer writes (lap
    /// tag 3), so that the read which follows throws on it instead of the consumer waiting. A
    /// parking worker calls it after announcing sleep: the producer stores the header before
    /// its fence and doorbell check, so one of the two sees the other.
    /// </summary>
    public bool HasUnread
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            long position = _cursors.ReadPosition;
            long header = Volatile.Read(ref _region.Int64At(RingDescriptor.DataOffset + ((int)position & _mask)));
            int tag = RingDescriptor.RecordLapTagField(header);
            return tag == RingDescriptor.LapTag(position >> _lapShift) || tag == 3;
        }
    }

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
        long end = tail + recordLength;

        // LimitPosition is never past the end of the lap's data area, so this also says the
        // record does not straddle it.
        if (end <= _cursors.LimitPosition && end - _cursors.CachedHead <= _capacity)
        {
            _cursors.ClaimPosition = tail;
            _cursors.ClaimLength = payloadLength;
            payload = _region.Slice(RingDescriptor.DataOffset + RingDescriptor.RecordHeaderLength + ((int)tail & _mask), payloadLength);
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

        long tail = position + RingDescriptor.RecordLength(payloadLength);
        if (tail + RingDescriptor.RecordHeaderLength - _cursors.CachedHead <= _capacity)
        {
            // The next header slot is free: clear whatever an older lap left there (design, (a)).
            _region.Int64At(RingDescriptor.DataOffset + ((int)tail & _mask)) = 0;
        }

        _cursors.Tail = tail;
        _cursors.ClaimPosition = NoClaim;
        Volatile.Write(ref _region.Int64At(RingDescriptor.TailOffset), tail);
        Volatile.Write(
            ref _region.Int64At(RingDescriptor.DataOffset + ((int)position & _mask)),
            RingDescriptor.PackRecordHeader(payloadLength, type, position >> _lapShift));
        if (_cursors.PaddingPosition != NoClaim)
        {
            PublishPadding();
        }
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
        if (!TryAcquireHeader(position, out int index, out long header))
        {
            // Inline, not NotReady's call: every drain ends on a look that finds nothing, and an
            // engine receive looks at every inbound ring (the call was 1.9% of an in-process
            // round trip's samples, perf record, its own frame). Only a word that can never be
            // written leaves the inline path.
            if (RingDescriptor.RecordLapTagField(header) == 3)
            {
                return NotReady(header, position, out type, out payload);
            }

            type = 0;
            payload = default;
            return false;
        }

        int length = RingDescriptor.RecordLengthField(header);
        type = RingDescriptor.RecordTypeField(header);
        int recordLength = RingDescriptor.RecordLength(length);

        // Padding, and anything a confused or hostile peer could have written (a length past
        // the largest payload or the end of the data area), goes to the slow path, which skips
        // the one and throws on the other.
        if ((uint)length > (uint)_maxPayload || type == RingDescriptor.PaddingType || recordLength > _capacity - index)
        {
            return TryReadSlow(out type, out payload);
        }

        payload = Take(position, index, length, recordLength);
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
        long lapEnd = tail + toEnd;
        int padding = recordLength <= toEnd ? 0 : toEnd;
        if (padding == 0 && index != 0 && tail + recordLength > _cursors.LimitPosition)
        {
            // Past the working set (design: working set): wrap early if the consumer has
            // released all but an eighth of the lap so far (of the working set at the first
            // look) and room for the padding and the record; otherwise this lap runs on, and
            // looks again an eighth of the working set further (at most the end of the data area).
            if (HasRoomFor(Math.Max(lapEnd + recordLength, tail + _capacity - (Math.Max(index, _workingSet) >> 3))))
            {
                padding = toEnd;
            }
            else
            {
                _cursors.LimitPosition = Math.Min(lapEnd, tail + Math.Max(recordLength, _workingSet >> 3));
            }
        }
        else if (index == 0)
        {
            // A lap begun by a record that ended exactly at the end of the data area.
            _cursors.LimitPosition = tail + _workingSet;
        }

        if (!HasRoomFor(tail + padding + recordLength))
        {
            payload = default;
            return false;
        }

        if (padding != 0)
        {
            // Its header is written by Commit after the record's (design: the consumer reaches
            // index 0 only through it), so an abandoned claim publishes nothing.
            _cursors.PaddingPosition = tail;
            tail += padding;
            index = 0;
            _cursors.LimitPosition = tail + _workingSet;
        }

        _cursors.ClaimPosition = tail;
        _cursors.ClaimLength = payloadLength;
        payload = _region.Slice(RingDescriptor.DataOffset + RingDescriptor.RecordHeaderLength + index, payloadLength);
        return true;
    }

    /// <summary>Producer: whether the data area holds everything up to <paramref name="end"/>, by the cached head, else by one acquire-load of the shared head (cached).</summary>
    private bool HasRoomFor(long end)
    {
        if (end - _cursors.CachedHead <= _capacity)
        {
            return true;
        }

        _cursors.CachedHead = Volatile.Read(ref _region.Int64At(RingDescriptor.HeadOffset));
        return end - _cursors.CachedHead <= _capacity;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void PublishPadding()
    {
        long position = _cursors.PaddingPosition;
        int index = (int)position & _mask;
        _cursors.PaddingPosition = NoClaim;
        Volatile.Write(
            ref _region.Int64At(RingDescriptor.DataOffset + index),
            RingDescriptor.PackRecordHeader(_capacity - index - RingDescriptor.RecordHeaderLength, RingDescriptor.PaddingType, position >> _lapShift));
    }

    // The header word at the read position is not a record of this lap: a cleared word (0), a
    // header of the previous lap (the other tag): nothing yet. Tag 3 is never written.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool NotReady(long header, long position, out int type, out ReadOnlySpan<byte> payload)
    {
        if (RingDescriptor.RecordLapTagField(header) == 3)
        {
            ThrowHelper.ThrowCorruptRecord(position, RingDescriptor.RecordLengthField(header), RingDescriptor.RecordTypeField(header), "lap tag 3 is never written");
        }

        type = 0;
        payload = default;
        return false;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool TryReadSlow(out int type, out ReadOnlySpan<byte> payload)
    {
        long position = _cursors.ReadPosition;
        while (true)
        {
            if (!TryAcquireHeader(position, out int index, out long header))
            {
                return NotReady(header, position, out type, out payload);
            }

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
            if ((uint)length > (uint)_maxPayload || recordLength > _capacity - index)
            {
                ThrowHelper.ThrowCorruptRecord(position, length, type, $"record longer than the largest payload ({_maxPayload} bytes) or past the end of the data area");
            }

            payload = Take(position, index, length, recordLength);
            return true;
        }
    }

    /// <summary>
    /// Consumer: acquire-loads the header word at <paramref name="position"/> (at data-area
    /// <paramref name="index"/>); true when its lap tag is the one for that position, so it is
    /// a whole record whose payload this load made visible (Design: why a stale word is never
    /// taken for a record). The one acquire of the consumer's side, fast path and slow alike.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool TryAcquireHeader(long position, out int index, out long header)
    {
        index = (int)position & _mask;
        header = Volatile.Read(ref _region.Int64At(RingDescriptor.DataOffset + index));
        return RingDescriptor.RecordLapTagField(header) == RingDescriptor.LapTag(position >> _lapShift);
    }

    /// <summary>Consumer: the payload of the record at <paramref name="position"/>, and the read position moved past it (head moves only at <see cref="ReleaseRead"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ReadOnlySpan<byte> Take(long position, int index, int length, int recordLength)
    {
        var payload = _region.Slice(RingDescriptor.DataOffset + RingDescriptor.RecordHeaderLength + index, length);
        _cursors.ReadPosition = position + recordLength;
        return payload;
    }

    // The two throwers are not NoInlining, so the JIT sees that they never return and keeps
    // their calls out of the claim's and commit's hot code without saving the caller's
    // registers around them (see MemoryRegion.ThrowOutOfRange); the exceptions are built out of line.
    [DoesNotReturn]
    private void ThrowBadClaim(int payloadLength) => throw BadClaim(payloadLength);

    [DoesNotReturn]
    private void ThrowBadCommit(int type, int payloadLength) => throw BadCommit(type, payloadLength);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private Exception BadClaim(int payloadLength) =>
        _cursors.ClaimPosition != NoClaim ? ThrowHelper.ClaimOutstanding() : ThrowHelper.PayloadTooLarge(payloadLength, _maxPayload);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private Exception BadCommit(int type, int payloadLength) =>
        _cursors.ClaimPosition == NoClaim ? ThrowHelper.NoClaim()
        : type == RingDescriptor.PaddingType ? ThrowHelper.ReservedType(type)
        : ThrowHelper.CommitLength(payloadLength, _cursors.ClaimLength);
}
