using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Timely.Dataflow;
using Timely.Dataflow.Channels;
using Timely.Dataflow.Operators;
using Timely.Dataflow.Operators.Generic;

namespace Timely.Examples;

/// <summary>
/// timely's <c>bfs NODES EDGES</c>: a random graph of EDGES edges on NODES nodes, exchanged by
/// source, and a breadth-first search from node 0 in a <c>feedback(1)</c> loop: a node first
/// reached at time <c>t</c> is at distance <c>t - 1</c> (the start <c>(0, 0)</c> enters through the
/// loop, as in Rust), and sends <c>(target, node)</c> along its out-edges to time <c>t + 1</c>.
/// Worker 0 prints Rust's <c>sorting</c> and <c>time: t</c> lines.
/// Records = nodes reached; checksum = the sum of <c>Pair(node, time reached)</c>.
/// </summary>
/// <remarks>
/// <para>
/// Rust's operator is <c>binary_notify</c>; this one keeps a capability per pending time and
/// acts on a time once neither input's frontier can still deliver it, which is what the
/// notificator does.
/// </para>
/// <para>
/// The graph is Rust's, edge for edge: worker <c>w</c> makes edges <c>0..EDGES/P</c> from Rust's hash
/// of <c>(i, w, 0)</c> and <c>(i, w, 1)</c> (<see cref="RustHash"/>), so the graph depends on the
/// worker count, as Rust's does. Rust's operator as shipped (timely 0.29) keeps its edges as a list
/// of the received batches and sorts that list, which orders the batches by their first edges and
/// leaves the edges inside them unsorted, then builds its offsets as if the edges were sorted: a
/// node's range can come out empty though it has edges, and the search then stops early. This
/// example searches the sorted graph, as Rust's comments say the example means to (doing what
/// Rust does would make the result depend on where the engine cuts batches, which no sequential
/// model can check). Where node 0 has no out-edges in Rust's graph (100000 200000 on one worker)
/// both stop after <c>time: 1</c> and do the same work; elsewhere Rust's as shipped may stop
/// before the search ends, and the same work is Rust's example with its edges sorted.
/// </para>
/// </remarks>
public static partial class Bfs
{
    /// <summary>Edge <paramref name="i"/> of worker <paramref name="worker"/>: (source, target), both below <paramref name="nodes"/>, as Rust's example makes it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (uint Source, uint Target) Edge(ulong i, int worker, ulong nodes) =>
        ((uint)(RustHash.Usize(i, (ulong)worker, 0) % nodes), (uint)(RustHash.Usize(i, (ulong)worker, 1) % nodes));

    /// <summary>The example on one worker, as the closure Rust hands to <c>timely::execute</c>; this worker's result.</summary>
    /// <remarks>
    /// A run lasts a fraction of a second, so its per-record loops (making the edges, indexing
    /// them, visiting nodes) are methods compiled optimized at their first call
    /// (<see cref="MethodImplOptions.AggressiveOptimization"/>): with the runtime's defaults they
    /// would run most of the search in unoptimized code while the JIT's tiers catch up. What they
    /// compute is unchanged.
    /// </remarks>
    public static ExampleResult Run(Worker worker, ulong nodes, ulong edges, TextWriter log)
    {
        int index = worker.Index;
        int peers = worker.Peers;
        var timer = Stopwatch.StartNew();
        var meter = WorkloadResult.Start();
        Search? search = null;
        worker.Dataflow<ulong>(scope =>
        {
            // Rust's `(0..edges/peers).map(..).to_stream(scope)`: this worker's edges, all given
            // at the first activation, then the capability goes and the stream ends.
            var graph = scope.Source<ulong, (uint, uint)>("ToStream", (capability, _) =>
            {
                Capability<ulong>? held = capability;
                return output =>
                {
                    if (held is not null)
                    {
                        GiveEdges(output, held, nodes, edges, index, peers);
                        held.Dispose();
                        held = null;
                    }
                };
            });
            var (handle, cycle) = scope.Feedback<ulong, (uint Node, uint Prev)>(1);
            graph.Binary<ulong, (uint, uint), (uint, uint), (uint, uint)>(
                cycle,
                Pact<(uint, uint)>.Exchange(default(BySource)),
                Pact<(uint, uint)>.Exchange(default(BySource)),
                "BFS",
                initial =>
                {
                    initial.Dispose();
                    search = new Search(nodes, index, peers, log, timer);
                    return search.Step;
                })
                .Concat(new[] { (0u, 0u) }.ToStream(scope))
                .ConnectLoop(handle);
        });

        ExampleSteps.Finish(worker);
        return new ExampleResult(meter.Stop(index, search!.Reached), search.Checksum);
    }

    // This worker's edges (Rust's `0..edges/peers`), given at one time.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GiveEdges(OutputPort<ulong, (uint, uint)> output, Capability<ulong> capability, ulong nodes, ulong edges, int index, int peers)
    {
        var session = output.Session(capability);
        ulong perWorker = edges / (ulong)peers;
        for (ulong i = 0; i < perWorker; i++)
        {
            session.Give(Edge(i, index, nodes));
        }

        output.Flush();
    }

