using System.Buffers.Binary;

namespace Timely.Bytes;

/// <summary>
/// timely's network frame header (<c>communication/src/networking.rs</c>): six u64 fields,
/// big-endian, in the order channel, source, target_lower, target_upper (exclusive), length,
/// seqno; <see cref="Length"/> payload bytes follow. A header with length 0 ends the stream.
/// </summary>
/// <remarks>
/// Rust keeps every field as <c>usize</c>. Here they are <see cref="int"/> (indices and a
/// payload length must fit a <see cref="Span{T}"/>) except <see cref="Seqno"/>, a 64-bit
/// counter; <see cref="TryRead"/> rejects wire values that do not fit, and a range with
/// target_lower &gt; target_upper, with <see cref="WireFormatException"/>, so a corrupt or
/// hostile peer cannot make the receiver index or allocate out of range.
/// Unlike Rust's <c>try_read</c>, which also waits for the payload, <see cref="TryRead"/>
/// needs only the 48 header bytes; compare the buffered count with <see cref="RequiredBytes"/>.
/// </remarks>
public readonly struct MessageHeader : IEquatable<MessageHeader>
{
    /// <summary>Bytes on the wire: six big-endian u64.</summary>
    public const int Size = 6 * sizeof(ulong);

    /// <summary>A header for <paramref name="length"/> payload bytes on <paramref name="channel"/> from worker <paramref name="source"/> to workers <paramref name="targetLower"/> up to (not including) <paramref name="targetUpper"/>.</summary>
    /// <param name="channel">Channel index, in allocation order.</param>
    /// <param name="source">Index of the sending worker.</param>
    /// <param name="targetLower">First receiving worker.</param>
    /// <param name="targetUpper">One past the last receiving worker; at least <paramref name="targetLower"/>.</param>
    /// <param name="length">Payload bytes that follow the header; 0 marks the end of the stream.</param>
    /// <param name="seqno">Per-channel sequence number of the message, from 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">A field is negative, <paramref name="targetUpper"/> is below <paramref name="targetLower"/>, or <paramref name="length"/> plus <see cref="Size"/> would exceed <see cref="int.MaxValue"/>.</exception>
    public MessageHeader(int channel, int source, int targetLower, int targetUpper, int length, long seqno)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(channel);
        ArgumentOutOfRangeException.ThrowIfNegative(source);
        ArgumentOutOfRangeException.ThrowIfNegative(targetLower);
        ArgumentOutOfRangeException.ThrowIfLessThan(targetUpper, targetLower);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, int.MaxValue - Size);
        ArgumentOutOfRangeException.ThrowIfNegative(seqno);
        Channel = channel;
        Source = source;
        TargetLower = targetLower;
        TargetUpper = targetUpper;
        Length = length;
        Seqno = seqno;
    }

    /// <summary>Index of the channel (allocation order).</summary>
    public int Channel { get; }

    /// <summary>Index of the sending worker.</summary>
    public int Source { get; }

    /// <summary>First receiving worker.</summary>
    public int TargetLower { get; }

    /// <summary>One past the last receiving worker (TargetLower + 1 for point to point).</summary>
    public int TargetUpper { get; }

    /// <summary>Payload bytes after the header.</summary>
    public int Length { get; }

    /// <summary>Sequence number of the message on its channel.</summary>
    public long Seqno { get; }

    /// <summary>Header plus payload.</summary>
    public int RequiredBytes => Size + Length;

    /// <summary>A zero-length header closes the connection (timely's end-of-stream marker).</summary>
    public bool IsEndOfStream => Length == 0;

    /// <summary>
    /// Reads a header from the first <see cref="Size"/> bytes; false when fewer are available.
    /// Throws <see cref="WireFormatException"/> when a field is out of range.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out MessageHeader header)
    {
        if (source.Length < Size)
        {
            header = default;
            return false;
        }

        ulong channel = BinaryPrimitives.ReadUInt64BigEndian(source);
        ulong src = BinaryPrimitives.ReadUInt64BigEndian(source[8..]);
        ulong lower = BinaryPrimitives.ReadUInt64BigEndian(source[16..]);
        ulong upper = BinaryPrimitives.ReadUInt64BigEndian(source[24..]);
        ulong length = BinaryPrimitives.ReadUInt64BigEndian(source[32..]);
        ulong seqno = BinaryPrimitives.ReadUInt64BigEndian(source[40..]);

        // One combined test keeps the common case to a single branch.
        if ((channel | src | lower | upper) > int.MaxValue || length > int.MaxValue - Size || seqno > long.MaxValue || lower > upper)
        {
            ThrowBadField(channel, src, lower, upper, length, seqno);
        }

        header = new MessageHeader((int)channel, (int)src, (int)lower, (int)upper, (int)length, (long)seqno);
        return true;
    }

    /// <summary>Writes the 48 header bytes at the start of <paramref name="destination"/>.</summary>
    public void WriteTo(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            ThrowHelper.ThrowDestinationTooSmall("MessageHeader", 0, Size, destination.Length);
        }

        BinaryPrimitives.WriteUInt64BigEndian(destination, (ulong)Channel);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], (ulong)Source);
        BinaryPrimitives.WriteUInt64BigEndian(destination[16..], (ulong)TargetLower);
        BinaryPrimitives.WriteUInt64BigEndian(destination[24..], (ulong)TargetUpper);
        BinaryPrimitives.WriteUInt64BigEndian(destination[32..], (ulong)Length);
        BinaryPrimitives.WriteUInt64BigEndian(destination[40..], (ulong)Seqno);
    }

    /// <summary>Whether all six fields are equal.</summary>
    public bool Equals(MessageHeader other) =>
        Channel == other.Channel && Source == other.Source && TargetLower == other.TargetLower &&
        TargetUpper == other.TargetUpper && Length == other.Length && Seqno == other.Seqno;

    /// <summary>Whether <paramref name="obj"/> is a <see cref="MessageHeader"/> with the same six fields.</summary>
    public override bool Equals(object? obj) => obj is MessageHeader other && Equals(other);

    /// <summary>A hash of the six fields.</summary>
    public override int GetHashCode() => HashCode.Combine(Channel, Source, TargetLower, TargetUpper, Length, Seqno);

    /// <summary>Whether all six fields of <paramref name="left"/> and <paramref name="right"/> are equal.</summary>
    public static bool operator ==(MessageHeader left, MessageHeader right) => left.Equals(right);

    /// <summary>Whether some field of <paramref name="left"/> and <paramref name="right"/> differs.</summary>
    public static bool operator !=(MessageHeader left, MessageHeader right) => !left.Equals(right);

    /// <summary>The fields as Rust's <c>{:?}</c> prints timely's header, for logs and error messages.</summary>
    public override string ToString() =>
        $"MessageHeader {{ channel: {Channel}, source: {Source}, target_lower: {TargetLower}, target_upper: {TargetUpper}, length: {Length}, seqno: {Seqno} }}";

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void ThrowBadField(ulong channel, ulong source, ulong lower, ulong upper, ulong length, ulong seqno)
    {
        if (channel > int.MaxValue)
        {
            ThrowHelper.ThrowHeaderField("channel", channel, "exceeds int.MaxValue");
        }

        if (source > int.MaxValue)
        {
            ThrowHelper.ThrowHeaderField("source", source, "exceeds int.MaxValue");
        }

        if (lower > int.MaxValue)
        {
            ThrowHelper.ThrowHeaderField("target_lower", lower, "exceeds int.MaxValue");
        }

        if (upper > int.MaxValue)
        {
            ThrowHelper.ThrowHeaderField("target_upper", upper, "exceeds int.MaxValue");
        }

        if (length > int.MaxValue - Size)
        {
            ThrowHelper.ThrowHeaderField("length", length, $"exceeds the largest frame payload ({int.MaxValue - Size})");
        }

        if (seqno > long.MaxValue)
        {
            ThrowHelper.ThrowHeaderField("seqno", seqno, "exceeds long.MaxValue");
        }

        ThrowHelper.ThrowHeaderField("target_lower", lower, $"is above target_upper = {upper}");
    }
}
