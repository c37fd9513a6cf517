using System.Runtime.CompilerServices;
using Timely.Bytes;
using Timely.Transport.Shm.Layout;

namespace Timely.Transport.Shm.Ring;

/// <summary>
/// The sending side of a ring for whole messages of any length: never blocks, keeps FIFO,
/// and serializes in place into the ring whenever the message fits.
/// </summary>
/// <remarks>
/// API: <see cref="Claim"/> always returns a span of the requested length to serialize into,
/// then <see cref="Commit(int)"/> sends it. The span is the ring itself when the message fits
/// in one record, the ring has room and nothing is queued (the steady state: zero copies,
/// zero allocations); otherwise it is a buffer rented from <see cref="BufferPool"/> that
/// <see cref="Commit(int)"/> appends to the overflow queue. A claim/commit pair was chosen over
/// a callback (<c>Send(type, length, writer)</c>) because a callback that captures state
/// allocates a closure per message, and one that does not pushes a generic state parameter
/// onto every caller; <see cref="Send"/> is the copy-in convenience.
/// </remarks>
// Design:
// - Ownership: one producer thread owns this object and the producer side of the ring. It is
//   not thread-safe and holds no shared state besides the ring, so nothing here is volatile.
// - Full ring: a message that does not fit goes to an overflow queue in this process's
//   memory instead of waiting (waiting would deadlock two workers that send to each other).
//   Once anything is queued, every later message goes behind it, so FIFO holds across ring
//   and queue. The queue drains on Flush and on the next Claim;
//   buffers go back to the pool as their message leaves. Every change of the queue's bytes is
//   also added to the process's OverflowAccount (there, not per message sent, so a message that
//   goes straight into the ring pays nothing for the accounting).
// - Large messages: longer than SpscByteRing.MaxPayload means First, Middle...,
//   Last fragment records (RingDescriptor), always staged in a rented buffer and
//   written as the ring makes room; a partly sent message stays at the queue head, so its
//   fragments are contiguous in the ring. A message longer than the whole ring therefore
//   needs the reader to keep releasing while it arrives.
public sealed class RingWriter : IDisposable
{
    private readonly SpscByteRing _ring;
    private readonly BufferPool _pool;
    private readonly Queue<PendingMessage> _overflow = new();
    private int _headSent;          // bytes of the queue head already written as fragments
    private long _overflowBytes;
    private long _overflowedMessages;
    private long _fragmentedMessages;
    private ClaimKind _claim;
    private byte[]? _claimBuffer;
    private int _claimLength;

    /// <summary>Writes into the producer side of <paramref name="ring"/>; overflow buffers come from <paramref name="pool"/> (default <see cref="BufferPool.Shared"/>).</summary>
    public RingWriter(SpscByteRing ring, BufferPool? pool = null)
    {
        ArgumentNullException.ThrowIfNull(ring);
        _ring = ring;
        _pool = pool ?? BufferPool.Shared;
    }

    private enum ClaimKind
    {
        None,
        Ring,
        Overflow,
    }

    /// <summary>The ring written to.</summary>
    public SpscByteRing Ring => _ring;

    /// <summary>Messages waiting in the overflow queue.</summary>
    public int OverflowCount => _overflow.Count;

    /// <summary>Payload bytes waiting in the overflow queue (including fragments already sent of the head message).</summary>
    public long OverflowBytes => _overflowBytes;

    /// <summary>
    /// Told when a message stays in the overflow queue (null: nobody). Set before the first
    /// message; a watch that throws fails the sender (the message is queued by then).
    /// </summary>
    public IOverflowWatch? Watch { get; set; }

    /// <summary>Messages so far that did not go straight into the ring at commit (ring full or queue non-empty): the "ring-full spills" metric.</summary>
    public long OverflowedMessages => _overflowedMessages;

    /// <summary>Messages so far longer than <see cref="SpscByteRing.MaxPayload"/>, sent as fragments.</summary>
    public long FragmentedMessages => _fragmentedMessages;

    /// <summary>
    /// Returns a span of exactly <paramref name="length"/> bytes to serialize a message into;
    /// send it with <see cref="Commit(int)"/>. Never fails for lack of room.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<byte> Claim(int length)
    {
        if (_claim == ClaimKind.None && _overflow.Count == 0 && (uint)length <= (uint)_ring.MaxPayload
            && _ring.TryClaim(length, out Span<byte> destination))
        {
            _claim = ClaimKind.Ring;
            _claimLength = length;
            return destination;
        }

        return ClaimSlow(length);
    }

    /// <summary>Sends the claimed message, all of its claimed length, as <paramref name="type"/> (&gt;= 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Commit(int type) => Commit(type, _claimLength);

    /// <summary>Sends the first <paramref name="length"/> bytes of the claimed span as <paramref name="type"/> (&gt;= 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Commit(int type, int length)
    {
        if (_claim == ClaimKind.Ring && type >= 0)
        {
            _ring.Commit(type, length);
            _claim = ClaimKind.None;
            return;
        }

        CommitSlow(type, length);
    }

