using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Timely.Dataflow.Operators;
using Timely.Dataflow.Operators.Generic;

namespace Timely.Examples;

// pagerank's operator: what Rust's binary_frontier closure does, one time at a time. (The example itself is in the other part of this class.)
public static partial class PageRank
{
    /// <summary>
    /// The records (changes acted on plus rank changes sent) after which a run of the operator
    /// stops acting on a time, activates the operator and returns, to go on at its next run (a
    /// run may pass it by the changes one node sends).
    /// </summary>
    internal const int SliceRecords = 1 << 15;

    /// <summary>
    /// The operator's logic: holds each time's edge changes (copied into native memory as they
    /// arrive) and rank changes (summed per node as they arrive) until the time is complete, then
    /// acts on the time's compacted changes in order, edges before ranks at one time, as Rust's
    /// example does.
    /// </summary>
    /// <remarks>
    /// Design: Rust's example holds each time's changes in a <c>Vec</c> per time (its
    /// <c>edge_stash</c> and <c>rank_stash</c>), compacts a complete time's (sort, sum, drop
    /// zeros) and acts on it in one run, so everything a time sends (the largest: about 1.2 million
    /// rank changes on one worker, 19 MB) is in the channels at once. Ours holds a time's edge
    /// changes in a native list (compacted in place as Rust's <c>Vec</c> is) and a time's rank
    /// changes as their sums per node (<see cref="NodeSums"/>, summed as each batch arrives: the
    /// same changes added in the same order, so the same compacted pairs in the same order as
    /// Rust's compact gives), and a run acts on a complete time's changes until it has handled
    /// <see cref="SliceRecords"/> records (changes acted on plus changes sent, about 0.5 MB of
    /// messages), then activates the operator and returns, holding the time's capability; the
    /// feedback edge carries the sent changes back meanwhile, and the next run sums them into the
    /// next time's sums and hands their messages back, so the worker's pool holds a slice's
    /// messages, not a time's. Every change is still acted on, in the same order on the same
    /// state, and the same records are sent at the same time: only where the messages end
    /// differs, and a time's line is printed when its last change has been acted on, as before.
    /// Measured (<c>pagerank 100000 400000 -w 1</c>, JIT, <c>--json</c>): with the node state and
    /// out-edges in native memory too (<see cref="Graph"/>), the timed part allocates 7.3 MB on
    /// the collector's heap where it allocated 54.7 MB (6.2 MB of it now the load's messages,
    /// sent before the first step as Rust's are), and no gen0 collection runs in it where one did.
    /// Single-threaded: the worker runs it.
    /// </remarks>
    private sealed class RankOperator(
        Graph graph,
        InputPort<ulong, ((int Src, int Dst) Edge, long Diff)> edgeChanges,
        InputPort<ulong, (int Node, long Diff)> rankChanges,
        OutputPort<ulong, (int Node, long Diff)> output,
        OperatorActivator activator,
        TextWriter log,
        Stopwatch timer,
        int sliceRecords) : IDisposable
    {
        private readonly HeldTimes<NativeList<((int Src, int Dst) Edge, long Diff)>> _edgeTimes = new(() => new NativeList<((int, int), long)>());
        private readonly HeldTimes<NodeSums> _rankTimes = new(graph.NewSums);

        // The time being acted on: its capability (null when none is), its changes and how far.
        private Capability<ulong>? _capability;
        private NativeList<((int Src, int Dst) Edge, long Diff)>? _edges;
        private int _edgeCount;
        private NodeSums? _ranks;
        private int _position;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run()
        {
            while (edgeChanges.TryNext(out var capability, out var data))
            {
                _edgeTimes.At(capability).AddRange(CollectionsMarshal.AsSpan(data));
            }

            while (rankChanges.TryNext(out var capability, out var data))
            {
                _rankTimes.At(capability).Add(CollectionsMarshal.AsSpan(data));
            }

            int budget = sliceRecords;
            while (_capability is not null || TryStart())
            {
                if (!Continue(ref budget))
                {
                    activator.Activate();
                    return;
                }
            }
        }

        public void Dispose()
        {
            _edges?.Dispose();
            _ranks?.Dispose();
            _edgeTimes.Dispose();
            _rankTimes.Dispose();
        }

        // The next complete time, edge changes before rank changes at one time, compacted.
        private bool TryStart()
        {
            var (f1, f2) = (edgeChanges.Frontier, rankChanges.Frontier);
            bool edgesReady = _edgeTimes.TryPeekReady(f1, f2, out ulong te);
            bool ranksReady = _rankTimes.TryPeekReady(f1, f2, out ulong tr);
            if (edgesReady && (!ranksReady || te <= tr))
            {
                _edgeTimes.TryTakeReady(f1, f2, out _capability, out var edges);
                _edges = edges;
                _edgeCount = Compaction.Compact(edges.AsSpan());
            }
            else if (ranksReady)
            {
                _rankTimes.TryTakeReady(f1, f2, out _capability, out var ranks);
                _ranks = ranks;
                ranks.Collect();
            }
            else
            {
                return false;
            }

            _position = 0;
            return true;
        }

        // Acts on the current time's changes until they or the budget run out; whether the time is done.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private bool Continue(ref int budget)
        {
            Debug.Assert(_capability is not null, "a time is under way");
            var session = output.Session(_capability);
            if (_edges is not null)
            {
                var edges = _edges.AsSpan()[.._edgeCount];
                while (_position < edges.Length)
                {
                    if (budget <= 0)
                    {
                        return false;
                    }

                    var ((src, dst), diff) = edges[_position++];
                    var sent = graph.ChangeEdge(src, dst, diff);
                    session.GiveSpan(sent);
                    budget -= sent.Length + 1;
                }

                _edges.Clear();
                _edgeTimes.Return(_edges);
                _edges = null;
            }
            else
            {
                var ranks = _ranks!.Collected;
                while (_position < ranks.Length)
                {
                    if (budget <= 0)
                    {
                        return false;
                    }

                    var (node, diff) = ranks[_position++];
                    var sent = graph.ChangeRank(node, diff);
                    session.GiveSpan(sent);
                    budget -= sent.Length + 1;
                }

                var (count, sum, max) = Graph.Summary(ranks);
                log.WriteLine($"{RustDuration.Format(timer.Elapsed)}:\t{_capability.Time}\t{count}\t{sum}\t{max}");
                _rankTimes.Return(_ranks);
                _ranks = null;
            }

            _capability.Dispose();
            _capability = null;
            return true;
        }
    }
}