    /// <summary>
    /// The BFS operator's state and logic (Rust's <c>binary_notify</c> closure): edges until the
    /// index is built, the (node, previous) pairs per pending time, a capability per pending time.
    /// </summary>
    private sealed class Search(ulong nodes, int index, int peers, TextWriter log, Stopwatch timer)
    {
        // The edge batches as they arrive, taken from their messages (Rust's `edge_list.extend(data.map(mem::take))`:
        // the received lists themselves, no copy), until the index is built from them; then they
        // go back to the worker's pool, whose room the search's output fills. The (node, previous)
        // batches of each pending time likewise, released once visited: a copy of each into one
        // list per time held the records twice while it grew by doubling.
        private List<List<(uint Source, uint Target)>>? _edges = [];
        private long _edgeCount;
        private readonly Dictionary<ulong, List<List<(uint Node, uint Prev)>>> _nodeLists = [];
        private readonly SortedDictionary<ulong, Capability<ulong>> _pending = [];
        private readonly int _local = (int)(nodes / (ulong)peers) + 1;
        private readonly bool[] _done = new bool[(int)(nodes / (ulong)peers) + 1];
        private readonly List<ulong> _ready = [];
        private int[]? _offsets;
        private uint[] _targets = [];

        /// <summary>Nodes this worker reached.</summary>
        public long Reached { get; private set; }

        /// <summary>The sum of <c>Pair(node, time reached)</c> over them.</summary>
        public ulong Checksum { get; private set; }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Step(InputPort<ulong, (uint, uint)> edgesIn, InputPort<ulong, (uint, uint)> nodesIn, OutputPort<ulong, (uint, uint)> output)
        {
            while (edgesIn.TryNext(out var cap, out var data))
            {
                Hold(_pending, cap);
                _edgeCount += data.Count;
                _edges!.Add(edgesIn.Take());
            }

            while (nodesIn.TryNext(out var cap, out _))
            {
                Hold(_pending, cap);
                if (!_nodeLists.TryGetValue(cap.Time, out var batches))
                {
                    _nodeLists[cap.Time] = batches = [];
                }

                batches.Add(nodesIn.Take());
            }

            _ready.Clear();
            foreach (var time in _pending.Keys)
            {
                if (edgesIn.Frontier.LessEqual(time) || nodesIn.Frontier.LessEqual(time))
                {
                    break;   // times ascend: no later one is complete either
                }

                _ready.Add(time);
            }

            foreach (var time in _ready)
            {
                var capability = _pending[time];
                _pending.Remove(time);
                if (_offsets is null)
                {
                    // Every edge is in: the edge input's frontier has passed this time, and all edges are at 0.
                    if (index == 0)
                    {
                        log.WriteLine($"{RustDuration.Format(timer.Elapsed)}:\tsorting");
                    }

                    (_offsets, _targets) = Csr(_edges!, _edgeCount, _local, peers);
                    foreach (var batch in _edges!)
                    {
                        edgesIn.Release(batch);   // their room holds the search's batches next
                    }

                    _edges = null;   // every edge is in the index; no edge comes after time 0
                }

                if (index == 0)
                {
                    log.WriteLine($"{RustDuration.Format(timer.Elapsed)}:\ttime: {time}");
                }

                if (_nodeLists.Remove(time, out var todo))
                {
                    Visit(output.Session(capability), todo, time);
                    foreach (var batch in todo)
                    {
                        nodesIn.Release(batch);
                    }
                }

                capability.Dispose();
            }
        }

        // Marks each node of todo not reached before and sends (target, node) along its out-edges.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Visit(OutputSession<ulong, (uint, uint)> session, List<List<(uint Node, uint Prev)>> todo, ulong time)
        {
            var offsets = _offsets!;
            var targets = _targets;
            var done = _done;
            long reached = 0;
            ulong checksum = Checksum;
            foreach (var batch in todo)
            {
                foreach (var (node, _) in CollectionsMarshal.AsSpan(batch))
                {
                    int n = (int)(node / (uint)peers);
                    if (!done[n])
                    {
                        done[n] = true;
                        reached++;
                        checksum = unchecked(checksum + ExampleRandom.Pair(node, time));
                        for (int e = offsets[n]; e < offsets[n + 1]; e++)
                        {
                            session.Give((targets[e], node));
                        }
                    }
                }
            }

            Reached += reached;
            Checksum = checksum;
        }
    }

    /// <summary>Routes an edge by its source and a (node, previous) pair by its node (Rust's <c>|x| x.0</c>), compiled into the exchange.</summary>
    private readonly struct BySource : IExchangeHash<(uint, uint)>
    {
        public ulong Hash((uint, uint) item) => item.Item1;
    }

    private static void Hold(SortedDictionary<ulong, Capability<ulong>> pending, InputCapability<ulong> capability)
    {
        if (!pending.ContainsKey(capability.Time))
        {
            pending[capability.Time] = capability.Retain();
        }
    }

    // Compressed sparse rows over this worker's nodes (node / peers): offsets[n]..offsets[n + 1] index targets.
    // The fill moves each offsets[n] to where node n's run ends, so shifting them one place up
    // restores the starts (no second array of cursors).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (int[] Offsets, uint[] Targets) Csr(List<List<(uint Source, uint Target)>> edges, long count, int local, int peers)
    {
        var offsets = new int[local + 1];
        foreach (var batch in edges)
        {
            foreach (var (s, _) in CollectionsMarshal.AsSpan(batch))
            {
                offsets[(s / (uint)peers) + 1]++;
            }
        }

        for (int n = 0; n < local; n++)
        {
            offsets[n + 1] += offsets[n];
        }

        var targets = new uint[count];
        foreach (var batch in edges)
        {
            foreach (var (s, t) in CollectionsMarshal.AsSpan(batch))
            {
                targets[offsets[s / (uint)peers]++] = t;
            }
        }

        for (int n = local; n > 0; n--)
        {
            offsets[n] = offsets[n - 1];
        }

        offsets[0] = 0;
        return (offsets, targets);
    }
}
