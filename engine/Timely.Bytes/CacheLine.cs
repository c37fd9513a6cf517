namespace Timely.Bytes;

/// <summary>
/// The one place that knows the cache-line size used for padding.
/// </summary>
/// <remarks>
/// 128 bytes rather than the 64 of x86-64: Intel's adjacent-line prefetcher pulls lines
/// in pairs, so two counters 64 bytes apart still false-share; Arm64 (Apple, Neoverse)
/// has 128-byte lines outright. dotnet/runtime's <c>PaddingHelpers.CACHE_LINE_SIZE</c>
/// makes the same choice.
/// </remarks>
public static class CacheLine
{
    /// <summary>Padding unit for data written by different threads.</summary>
    public const int Size = 128;
}
