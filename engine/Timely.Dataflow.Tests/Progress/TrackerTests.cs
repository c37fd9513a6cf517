using System.Runtime.CompilerServices;
using Timely.Dataflow.Progress;

namespace Timely.Dataflow.Tests.Progress;

public sealed class TrackerTests
{
    private static Antichain<ulong>[][] Summaries(int inputs, int outputs, ulong summary)
    {
        var rows = new Antichain<ulong>[inputs][];
        for (int i = 0; i < inputs; i++)
        {
            rows[i] = new Antichain<ulong>[outputs];
            for (int o = 0; o < outputs; o++)
            {
                rows[i][o] = new Antichain<ulong>(summary);
            }
        }

        return rows;
    }

    // Nodes (inputs, outputs, one summary for every path), edges from output 0 of one to input 0 of another.
    private static Tracker<ulong> Graph((int Inputs, int Outputs, ulong Summary)[] nodes, params (int From, int To)[] edges)
    {
        var b = new ReachabilityBuilder<ulong>();
        for (int n = 0; n < nodes.Length; n++)
        {
            b.AddNode(n, nodes[n].Inputs, nodes[n].Outputs, Summaries(nodes[n].Inputs, nodes[n].Outputs, nodes[n].Summary));
        }

        foreach (var (from, to) in edges)
        {
            b.AddEdge(Location.Source(from, 0), Location.Target(to, 0));
        }

        return b.Build();
    }

    // 0: source (0 in, 1 out) -> 1: concat (2 in, 1 out) -> 2: map (1 in, 1 out) ->
    // 3: feedback (1 in, 1 out, summary 1) -> back into concat input 1.
    private static Tracker<ulong> Loop()
    {
        var b = new ReachabilityBuilder<ulong>();
        b.AddNode(0, 0, 1, Summaries(0, 1, 0));
        b.AddNode(1, 2, 1, Summaries(2, 1, 0));
        b.AddNode(2, 1, 1, Summaries(1, 1, 0));
        b.AddNode(3, 1, 1, Summaries(1, 1, 1));
        b.AddEdge(Location.Source(0, 0), Location.Target(1, 0));
        b.AddEdge(Location.Source(1, 0), Location.Target(2, 0));
        b.AddEdge(Location.Source(2, 0), Location.Target(3, 0));
        b.AddEdge(Location.Source(3, 0), Location.Target(1, 1));
        return b.Build();
    }

    [Fact]
    public void Loop_with_summary_one_converges_and_implies_source_time()
    {
        var t = Loop();
        t.UpdateSource(0, 0, 0, 1);
        t.PropagateAll();
        Assert.Equal(new ulong[] { 0 }, t.TargetImplications(1, 0).Frontier.ToArray());
        Assert.Equal(new ulong[] { 0 }, t.TargetImplications(2, 0).Frontier.ToArray());
        Assert.Equal(new ulong[] { 0 }, t.TargetImplications(3, 0).Frontier.ToArray());
        Assert.Equal(new ulong[] { 1 }, t.TargetImplications(1, 1).Frontier.ToArray());

        // Advance the source capability to 5: everything downstream follows.
        t.UpdateSource(0, 0, 5, 1);
        t.UpdateSource(0, 0, 0, -1);
        t.PropagateAll();
        Assert.Equal(new ulong[] { 5 }, t.TargetImplications(2, 0).Frontier.ToArray());
        Assert.Equal(new ulong[] { 6 }, t.TargetImplications(1, 1).Frontier.ToArray());
    }

