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
/// <para>Each event is serialized into one buffer rented from <see cref="BufferPool.Shared"/>,
/// kept across events and grown only when an event is larger, then handed to the stream in
/// one <see cref="Stream.Write(ReadOnlySpan{byte})"/>; steady state allocates nothing.
/// Wrap a file or socket in a <see cref="BufferedStream"/> if many small events should share
/// a system call.</para>
/// <para>Who closes it. A capture owns its end, as Rust drops the pusher with the operator:
/// <see cref="CaptureOperators.CaptureInto{T, TData}"/> flushes the writer when its input is
/// complete and then closes it (and its stream). Both natural programs therefore leave a
/// complete, closed file: a writer created without <c>using</c>, and one declared with
/// <c>using var</c> inside the <c>Execute.Run</c> closure, whose <see cref="Dispose"/> runs
/// when the closure returns, before the worker steps the dataflow to completion.
/// <see cref="Dispose"/> while a capture into this writer has not completed is therefore
/// deferred: the writer stays open and the capture closes it when its input is complete
/// (if the dataflow never completes, for example because the worker failed, the writer is not
/// closed). Once closed, <see cref="Dispose"/> and <see cref="Flush"/> are no-ops and
/// <see cref="Push"/> throws an <see cref="ObjectDisposedException"/> naming the stream.</para>
/// <para>With <c>leaveOpen: true</c> (a socket the caller reuses) the capture only flushes at
/// completion: the writer stays usable and the stream open; <see cref="Dispose"/> returns the
/// buffer and never closes the stream (deferred the same way while a capture is running).</para>
/// <para>Not thread-safe: a writer belongs to one worker (each worker its own writer and
/// file), and its capture, its pushes and its <see cref="Dispose"/> run on that worker's
/// thread, or after the run has been joined.</para>
/// </remarks>
public sealed class EventWriter<[WireEncoded] T, [WireEncoded] TData> : IEventPusher<T, TData>, IDisposable
{
    private const int LengthPrefix = sizeof(ulong);
    private const int TagSize = sizeof(uint);
    private const int InitialBuffer = 4096;

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private byte[]? _buffer;

    // Captures into this writer that have not completed, and whether Dispose was called
    // meanwhile (then the last one to complete closes the writer).
    private int _captures;
    private bool _disposeRequested;

    /// <summary>A writer of events to <paramref name="stream"/>, from its current position.</summary>
    /// <param name="stream">Any writable stream: a file, a socket's stream, a <see cref="MemoryStream"/>.</param>
    /// <param name="leaveOpen">True: neither the capture's completion nor <see cref="Dispose"/> closes <paramref name="stream"/>; the capture only flushes it.</param>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is null.</exception>
    public EventWriter(Stream stream, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        CaptureCodecs.Prepare<T, TData>();
        _stream = stream;
        _leaveOpen = leaveOpen;
        _buffer = BufferPool.Shared.Rent(InitialBuffer);
    }

    /// <summary>Serializes <paramref name="e"/> and writes it to the stream in one write.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="e"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">The writer was closed (its capture completed or it was disposed).</exception>
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

    /// <summary>A capture starts pushing into this writer; throws if the writer is already closed.</summary>
    internal void AttachCapture()
    {
        if (_buffer is null)
        {
            ThrowClosed();
        }

        _captures++;
    }

    /// <summary>
    /// A capture's input is complete: flush, and close the writer unless it was made with
    /// <c>leaveOpen</c> and nobody asked to dispose it (another capture still running keeps it open).
    /// </summary>
    internal void CaptureCompleted()
    {
        _captures--;
        if (_buffer is null)
        {
            return;
        }

        _stream.Flush();
        if (_captures == 0 && (!_leaveOpen || _disposeRequested))
        {
            Close();
        }
    }

    /// <summary>The record's span in the buffer (grown if needed) with the length prefix and tag written.</summary>
    private Span<byte> Start(int payload, uint tag)
    {
        byte[]? buffer = _buffer;
        if (buffer is null)
        {
            ThrowClosed();
        }

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

    [DoesNotReturn]
    private void ThrowClosed() =>
        throw new ObjectDisposedException(
            nameof(EventWriter<T, TData>),
            $"EventWriter for {StreamName} is closed: its capture closes it when the captured stream is complete, or it was disposed. Use a new writer, or pass leaveOpen: true to keep the stream open after the capture.");

    private string StreamName => _stream is FileStream file ? file.Name : $"a {_stream.GetType().Name}";

    /// <summary>Flushes the underlying stream; a no-op once the writer is closed (closing flushed it).</summary>
    public void Flush()
    {
        if (_buffer is not null)
        {
            _stream.Flush();
        }
    }

    /// <summary>
    /// Closes the writer and, unless it was made with <c>leaveOpen</c>, its stream. Deferred while
    /// a capture into it has not completed (the capture closes it then); idempotent.
    /// </summary>
    public void Dispose()
    {
        if (_captures > 0)
        {
            _disposeRequested = true;
            return;
        }

        Close();
    }

    private void Close()
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
