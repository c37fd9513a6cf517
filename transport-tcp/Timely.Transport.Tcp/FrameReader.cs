using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Timely.Bytes;

namespace Timely.Transport.Tcp;

/// <summary>
/// The receive side of one connection: cuts the byte stream into timely frames (48-byte
/// <see cref="MessageHeader"/> + payload), checks every header against what this peer may
/// send, and hands each frame out in place from one pooled buffer.
/// </summary>
/// <remarks>
/// Design: owned by one thread at a time (the connection's receive thread, or a worker that
/// reads its socket itself: whoever hands it over publishes its fields with a full fence); no
/// shared state.
/// One buffer from <see cref="BufferPool"/> (<see cref="InitialBufferBytes"/>) takes as many
/// frames as one socket read brings, so small frames cost one syscall per batch, not per
/// frame. A frame larger than the buffer grows it to the frame's size, but only after the
/// header's length passed the <c>maxMessageBytes</c> check: nothing is allocated on a
/// peer's say-so beyond that bound. Every way a stream can end other than a zero-length
/// header (timely's end of stream) is a <see cref="TcpTransportException"/> naming the peer.
/// With <see cref="Integrity"/> on, each frame's extension (<see cref="FrameIntegrity"/>) is
/// checked before anything else: the header's checksum before its length is believed, the
/// connection's sequence number (a dropped, repeated or inserted frame, a forged end of stream
/// included, fails at the next frame that arrives), then the payload's checksum; each failure
/// names the peer, the frame's number and channel and its offset in the stream. The frame is
/// then handed out as timely's (header and payload, contiguous: the 48 header bytes are moved
/// up over the extension in the buffer).
/// </remarks>
public sealed class FrameReader : IDisposable
{
    /// <summary>Size of the receive buffer: 256 KiB, enough for many small frames per read.</summary>
    public const int InitialBufferBytes = 256 * 1024;

    /// <summary>How long one wait for data on a non-blocking socket lasts before it looks again.</summary>
    private const int PollSliceMicroseconds = 100_000;

    private readonly Socket _socket;
    private readonly string _peer;
    private readonly int _maxMessageBytes;
    private readonly int _sourceLower;
    private readonly int _sourceUpper;
    private readonly int _targetLower;
    private readonly int _targetUpper;
    private byte[] _buffer;
    private int _start;
    private int _end;
    private long _frames;
    private long _offset;   // stream bytes before the current frame, so an error can say where it is
    private long _lastArrival = Environment.TickCount64;
    private bool _drained;  // the last read took less than it was offered: the kernel's queue was empty then
    private uint _sequence; // the sequence number the next frame must carry (Integrity)
    private long _headerIntactOf = -1; // the frame (by number) whose header checksum was verified at _start: checked once, whether HasBufferedFrame or Read looks first