    [Fact]
    public void Message_in_the_loop_holds_frontier_until_consumed()
    {
        var t = Loop();
        t.UpdateSource(0, 0, 0, 1);
        t.PropagateAll();
        t.UpdateTarget(3, 0, 2, 1); // a message at time 2 waits at the feedback input
        t.UpdateSource(0, 0, 0, -1); // the source is done
        t.PropagateAll();
        Assert.Equal(new ulong[] { 2 }, t.TargetImplications(3, 0).Frontier.ToArray());
        Assert.Equal(new ulong[] { 3 }, t.TargetImplications(1, 1).Frontier.ToArray());
        Assert.Equal(new ulong[] { 3 }, t.TargetImplications(2, 0).Frontier.ToArray());
        Assert.True(t.TrackingAnything);

        t.UpdateTarget(3, 0, 2, -1);
        t.PropagateAll();
        Assert.False(t.TrackingAnything);
        for (int node = 1; node < 4; node++)
        {
            Assert.True(t.TargetImplications(node, 0).IsEmpty);
        }

        Assert.True(t.TargetImplications(1, 1).IsEmpty);
    }

    [Fact]
    public void Pushed_changes_report_each_implication_change()
    {
        var t = Loop();
        t.UpdateSource(0, 0, 0, 1);
        t.PropagateAll();
        var pushed = t.PushedChanges.Compacted().ToArray();
        Assert.Contains(((Location.Target(1, 1), 1UL), 1L), pushed);
        Assert.Contains(((Location.Target(2, 0), 0UL), 1L), pushed);
        t.PushedChanges.Clear();
        t.UpdateSource(0, 0, 0, -1);
        t.PropagateAll();
        Assert.Contains(((Location.Target(2, 0), 0UL), -1L), t.PushedChanges.Compacted().ToArray());
    }

    [Fact]
    public void Cycle_without_advancing_summary_is_refused()
    {
        var b = new ReachabilityBuilder<ulong>();
        b.AddNode(0, 1, 1, Summaries(1, 1, 0));
        b.AddNode(1, 1, 1, Summaries(1, 1, 0));
        b.AddEdge(Location.Source(0, 0), Location.Target(1, 0));
        b.AddEdge(Location.Source(1, 0), Location.Target(0, 0));
        Assert.Throws<InvalidOperationException>(() => b.Build());
    }

    [Fact]
    public void Summary_overflow_stops_propagation()
    {
        var t = Graph([(0, 1, 0), (1, 1, ulong.MaxValue), (1, 0, 0)], (0, 1), (1, 2));
        t.UpdateSource(0, 0, 1, 1);
        t.PropagateAll();
        Assert.Equal(new ulong[] { 1 }, t.TargetImplications(1, 0).Frontier.ToArray());
        Assert.True(t.TargetImplications(2, 0).IsEmpty);
    }

    [Fact]
    public void Changes_follow_every_edge_of_an_output_and_every_path_of_an_input()
    {
        // 0: source -> 1 (1 in, 2 outs, summaries 1 and 2); out(1.0) feeds 2 and 3, out(1.1) feeds 3.
        // The tracker keeps one edge or path inline and more in an array: both kinds are here.
        var b = new ReachabilityBuilder<ulong>();
        b.AddNode(0, 0, 1, Summaries(0, 1, 0));
        var split = Summaries(1, 2, 1);
        split[0][1] = new Antichain<ulong>(2);
        b.AddNode(1, 1, 2, split);
        b.AddNode(2, 1, 0, Summaries(1, 0, 0));
        b.AddNode(3, 2, 0, Summaries(2, 0, 0));
        b.AddEdge(Location.Source(0, 0), Location.Target(1, 0));
        b.AddEdge(Location.Source(1, 0), Location.Target(2, 0));
        b.AddEdge(Location.Source(1, 0), Location.Target(3, 0));
        b.AddEdge(Location.Source(1, 1), Location.Target(3, 1));
        var t = b.Build();
        t.UpdateSource(0, 0, 3, 1);
        t.PropagateAll();
        var implied = new[] { t.SourceImplications(1, 0), t.SourceImplications(1, 1), t.TargetImplications(2, 0), t.TargetImplications(3, 0), t.TargetImplications(3, 1) };
        Assert.Equal(["4", "5", "4", "4", "5"], implied.Select(a => string.Join(",", a.Frontier.ToArray())));
        Assert.True(t.TrackingAnything);

        t.UpdateSource(0, 0, 3, -1);
        t.PropagateAll();
        Assert.All(implied, a => Assert.True(a.IsEmpty));
        Assert.False(t.TrackingAnything);
    }

