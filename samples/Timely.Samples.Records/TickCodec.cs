using System.Buffers.Binary;
using Timely.Bytes;

namespace Timely.Samples.Records;

/// <summary>
/// The codec a user wrote by hand before the generator: the same 21 bytes as the generated one,
/// with <see cref="BinaryPrimitives"/> and one bounds check per call. The benchmark's baseline.
/// </summary>
public sealed class TickCodec : IWireCodec<Tick>
{
    private const int Size = 8 + 8 + 4 + 1;

    /// <inheritdoc/>
    public int Measure(in Tick value) => Size;

    /// <inheritdoc/>
    public int Write(Span<byte> destination, in Tick value)
    {
        if (destination.Length < Size)
        {
            throw new ArgumentException($"a Tick needs {Size} bytes, {destination.Length} remain", nameof(destination));
        }

        BinaryPrimitives.WriteUInt64LittleEndian(destination, value.Id);
        BinaryPrimitives.WriteInt64LittleEndian(destination[8..], value.Price);
        BinaryPrimitives.WriteInt32LittleEndian(destination[16..], value.Quantity);
        destination[20] = (byte)value.Side;
        return Size;
    }

    /// <inheritdoc/>
    public int Read(ReadOnlySpan<byte> source, ref Tick value)
    {
        if (source.Length < Size)
        {
            throw new WireFormatException($"Truncated input: a Tick needs {Size} bytes, {source.Length} remain.");
        }

        value = new Tick(
            BinaryPrimitives.ReadUInt64LittleEndian(source),
            BinaryPrimitives.ReadInt64LittleEndian(source[8..]),
            BinaryPrimitives.ReadInt32LittleEndian(source[16..]),
            (Side)source[20]);
        return Size;
    }
}
