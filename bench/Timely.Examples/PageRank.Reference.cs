namespace Timely.Examples;

// pagerank's check: the same computation on one graph, time by time. (The example itself is in the other part of this class.)
public static partial class PageRank
{
    /// <summary>
    /// The same computation on one graph, time by time, for <paramref name="peers"/> workers'
    /// edges: rank changes acted on and the checksum of the final ranks.
    /// </summary>
    public static (long Records, ulong Checksum) Reference(ulong nodes, ulong edges, ulong rounds, int peers)
    {
        var graph = new Graph(nodes, 1, 0);
        var spareEdges = new Stack<((int, int), long)[]>();
        var spareRanks = new Stack<(int, long)[]>();
        ulong perWorker = edges / (ulong)peers;
        var next = new RecordChunks<(int Node, long Diff)>(spareRanks);
        for (ulong time = 0; time <= rounds || next.Count > 0; time++)
        {
            var changes = new RecordChunks<((int, int), long)>(spareEdges);
            for (int w = 0; w < peers; w++)
            {
                if (time == 0)
                {
                    for (ulong j = 0; j < perWorker; j++)
                    {
                        changes.Append([(Edge(j, w, nodes), 1)]);
                    }
                }
                else if (time <= rounds)
                {
                    changes.Append([(Edge(perWorker + time - 1, w, nodes), 1), (Edge(time - 1, w, nodes), -1)]);
                }
            }

            var ranks = next;
            next = new RecordChunks<(int, long)>(spareRanks);
            var compacted = graph.CompactEdges(changes);
            while (compacted.TryNext(out var change))
            {
                next.Append(graph.ChangeEdge(change.Key.Src, change.Key.Dst, change.Diff));
            }

            foreach (var (node, diff) in graph.CompactRanks(ranks))
            {
                next.Append(graph.ChangeRank(node, diff));
            }

            ranks.Clear();
            changes.Clear();
        }

        return (graph.RankChanges, graph.Checksum());
    }
}