    /// <summary>Copies <paramref name="message"/> in and sends it as <paramref name="type"/> (&gt;= 0).</summary>
    public void Send(int type, ReadOnlySpan<byte> message)
    {
        message.CopyTo(Claim(message.Length));
        Commit(type);
    }

    /// <summary>
    /// Moves queued messages into the ring, in order, as far as it has room. Returns true when
    /// the queue is empty afterwards.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Flush() => _overflow.Count == 0 || FlushSlow();

    /// <summary>Drops queued messages and returns their buffers (the messages are lost).</summary>
    public void Dispose()
    {
        while (_overflow.TryDequeue(out PendingMessage message))
        {
            _pool.Return(message.Buffer);
        }

        if (_claim == ClaimKind.Overflow && _claimBuffer is not null)
        {
            _pool.Return(_claimBuffer);
        }

        _claimBuffer = null;
        _claim = ClaimKind.None;
        if (_overflowBytes != 0)
        {
            OverflowAccount.Add(-_overflowBytes);
        }

        _overflowBytes = 0;
        _headSent = 0;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private Span<byte> ClaimSlow(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (_claim != ClaimKind.None)
        {
            ThrowHelper.ThrowClaimOutstanding();
        }

        if (length <= _ring.MaxPayload && FlushSlow() && _ring.TryClaim(length, out Span<byte> destination))
        {
            _claim = ClaimKind.Ring;
            _claimLength = length;
            return destination;
        }

        // Rent(0) may hand out a shared empty array; renting at least one byte keeps every
        // queued message's buffer distinct so it can be returned exactly once.
        _claimBuffer = _pool.Rent(Math.Max(length, 1));
        _claim = ClaimKind.Overflow;
        _claimLength = length;
        return _claimBuffer.AsSpan(0, length);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void CommitSlow(int type, int length)
    {
        if (type < 0)
        {
            ThrowHelper.ThrowNegativeMessageType(type);
        }

        if (_claim != ClaimKind.Overflow)
        {
            ThrowHelper.ThrowNoClaim();
        }

        if ((uint)length > (uint)_claimLength)
        {
            ThrowHelper.ThrowCommitLength(length, _claimLength);
        }

        byte[] buffer = _claimBuffer!;
        _overflow.Enqueue(new PendingMessage(buffer, length, type));
        _overflowBytes += length;
        long processBytes = OverflowAccount.Add(length);
        if (length > _ring.MaxPayload)
        {
            _fragmentedMessages++;
        }

        _claimBuffer = null;
        _claim = ClaimKind.None;
        if (!FlushSlow())
        {
            _overflowedMessages++;
            Watch?.Spilled(type, buffer.AsSpan(0, length), processBytes);
        }
    }

    private bool FlushSlow()
    {
        long moved = 0;
        bool empty = true;
        while (_overflow.TryPeek(out PendingMessage message))
        {
            if (!TryWriteHead(message))
            {
                empty = false;
                break;
            }

            _overflow.Dequeue();
            moved += message.Length;
            _headSent = 0;
            _pool.Return(message.Buffer);
        }

        if (moved != 0)
        {
            _overflowBytes -= moved;
            OverflowAccount.Add(-moved);
        }

        return empty;
    }

    // Writes what fits of the queue head; _headSent remembers progress through its fragments.
    private bool TryWriteHead(in PendingMessage message)
    {
        ReadOnlySpan<byte> bytes = message.Buffer.AsSpan(0, message.Length);
        int maxPayload = _ring.MaxPayload;
        if (bytes.Length <= maxPayload)
        {
            return _ring.TryWrite(message.Type, bytes);
        }

        Span<byte> destination;
        if (_headSent == 0)
        {
            if (!_ring.TryClaim(maxPayload, out destination))
            {
                return false;
            }

            int chunk = maxPayload - RingDescriptor.FirstFragmentHeaderLength;
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(destination, message.Type);
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(destination[sizeof(int)..], message.Length);
            bytes[..chunk].CopyTo(destination[RingDescriptor.FirstFragmentHeaderLength..]);
            _ring.Commit(RingDescriptor.FirstFragmentType);
            _headSent = chunk;
        }

        while (true)
        {
            int remaining = bytes.Length - _headSent;
            bool last = remaining <= maxPayload;
            int chunk = last ? remaining : maxPayload;
            if (!_ring.TryClaim(chunk, out destination))
            {
                return false;
            }

            bytes.Slice(_headSent, chunk).CopyTo(destination);
            _ring.Commit(last ? RingDescriptor.LastFragmentType : RingDescriptor.MiddleFragmentType);
            _headSent += chunk;
            if (last)
            {
                return true;
            }
        }
    }

    private readonly record struct PendingMessage(byte[] Buffer, int Length, int Type);
}
