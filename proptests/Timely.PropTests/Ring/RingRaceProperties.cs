using System.Buffers.Binary;
using System.Diagnostics;
using FsCheck;
using FsCheck.Fluent;
using Timely.Transport.Shm.Layout;
using Timely.Transport.Shm.Ring;

namespace Timely.PropTests.Ring;

/// <summary>
/// Ring layout version 2 (the consumer polls each record's header word, the producer publishes
/// it last) under a real race: a producer thread and a consumer thread, every (capacity, start
/// offset) pair, record sizes drawn by FsCheck. Whatever the interleaving, every record
/// arrives exactly once, in order and byte-identical, and after the last one nothing more can
/// be read. No timing is asserted; a generous deadline turns a lost record into a failure
/// instead of a hang.
/// </summary>
/// <remarks>
/// Half of the payloads are made of forged header words (both lap tags, a type no record
/// has), so a record of a later lap that starts inside an old payload would be read as a
/// forged record if the producer's clear of the next header slot or the lap tag were wrong.
/// The interleavings differ from run to run; the assertions hold for every one of them, so the
/// properties cannot flake while the ring is correct.
/// </remarks>
public sealed class RingRaceProperties
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private const int ForgedType = 0x7EAD_BEEF;

    private sealed record Race(int[] Sizes, int[] Batches)
    {
        public override string ToString() => $"sizes [{string.Join(",", Sizes)}] batches [{string.Join(",", Batches)}]";
    }

    private static Gen<Race> Races(int maxSize) =>
        from count in Gen.Choose(20, 200)
        from sizes in Gen.ArrayOf(
            Gen.Frequency(
                (3, Gen.Choose(0, maxSize)),
                (2, Gen.Choose(0, 16)),
                (1, Gen.Elements(0, 8, maxSize))),
            count)
        from batches in Gen.ArrayOf(Gen.Choose(1, 12), 16)
        select new Race(sizes, batches);

    // Record i's payload: forged headers (odd i) or a pattern (even i), so neighbours differ.
    private static byte[] Payload(int i, int size)
    {
        byte[] bytes = new byte[size];
        if ((i & 1) == 1)
        {
            for (int w = 0; w + 8 <= size; w += 8)
            {
                int tag = 1 + ((w / 8) & 1);
                long forged = (long)(((ulong)(uint)ForgedType << 32) | ((uint)tag << RingDescriptor.RecordLapTagShift));
                BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(w), forged);
            }
        }
        else
        {
            for (int b = 0; b < size; b++)
            {
                bytes[b] = (byte)((i * 131) + (b * 7) + 3);
            }
        }

        return bytes;
    }

    /// <summary>The raw ring: TryClaim/Commit against TryRead/ReleaseRead in random batches.</summary>
    [Fact]
    public void Raw_ring_delivers_every_record_exactly_once_when_producer_and_consumer_race() =>
        RingProperties.CheckAtEveryStartOffset(firstSeed: 5000, maxTest: 8, capacity => Races(RingDescriptor.MaxPayload(capacity)), RaceRaw);

    /// <summary>
    /// The raw ring with a producer whose working set is a quarter of the capacity, so it wraps
    /// early (a padding record far from the end) whenever the consumer has caught up and
    /// runs on to the end when it has not, against a consumer attached without one: the lap-tag
    /// argument of the ring's design has to hold for early paddings too.
    /// </summary>
    [Fact]
    public void Raw_ring_with_a_working_set_delivers_every_record_exactly_once_when_they_race() =>
        RingProperties.CheckAtEveryStartOffset(firstSeed: 6000, maxTest: 8, capacity => Races(RingDescriptor.MaxPayload(capacity)), (capacity, start, race) => RaceRaw(capacity, start, race, capacity / 4));

    /// <summary>
    /// RingWriter/RingReader: messages up to three rings long (fragments) and a producer that
    /// never waits (spills to its overflow queue), against a consumer on another thread.
    /// </summary>
    [Fact]
    public void Writer_and_reader_deliver_every_message_exactly_once_when_they_race() =>
        RingProperties.CheckAtEveryStartOffset(firstSeed: 7000, maxTest: 8, capacity => Races(3 * capacity), RaceMessages);

    private static bool RaceRaw(int capacity, int start, Race race) => RaceRaw(capacity, start, race, int.MaxValue);

    private static bool RaceRaw(int capacity, int start, Race race, int workingSet)
    {
        using var ring = SpscByteRing.Allocate(capacity);
        RingProperties.AdvanceTo(ring, start);
        var producerRing = workingSet == int.MaxValue ? ring : new SpscByteRing(ring.Region, workingSet);
        byte[][] payloads = race.Sizes.Select((size, i) => Payload(i, size)).ToArray();
        using var stop = new CancellationTokenSource();
        var producer = StartProducer("raw ring race producer", () =>
        {
            var spin = default(SpinWait);
            for (int i = 0; i < payloads.Length; i++)
            {
                Span<byte> destination;
                while (!producerRing.TryClaim(payloads[i].Length, out destination))
                {
                    if (stop.IsCancellationRequested)
                    {
                        return;
                    }

                    spin.SpinOnce(sleep1Threshold: -1);
                }

                payloads[i].CopyTo(destination);
                producerRing.Commit(i);
            }
        });

        Consume(race, payloads, producer, stop, ring.TryRead, ring.ReleaseRead);
        Assert.Equal(ring.Tail, ring.Head);
        return true;
    }

    private static bool RaceMessages(int capacity, int start, Race race)
    {
        using var ring = SpscByteRing.Allocate(capacity);
        RingProperties.AdvanceTo(ring, start);
        using var writer = new RingWriter(ring);
        using var reader = new RingReader(ring);
        byte[][] payloads = race.Sizes.Select((size, i) => Payload(i, size)).ToArray();
        using var stop = new CancellationTokenSource();
        var producer = StartProducer("writer race producer", () =>
        {
            var spin = default(SpinWait);
            for (int i = 0; i < payloads.Length; i++)
            {
                payloads[i].CopyTo(writer.Claim(payloads[i].Length));
                writer.Commit(i);
            }

            while (!writer.Flush() && !stop.IsCancellationRequested)
            {
                spin.SpinOnce(sleep1Threshold: -1);
            }
        });

        // The reader releases after every batch, also when it read nothing: a message longer
        // than the ring arrives only as the reader hands back the fragments it has copied.
        Consume(race, payloads, producer, stop, reader.TryRead, reader.ReleaseRead);
        Assert.Equal(0, writer.OverflowCount);
        Assert.Equal(ring.Tail, ring.Head);
        return true;
    }

    private delegate bool TryReadRecord(out int type, out ReadOnlySpan<byte> payload);

    private static void CheckRecord(int next, int type, ReadOnlySpan<byte> payload, byte[][] payloads)
    {
        Assert.True(type != ForgedType, $"record {next}: a forged header from an old payload was read as a record");
        Assert.True(type == next, $"record {next}: got type {type} ({payload.Length} bytes): lost, repeated or reordered");
        Assert.True(payload.SequenceEqual(payloads[next]), $"record {next}: {payload.Length} bytes differ from the {payloads[next].Length} written");
    }

    // The consumer, on the test thread: reads in batches of race.Batches (cycled), releasing
    // after each, until every payload arrived, checking each; then joins the producer, asserts
    // it did not fail and that nothing more can be read.
    private static void Consume(Race race, byte[][] payloads, (Thread Thread, Func<Exception?> Error) producer, CancellationTokenSource stop, TryReadRecord read, Action release)
    {
        int count = payloads.Length;
        var clock = Stopwatch.StartNew();
        int next = 0;
        int batchIndex = 0;
        try
        {
            var spin = default(SpinWait);
            while (next < count)
            {
                int batch = race.Batches[batchIndex++ % race.Batches.Length];
                int got = 0;
                while (got < batch && next < count)
                {
                    if (!read(out int type, out ReadOnlySpan<byte> payload))
                    {
                        break;
                    }

                    CheckRecord(next, type, payload, payloads);
                    next++;
                    got++;
                }

                release();
                if (got > 0)
                {
                    clock.Restart();   // the deadline is on a stall, not on the whole case: a loaded host is slow, not lossy
                }
                else
                {
                    Assert.True(producer.Error() is null, $"producer failed: {producer.Error()}");
                    Assert.True(clock.Elapsed < Deadline, $"no record arrived for {Deadline} after {next} of {count} (a record was lost)");
                    spin.SpinOnce(sleep1Threshold: -1);
                }
            }
        }
        finally
        {
            stop.Cancel();
            Assert.True(producer.Thread.Join(Deadline), "producer thread did not finish");
        }

        Assert.Null(producer.Error());
        Assert.False(read(out _, out _), "a record was read after the last one written");
        release();
    }

    private static (Thread Thread, Func<Exception?> Error) StartProducer(string name, Action body)
    {
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                body();
            }
            catch (Exception e)
            {
                error = e;
            }
        })
        { IsBackground = true, Name = name };
        thread.Start();
        return (thread, () => Volatile.Read(ref error));
    }
}
