using System.Runtime.CompilerServices;
using Timely.Bytes;
using Timely.Communication.Diagnostics;

namespace Timely.Communication.Binary;

/// <summary>
/// The receiving side of one channel of a <see cref="BinaryAllocator"/>, seen untyped by its
/// dispatch loop: the sequence check of each message against the next one expected from its
/// sender, and the counts a receive and an idle look read (<see cref="InboxActivity"/>), here;
/// the decode into the channel's type and its queue in <see cref="BinaryInbox{T}"/>.
/// </summary>
/// <remarks>
/// An abstract class rather than an interface: a delivered message costs one virtual call
/// (<see cref="Decode"/>) where the interface cost an interface dispatch for the delivery and
/// two more per channel and receive for <see cref="Channel"/> and the touched flag, which are
/// plain field reads here. Everything is the owning worker's alone: plain fields.
/// </remarks>
internal abstract class BinaryInbox
{
    private readonly long[] _expected;
    private readonly WorkerCounters _counters;
    private readonly InboxActivity _activity;
    private readonly Func<int, string>? _sourceName;
    private bool _touched;

    protected BinaryInbox(int channel, int peers, WorkerCounters counters, InboxActivity activity, Func<int, string>? sourceName)
    {
        Channel = channel;
        _expected = new long[peers];
        _counters = counters;
        _activity = activity;
        _sourceName = sourceName;
    }

    /// <summary>The channel this inbox receives for.</summary>
    public int Channel { get; }

    /// <summary>
    /// Called when the allocator has recorded this channel's event: the next message decoded
    /// here touches the inbox in <see cref="InboxActivity"/> again.
    /// </summary>
    public void ClearTouched() => _touched = false;

    /// <summary>Decodes one message with timely's header for this channel (called on the owning worker's thread during Receive).</summary>
    public void Deliver(in MessageHeader header, ReadOnlySpan<byte> payload)
    {
        int source = header.Source;
        if ((uint)source >= (uint)_expected.Length)
        {
            throw new WireFormatException($"channel {Channel}: message from worker {source}, but there are only {_expected.Length} workers.");
        }

        if (header.Seqno != _expected[source])
        {
            throw new WireFormatException($"channel {Channel}: message {header.Seqno} from {SourceName(source)} arrived where {_expected[source]} was expected (a message was lost, repeated or reordered).");
        }

        Take(source, header.Seqno, payload, MessageHeader.Size + payload.Length);
    }

    /// <summary>
    /// Decodes one message of a <see cref="CompactRecord"/> from <paramref name="source"/>
    /// (the ring's writer, so in range) after checking its sequence tag, and returns its
    /// seqno; <paramref name="recordBytes"/> is what the record held, for the byte counter.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long DeliverCompact(int source, int seqTag, ReadOnlySpan<byte> payload, int recordBytes)
    {
        long seqno = _expected[source];
        if (CompactRecord.SeqTag(seqno) != seqTag)
        {
            ThrowSeqTagMismatch(source, seqTag, seqno);
        }

        Take(source, seqno, payload, recordBytes);
        return seqno;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Take(int source, long seqno, ReadOnlySpan<byte> payload, int recordBytes)
    {
        _expected[source]++;
        Decode(source, seqno, payload);
        _counters.BytesReceivedRef += recordBytes;
        _activity.Queued++;
        if (!_touched)
        {
            _touched = true;
            _activity.Touch(this);
        }
    }

    /// <summary>Decodes message <paramref name="seqno"/> from <paramref name="source"/> and queues it for a pull; throws <see cref="WireFormatException"/> when it does not decode.</summary>
    protected abstract void Decode(int source, long seqno, ReadOnlySpan<byte> payload);

    /// <summary>The sender's name for an error: its process and address when the transport says.</summary>
    protected string SourceName(int worker) => _sourceName?.Invoke(worker) ?? $"worker {worker}";

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowSeqTagMismatch(int source, int seqTag, long seqno) =>
        throw new WireFormatException($"channel {Channel}: a compact record with sequence tag {seqTag} from {SourceName(source)} arrived where message {seqno} (tag {CompactRecord.SeqTag(seqno)}) was expected (a message was lost, repeated or reordered, or the record's type word is garbled).");
}
