using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Timely.Dataflow;
using Timely.Dataflow.Channels;
using Timely.Dataflow.Operators;
using Timely.Dataflow.Operators.Generic;

namespace Timely.Examples;

/// <summary>
/// timely's <c>pagerank NODES EDGES</c>: incremental PageRank in integers. Each worker loads
/// EDGES / P random edges at time 0, then in each of 1000 rounds (<c>--rounds</c>) adds one edge of
/// its own and removes its oldest, as Rust's example does; a binary operator, fed edge changes and
/// (through a <c>feedback(1)</c> loop) rank changes, both exchanged by node, keeps each node's
/// out-edges, rank (1000 to start) and pending change; it sends 5/6 of a rank split over the
/// out-edges, and re-sends the difference when edges change or a node's pending change reaches 6.
/// Each worker prints Rust's <c>&lt;elapsed&gt;:\ttime\tcount\tsum\tmax</c> line per time of rank
/// changes. Records = rank changes acted on; checksum = the sum of <c>Pair(node, rank)</c> at the end.
/// </summary>
/// <remarks>
/// The edges are Rust's, edge for edge: worker <c>w</c>'s edge <c>j</c> comes from Rust's hash of
/// <c>(j, w, 0)</c> and <c>(j, w, 1)</c> (<see cref="RustHash"/>), and a sequential run given the
/// worker count (<see cref="Reference"/>) checks every configuration. The operator does what Rust's
/// does: it holds every change until its time is complete, compacts the time's changes (sort by
/// key, sum, drop zeros: the same pairs in the same order; rank changes are summed per node in an
/// array indexed by node as they arrive, <see cref="NodeSums"/>, instead of kept and sorted), and
/// for each change withdraws the node's allocation, updates the node, allocates again and sends the
/// compacted difference; a time's changes may be acted on over several runs of the operator
/// (<see cref="RankOperator"/>). Its state is kept as Rust keeps it, in native memory indexed by
/// node (here by the node's index among this worker's nodes, <c>node / P</c>), each node's
/// out-edges a sorted run that grows as Rust's <c>Vec</c> does (<see cref="NativeRuns{T}"/>).
/// </remarks>
public static partial class PageRank
{
    /// <summary>Rounds of edge changes when <c>--rounds</c> is not given (Rust's 1000).</summary>
    public const ulong DefaultRounds = 1000;

    /// <summary>The example on one worker, as the closure Rust hands to <c>timely::execute</c>; this worker's result.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static ExampleResult Run(Worker worker, ulong nodes, ulong edges, ulong rounds, TextWriter log) =>
        Run(worker, nodes, edges, rounds, log, SliceRecords);

