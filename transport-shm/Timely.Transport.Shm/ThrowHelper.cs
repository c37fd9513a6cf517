using System.Diagnostics.CodeAnalysis;

namespace Timely.Transport.Shm;

/// <summary>
/// Throw sites kept out of the hot methods so they stay small and inlinable: a throw with its
/// message built inline would bloat every caller. The exception factories serve throwers whose
/// body must be one <c>throw</c> (so the JIT sees that they never return) but pick among
/// several errors: they pick here, out of line.
/// </summary>
internal static class ThrowHelper
{
    public static ArgumentOutOfRangeException RegionOutOfRange(long offset, int length, long regionLength) =>
        new(nameof(offset), $"Range [{offset}, {offset}+{length}) is outside the region of {regionLength} bytes or misaligned.");

    public static ArgumentOutOfRangeException PayloadTooLarge(int payloadLength, int maxPayload) =>
        new(nameof(payloadLength), $"Payload of {payloadLength} bytes is outside [0, {maxPayload}] (MaxPayload of this ring).");

    [DoesNotReturn]
    public static void ThrowClaimOutstanding() => throw ClaimOutstanding();

    public static InvalidOperationException ClaimOutstanding() =>
        new("A claim is already outstanding: Commit it before claiming again.");

    [DoesNotReturn]
    public static void ThrowNoClaim() => throw NoClaim();

    public static InvalidOperationException NoClaim() => new("Commit without an outstanding claim.");

    [DoesNotReturn]
    public static void ThrowCommitLength(int length, int claimed) => throw CommitLength(length, claimed);

    public static ArgumentOutOfRangeException CommitLength(int length, int claimed) =>
        new(nameof(length), $"Committed length {length} is outside [0, {claimed}] (the claimed length).");

    public static ArgumentOutOfRangeException ReservedType(int type) =>
        new(nameof(type), $"Record type {type} is reserved by the ring layout.");

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
