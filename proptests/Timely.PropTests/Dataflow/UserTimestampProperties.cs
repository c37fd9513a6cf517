using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Dataflow.Progress;
using Timely.Dataflow.Timestamps;

namespace Timely.PropTests.Dataflow;

/// <summary>
/// A timestamp type of a user's own (<see cref="UserProduct"/>) drives the reachability tracker
/// exactly as the built-in type it copies (<c>Product&lt;ulong, uint&gt;</c>) does: the same
/// graphs are refused, and after every batch of updates the same frontiers, the same pushed
/// changes and the same changed nodes come out, element for element.
/// </summary>
public sealed class UserTimestampProperties
{
    // Coordinates small enough that times collide, are comparable and incomparable often, with
    // the largest values of each coordinate among them so that summaries overflow too.
    private static readonly ulong[] Outers = [0, 1, 2, 3, ulong.MaxValue - 1, ulong.MaxValue];
    private static readonly uint[] Inners = [0, 1, 2, 3, uint.MaxValue - 1, uint.MaxValue];

    private static Gen<(ulong Outer, uint Inner)> Time() => Gen.Zip(Gen.Elements(Outers), Gen.Elements(Inners));

    private static Gen<(ulong Outer, uint Inner)> Summary() =>
        Gen.Zip(Gen.Choose(0, 2).Select(i => (ulong)i), Gen.Choose(0, 2).Select(i => (uint)i));

    // Nodes with one input and one output, each with up to two summaries (an antichain in the
    // product order when incomparable); edges from any output to any input; batches of updates at
    // any port with diffs of either sign (counts go negative between batches, as across workers).
    private static Arbitrary<Case> Cases() =>
        Summary().ArrayOf().Select(s => s.Take(2).ToArray()).ArrayOf().Select(n => n.Length == 0 ? [[]] : n.Take(5).ToArray())
            .SelectMany(nodes => Gen.Zip(
                    Gen.Zip(Gen.Choose(0, nodes.Length - 1), Gen.Choose(0, nodes.Length - 1)).ArrayOf(),
                    Gen.Zip(Gen.Zip(Gen.Choose(0, nodes.Length - 1), Gen.Elements(true, false)), Gen.Zip(Time(), Gen.Elements(-1L, 1L, 2L)))
                        .Select(u => new Update(u.Item1.Item1, u.Item1.Item2, u.Item2.Item1, u.Item2.Item2))
                        .ArrayOf().ArrayOf())
                .Select(t => new Case(nodes, t.Item1.Distinct().ToArray(), t.Item2)))
            .ToArbitrary();

    [Property(MaxTest = 300)]
    public Property A_tracker_over_the_user_type_matches_one_over_the_built_in_product()
    {
        return Prop.ForAll(Cases(), c =>
        {
            var user = Build(c, (o, i) => new UserProduct(o, i));
            var builtIn = Build(c, (o, i) => new Product<ulong, uint>(o, i));
            if (user is null || builtIn is null)
            {
                return (user is null && builtIn is null).Label("one type refused a graph the other accepted");
            }

            for (int b = 0; b < c.Batches.Length; b++)
            {
                foreach (var u in c.Batches[b])
                {
                    var at = new Location(u.Node, 0, u.Source);
                    user.Update(at, new UserProduct(u.Time.Outer, u.Time.Inner), u.Diff);
                    builtIn.Update(at, new Product<ulong, uint>(u.Time.Outer, u.Time.Inner), u.Diff);
                }

                user.PropagateAll();
                builtIn.PropagateAll();
                string? difference = Difference(user, builtIn, c.Nodes.Length);
                if (difference is not null)
                {
                    return false.Label($"after batch {b}: {difference}");
                }
            }

            return true.Label("same frontiers throughout");
        });
    }

    private static Tracker<T>? Build<T>(Case c, Func<ulong, uint, T> time)
    {
        var builder = new ReachabilityBuilder<T>();
        for (int n = 0; n < c.Nodes.Length; n++)
        {
            var summaries = new Antichain<T>();
            foreach (var (outer, inner) in c.Nodes[n])
            {
                summaries.Insert(time(outer, inner));
            }

            builder.AddNode(n, 1, 1, [[summaries]]);
        }

        foreach (var (from, to) in c.Edges)
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

    private static string? Difference(Tracker<UserProduct> user, Tracker<Product<ulong, uint>> builtIn, int nodes)
    {
        for (int n = 0; n < nodes; n++)
        {
            string? port =
                Compare($"in({n}) implications", user.TargetImplications(n, 0), builtIn.TargetImplications(n, 0))
                ?? Compare($"out({n}) implications", user.SourceImplications(n, 0), builtIn.SourceImplications(n, 0))
                ?? Compare($"in({n}) pointstamps", user.TargetPointstamps(n, 0), builtIn.TargetPointstamps(n, 0))
                ?? Compare($"out({n}) pointstamps", user.SourcePointstamps(n, 0), builtIn.SourcePointstamps(n, 0));
            if (port is not null)
            {
                return port;
            }
        }

        var userPushed = user.PushedChanges.Compacted().ToArray().Select(p => (p.Item.Location, Map(p.Item.Time), p.Diff)).ToArray();
        var builtInPushed = builtIn.PushedChanges.Compacted().ToArray().Select(p => (p.Item.Location, Map(p.Item.Time), p.Diff)).ToArray();
        user.PushedChanges.Clear();
        builtIn.PushedChanges.Clear();
        if (!userPushed.SequenceEqual(builtInPushed))
        {
            return $"pushed changes {string.Join(" ", userPushed)} vs {string.Join(" ", builtInPushed)}";
        }

        var userNodes = user.ChangedTargetNodes.Order().ToArray();
        var builtInNodes = builtIn.ChangedTargetNodes.Order().ToArray();
        user.ClearChangedTargetNodes();
        builtIn.ClearChangedTargetNodes();
        if (!userNodes.SequenceEqual(builtInNodes))
        {
            return $"changed nodes {string.Join(",", userNodes)} vs {string.Join(",", builtInNodes)}";
        }

        return user.TrackingAnything == builtIn.TrackingAnything ? null : "TrackingAnything";
    }

    private static string? Compare(string what, MutableAntichain<UserProduct> user, MutableAntichain<Product<ulong, uint>> builtIn)
    {
        var u = user.Frontier.ToArray().Select(Map).ToArray();
        var b = builtIn.Frontier.ToArray().Select(Map).ToArray();
        return u.SequenceEqual(b) ? null : $"{what}: [{string.Join(" ", u)}] vs [{string.Join(" ", b)}]";
    }

    private static (ulong, uint) Map(UserProduct t) => (t.Outer, t.Inner);

    private static (ulong, uint) Map(Product<ulong, uint> t) => (t.Outer, t.Inner);

    /// <summary>One update: a count change at a port (input or output 0 of a node) at a time.</summary>
    private readonly record struct Update(int Node, bool Source, (ulong Outer, uint Inner) Time, long Diff);

    /// <summary>A graph (summaries per node, edges) and the batches of updates applied to it.</summary>
    private sealed record Case((ulong Outer, uint Inner)[][] Nodes, (int From, int To)[] Edges, Update[][] Batches);
}
