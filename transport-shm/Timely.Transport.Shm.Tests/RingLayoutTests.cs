using System.Runtime.CompilerServices;
using Timely.Bytes;
using Timely.Transport.Shm.Layout;
using Timely.Transport.Shm.Memory;
using Timely.Transport.Shm.Ring;

namespace Timely.Transport.Shm.Tests;

public sealed class RingLayoutTests
{
    [Fact]
    public void Head_tail_and_data_each_start_a_separate_cache_line()
    {
        Assert.Equal(128, CacheLine.Size);
        Assert.Equal(0, RingDescriptor.MagicOffset);
        Assert.Equal(128, RingDescriptor.HeadOffset);
        Assert.Equal(256, RingDescriptor.TailOffset);
        Assert.Equal(384, RingDescriptor.DataOffset);
        Assert.Equal(CacheLine.Size, RingDescriptor.TailOffset - RingDescriptor.HeadOffset);
        Assert.Equal(CacheLine.Size, RingDescriptor.DataOffset - RingDescriptor.TailOffset);
        Assert.True(RingDescriptor.StateOffset + sizeof(int) <= RingDescriptor.HeadOffset);
    }

    [Fact]
    public void Required_region_bytes_is_header_lines_plus_capacity()
    {
        Assert.Equal(384 + 64, RingDescriptor.RequiredRegionBytes(64));
        Assert.Equal(384 + (1 << 20), RingDescriptor.RequiredRegionBytes(1 << 20));
        Assert.Throws<ArgumentOutOfRangeException>(() => RingDescriptor.RequiredRegionBytes(100));
        Assert.Throws<ArgumentOutOfRangeException>(() => RingDescriptor.RequiredRegionBytes(32));
        Assert.Throws<ArgumentOutOfRangeException>(() => RingDescriptor.RequiredRegionBytes(int.MinValue));
    }

    [Theory]
    [InlineData(0, 8)]
    [InlineData(1, 16)]
    [InlineData(8, 16)]
    [InlineData(9, 24)]
    [InlineData(24, 32)]
    public void Records_are_header_plus_payload_rounded_to_8(int payload, int record) =>
        Assert.Equal(record, RingDescriptor.RecordLength(payload));

    [Fact]
    public void Max_payload_is_half_capacity_less_header()
    {
        Assert.Equal(24, RingDescriptor.MaxPayload(64));
        Assert.Equal(512 - 8, RingDescriptor.MaxPayload(1024));
        Assert.Equal(RingDescriptor.MaxPayload(4096), SpscByteRing.Allocate(4096).MaxPayload);
    }

    [Fact]
    public void Private_cursors_put_producer_and_consumer_on_their_own_lines()
    {
        Assert.Equal(3 * CacheLine.Size, Unsafe.SizeOf<RingCursors>());
        var cursors = default(RingCursors);
        long Offset(ref long field) => OffsetOf(ref cursors, ref field);

        Assert.Equal(CacheLine.Size, Offset(ref cursors.Tail));
        Assert.True(Offset(ref cursors.CachedHead) < 2 * CacheLine.Size);
        Assert.True(Offset(ref cursors.ClaimPosition) < 2 * CacheLine.Size);
        Assert.True(Offset(ref cursors.PaddingPosition) < 2 * CacheLine.Size);
        Assert.Equal(2 * CacheLine.Size, Offset(ref cursors.ReadPosition));
        Assert.True(Offset(ref cursors.Head) is > 2 * CacheLine.Size and < 3 * CacheLine.Size);
    }

    private static long OffsetOf(ref RingCursors cursors, ref long field) =>
        (long)Unsafe.ByteOffset(ref Unsafe.As<RingCursors, byte>(ref cursors), ref Unsafe.As<long, byte>(ref field));

