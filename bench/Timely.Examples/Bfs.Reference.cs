namespace Timely.Examples;

// bfs's check: the same search, sequentially. (The example itself is in the other part of this class.)
public static partial class Bfs
{
    /// <summary>The same search, sequentially, over the graph <paramref name="peers"/> workers make: nodes reached and the checksum of (node, distance + 1).</summary>
    public static (long Records, ulong Checksum) Reference(ulong nodes, ulong edges, int peers)
    {
        var adjacency = new List<uint>?[nodes];
        for (int w = 0; w < peers; w++)
        {
            for (ulong i = 0; i < edges / (ulong)peers; i++)
            {
                var (s, t) = Edge(i, w, nodes);
                (adjacency[s] ??= new List<uint>()).Add(t);
            }
        }

        var distance = new long[nodes];
        Array.Fill(distance, -1);
        distance[0] = 0;
        var frontier = new List<uint> { 0 };
        long reached = 0;
        ulong checksum = 0;
        for (ulong depth = 0; frontier.Count > 0; depth++)
        {
            var next = new List<uint>();
            foreach (uint node in frontier)
            {
                reached++;
                checksum = unchecked(checksum + ExampleRandom.Pair(node, depth + 1));
                foreach (uint t in adjacency[node] ?? [])
                {
                    if (distance[t] < 0)
                    {
                        distance[t] = (long)depth + 1;
                        next.Add(t);
                    }
                }
            }

            frontier = next;
        }

        return (reached, checksum);
    }
}
