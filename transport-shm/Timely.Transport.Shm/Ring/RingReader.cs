using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Timely.Bytes;
using Timely.Transport.Shm.Layout;

namespace Timely.Transport.Shm.Ring;

/// <summary>
/// The receiving side of a ring for whole messages: hands out each message as
/// (type, bytes), in place when it came as one record, reassembled into a pooled buffer when
/// <see cref="RingWriter"/> fragmented it.
/// </summary>
// Design:
// - Ownership: one consumer thread owns this object and the consumer side of the ring; not
//   thread-safe, nothing volatile here (the ring does the cross-thread ordering).
// - Lifetime: a message span stays valid until ReleaseRead, which releases
//   every ring record read so far with one head store and returns the reassembly buffers of
//   the messages handed out since the last release.
// - Usage: read until TryRead returns false, then ReleaseRead.
//   A fragmented message longer than the ring arrives only as the reader releases what it
//   has copied, so a reader that never releases while TryRead returns false
//   would stall its writer.
// - The fragment stream comes from another process: every field is checked against the
//   message's declared length, and that length against a cap, before a byte is copied.
public sealed class RingReader : IDisposable
{
    /// <summary>Default cap on a reassembled message: 1 GiB.</summary>
    public const int DefaultMaxMessageLength = 1 << 30;

    private readonly SpscByteRing _ring;
    private readonly BufferPool _pool;
    private readonly int _maxMessageLength;
    private readonly List<byte[]> _handedOut = [];
    private byte[]? _assembly;
    private int _assemblyType;
    private int _assemblyLength;
    private int _assembled;

    /// <summary>Reads from the consumer side of <paramref name="ring"/>; reassembly buffers come from <paramref name="pool"/> (default <see cref="BufferPool.Shared"/>).</summary>
    public RingReader(SpscByteRing ring, BufferPool? pool = null, int maxMessageLength = DefaultMaxMessageLength)
    {
        ArgumentNullException.ThrowIfNull(ring);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxMessageLength);
        _ring = ring;
        _pool = pool ?? BufferPool.Shared;
        _maxMessageLength = maxMessageLength;
    }

    /// <summary>The ring read from.</summary>
    public SpscByteRing Ring => _ring;

    /// <summary>True while part of a fragmented message has arrived and the rest has not.</summary>
    public bool IsAssembling => _assembly is not null;

    /// <summary>Whether the ring holds records not read yet (see <see cref="SpscByteRing.HasUnread"/>).</summary>
    public bool HasUnread => _ring.HasUnread;

    /// <summary>Next whole message, or false when none has fully arrived yet.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryRead(out int type, out ReadOnlySpan<byte> message)
    {
        while (_ring.TryRead(out type, out message))
        {
            if (type >= 0 && _assembly is null)
            {
                return true;
            }

            if (AppendFragment(ref type, ref message))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Releases everything read so far; spans from earlier <see cref="TryRead"/> calls become invalid.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void ReleaseRead()
    {
        _ring.ReleaseRead();
        if (_handedOut.Count != 0)
        {
            ReturnHandedOut();
        }
    }

    /// <summary>Returns every pooled buffer this reader holds.</summary>
    public void Dispose()
    {
        ReturnHandedOut();
        if (_assembly is not null)
        {
            _pool.Return(_assembly);
            _assembly = null;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ReturnHandedOut()
    {
        foreach (byte[] buffer in _handedOut)
        {
            _pool.Return(buffer);
        }

        _handedOut.Clear();
    }

    // Consumes one fragment record (type/message in), and on the last one replaces them with
    // the whole message (type/message out) and returns true.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool AppendFragment(ref int type, ref ReadOnlySpan<byte> payload)
    {
        switch (type)
        {
            case RingDescriptor.FirstFragmentType:
            {
                if (_assembly is not null)
                {
                    ThrowHelper.ThrowCorruptFragment("a first fragment arrived inside another fragmented message");
                }

                if (payload.Length < RingDescriptor.FirstFragmentHeaderLength)
                {
                    ThrowHelper.ThrowCorruptFragment($"first fragment of {payload.Length} bytes is shorter than its header");
                }

                int messageType = BinaryPrimitives.ReadInt32LittleEndian(payload);
                int length = BinaryPrimitives.ReadInt32LittleEndian(payload[sizeof(int)..]);
                ReadOnlySpan<byte> data = payload[RingDescriptor.FirstFragmentHeaderLength..];
                if (messageType < 0 || length > _maxMessageLength || length <= data.Length)
                {
                    ThrowHelper.ThrowCorruptFragment(
                        $"first fragment declares type {messageType} and length {length} (cap {_maxMessageLength}, {data.Length} bytes in this fragment)");
                }

                _assembly = _pool.Rent(length);
                _assemblyType = messageType;
                _assemblyLength = length;
                data.CopyTo(_assembly);
                _assembled = data.Length;
                return false;
            }

            case RingDescriptor.MiddleFragmentType:
            case RingDescriptor.LastFragmentType:
            {
                if (_assembly is null)
                {
                    ThrowHelper.ThrowCorruptFragment("a middle or last fragment arrived without a first fragment");
                }

                bool last = type == RingDescriptor.LastFragmentType;
                int remaining = _assemblyLength - _assembled;
                if (last ? payload.Length != remaining : payload.Length >= remaining)
                {
                    ThrowHelper.ThrowCorruptFragment(
                        $"{(last ? "last" : "middle")} fragment of {payload.Length} bytes with {remaining} bytes of the message outstanding");
                }

                payload.CopyTo(_assembly.AsSpan(_assembled));
                _assembled += payload.Length;
                if (!last)
                {
                    return false;
                }

                _handedOut.Add(_assembly);
                type = _assemblyType;
                payload = _assembly.AsSpan(0, _assemblyLength);
                _assembly = null;
                return true;
            }

            default:
                if (type >= 0)
                {
                    ThrowHelper.ThrowCorruptFragment($"a whole message of type {type} arrived inside a fragmented message");
                }

                ThrowHelper.ThrowCorruptFragment($"unknown reserved record type {type}");
                return false;
        }
    }
}
