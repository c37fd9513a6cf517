namespace Timely.Examples;

/// <summary>
/// The generator of the examples whose data Rust's do not generate the same way (wordcount's
/// words and distinct's values under our options; the checksums): SplitMix64's finalizer over a
/// counter, seeded, keyed by the record's global number and a field, never by the worker, so a
/// data set is the same on any number of workers. The examples that take Rust's arguments (bfs,
/// pagerank, hashjoin, unionfind) make Rust's records with <see cref="RustHash"/>.
/// </summary>
public static class ExampleRandom
{
    /// <summary>The seed every example uses (any fixed value would do).</summary>
    public const ulong Seed = 0x5eed_7133_1e1e_2026;

    /// <summary>Field <paramref name="field"/> (0..7) of record <paramref name="record"/>.</summary>
    public static ulong At(ulong record, ulong field) => Mix(Seed ^ ((record << 3) | (field & 7)));

    /// <summary>A checksum term for a pair of values: order matters within the pair, and terms are summed (wrapping), so a sum over workers does not depend on the partition.</summary>
    public static ulong Pair(ulong a, ulong b) => Mix(Mix(a) + b);

    /// <summary>SplitMix64's output function (Steele, Lea, Flood 2014): a bijection on 64 bits with good avalanche.</summary>
    public static ulong Mix(ulong z)
    {
        z += 0x9e37_79b9_7f4a_7c15;
        z = (z ^ (z >> 30)) * 0xbf58_476d_1ce4_e5b9;
        z = (z ^ (z >> 27)) * 0x94d0_49bb_1331_11eb;
        return z ^ (z >> 31);
    }

    /// <summary>A string's FNV-1a hash over its UTF-16 code units (stable across processes, unlike <see cref="string.GetHashCode()"/>).</summary>
    public static ulong Hash(string text)
    {
        ulong h = 0xcbf2_9ce4_8422_2325;
        foreach (char c in text)
        {
            h = (h ^ c) * 0x0000_0100_0000_01b3;
        }

        return h;
    }
}
