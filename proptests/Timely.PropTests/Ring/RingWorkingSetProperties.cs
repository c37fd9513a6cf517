using FsCheck;
using FsCheck.Fluent;
using Timely.Transport.Shm.Layout;
using Timely.Transport.Shm.Ring;

namespace Timely.PropTests.Ring;

/// <summary>
/// A producer with a working set (<see cref="SpscByteRing(Timely.Transport.Shm.Memory.MemoryRegion, int)"/>)
/// against a consumer attached without one, single-threaded so that every step can be checked:
/// where it puts a record is its own choice, but what it refuses, what is read and the bytes it
/// touches are not.
/// </summary>
public sealed class RingWorkingSetProperties
{
    private static readonly int[] Capacities = [256, 1024, 4096];

    private sealed record Case(int Capacity, int WorkingSet, int[] Ops)
    {
        public override string ToString() => $"capacity {Capacity}, working set {WorkingSet}, ops [{string.Join(",", Ops)}]";
    }

    // Ops: a size >= 0 sends a record of that payload; -1 reads one; -2 releases what was read.
    private static Gen<Case> Cases(Func<int, int, Gen<int>> op) =>
        from capacity in Gen.Elements(Capacities)
        from eighths in Gen.Choose(1, capacity / 8)
        let workingSet = eighths * 8
        from count in Gen.Choose(0, 300)
        from ops in Gen.ArrayOf(op(capacity, workingSet), count)
        select new Case(capacity, workingSet, ops);

    private sealed record BurstCase(int WorkingSet, int[][] Bursts)
    {
        public override string ToString() => $"working set {WorkingSet}, bursts [{string.Join(" | ", Bursts.Select(b => string.Join(",", b)))}]";
    }

    private static byte[] Pattern(int length, int seed)
    {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++)
        {
            bytes[i] = (byte)((seed * 151) + (i * 17) + 9);
        }

