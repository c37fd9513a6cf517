namespace Timely.Examples;

// unionfind's check: the same merges, sequentially. (The example itself is in the other part of this class.)
public static partial class UnionFind
{
    /// <summary>The merges a sequential union-find makes over all edges, and those of one per worker's share summed (the checksum).</summary>
    public static (long Records, ulong Checksum) Reference(ulong nodes, ulong edges, int peers)
    {
        var all = new Forest();
        var shares = Enumerable.Range(0, peers).Select(_ => new Forest()).ToArray();
        for (int w = 0; w < peers; w++)
        {
            for (ulong i = 0; i < edges / (ulong)peers; i++)
            {
                var (s, t) = PageRank.Edge(i, w, nodes);
                all.Union(s, t);
                shares[w].Union(s, t);
            }
        }

        return (all.Merges, (ulong)shares.Sum(f => f.Merges));
    }
}
