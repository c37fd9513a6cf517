using System.Buffers.Binary;
using System.Text;
using Timely.Bytes;

namespace Timely.Hosting.Sample;

/// <summary>
/// The wire codec of <see cref="Trade"/>, written by hand: trades cross between the processes of
/// a shared-memory job, and a type that crosses needs a codec whose <see cref="Measure"/> is
/// exact. Layout (bincode's): u64 length and the symbol's UTF-8 bytes, i64 quantity, u64 time.
/// </summary>
public sealed class TradeCodec : IWireCodec<Trade>
{
    public int Measure(in Trade value) => 8 + Encoding.UTF8.GetByteCount(value.Symbol) + 8 + 8;

    public int Write(Span<byte> destination, in Trade value)
    {
        int length = Encoding.UTF8.GetBytes(value.Symbol, destination[8..]);
        BinaryPrimitives.WriteUInt64LittleEndian(destination, (ulong)length);
        BinaryPrimitives.WriteInt64LittleEndian(destination[(8 + length)..], value.Quantity);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[(16 + length)..], value.Time);
        return 24 + length;
    }

    public int Read(ReadOnlySpan<byte> source, ref Trade value)
    {
        if (source.Length < 8)
        {
            throw new WireFormatException("trade: truncated before the symbol's length.");
        }

        ulong length = BinaryPrimitives.ReadUInt64LittleEndian(source);
        if (length > (ulong)(source.Length - 24))
        {
            throw new WireFormatException($"trade: a symbol of {length} bytes does not fit in {source.Length} bytes.");
        }

        int n = (int)length;
        value = new Trade(
            Encoding.UTF8.GetString(source.Slice(8, n)),
            BinaryPrimitives.ReadInt64LittleEndian(source[(8 + n)..]),
            BinaryPrimitives.ReadUInt64LittleEndian(source[(16 + n)..]));
        return 24 + n;
    }
}
