using FsCheck;
using FsCheck.Fluent;
using Microsoft.FSharp.Core;
using Timely.Transport.Shm.Layout;
using Timely.Transport.Shm.Ring;

namespace Timely.PropTests.Ring;

/// <summary>
/// Random operation sequences against the ring and against a plain queue as the model.
/// Every (capacity, start offset) pair is checked, so each wrap position is exercised
/// deterministically; FsCheck generates the operations from a fixed replay seed.
/// </summary>
public sealed class RingProperties
{
    private static readonly int[] Capacities = [64, 128, 256];

    private enum OpKind
    {
        Send,
        Receive,
        Release,
        Flush,
    }

    private readonly record struct Op(OpKind Kind, int Size)
    {
        public override string ToString() => Kind == OpKind.Send ? $"Send({Size})" : Kind.ToString();
    }

    internal static Config Bounded(int maxTest, ulong seed) =>
        Config.QuickThrowOnFailure.WithQuietOnSuccess(true)
            .WithMaxTest(maxTest)
            .WithReplay(FSharpOption<Replay>.Some(new Replay(new Rnd(seed), FSharpOption<int>.None)));

    private static Gen<Op[]> Operations(int maxSend)
    {
        Gen<Op> op = Gen.Frequency(
            (4, Gen.Choose(0, maxSend).Select(size => new Op(OpKind.Send, size))),
            (2, Gen.Choose(0, 16).Select(size => new Op(OpKind.Send, size))),
            (4, Gen.Constant(new Op(OpKind.Receive, 0))),
            (2, Gen.Constant(new Op(OpKind.Release, 0))),
            (1, Gen.Constant(new Op(OpKind.Flush, 0))));
        return Gen.Choose(0, 120).SelectMany(count => Gen.ArrayOf(op, count));
    }

    private static byte[] Pattern(int length, int seed)
    {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++)
        {
            bytes[i] = (byte)((seed * 167) + (i * 13) + 5);
        }