    /// <summary>
    /// Reads frames from <paramref name="socket"/>, sent by <paramref name="peer"/>, whose
    /// workers are <paramref name="sourceLower"/>..<paramref name="sourceUpper"/> (exclusive),
    /// for workers <paramref name="targetLower"/>..<paramref name="targetUpper"/> (exclusive) of
    /// this process.
    /// </summary>
    public FrameReader(Socket socket, string peer, int maxMessageBytes, int sourceLower, int sourceUpper, int targetLower, int targetUpper)
    {
        ArgumentNullException.ThrowIfNull(socket);
        ArgumentNullException.ThrowIfNull(peer);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxMessageBytes);
        _socket = socket;
        _peer = peer;
        _maxMessageBytes = maxMessageBytes;
        _sourceLower = sourceLower;
        _sourceUpper = sourceUpper;
        _targetLower = targetLower;
        _targetUpper = targetUpper;
        _buffer = BufferPool.Shared.Rent(InitialBufferBytes);
    }

    /// <summary>Whether frames carry the integrity extension (<see cref="FrameIntegrity"/>); the writer must agree. Default true.</summary>
    public bool Integrity { get; init; } = true;

    /// <summary>Frames read so far.</summary>
    public long Frames => _frames;

    /// <summary>
    /// On a non-blocking socket: how long the peer may send nothing at all before a read fails
    /// naming it (the peer's heartbeats count). Null: no bound.
    /// </summary>
    public TimeSpan? SilenceBound { get; init; }

    /// <summary>Whether a whole frame is already buffered (the next <see cref="Read"/> will not block).</summary>
    public bool HasBufferedFrame
    {
        get
        {
            int have = _end - _start;
            int extension = Integrity ? FrameIntegrity.Bytes : 0;
            return have >= MessageHeader.Size + extension
                && (!Integrity || CurrentHeaderIntact())
                && MessageHeader.TryRead(_buffer.AsSpan(_start, have), out var h) && h.RequiredBytes + extension <= have;
        }
    }

    /// <summary>
    /// Blocks for the next frame; <paramref name="frame"/> is header and payload, valid until the
    /// next call. False when the peer ended its stream with a zero-length header.
    /// </summary>
    /// <exception cref="TcpTransportException">The stream broke or carried something that is not a valid frame.</exception>
    public bool Read(out MessageHeader header, out ReadOnlySpan<byte> frame)
    {
        if (Integrity)
        {
            return ReadChecked(out header, out frame);
        }

        if (_end - _start < MessageHeader.Size)
        {
            Fill(MessageHeader.Size);
        }

        try
        {
            MessageHeader.TryRead(_buffer.AsSpan(_start, MessageHeader.Size), out header);
        }
        catch (WireFormatException e)
        {
            throw Fail($"frame {_frames}: bad header: {e.Message}", e);
        }

        if (header.IsEndOfStream)
        {
            _start += MessageHeader.Size;
            frame = default;
            return false;
        }

        Check(header);
        int required = header.RequiredBytes;
        if (_end - _start < required)
        {
            Fill(required);
        }

        frame = _buffer.AsSpan(_start, required);
        _start += required;
        _offset += required;
        _frames++;
        return true;
    }

    private bool ReadChecked(out MessageHeader header, out ReadOnlySpan<byte> frame)
    {
        if (_end - _start < FrameIntegrity.Prefix)
        {
            Fill(FrameIntegrity.Prefix);
        }

        var prefix = _buffer.AsSpan(_start, FrameIntegrity.Prefix);
        if (!CurrentHeaderIntact())
        {
            throw Fail($"frame {_frames}: header checksum mismatch (the bytes were changed or forged in transit)");
        }

        try
        {
            MessageHeader.TryRead(prefix, out header);
        }
        catch (WireFormatException e)
        {
            throw Fail($"frame {_frames}: bad header: {e.Message}", e);
        }

        uint sequence = FrameIntegrity.Sequence(prefix);
        if (sequence != _sequence)
        {
            throw Fail(sequence > _sequence
                ? $"frame {_frames} on channel {header.Channel} carries connection sequence {sequence}, expected {_sequence}: {sequence - _sequence} frame(s) were lost in transit"
                : $"frame {_frames} on channel {header.Channel} carries connection sequence {sequence}, expected {_sequence}: a frame was repeated or inserted in transit");
        }

        uint payloadCheck = FrameIntegrity.PayloadCheck(prefix);
        if (header.IsEndOfStream)
        {
            if (payloadCheck != 0)
            {
                throw Fail($"frame {_frames}: an end of stream with payload check 0x{payloadCheck:X8}, not 0");
            }

            _sequence++;
            _start += FrameIntegrity.Prefix;
            _offset += FrameIntegrity.Prefix;
            _headerIntactOf = -1;   // _frames does not move at an end of stream
            frame = default;
            return false;
        }

        Check(header);
        int required = header.RequiredBytes + FrameIntegrity.Bytes;
        if (_end - _start < required)
        {
            Fill(required);
        }

        var payload = _buffer.AsSpan(_start + FrameIntegrity.Prefix, header.Length);
        if (FrameIntegrity.Crc(payload) != payloadCheck)
        {
            throw Fail($"frame {_frames} on channel {header.Channel} from worker {header.Source}: payload checksum mismatch over {header.Length} bytes (the bytes were changed in transit)");
        }

        // timely's frame is header then payload: move the header up over the extension.
        _buffer.AsSpan(_start, MessageHeader.Size).CopyTo(_buffer.AsSpan(_start + FrameIntegrity.Bytes));
        frame = _buffer.AsSpan(_start + FrameIntegrity.Bytes, header.RequiredBytes);
        _sequence++;
        _start += required;
        _offset += required;
        _frames++;
        return true;
    }

    /// <summary>
    /// Whether the header of the frame at <c>_start</c> (its prefix buffered) passes its checksum.
    /// The receive path asks <see cref="HasBufferedFrame"/> before each <see cref="Read"/>; the
    /// verdict is kept for that frame (its bytes do not change until it is read: a fill appends
    /// or moves them whole), so each header's checksum is computed once.
    /// </summary>
    private bool CurrentHeaderIntact()
    {
        if (_headerIntactOf == _frames)
        {
            return true;
        }

        if (!FrameIntegrity.HeaderIntact(_buffer.AsSpan(_start, FrameIntegrity.Prefix)))
        {
            return false;
        }

        _headerIntactOf = _frames;
        return true;
    }

    private void Check(in MessageHeader header)
    {
        if (Problem(header) is { } why)
        {
            throw Fail(why);
        }
    }

    /// <summary>Why this peer may not send <paramref name="header"/> (null: it may).</summary>
    private string? Problem(in MessageHeader header)
    {
        if (header.Length > _maxMessageBytes)
        {
            return $"frame {_frames} announces {header.Length} payload bytes on channel {header.Channel}, above the limit of {_maxMessageBytes}";
        }

        if (header.Source < _sourceLower || header.Source >= _sourceUpper)
        {
            return $"frame {_frames} claims source worker {header.Source}; this peer's workers are {_sourceLower}..{_sourceUpper - 1}";
        }

        if (header.TargetLower < _targetLower || header.TargetUpper > _targetUpper || header.TargetLower == header.TargetUpper)
        {
            return $"frame {_frames} targets workers {header.TargetLower}..{header.TargetUpper - 1}; this process has {_targetLower}..{_targetUpper - 1}";
        }

        return null;
    }

    /// <summary>
    /// Whether the next <see cref="Read"/> returns without waiting on the socket: a whole frame,
    /// an end of stream, or a header it will reject (one that fails its checksum, a bad field, a
    /// length above the limit, workers this peer may not name) is buffered. Unlike <see cref="HasBufferedFrame"/> it is true
    /// for a frame that will fail, so a reader that only reads when this says so still reports
    /// a corrupt frame instead of waiting for bytes that complete it.
    /// </summary>
    public bool ReadReady
    {
        get
        {
            int have = _end - _start;
            int extension = Integrity ? FrameIntegrity.Bytes : 0;
            if (have < MessageHeader.Size + extension)
            {
                return false;
            }

            if (Integrity && !CurrentHeaderIntact())
            {
                return true;
            }

            MessageHeader header;
            try
            {
                MessageHeader.TryRead(_buffer.AsSpan(_start, MessageHeader.Size), out header);
            }
            catch (WireFormatException)
            {
                return true;
            }

            return header.IsEndOfStream || Problem(header) is not null || header.RequiredBytes + extension <= have;
        }
    }

    /// <summary>
    /// Without waiting: one receive of what the socket holds now, into the buffer behind what is
    /// there (<see cref="ReadReady"/> says whether a <see cref="Read"/> can follow). False when
    /// the socket had nothing; call only when <see cref="ReadReady"/> is false, on a
    /// non-blocking socket. The caller owns the reader as it does for <see cref="Read"/>.
    /// </summary>
    /// <exception cref="TcpTransportException">The stream broke (closed, closed mid-frame, reset), or nothing arrived for <see cref="SilenceBound"/>.</exception>
    public bool TryReceive()
    {
        if (_socket.Blocking)
        {
            throw new InvalidOperationException("TryReceive reads a non-blocking socket; this one blocks.");
        }

        int required = NextFrameBytes();
        MakeRoom(required);
        if (ReceiveOnce(required))
        {
            return true;
        }

        if (SilenceBound is { } bound && Environment.TickCount64 - _lastArrival > (long)bound.TotalMilliseconds)
        {
            throw Fail(SilenceMessage(bound));
        }

        return false;
    }

    /// <summary>The bytes from <c>_start</c> the next frame needs: its header (with the extension) until that is buffered, then the whole frame. Called only when the header, if buffered, passed <see cref="ReadReady"/>'s checks.</summary>
    private int NextFrameBytes()
    {
        int extension = Integrity ? FrameIntegrity.Bytes : 0;
        int prefix = MessageHeader.Size + extension;
        return _end - _start >= prefix && MessageHeader.TryRead(_buffer.AsSpan(_start, MessageHeader.Size), out var header)
            ? header.RequiredBytes + extension
            : prefix;
    }

    /// <summary>Reads until at least <paramref name="required"/> bytes are buffered from <c>_start</c>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Fill(int required)
    {
        MakeRoom(required);
        while (_end - _start < required)
        {
            if (_drained && !_socket.Blocking)
            {
                // The last read emptied the queue, so the next frame has likely not arrived:
                // wait first, then read. Reading first would be one more syscall per
                // message (a receive that fails with EAGAIN before the poll) on the
                // latency path, where every frame finds the queue empty.
                WaitReadable();
            }

            // A non-blocking socket with nothing yet (false) waits for data in slices next time
            // round: a connection disposed meanwhile, or a silent peer, is noticed at the next one.
            ReceiveOnce(required);
        }
    }

    /// <summary>Makes the buffer hold at least <paramref name="required"/> bytes from <c>_start</c>: moves the buffered bytes to its front, or into a larger buffer.</summary>
    private void MakeRoom(int required)
    {
        if (_buffer.Length - _start < required)
        {
            if (_buffer.Length < required)
            {
                byte[] larger = BufferPool.Shared.Rent(required);
                _buffer.AsSpan(_start, _end - _start).CopyTo(larger);
                BufferPool.Shared.Return(_buffer);
                _buffer = larger;
            }
            else
            {
                _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            }

            _end -= _start;
            _start = 0;
        }
    }

    /// <summary>One receive into the free end of the buffer (there is room: fewer than <paramref name="required"/> bytes are buffered and <see cref="MakeRoom"/> ran). False when a non-blocking socket had nothing.</summary>
    private bool ReceiveOnce(int required)
    {
        int n;
        SocketError error;
        try
        {
            int space = _buffer.Length - _end;
            n = _socket.Receive(_buffer.AsSpan(_end), SocketFlags.None, out error);
            _drained = n < space;
            if (error == SocketError.WouldBlock)
            {
                _drained = true;
                return false;
            }
        }
        catch (SocketException e)
        {
            throw Fail($"receive failed ({e.SocketErrorCode}) with {_end - _start} of {required} bytes of frame {_frames} buffered", e);
        }
        catch (ObjectDisposedException e)
        {
            throw Fail("the connection was closed locally", e);
        }

        if (error != SocketError.Success)
        {
            throw Fail($"receive failed ({error}) with {_end - _start} of {required} bytes of frame {_frames} buffered", new SocketException((int)error));
        }

        if (n == 0)
        {
            throw _end == _start
                ? Fail($"the connection closed after {_frames} frames without an end-of-stream header")
                : Fail($"the connection closed mid-frame: {_end - _start} of {required} bytes of frame {_frames} arrived");
        }

        _end += n;
        _lastArrival = Environment.TickCount64;
        return true;
    }

    /// <summary>
    /// Waits until the socket is readable (data, end of stream or an error), in slices, so a
    /// connection disposed meanwhile, or a silent peer (<see cref="SilenceBound"/>), is noticed
    /// at the next one.
    /// </summary>
    private void WaitReadable()
    {
        while (!_socket.Poll(PollSliceMicroseconds, SelectMode.SelectRead))
        {
            if (SilenceBound is { } bound && Environment.TickCount64 - _lastArrival > (long)bound.TotalMilliseconds)
            {
                throw Fail(SilenceMessage(bound));
            }
        }
    }

    private static string SilenceMessage(TimeSpan bound) =>
        $"nothing arrived for {bound.TotalSeconds:0.###} s, not even a heartbeat (--peer-timeout): the process is stopped, hung or unreachable";

    private TcpTransportException Fail(string why, Exception? inner = null) =>
        inner is null
            ? new TcpTransportException($"{_peer}: {why} (frame at stream byte {_offset}).") { Peer = _peer }
            : new TcpTransportException($"{_peer}: {why} (frame at stream byte {_offset}).", inner) { Peer = _peer };

    /// <summary>Returns the receive buffer to <see cref="BufferPool.Shared"/>; the socket is not closed (its <see cref="PeerConnection"/> owns it). Idempotent.</summary>
    public void Dispose()
    {
        if (_buffer.Length > 0)
        {
            BufferPool.Shared.Return(_buffer);
            _buffer = [];
        }
    }
}
