using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Timely.Bytes.Codecs;

/// <summary>
/// Primitive numerics, enums and other unmanaged structs, copied as their in-memory bytes.
/// On a little-endian host (checked once by <see cref="WireCodec"/>) that is exactly
/// bincode's fixed-width layout for the primitives; an enum travels as its underlying type.
/// For a user struct the layout is the CLR layout, padding included (see <see cref="WireCodec"/>).
/// </summary>
internal sealed class UnmanagedCodec<T> : IWireCodec<T>, ISizedWireCodec
    where T : unmanaged
{
    public static readonly UnmanagedCodec<T> Instance = new();

    public int MinimumSize => Unsafe.SizeOf<T>();

    public int Measure(in T value) => Unsafe.SizeOf<T>();

    public int Write(Span<byte> destination, in T value)
    {
        int size = Unsafe.SizeOf<T>();
        if (destination.Length < size)
        {
            ThrowHelper.ThrowDestinationTooSmall(typeof(T).Name, 0, size, destination.Length);
        }

        MemoryMarshal.Write(destination, in value);
        return size;
    }

    public int Read(ReadOnlySpan<byte> source, ref T value)
    {
        int size = Unsafe.SizeOf<T>();
        if (source.Length < size)
        {
            ThrowHelper.ThrowTruncated(typeof(T).Name, 0, size, source.Length);
        }

        value = MemoryMarshal.Read<T>(source);
        return size;
    }
}
