namespace Timely.Examples;

// hashjoin's check: the same join, sequentially. (The example itself is in the other part of this class.)
public static partial class HashJoin
{
    /// <summary>The same join, sequentially: pairs and their checksum (with <paramref name="countOnly"/>, the count alone, checksum 0).</summary>
    public static (long Records, ulong Checksum) Reference(ulong keys, ulong vals, bool countOnly = false)
    {
        var left = new Dictionary<ulong, List<ulong>>();
        var right = new Dictionary<ulong, List<ulong>>();
        for (ulong i = 0; i < vals; i++)
        {
            var (l, r) = Record(i, keys);
            Add(left, l.Key, l.Value);
            Add(right, r.Key, r.Value);
        }

        long records = 0;
        ulong checksum = 0;
        foreach (var (key, values1) in left)
        {
            if (!right.TryGetValue(key, out var values2))
            {
                continue;
            }

            records += (long)values1.Count * values2.Count;
            if (!countOnly)
            {
                foreach (ulong v1 in values1)
                {
                    foreach (ulong v2 in values2)
                    {
                        checksum = unchecked(checksum + ExampleRandom.Pair(v1, v2));
                    }
                }
            }
        }

        return (records, checksum);
    }
}