        return bytes;
    }

    /// <summary>
    /// Any sequence of sends, reads and releases: a send is refused exactly when the record does
    /// not fit at the producer's tail (with the padding to the end of the data area when it
    /// would straddle it), as without a working set, so an early wrap never costs a send; every
    /// record read is the next one sent, byte for byte; the counters stay consistent.
    /// </summary>
    [Fact]
    public void A_working_set_refuses_only_what_does_not_fit_and_delivers_everything_in_order() =>
        Prop.ForAll(
            Cases((capacity, _) => Gen.Frequency(
                (3, Gen.Choose(0, RingDescriptor.MaxPayload(capacity))),
                (3, Gen.Choose(0, 64)),
                (4, Gen.Constant(-1)),
                (2, Gen.Constant(-2)))).ToArbitrary(),
            c =>
            {
                using var owner = SpscByteRing.Allocate(c.Capacity);
                var producer = new SpscByteRing(owner.Region, c.WorkingSet);
                var consumer = new SpscByteRing(owner.Region);
                var sent = new Queue<(int Type, byte[] Payload)>();
                int sequence = 0;
                foreach (int op in c.Ops)
                {
                    if (op >= 0)
                    {
                        long tail = producer.Tail;
                        int index = (int)(tail & (c.Capacity - 1));
                        int record = RingDescriptor.RecordLength(op);
                        int needed = record <= c.Capacity - index ? record : c.Capacity - index + record;
                        bool fits = tail + needed - producer.Head <= c.Capacity;
                        byte[] payload = Pattern(op, ++sequence);
                        Assert.Equal(fits, producer.TryWrite(sequence, payload));
                        if (fits)
                        {
                            sent.Enqueue((sequence, payload));
                        }
                    }
                    else if (op == -1)
                    {
                        bool expected = sent.Count != 0;
                        Assert.Equal(expected, consumer.TryRead(out int type, out ReadOnlySpan<byte> payload));
                        if (expected)
                        {
                            var (expectedType, expectedPayload) = sent.Dequeue();
                            Assert.Equal(expectedType, type);
                            Assert.True(payload.SequenceEqual(expectedPayload), $"record {expectedType} differs");
                        }
                    }
                    else
                    {
                        consumer.ReleaseRead();
                    }

                    Assert.InRange(producer.Tail - producer.Head, 0, c.Capacity);
                }

                return true;
            }).Check(RingProperties.Bounded(maxTest: 300, seed: 9100));

    /// <summary>
    /// A consumer that reads and releases after every send, records at most half the working
    /// set: every record ends within the working set of its lap's start, so the data area's
    /// bytes past it (a mapped ring's pages) are never written.
    /// </summary>
    [Fact]
    public void A_consumer_that_keeps_up_keeps_every_record_within_the_working_set() =>
        Prop.ForAll(
            Cases((capacity, workingSet) => Gen.Choose(0, Math.Max(0, (workingSet / 2) - 16))).ToArbitrary(),
            c =>
            {
                using var owner = SpscByteRing.Allocate(c.Capacity);
                var producer = new SpscByteRing(owner.Region, c.WorkingSet);
                var consumer = new SpscByteRing(owner.Region);
                int sequence = 0;
                foreach (int size in c.Ops)
                {
                    if (RingDescriptor.RecordLength(size) * 2 > c.WorkingSet)
                    {
                        continue;   // a working set of 8 or 16 bytes holds no record of half its size
                    }

                    Assert.True(producer.TryWrite(++sequence, Pattern(size, sequence)));
                    int end = (int)((producer.Tail - 1) & (c.Capacity - 1)) + 1;   // a record ending at the end of the data area ends at the capacity
                    Assert.InRange(end, 1, c.WorkingSet);
                    Assert.True(consumer.TryRead(out int type, out ReadOnlySpan<byte> payload));
                    Assert.Equal(sequence, type);
                    Assert.True(payload.SequenceEqual(Pattern(size, sequence)));
                    consumer.ReleaseRead();
                }

                return true;
            }).Check(RingProperties.Bounded(maxTest: 300, seed: 9200));

    /// <summary>
    /// Bursts of records, each read whole before the next (an exchange's rounds): a lap that ran
    /// past the working set wraps at its first look after the consumer caught up, so no record
    /// ends further into the data area than the working set plus the longest burst, an eighth
    /// of the working set and two records: the pages past that are never written, however many
    /// bursts go through (with one look a lap, the bursts walked the laps through the whole
    /// data area). Every record arrives, in order.
    /// </summary>
    [Fact]
    public void Bursts_read_whole_before_the_next_stay_near_the_front_of_the_data_area() =>
        Prop.ForAll(
            (from workingSet in Gen.Elements(256, 512, 1024)
             from count in Gen.Choose(1, 80)
             from bursts in Gen.ArrayOf(
                 from length in Gen.Choose(1, 20)
                 from sizes in Gen.ArrayOf(Gen.Choose(0, 64), length)
                 select sizes,
                 count)
             select new BurstCase(workingSet, bursts)).ToArbitrary(),
            (BurstCase c) =>
            {
                const int capacity = 4096;
                using var owner = SpscByteRing.Allocate(capacity);
                var producer = new SpscByteRing(owner.Region, c.WorkingSet);
                var consumer = new SpscByteRing(owner.Region);
                int longest = c.Bursts.Max(b => b.Sum(RingDescriptor.RecordLength));
                long bound = c.WorkingSet + longest + (c.WorkingSet / 8) + (2 * RingDescriptor.RecordLength(64));
                var sizes = new Queue<int>();
                int sequence = 0;
                int read = 0;
                foreach (int[] burst in c.Bursts)
                {
                    foreach (int size in burst)
                    {
                        if (!producer.TryWrite(++sequence, Pattern(size, sequence)))
                        {
                            // Refused: after an early wrap the producer has the bytes below the
                            // consumer until the consumer passes the padding, as after any wrap.
                            // The engine queues the record in its own process meanwhile; here
                            // the consumer reads (as the engine's reader does at its next step)
                            // and the record must fit then.
                            read += Read(consumer, sizes, read);
                            Assert.True(producer.TryWrite(sequence, Pattern(size, sequence)), $"record {sequence} refused with the ring empty");
                        }

                        sizes.Enqueue(size);
                        long end = ((producer.Tail - 1) & (capacity - 1)) + 1;
                        Assert.True(end <= bound, $"record {sequence} ended at {end}, past {bound}");
                    }

                    read += Read(consumer, sizes, read);
                    Assert.Equal(sequence, read);
                }

                return true;
            }).Check(RingProperties.Bounded(maxTest: 300, seed: 9300));

    // Reads and releases everything published, checking each record against the sizes sent in
    // order after the first `read` records; the number read.
    private static int Read(SpscByteRing consumer, Queue<int> sizes, int read)
    {
        int count = 0;
        while (consumer.TryRead(out int type, out ReadOnlySpan<byte> payload))
        {
            Assert.Equal(read + ++count, type);
            Assert.True(payload.SequenceEqual(Pattern(sizes.Dequeue(), type)), $"record {type} differs");
        }

        consumer.ReleaseRead();
        return count;
    }
}
