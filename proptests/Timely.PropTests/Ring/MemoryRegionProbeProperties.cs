using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FsCheck;
using FsCheck.Fluent;
using Timely.Transport.Shm.Memory;
using Xunit;

namespace Timely.PropTests.Ring;

/// <summary>
/// A typed probe of a region (<see cref="MemoryRegion.TryProbeRead{T}(long, out T)"/>) reads
/// what the region holds in place, at any offset, aligned or not, and refuses every offset whose
/// value would not lie wholly inside the region, as a slice does.
/// </summary>
public sealed class MemoryRegionProbeProperties
{
    [Fact]
    public void A_typed_probe_reads_in_place_and_refuses_what_is_not_inside() =>
        Prop.ForAll(
            (from length in Gen.Choose(1, 200)
             from offset in Gen.Choose(-9, length + 9)
             from seed in Gen.Choose(0, int.MaxValue)
             select (length, offset, seed)).ToArbitrary(),
            c =>
            {
                using var region = MemoryRegion.Allocate(c.length);
                new Random(c.seed).NextBytes(region.Slice(0, c.length));
                return Agrees<long>(region, c.offset) && Agrees<int>(region, c.offset) && Agrees<byte>(region, c.offset);
            }).Check(RingProperties.Bounded(1000, 0x5EED_0B5E));

    private static bool Agrees<T>(MemoryRegion region, long offset)
        where T : unmanaged
    {
        int size = Unsafe.SizeOf<T>();
        bool inside = offset >= 0 && offset + size <= region.Length;
        try
        {
            bool read = region.TryProbeRead(offset, out T value);
            return inside && read && value.Equals(MemoryMarshal.Read<T>(region.Slice(offset, size)));
        }
        catch (ArgumentOutOfRangeException)
        {
            return !inside;
        }
    }
}