    [Fact]
    public void Implications_handed_out_are_one_read_only_view_per_port_that_follows_the_tracker()
    {
        // A total order's implications live in the tracker's port entries; the antichain handed out
        // for a port is made once and reads those entries, so a frontier held by an operator since
        // the dataflow was built sees every later propagation.
        var t = Loop();
        var held = t.TargetImplications(2, 0);
        var output = t.SourceImplications(3, 0);
        Assert.Same(held, t.TargetImplications(2, 0));
        Assert.Same(output, t.SourceImplications(3, 0));
        Assert.True(held.IsEmpty);

        t.UpdateSource(0, 0, 4, 2);
        t.PropagateAll();
        Assert.Equal(new ulong[] { 4 }, held.Frontier.ToArray());
        Assert.Equal(new ulong[] { 5 }, output.Frontier.ToArray());
        Assert.Equal(1, held.CountFor(4));
        Assert.True(held.LessThan(5));
        Assert.False(held.LessThan(4));
        Assert.True(held.LessEqual(4));

        t.UpdateSource(0, 0, 7, 1);
        t.UpdateSource(0, 0, 4, -2);
        t.PropagateAll();
        Assert.Equal(new ulong[] { 7 }, held.Frontier.ToArray());
        Assert.Equal(0, held.CountFor(4));

        // Only the tracker changes them: an update through the view would desert the counts the
        // propagation keeps.
        Assert.Throws<InvalidOperationException>(() => held.Update(9, 1));
        Assert.Throws<InvalidOperationException>(() => output.UpdateIter([(9UL, 1L)]));
        Assert.Equal(new ulong[] { 7 }, held.Frontier.ToArray());
    }

    [Fact]
    public void A_port_entry_of_ulong_times_is_one_cache_line_of_bytes()
    {
        // The propagation's touch of a port is its entry: the implications' counts inline, and its
        // one edge or path inline (the pointstamps' counts sit in an array beside the entries).
        // 56 bytes; more than 64 would spill every entry onto a third line.
        Assert.Equal(56, Unsafe.SizeOf<Tracker<ulong>.TargetPort>());
        Assert.Equal(56, Unsafe.SizeOf<Tracker<ulong>.SourcePort>());
    }

    // Two outputs, 0 and 1, into input 0 of node 2, every summary zero. Output 1 held time 2; now
    // output 0 takes 2 up as output 1 lets it go. Input 2's count at 2 goes 1 -> 1 by a +1 from one
    // path and a -1 from the other, which the worklist brings out together and merges: no frontier
    // change, and node 2 is not told of one. Taking the -1 first (it is made last, so it would be
    // the change handed straight on if a tie with the worklist's least counted as "before") moves
    // the frontier out and back in and activates node 2 for nothing.
    [Fact]
    public void A_ports_changes_at_one_time_from_two_paths_are_merged_before_its_frontier_moves()
    {
        var t = Graph([(1, 1, 0), (1, 1, 0), (1, 1, 0)], (0, 2), (1, 2));
        t.UpdateSource(1, 0, 2, 1);
        t.PropagateAll();
        Assert.Equal(2, Assert.Single(t.ChangedTargetNodes));
        t.ClearChangedTargetNodes();
        t.PushedChanges.Clear();

        t.UpdateSource(0, 0, 2, 1);
        t.UpdateSource(1, 0, 2, -1);
        t.PropagateAll();

        Assert.Empty(t.ChangedTargetNodes);
        Assert.Equal(new ulong[] { 2 }, t.TargetImplications(2, 0).Frontier.ToArray());
        Assert.True(t.PushedChanges.Compacted().ToArray().All(c => c.Item.Location.Node != 2), "no frontier change at node 2");
    }
}
