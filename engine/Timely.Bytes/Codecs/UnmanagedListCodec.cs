using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Timely.Bytes.Codecs;

/// <summary>
/// <c>List&lt;T&gt;</c> of an unmanaged element whose codec is the in-memory copy: u64 count,
/// then one block copy. Read clears and refills the list passed in
/// (<see cref="CollectionsMarshal.SetCount"/> then a copy), so a recycled list with enough
/// capacity decodes with no allocation.
/// </summary>
/// <remarks>No <c>unmanaged</c> constraint, so the generic resolver can name it for its own T
/// (see <see cref="UnmanagedCodec{T}"/>); <see cref="WireCodec"/> builds it only when the
/// element's codec is <see cref="UnmanagedCodec{T}"/>.</remarks>
internal sealed class UnmanagedListCodec<T> : IWireCodec<List<T>>, ISizedWireCodec
{
    // Names the type in error messages; built once, not per call.
    private static readonly string What = "List<" + typeof(T).Name + ">";

    public int MinimumSize => CodecSupport.LengthPrefix;

    public int Measure(in List<T> value) => CodecSupport.LengthPrefix + checked((value?.Count ?? 0) * Unsafe.SizeOf<T>());

    public int Write(Span<byte> destination, in List<T> value)
    {
        ReadOnlySpan<byte> bytes = CodecSupport.AsBytes(CollectionsMarshal.AsSpan(value));
        if (destination.Length - CodecSupport.LengthPrefix < bytes.Length)
        {
            ThrowHelper.ThrowDestinationTooSmall(What, 0, CodecSupport.LengthPrefix + bytes.Length, destination.Length);
        }

        CodecSupport.WriteCount(destination, value?.Count ?? 0, "list");
        bytes.CopyTo(destination[CodecSupport.LengthPrefix..]);
        return CodecSupport.LengthPrefix + bytes.Length;
    }

    public int Read(ReadOnlySpan<byte> source, ref List<T> value)
    {
        if (!CodecSupport.TryReadCount(source, Unsafe.SizeOf<T>(), out int count))
        {
            CodecSupport.ThrowBadCount(source, Unsafe.SizeOf<T>(), What);
        }

        List<T> list = value ??= new List<T>(count);
        list.Clear();
        CollectionsMarshal.SetCount(list, count);
        int byteCount = count * Unsafe.SizeOf<T>();
        source.Slice(CodecSupport.LengthPrefix, byteCount).CopyTo(CodecSupport.AsBytes(CollectionsMarshal.AsSpan(list)));
        return CodecSupport.LengthPrefix + byteCount;
    }
}
