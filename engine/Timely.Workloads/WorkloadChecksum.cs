namespace Timely.Workloads;

/// <summary>
/// Checksum terms for <see cref="WorkloadOutcome.Checksum"/>: add one term per output record
/// (wrapping), on whichever worker owns it, and the total does not depend on how the records were
/// spread over workers, while a wrong, lost or repeated record changes it.
/// </summary>
public static class WorkloadChecksum
{
    /// <summary>A well-mixed 64-bit term for one value (SplitMix64's finalizer; a bijection, so distinct values give distinct terms).</summary>
    /// <param name="value">The value.</param>
    /// <returns>The term to add.</returns>
    public static ulong Of(ulong value)
    {
        unchecked
        {
            ulong z = value + 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }

    /// <summary>A term for a (key, value) pair, e.g. a key and its aggregate.</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">Its value.</param>
    /// <returns>The term to add.</returns>
    public static ulong Of(ulong key, ulong value) => Of(unchecked(Of(key) + (value * 0x2545F4914F6CDD1DUL)));
}
