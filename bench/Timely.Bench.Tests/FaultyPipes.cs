using Timely.Bench.Suite;

namespace Timely.Bench.Tests;

/// <summary>Counter pipes that fail the way the suite's counter reader has failed (or could), for fault injection.</summary>
internal static class FaultyPipes
{
    /// <summary>A pipe whose event stream throws <paramref name="fault"/> on the first read, like TraceEvent's "Read past end of stream".</summary>
    public static ICounterPipe ThrowingOnRead(Exception fault) => new Pipe(new ThrowingStream(fault), onDispose: null);

    /// <summary>A pipe whose stream blocks every read until the pipe is disposed (a reader that never ends by itself).</summary>
    public static ICounterPipe Blocking() => new Pipe(new BlockingStream(), onDispose: null);

    /// <summary><paramref name="inner"/>, but disposing it throws <paramref name="fault"/> (after disposing the real session).</summary>
    public static ICounterPipe ThrowingOnDispose(ICounterPipe inner, Exception fault) => new Wrapped(inner, fault);

    private sealed class Pipe(Stream stream, Exception? onDispose) : ICounterPipe
    {
        public Stream EventStream => stream;

        public void Stop()
        {
            // Stopping a fake session asks nothing of anyone; the stream ends on Dispose.
        }

        public void Dispose()
        {
            stream.Dispose();
            if (onDispose is not null)
            {
                throw onDispose;
            }
        }
    }

    private sealed class Wrapped(ICounterPipe inner, Exception fault) : ICounterPipe
    {
        public Stream EventStream => inner.EventStream;

        public void Stop() => inner.Stop();

        public void Dispose()
        {
            inner.Dispose();
            throw fault;
        }
    }

    private abstract class ReadOnlyStream : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush() => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    private sealed class ThrowingStream(Exception fault) : ReadOnlyStream
    {
        public override int Read(byte[] buffer, int offset, int count) => throw fault;
    }

    private sealed class BlockingStream : ReadOnlyStream
    {
        private readonly ManualResetEventSlim _disposed = new();

        public override int Read(byte[] buffer, int offset, int count)
        {
            _disposed.Wait();
            throw new ObjectDisposedException(nameof(BlockingStream));
        }

        protected override void Dispose(bool disposing)
        {
            _disposed.Set();
            base.Dispose(disposing);
        }
    }
}
