using System.Diagnostics;
using Timely.Dataflow;
using Timely.Dataflow.Channels;
using Timely.Dataflow.Operators;

namespace Timely.Examples;

/// <summary>
/// timely's <c>pagerank NODES EDGES</c>: incremental PageRank in integers. EDGES random edges go
/// in at time 0, then each of 1000 rounds (<c>--rounds</c>) adds one edge and removes the oldest;
/// a binary operator, fed edge changes and (through a <c>feedback(1)</c> loop) rank changes,
/// both exchanged by node, keeps each node's out-edges, rank (1000 to start) and pending
/// change; it sends 5/6 of a rank split over the out-edges, and re-sends the difference when
/// edges change or a node's pending change reaches 6. Each worker prints Rust's
/// <c>&lt;elapsed&gt;:\ttime\tcount\tsum\tmax</c> line per time of rank changes.
/// Records = rank changes acted on; checksum = the sum of <c>Pair(node, rank)</c> at the end.
/// </summary>
/// <remarks>
/// Rust's example has each worker add and remove one edge of its own per round; here the
/// changes are the same whatever the number of workers (round k adds edge EDGES + k and
/// removes edge k, sent by worker k mod P), so one sequential run checks every configuration.
/// </remarks>
public static partial class PageRank
{
    /// <summary>Rounds of edge changes when <c>--rounds</c> is not given (Rust's 1000).</summary>
    public const ulong DefaultRounds = 1000;

    /// <summary>The example on one worker, as the closure Rust hands to <c>timely::execute</c>; this worker's result.</summary>
    public static ExampleResult Run(Worker worker, ulong nodes, ulong edges, ulong rounds, TextWriter log)
    {
        int index = worker.Index;
        ulong peers = (ulong)worker.Peers;
        var timer = Stopwatch.StartNew();
        var meter = WorkloadResult.Start();
        var graph = new Graph();
        var input = new InputHandle<ulong, ((int Src, int Dst) Edge, long Diff)>();
        var probe = new ProbeHandle<ulong>();
        worker.Dataflow<ulong>(scope =>
        {
            var (handle, cycle) = scope.Feedback<ulong, (int Node, long Diff)>(1);
            scope.InputFrom(input)
                .Binary<ulong, ((int, int), long), (int, long), (int, long)>(
                    cycle,
                    Pact<((int, int), long)>.Exchange(x => (ulong)x.Item1.Item1),
                    Pact<(int, long)>.Exchange(x => (ulong)x.Item1),
                    "PageRank",
                    initial =>
                    {
                        initial.Dispose();
                        var edgeStash = new TimeStash<((int Src, int Dst) Edge, long Diff)>();
                        var rankStash = new TimeStash<(int Node, long Diff)>();
                        var sent = new List<(int, long)>();
                        return (edgeChanges, rankChanges, output) =>
                        {
                            while (edgeChanges.TryNext(out var cap, out var data))
                            {
                                edgeStash.Add(cap, data);
                            }

                            while (rankChanges.TryNext(out var cap, out var data))
                            {
                                rankStash.Add(cap, data);
                            }

                            // Complete times in order; at one time, edge changes before rank changes.
                            var (f1, f2) = (edgeChanges.Frontier, rankChanges.Frontier);
                            while (true)
                            {
                                bool edgesReady = edgeStash.TryPeekReady(f1, f2, out ulong te);
                                bool ranksReady = rankStash.TryPeekReady(f1, f2, out ulong tr);
                                if (edgesReady && (!ranksReady || te <= tr))
                                {
                                    edgeStash.TryTakeReady(f1, f2, out var capability, out var changes);
                                    sent.Clear();
                                    graph.ApplyEdges(changes, sent);
                                    output.Session(capability).GiveList(sent);
                                    capability.Dispose();
                                }
                                else if (ranksReady)
                                {
                                    rankStash.TryTakeReady(f1, f2, out var capability, out var changes);
                                    sent.Clear();
                                    var (count, sum, max) = graph.ApplyRanks(changes, sent);
                                    output.Session(capability).GiveList(sent);
                                    log.WriteLine($"{RustDuration.Format(timer.Elapsed)}:\t{capability.Time}\t{count}\t{sum}\t{max}");
                                    capability.Dispose();
                                }
                                else
                                {
                                    break;
                                }
                            }
                        };
                    })
                .ProbeWith(probe)
                .ConnectLoop(handle);
        });

        for (ulong i = (ulong)index; i < edges; i += peers)
        {
            input.Send((Edge(i, nodes), 1));
        }

        ExampleSteps.AdvanceAndWait(worker, input, probe, 1);
        for (ulong round = 0; round < rounds; round++)
        {
            if (round % peers == (ulong)index)
            {
                input.Send((Edge(edges + round, nodes), 1));
                input.Send((Edge(round, nodes), -1));
            }

            ExampleSteps.AdvanceAndWait(worker, input, probe, input.Time + 1);
        }

        ExampleSteps.Finish(worker, input);
        return new ExampleResult(meter.Stop(index, graph.RankChanges), graph.Checksum());
    }

