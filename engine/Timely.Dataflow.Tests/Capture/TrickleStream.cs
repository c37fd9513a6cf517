using System.Net.Sockets;

namespace Timely.Dataflow.Tests.Capture;

/// <summary>
/// A read-only stream over fixed bytes that hands out at most <c>chunk</c> bytes per read
/// and, between chunks, reports "no data now" the way a non-blocking source does:
/// a 0-byte read, or an IOException wrapping SocketError.WouldBlock (as NetworkStream throws).
/// </summary>
public sealed class TrickleStream(byte[] data, int chunk, TrickleStream.Stall stall = TrickleStream.Stall.None) : Stream
{
    public enum Stall
    {
        None,
        ZeroRead,
        WouldBlock,
    }

    private int _position;
    private bool _stalled;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => data.Length;

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public int Reads { get; private set; }

    public override int Read(Span<byte> buffer)
    {
        Reads++;
        if (stall != Stall.None && !_stalled && _position < data.Length)
        {
            _stalled = true;
            if (stall == Stall.WouldBlock)
            {
                throw new IOException("would block", new SocketException((int)SocketError.WouldBlock));
            }

            return 0;
        }

        _stalled = false;
        int n = Math.Min(Math.Min(chunk, buffer.Length), data.Length - _position);
        data.AsSpan(_position, n).CopyTo(buffer);
        _position += n;
        return n;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override void Flush() => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
