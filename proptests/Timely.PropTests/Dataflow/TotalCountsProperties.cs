using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Dataflow.Progress;
using Timely.Dataflow.Timestamps;

namespace Timely.PropTests.Dataflow;

/// <summary>
/// A total order's implications held inline in the tracker's port entries (<see cref="TotalCounts{T}"/>)
/// against the general antichain: <see cref="Product{TOuter, TInner}"/> times with a fixed inner
/// coordinate are ordered as their outer time but take the general path (antichain objects, compaction,
/// rebuilds).
/// </summary>
public sealed class TotalCountsProperties
{
    [Property(MaxTest = 500)]
    public Property A_batch_of_updates_reports_the_general_antichains_net_frontier_change()
    {
        // A port's pointstamp updates of one propagation, applied together (UpdateAll, the tracker's
        // pointstamps of a total order) against the general antichain's UpdateIter over the same
        // batch: zeros among them, counts of either sign, batches of any length. After each batch:
        // the same net changes (the frontier before the batch against the one after), the same
        // frontier, the same count at every time, one entry per time with a nonzero count.
        var batches = Gen.Zip(Gen.Choose(0, 12).Select(i => (ulong)i), Gen.Choose(-3, 3).Select(d => (long)d))
            .ArrayOf()
            .ArrayOf()
            .ToArbitrary();
        return Prop.ForAll(batches, input =>
        {
            var counts = default(TotalCounts<ulong>);
            var general = new MutableAntichain<Product<ulong, ulong>>();
            var room = default(MutableAntichain<ulong>.TwoChanges);
            foreach (var batch in input)
            {
                int n = counts.UpdateAll(batch.Select(u => (u.Item1, u.Item2)).ToArray(), ref room);
                var fromCounts = ((ReadOnlySpan<(ulong Item, long Diff)>)room)[..n].ToArray().Order().ToArray();
                var expected = general.UpdateIter(batch.Select(u => (new Product<ulong, ulong>(u.Item1, 0), u.Item2)).ToArray()).ToArray()
                    .Select(c => (c.Item.Outer, c.Diff)).Order().ToArray();
                string shown = string.Join(",", batch);
                if (!fromCounts.SequenceEqual(expected))
                {
                    return false.Label($"after [{shown}]: changes {string.Join(",", fromCounts)} vs {string.Join(",", expected)}");
                }

                var frontier = general.Frontier.ToArray().Select(p => p.Outer).ToArray();
                if (!TotalCounts<ulong>.Frontier(ref counts).ToArray().SequenceEqual(frontier))
                {
                    return false.Label($"after [{shown}]: frontier differs from {string.Join(",", frontier)}");
                }

                int held = 0;
                for (ulong t = 0; t <= 12; t++)
                {
                    long count = general.CountFor(new Product<ulong, ulong>(t, 0));
                    if (counts.CountFor(t) != count)
                    {
                        return false.Label($"after [{shown}]: count of {t} {counts.CountFor(t)} vs {count}");
                    }

                    held += count != 0 ? 1 : 0;
                }

                if (counts.Count != held)
                {
                    return false.Label($"after [{shown}]: {counts.Count} entries for {held} times");
                }
            }

            return true.Label("same net changes, frontiers and counts after every batch");
        });
    }