    private static (int, int) Edge(ulong i, ulong nodes)
    {
        var (s, t) = Bfs.Edge(i, nodes);
        return ((int)s, (int)t);
    }

    /// <summary>One worker's part of the graph: per node its out-edges (with multiplicity), rank and pending rank change.</summary>
    private sealed class Graph
    {
        private readonly Dictionary<int, Node> _nodes = new();
        private readonly List<(int Node, long Diff)> _delta = new();

        /// <summary>Rank changes acted on (after compaction), as Rust's <c>cnt</c> summed over times.</summary>
        public long RankChanges { get; private set; }

        public void ApplyEdges(List<((int Src, int Dst) Edge, long Diff)> changes, List<(int Node, long Diff)> give)
        {
            Compact(changes);
            foreach (var ((src, dst), diff) in changes)
            {
                var node = Get(src);
                Redistribute(node, () =>
                {
                    node.Edges.Add((dst, diff));
                    Compact(node.Edges);
                }, give);
            }
        }

        public (long Count, long Sum, long Max) ApplyRanks(List<(int Node, long Diff)> changes, List<(int Node, long Diff)> give)
        {
            Compact(changes);
            long sum = 0;
            long max = 0;
            foreach (var (src, diff) in changes)
            {
                sum += Math.Abs(diff);
                max = Math.Max(max, Math.Abs(diff));
                var node = Get(src);
                Redistribute(node, () =>
                {
                    node.Pending += diff;
                    if (Math.Abs(node.Pending) >= 6)
                    {
                        node.Rank += node.Pending;
                        node.Pending = 0;
                    }
                }, give);
            }

            RankChanges += changes.Count;
            return (changes.Count, sum, max);
        }

        public ulong Checksum()
        {
            ulong checksum = 0;
            foreach (var (id, node) in _nodes)
            {
                checksum = unchecked(checksum + ExampleRandom.Pair((ulong)id, (ulong)node.Rank));
            }

            return checksum;
        }

        private Node Get(int id)
        {
            if (!_nodes.TryGetValue(id, out var node))
            {
                _nodes[id] = node = new Node();
            }

            return node;
        }

        // Withdraws the node's current allocation, applies the update, allocates again, and sends the net change.
        private void Redistribute(Node node, Action update, List<(int Node, long Diff)> give)
        {
            _delta.Clear();
            Allocate(node.Rank, node.Edges, _delta, -1);
            update();
            Allocate(node.Rank, node.Edges, _delta, 1);
            Compact(_delta);
            give.AddRange(_delta);
        }

        // Rust's allocate: 5/6 of the rank, split over the out-edges, the remainder one each to the first ones.
        private static void Allocate(long rank, List<(int Node, long Diff)> edges, List<(int Node, long Diff)> send, long sign)
        {
            if (edges.Count == 0)
            {
                return;
            }

            Debug.Assert(rank >= 0 && edges.TrueForAll(e => e.Diff > 0), "ranks and edge multiplicities stay positive");
            long distribute = rank * 5 / 6;
            long degree = edges.Count;
            long share = distribute / degree;
            for (int i = 0; i < edges.Count; i++)
            {
                long give = i < distribute % degree ? share + 1 : share;
                send.Add((edges[i].Node, sign * edges[i].Diff * give));
            }
        }

        // Rust's compact: sort by key, sum equal keys, drop zeros.
        private static void Compact<TKey>(List<(TKey Key, long Diff)> list)
        {
            if (list.Count == 0)
            {
                return;
            }

            list.Sort((a, b) => Comparer<TKey>.Default.Compare(a.Key, b.Key));
            int kept = 0;
            for (int i = 0; i < list.Count; i++)
            {
                if (kept > 0 && EqualityComparer<TKey>.Default.Equals(list[kept - 1].Key, list[i].Key))
                {
                    list[kept - 1] = (list[i].Key, list[kept - 1].Diff + list[i].Diff);
                }
                else
                {
                    list[kept++] = list[i];
                }
            }

            list.RemoveRange(kept, list.Count - kept);
            list.RemoveAll(x => x.Diff == 0);
        }

        private sealed class Node
        {
            public List<(int Node, long Diff)> Edges { get; } = new();

            public long Rank { get; set; } = 1000;

            public long Pending { get; set; }
        }
    }
}
