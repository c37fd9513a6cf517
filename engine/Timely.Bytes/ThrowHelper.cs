using System.Diagnostics.CodeAnalysis;

namespace Timely.Bytes;

/// <summary>
/// Throw sites kept out of the hot methods: a call to a <c>[DoesNotReturn]</c>
/// method is a few bytes, where an inline <c>throw new ...($"...")</c> drags string
/// formatting into every caller and stops the JIT from inlining it.
/// </summary>
internal static class ThrowHelper
{
    [DoesNotReturn]
    public static void ThrowTruncated(string what, int offset, int needed, int available) =>
        throw new WireFormatException(
            $"Truncated input: reading {what} at offset {offset} needs {needed} byte(s) but only {available} remain.");

    [DoesNotReturn]
    public static void ThrowLengthExceedsInput(string what, ulong claimed, int elementMinSize, int offset, int remaining) =>
        throw new WireFormatException(
            $"Corrupt length: {what} at offset {offset} claims {claimed} element(s) of at least {elementMinSize} byte(s) each, but only {remaining} byte(s) remain.");

    [DoesNotReturn]
    public static void ThrowInvalidBool(byte value, int offset) =>
        throw new WireFormatException($"Invalid bool byte 0x{value:x2} at offset {offset} (expected 0 or 1).");

    [DoesNotReturn]
    public static void ThrowInvalidOptionTag(byte value, int offset) =>
        throw new WireFormatException($"Invalid option tag 0x{value:x2} at offset {offset} (expected 0 = None or 1 = Some).");

    [DoesNotReturn]
    public static void ThrowInvalidUtf8(int offset, int length, Exception inner) =>
        throw new WireFormatException($"Invalid UTF-8 in the {length}-byte string at offset {offset}.", inner);

    [DoesNotReturn]
    public static void ThrowDestinationTooSmall(string what, int offset, int needed, int available) =>
        throw new ArgumentException(
            $"Destination too small: writing {what} at offset {offset} needs {needed} byte(s) but only {available} remain.");

    [DoesNotReturn]
    public static void ThrowHeaderField(string field, ulong value, string rule) =>
        throw new WireFormatException($"Corrupt MessageHeader: {field} = {value} {rule}.");

    [DoesNotReturn]
    public static void ThrowArgumentOutOfRange(string paramName, string message) =>
        throw new ArgumentOutOfRangeException(paramName, message);
}
