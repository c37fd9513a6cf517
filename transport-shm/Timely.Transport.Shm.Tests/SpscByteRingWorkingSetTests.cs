using Timely.Transport.Shm.Layout;
using Timely.Transport.Shm.Ring;

namespace Timely.Transport.Shm.Tests;

/// <summary>
/// The producer's working set (<see cref="SpscByteRing(Timely.Transport.Shm.Memory.MemoryRegion, int)"/>):
/// records stay in the first bytes of the data area while the consumer keeps up, so a mapped
/// ring's other pages are never touched; a burst still gets the whole capacity; the consumer,
/// attached without a working set as a second process would be, reads the early padding as it
/// reads any padding.
/// </summary>
public sealed class SpscByteRingWorkingSetTests
{
    private const int Capacity = 4096;
    private const int WorkingSet = 512;

    private static byte[] Pattern(int length, int seed)
    {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++)
        {
            bytes[i] = (byte)((seed * 29) + (i * 11) + 3);
        }

        return bytes;
    }

    // A producer with the working set and a consumer without one over the same region, as the
    // two processes of a job attach to a mapped ring.
    private static (SpscByteRing Owner, SpscByteRing Producer, SpscByteRing Consumer) Pair(int workingSet = WorkingSet)
    {
        var owner = SpscByteRing.Allocate(Capacity);
        return (owner, new SpscByteRing(owner.Region, workingSet), new SpscByteRing(owner.Region));
    }

    private static void ReadAll(SpscByteRing consumer, ref int read)
    {
        while (consumer.TryRead(out int type, out ReadOnlySpan<byte> payload))
        {
            Assert.Equal(read, type);
            Assert.Equal(Pattern(type % 90, type), payload.ToArray());
            read++;
        }

        consumer.ReleaseRead();
    }

    // Reads and releases everything published; the number of records read.
    private static int Drain(SpscByteRing consumer)
    {
        int read = 0;
        while (consumer.TryRead(out _, out _))
        {
            read++;
        }

        consumer.ReleaseRead();
        return read;
    }

    // Sends record `sent` (a payload of `length` bytes), counts it, and returns the tail after it.
    private static long Send(SpscByteRing producer, ref int sent, int length)
    {
        Assert.True(producer.TryWrite(sent, Pattern(length, sent)), $"record {sent} refused");
        sent++;
        return producer.Tail;
    }

    [Fact]
    public void Records_stay_within_the_working_set_while_the_consumer_keeps_up()
    {
        var (owner, producer, consumer) = Pair();
        using var region = owner;
        int read = 0;
        for (int sent = 0; sent < 2000; sent++)
        {
            Assert.True(producer.TryWrite(sent, Pattern(sent % 90, sent)));
            long end = producer.Tail;
            int index = (int)(end & (Capacity - 1));
            Assert.InRange(index, 1, WorkingSet);   // 0 would be a record ending at the end of the data area
            ReadAll(consumer, ref read);
        }

        Assert.Equal(2000, read);
        Assert.True(producer.Tail / Capacity > 100, "the ring should have wrapped (early) many times");
    }

    [Fact]
    public void Without_a_working_set_records_cycle_through_the_whole_data_area()
    {
        using var ring = SpscByteRing.Allocate(Capacity);
        var consumer = new SpscByteRing(ring.Region);
        int read = 0;
        long furthest = 0;
        for (int sent = 0; sent < 200; sent++)
        {
            Assert.True(ring.TryWrite(sent, Pattern(sent % 90, sent)));
            furthest = Math.Max(furthest, ring.Tail & (Capacity - 1));
            ReadAll(consumer, ref read);
        }

        Assert.Equal(Capacity, ring.WorkingSet);
        Assert.True(furthest > Capacity - 128, $"the furthest record end was {furthest}");
    }

    [Fact]
    public void A_burst_larger_than_the_working_set_gets_the_whole_capacity()
    {
        var (owner, producer, consumer) = Pair();
        using var region = owner;
        int sent = 0;
        while (producer.TryWrite(sent, Pattern(sent % 90, sent)))
        {
            sent++;
        }

        // Nothing released: the ring fills to its capacity as one without a working set does.
        Assert.True(producer.Tail - producer.Head > Capacity - 112, $"filled only {producer.Tail - producer.Head} of {Capacity} bytes");
        int read = 0;
        ReadAll(consumer, ref read);
        Assert.Equal(sent, read);
    }

    [Fact]
    public void A_lap_that_went_past_the_working_set_wraps_at_its_next_look_once_the_consumer_caught_up()
    {
        var (owner, producer, consumer) = Pair();
        using var region = owner;

        // 64-byte records (56-byte payloads): the ninth ends past 512 with nothing released, so
        // the lap goes on, looking again every eighth of the working set (64 bytes: each record
        // here). Once everything is read, the next record's look finds the consumer caught up and
        // wraps, where a lap that looked once would have run on to the end of the data area.
        int sent = 0;
        int read = 0;
        for (; sent < 10; sent++)
        {
            Assert.True(producer.TryWrite(sent, Pattern(56, sent)));
        }

        Assert.Equal(640, producer.Tail);
        read += Drain(consumer);
        Assert.True(producer.TryWrite(sent, Pattern(56, sent)));
        sent++;
        Assert.Equal(Capacity + 64, producer.Tail);

        for (int i = 0; i < 20; i++, sent++)
        {
            Assert.True(producer.TryWrite(sent, Pattern(56, sent)));
            Assert.InRange((int)(producer.Tail & (Capacity - 1)), 64, WorkingSet);
            read += Drain(consumer);
        }

        read += Drain(consumer);
        Assert.Equal(sent, read);
    }

    [Fact]
    public void A_lap_that_went_past_the_working_set_looks_again_only_an_eighth_of_the_working_set_on()
    {
        var (owner, producer, consumer) = Pair();
        using var region = owner;

        // 24-byte records (16-byte payloads): the record that would end past 512 (the 22nd, at
        // 504) finds the consumer behind, so the next look is at 504 + 64 = 568. Released before
        // then, the producer still places the next record at 528 (it ends at 552, before the
        // look), and the one after, which ends past 568, looks and wraps: the look is per eighth
        // of the working set, not per record.
        int sent = 0;
        while (sent < 22)
        {
            Send(producer, ref sent, 16);
        }

        Assert.Equal(528, producer.Tail);
        int read = Drain(consumer);
        Assert.Equal(552, Send(producer, ref sent, 16));
        Assert.Equal(Capacity + 24, Send(producer, ref sent, 16));
        read += Drain(consumer);
        Assert.Equal(sent, read);
    }

    [Theory]
    [InlineData(14, true)]    // 128 bytes unread at index 1024: an eighth of the lap so far
    [InlineData(13, false)]   // 192 bytes unread
    public void A_later_look_wraps_when_all_but_an_eighth_of_the_lap_so_far_is_read(int released, bool wraps)
    {
        var (owner, producer, consumer) = Pair();
        using var region = owner;

        // 16 records of 64 bytes with nothing read run the lap on to 1024; with 14 of them read,
        // the 128 bytes left are more than an eighth of the working set (64) but not more than an
        // eighth of the 1024 bytes the lap has gone: the wrap leaves the producer 896 bytes below
        // the consumer, seven times what it still has to read, the first look's ratio.
        int sent = 0;
        while (sent < 16)
        {
            Send(producer, ref sent, 56);
        }

        for (int i = 0; i < released; i++)
        {
            Assert.True(consumer.TryRead(out _, out _));
        }

        consumer.ReleaseRead();
        Assert.Equal(wraps ? Capacity + 64 : 1088, Send(producer, ref sent, 56));
        int read = released + Drain(consumer);
        Assert.Equal(sent, read);
    }

    [Fact]
    public void Bursts_longer_than_the_working_set_with_pauses_between_start_over_at_the_front()
    {
        var (owner, producer, consumer) = Pair();
        using var region = owner;

        // The large exchange's pattern over shm: each round a burst of twice the working set,
        // read whole before the next. Every burst after the first starts at index 0 again, so
        // the data area past the burst and an eighth of the working set is never written (with
        // one look a lap, the bursts walked the laps through all 4096 bytes).
        int sent = 0;
        int read = 0;
        long furthest = 0;
        for (int burst = 0; burst < 40; burst++)
        {
            for (int i = 0; i < 16; i++, sent++)
            {
                Assert.True(producer.TryWrite(sent, Pattern(56, sent)));
                furthest = Math.Max(furthest, ((producer.Tail - 1) & (Capacity - 1)) + 1);
            }

            read += Drain(consumer);
        }

        Assert.Equal(sent, read);
        Assert.InRange(furthest, 1024, 1024 + (WorkingSet / 8));
        Assert.True(producer.Tail / Capacity >= 39, $"the bursts wrapped only {producer.Tail / Capacity} times");
    }

    [Theory]
    [InlineData(7, true)]    // 64 bytes unread: an eighth of the working set
    [InlineData(6, false)]   // 128 bytes unread
    [InlineData(0, false)]
    public void An_early_wrap_waits_until_all_but_an_eighth_of_the_working_set_is_read(int released, bool wraps)
    {
        var (owner, producer, consumer) = Pair();
        using var region = owner;

        // Fill the working set with 64-byte records, let the consumer read some, and send one
        // more: a wrap taken with the consumer further behind would leave a streaming burst
        // only the bytes below the consumer until it passed the padding.
        int sent = 0;
        for (; sent < 8; sent++)
        {
            Assert.True(producer.TryWrite(sent, Pattern(56, sent)));
        }

        for (int i = 0; i < released; i++)
        {
            Assert.True(consumer.TryRead(out _, out _));
        }

        consumer.ReleaseRead();
        Assert.True(producer.TryWrite(sent, Pattern(120, sent)));
        sent++;
        Assert.Equal(wraps ? Capacity + 128 : WorkingSet + 128, producer.Tail);

        int read = released;
        while (consumer.TryRead(out int type, out ReadOnlySpan<byte> payload))
        {
            Assert.Equal(read, type);
            Assert.Equal(type == 8 ? 120 : 56, payload.Length);
            read++;
        }

        consumer.ReleaseRead();
        Assert.Equal(sent, read);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-8)]
    public void A_working_set_must_be_positive(int workingSet)
    {
        using var ring = SpscByteRing.Allocate(Capacity);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SpscByteRing(ring.Region, workingSet));
    }

    [Theory]
    [InlineData(1, 8)]
    [InlineData(500, 504)]
    [InlineData(1 << 20, Capacity)]
    [InlineData(int.MaxValue, Capacity)]
    public void A_working_set_is_aligned_and_at_most_the_capacity(int workingSet, int expected)
    {
        using var ring = SpscByteRing.Allocate(Capacity);
        Assert.Equal(expected, new SpscByteRing(ring.Region, workingSet).WorkingSet);
    }

    [Fact]
    public void A_producer_attached_past_its_working_set_wraps_early_at_its_next_record()
    {
        var (owner, producer, consumer) = Pair(workingSet: Capacity);
        using var region = owner;
        int read = 0;
        for (int sent = 0; sent < 40; sent++)
        {
            Assert.True(producer.TryWrite(sent, Pattern(sent % 90, sent)));
        }

        ReadAll(consumer, ref read);
        Assert.InRange(producer.Tail, WorkingSet + 1, Capacity - 1);

        var resumed = new SpscByteRing(owner.Region, WorkingSet);   // a producer restarted on the same region
        Assert.True(resumed.TryWrite(40, Pattern(40 % 90, 40)));
        Assert.Equal(Capacity + RingDescriptor.RecordLength(40), resumed.Tail);
        ReadAll(consumer, ref read);
        Assert.Equal(41, read);
    }
}
