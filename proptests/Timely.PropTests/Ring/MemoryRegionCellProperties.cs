using FsCheck;
using FsCheck.Fluent;
using Timely.Transport.Shm.Memory;
using Xunit;

namespace Timely.PropTests.Ring;

/// <summary>
/// The region's bound checks, each one compare on the ring's path, against the rule written
/// out in full: an 8- or 4-byte cell is handed out iff its offset is a multiple of its size and
/// the whole cell lies inside the region; a slice iff offset and length are not negative and
/// it ends inside. Offsets near the edges, far outside (the signs and the high bits a rotated
/// offset carries) and in disposed regions, which have no cells
/// (an empty slice at 0 is all those give).
/// </summary>
public sealed class MemoryRegionCellProperties
{
    private static readonly long[] FarOffsets =
    [
        long.MinValue, long.MinValue + 8, long.MaxValue, long.MaxValue - 7, 1L << 60, 1L << 61, 1L << 62,
        -(1L << 60), -(1L << 61), -8, -4, -1, int.MaxValue + 1L, (long)uint.MaxValue + 1,
    ];

    [Fact]
    public void Cells_and_slices_are_handed_out_exactly_when_aligned_and_inside() =>
        Prop.ForAll(
            (from length in Gen.Choose(1, 200)
             from offset in Gen.OneOf(Gen.Choose(-20, length + 20).Select(o => (long)o), Gen.Elements(FarOffsets))
             from sliceLength in Gen.OneOf(Gen.Choose(-3, length + 3), Gen.Elements(int.MinValue, int.MaxValue))
             from disposed in Gen.Frequency((1, Gen.Constant(true)), (5, Gen.Constant(false)))
             select (length, offset, sliceLength, disposed)).ToArbitrary(),
            c =>
            {
                var region = MemoryRegion.Allocate(c.length);
                long length = c.length;
                if (c.disposed)
                {
                    region.Dispose();
                    length = 0;
                }

                try
                {
                    return Agrees(() => region.Int64At(c.offset), c.offset % 8 == 0 && c.offset >= 0 && c.offset <= length - 8, c.disposed)
                        && Agrees(() => region.Int32At(c.offset), c.offset % 4 == 0 && c.offset >= 0 && c.offset <= length - 4, c.disposed)
                        && Agrees(() => region.Slice(c.offset, c.sliceLength), c.offset >= 0 && c.sliceLength >= 0 && c.offset <= length - c.sliceLength, c.disposed);
                }
                finally
                {
                    region.Dispose();
                }
            }).Check(RingProperties.Bounded(2000, 0x5EED_CE11));

    private static bool Agrees(Action access, bool allowed, bool disposed)
    {
        try
        {
            access();
            return allowed;
        }
        catch (ObjectDisposedException)
        {
            return disposed && !allowed;
        }
        catch (ArgumentOutOfRangeException)
        {
            return !disposed && !allowed;
        }
    }
}