    [Property(MaxTest = 500)]
    public Property Total_counts_report_the_general_antichains_frontier_changes()
    {
        // Counts of either sign (pointstamps go negative for a while), so the frontier is sometimes
        // not the first entry, and up to thirteen distinct times, so the counts spill past the inline
        // entry and shrink back. After each update: the same frontier changes, the same frontier,
        // the same count at every time, one entry per time with a nonzero count, in time order.
        var updates = Gen.Zip(Gen.Choose(0, 12).Select(i => (ulong)i), Gen.Choose(-3, 3).Where(d => d != 0).Select(d => (long)d))
            .ArrayOf()
            .ToArbitrary();
        return Prop.ForAll(updates, input =>
        {
            var counts = default(TotalCounts<ulong>);
            var general = new MutableAntichain<Product<ulong, ulong>>();
            var room = default(MutableAntichain<ulong>.TwoChanges);
            foreach (var (time, diff) in input)
            {
                int n = counts.Update(time, diff, ref room);
                var fromCounts = ((ReadOnlySpan<(ulong Item, long Diff)>)room)[..n].ToArray().Order().ToArray();
                var expected = general.Update(new Product<ulong, ulong>(time, 0), diff).ToArray()
                    .Select(c => (c.Item.Outer, c.Diff)).Order().ToArray();
                if (!fromCounts.SequenceEqual(expected))
                {
                    return false.Label($"after ({time}, {diff}): changes {string.Join(",", fromCounts)} vs {string.Join(",", expected)}");
                }

                var frontier = general.Frontier.ToArray().Select(p => p.Outer).ToArray();
                if (!TotalCounts<ulong>.Frontier(ref counts).ToArray().SequenceEqual(frontier)
                    || counts.TryFrontier(out var least) != (frontier.Length == 1)
                    || (frontier.Length == 1 && least != frontier[0]))
                {
                    return false.Label($"after ({time}, {diff}): frontier differs from {string.Join(",", frontier)}");
                }

                int held = 0;
                for (ulong t = 0; t <= 12; t++)
                {
                    long count = general.CountFor(new Product<ulong, ulong>(t, 0));
                    if (counts.CountFor(t) != count)
                    {
                        return false.Label($"after ({time}, {diff}): count of {t} {counts.CountFor(t)} vs {count}");
                    }

                    held += count != 0 ? 1 : 0;
                }

                if (counts.Count != held)
                {
                    return false.Label($"after ({time}, {diff}): {counts.Count} entries for {held} times");
                }

                for (int i = 1; i < counts.Count; i++)
                {
                    if (counts[i - 1].Item >= counts[i].Item || counts[i].Diff == 0)
                    {
                        return false.Label($"after ({time}, {diff}): entries out of order");
                    }
                }
            }

            return true.Label("same changes, frontiers and counts throughout");
        });
    }