    /// <summary>The example, its operator stopping a run once it has handled <paramref name="sliceRecords"/> records (<see cref="SliceRecords"/>; for tests).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static ExampleResult Run(Worker worker, ulong nodes, ulong edges, ulong rounds, TextWriter log, int sliceRecords)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sliceRecords);
        int index = worker.Index;
        int peers = worker.Peers;
        var timer = Stopwatch.StartNew();
        var meter = WorkloadResult.Start();
        using var graph = new Graph(nodes, peers, index);
        var input = new InputHandle<ulong, ((int Src, int Dst) Edge, long Diff)>();
        var probe = new ProbeHandle<ulong>();
        RankOperator? rankOperator = null;
        try
        {
            worker.Dataflow<ulong>(scope =>
            {
                var (handle, cycle) = scope.Feedback<ulong, (int Node, long Diff)>(1);

                // Binary's shape, built by hand for the operator's index: it activates itself to
                // go on with a time it has not finished (RankOperator's remarks).
                var builder = new OperatorBuilder<ulong>(scope, "PageRank");
                var edgeChanges = builder.NewInput(scope.InputFrom(input), Pact<((int, int), long)>.Exchange(default(BySourceNode)));
                var rankChanges = builder.NewInput(cycle, Pact<(int, long)>.Exchange(default(ByNode)));
                var (output, changes) = builder.NewOutput<(int, long)>();
                var activator = scope.ActivatorFor(builder.Index);
                builder.Build(capabilities =>
                {
                    capabilities[0].Dispose();
                    rankOperator = new RankOperator(graph, edgeChanges, rankChanges, output, activator, log, timer, sliceRecords);
                    return rankOperator.Run;
                });
                changes.ProbeWith(probe).ConnectLoop(handle);
            });

            ulong perWorker = edges / (ulong)peers;
            for (ulong j = 0; j < perWorker; j++)
            {
                input.Send((Edge(j, index, nodes), 1));
            }

            ExampleSteps.AdvanceAndWait(worker, input, probe, 1);
            for (ulong round = 0; round < rounds; round++)
            {
                input.Send((Edge(perWorker + round, index, nodes), 1));
                input.Send((Edge(round, index, nodes), -1));
                ExampleSteps.AdvanceAndWait(worker, input, probe, input.Time + 1);
            }

            ExampleSteps.Finish(worker, input);
            return new ExampleResult(meter.Stop(index, graph.RankChanges), graph.Checksum());
        }
        finally
        {
            rankOperator?.Dispose();
        }
    }

    /// <summary>Edge <paramref name="j"/> of worker <paramref name="worker"/>, as Rust's pagerank and unionfind make it (their <c>j</c> an <c>i32</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static (int, int) Edge(ulong j, int worker, ulong nodes) =>
        ((int)(RustHash.Int32((int)j, (ulong)worker, 0) % nodes), (int)(RustHash.Int32((int)j, (ulong)worker, 1) % nodes));

    /// <summary>
    /// One worker's part of the graph, as Rust's operator keeps it: per node (indexed by
    /// <c>node / P</c> on the worker that owns it) its out-edges with multiplicities, sorted by
    /// target, its rank and its pending rank change.
    /// </summary>
    private sealed class Graph : IDisposable
    {
        private readonly int _peers;
        private readonly int _index;

        // A node's state in one struct, so acting on a node touches one line of this list where
        // Rust's three vectors (edges, ranks, diffs) touch three, and its out-edges one more (a run
        // of _edges, where Rust's edges[src] is a Vec: a pointer, then its block). Both in native
        // memory, as Rust's are: as managed arrays, the nodes (3.2 MB at 100,000 nodes) and the
        // out-edges (an array a node, doubled as it grew: 11 MB allocated) counted against gen0's
        // budget, and one array of nodes went to the large-object heap.
        private readonly NativeList<Node> _nodes = new();
        private readonly NativeRuns<(int Node, long Diff)> _edges = new();
        private readonly int _slots;
        private (int Node, long Diff)[] _delta = new (int, long)[16];
        private (int Node, long Diff)[] _send = new (int, long)[16];
        private readonly NodeSums _rankSums;
        private readonly ChunkMerge<(int Src, int Dst)> _edgeMerge = new();

        /// <summary>
        /// The state of worker <paramref name="index"/>'s share of <paramref name="nodes"/> nodes,
        /// sized once from the node count (Rust grows its vectors to the largest node seen; grown
        /// by doubling here, the outgrown arrays stayed behind as garbage, 5 MB at 100,000 nodes).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public Graph(ulong nodes, int peers, int index)
        {
            _peers = peers;
            _index = index;
            _slots = checked((int)((nodes + (ulong)peers - 1) / (ulong)peers));
            _nodes.Grow(_slots);
            _nodes.AsSpan().Fill(new Node { Rank = 1000 });

            _rankSums = NewSums();
        }

        /// <summary>Rank changes acted on (after compaction), as Rust's <c>cnt</c> summed over times.</summary>
        public long RankChanges { get; private set; }

        /// <summary>Rust's <c>compact</c> of one time's edge changes, read with <see cref="ChunkMerge{TKey}.TryNext"/> (sorts the chunks in place).</summary>
        public ChunkMerge<(int Src, int Dst)> CompactEdges(RecordChunks<((int Src, int Dst) Edge, long Diff)> changes)
        {
            _edgeMerge.Start(changes);
            return _edgeMerge;
        }

        /// <summary>Rust's <c>compact</c> of one time's rank changes (valid until the next call).</summary>
        public ReadOnlySpan<(int Node, long Diff)> CompactRanks(RecordChunks<(int Node, long Diff)> changes) =>
            _rankSums.Compact(changes);

        /// <summary>Sums for one time's rank changes to this worker's nodes, sized for them.</summary>
        public NodeSums NewSums() => new(_peers, _index, _slots);

        /// <summary>Frees the nodes, the out-edges and the sums.</summary>
        public void Dispose()
        {
            _nodes.Dispose();
            _edges.Dispose();
            _rankSums.Dispose();
        }

        /// <summary>Rust's <c>cnt</c>, <c>sum</c> and <c>max</c> over one time's compacted rank changes.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static (long Count, long Sum, long Max) Summary(ReadOnlySpan<(int Node, long Diff)> changes)
        {
            long sum = 0, max = 0;
            foreach (var (_, diff) in changes)
            {
                sum += Math.Abs(diff);
                max = Math.Max(max, Math.Abs(diff));
            }

            return (changes.Length, sum, max);
        }

        /// <summary>Applies one compacted edge change; the rank changes it sends (valid until the next change).</summary>
        public ReadOnlySpan<(int Node, long Diff)> ChangeEdge(int src, int dst, long diff)
        {
            ref var node = ref Local(src);
            int split = Allocate(ref node, 0, -1);
            _edges.Add(ref node.Edges, (dst, diff));
            NativeRuns<(int Node, long Diff)>.Truncate(ref node.Edges, Compaction.Compact(_edges.Items(node.Edges)));
            return Send(split, Allocate(ref node, split, 1));
        }

        /// <summary>Applies one compacted rank change; the rank changes it sends (valid until the next change).</summary>
        public ReadOnlySpan<(int Node, long Diff)> ChangeRank(int id, long diff)
        {
            RankChanges++;
            ref var node = ref Local(id);
            int split = Allocate(ref node, 0, -1);
            node.Pending += diff;
            if (Math.Abs(node.Pending) >= 6)
            {
                node.Rank += node.Pending;
                node.Pending = 0;
            }

            return Send(split, Allocate(ref node, split, 1));
        }

        /// <summary>The sum of <c>Pair(node, rank)</c> over the nodes any change reached.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public ulong Checksum()
        {
            ulong checksum = 0;
            for (int n = 0; n < _nodes.Count; n++)
            {
                if (_nodes[n].Reached)
                {
                    checksum = unchecked(checksum + ExampleRandom.Pair((ulong)((n * _peers) + _index), (ulong)_nodes[n].Rank));
                }
            }

            return checksum;
        }

        // The delta's two runs (the old allocation negated, the new one) are each sorted by target
        // with no target twice, as the out-edges are: Rust's compact of their concatenation is
        // their merge.
        private ReadOnlySpan<(int Node, long Diff)> Send(int split, int end)
        {
            if (_send.Length < end)
            {
                _send = new (int, long)[_delta.Length];
            }

            return _send.AsSpan(0, Compaction.CompactRuns(_delta.AsSpan(0, end), split, _send));
        }

        // The node's state, by its index among this worker's nodes (Rust indexes by the node id;
        // here by the index, P times less). Reached is false until a change reaches the node.
        private ref Node Local(int id)
        {
            ref var node = ref _nodes[id / _peers];
            node.Reached = true;
            return ref node;
        }

        // Rust's allocate: 5/6 of the rank, split over the out-edges, the remainder one each to
        // the first ones; appended to the delta from position `at`, times `sign`.
        private int Allocate(ref Node node, int at, long sign)
        {
            var edges = _edges.Items(node.Edges);
            int degree = edges.Length;
            if (degree == 0)
            {
                return at;
            }

            if ((ulong)node.Rank > MaxRank)
            {
                ThrowRankOverflow(node.Rank);
            }

            Debug.Assert(AllPositive(edges), "edge multiplicities stay positive, as Rust asserts: a worker removes only edges it added");
            if (at + degree > _delta.Length)
            {
                Array.Resize(ref _delta, Math.Max(_delta.Length * 2, at + degree));
            }

            // One division for both (the JIT does not pair a / and % as LLVM does for Rust's).
            var (share, remainder) = Math.DivRem(node.Rank * 5 / 6, degree);
            for (int i = 0; i < degree; i++)
            {
                long give = i < remainder ? share + 1 : share;
                _delta[at + i] = (edges[i].Node, sign * edges[i].Diff * give);
            }

            return at + degree;
        }

        // The largest rank a node may hold: 2^57, far above any rank on a graph whose ranks settle
        // (their sum stays near 1000 a node) and low enough that no allocation, share times
        // multiplicity, or sum of a few dozen of them wraps around.
        private const ulong MaxRank = long.MaxValue / 64;

        // Ranks can grow without bound: an out-edge present twice passes on 2 x 5/6 of its node's
        // rank, so a cycle through it multiplies every change it carries. Rust's example wraps
        // around in release builds and stops at its `rank >= 0` assertion if a wrapped rank turns
        // negative; a wrapped rank can also stay positive, and then changes never die out and the
        // run goes on forever. Here a rank beyond MaxRank (or negative) stops the run with the cause.
        [DoesNotReturn]
        private static void ThrowRankOverflow(long rank) =>
            throw new InvalidOperationException(
                $"pagerank: a rank reached {rank}, beyond {MaxRank}: on this graph the ranks grow without bound (an edge present more than once on a cycle passes on more rank than its node holds), so the run stops here");

        private static bool AllPositive(ReadOnlySpan<(int Node, long Diff)> edges)
        {
            foreach (var (_, diff) in edges)
            {
                if (diff <= 0)
                {
                    return false;
                }
            }

            return true;
        }

        private struct Node
        {
            public NativeRuns<(int Node, long Diff)>.Run Edges;
            public bool Reached;
            public long Rank;
            public long Pending;
        }
    }

    /// <summary>Routes an edge change by its source node (Rust's <c>|x| (x.0).0 as u64</c>), compiled into the exchange (no delegate call per record).</summary>
    private readonly struct BySourceNode : IExchangeHash<((int Src, int Dst) Edge, long Diff)>
    {
        public ulong Hash(((int Src, int Dst) Edge, long Diff) item) => (ulong)item.Edge.Src;
    }

    /// <summary>Routes a rank change by its node (Rust's <c>|x| x.0 as u64</c>), compiled into the exchange.</summary>
    private readonly struct ByNode : IExchangeHash<(int Node, long Diff)>
    {
        public ulong Hash((int Node, long Diff) item) => (ulong)item.Node;
    }
}
