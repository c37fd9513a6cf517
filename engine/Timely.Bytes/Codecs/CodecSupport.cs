using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Timely.Bytes.Codecs;

/// <summary>Checks shared by the built-in codecs.</summary>
internal static class CodecSupport
{
    /// <summary>Bytes of the u64 length prefix bincode writes before sequences and strings.</summary>
    public const int LengthPrefix = sizeof(ulong);

    /// <summary>
    /// Fewest bytes one value of a codec takes. User codecs do not say, so 1 is assumed:
    /// a codec that writes zero bytes per value can still be used, but a sequence of such
    /// values longer than the remaining input is rejected as corrupt.
    /// </summary>
    public static int MinimumSizeOf<T>(IWireCodec<T> codec) =>
        codec is ISizedWireCodec sized ? Math.Max(1, sized.MinimumSize) : 1;

    /// <summary>
    /// The bytes of <paramref name="span"/>, for an element type with no references (which the
    /// callers check once, at resolution); MemoryMarshal.AsBytes would need an unmanaged constraint.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Span<byte> AsBytes<T>(Span<T> span) =>
        MemoryMarshal.CreateSpan(ref Unsafe.As<T, byte>(ref MemoryMarshal.GetReference(span)), checked(span.Length * Unsafe.SizeOf<T>()));

    /// <summary>
    /// Reads a u64 count at the start of <paramref name="source"/> and checks that
    /// <c>count * elementMinSize</c> bytes can follow, before anything is allocated.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ReadCount(ReadOnlySpan<byte> source, int elementMinSize, string what)
    {
        if (!TryReadCount(source, elementMinSize, out int count))
        {
            ThrowBadCount(source, elementMinSize, what);
        }

        return count;
    }

    /// <summary>
    /// <see cref="ReadCount"/>'s checks without its error: false where it would throw. For a codec
    /// whose name for errors is a static field: passed to <see cref="ReadCount"/>, the field was
    /// read (with its class's initialization check) on every decode, where after this it is read
    /// only on the way to <see cref="ThrowBadCount"/> (callgrind, Native AOT: 4 instructions of
    /// a byte[] decode's 49).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryReadCount(ReadOnlySpan<byte> source, int elementMinSize, out int count)
    {
        if (source.Length < LengthPrefix)
        {
            count = 0;
            return false;
        }

        ulong claimed = BinaryPrimitives.ReadUInt64LittleEndian(source);
        count = (int)claimed;
        return claimed <= (ulong)((source.Length - LengthPrefix) / elementMinSize);
    }

    /// <summary>The error of a count <see cref="TryReadCount"/> refused: the input too short for it, or more elements than bytes left.</summary>
    [DoesNotReturn]
    public static void ThrowBadCount(ReadOnlySpan<byte> source, int elementMinSize, string what)
    {
        if (source.Length < LengthPrefix)
        {
            ThrowHelper.ThrowTruncated(what + " length", 0, LengthPrefix, source.Length);
        }

        ThrowHelper.ThrowLengthExceedsInput(what, BinaryPrimitives.ReadUInt64LittleEndian(source), elementMinSize, LengthPrefix, source.Length - LengthPrefix);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void WriteCount(Span<byte> destination, int count, string what)
    {
        if (destination.Length < LengthPrefix)
        {
            ThrowHelper.ThrowDestinationTooSmall(what + " length", 0, LengthPrefix, destination.Length);
        }

        BinaryPrimitives.WriteUInt64LittleEndian(destination, (ulong)count);
    }
}
