using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Timely.Bytes;

/// <summary>
/// Sequential little-endian reader over received bytes. Input is untrusted: reading past
/// the end throws <see cref="WireFormatException"/> naming what was read and where, never
/// <see cref="IndexOutOfRangeException"/>.
/// </summary>
public ref struct SpanReader
{
    private readonly ReadOnlySpan<byte> _buffer;
    private int _position;

    /// <summary>A reader positioned at the first byte of <paramref name="buffer"/>; it never reads past its end.</summary>
    public SpanReader(ReadOnlySpan<byte> buffer)
    {
        _buffer = buffer;
        _position = 0;
    }

    /// <summary>Bytes consumed so far.</summary>
    public readonly int Position => _position;

    /// <summary>Bytes not yet consumed.</summary>
    public readonly int Remaining => _buffer.Length - _position;

    /// <summary>The bytes not yet consumed.</summary>
    public readonly ReadOnlySpan<byte> Rest => _buffer[_position..];

    /// <summary>Reads one byte.</summary>
    /// <exception cref="WireFormatException">No byte remains.</exception>
    public byte ReadU8() => Take(1, "u8")[0];

    /// <summary>Reads one signed byte.</summary>
    /// <exception cref="WireFormatException">No byte remains.</exception>
    public sbyte ReadI8() => (sbyte)Take(1, "i8")[0];

    /// <summary>Reads a bincode bool: one byte, 0 or 1.</summary>
    /// <exception cref="WireFormatException">No byte remains, or the byte is neither 0 nor 1.</exception>
    public bool ReadBool()
    {
        byte b = Take(1, "bool")[0];
        if (b > 1)
        {
            ThrowHelper.ThrowInvalidBool(b, _position - 1);
        }

        return b != 0;
    }

    /// <summary>Reads the tag bincode writes before a Rust <c>Option</c>: false for None (0), true for Some (1).</summary>
    /// <exception cref="WireFormatException">No byte remains, or the byte is neither 0 nor 1.</exception>
    public bool ReadOptionTag()
    {
        byte b = Take(1, "option tag")[0];
        if (b > 1)
        {
            ThrowHelper.ThrowInvalidOptionTag(b, _position - 1);
        }

        return b != 0;
    }

    /// <summary>Reads a little-endian 16-bit unsigned integer (2 bytes).</summary>
    /// <exception cref="WireFormatException">Fewer than 2 bytes remain.</exception>
    public ushort ReadU16() => BinaryPrimitives.ReadUInt16LittleEndian(Take(2, "u16"));

    /// <summary>Reads a little-endian 16-bit signed integer (2 bytes).</summary>
    /// <exception cref="WireFormatException">Fewer than 2 bytes remain.</exception>
    public short ReadI16() => BinaryPrimitives.ReadInt16LittleEndian(Take(2, "i16"));

    /// <summary>Reads a little-endian 32-bit unsigned integer (4 bytes), e.g. bincode's enum variant tag.</summary>
    /// <exception cref="WireFormatException">Fewer than 4 bytes remain.</exception>
    public uint ReadU32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4, "u32"));

    /// <summary>Reads a little-endian 32-bit signed integer (4 bytes).</summary>
    /// <exception cref="WireFormatException">Fewer than 4 bytes remain.</exception>
    public int ReadI32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4, "i32"));

    /// <summary>Reads a little-endian 64-bit unsigned integer (8 bytes), e.g. bincode's sequence length.</summary>
    /// <exception cref="WireFormatException">Fewer than 8 bytes remain.</exception>
    public ulong ReadU64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8, "u64"));

    /// <summary>Reads a little-endian 64-bit signed integer (8 bytes).</summary>
    /// <exception cref="WireFormatException">Fewer than 8 bytes remain.</exception>
    public long ReadI64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8, "i64"));

    /// <summary>Reads a little-endian IEEE 754 single (4 bytes).</summary>
    /// <exception cref="WireFormatException">Fewer than 4 bytes remain.</exception>
    public float ReadF32() => BinaryPrimitives.ReadSingleLittleEndian(Take(4, "f32"));

    /// <summary>Reads a little-endian IEEE 754 double (8 bytes).</summary>
    /// <exception cref="WireFormatException">Fewer than 8 bytes remain.</exception>
    public double ReadF64() => BinaryPrimitives.ReadDoubleLittleEndian(Take(8, "f64"));

    /// <summary>The next <paramref name="count"/> bytes, without copying.</summary>
    public ReadOnlySpan<byte> ReadBytes(int count)
    {
        if (count < 0)
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(count), "Byte count must not be negative.");
        }

        return Take(count, "raw bytes");
    }

    /// <summary>Reads one value with <paramref name="codec"/>, reusing the instance in <paramref name="value"/>.</summary>
    public void Read<T>(IWireCodec<T> codec, ref T value) => _position += codec.Read(_buffer[_position..], ref value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ReadOnlySpan<byte> Take(int count, string what)
    {
        int position = _position;
        if ((uint)count > (uint)(_buffer.Length - position))
        {
            ThrowHelper.ThrowTruncated(what, position, count, _buffer.Length - position);
        }

        _position = position + count;
        return _buffer.Slice(position, count);
    }
}
