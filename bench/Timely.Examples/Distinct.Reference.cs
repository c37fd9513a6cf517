namespace Timely.Examples;

// distinct's check: the same distinct values, sequentially. (The example itself is in the other part of this class.)
public static partial class Distinct
{
    /// <summary>The same distinct values, sequentially.</summary>
    public static (long Records, ulong Checksum) Reference(ulong rounds, ulong values, int peers)
    {
        long records = 0;
        ulong checksum = 0;
        for (ulong round = 0; round < rounds; round++)
        {
            var distinct = new HashSet<ulong>();
            for (int w = 0; w < peers; w++)
            {
                distinct.UnionWith(Data(round, w, peers, values));
            }

            records += distinct.Count;
            foreach (ulong x in distinct)
            {
                checksum = unchecked(checksum + ExampleRandom.Pair(x, round));
            }
        }

        return (records, checksum);
    }
}
