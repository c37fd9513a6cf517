using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Timely.Bytes;

namespace Timely.Transport.Tcp;

/// <summary>
/// The send side of one connection: appends whole frames to one pooled batch buffer and
/// writes it with a single <see cref="Socket.Send(ReadOnlySpan{byte})"/> when it is full or
/// when the caller has nothing more to send right now (<see cref="Flush"/>).
/// </summary>
/// <remarks>
/// Design: used by one thread at a time (the caller serializes access: the engine's send path
/// holds a lock around it). Batching is what makes many small messages cheap: one syscall
/// carries up to <see cref="BatchBytes"/> of frames. A frame larger than the free space
/// flushes the batch first; one larger than the whole buffer goes straight from the caller's
/// span (no copy). With TCP_NODELAY on, a flush is on the wire at once, so latency is one
/// copy plus one syscall.
/// On a non-blocking socket (<see cref="Socket.Blocking"/> false) <see cref="TryFlush"/> sends
/// what the kernel takes now and keeps the rest at the front of the batch, so a worker thread
/// can put its own frames on the wire without ever waiting on the peer; the blocking calls
/// (<see cref="Flush"/>, <see cref="End"/>, a frame that does not fit) wait for room with
/// <see cref="Socket.Poll(int, SelectMode)"/> instead.
/// With <see cref="Integrity"/> on (the default, and what the engine uses between its own
/// processes) every frame gets the 12-byte extension of sequence number and checksums after
/// its header (<see cref="FrameIntegrity"/>), end of stream included; with it off the writer
/// writes timely's frames exactly, as Rust timely reads them.
/// </remarks>
public sealed class FrameWriter : IDisposable
{
    /// <summary>Batch buffer size: 256 KiB.</summary>
    public const int BatchBytes = 256 * 1024;

    /// <summary>How long one wait for room on a non-blocking socket lasts before it looks again.</summary>
    private const int PollSliceMicroseconds = 100_000;

    private readonly Socket _socket;
    private readonly string _peer;
    private byte[] _batch;
    private int _used;
    private long _sends;
    private uint _sequence;

    /// <summary>A writer that batches frames for <paramref name="socket"/> in a pooled buffer of <see cref="BatchBytes"/> bytes.</summary>
    /// <param name="socket">A connected socket; the writer sends on it but does not own it.</param>
    /// <param name="peer">How errors name the peer, e.g. <c>process 1 at 127.0.0.1:2102</c>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="socket"/> or <paramref name="peer"/> is null.</exception>
    public FrameWriter(Socket socket, string peer)
    {
        ArgumentNullException.ThrowIfNull(socket);
        ArgumentNullException.ThrowIfNull(peer);
        _socket = socket;
        _peer = peer;
        _batch = BufferPool.Shared.Rent(BatchBytes);
    }

    /// <summary>
    /// Whether each frame carries the integrity extension (sequence number and CRC-32C checks,
    /// <see cref="FrameIntegrity"/>); the reader must agree. Default true.
    /// </summary>
    public bool Integrity { get; init; } = true;

    /// <summary>Bytes a frame of <paramref name="frameBytes"/> (header and payload) takes on the wire.</summary>
    public int WireBytes(int frameBytes) => Integrity ? frameBytes + FrameIntegrity.Bytes : frameBytes;

    /// <summary>Socket writes so far (frames per write = batching factor).</summary>
    public long Sends => _sends;

    /// <summary>Bytes waiting in the batch.</summary>
    public int Pending => _used;

    /// <summary>Bytes that <see cref="Append"/> can take without sending first (on the wire, extension included).</summary>
    public int Free => _batch.Length - _used;

    /// <summary>Queues one frame (header and payload, as a ring hands it out).</summary>
    public void Append(ReadOnlySpan<byte> frame)
    {
        if (!Integrity)
        {
            if (frame.Length <= _batch.Length - _used)
            {
                frame.CopyTo(_batch.AsSpan(_used));
                _used += frame.Length;
                return;
            }

            AppendSlow(frame);
            return;
        }

        if (frame.Length + FrameIntegrity.Bytes <= _batch.Length - _used)
        {
            AppendChecked(frame, _batch.AsSpan(_used));
            _used += frame.Length + FrameIntegrity.Bytes;
            return;
        }

        AppendSlow(frame);
    }

    /// <summary>Writes <paramref name="frame"/> with its extension into <paramref name="destination"/>, which has room for both.</summary>
    private void AppendChecked(ReadOnlySpan<byte> frame, Span<byte> destination)
    {
        var payload = frame[MessageHeader.Size..];
        uint payloadCheck = payload.IsEmpty ? 0 : FrameIntegrity.Crc(payload);
        FrameIntegrity.WritePrefix(frame, _sequence++, payloadCheck, destination);
        payload.CopyTo(destination[FrameIntegrity.Prefix..]);
    }

