using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Timely.Bytes;

/// <summary>
/// Sequential little-endian writer over a caller-owned span (bincode's fixed-width layout).
/// Every write is bounds-checked; running past the end is a caller bug (the size was not
/// measured) and throws <see cref="ArgumentException"/> through <see cref="ThrowHelper"/>.
/// </summary>
public ref struct SpanWriter
{
    private readonly Span<byte> _buffer;
    private int _position;

    /// <summary>A writer positioned at the first byte of <paramref name="buffer"/>, which the caller owns and has sized (codecs' <c>Measure</c>).</summary>
    public SpanWriter(Span<byte> buffer)
    {
        _buffer = buffer;
        _position = 0;
    }

    /// <summary>Bytes written so far.</summary>
    public readonly int Position => _position;

    /// <summary>Bytes still free.</summary>
    public readonly int Remaining => _buffer.Length - _position;

    /// <summary>The bytes written so far.</summary>
    public readonly ReadOnlySpan<byte> Written => _buffer[.._position];

    /// <summary>Writes one byte.</summary>
    /// <exception cref="ArgumentException">No byte is free.</exception>
    public void WriteU8(byte value) => Take(1, "u8")[0] = value;

    /// <summary>Writes one signed byte.</summary>
    /// <exception cref="ArgumentException">No byte is free.</exception>
    public void WriteI8(sbyte value) => Take(1, "i8")[0] = (byte)value;

    /// <summary>Writes a bincode bool: one byte, 1 for true, 0 for false.</summary>
    /// <exception cref="ArgumentException">No byte is free.</exception>
    public void WriteBool(bool value) => Take(1, "bool")[0] = value ? (byte)1 : (byte)0;

    /// <summary>Writes <paramref name="value"/> little-endian in 2 bytes.</summary>
    /// <exception cref="ArgumentException">Fewer than 2 bytes are free.</exception>
    public void WriteU16(ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(Take(2, "u16"), value);

    /// <summary>Writes <paramref name="value"/> little-endian in 2 bytes.</summary>
    /// <exception cref="ArgumentException">Fewer than 2 bytes are free.</exception>
    public void WriteI16(short value) => BinaryPrimitives.WriteInt16LittleEndian(Take(2, "i16"), value);

    /// <summary>Writes <paramref name="value"/> little-endian in 4 bytes.</summary>
    /// <exception cref="ArgumentException">Fewer than 4 bytes are free.</exception>
    public void WriteU32(uint value) => BinaryPrimitives.WriteUInt32LittleEndian(Take(4, "u32"), value);

    /// <summary>Writes <paramref name="value"/> little-endian in 4 bytes.</summary>
    /// <exception cref="ArgumentException">Fewer than 4 bytes are free.</exception>
    public void WriteI32(int value) => BinaryPrimitives.WriteInt32LittleEndian(Take(4, "i32"), value);

    /// <summary>Writes <paramref name="value"/> little-endian in 8 bytes.</summary>
    /// <exception cref="ArgumentException">Fewer than 8 bytes are free.</exception>
    public void WriteU64(ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(Take(8, "u64"), value);

    /// <summary>Writes <paramref name="value"/> little-endian in 8 bytes.</summary>
    /// <exception cref="ArgumentException">Fewer than 8 bytes are free.</exception>
    public void WriteI64(long value) => BinaryPrimitives.WriteInt64LittleEndian(Take(8, "i64"), value);

    /// <summary>Writes <paramref name="value"/> as a little-endian IEEE 754 single in 4 bytes.</summary>
    /// <exception cref="ArgumentException">Fewer than 4 bytes are free.</exception>
    public void WriteF32(float value) => BinaryPrimitives.WriteSingleLittleEndian(Take(4, "f32"), value);

    /// <summary>Writes <paramref name="value"/> as a little-endian IEEE 754 double in 8 bytes.</summary>
    /// <exception cref="ArgumentException">Fewer than 8 bytes are free.</exception>
    public void WriteF64(double value) => BinaryPrimitives.WriteDoubleLittleEndian(Take(8, "f64"), value);

    /// <summary>Copies <paramref name="bytes"/> as they are, with no length prefix (write one first if the reader needs it).</summary>
    /// <exception cref="ArgumentException">Fewer than <c>bytes.Length</c> bytes are free.</exception>
    public void WriteBytes(scoped ReadOnlySpan<byte> bytes) => bytes.CopyTo(Take(bytes.Length, "raw bytes"));

    /// <summary>Writes <paramref name="value"/> with <paramref name="codec"/>.</summary>
    public void Write<T>(IWireCodec<T> codec, in T value) => _position += codec.Write(_buffer[_position..], value);

    /// <summary>Reserves <paramref name="count"/> bytes for the caller to fill (e.g. a length patched later).</summary>
    public Span<byte> Reserve(int count) => Take(count, "reserved bytes");

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Span<byte> Take(int count, string what)
    {
        int position = _position;
        if ((uint)count > (uint)(_buffer.Length - position))
        {
            ThrowHelper.ThrowDestinationTooSmall(what, position, count, _buffer.Length - position);
        }

        _position = position + count;
        return _buffer.Slice(position, count);
    }
}
