namespace Timely.Bytes;

/// <summary>
/// Span-based serialization of one type, in bincode 1.x's default ("legacy") layout:
/// little-endian fixed-width integers, u64 lengths before sequences and strings, UTF-8
/// strings, tuple fields back to back. That layout is what Rust timely writes, so the
/// bytes match its capture files and wire payloads.
/// </summary>
/// <remarks>
/// The contract that the hot path relies on: <see cref="Measure"/> is exact, and
/// <see cref="Write"/> writes exactly that many bytes, so a sender can claim space in a
/// ring and serialize in place. <see cref="Read"/> may reuse the instance passed in
/// <c>value</c> (a recycled list is cleared and refilled), which is how steady-state
/// decoding avoids allocating.
/// </remarks>
public interface IWireCodec<T>
{
    /// <summary>Exact number of bytes <see cref="Write"/> will produce for <paramref name="value"/>.</summary>
    int Measure(in T value);

    /// <summary>Writes <paramref name="value"/> at the start of <paramref name="destination"/>; returns the bytes written.</summary>
    int Write(Span<byte> destination, in T value);

    /// <summary>
    /// Reads one value from the start of <paramref name="source"/> into <paramref name="value"/>
    /// (reusing the instance it holds when the type allows); returns the bytes consumed.
    /// Throws <see cref="WireFormatException"/> on truncated or malformed input.
    /// </summary>
    int Read(ReadOnlySpan<byte> source, ref T value);
}