    private void AppendSlow(ReadOnlySpan<byte> frame)
    {
        Flush();
        int wire = WireBytes(frame.Length);
        if (wire <= _batch.Length)
        {
            if (Integrity)
            {
                AppendChecked(frame, _batch);
            }
            else
            {
                frame.CopyTo(_batch);
            }

            _used = wire;
        }
        else if (Integrity)
        {
            // Larger than the whole batch: the prefix from the batch, the payload straight from
            // the caller's span (no copy of a large payload).
            var payload = frame[MessageHeader.Size..];
            FrameIntegrity.WritePrefix(frame, _sequence++, FrameIntegrity.Crc(payload), _batch);
            SendAll(_batch.AsSpan(0, FrameIntegrity.Prefix));
            SendAll(payload);
        }
        else
        {
            SendAll(frame);
        }
    }

    /// <summary>Writes whatever is batched.</summary>
    public void Flush()
    {
        if (_used > 0)
        {
            SendAll(_batch.AsSpan(0, _used));
            _used = 0;
        }
    }

    /// <summary>
    /// Non-blocking socket only: sends as much of the batch as the kernel takes now and keeps
    /// the rest (moved to the front). True when nothing is left.
    /// </summary>
    /// <exception cref="InvalidOperationException">The socket is in blocking mode.</exception>
    public bool TryFlush()
    {
        if (_used == 0)
        {
            return true;
        }

        if (_socket.Blocking)
        {
            throw new InvalidOperationException($"{_peer}: TryFlush needs a non-blocking socket.");
        }

        int sent = SendSome(_batch.AsSpan(0, _used));
        if (sent == _used)
        {
            _used = 0;
            _sends++;
            return true;
        }

        if (sent > 0)
        {
            _batch.AsSpan(sent, _used - sent).CopyTo(_batch);
            _used -= sent;
        }

        return false;
    }

    /// <summary>Flushes, then sends timely's end of stream (a zero-length header, with its extension when <see cref="Integrity"/> is on) and shuts the sending side.</summary>
    public void End()
    {
        Flush();
        Span<byte> eos = stackalloc byte[FrameIntegrity.Prefix];
        eos.Clear();
        if (Integrity)
        {
            FrameIntegrity.WritePrefix(eos, _sequence++, 0, eos);
            SendAll(eos);
        }
        else
        {
            SendAll(eos[..MessageHeader.Size]);
        }

        try
        {
            _socket.Shutdown(SocketShutdown.Send);
        }
        catch (SocketException e)
        {
            throw new TcpTransportException($"{_peer}: shutting down the sending side failed ({e.SocketErrorCode}).", e) { Peer = _peer };
        }
    }

    private void SendAll(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            int n = SendSome(bytes);
            bytes = bytes[n..];
            if (n == 0)
            {
                WaitWritable();
            }
        }

        _sends++;
    }

    /// <summary>One send call: the bytes the kernel took (0 when a non-blocking socket is full).</summary>
    private int SendSome(ReadOnlySpan<byte> bytes)
    {
        int n;
        SocketError error;
        try
        {
            n = _socket.Send(bytes, SocketFlags.None, out error);
        }
        catch (ObjectDisposedException e)
        {
            throw new TcpTransportException($"{_peer}: the connection was closed locally.", e) { Peer = _peer };
        }

        return error switch
        {
            SocketError.Success => n,
            SocketError.WouldBlock => 0,
            _ => throw new TcpTransportException($"{_peer}: send failed ({error}).", new SocketException((int)error)) { Peer = _peer },
        };
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void WaitWritable()
    {
        try
        {
            // A slice, not forever: a connection disposed meanwhile is noticed at the next poll.
            _socket.Poll(PollSliceMicroseconds, SelectMode.SelectWrite);
        }
        catch (SocketException e)
        {
            throw new TcpTransportException($"{_peer}: send failed ({e.SocketErrorCode}).", e) { Peer = _peer };
        }
        catch (ObjectDisposedException e)
        {
            throw new TcpTransportException($"{_peer}: the connection was closed locally.", e) { Peer = _peer };
        }
    }

    /// <summary>Returns the batch buffer to <see cref="BufferPool.Shared"/> without sending what it holds (call <see cref="Flush"/> or <see cref="End"/> first); the socket is not closed. Idempotent.</summary>
    public void Dispose()
    {
        if (_batch.Length > 0)
        {
            BufferPool.Shared.Return(_batch);
            _batch = [];
        }
    }
}
