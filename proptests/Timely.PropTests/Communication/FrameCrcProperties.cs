using System.IO.Hashing;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Transport.Tcp;
using Xunit;

namespace Timely.PropTests.Communication;

/// <summary>
/// The TCP frames' CRC-32C, computed by the transport with the processor's instruction, is the
/// standard CRC-32C: System.IO.Hashing's for every length and content (every tail length after
/// the eight-byte steps, and any start offset, so unaligned spans too), and the catalogue's
/// check value.
/// </summary>
public sealed class FrameCrcProperties
{
    [Fact]
    public void The_check_value_of_the_catalogue_is_met() =>
        Assert.Equal(0xE3069283u, FrameIntegrity.Crc(Encoding.ASCII.GetBytes("123456789")));

    [Fact]
    public void Nothing_has_the_check_of_nothing() =>
        Assert.Equal(0u, FrameIntegrity.Crc(ReadOnlySpan<byte>.Empty));

    [Property(MaxTest = 500, QuietOnSuccess = true)]
    public Property Any_bytes_at_any_offset_have_System_IO_Hashing_s_CRC_32C() =>
        Prop.ForAll(
            (from length in Gen.Frequency((4, Gen.Choose(0, 40)), (1, Gen.Choose(41, 5000)))
             from offset in Gen.Choose(0, 7)
             from seed in Gen.Choose(0, int.MaxValue)
             select (length, offset, seed)).ToArbitrary(),
            c =>
            {
                var bytes = new byte[c.length + c.offset];
                new Random(c.seed).NextBytes(bytes);
                var span = bytes.AsSpan(c.offset);
                return FrameIntegrity.Crc(span) == Crc32.HashToUInt32(Crc32ParameterSet.Crc32C, span);
            });
}
