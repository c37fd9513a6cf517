using System.Runtime.CompilerServices;
using Timely.Dataflow;
using Timely.Dataflow.Channels;
using Timely.Dataflow.Operators;

namespace Timely.Examples;

/// <summary>
/// timely's <c>unionfind NODES EDGES BATCH</c>: random edges on NODES nodes, each worker's share
/// sent BATCH at a time, through <c>union_find -> exchange(0) -> union_find</c>: each worker
/// keeps a union-find forest (union by rank) and passes on only the edges that joined two
/// trees, so worker 0 ends with a spanning forest of the whole graph. Rust prints nothing.
/// Records = merges by the second union-find (nodes touched minus their components, whatever
/// the partition); checksum = merges by the first union-finds, summed over workers.
/// </summary>
public static partial class UnionFind
{
    /// <summary>The example on one worker, as the closure Rust hands to <c>timely::execute</c>; this worker's result.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static ExampleResult Run(Worker worker, ulong nodes, ulong edges, ulong batch)
    {
        int index = worker.Index;
        var meter = WorkloadResult.Start();
        using var first = new Forest();
        using var second = new Forest();
        var input = new InputHandle<ulong, (int, int)>();
        var probe = new ProbeHandle<ulong>();
        worker.Dataflow<ulong>(scope => Apply(Apply(scope.InputFrom(input), first).Exchange(default(ToWorkerZero)), second).ProbeWith(probe));

        ulong sent = 0;
        ulong perWorker = edges / (ulong)worker.Peers;
        for (ulong i = 0; i < perWorker; i++)
        {
            input.Send(PageRank.Edge(i, index, nodes));
            if (sent++ % batch == batch - 1)
            {
                ExampleSteps.AdvanceAndWait(worker, input, probe, input.Time + 1);
            }
        }

        ExampleSteps.Finish(worker, input);

        return new ExampleResult(meter.Stop(index, second.Merges), (ulong)first.Merges);
    }

    private static Stream<ulong, (int, int)> Apply(Stream<ulong, (int, int)> stream, Forest forest) =>
        stream.Unary<ulong, (int, int), (int, int)>(Pact<(int, int)>.Pipeline, "UnionFind", [MethodImpl(MethodImplOptions.AggressiveOptimization)] (data, output) =>
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

    /// <summary>Sends every record to worker 0 (Rust's <c>exchange(|_| 0)</c>), compiled into the exchange.</summary>
    private readonly struct ToWorkerZero : IExchangeHash<(int, int)>
    {
        public ulong Hash((int, int) item) => 0;
    }

    /// <summary>
    /// A union-find forest by rank without path compression, as Rust's example keeps it: roots and
    /// ranks indexed by node, grown to the largest node seen, in native memory as Rust's vectors
    /// are (<see cref="NativeList{T}"/>: grown in arrays they reached the large-object heap and set
    /// off 1-3 gen2 collections a run; in pages the chase paid a second load per step).
    /// </summary>
    private sealed class Forest : IDisposable
    {
        private readonly NativeList<int> _roots = new();
        private readonly NativeList<byte> _ranks = new();

        public long Merges { get; private set; }

        /// <summary>Joins the trees of <paramref name="x"/> and <paramref name="y"/>; their roots when they were two trees, else null.</summary>
        public (int, int)? Union(int x, int y)
        {
            // A span per union, its length the bound to grow past: the chase below is an array's
            // (one bounds check against a length in a register, no second load), and nothing grows
            // the lists until the next union.
            int largest = Math.Max(x, y);
            Span<int> roots = _roots.AsSpan();
            if (largest >= roots.Length)
            {
                Grow(largest);
                roots = _roots.AsSpan();
            }

            while (x != roots[x])
            {
                x = roots[x];
            }

            while (y != roots[y])
            {
                y = roots[y];
            }

            if (x == y)
            {
                return null;
            }

            Merges++;
            Span<byte> ranks = _ranks.AsSpan();
            if (ranks[x] < ranks[y])
            {
                roots[x] = y;
            }
            else
            {
                roots[y] = x;
                if (ranks[x] == ranks[y])
                {
                    ranks[x]++;
                }
            }

            return (x, y);
        }

        public void Dispose()
        {
            _roots.Dispose();
            _ranks.Dispose();
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Grow(int largest)
        {
            int count = _roots.Count;
            _roots.Grow(largest + 1);
            _ranks.Grow(largest + 1);
            Span<int> roots = _roots.AsSpan();
            for (int i = count; i <= largest; i++)
            {
                roots[i] = i;
            }
        }
    }
}
