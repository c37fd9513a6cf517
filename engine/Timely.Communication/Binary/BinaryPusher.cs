using System.Runtime.CompilerServices;
using Timely.Bytes;
using Timely.Communication.Diagnostics;
using Timely.Communication.Fabrics;
using Timely.Communication.Logging;
using Timely.Communication.Wakeup;
using Timely.Transport.Shm.Ring;

namespace Timely.Communication.Binary;

/// <summary>
/// Sends typed messages to one target as bytes, serialized in place into the ring the writer
/// claims: a <see cref="CompactRecord"/> (channel and sequence tag in the record's type word,
/// then the codec's encoding) when the ring joins this worker and the target alone, timely's
/// <c>MessageHeader</c> and the codec's encoding otherwise (a ring to a TCP send thread,
/// whose bytes go to the socket as they are). The item stays in
/// the caller's slot after the push (its bytes are sent, the object is free to reuse), which
/// is how timely's binary pushers hand buffers back.
/// </summary>
internal sealed class BinaryPusher<T> : IPush<T>
    where T : class
{
    private readonly IWireCodec<T> _codec;
    private readonly ByteArrayCodec? _bytes;   // _codec when it is byte[]'s built-in one, called directly (see ByteArrayCodec)
    private readonly RingWriter _writer;
    private readonly IWakeTarget _bell;
    private readonly bool[] _dirty;
    private readonly WorkerCounters _counters;
    private readonly int _channel;
    private readonly int _source;
    private readonly int _target;
    private readonly bool _flushAtRelease;
    private readonly bool _compact;
    private readonly int _prefix;         // bytes before the codec's: MessageHeader.Size, or the compact record's escape (0 or 4)
    private readonly int _channelField;   // the compact record's channel field
    private readonly Allocator _owner;
    private long _seqno;

    public BinaryPusher(IWireCodec<T> codec, RingWriter writer, IWakeTarget bell, bool[] dirty, WorkerCounters counters, int channel, int source, int target, Allocator owner, bool compact)
    {
        _compact = compact;
        _prefix = compact ? CompactRecord.PrefixLength(channel) : MessageHeader.Size;
        _channelField = CompactRecord.ChannelField(channel);
        _owner = owner;
        _codec = codec;
        _bytes = codec as ByteArrayCodec;
        _writer = writer;
        _bell = bell;
        _dirty = dirty;
        _counters = counters;
        _channel = channel;
        _source = source;
        _target = target;
        _flushAtRelease = bell is TcpSendBell;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Push(ref T? item)
    {
        if (item is null)
        {
            Done();
            return;
        }

        // T is byte[] whenever _bytes is set (IWireCodec<T> is invariant and ByteArrayCodec is
        // an IWireCodec<byte[]> only), so the casts below are the identity.
        ByteArrayCodec? bytes = _bytes;
        int length = bytes is not null ? bytes.Measure(Unsafe.As<byte[]>(item)) : _codec.Measure(item);
        if (length <= 0)
        {
            ThrowEmptyEncoding(length);
        }

        Span<byte> record = _writer.Claim(_prefix + length);
        long seqno = _seqno++;
        if (_prefix != 0)
        {
            WritePrefix(record, length, seqno);
        }

        if (_owner.CommunicationLogger is { } logger)
        {
            LogSend(logger, length, seqno);
        }

        int written = bytes is not null ? bytes.Write(record[_prefix..], Unsafe.As<byte[]>(item)) : _codec.Write(record[_prefix..], item);
        if (written != length)
        {
            ThrowCodecMismatch(length, written);
        }

        _writer.Commit(_compact ? CompactRecord.Type(_channelField, seqno) : 0);
        _counters.MessagesSentRef++;
        _counters.BytesSentRef += _prefix + length;
        _dirty[_target] = true;
        _bell.RingIfSleeping();
    }

    /// <summary>
    /// Flushes. Towards a TCP path the socket write waits for the worker's next
    /// <see cref="Allocator.Receive"/>, <see cref="Allocator.Release"/> or
    /// <see cref="Allocator.AwaitEvents"/> (a dataflow step ends in one), so what a step sends
    /// to a process (data, then progress) leaves in one write instead of one per channel
    /// (pingpong 30000 over TCP: median 1.69 s against 1.98 s, 6 interleaved runs each).
    /// Never later than the send thread's idle poll (100 ms) even if the worker calls none.
    /// </summary>
    public void Done()
    {
        _writer.Flush();
        if (_flushAtRelease)
        {
            _dirty[_target] = true;
            return;
        }

        _dirty[_target] = false;
        FenceThenRing.One(_bell);
    }

    private void WritePrefix(Span<byte> record, int length, long seqno)
    {
        if (_compact)
        {
            CompactRecord.WriteEscapedChannel(record, _channel);
        }
        else
        {
            new MessageHeader(_channel, _source, _target, _target + 1, length, seqno).WriteTo(record);
        }
    }

    // Out of line: built inline, the event and its header were a 0x178-byte frame that Push
    // zeroed on every message whether a logger was set or not (callgrind, Native AOT).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void LogSend(Timely.Logging.Logger<CommunicationEvent> logger, int length, long seqno) =>
        logger.Log(CommunicationEvent.Of(new MessageEvent(true, new MessageHeader(_channel, _source, _target, _target + 1, length, seqno))));

    // A message must encode to at least one byte: on the wire a frame whose header says length
    // 0 is timely's end of stream (MessageHeader.IsEndOfStream), so over TCP an empty message
    // would end the peer's reading of the connection with the job's later frames unread. Rust
    // timely's send path has the same rule unchecked; here the sender is told at the push, on
    // every transport, so a codec that works over shared memory cannot fail only over TCP.
    // The throwers are not NoInlining: the JIT reads a body that only throws, knows the call
    // never returns, and keeps Push's registers out of it (see MemoryRegion.ThrowOutOfRange).
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private void ThrowEmptyEncoding(int measured) =>
        throw new InvalidOperationException($"the codec for {typeof(T).Name} measured {measured} bytes for a message (channel {_channel}); a message must encode to at least one byte, since a zero-length frame is the wire's end of stream.");

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private void ThrowCodecMismatch(int measured, int written) =>
        throw new InvalidOperationException($"the codec for {typeof(T).Name} measured {measured} bytes but wrote {written} (channel {_channel}); Measure must be exact.");
}