    // Changed deliberately for layout version 2 (header polling): Initialize clears the first
    // data word, the header slot the consumer polls first, so stale bytes there (0xEE here) are
    // not taken for a record; the rest of the data area is still not touched. Changed
    // deliberately again for version 3 (the compact record between two workers): only the
    // version bytes, now 3; the region header and the record framing are version 2's, what
    // changed is what a worker-to-worker record's type and payload mean.
    [Fact]
    public void Header_bytes_are_frozen()
    {
        using var region = MemoryRegion.Allocate(RingDescriptor.RequiredRegionBytes(1024));
        region.Slice(0, (int)region.Length).Fill(0xEE);
        RingDescriptor.Initialize(region, capacity: 1024, creatorPid: 4242);

        byte[] expected = new byte[384];
        byte[] header =
        [
            0x54, 0x49, 0x4D, 0x45, 0x4C, 0x59, 0x52, 0x42, // magic "TIMELYRB"
            0x03, 0x00, 0x00, 0x00,                         // layout version 3
            0x00, 0x04, 0x00, 0x00,                         // capacity 1024
            0x92, 0x10, 0x00, 0x00,                         // creator pid 4242
            0x01, 0x00, 0x00, 0x00,                         // state Active
        ];
        header.CopyTo(expected, 0);                         // rest of the header line, head line, tail line: zero

        Assert.Equal(expected, region.Slice(0, 384).ToArray());
        Assert.Equal(new byte[8], region.Slice(384, 8).ToArray());   // the first header slot: cleared
        Assert.Equal(0xEE, region.Slice(392, 1)[0]);        // the rest of the data area is not touched
        Assert.Equal(0xEE, region.Slice(384 + 1023, 1)[0]);
    }

    // Version 2: bits 30-31 of the length word are the lap tag (01 in even laps, 10 in odd),
    // and the word after the record is cleared for the consumer's next poll.
    [Fact]
    public void Record_header_is_length_with_lap_tag_then_type_little_endian()
    {
        using var ring = SpscByteRing.Allocate(64);
        ring.Region.Slice(RingDescriptor.DataOffset + 8, 56).Fill(0xEE);
        Assert.True(ring.TryWrite(0x0102_0304, [0xAA, 0xBB, 0xCC]));
        byte[] expected =
        [
            0x03, 0x00, 0x00, 0x40, 0x04, 0x03, 0x02, 0x01, 0xAA, 0xBB, 0xCC, 0xEE, 0xEE, 0xEE, 0xEE, 0xEE,
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        ];
        Assert.Equal(expected, ring.Region.Slice(RingDescriptor.DataOffset, expected.Length).ToArray());
        Assert.Equal(16, ring.Tail);

        // Second lap: same record at index 0 again, now with tag 10.
        Assert.True(ring.TryRead(out _, out _));
        ring.ReleaseRead();
        for (int i = 0; i < 6; i++)
        {
            Assert.True(ring.TryWrite(0, []));
            Assert.True(ring.TryRead(out _, out _));
            ring.ReleaseRead();
        }

        Assert.Equal(64, ring.Tail);
        Assert.True(ring.TryWrite(0x0102_0304, [0xAA, 0xBB, 0xCC]));
        Assert.Equal(0x80, ring.Region.Slice(RingDescriptor.DataOffset + 3, 1)[0]);
    }

    [Fact]
    public void Creator_pid_and_state_are_readable_and_close_refuses_attach()
    {
        using var ring = SpscByteRing.Allocate(64);
        Assert.Equal(Environment.ProcessId, RingDescriptor.CreatorPid(ring.Region));
        Assert.Equal(RingState.Active, RingDescriptor.State(ring.Region));
        RingDescriptor.Close(ring.Region);
        Assert.Equal(RingState.Closed, RingDescriptor.State(ring.Region));
        var error = Assert.Throws<InvalidDataException>(() => new SpscByteRing(ring.Region));
        Assert.Contains("Closed", error.Message, StringComparison.Ordinal);
    }
}
