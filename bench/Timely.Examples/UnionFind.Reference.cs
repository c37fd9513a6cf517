namespace Timely.Examples;

// unionfind's check: the same merges, sequentially. (The example itself is in the other part of this class.)
public static partial class UnionFind
{
    /// <summary>The merges a sequential union-find makes over all edges, and those of one per worker's share summed (the checksum).</summary>
    public static (long Records, ulong Checksum) Reference(ulong nodes, ulong edges, int peers)
    {
        var all = new Forest();
        var shares = Enumerable.Range(0, peers).Select(_ => new Forest()).ToArray();
        for (ulong i = 0; i < edges; i++)
        {
            var (s, t) = Bfs.Edge(i, nodes);
            all.Union((int)s, (int)t);
            shares[(int)(i % (ulong)peers)].Union((int)s, (int)t);
        }

        return (all.Merges, (ulong)shares.Sum(f => f.Merges));
    }
}