        return bytes;
    }

    // Moves an empty ring's head and tail to `offset` with empty records, as a ring that has
    // been running for a while would be.
    internal static void AdvanceTo(SpscByteRing ring, int offset)
    {
        while ((ring.Tail & (ring.Capacity - 1)) != offset)
        {
            Assert.True(ring.TryWrite(0, []));
            Assert.True(ring.TryRead(out _, out _));
            ring.ReleaseRead();
        }
    }

    private static void AssertCounters(SpscByteRing ring)
    {
        long head = ring.Head;
        long tail = ring.Tail;
        Assert.True(head <= tail, $"head {head} > tail {tail}");
        Assert.True(tail - head <= ring.Capacity, $"tail {tail} - head {head} > capacity {ring.Capacity}");
    }

    /// <summary>
    /// The raw ring against an exact model: which claims fit (padding included), where head
    /// and tail are after every step, and what each read returns.
    /// </summary>
    [Fact]
    public void Spsc_ring_matches_an_exact_model_at_every_start_offset() =>
        CheckAtEveryStartOffset(firstSeed: 1, maxTest: 25, capacity => Operations(RingDescriptor.MaxPayload(capacity)), RunRawModel);

    /// <summary>
    /// Checks <paramref name="run"/>(capacity, start offset, generated value) for every
    /// capacity in <see cref="Capacities"/> and every 8-aligned start offset, each pair with its
    /// own replay seed (<paramref name="firstSeed"/>, +1, ...), so each wrap position is covered
    /// and a failure names the seed to replay.
    /// </summary>
    internal static void CheckAtEveryStartOffset<T>(ulong firstSeed, int maxTest, Func<int, Gen<T>> generator, Func<int, int, T, bool> run)
    {
        ulong seed = firstSeed;
        foreach (int capacity in Capacities)
        {
            for (int start = 0; start < capacity; start += 8)
            {
                int ringCapacity = capacity;
                int startOffset = start;
                Prop.ForAll(generator(capacity).ToArbitrary(), value => run(ringCapacity, startOffset, value))
                    .Check(Bounded(maxTest, seed++));
            }
        }
    }

    private static bool RunRawModel(int capacity, int start, Op[] ops)
    {
        using var ring = SpscByteRing.Allocate(capacity);
        AdvanceTo(ring, start);
        var unread = new Queue<(int Type, byte[] Payload, long End)>();
        long modelTail = ring.Tail;
        long modelHead = ring.Head;
        long modelRead = modelHead;
        int sequence = 0;

        foreach (Op op in ops)
        {
            switch (op.Kind)
            {
                case OpKind.Send:
                {
                    int index = (int)(modelTail & (capacity - 1));
                    int record = RingDescriptor.RecordLength(op.Size);
                    int required = record <= capacity - index ? record : capacity - index + record;
                    bool fits = modelTail + required - modelHead <= capacity;
                    byte[] payload = Pattern(op.Size, ++sequence);
                    Assert.Equal(fits, ring.TryWrite(sequence, payload));
                    if (fits)
                    {
                        modelTail += required;
                        unread.Enqueue((sequence, payload, modelTail));
                    }

                    break;
                }

                case OpKind.Receive:
                {
                    bool expected = unread.Count != 0;
                    Assert.Equal(expected, ring.TryRead(out int type, out ReadOnlySpan<byte> payload));
                    if (expected)
                    {
                        var (expectedType, expectedPayload, end) = unread.Dequeue();
                        Assert.Equal(expectedType, type);
                        Assert.True(payload.SequenceEqual(expectedPayload));
                        modelRead = end;
                    }

                    break;
                }

                case OpKind.Release:
                    ring.ReleaseRead();
                    modelHead = modelRead;
                    break;

                case OpKind.Flush:
                    break;
            }

            Assert.Equal(modelTail, ring.Tail);
            Assert.Equal(modelHead, ring.Head);
            AssertCounters(ring);
        }

        return true;
    }

    /// <summary>
    /// Writer and reader against a queue of whole messages, sizes up to three rings long:
    /// order preserved, bytes out equal bytes in, the writer never blocks and never loses a
    /// message, and head/tail stay consistent after every step.
    /// </summary>
    [Fact]
    public void Writer_and_reader_match_a_queue_model_at_every_start_offset() =>
        CheckAtEveryStartOffset(firstSeed: 1000, maxTest: 25, capacity => Operations(3 * capacity), RunMessageModel);

    private static bool RunMessageModel(int capacity, int start, Op[] ops)
    {
        using var ring = SpscByteRing.Allocate(capacity);
        AdvanceTo(ring, start);
        using var writer = new RingWriter(ring);
        using var reader = new RingReader(ring);
        var model = new Queue<(int Type, byte[] Payload)>();
        long bytesIn = 0;
        long bytesOut = 0;
        int sequence = 0;

        void ReceiveOne()
        {
            if (reader.TryRead(out int type, out ReadOnlySpan<byte> message))
            {
                Assert.True(model.Count != 0, "the reader produced a message nobody sent");
                var (expectedType, expectedPayload) = model.Dequeue();
                Assert.Equal(expectedType, type);
                Assert.True(message.SequenceEqual(expectedPayload), $"message {expectedType} differs");
                bytesOut += message.Length;
            }
        }

        foreach (Op op in ops)
        {
            switch (op.Kind)
            {
                case OpKind.Send:
                {
                    byte[] payload = Pattern(op.Size, ++sequence);
                    writer.Send(sequence, payload);
                    model.Enqueue((sequence, payload));
                    bytesIn += op.Size;
                    break;
                }

                case OpKind.Receive:
                    ReceiveOne();
                    break;

                case OpKind.Release:
                    reader.ReleaseRead();
                    break;

                case OpKind.Flush:
                    writer.Flush();
                    break;
            }

            Assert.True(writer.OverflowCount <= model.Count);
            AssertCounters(ring);
        }

        // Drain: the consumer keeps reading and releasing, the producer keeps flushing.
        for (int rounds = 0; model.Count != 0; rounds++)
        {
            Assert.True(rounds < 10_000, $"{model.Count} messages never arrived");
            writer.Flush();
            ReceiveOne();
            reader.ReleaseRead();
            AssertCounters(ring);
        }

        Assert.False(reader.TryRead(out _, out _));
        reader.ReleaseRead();
        Assert.Equal(bytesIn, bytesOut);
        Assert.Equal(0, writer.OverflowCount);
        Assert.Equal(ring.Tail, ring.Head);
        return true;
    }
}
