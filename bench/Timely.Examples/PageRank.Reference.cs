namespace Timely.Examples;

// pagerank's check: the same computation on one graph, time by time. (The example itself is in the other part of this class.)
public static partial class PageRank
{
    /// <summary>The same computation on one graph, time by time: rank changes acted on and the checksum of the final ranks.</summary>
    public static (long Records, ulong Checksum) Reference(ulong nodes, ulong edges, ulong rounds)
    {
        var graph = new Graph();
        var next = new List<(int Node, long Diff)>();
        for (ulong time = 0; time <= rounds || next.Count > 0; time++)
        {
            var changes = new List<((int, int), long)>();
            if (time == 0)
            {
                for (ulong i = 0; i < edges; i++)
                {
                    changes.Add((Edge(i, nodes), 1));
                }
            }
            else if (time <= rounds)
            {
                changes.Add((Edge(edges + time - 1, nodes), 1));
                changes.Add((Edge(time - 1, nodes), -1));
            }

            var ranks = next;
            next = new List<(int, long)>();
            graph.ApplyEdges(changes, next);
            graph.ApplyRanks(ranks, next);
        }

        return (graph.RankChanges, graph.Checksum());
    }
}
