using System.CommandLine;
using Timely.Bench.Workloads;
using Timely.Bytes;
using Timely.Communication;
using Timely.Dataflow;
using Timely.Dataflow.Channels;
using Timely.Dataflow.Operators;

namespace Timely.Bench.Examples;

/// <summary>
/// timely's <c>unionfind NODES EDGES BATCH</c>: random edges on NODES nodes, each worker's share
/// sent BATCH at a time, through <c>union_find -> exchange(0) -> union_find</c>: each worker
/// keeps a union-find forest (union by rank) and passes on only the edges that joined two
/// trees, so worker 0 ends with a spanning forest of the whole graph. Rust prints nothing.
/// Records = merges by the second union-find (nodes touched minus their components, whatever
/// the partition); checksum = merges by the first union-finds, summed over workers.
/// </summary>
internal static class UnionFind
{
    /// <summary>The <c>unionfind</c> command.</summary>
    public static Command Create()
    {
        var nodes = ExampleCommand.Integer("NODES", "Nodes (at least 1).", 1, int.MaxValue);
        var edges = ExampleCommand.Integer("EDGES", "Edges over all workers.", 0, int.MaxValue);
        var batch = ExampleCommand.Integer("BATCH", "Edges a worker sends before it waits for the forest (at least 1).", 1, int.MaxValue);
        return ExampleCommand.Make(
            "unionfind",
            "timely's unionfind example: a spanning forest of a random graph, per worker then on worker 0.",
            [nodes, edges, batch],
            (result, config, log) => Run(config, result.GetValue(nodes), result.GetValue(edges), result.GetValue(batch)));
    }

    /// <summary>Runs the example; one result per local worker.</summary>
    public static ExampleResult[] Run(Config config, ulong nodes, ulong edges, ulong batch) =>
        Execute.Run(config, worker =>
        {
            // The composite record codecs, built without reflection (Native AOT; see WireCodec.PrepareTuple).
            WireCodec.PrepareTuple<int, int>();
            int index = worker.Index;
            var meter = WorkloadResult.Start();
            var first = new Forest();
            var second = new Forest();
            var input = new InputHandle<ulong, (int, int)>();
            var probe = new ProbeHandle<ulong>();
            worker.Dataflow<ulong>(scope => Apply(Apply(scope.InputFrom(input), first).Exchange(_ => 0), second).ProbeWith(probe));

            ulong sent = 0;
            for (ulong i = (ulong)index; i < edges; i += (ulong)worker.Peers)
            {
                var (s, t) = Bfs.Edge(i, nodes);
                input.Send(((int)s, (int)t));
                if (sent++ % batch == batch - 1)
                {
                    ExampleSteps.AdvanceAndWait(worker, input, probe, input.Time + 1);
                }
            }

            ExampleSteps.Finish(worker, input);

            return new ExampleResult(meter.Stop(index, second.Merges), (ulong)first.Merges);
        });

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

    private static Stream<ulong, (int, int)> Apply(Stream<ulong, (int, int)> stream, Forest forest) =>
        stream.Unary<ulong, (int, int), (int, int)>(Pact<(int, int)>.Pipeline, "UnionFind", (data, output) =>
        {
            while (data.TryNext(out var cap, out var batch))
            {
                var session = output.Session(cap);
                foreach (var (x, y) in batch)
                {
                    if (forest.Union(x, y) is { } joined)
                    {
                        session.Give(joined);
                    }
                }
            }
        });

    /// <summary>A union-find forest by rank without path compression, as Rust's example keeps it.</summary>
    private sealed class Forest
    {
        private readonly List<int> _roots = new();
        private readonly List<byte> _ranks = new();

        public long Merges { get; private set; }

        /// <summary>Joins the trees of <paramref name="x"/> and <paramref name="y"/>; their roots when they were two trees, else null.</summary>
        public (int, int)? Union(int x, int y)
        {
            for (int i = _roots.Count; i <= Math.Max(x, y); i++)
            {
                _roots.Add(i);
                _ranks.Add(0);
            }

            while (x != _roots[x])
            {
                x = _roots[x];
            }

            while (y != _roots[y])
            {
                y = _roots[y];
            }

            if (x == y)
            {
                return null;
            }

            Merges++;
            switch (_ranks[x].CompareTo(_ranks[y]))
            {
                case < 0:
                    _roots[x] = y;
                    break;
                case > 0:
                    _roots[y] = x;
                    break;
                default:
                    _roots[y] = x;
                    _ranks[x]++;
                    break;
            }

            return (x, y);
        }
    }
}
