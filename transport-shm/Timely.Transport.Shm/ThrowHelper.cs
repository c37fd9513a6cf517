using System.Diagnostics.CodeAnalysis;

namespace Timely.Transport.Shm;

/// <summary>Throw sites kept out of the hot methods so they stay small and inlinable: a throw with its message built inline would bloat every caller.</summary>
internal static class ThrowHelper
{
    [DoesNotReturn]
    public static void ThrowRegionOutOfRange(long offset, int length, long regionLength) =>
        throw new ArgumentOutOfRangeException(
            nameof(offset),
            $"Range [{offset}, {offset}+{length}) is outside the region of {regionLength} bytes or misaligned.");

    [DoesNotReturn]
    public static void ThrowPayloadTooLarge(int payloadLength, int maxPayload) =>
        throw new ArgumentOutOfRangeException(
            nameof(payloadLength),
            $"Payload of {payloadLength} bytes is outside [0, {maxPayload}] (MaxPayload of this ring).");

    [DoesNotReturn]
    public static void ThrowClaimOutstanding() =>
        throw new InvalidOperationException("A claim is already outstanding: Commit it before claiming again.");

    [DoesNotReturn]
    public static void ThrowNoClaim() =>
        throw new InvalidOperationException("Commit without an outstanding claim.");

    [DoesNotReturn]
    public static void ThrowCommitLength(int length, int claimed) =>
        throw new ArgumentOutOfRangeException(
            nameof(length),
            $"Committed length {length} is outside [0, {claimed}] (the claimed length).");

    [DoesNotReturn]
    public static void ThrowReservedType(int type) =>
        throw new ArgumentOutOfRangeException(nameof(type), $"Record type {type} is reserved by the ring layout.");

    [DoesNotReturn]
    public static void ThrowNegativeMessageType(int type) =>
        throw new ArgumentOutOfRangeException(nameof(type), $"Message type {type} is negative; negative types are reserved for ring records.");

    [DoesNotReturn]
    public static void ThrowCorruptRecord(long position, int length, int type, string reason) =>
        throw new InvalidDataException(
            $"Corrupt ring record at position {position} (length {length}, type {type}): {reason}.");

    [DoesNotReturn]
    public static void ThrowCorruptFragment(string reason) =>
        throw new InvalidDataException($"Corrupt fragmented message in ring: {reason}.");
}
