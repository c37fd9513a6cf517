using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using Timely.Bytes;

namespace Timely.Dataflow.Capture;

/// <summary>
/// Writes events to a <see cref="Stream"/> in timely's <c>EventWriter</c> format: per event
/// a u64 LE payload length, then the payload as bincode 1.x (fixed-width) encodes
/// <c>Event&lt;T, Vec&lt;D&gt;&gt;</c>: a u32 LE variant tag (0 Progress, 1 Messages), then
/// Progress = u64 count and (T, i64) pairs, Messages = T, u64 count and the TData's.
/// T and TData use <see cref="WireCodec{T}.Default"/>.
/// </summary>
/// <remarks>
/// Each event is serialized into one buffer rented from <see cref="BufferPool.Shared"/>,
/// kept across events and grown only when an event is larger, then handed to the stream in
/// one <see cref="Stream.Write(ReadOnlySpan{byte})"/>; steady state allocates nothing.
/// Not thread-safe (a pusher belongs to one worker). Wrap a file or socket in a
/// <see cref="BufferedStream"/> if many small events should share a system call.
/// </remarks>
public sealed class EventWriter<T, TData> : IEventPusher<T, TData>, IDisposable
{
    private const int LengthPrefix = sizeof(ulong);
    private const int TagSize = sizeof(uint);
    private const int InitialBuffer = 4096;

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private byte[]? _buffer;

    public EventWriter(Stream stream, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
        _leaveOpen = leaveOpen;
        _buffer = BufferPool.Shared.Rent(InitialBuffer);
    }

    public void Push(Event<T, TData> e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (e is Event<T, TData>.Messages m)
        {
            PushMessages(m.Time, m.Data);
        }
        else
        {
            PushProgress(((Event<T, TData>.Progress)e).Updates);
        }
    }

    /// <summary>
    /// Writes <c>Messages(time, data)</c> without an event object; <paramref name="data"/> is
    /// only read. The capture operator uses this to write a received batch in place.
    /// </summary>
    internal void PushMessages(T time, List<TData> data)
    {
        int payload = checked(TagSize + WireCodec<T>.Default.Measure(time) + WireCodec<List<TData>>.Default.Measure(data));
        Span<byte> span = Start(payload, 1);
        int written = LengthPrefix + TagSize;
        written += WireCodec<T>.Default.Write(span[written..], time);
        written += WireCodec<List<TData>>.Default.Write(span[written..], data);
        Finish(span, written);
    }

    /// <summary>Writes <c>Progress(updates)</c> without an event object; <paramref name="updates"/> is only read.</summary>
    internal void PushProgress(List<(T, long)> updates)
    {
        int payload = checked(TagSize + WireCodec<List<(T, long)>>.Default.Measure(updates));
        Span<byte> span = Start(payload, 0);
        int written = LengthPrefix + TagSize;
        written += WireCodec<List<(T, long)>>.Default.Write(span[written..], updates);
        Finish(span, written);
    }

    /// <summary>The record's span in the buffer (grown if needed) with the length prefix and tag written.</summary>
    private Span<byte> Start(int payload, uint tag)
    {
        byte[] buffer = _buffer ?? throw new ObjectDisposedException(nameof(EventWriter<T, TData>));
        int total = checked(LengthPrefix + payload);
        if (buffer.Length < total)
        {
            buffer = Grow(total);
        }

        Span<byte> span = buffer.AsSpan(0, total);
        BinaryPrimitives.WriteUInt64LittleEndian(span, (ulong)payload);
        BinaryPrimitives.WriteUInt32LittleEndian(span[LengthPrefix..], tag);
        return span;
    }

    private void Finish(Span<byte> span, int written)
    {
        if (written != span.Length)
        {
            ThrowMeasureMismatch(written - LengthPrefix, span.Length - LengthPrefix);
        }

        _stream.Write(span);
    }

    [DoesNotReturn]
    private static void ThrowMeasureMismatch(int written, int measured) =>
        throw new InvalidOperationException($"EventWriter: a codec wrote {written} bytes but measured {measured}; the IWireCodec contract requires Measure to be exact.");

    /// <summary>Flushes the underlying stream.</summary>
    public void Flush() => _stream.Flush();

    public void Dispose()
    {
        byte[]? buffer = _buffer;
        if (buffer is null)
        {
            return;
        }

        _buffer = null;
        BufferPool.Shared.Return(buffer);
        if (!_leaveOpen)
        {
            _stream.Dispose();
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private byte[] Grow(int needed)
    {
        byte[] bigger = BufferPool.Shared.Rent((int)Math.Min(Array.MaxLength, Math.Max(needed, 2L * _buffer!.Length)));
        BufferPool.Shared.Return(_buffer);
        _buffer = bigger;
        return bigger;
    }
}
