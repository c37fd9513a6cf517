using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Timely.Bytes;

namespace Timely.Dataflow.Capture;

/// <summary>
/// Reads events written by <see cref="EventWriter{T, TData}"/> (or Rust timely's) from a
/// <see cref="Stream"/>, without blocking on a non-blocking source: <see cref="TryNext"/>
/// takes whatever the stream has, keeps partial records across calls, and returns an event
/// only once all of it has arrived.
/// </summary>
/// <remarks>
/// "No data now" is a read that returns 0 bytes (when <c>zeroReadIsEnd</c> is false, for a
/// file another process is still appending to) or an <see cref="IOException"/>/<see cref="SocketException"/>
/// with <see cref="SocketError.WouldBlock"/> (a socket with <c>Blocking = false</c>). With
/// <c>zeroReadIsEnd</c> true (the default, .NET's Stream contract) a 0-byte read is the end:
/// a clean end between records returns false, an end inside a record throws.
/// Corrupt input (length above <c>maxRecordLength</c>, unknown tag, payload that decodes to
/// fewer or more bytes than its length, truncated data) throws <see cref="WireFormatException"/>
/// naming the stream offset of the record. The claimed length is checked against the maximum
/// before any buffer grows. Not thread-safe (a replay source belongs to one worker).
/// </remarks>
public sealed class EventReader<[WireEncoded] T, [WireEncoded] TData> : IEventIterator<T, TData>, IDisposable
{
    /// <summary>Largest accepted record payload unless the constructor says otherwise: 256 MiB.</summary>
    public const int DefaultMaxRecordLength = 256 * 1024 * 1024;

    private const int LengthPrefix = sizeof(ulong);
    private const int TagSize = sizeof(uint);
    private const int InitialBuffer = 64 * 1024;

    private readonly Stream _stream;
    private readonly int _maxRecordLength;
    private readonly bool _zeroReadIsEnd;
    private readonly bool _leaveOpen;
    private byte[]? _buffer;
    private int _start;       // first unconsumed byte in _buffer
    private int _end;         // one past the last byte read from the stream
    private long _offset;     // stream offset of _buffer[_start], for error messages

