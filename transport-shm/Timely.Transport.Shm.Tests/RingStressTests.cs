using System.Diagnostics;
using Timely.Transport.Shm.Ring;

namespace Timely.Transport.Shm.Tests;

/// <summary>
/// Producer and consumer on two threads, seeded sizes, every byte checked: FIFO, nothing lost,
/// nothing duplicated, nothing torn. Bounded by a deadline so a bug shows as a failure, not a hang.
/// </summary>
public sealed class RingStressTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    // Message i carries Content[Start(i) .. Start(i) + size): cheap to produce and to check with
    // a vectorized compare, and different for neighbouring messages so a skipped or repeated
    // record cannot pass.
    private static readonly byte[] Content = CreateContent();

    private static byte[] CreateContent()
    {
        byte[] bytes = new byte[8192];
        new Random(12345).NextBytes(bytes);
        return bytes;
    }

    private static int Start(int i) => (i * 61) & 4095;

    [Theory]
    [InlineData(16 * 1024, 1_000_000)]  // MaxPayload 8184: whole records, overflow queue when the consumer lags
    [InlineData(4096, 100_000)]         // MaxPayload 2040: a third of the messages are fragmented
    public void Writer_and_reader_on_two_threads_deliver_every_message_exactly(int capacity, int messages)
    {
        const int maxSize = 3000;
        const int seed = 20261122;
        using var ring = SpscByteRing.Allocate(capacity);
        using var writer = new RingWriter(ring);
        using var reader = new RingReader(ring);
        var clock = Stopwatch.StartNew();
        var stop = new CancellationTokenSource();
        Exception? producerError = null;

        var producer = new Thread(() =>
        {
            try
            {
                var sizes = new Random(seed);
                var spin = default(SpinWait);
                for (int i = 0; i < messages; i++)
                {
                    int size = sizes.Next(0, maxSize + 1);
                    Content.AsSpan(Start(i), size).CopyTo(writer.Claim(size));
                    writer.Commit(i);

                    // The writer never blocks; the test bounds its overflow queue so memory stays small.
                    while (writer.OverflowCount > 32 && !writer.Flush() && !stop.IsCancellationRequested)
                    {
                        spin.SpinOnce(sleep1Threshold: -1);
                    }
                }

                while (!writer.Flush() && !stop.IsCancellationRequested)
                {
                    spin.SpinOnce(sleep1Threshold: -1);
                }
            }
            catch (Exception e)
            {
                producerError = e;
            }
        })
        { IsBackground = true, Name = "ring stress producer" };
        producer.Start();

        var expectedSizes = new Random(seed);
        long bytes = 0;
        int next = 0;
        try
        {
            var spin = default(SpinWait);
            while (next < messages)
            {
                bool any = false;
                while (reader.TryRead(out int type, out ReadOnlySpan<byte> message))
                {
                    int size = expectedSizes.Next(0, maxSize + 1);
                    if (type != next || !message.SequenceEqual(Content.AsSpan(Start(next), size)))
                    {
                        Assert.Fail($"message {next}: got type {type} with {message.Length} bytes, expected {size} bytes of pattern {Start(next)}");
                    }

                    bytes += message.Length;
                    next++;
                    any = true;
                }

                reader.ReleaseRead();
                if (any)
                {
                    clock.Restart();   // the deadline is on a stall, not on the whole run: a loaded host is slow, not lossy
                }
                else
                {
                    Assert.True(producerError is null, $"producer failed: {producerError}");
                    Assert.True(clock.Elapsed < Deadline, $"no message arrived for {Deadline} after {next} of {messages} (one was lost, or the producer stopped)");
                    spin.SpinOnce(sleep1Threshold: -1);
                }
            }
        }
        finally
        {
            stop.Cancel();
            Assert.True(producer.Join(Deadline), "producer thread did not finish");
        }

        Assert.Null(producerError);
        Assert.False(reader.TryRead(out _, out _));
        Assert.Equal(0, writer.OverflowCount);
        Assert.Equal(ring.Tail, ring.Head);
        Assert.True(bytes > (long)messages * maxSize / 3);      // sizes really were random over 0..3000
        Assert.Equal(maxSize > ring.MaxPayload, writer.FragmentedMessages > messages / 4);
        stop.Dispose();
    }

    [Fact]
    public void Raw_ring_on_two_threads_wraps_with_random_sizes_and_random_batch_releases()
    {
        const int messages = 500_000;
        const int seed = 77;
        using var ring = SpscByteRing.Allocate(4096);            // small: wraps (and pads) constantly
        int maxSize = Math.Min(ring.MaxPayload, 700);
        var clock = Stopwatch.StartNew();
        var stop = new CancellationTokenSource();
        Exception? producerError = null;

        var producer = new Thread(() =>
        {
            try
            {
                var sizes = new Random(seed);
                var spin = default(SpinWait);
                for (int i = 0; i < messages; i++)
                {
                    int size = sizes.Next(0, maxSize + 1);
                    Span<byte> destination;
                    while (!ring.TryClaim(size, out destination))
                    {
                        if (stop.IsCancellationRequested)
                        {
                            return;
                        }

                        spin.SpinOnce(sleep1Threshold: -1);
                    }

                    Content.AsSpan(Start(i), size).CopyTo(destination);
                    ring.Commit(i);
                }
            }
            catch (Exception e)
            {
                producerError = e;
            }
        })
        { IsBackground = true, Name = "raw ring stress producer" };
        producer.Start();

        var expectedSizes = new Random(seed);
        var batches = new Random(seed + 1);
        int next = 0;
        try
        {
            var spin = default(SpinWait);
            while (next < messages)
            {
                int batch = batches.Next(1, 64);
                int read = 0;
                while (read < batch && ring.TryRead(out int type, out ReadOnlySpan<byte> payload))
                {
                    int size = expectedSizes.Next(0, maxSize + 1);
                    if (type != next || !payload.SequenceEqual(Content.AsSpan(Start(next), size)))
                    {
                        Assert.Fail($"record {next}: got type {type} with {payload.Length} bytes, expected {size} bytes");
                    }

                    next++;
                    read++;
                }

                long head = ring.Head;
                long tail = ring.Tail;
                Assert.True(head <= tail && tail - head <= ring.Capacity, $"head {head} tail {tail}");
                ring.ReleaseRead();
                if (read > 0)
                {
                    clock.Restart();   // the deadline is on a stall, not on the whole run: a loaded host is slow, not lossy
                }
                else
                {
                    Assert.True(producerError is null, $"producer failed: {producerError}");
                    Assert.True(clock.Elapsed < Deadline, $"no record arrived for {Deadline} after {next} of {messages} (one was lost, or the producer stopped)");
                    spin.SpinOnce(sleep1Threshold: -1);
                }
            }
        }
        finally
        {
            stop.Cancel();
            Assert.True(producer.Join(Deadline), "producer thread did not finish");
        }

        Assert.Null(producerError);
        Assert.False(ring.TryRead(out _, out _));
        Assert.Equal(ring.Tail, ring.Head);
        stop.Dispose();
    }
}
