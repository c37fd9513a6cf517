using Timely.Communication.InProcess;

namespace Timely.Communication.Tests;

public sealed class SpscQueueTests
{
    [Fact]
    public void Fifo_across_segment_growth_and_wrap()
    {
        var q = new SpscQueue<string>();
        int produced = 0, consumed = 0;
        var rng = new Random(7);
        // Interleave bursts larger than every segment size with partial drains.
        for (int round = 0; round < 200; round++)
        {
            int burst = rng.Next(0, 5000);
            for (int i = 0; i < burst; i++)
            {
                q.Enqueue((produced++).ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            int drain = rng.Next(0, 5000);
            for (int i = 0; i < drain && q.TryDequeue(out var s); i++)
            {
                Assert.Equal(consumed++.ToString(System.Globalization.CultureInfo.InvariantCulture), s);
            }
        }

        while (q.TryDequeue(out var s))
        {
            Assert.Equal(consumed++.ToString(System.Globalization.CultureInfo.InvariantCulture), s);
        }

        Assert.Equal(produced, consumed);
        Assert.True(q.IsEmpty);
    }

    [Fact]
    public void Two_threads_deliver_every_item_in_order()
    {
        const int count = 2_000_000;
        var q = new SpscQueue<object>();
        var boxes = new object[1024];
        for (int i = 0; i < boxes.Length; i++)
        {
            boxes[i] = i;
        }

        var producer = new TestThread(() =>
        {
            for (int i = 0; i < count; i++)
            {
                q.Enqueue(boxes[i & 1023]);
            }
        });

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        int next = 0;
        while (next < count)
        {
            if (q.TryDequeue(out var item))
            {
                Assert.Equal(next & 1023, (int)item);
                next++;
            }
            else if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"consumer saw {next} of {count} items before the deadline");
            }
        }

        Assert.True(producer.Join(TimeSpan.FromSeconds(30)));
        Assert.False(q.TryDequeue(out _));
    }

    [Fact]
    public void Steady_state_enqueue_dequeue_allocates_nothing()
    {
        var q = new SpscQueue<string>();
        const string item = "x";
        for (int i = 0; i < 100; i++)
        {
            q.Enqueue(item);
            q.TryDequeue(out _);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100_000; i++)
        {
            q.Enqueue(item);
            q.Enqueue(item);
            q.TryDequeue(out _);
            q.TryDequeue(out _);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Head_and_tail_sit_on_their_own_cache_lines()
    {
        Assert.Equal(3 * Timely.Bytes.CacheLine.Size, System.Runtime.CompilerServices.Unsafe.SizeOf<PaddedIndices>());
        Assert.Equal(Timely.Bytes.CacheLine.Size, (int)System.Runtime.InteropServices.Marshal.OffsetOf<PaddedIndices>(nameof(PaddedIndices.Head)));
        Assert.Equal(2 * Timely.Bytes.CacheLine.Size, (int)System.Runtime.InteropServices.Marshal.OffsetOf<PaddedIndices>(nameof(PaddedIndices.Tail)));
    }
}
