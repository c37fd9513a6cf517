using System.Buffers.Binary;
using System.Diagnostics;
using FsCheck;
using FsCheck.Fluent;
using Timely.Communication;
using Timely.Communication.Binary;
using Timely.Communication.Fabrics;

namespace Timely.PropTests.Ring;

/// <summary>
/// Ring layout version 3's compact record (channel and sequence tag in the ring record's type
/// word, the codec's bytes alone as payload) between two real workers of a ProcessBinary
/// fabric racing on two threads: worker 0 pushes on a producer thread, worker 1 receives on
/// the test thread, through the engine's own BinaryPusher and dispatch, for every (capacity,
/// start offset) pair of <see cref="RingProperties"/>. Whatever the interleaving, every
/// message arrives exactly once, on the channel it was pushed on, in order per channel and
/// byte-identical, and the sequence tags never trip: messages wrap the ring, fragment (a
/// 64-byte ring holds at most 24 payload bytes per record), spill to the overflow queue, and
/// use ids on both sides of the escape (0xFF_FFFF) and the largest id.
/// </summary>
/// <remarks>
/// Half of the payloads are made of forged ring record headers (both lap tags) whose type words
/// are compact records of a channel nobody allocated, so a record that started inside an old
/// payload would show up as a forged channel's message, a tag error or a decode error. No
/// timing is asserted; a deadline turns a lost message into a failure instead of a hang.
/// </remarks>
public sealed class CompactRecordRaceProperties
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private static readonly int[] Channels = [0, 7, CompactRecord.EscapedChannel, Allocator.MaxChannelId];
    private const int ForgedChannel = 0x00AB_CDEF;

    private sealed record Race(int[] Sizes, int[] ChannelOf, int[] Batches)
    {
        public override string ToString() =>
            $"sizes [{string.Join(",", Sizes)}] channels [{string.Join(",", ChannelOf)}] batches [{string.Join(",", Batches)}]";
    }

    private static Gen<Race> Races(int capacity) =>
        from count in Gen.Choose(20, 200)
        from sizes in Gen.ArrayOf(
            Gen.Frequency(
                (3, Gen.Choose(0, capacity / 2)),
                (2, Gen.Choose(0, 16)),
                (1, Gen.Elements(0, 8, 3 * capacity))),
            count)
        from channels in Gen.ArrayOf(Gen.Choose(0, Channels.Length - 1), count)
        from batches in Gen.ArrayOf(Gen.Choose(1, 12), 16)
        select new Race(sizes, channels, batches);

    [Fact]
    public void Compact_records_between_two_workers_arrive_exactly_once_on_their_channel_when_the_workers_race() =>
        RingProperties.CheckAtEveryStartOffset(firstSeed: 9000, maxTest: 4, Races, RaceWorkers);

    // Message i's bytes: forged record headers (odd i) or a pattern (even i).
    private static byte[] Payload(int i, int size)
    {
        byte[] bytes = new byte[size];
        if ((i & 1) == 1)
        {
            for (int w = 0; w + 8 <= size; w += 8)
            {
                int tag = 1 + ((w / 8) & 1);
                int type = CompactRecord.Type(ForgedChannel, w / 8);
                long forged = (long)(((ulong)(uint)type << 32) | ((uint)tag << Timely.Transport.Shm.Layout.RingDescriptor.RecordLapTagShift) | 8u);
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

    private static bool RaceWorkers(int capacity, int start, Race race)
    {
        using var fabric = new ProcessBinaryFabric(2, capacity);
        RingProperties.AdvanceTo(fabric.RingOf(0, 1), start);
        var workers = fabric.CreateAllocators(Timely.Communication.Config.DefaultSpinIterations);   // spin, not park, while the overflow waits for room
        byte[][] payloads = race.Sizes.Select((size, i) => Payload(i, size)).ToArray();
        var senders = Channels.Select(c => workers[0].Allocate<byte[]>(c).Senders[1]).ToArray();
        var receivers = Channels.Select(c => workers[1].Allocate<byte[]>(c).Receiver).ToArray();
        Exception? producerError = null;
        var producer = new Thread(() =>
        {
            try
            {
                int batch = 0;
                for (int i = 0; i < payloads.Length; i++)
                {
                    byte[]? m = payloads[i];
                    senders[race.ChannelOf[i]].Push(ref m);
                    if (++batch == race.Batches[i % race.Batches.Length])
                    {
                        batch = 0;
                        workers[0].Release();
                    }
                }

                foreach (var s in senders)
                {
                    s.Done();
                }

                workers[0].Dispose();   // waits until the overflow queue has gone into the ring
            }
            catch (Exception e)
            {
                Volatile.Write(ref producerError, e);
            }
        })
        { IsBackground = true, Name = "compact record race producer" };
        producer.Start();

        try
        {
            // Per channel, the indices of the messages pushed on it, in order.
            var expected = Enumerable.Range(0, Channels.Length)
                .Select(k => new Queue<int>(Enumerable.Range(0, payloads.Length).Where(i => race.ChannelOf[i] == k)))
                .ToArray();
            int received = 0;
            var clock = Stopwatch.StartNew();
            while (received < payloads.Length)
            {
                workers[1].Receive();
                bool any = false;
                for (int k = 0; k < Channels.Length; k++)
                {
                    while (receivers[k].Pull() is { } got)
                    {
                        Assert.True(expected[k].TryDequeue(out int i), $"channel {Channels[k]}: a message arrived that was never pushed on it ({got.Length} bytes)");
                        Assert.True(got.AsSpan().SequenceEqual(payloads[i]), $"channel {Channels[k]}, message {i}: {got.Length} bytes differ from the {payloads[i].Length} pushed");
                        received++;
                        any = true;
                    }
                }

                workers[1].Release();
                if (any)
                {
                    clock.Restart();   // the deadline is on a stall, not on the whole case: a loaded host is slow, not lossy
                }
                else
                {
                    Assert.True(Volatile.Read(ref producerError) is null, $"producer failed: {producerError}");
                    Assert.True(clock.Elapsed < Deadline, $"no message arrived for {Deadline} after {received} of {payloads.Length} (a message was lost)");
                    Thread.SpinWait(20);
                }
            }
        }
        finally
        {
            // Worker 1 is done reading: a producer still waiting for room (after a failure
            // above) stops waiting and drops what it holds instead of outliving the rings.
            fabric.Group.MarkFinished(1);
            Assert.True(producer.Join(Deadline), "producer thread did not finish");
        }

        Assert.Null(producerError);
        workers[1].Receive();
        Assert.All(receivers, r => Assert.Null(r.Pull()));
        workers[1].Dispose();
        var ring = fabric.RingOf(0, 1);
        Assert.Equal(ring.Tail, ring.Head);
        return true;
    }
}
