using System.Net.Sockets;
using Timely.Bytes;

namespace Timely.Transport.Tcp;

/// <summary>
/// The send side of one connection: appends whole frames to one pooled batch buffer and
/// writes it with a single <see cref="Socket.Send(ReadOnlySpan{byte})"/> when it is full or
/// when the caller has nothing more to send right now (<see cref="Flush"/>).
/// </summary>
/// <remarks>
/// Design: owned by one thread (the connection's send thread). Batching is what makes many
/// small messages cheap: one syscall carries up to <see cref="BatchBytes"/> of frames. A
/// frame larger than the free space flushes the batch first; one larger than the whole
/// buffer goes straight from the caller's span (no copy). With TCP_NODELAY on, a flush is
/// on the wire at once, so latency is one copy plus one syscall.
/// </remarks>
public sealed class FrameWriter : IDisposable
{
    /// <summary>Batch buffer size: 256 KiB.</summary>
    public const int BatchBytes = 256 * 1024;

    private readonly Socket _socket;
    private readonly string _peer;
    private byte[] _batch;
    private int _used;
    private long _sends;

    public FrameWriter(Socket socket, string peer)
    {
        ArgumentNullException.ThrowIfNull(socket);
        ArgumentNullException.ThrowIfNull(peer);
        _socket = socket;
        _peer = peer;
        _batch = BufferPool.Shared.Rent(BatchBytes);
    }

    /// <summary>Socket writes so far (frames per write = batching factor).</summary>
    public long Sends => _sends;

    /// <summary>Bytes waiting in the batch.</summary>
    public int Pending => _used;

    /// <summary>Queues one frame (header and payload, as a ring hands it out).</summary>
    public void Append(ReadOnlySpan<byte> frame)
    {
        if (frame.Length <= _batch.Length - _used)
        {
            frame.CopyTo(_batch.AsSpan(_used));
            _used += frame.Length;
            return;
        }

        AppendSlow(frame);
    }

    private void AppendSlow(ReadOnlySpan<byte> frame)
    {
        Flush();
        if (frame.Length <= _batch.Length)
        {
            frame.CopyTo(_batch);
            _used = frame.Length;
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

    /// <summary>Flushes, then sends timely's end of stream (a zero-length header) and shuts the sending side.</summary>
    public void End()
    {
        Flush();
        Span<byte> eos = stackalloc byte[MessageHeader.Size];
        eos.Clear();
        SendAll(eos);
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
        try
        {
            while (!bytes.IsEmpty)
            {
                int n = _socket.Send(bytes, SocketFlags.None);
                bytes = bytes[n..];
            }

            _sends++;
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

    public void Dispose()
    {
        if (_batch.Length > 0)
        {
            BufferPool.Shared.Return(_batch);
            _batch = [];
        }
    }
}
