namespace Timely.Examples;

// sequence's check: the order every worker should read, and its checksum. (The example itself is in the other part of this class.)
public static partial class Sequence
{
    /// <summary>The expected totals: every worker receives, round by round, worker 0's element to worker P-1's.</summary>
    public static (long Records, ulong Checksum) Reference(ulong rounds, int peers)
    {
        ulong chain = 0;
        for (ulong round = 0; round < rounds; round++)
        {
            for (int w = 0; w < peers; w++)
            {
                chain = Chain(chain, Element(w, round));
            }
        }

        return ((long)rounds * peers * peers, unchecked(chain * (ulong)peers));
    }

    private static ulong Chain(ulong chain, string element) => ExampleRandom.Pair(chain, ExampleRandom.Hash(element));
}
