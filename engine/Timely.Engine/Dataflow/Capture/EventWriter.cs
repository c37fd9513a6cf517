using System.Buffers.Binary;
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
        byte[] buffer = _buffer ?? throw new ObjectDisposedException(nameof(EventWriter<T, TData>));
        int payload = Measure(e);
        int total = checked(LengthPrefix + payload);
        if (buffer.Length < total)
        {
            buffer = Grow(total);
        }

        Span<byte> span = buffer.AsSpan(0, total);
        BinaryPrimitives.WriteUInt64LittleEndian(span, (ulong)payload);
        BinaryPrimitives.WriteUInt32LittleEndian(span[LengthPrefix..], e.Tag);
        int written = LengthPrefix + TagSize;
        if (e is Event<T, TData>.Messages m)
        {
            written += WireCodec<T>.Default.Write(span[written..], m.Time);
            List<TData> data = m.Data;
            written += WireCodec<List<TData>>.Default.Write(span[written..], data);
        }
        else
        {
            List<(T, long)> updates = ((Event<T, TData>.Progress)e).Updates;
            written += WireCodec<List<(T, long)>>.Default.Write(span[written..], updates);
        }

        if (written != total)
        {
            throw new InvalidOperationException($"EventWriter: a codec wrote {written - LengthPrefix} bytes but measured {payload}; the IWireCodec contract requires Measure to be exact.");
        }

        _stream.Write(span);
    }

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

    /// <summary>Payload bytes of <paramref name="e"/> (without the length prefix).</summary>
    internal static int Measure(Event<T, TData> e)
    {
        if (e is Event<T, TData>.Messages m)
        {
            List<TData> data = m.Data;
            return checked(TagSize + WireCodec<T>.Default.Measure(m.Time) + WireCodec<List<TData>>.Default.Measure(data));
        }

        List<(T, long)> updates = ((Event<T, TData>.Progress)e).Updates;
        return checked(TagSize + WireCodec<List<(T, long)>>.Default.Measure(updates));
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
