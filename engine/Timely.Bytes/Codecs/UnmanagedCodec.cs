using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Timely.Bytes.Codecs;

/// <summary>
/// Primitive numerics, enums and other unmanaged structs, copied as their in-memory bytes.
/// On a little-endian host (checked once by <see cref="WireCodec"/>) that is exactly
/// bincode's fixed-width layout for the primitives; an enum travels as its underlying type.
/// For a user struct the layout is the CLR layout, padding included (see <see cref="WireCodec"/>).
/// </summary>
/// <remarks>No <c>unmanaged</c> constraint, so the generic resolver can name it for its own T
/// (no MakeGenericType, which Native AOT cannot serve); <see cref="WireCodec"/> builds it only
/// for a value type without references.</remarks>
internal sealed class UnmanagedCodec<T> : IWireCodec<T>, ISizedWireCodec
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

        Unsafe.WriteUnaligned(ref MemoryMarshal.GetReference(destination), value);
        return size;
    }

    public int Read(ReadOnlySpan<byte> source, ref T value)
    {
        int size = Unsafe.SizeOf<T>();
        if (source.Length < size)
        {
            ThrowHelper.ThrowTruncated(typeof(T).Name, 0, size, source.Length);
        }

        value = Unsafe.ReadUnaligned<T>(ref MemoryMarshal.GetReference(source));
        return size;
    }
}
