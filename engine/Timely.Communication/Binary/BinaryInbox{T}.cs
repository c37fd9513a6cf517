using System.Runtime.CompilerServices;
using Timely.Bytes;
using Timely.Communication.Diagnostics;

namespace Timely.Communication.Binary;

/// <summary>
/// One channel's receiving side in a <see cref="BinaryAllocator"/>: messages decoded during
/// <c>Receive</c> wait here, FIFO per sender, until pulled. Instances handed back through the
/// pull slot become decode targets, so a steady stream of lists reuses the same lists: with an
/// <see cref="IRecycler{T}"/> (the worker's store of empty messages) decodes take from it and
/// handed-back instances go to it, otherwise the inbox keeps a free list of its own. Each
/// decode and each pull is counted in the allocator's <see cref="InboxActivity"/>, and the
/// first decode since the channel's last event puts this inbox on its touched list.
/// </summary>
/// <remarks>
/// Decoding happens in <c>Receive</c>, before the worker pulls, so a burst of k messages needs k
/// instances at once; the free list therefore keeps up to the deepest burst seen. A recycler
/// shared with the worker's other channels lets that burst's instances carry the worker's next
/// burst, whichever channel or output it is on, where a free list of the inbox's own held them
/// for this channel alone (a second copy of the burst beside the worker's).
/// Each message's sequence number (from timely's header, or its low 7 bits from a
/// <see cref="CompactRecord"/>'s tag) is checked against the next one expected from its
/// sender: a gap or a repeat means a lost or duplicated message, and is reported instead
/// of silently delivered out of order. Every decode error names the channel, the sending
/// worker (with its process and address when the transport says, <see cref="BinaryLinks.SourceName"/>),
/// the message's sequence number and the byte offset the codec stopped at.
/// </remarks>
// Design:
// - Why a receive decodes out of the ring rather than handing the puller a view of the ring's
//   bytes and releasing them at pull: the decode's copy is where a 64-byte payload's second
//   cache line arrives, but a view does not save that line. A 72-byte compact record ends
//   inside its second line for 7 records in 8, and the next record's header word, which the
//   drain looks at straight after taking this one, lies there too; so the line is fetched by
//   that look instead of by the copy. A prototype that decoded at pull and released the ring
//   at Release (netbench over shm) measured the same round trip as the eager decode, and its
//   profile showed the decode's samples gone to the drain's look at the next header. Holding
//   ring bytes until pull would also tie the writer's room to how fast operators pull.
internal sealed class BinaryInbox<T> : BinaryInbox, IPull<T>
    where T : class
{
    private const int MinFree = 64;

    private readonly IWireCodec<T> _codec;
    private readonly ByteArrayCodec? _bytes;   // _codec when it is byte[]'s built-in one, called directly (see ByteArrayCodec)
    private readonly Queue<T> _messages = new();
    private readonly Stack<T> _free = new();
    private readonly InboxActivity _activity;
    private readonly WorkerCounters _counters;
    private readonly IRecycler<T>? _recycler;
    private readonly bool _mayBeStamped;
    private T? _current;
    private T? _next;       // the oldest decoded message not pulled, when _queued > 0; _messages holds the rest
    private T? _spare;      // one handed-back instance, taken by the next decode before the free list
    private int _queued;    // decoded and not pulled: _next and _messages
    private int _peakQueued;

    public BinaryInbox(IWireCodec<T> codec, int channel, int peers, WorkerCounters counters, InboxActivity activity, Func<int, string>? sourceName = null, IRecycler<T>? recycler = null)
        : base(channel, peers, counters, activity, sourceName)
    {
        _codec = codec;
        _bytes = codec as ByteArrayCodec;
        _recycler = recycler;
        _activity = activity;
        _counters = counters;

        // A value of a sealed type (an array, a sealed class) that does not implement the
        // interface never does, so its decode skips the cast: an `is` on the shared generic
        // code took about 70 instructions a message (callgrind, Native AOT).
        Type type = typeof(T);
        _mayBeStamped = !(type.IsArray || type.IsSealed) || typeof(ISenderStamped).IsAssignableFrom(type);
    }

    protected override void Decode(int source, long seqno, ReadOnlySpan<byte> payload)
    {
        T value;
        if (_recycler is not null)
        {
            value = _recycler.Rent();
        }
        else if (_spare is not null)
        {
            value = _spare;
            _spare = null;
        }
        else
        {
            value = _free.TryPop(out var recycled) ? recycled : null!;
        }

        int read;
        try
        {
            // T is byte[] whenever _bytes is set (see BinaryPusher.Push), so the cast is the identity.
            read = _bytes is { } bytes ? bytes.Read(payload, ref Unsafe.As<T, byte[]>(ref value)) : _codec.Read(payload, ref value);
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException or IndexOutOfRangeException or InvalidOperationException)
        {
            // Codecs report the offset in their own message ("at byte 8"); a bare overflow or
            // range error from a codec that does not is still pinned to this message.
            ThrowUndecodable(source, seqno, payload.Length, e);
            throw;   // not reached: the thrower never returns
        }

        if (read != payload.Length)
        {
            ThrowEndsEarly(source, seqno, payload.Length, read);
        }

        if (_mayBeStamped && value is ISenderStamped stamped)
        {
            // The header names the sender and numbers the message per (channel, sender, target),
            // as the sending LogPusher does, so a logged receive matches its logged send.
            stamped.StampSender(source, seqno);
        }

        // The common hop decodes one message and pulls it before the next arrives: it stays in
        // _next and never touches the queue (an enqueue and a dequeue on the shared generic
        // code, about 70 instructions a message).
        if (_queued == 0)
        {
            _next = value;
        }
        else
        {
            _messages.Enqueue(value);
        }

        if (++_queued > _peakQueued)
        {
            _peakQueued = _queued;
        }
    }

    // The messages built in throwers of their own: inlined, their interpolation handlers were a
    // 0x40-byte part of Decode's frame that every decode zeroed (callgrind, Native AOT). Bodies
    // that only throw, not NoInlining, so the call is known never to return (see
    // MemoryRegion.ThrowOutOfRange).
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private void ThrowUndecodable(int source, long seqno, int length, Exception inner) =>
        throw new WireFormatException($"{Describe(source, seqno, length)} does not decode: {inner.Message}", inner);

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private void ThrowEndsEarly(int source, long seqno, int length, int read) =>
        throw new WireFormatException($"{Describe(source, seqno, length)} does not decode: it ends at byte {read}, {length - read} bytes early.");

    private string Describe(int source, long seqno, int length)
    {
        return $"channel {Channel}: the {length}-byte {TypeName} (message {seqno}) from {SourceName(source)}";
    }

    private static string TypeName => typeof(T).IsGenericType ? $"{typeof(T).Name[..typeof(T).Name.IndexOf('`', StringComparison.Ordinal)]}<{string.Join(", ", typeof(T).GetGenericArguments().Select(a => a.Name))}>" : typeof(T).Name;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref T? Pull()
    {
        // Keep as many handed-back instances as the deepest burst needed: fewer and every
        // burst beyond the cap decodes into fresh allocations (measured: ~2 B per message
        // with a fixed cap of 64 under 32-deep bursts). The memory is what the peak burst
        // already held, so this bounds nothing new.
        if (_current is not null)
        {
            HandBack(_current);
        }

        if (_queued != 0)
        {
            _current = _next;
            if (_messages.Count != 0)
            {
                _next = _messages.Dequeue();
            }
            else
            {
                // A null constant: a store the GC need not see, where the conditional's value
                // was a reference store through the write barrier on every pull (about 11
                // instructions; callgrind, Native AOT).
                _next = null;
            }

            _queued--;
            _activity.Queued--;
            _counters.MessagesReceivedRef++;
        }
        else
        {
            _current = null;
        }

        return ref _current;
    }

    // The spare slot first, then the free list up to the deepest burst (the spare counts in it).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void HandBack(T instance)
    {
        if (_recycler is not null)
        {
            _recycler.Return(instance);
        }
        else if (_spare is null)
        {
            _spare = instance;
        }
        else if (_free.Count + 1 < Math.Max(MinFree, _peakQueued))
        {
            _free.Push(instance);
        }
    }
}
