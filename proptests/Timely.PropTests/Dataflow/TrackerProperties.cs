using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Dataflow.Progress;

namespace Timely.PropTests.Dataflow;

/// <summary>The reachability tracker against shortest paths computed from scratch.</summary>
public sealed class TrackerProperties
{
    // Graph: Nodes one-in/one-out operators with summaries; edges (from output a to input b);
    // pointstamps (node, at output?, time, count); Drop says how many to retract afterwards.
    private static Arbitrary<(int[] Summaries, (int From, int To)[] Edges, (int Node, bool Source, int Time)[] Stamps, int Drop)> Graphs() =>
        Gen.Zip(
                Gen.Choose(0, 2).ArrayOf().Select(a => a.Length == 0 ? [1] : a.Take(5).ToArray()),
                Gen.Zip(Gen.Zip(Gen.Choose(0, 4), Gen.Choose(0, 4)).ArrayOf(), Gen.Zip(Gen.Zip(Gen.Choose(0, 4), Gen.Elements(true, false)), Gen.Choose(0, 6)).ArrayOf()))
            .SelectMany(t => Gen.Choose(0, t.Item2.Item2.Length).Select(drop => (
                t.Item1,
                t.Item2.Item1.Select(e => (e.Item1 % t.Item1.Length, e.Item2 % t.Item1.Length)).Distinct().ToArray(),
                t.Item2.Item2.Select(s => (s.Item1.Item1 % t.Item1.Length, s.Item1.Item2, s.Item2)).ToArray(),
                drop)))
            .ToArbitrary();

    private static bool HasZeroCycle(int[] summaries, (int From, int To)[] edges)
    {
        // A cycle through nodes whose summaries are all zero leaves time unchanged.
        int n = summaries.Length;
        var state = new int[n];
        bool Visit(int v)
        {
            state[v] = 1;
            foreach (var (from, to) in edges)
            {
                // Only zero-summary nodes can lie on such a cycle.
                if (from != v || summaries[v] != 0 || summaries[to] != 0)
                {
                    continue;
                }

                if (state[to] == 1 || (state[to] == 0 && Visit(to)))
                {
                    return true;
                }
            }

            state[v] = 2;
            return false;
        }

        for (int v = 0; v < n; v++)
        {
            if (state[v] == 0 && Visit(v))
            {
                return true;
            }
        }

        return false;
    }

    [Property(MaxTest = 300)]
    public Property Implications_are_the_least_time_reachable_from_live_pointstamps()
    {
        return Prop.ForAll(Graphs(), g =>
        {
            var (summaries, edges, stamps, drop) = g;
            int n = summaries.Length;
            var builder = new ReachabilityBuilder<ulong>();
            for (int i = 0; i < n; i++)
            {
                builder.AddNode(i, 1, 1, [[new Antichain<ulong>((ulong)summaries[i])]]);
            }

            foreach (var (from, to) in edges)
            {
                builder.AddEdge(Location.Source(from, 0), Location.Target(to, 0));
            }

            Tracker<ulong> tracker;
            try
            {
                tracker = builder.Build();
            }
            catch (InvalidOperationException)
            {
                return HasZeroCycle(summaries, edges).Label("refused a graph whose cycles all advance");
            }

            if (HasZeroCycle(summaries, edges))
            {
                return false.Label("accepted a cycle that does not advance time");
            }

            foreach (var (node, source, time) in stamps)
            {
                tracker.Update(new Location(node, 0, source), (ulong)time, 1);
            }

            tracker.PropagateAll();
            var live = stamps.Skip(drop).ToArray();
            foreach (var (node, source, time) in stamps.Take(drop))
            {
                tracker.Update(new Location(node, 0, source), (ulong)time, -1);
            }

            tracker.PropagateAll();

            // Model: Bellman-Ford over target(i) -> source(i) (weight summary i) and
            // source(a) -> target(b) (weight 0), from every live pointstamp.
            const long Inf = long.MaxValue / 4;
            var target = Enumerable.Repeat(Inf, n).ToArray();
            var output = Enumerable.Repeat(Inf, n).ToArray();
            foreach (var (node, source, time) in live)
            {
                if (source)
                {
                    output[node] = Math.Min(output[node], time);
                }
                else
                {
                    target[node] = Math.Min(target[node], time);
                }
            }

            for (int round = 0; round < 2 * n + 2; round++)
            {
                for (int i = 0; i < n; i++)
                {
                    if (target[i] < Inf)
                    {
                        output[i] = Math.Min(output[i], target[i] + summaries[i]);
                    }
                }

                foreach (var (from, to) in edges)
                {
                    target[to] = Math.Min(target[to], output[from]);
                }
            }

            for (int i = 0; i < n; i++)
            {
                var expectedIn = target[i] == Inf ? Array.Empty<ulong>() : [(ulong)target[i]];
                var expectedOut = output[i] == Inf ? Array.Empty<ulong>() : [(ulong)output[i]];
                if (!tracker.TargetImplications(i, 0).Frontier.ToArray().SequenceEqual(expectedIn)
                    || !tracker.SourceImplications(i, 0).Frontier.ToArray().SequenceEqual(expectedOut))
                {
                    return false.Label($"node {i}: in {string.Join(",", tracker.TargetImplications(i, 0).Frontier.ToArray())} vs {target[i]}, out vs {output[i]}");
                }
            }

            return (tracker.TrackingAnything == (live.Length > 0)).Label("TrackingAnything");
        });
    }
}
