using Timely.Transport.Shm.Memory;
using Timely.Transport.Shm.Layout;
using Timely.Transport.Shm.Ring;

namespace Timely.Transport.Shm.Tests;

public sealed class SpscByteRingTests
{
    private static byte[] Pattern(int length, int seed)
    {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++)
        {
            bytes[i] = (byte)((seed * 31) + (i * 7) + 1);
        }

        return bytes;
    }

    private static (int Type, byte[] Payload) ReadOne(SpscByteRing ring)
    {
        Assert.True(ring.TryRead(out int type, out ReadOnlySpan<byte> payload));
        return (type, payload.ToArray());
    }

    private static void AssertRead(SpscByteRing ring, int expectedType, byte[] expectedPayload)
    {
        var (type, payload) = ReadOne(ring);
        Assert.Equal(expectedType, type);
        Assert.Equal(expectedPayload, payload);
    }

    [Fact]
    public void Empty_ring_reads_nothing()
    {
        using var ring = SpscByteRing.Allocate(64);
        Assert.False(ring.TryRead(out _, out ReadOnlySpan<byte> payload));
        Assert.True(payload.IsEmpty);
        Assert.Equal(0, ring.Head);
        Assert.Equal(0, ring.Tail);
    }

    [Fact]
    public void Claim_serializes_in_place_and_commit_publishes()
    {
        using var ring = SpscByteRing.Allocate(256);
        Assert.True(ring.TryClaim(5, out Span<byte> destination));
        Assert.Equal(5, destination.Length);
        "hello"u8.CopyTo(destination);
        Assert.Equal(0, ring.Tail);                       // nothing visible before Commit
        Assert.False(ring.TryRead(out _, out _));
        ring.Commit(7);
        Assert.Equal(16, ring.Tail);

        var (type, payload) = ReadOne(ring);
        Assert.Equal(7, type);
        Assert.Equal("hello"u8.ToArray(), payload);
    }

    [Fact]
    public void Commit_can_shorten_the_claim()
    {
        using var ring = SpscByteRing.Allocate(256);
        Assert.True(ring.TryClaim(100, out Span<byte> destination));
        destination[0] = 9;
        destination[1] = 8;
        ring.Commit(3, 2);
        Assert.Equal(16, ring.Tail);
        Assert.Equal(new byte[] { 9, 8 }, ReadOne(ring).Payload);
        Assert.True(ring.TryClaim(1, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => ring.Commit(3, 2));
    }

    [Fact]
    public void Claim_and_commit_misuse_throws()
    {
        using var ring = SpscByteRing.Allocate(256);
        Assert.Throws<InvalidOperationException>(() => ring.Commit(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ring.TryClaim(ring.MaxPayload + 1, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => ring.TryClaim(-1, out _));
        Assert.True(ring.TryClaim(4, out _));
        Assert.Throws<InvalidOperationException>(() => ring.TryClaim(4, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => ring.Commit(RingDescriptor.PaddingType));
        ring.Commit(1);
        Assert.Equal(1, ReadOne(ring).Type);
    }

    [Fact]
    public void Max_payload_fits_an_empty_ring_at_every_head_position()
    {
        const int capacity = 256;
        using var ring = SpscByteRing.Allocate(capacity);
        for (int offset = 0; offset < capacity; offset += 8)
        {
            byte[] message = Pattern(ring.MaxPayload, offset);
            Assert.True(ring.TryWrite(offset, message), $"max payload refused at offset {offset}");
            AssertRead(ring, offset, message);
            ring.ReleaseRead();

            // Step the empty ring on by 8 bytes for the next round.
            Assert.True(ring.TryWrite(0, []));
            Assert.True(ring.TryRead(out _, out _));
            ring.ReleaseRead();
        }
    }

    [Fact]
    public void Exact_fill_to_capacity_then_full_then_release_frees()
    {
        using var ring = SpscByteRing.Allocate(64);
        for (int i = 0; i < 8; i++)
        {
            Assert.True(ring.TryWrite(i, []));            // 8-byte records: 8 fill 64 exactly
        }

        Assert.Equal(64, ring.Tail);
        Assert.False(ring.TryClaim(0, out _));
        Assert.False(ring.TryWrite(99, []));

        for (int i = 0; i < 8; i++)
        {
            Assert.Equal(i, ReadOne(ring).Type);
        }

        Assert.False(ring.TryRead(out _, out _));
        Assert.False(ring.TryClaim(0, out _));          // read but not released: still full
        Assert.Equal(0, ring.Head);
        ring.ReleaseRead();                             // one head store for the whole batch
        Assert.Equal(64, ring.Head);
        Assert.True(ring.TryClaim(ring.MaxPayload, out _));
        ring.Commit(1);
    }

    [Fact]
    public void Two_max_payload_records_fill_exactly()
    {
        using var ring = SpscByteRing.Allocate(64);
        Assert.True(ring.TryWrite(1, Pattern(24, 1)));
        Assert.True(ring.TryWrite(2, Pattern(24, 2)));
        Assert.False(ring.TryWrite(3, []));
        Assert.Equal(64, ring.Tail - ring.Head);
    }

    [Fact]
    public void Wrap_with_padding_at_every_offset_and_every_size()
    {
        const int capacity = 128;
        using var ring = SpscByteRing.Allocate(capacity);
        int maxPayload = ring.MaxPayload;
        int seed = 0;
        for (int offset = 0; offset < capacity; offset += 8)
        {
            for (int size = 0; size <= maxPayload; size++)
            {
                // Bring the empty ring's head/tail to `offset` (mod capacity) with empty records.
                while ((ring.Tail & (capacity - 1)) != offset)
                {
                    Assert.True(ring.TryWrite(0, []));
                    Assert.True(ring.TryRead(out _, out _));
                    ring.ReleaseRead();
                }

                long tail = ring.Tail;
                int record = RingDescriptor.RecordLength(size);
                int toEnd = capacity - offset;
                long expectedTail = tail + (record <= toEnd ? record : toEnd + record);
                byte[] message = Pattern(size, ++seed);

                Assert.True(ring.TryWrite(seed, message));
                Assert.Equal(expectedTail, ring.Tail);
                if (record > toEnd)
                {
                    long header = ring.Region.Int64At(RingDescriptor.DataOffset + offset);
                    Assert.Equal(RingDescriptor.PaddingType, (int)(header >> 32));
                    Assert.Equal(toEnd - 8, (int)header & RingDescriptor.RecordLengthMask);
                    Assert.Equal(RingDescriptor.LapTag(tail / capacity), (int)((uint)header >> RingDescriptor.RecordLapTagShift));
                }

                AssertRead(ring, seed, message);
                Assert.False(ring.TryRead(out _, out _));
                ring.ReleaseRead();
                Assert.Equal(expectedTail, ring.Head);
            }
        }
    }

    [Fact]
    public void Record_that_does_not_fit_after_padding_is_refused_without_writing()
    {
        using var ring = SpscByteRing.Allocate(64);
        Assert.True(ring.TryWrite(1, Pattern(16, 1)));   // [0, 24)
        Assert.True(ring.TryWrite(2, Pattern(16, 2)));   // [24, 48)
        Assert.Equal(1, ReadOne(ring).Type);
        ring.ReleaseRead();                              // head 24, 16 bytes left before the end
        Assert.False(ring.TryWrite(3, Pattern(24, 3)));  // needs 16 padding + 32: only 40 free
        Assert.Equal(48, ring.Tail);
        Assert.True(ring.TryWrite(4, Pattern(8, 4)));    // 16 bytes: fits before the end
        Assert.Equal(64, ring.Tail);
    }

    // Header polling's hazard: a record of a later lap starts where an older lap left payload
    // bytes. Every payload word here is a forged header, valid (right lap tag, empty record of
    // type 12345) for the next lap and for the one after, so only the producer's clear of the
    // next header slot (and the lap tag, when the ring is exactly full) stands between the
    // consumer and a forged record. Sizes cover every wrap position; the consumer drains and
    // must then find nothing.
    [Fact]
    public void Forged_headers_left_in_old_payload_are_never_read_as_records()
    {
        const int capacity = 128;
        const int forgedType = 12345;
        using var ring = SpscByteRing.Allocate(capacity);
        var sizes = new Random(4711);
        int written = 0;
        int read = 0;
        for (int round = 0; round < 3000; round++)
        {
            while (true)
            {
                int size = sizes.Next(0, (ring.MaxPayload / 8) + 1) * 8;
                if (!ring.TryClaim(size, out Span<byte> payload))
                {
                    break;
                }

                long lap = ring.Tail / capacity;
                for (int w = 0; w + 8 <= size; w += 8)
                {
                    long forged = RingDescriptor.PackRecordHeader(0, forgedType, lap + 1 + ((w / 8) & 1));
                    System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(payload[w..], forged);
                }

                ring.Commit(written++);
                if (sizes.Next(3) == 0)
                {
                    break;                                   // not always full: both (a) and (b) happen
                }
            }

            while (ring.TryRead(out int type, out _))
            {
                Assert.Equal(read++, type);
            }

            Assert.Equal(written, read);
            ring.ReleaseRead();
        }

        Assert.True(written > 3000, $"only {written} records");
    }

    // HasUnread is the spinning and parking consumer's check: it polls the header word at the
    // read position (the line the record comes in), not the shared tail, whose line would then
    // bounce to the consumer's core on every spin and back on every commit. A tail moved with
    // no record behind it says nothing; a record says yes, at every wrap and across padding;
    // a header word no producer writes (lap tag 3) says yes, so that the read throws on it.
    [Fact]
    public void HasUnread_polls_the_header_word_not_the_tail_at_every_offset()
    {
        const int capacity = 128;
        using var region = MemoryRegion.Allocate(RingDescriptor.RequiredRegionBytes(capacity));
        RingDescriptor.Initialize(region, capacity, Environment.ProcessId);
        using var ring = new SpscByteRing(region);
        for (int size = 0; size <= 3 * capacity; size += 8)
        {
            int payload = size % (ring.MaxPayload + 1);
            Assert.False(ring.HasUnread);
            long tail = ring.Tail;
            Volatile.Write(ref region.Int64At(RingDescriptor.TailOffset), tail + 64);   // a tail that ran ahead of any record
            Assert.False(ring.HasUnread);
            Assert.False(ring.TryRead(out _, out _));
            Volatile.Write(ref region.Int64At(RingDescriptor.TailOffset), tail);

            Assert.True(ring.TryClaim(payload, out _));
            ring.Commit(size);
            Assert.True(ring.HasUnread);
            Assert.Equal(size, ReadOne(ring).Type);
            Assert.False(ring.HasUnread);
            ring.ReleaseRead();
        }

        long position = ring.Tail;
        region.Int64At(RingDescriptor.DataOffset + (int)(position % capacity)) = (long)(3UL << RingDescriptor.RecordLapTagShift) | 8;
        Assert.True(ring.HasUnread);
        Assert.Throws<InvalidDataException>(() => ring.TryRead(out _, out _));
    }

    [Fact]
    public void Producer_rereads_head_only_when_full_and_sees_releases()
    {
        using var ring = SpscByteRing.Allocate(64);
        int written = 0;
        int read = 0;
        for (int round = 0; round < 1000; round++)
        {
            while (ring.TryWrite(written, Pattern(written % 25, written)))
            {
                written++;
            }

            Assert.True(ring.Tail - ring.Head <= 64);
            while (ring.TryRead(out int type, out ReadOnlySpan<byte> payload))
            {
                Assert.Equal(read, type);
                Assert.Equal(Pattern(read % 25, read), payload.ToArray());
                read++;
            }

            ring.ReleaseRead();
        }

        Assert.Equal(written, read);
        Assert.True(written > 2000);
    }

    [Fact]
    public void Attach_resumes_from_the_counters_in_the_region()
    {
        using var producer = SpscByteRing.Allocate(256);
        Assert.True(producer.TryWrite(1, Pattern(10, 1)));
        Assert.True(producer.TryWrite(2, Pattern(20, 2)));

        var consumer = new SpscByteRing(producer.Region);   // as a second process would
        AssertRead(consumer, 1, Pattern(10, 1));
        consumer.ReleaseRead();
        Assert.Equal(24, producer.Head);

        var resumed = new SpscByteRing(producer.Region);
        AssertRead(resumed, 2, Pattern(20, 2));
        consumer.Dispose();                                 // attached rings do not free the region
        Assert.Equal(256, producer.Capacity);
        Assert.True(producer.TryWrite(3, []));
    }

    [Fact]
    public void Attach_to_zeroed_memory_names_the_magic()
    {
        using var region = MemoryRegion.Allocate(RingDescriptor.RequiredRegionBytes(64));
        var error = Assert.Throws<InvalidDataException>(() => new SpscByteRing(region));
        Assert.Contains("magic", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Attach_to_other_layout_version_is_refused()
    {
        using var region = MemoryRegion.Allocate(RingDescriptor.RequiredRegionBytes(64));
        RingDescriptor.Initialize(region, 64, 1);
        region.Int32At(RingDescriptor.VersionOffset) = RingDescriptor.LayoutVersion + 1;
        var error = Assert.Throws<InvalidDataException>(() => new SpscByteRing(region));
        Assert.Contains($"version {RingDescriptor.LayoutVersion + 1}", error.Message, StringComparison.Ordinal);
    }

    // Version 1 published records by the tail alone and had no lap tag: a version-1 peer would
    // take half-written records of a later version and the other way round. Version 2 has
    // version 3's framing but puts timely's 48-byte MessageHeader where a version-3 ring
    // between two workers has a compact record (channel and sequence tag in the type word): a
    // version-2 peer would misread every message. Either attach is refused with one line that
    // names both versions.
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Attach_to_an_older_layout_version_is_refused_with_a_one_line_error(int version)
    {
        Assert.Equal(3, RingDescriptor.LayoutVersion);
        using var region = MemoryRegion.Allocate(RingDescriptor.RequiredRegionBytes(64));
        RingDescriptor.Initialize(region, 64, 1);
        region.Int32At(RingDescriptor.VersionOffset) = version;
        var error = Assert.Throws<InvalidDataException>(() => new SpscByteRing(region));
        Assert.Equal($"Ring layout version {version} is not supported; this build reads version 3.", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Theory]
    [InlineData(100)]
    [InlineData(32)]
    [InlineData(0)]
    [InlineData(-64)]
    public void Attach_with_bad_capacity_is_refused(int capacity)
    {
        using var region = MemoryRegion.Allocate(RingDescriptor.RequiredRegionBytes(128));
        RingDescriptor.Initialize(region, 64, 1);
        region.Int32At(RingDescriptor.CapacityOffset) = capacity;
        var error = Assert.Throws<InvalidDataException>(() => new SpscByteRing(region));
        Assert.Contains($"capacity {capacity}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Attach_to_region_smaller_than_capacity_is_refused()
    {
        using var region = MemoryRegion.Allocate(RingDescriptor.RequiredRegionBytes(128));
        RingDescriptor.Initialize(region, 128, 1);
        region.Int32At(RingDescriptor.CapacityOffset) = 256;
        var error = Assert.Throws<InvalidDataException>(() => new SpscByteRing(region));
        Assert.Contains("region has 512", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Attach_to_region_smaller_than_header_is_refused()
    {
        using var region = MemoryRegion.Allocate(200);
        var error = Assert.Throws<InvalidDataException>(() => new SpscByteRing(region));
        Assert.Contains("smaller than the ring header", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(16, 8)]     // tail behind head
    [InlineData(0, 72)]     // more than capacity in use
    [InlineData(0, 4)]      // misaligned
    [InlineData(-8, 0)]     // negative
    public void Attach_with_inconsistent_counters_is_refused(long head, long tail)
    {
        using var region = MemoryRegion.Allocate(RingDescriptor.RequiredRegionBytes(64));
        RingDescriptor.Initialize(region, 64, 1);
        region.Int64At(RingDescriptor.HeadOffset) = head;
        region.Int64At(RingDescriptor.TailOffset) = tail;
        var error = Assert.Throws<InvalidDataException>(() => new SpscByteRing(region));
        Assert.Contains("inconsistent", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Initialize_refuses_a_region_too_small()
    {
        using var region = MemoryRegion.Allocate(RingDescriptor.RequiredRegionBytes(64));
        Assert.Throws<ArgumentException>(() => RingDescriptor.Initialize(region, 128, 1));
    }

    [Fact]
    public void Corrupt_record_length_from_a_peer_throws_instead_of_reading_past_the_tail()
    {
        using var ring = SpscByteRing.Allocate(256);
        ring.Region.Int64At(RingDescriptor.DataOffset) = RingDescriptor.PackRecordHeader(200, 1, lap: 0);
        ring.Region.Int64At(RingDescriptor.TailOffset) = 16;
        var consumer = new SpscByteRing(ring.Region);
        Assert.Throws<InvalidDataException>(() => consumer.TryRead(out _, out _));
    }

    [Fact]
    public void Corrupt_padding_length_throws()
    {
        using var ring = SpscByteRing.Allocate(64);
        ring.Region.Int64At(RingDescriptor.DataOffset) = RingDescriptor.PackRecordHeader(8, RingDescriptor.PaddingType, lap: 0);
        ring.Region.Int64At(RingDescriptor.TailOffset) = 32;
        var consumer = new SpscByteRing(ring.Region);
        var error = Assert.Throws<InvalidDataException>(() => consumer.TryRead(out _, out _));
        Assert.Contains("padding", error.Message, StringComparison.Ordinal);
    }
}
