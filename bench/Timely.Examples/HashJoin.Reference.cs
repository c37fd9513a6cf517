namespace Timely.Examples;

// hashjoin's check: the same join, sequentially. (The example itself is in the other part of this class.)
public static partial class HashJoin
{
    /// <summary>
    /// The same join, sequentially, over the records <paramref name="peers"/> workers send
    /// (VALS / P each): pairs and their checksum.
    /// </summary>
    public static (long Records, ulong Checksum) Reference(ulong keys, ulong vals, int peers)
    {
        var left = new Dictionary<ulong, (long Count, ulong Sum)>();
        var right = new Dictionary<ulong, (long Count, ulong Sum)>();
        for (int w = 0; w < peers; w++)
        {
            for (ulong j = 0; j < vals / (ulong)peers; j++)
            {
                var (l, r) = Record(j, w, keys);
                Add(left, l.Key, l.Value);
                Add(right, r.Key, r.Value);
            }
        }

        long pairs = 0;
        ulong checksum = 0;
        foreach (var (key, (count1, sum1)) in left)
        {
            if (right.TryGetValue(key, out var values2))
            {
                // Every (v1, v2) of the key: the sum of PairTerm(v1, v2) is |R| * K * sum(L) + |L| * sum(R).
                pairs += count1 * values2.Count;
                checksum = unchecked(checksum + ((ulong)values2.Count * PairTerm(sum1, 0)) + ((ulong)count1 * values2.Sum));
            }
        }

        return (pairs, checksum);
    }

    private static void Add(Dictionary<ulong, (long Count, ulong Sum)> map, ulong key, ulong value)
    {
        var (count, sum) = map.GetValueOrDefault(key);
        map[key] = (count + 1, unchecked(sum + value));
    }
}
