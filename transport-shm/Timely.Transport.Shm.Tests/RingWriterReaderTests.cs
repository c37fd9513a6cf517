using Timely.Bytes;
using Timely.Transport.Shm.Layout;
using Timely.Transport.Shm.Ring;

namespace Timely.Transport.Shm.Tests;

public sealed class RingWriterReaderTests
{
    private static byte[] Pattern(int length, int seed)
    {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++)
        {
            bytes[i] = (byte)((seed * 131) + (i * 7) + 3);
        }

        return bytes;
    }

    // Moves messages writer -> reader until `expected` have arrived: flush, read all, release.
    private static List<(int Type, byte[] Payload)> Pump(RingWriter writer, RingReader reader, int expected)
    {
        var received = new List<(int, byte[])>();
        for (int rounds = 0; received.Count < expected; rounds++)
        {
            Assert.True(rounds < 100_000, $"only {received.Count} of {expected} messages arrived");
            writer.Flush();
            while (reader.TryRead(out int type, out ReadOnlySpan<byte> message))
            {
                received.Add((type, message.ToArray()));
            }

            reader.ReleaseRead();
        }

        Assert.False(reader.TryRead(out _, out _));
        return received;
    }

    private static void AssertMessages(List<(int Type, byte[] Payload)> expected, List<(int Type, byte[] Payload)> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Type, actual[i].Type);
            Assert.Equal(expected[i].Payload, actual[i].Payload);
        }
    }

    [Fact]
    public void Message_that_fits_is_claimed_in_the_ring_itself()
    {
        using var ring = SpscByteRing.Allocate(1024);
        using var writer = new RingWriter(ring);
        using var reader = new RingReader(ring);

        Span<byte> destination = writer.Claim(12);
        Pattern(12, 1).CopyTo(destination);
        writer.Commit(5);
        Assert.Equal(24, ring.Tail);                     // went straight into the ring
        Assert.Equal(0, writer.OverflowCount);
        Assert.Equal(0, writer.OverflowedMessages);

        Assert.True(reader.TryRead(out int type, out ReadOnlySpan<byte> message));
        Assert.Equal(5, type);
        Assert.Equal(Pattern(12, 1), message.ToArray());
        Assert.Equal(0, ring.Head);                      // batch release: nothing released yet
        reader.ReleaseRead();
        Assert.Equal(24, ring.Head);
    }

    [Fact]
    public void Full_ring_queues_and_later_messages_stay_behind_the_queue()
    {
        using var ring = SpscByteRing.Allocate(256);
        using var writer = new RingWriter(ring);
        using var reader = new RingReader(ring);
        var sent = new List<(int, byte[])>();

        void Send(int type, byte[] payload)
        {
            writer.Send(type, payload);
            sent.Add((type, payload));
        }

        Send(0, Pattern(100, 0));                        // 112 bytes
        Send(1, Pattern(100, 1));                        // 224 bytes used, 32 free
        Assert.Equal(0, writer.OverflowCount);
        Send(2, Pattern(100, 2));                        // does not fit: queued
        Assert.Equal(1, writer.OverflowCount);
        Assert.Equal(100, writer.OverflowBytes);
        long tail = ring.Tail;
        Send(3, Pattern(4, 3));                          // would fit, but must go behind message 2
        Assert.Equal(2, writer.OverflowCount);
        Assert.Equal(tail, ring.Tail);
        Assert.Equal(2, writer.OverflowedMessages);
        Assert.False(writer.Flush());                    // still no room

        AssertMessages(sent, Pump(writer, reader, sent.Count));
        Assert.True(writer.Flush());
        Assert.Equal(0, writer.OverflowCount);
        Assert.Equal(0, writer.OverflowBytes);
    }

    [Fact]
    public void Claim_drains_the_queue_first_when_the_ring_has_made_room()
    {
        using var ring = SpscByteRing.Allocate(256);
        using var writer = new RingWriter(ring);
        using var reader = new RingReader(ring);
        writer.Send(0, Pattern(100, 0));
        writer.Send(1, Pattern(100, 1));
        writer.Send(2, Pattern(100, 2));
        Assert.Equal(1, writer.OverflowCount);

        Assert.True(reader.TryRead(out _, out _));
        Assert.True(reader.TryRead(out _, out _));
        reader.ReleaseRead();                            // ring empty; message 2 needs 32 padding + 112
        writer.Send(3, Pattern(8, 3));                   // Claim flushes message 2, then claims in place
        Assert.Equal(0, writer.OverflowCount);
        Assert.Equal(224 + 32 + 112 + 16, ring.Tail);

        var received = Pump(writer, reader, 2);
        Assert.Equal([2, 3], received.Select(m => m.Type));
    }

    [Theory]
    [InlineData(1024, 505)]          // MaxPayload + 1: first + last
    [InlineData(1024, 1024)]         // the whole ring
    [InlineData(1024, 3077)]         // several middles
    [InlineData(1024, 100_000)]      // ~100x the ring: needs releases while it arrives
    [InlineData(64, 25)]             // smallest ring, one byte over MaxPayload
    [InlineData(64, 5000)]
    public void Fragmented_messages_round_trip(int capacity, int length)
    {
        var pool = new BufferPool(BufferPool.DefaultMaxArrayLength, 4);
        using var ring = SpscByteRing.Allocate(capacity);
        using var writer = new RingWriter(ring, pool);
        using var reader = new RingReader(ring, pool);
        var sent = new List<(int, byte[])> { (1, Pattern(3, 1)), (2, Pattern(length, 2)), (3, Pattern(5, 3)), (4, Pattern(length - 1, 4)) };
        foreach (var (type, payload) in sent)
        {
            Span<byte> destination = writer.Claim(payload.Length);
            payload.CopyTo(destination);
            writer.Commit(type);
        }

        Assert.Equal(length - 1 > ring.MaxPayload ? 2 : 1, writer.FragmentedMessages);
        AssertMessages(sent, Pump(writer, reader, sent.Count));
        Assert.False(reader.IsAssembling);
        Assert.Equal(0, pool.Outstanding);               // staging and reassembly buffers all returned (tracked in DEBUG builds)
    }

    [Fact]
    public void Reassembled_message_stays_valid_until_release()
    {
        using var ring = SpscByteRing.Allocate(256);
        using var writer = new RingWriter(ring);
        using var reader = new RingReader(ring);
        writer.Send(7, Pattern(200, 7));
        writer.Send(8, Pattern(2, 8));

        Assert.True(reader.TryRead(out int first, out ReadOnlySpan<byte> big));
        Assert.True(reader.TryRead(out int second, out ReadOnlySpan<byte> small));
        Assert.Equal(7, first);
        Assert.Equal(8, second);
        Assert.Equal(Pattern(200, 7), big.ToArray());   // not overwritten by the later read
        Assert.Equal(Pattern(2, 8), small.ToArray());
        reader.ReleaseRead();
    }

    [Fact]
    public void Commit_can_shorten_an_overflow_claim()
    {
        using var ring = SpscByteRing.Allocate(64);
        using var writer = new RingWriter(ring);
        using var reader = new RingReader(ring);
        Span<byte> destination = writer.Claim(1000);     // > MaxPayload: staged in a pooled buffer
        Pattern(10, 9).CopyTo(destination);
        writer.Commit(9, 10);                             // fits one record after all
        Assert.Equal(0, writer.FragmentedMessages);
        var received = Pump(writer, reader, 1);
        Assert.Equal(9, received[0].Type);
        Assert.Equal(Pattern(10, 9), received[0].Payload);
    }

    [Fact]
    public void Writer_misuse_throws()
    {
        using var ring = SpscByteRing.Allocate(256);
        using var writer = new RingWriter(ring);
        Assert.Throws<InvalidOperationException>(() => writer.Commit(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.Claim(-1));
        writer.Claim(4);
        Assert.Throws<InvalidOperationException>(() => writer.Claim(4));
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.Commit(-2));
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.Commit(1, 5));
        writer.Commit(1);
        Assert.Equal(16, ring.Tail);
    }

    [Fact]
    public void Middle_fragment_without_first_is_corrupt()
    {
        using var ring = SpscByteRing.Allocate(256);
        using var reader = new RingReader(ring);
        Assert.True(ring.TryWrite(RingDescriptor.MiddleFragmentType, [1, 2, 3]));
        var error = Assert.Throws<InvalidDataException>(() => reader.TryRead(out _, out _));
        Assert.Contains("without a first fragment", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Whole_message_inside_a_fragmented_one_is_corrupt()
    {
        using var ring = SpscByteRing.Allocate(256);
        using var reader = new RingReader(ring);
        byte[] first = new byte[20];
        BitConverter.TryWriteBytes(first.AsSpan(0, 4), 3);
        BitConverter.TryWriteBytes(first.AsSpan(4, 4), 500);
        Assert.True(ring.TryWrite(RingDescriptor.FirstFragmentType, first));
        Assert.True(ring.TryWrite(3, [1]));
        Assert.Throws<InvalidDataException>(() => reader.TryRead(out _, out _));
    }

    [Fact]
    public void Declared_length_over_the_cap_is_refused_before_renting()
    {
        using var ring = SpscByteRing.Allocate(256);
        using var reader = new RingReader(ring, BufferPool.Shared, maxMessageLength: 1000);
        byte[] first = new byte[20];
        BitConverter.TryWriteBytes(first.AsSpan(4, 4), 1001);
        Assert.True(ring.TryWrite(RingDescriptor.FirstFragmentType, first));
        var error = Assert.Throws<InvalidDataException>(() => reader.TryRead(out _, out _));
        Assert.Contains("cap 1000", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Last_fragment_with_the_wrong_length_is_corrupt()
    {
        using var ring = SpscByteRing.Allocate(256);
        using var reader = new RingReader(ring);
        byte[] first = new byte[20];
        BitConverter.TryWriteBytes(first.AsSpan(4, 4), 30);  // 12 bytes here, 18 outstanding
        Assert.True(ring.TryWrite(RingDescriptor.FirstFragmentType, first));
        Assert.True(ring.TryWrite(RingDescriptor.LastFragmentType, new byte[17]));
        Assert.False(reader.IsAssembling);
        var error = Assert.Throws<InvalidDataException>(() => reader.TryRead(out _, out _));
        Assert.Contains("18 bytes of the message outstanding", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Partial_fragmented_message_is_not_handed_out()
    {
        using var ring = SpscByteRing.Allocate(64);
        using var writer = new RingWriter(ring);
        using var reader = new RingReader(ring);
        writer.Send(4, Pattern(200, 4));                 // 200 bytes through a 64-byte ring
        Assert.False(reader.TryRead(out _, out _));      // read what is there, not whole yet
        Assert.True(reader.IsAssembling);
        reader.ReleaseRead();
        var received = Pump(writer, reader, 1);
        Assert.Equal(Pattern(200, 4), received[0].Payload);
    }
}
