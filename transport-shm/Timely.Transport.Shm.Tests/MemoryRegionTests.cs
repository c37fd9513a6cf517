using System.Runtime.InteropServices;
using Timely.Bytes;
using Timely.Transport.Shm.Memory;

namespace Timely.Transport.Shm.Tests;

public sealed unsafe class MemoryRegionTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(1000)]
    [InlineData(1 << 20)]
    [InlineData((1 << 20) + 3)]
    public void Allocate_is_zeroed_and_cache_line_aligned(int length)
    {
        // Small blocks come from the heap (calloc clears them), large ones from their own
        // mapping (the kernel's zero pages): both zeroed, both aligned, the last byte writable.
        using var region = MemoryRegion.Allocate(length);
        Assert.Equal(length, region.Length);
        Assert.True(region.OwnsMemory);
        Assert.Equal(-1, region.Slice(0, length).IndexOfAnyExcept((byte)0));
        region.Slice(length - 1, 1)[0] = 0xFF;
        fixed (byte* p = region.Slice(0, 1))
        {
            Assert.Equal(0, (long)p % CacheLine.Size);
        }
    }

    [Fact]
    public void A_freed_block_given_out_again_is_zeroed_again()
    {
        // The heap hands a freed small block out again: what the first region wrote must not
        // show through in the next.
        for (int round = 0; round < 3; round++)
        {
            using var region = MemoryRegion.Allocate(4096);
            Assert.Equal(-1, region.Slice(0, 4096).IndexOfAnyExcept((byte)0));
            region.Slice(0, 4096).Fill(0xAB);
        }
    }

    [Fact]
    public void Cells_and_slices_alias_the_same_bytes()
    {
        using var region = MemoryRegion.Allocate(64);
        region.Int64At(8) = 0x0807_0605_0403_0201;
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 }, region.Slice(8, 8).ToArray());
        region.Int32At(60) = -1;
        Assert.Equal(-1, BitConverter.ToInt32(region.Slice(60, 4)));
    }

    [Theory]
    [InlineData(-1, 1)]
    [InlineData(0, 65)]
    [InlineData(64, 1)]
    [InlineData(65, 0)]
    [InlineData(10, -1)]
    [InlineData(long.MaxValue, 1)]
    public void Slice_out_of_range_throws(long offset, int length)
    {
        using var region = MemoryRegion.Allocate(64);
        Assert.Throws<ArgumentOutOfRangeException>(() => region.Slice(offset, length));
    }

    [Fact]
    public void Slice_at_the_very_end_is_allowed()
    {
        using var region = MemoryRegion.Allocate(64);
        Assert.Equal(0, region.Slice(64, 0).Length);
        Assert.Equal(64, region.Slice(0, 64).Length);
    }

    [Theory]
    [InlineData(4)]
    [InlineData(60)]
    [InlineData(64)]
    [InlineData(-8)]
    public void Int64_cells_must_be_aligned_and_inside(long offset)
    {
        using var region = MemoryRegion.Allocate(64);
        Assert.Throws<ArgumentOutOfRangeException>(() => region.Int64At(offset));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(64)]
    [InlineData(-4)]
    public void Int32_cells_must_be_aligned_and_inside(long offset)
    {
        using var region = MemoryRegion.Allocate(64);
        Assert.Throws<ArgumentOutOfRangeException>(() => region.Int32At(offset));
    }

    [Fact]
    public void Cells_in_a_region_shorter_than_the_cell_are_refused()
    {
        using var region = MemoryRegion.Allocate(4);
        Assert.Throws<ArgumentOutOfRangeException>(() => region.Int64At(0));
        region.Int32At(0) = 5;
        Assert.Equal(5, region.Int32At(0));
    }

    [Fact]
    public void A_typed_probe_reads_what_a_read_in_place_sees()
    {
        using var region = MemoryRegion.Allocate(64);
        region.Int64At(8) = 0x0807_0605_0403_0201;
        region.Int32At(60) = -5;

        Assert.True(region.TryProbeRead(8, out long word));
        Assert.Equal(Volatile.Read(ref region.Int64At(8)), word);
        Assert.True(region.TryProbeRead(60, out int last));   // the region's last four bytes
        Assert.Equal(-5, last);
        Assert.True(region.TryProbeRead(9, out int unaligned));
        Assert.Equal(0x0504_0302, unaligned);
        Assert.True(region.TryProbeRead(8, out Halves halves));   // a struct of several fields
        Assert.Equal(new Halves(0x0403_0201, 0x0807_0605), halves);
    }

    [Theory]
    [InlineData(57, 8)]
    [InlineData(64, 8)]
    [InlineData(61, 4)]
    [InlineData(64, 1)]
    [InlineData(-1, 4)]
    [InlineData(long.MaxValue, 8)]
    public void A_typed_probe_past_the_region_s_end_is_refused(long offset, int size)
    {
        using var region = MemoryRegion.Allocate(64);
        Action probe = size switch
        {
            8 => () => region.TryProbeRead(offset, out long _),
            4 => () => region.TryProbeRead(offset, out int _),
            _ => () => region.TryProbeRead(offset, out byte _),
        };
        Assert.Throws<ArgumentOutOfRangeException>(probe);
    }

    [Fact]
    public void Access_after_dispose_throws_object_disposed()
    {
        var region = MemoryRegion.Allocate(64);
        region.Dispose();
        region.Dispose();
        Assert.Equal(0, region.Length);
        Assert.Throws<ObjectDisposedException>(() => region.Slice(0, 1));
        Assert.Throws<ObjectDisposedException>(() => region.Int64At(0));
    }

    [Fact]
    public void Wrap_borrows_memory_and_leaves_it_to_its_owner()
    {
        void* memory = NativeMemory.AlignedAlloc(256, CacheLine.Size);
        try
        {
            var region = MemoryRegion.Wrap((nint)memory, 256);
            Assert.False(region.OwnsMemory);
            region.Int64At(0) = 42;
            region.Dispose();
            Assert.Equal(42, *(long*)memory); // still ours to read: Dispose did not free it
        }
        finally
        {
            NativeMemory.AlignedFree(memory);
        }
    }

    [Fact]
    public void Wrap_refuses_null_unaligned_and_empty()
    {
        void* memory = NativeMemory.AlignedAlloc(256, CacheLine.Size);
        try
        {
            Assert.Throws<ArgumentNullException>(() => MemoryRegion.Wrap(0, 64));
            Assert.Throws<ArgumentException>(() => MemoryRegion.Wrap((nint)memory + 8, 64));
            Assert.Throws<ArgumentOutOfRangeException>(() => MemoryRegion.Wrap((nint)memory, 0));
        }
        finally
        {
            NativeMemory.AlignedFree(memory);
        }
    }

    private readonly record struct Halves(int Low, int High);
}
