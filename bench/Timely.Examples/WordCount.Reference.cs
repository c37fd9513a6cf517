namespace Timely.Examples;

// wordcount's check: the same counts, sequentially. (The example itself is in the other part of this class.)
public static partial class WordCount
{
    /// <summary>The same counts, sequentially: every word of every line, counted in round order.</summary>
    public static (long Records, ulong Checksum) Reference(ulong rounds, ulong words, int peers)
    {
        var counts = new Dictionary<string, long>();
        long records = 0;
        ulong checksum = 0;
        for (ulong round = 0; round < rounds; round++)
        {
            for (int w = 0; w < peers; w++)
            {
                foreach (string word in Line(round, w, peers, words).Split(' '))
                {
                    long count = counts.GetValueOrDefault(word) + 1;
                    counts[word] = count;
                    records++;
                    checksum = unchecked(checksum + ExampleRandom.Pair(ExampleRandom.Hash(word), (ulong)count));
                }
            }
        }

        return (records, checksum);
    }
}