    [Property(MaxTest = 300)]
    public Property Tracker_of_a_total_order_equals_the_general_one()
    {
        // Random graphs of one-in/one-out nodes (summaries 0..2, any edges, loops included) and
        // batches of pointstamp changes that retract only what was added. A Tracker<ulong> keeps its
        // implications in its port entries; a Tracker<Product<ulong, ulong>> whose inner coordinates
        // are all 0 orders the same times the same way through antichain objects. After each batch's
        // propagation: the same implications and pointstamps at every port, through the antichains
        // the trackers hand out, the same pushed changes, the same changed nodes.
        var arb = Gen.Zip(
                Gen.Choose(0, 2).ArrayOf().Select(a => a.Length == 0 ? [1] : a.Take(5).ToArray()),
                Gen.Zip(
                    Gen.Zip(Gen.Choose(0, 4), Gen.Choose(0, 4)).ArrayOf(),
                    Gen.Zip(Gen.Zip(Gen.Choose(0, 4), Gen.Elements(true, false)), Gen.Zip(Gen.Choose(0, 6), Gen.Elements(1, 1, -1))).ArrayOf().ArrayOf()))
            .ToArbitrary();
        return Prop.ForAll(arb, input =>
        {
            var (nodeSummaries, (rawEdges, batches)) = input;
            int nodes = nodeSummaries.Length;
            var edges = rawEdges.Select(e => (From: e.Item1 % nodes, To: e.Item2 % nodes)).Distinct().ToArray();
            var total = Build(nodeSummaries, edges, s => (ulong)s);
            var general = Build(nodeSummaries, edges, s => new Product<ulong, ulong>((ulong)s, 0));
            if (total is null || general is null)
            {
                return (total is null == general is null).Label("both builders refuse a zero-summary cycle");
            }

            var held = new Dictionary<(int, bool, int), int>();
            for (int b = 0; b < batches.Length; b++)
            {
                foreach (var ((rawNode, source), (time, sign)) in batches[b])
                {
                    var key = (rawNode % nodes, source, time);
                    int diff = sign < 0 && held.GetValueOrDefault(key) > 0 ? -1 : 1;
                    held[key] = held.GetValueOrDefault(key) + diff;
                    var location = source ? Location.Source(key.Item1, 0) : Location.Target(key.Item1, 0);
                    total.Update(location, (ulong)time, diff);
                    general.Update(location, new Product<ulong, ulong>((ulong)time, 0), diff);
                }

                total.PropagateAll();
                general.PropagateAll();
                for (int n = 0; n < nodes; n++)
                {
                    string? port =
                        Compare(total.TargetImplications(n, 0), general.TargetImplications(n, 0))
                        ?? Compare(total.SourceImplications(n, 0), general.SourceImplications(n, 0))
                        ?? Compare(total.TargetPointstamps(n, 0), general.TargetPointstamps(n, 0))
                        ?? Compare(total.SourcePointstamps(n, 0), general.SourcePointstamps(n, 0));
                    if (port is not null)
                    {
                        return false.Label($"batch {b}, node {n}: {port}");
                    }

                    for (ulong t = 0; t <= 12; t++)
                    {
                        var p = new Product<ulong, ulong>(t, 0);
                        if (total.IsGlobal(Location.Target(n, 0), t) != general.IsGlobal(Location.Target(n, 0), p)
                            || total.IsGlobal(Location.Source(n, 0), t) != general.IsGlobal(Location.Source(n, 0), p))
                        {
                            return false.Label($"batch {b}, node {n}: IsGlobal at {t}");
                        }
                    }
                }

                var pushedTotal = total.PushedChanges.Compacted().ToArray();
                var pushedGeneral = general.PushedChanges.Compacted().ToArray()
                    .Select(c => ((c.Item.Location, c.Item.Time.Outer), c.Diff)).ToArray();
                total.PushedChanges.Clear();
                general.PushedChanges.Clear();
                if (!pushedTotal.SequenceEqual(pushedGeneral))
                {
                    return false.Label($"batch {b}: pushed {string.Join(" ", pushedTotal)} vs {string.Join(" ", pushedGeneral)}");
                }

                if (!total.ChangedTargetNodes.Order().SequenceEqual(general.ChangedTargetNodes.Order()))
                {
                    return false.Label($"batch {b}: changed nodes differ");
                }

                total.ClearChangedTargetNodes();
                general.ClearChangedTargetNodes();
            }

            return true.Label("same frontiers throughout");
        });
    }

    private static Tracker<T>? Build<T>(int[] summaries, (int From, int To)[] edges, Func<int, T> summary)
    {
        var builder = new ReachabilityBuilder<T>();
        for (int n = 0; n < summaries.Length; n++)
        {
            builder.AddNode(n, 1, 1, [[new Antichain<T>(summary(summaries[n]))]]);
        }

        foreach (var (from, to) in edges)
        {
            builder.AddEdge(Location.Source(from, 0), Location.Target(to, 0));
        }

        try
        {
            return builder.Build();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private static string? Compare(MutableAntichain<ulong> total, MutableAntichain<Product<ulong, ulong>> general)
    {
        var a = total.Frontier.ToArray();
        var b = general.Frontier.ToArray().Select(p => p.Outer).ToArray();
        if (!a.SequenceEqual(b) || total.IsEmpty != general.IsEmpty)
        {
            return $"frontier {string.Join(",", a)} vs {string.Join(",", b)}";
        }

        for (ulong t = 0; t <= 14; t++)
        {
            var p = new Product<ulong, ulong>(t, 0);
            if (total.CountFor(t) != general.CountFor(p) || total.LessThan(t) != general.LessThan(p) || total.LessEqual(t) != general.LessEqual(p))
            {
                return $"count or order at {t}: {total.CountFor(t)} vs {general.CountFor(p)}";
            }
        }

        return null;
    }
}
