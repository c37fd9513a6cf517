using Timely.Bytes.Codecs;

namespace Timely.Bytes;

/// <summary>
/// The built-in codec of <c>byte[]</c>: bincode's u64 count, then the bytes in one copy; a read
/// reuses the array passed in when its length matches. <see cref="WireCodec{T}.Default"/> of
/// <c>byte[]</c> is <see cref="Instance"/> unless another codec is registered for <c>byte[]</c>
/// or for <c>byte</c>.
/// </summary>
/// <remarks>
/// Public and sealed so that a caller holding a channel's codec can tell that it is this one and
/// call it directly: through <see cref="IWireCodec{T}"/> a 64-byte message cost three interface
/// dispatches (measure, write, read) and three calls that could not be inlined, about a tenth of
/// the engine's work on a shared-memory round trip (callgrind, Native AOT). The bytes are those
/// of every other unmanaged element's array (the same code, for <c>byte</c>).
/// </remarks>
public sealed class ByteArrayCodec : IWireCodec<byte[]>, ISizedWireCodec
{
    private ByteArrayCodec()
    {
    }

    /// <summary>The one instance, <see cref="WireCodec{T}.Default"/> of <c>byte[]</c> when no other codec is registered.</summary>
    public static ByteArrayCodec Instance { get; } = new();

    int ISizedWireCodec.MinimumSize => CodecSupport.LengthPrefix;

    /// <inheritdoc />
    public int Measure(in byte[] value) => UnmanagedArrayCodec<byte>.MeasureArray(value);

    /// <inheritdoc />
    public int Write(Span<byte> destination, in byte[] value) => UnmanagedArrayCodec<byte>.WriteArray(destination, value);

    /// <inheritdoc />
    public int Read(ReadOnlySpan<byte> source, ref byte[] value) => UnmanagedArrayCodec<byte>.ReadArray(source, ref value);
}
