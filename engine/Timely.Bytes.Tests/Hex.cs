namespace Timely.Bytes.Tests;

internal static class Hex
{
    /// <summary>Parses "08 00 0a ..." (spaces ignored) into bytes.</summary>
    public static byte[] Parse(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));

    public static string Of(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes).ToLowerInvariant();
}
