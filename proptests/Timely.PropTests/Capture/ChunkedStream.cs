namespace Timely.PropTests.Capture;

/// <summary>
/// Read-only stream over fixed bytes whose i-th read hands out at most <c>chunks[i % n]</c>
/// bytes; a chunk of 0 is a read that returns nothing, as a non-blocking source does when
/// no data has arrived yet.
/// </summary>
internal sealed class ChunkedStream(byte[] data, int[] chunks) : Stream
{
    private int _position;
    private int _read;

    public bool Exhausted => _position == data.Length;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => data.Length;

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public override int Read(Span<byte> buffer)
    {
        int limit = chunks[_read++ % chunks.Length];
        int n = Math.Min(Math.Min(limit, buffer.Length), data.Length - _position);
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
