using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Dataflow.Progress;

namespace Timely.PropTests.Dataflow;

/// <summary>
/// The tracker's propagation that hands a change straight to the next port when it comes before
/// everything in the worklist, against the same propagation with every change through the worklist
/// (<c>HeapOnly</c>): over random graphs and rounds of pointstamp updates, the same frontier changes
/// in the same order, the same implications and pointstamp changes after every round.
/// </summary>
public sealed class TrackerHandOffProperties
{
    // A node: its inputs and outputs (1-2 each) and, per input and output, a summary (0-2) or no path.
    private static Gen<(int Inputs, int Outputs, int?[] Summaries)> Node() =>
        from inputs in Gen.Choose(1, 2)
        from outputs in Gen.Choose(1, 2)
        from summaries in Gen.ArrayOf(Gen.Frequency((1, Gen.Constant<int?>(null)), (4, Gen.Choose(0, 2).Select(s => (int?)s))), inputs * outputs)
        select (inputs, outputs, summaries);

    private static Gen<(int Node, int Port, bool Source, int Time, int Diff)> Update() =>
        from node in Gen.Choose(0, 7)
        from port in Gen.Choose(0, 1)
        from source in Gen.Elements(true, false)
        from time in Gen.Choose(0, 3)
        from diff in Gen.Elements(-2, -1, -1, 1, 1, 2)
        select (node, port, source, time, diff);

    private static Gen<((int Inputs, int Outputs, int?[] Summaries)[] Nodes, (int From, int Out, int To, int In)[] Edges, (int Node, int Port, bool Source, int Time, int Diff)[][] Rounds)> Cases() =>
        from count in Gen.Choose(1, 8)
        from nodes in Gen.ArrayOf(Node(), count)
        from edges in Gen.ArrayOf(Gen.Zip(Gen.Zip(Gen.Choose(0, 7), Gen.Choose(0, 1)), Gen.Zip(Gen.Choose(0, 7), Gen.Choose(0, 1)))
            .Select(e => (e.Item1.Item1, e.Item1.Item2, e.Item2.Item1, e.Item2.Item2)))
        from rounds in Gen.ArrayOf(Gen.ArrayOf(Update()), 4)
        select (nodes, edges, rounds);

    // The graph's tracker; when it refuses a cycle that does not advance time, the same graph with
    // every summary one more (every cycle then advances), so each case runs.
    private static Tracker<ulong> Build((int Inputs, int Outputs, int?[] Summaries)[] nodes, (int From, int Out, int To, int In)[] edges, bool heapOnly)
    {
        Tracker<ulong> Make(int extra)
        {
            var builder = new ReachabilityBuilder<ulong>();
            for (int n = 0; n < nodes.Length; n++)
            {
                var (inputs, outputs, summaries) = nodes[n];
                var paths = new Antichain<ulong>[inputs][];
                for (int i = 0; i < inputs; i++)
                {
                    paths[i] = new Antichain<ulong>[outputs];
                    for (int o = 0; o < outputs; o++)
                    {
                        var summary = summaries[(i * outputs) + o];
                        paths[i][o] = summary is { } s ? new Antichain<ulong>((ulong)(s + extra)) : new Antichain<ulong>();
                    }
                }

                builder.AddNode(n, inputs, outputs, paths);
            }

            foreach (var (from, output, to, input) in edges)
            {
                int a = from % nodes.Length, b = to % nodes.Length;
                builder.AddEdge(Location.Source(a, output % nodes[a].Outputs), Location.Target(b, input % nodes[b].Inputs));
            }

            return builder.Build();
        }

        Tracker<ulong> tracker;
        try
        {
            tracker = Make(0);
        }
        catch (InvalidOperationException)
        {
            tracker = Make(1);
        }

        tracker.HeapOnly = heapOnly;
        tracker.RecordPointstampChanges = true;
        return tracker;
    }

    private static string Show(ReadOnlySpan<((Location Location, ulong Time) Item, long Diff)> changes) =>
        string.Join(" ", changes.ToArray().Select(c => $"{c.Item.Location}@{c.Item.Time}:{c.Diff}"));

    [Property(MaxTest = 500)]
    public Property Handing_a_change_on_makes_the_worklists_frontier_changes() =>
        Prop.ForAll(Cases().ToArbitrary(), c =>
        {
            var handOff = Build(c.Nodes, c.Edges, heapOnly: false);
            var heap = Build(c.Nodes, c.Edges, heapOnly: true);
            for (int r = 0; r < c.Rounds.Length; r++)
            {
                foreach (var (node, port, source, time, diff) in c.Rounds[r])
                {
                    int n = node % c.Nodes.Length;
                    var location = new Location(n, port % (source ? c.Nodes[n].Outputs : c.Nodes[n].Inputs), source);
                    handOff.Update(location, (ulong)time, diff);
                    heap.Update(location, (ulong)time, diff);
                }

                handOff.PropagateAll();
                heap.PropagateAll();

                // The order in which nodes' input frontiers first changed is the order of the work.
                if (!handOff.ChangedTargetNodes.SequenceEqual(heap.ChangedTargetNodes))
                {
                    return false.Label($"round {r}: changed nodes {string.Join(",", handOff.ChangedTargetNodes)} against the worklist's {string.Join(",", heap.ChangedTargetNodes)}");
                }

                var pushed = Show(handOff.PushedChanges.Compacted());
                var pushedHeap = Show(heap.PushedChanges.Compacted());
                if (pushed != pushedHeap)
                {
                    return false.Label($"round {r}: frontier changes {pushed} against the worklist's {pushedHeap}");
                }

                var stamps = Show(handOff.PointstampChanges.Compacted());
                var stampsHeap = Show(heap.PointstampChanges.Compacted());
                if (stamps != stampsHeap)
                {
                    return false.Label($"round {r}: pointstamp changes {stamps} against the worklist's {stampsHeap}");
                }

                for (int n = 0; n < c.Nodes.Length; n++)
                {
                    for (int i = 0; i < c.Nodes[n].Inputs; i++)
                    {
                        if (!handOff.TargetImplications(n, i).Frontier.SequenceEqual(heap.TargetImplications(n, i).Frontier))
                        {
                            return false.Label($"round {r}: input {i} of node {n}");
                        }
                    }

                    for (int o = 0; o < c.Nodes[n].Outputs; o++)
                    {
                        if (!handOff.SourceImplications(n, o).Frontier.SequenceEqual(heap.SourceImplications(n, o).Frontier))
                        {
                            return false.Label($"round {r}: output {o} of node {n}");
                        }
                    }
                }

                if (handOff.TrackingAnything != heap.TrackingAnything)
                {
                    return false.Label($"round {r}: tracking anything");
                }

                handOff.ClearChangedTargetNodes();
                heap.ClearChangedTargetNodes();
                handOff.PushedChanges.Clear();
                heap.PushedChanges.Clear();
                handOff.PointstampChanges.Clear();
                heap.PointstampChanges.Clear();
            }

            return true.Label("every round the same");
        });
}
