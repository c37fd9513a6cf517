using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Timely.Bytes.Codecs;

/// <summary>
/// <c>T[]</c> of an unmanaged element whose codec is the in-memory copy: u64 count, then
/// all elements in one block copy. Read reuses the array passed in when its length matches.
/// </summary>
/// <remarks>No <c>unmanaged</c> constraint, so the generic resolver can name it for its own T
/// (see <see cref="UnmanagedCodec{T}"/>); <see cref="WireCodec"/> builds it only when the
/// element's codec is <see cref="UnmanagedCodec{T}"/>.</remarks>
internal sealed class UnmanagedArrayCodec<T> : IWireCodec<T[]>, ISizedWireCodec
{
    // Names the type in error messages; built once, not per call.
    private static readonly string What = typeof(T).Name + "[]";

    public int MinimumSize => CodecSupport.LengthPrefix;

    public int Measure(in T[] value) => MeasureArray(value);

    public int Write(Span<byte> destination, in T[] value) => WriteArray(destination, value);

    public int Read(ReadOnlySpan<byte> source, ref T[] value) => ReadArray(source, ref value);

    // The bodies, static so that ByteArrayCodec, byte[]'s codec, is these same lines for byte.

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int MeasureArray(T[]? value) => CodecSupport.LengthPrefix + checked((value?.Length ?? 0) * Unsafe.SizeOf<T>());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int WriteArray(Span<byte> destination, T[]? array)
    {
        // One null test, one room check (the count's room is inside it) and the copy: the
        // checks of a general sequence codec, each array length read twice and the count's own
        // room check, were about a third of a 64-byte message's encode (callgrind, Native AOT).
        ReadOnlySpan<byte> bytes = CodecSupport.AsBytes(array.AsSpan());
        if (destination.Length - CodecSupport.LengthPrefix < bytes.Length)
        {
            ThrowHelper.ThrowDestinationTooSmall(What, 0, CodecSupport.LengthPrefix + bytes.Length, destination.Length);
        }

        BinaryPrimitives.WriteUInt64LittleEndian(destination, (ulong)(array is null ? 0 : array.Length));
        bytes.CopyTo(destination[CodecSupport.LengthPrefix..]);
        return CodecSupport.LengthPrefix + bytes.Length;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int ReadArray(ReadOnlySpan<byte> source, ref T[] value)
    {
        if (!CodecSupport.TryReadCount(source, Unsafe.SizeOf<T>(), out int count))
        {
            CodecSupport.ThrowBadCount(source, Unsafe.SizeOf<T>(), What);
        }

        if (value is null || value.Length != count)
        {
            value = count == 0 ? [] : GC.AllocateUninitializedArray<T>(count);
        }

        int byteCount = count * Unsafe.SizeOf<T>();
        source.Slice(CodecSupport.LengthPrefix, byteCount).CopyTo(CodecSupport.AsBytes(value.AsSpan()));
        return CodecSupport.LengthPrefix + byteCount;
    }
}