    /// <summary>A reader of the events in <paramref name="stream"/>, from its current position.</summary>
    /// <param name="stream">Any readable stream: a file, a socket's stream, a pipe.</param>
    /// <param name="maxRecordLength">Largest payload in bytes a record may claim; a larger claim throws <see cref="WireFormatException"/> before any buffer grows.</param>
    /// <param name="zeroReadIsEnd">True (the default): a read of 0 bytes ends the stream. False: it means "nothing yet" (a file another process is still writing).</param>
    /// <param name="leaveOpen">True: <see cref="Dispose"/> leaves <paramref name="stream"/> open.</param>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxRecordLength"/> is below 4 bytes (a variant tag) or above what an array can hold.</exception>
    public EventReader(Stream stream, int maxRecordLength = DefaultMaxRecordLength, bool zeroReadIsEnd = true, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        CaptureCodecs.Prepare<T, TData>();
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRecordLength, TagSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxRecordLength, Array.MaxLength - LengthPrefix);
        _stream = stream;
        _maxRecordLength = maxRecordLength;
        _zeroReadIsEnd = zeroReadIsEnd;
        _leaveOpen = leaveOpen;
        _buffer = BufferPool.Shared.Rent(InitialBuffer);
    }

    /// <summary>Stream offset of the first byte not yet returned as part of an event.</summary>
    public long Position => _offset;

    /// <summary>Bytes received that do not yet form a whole record.</summary>
    public int Buffered => _end - _start;

    /// <summary>The next whole event, or false (and null) when none has fully arrived yet or the stream has ended between records. Never blocks on a non-blocking source.</summary>
    /// <exception cref="WireFormatException">The record is corrupt (length above the maximum, unknown tag, wrong payload length) or the stream ended inside a record; the message gives the stream offset.</exception>
    /// <exception cref="ObjectDisposedException">The reader was disposed.</exception>
    public bool TryNext([NotNullWhen(true)] out Event<T, TData>? e)
    {
        byte[] buffer = _buffer ?? throw new ObjectDisposedException(nameof(EventReader<T, TData>));
        while (true)
        {
            int have = _end - _start;
            int needed = LengthPrefix;
            if (have >= LengthPrefix)
            {
                ulong length = BinaryPrimitives.ReadUInt64LittleEndian(buffer.AsSpan(_start));
                if (length > (ulong)_maxRecordLength)
                {
                    ThrowTooLong(length);
                }

                needed = LengthPrefix + (int)length;
                if (have >= needed)
                {
                    e = Decode(buffer.AsSpan(_start + LengthPrefix, (int)length));
                    _start += needed;
                    _offset += needed;
                    if (_start == _end)
                    {
                        _start = _end = 0;
                    }

                    return true;
                }
            }

            if (buffer.Length - _start < needed)
            {
                buffer = MakeRoom(needed);
            }

            int read = ReadSome(buffer);
            if (read > 0)
            {
                _end += read;
                continue;
            }

            if (read == 0 && _zeroReadIsEnd && have > 0)
            {
                ThrowEndedMidRecord(have, needed);
            }

            e = null;
            return false;
        }
    }

    /// <summary>Returns the buffer to the pool and closes the stream unless <c>leaveOpen</c> was set. Idempotent.</summary>
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

    /// <summary>Reads into the free tail of the buffer: bytes read, 0 at a zero read, -1 when the source would block.</summary>
    private int ReadSome(byte[] buffer)
    {
        try
        {
            return _stream.Read(buffer.AsSpan(_end));
        }
        catch (IOException ex) when (ex.InnerException is SocketException { SocketErrorCode: SocketError.WouldBlock })
        {
            return -1;
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.WouldBlock)
        {
            return -1;
        }
    }

    /// <summary>Makes room for a record of <paramref name="needed"/> bytes at _start (already checked against the maximum).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private byte[] MakeRoom(int needed)
    {
        byte[] buffer = _buffer!;
        int have = _end - _start;
        if (buffer.Length >= needed)
        {
            // Compact: move the partial record to the front.
            buffer.AsSpan(_start, have).CopyTo(buffer);
        }
        else
        {
            byte[] bigger = BufferPool.Shared.Rent((int)Math.Min(Array.MaxLength, Math.Max(needed, 2L * buffer.Length)));
            buffer.AsSpan(_start, have).CopyTo(bigger);
            BufferPool.Shared.Return(buffer);
            _buffer = buffer = bigger;
        }

        _start = 0;
        _end = have;
        return buffer;
    }

    private Event<T, TData> Decode(ReadOnlySpan<byte> payload)
    {
        try
        {
            var reader = new SpanReader(payload);
            uint tag = reader.ReadU32();
            Event<T, TData> e;
            switch (tag)
            {
                case 0:
                    List<(T, long)> updates = null!;
                    reader.Read(WireCodec<List<(T, long)>>.Default, ref updates);
                    e = new Event<T, TData>.Progress(updates);
                    break;
                case 1:
                    T time = default!;
                    reader.Read(WireCodec<T>.Default, ref time);
                    List<TData> data = null!;
                    reader.Read(WireCodec<List<TData>>.Default, ref data);
                    e = new Event<T, TData>.Messages(time, data);
                    break;
                default:
                    throw new WireFormatException($"unknown Event variant tag {tag} (expected 0 = Progress or 1 = Messages)");
            }

            if (reader.Remaining != 0)
            {
                throw new WireFormatException($"{reader.Remaining} trailing byte(s) after the event at payload offset {reader.Position}");
            }

            return e;
        }
        catch (WireFormatException ex)
        {
            throw new WireFormatException(
                $"Corrupt capture record at stream offset {_offset} (payload of {payload.Length} bytes starts at offset {_offset + LengthPrefix}): {ex.Message}", ex);
        }
    }

    [DoesNotReturn]
    private void ThrowTooLong(ulong length) =>
        throw new WireFormatException(
            $"Corrupt capture record at stream offset {_offset}: length {length} exceeds the maximum record length {_maxRecordLength}.");

    [DoesNotReturn]
    private void ThrowEndedMidRecord(int have, int needed) =>
        throw new WireFormatException(
            $"Capture stream ended inside the record at stream offset {_offset}: {have} of {needed} byte(s) arrived.");
}
