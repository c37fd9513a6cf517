using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Dataflow.Progress;
using Timely.Dataflow.Timestamps;

namespace Timely.PropTests.Dataflow;

/// <summary>Progress primitives against plain dictionary models.</summary>
public sealed class ProgressProperties
{
    private static Arbitrary<(ulong Time, long Diff)[]> Updates() =>
        Gen.Zip(Gen.Choose(0, 12).Select(i => (ulong)i), Gen.Choose(-3, 3).Select(i => (long)i))
            .ArrayOf()
            .ToArbitrary();

    private static SortedDictionary<ulong, long> Model(IEnumerable<(ulong Time, long Diff)> updates)
    {
        var model = new SortedDictionary<ulong, long>();
        foreach (var (t, d) in updates)
        {
            model[t] = model.GetValueOrDefault(t) + d;
            if (model[t] == 0)
            {
                model.Remove(t);
            }
        }

        return model;
    }

    // An antichain's inserts against the list it kept its elements in before they moved into an
    // array of its own: the same answers, the same elements in the same order, for a partial order
    // (pairs, where an insert can displace several elements) with clears in between (op 0).
    [Property(MaxTest = 300)]
    public Property Antichain_inserts_match_the_list_model()
    {
        var ops = Gen.Zip(Gen.Choose(0, 12), Gen.Choose(0, 6)).ArrayOf().ToArbitrary();
        return Prop.ForAll(ops, steps =>
        {
            var traits = TimestampTraits<Product<ulong, ulong>>.Default;
            var antichain = new Antichain<Product<ulong, ulong>>();
            var model = new List<Product<ulong, ulong>>();
            foreach (var (a, b) in steps)
            {
                if (a == 0)
                {
                    antichain.Clear();
                    model.Clear();
                    continue;
                }

                var time = new Product<ulong, ulong>((ulong)a % 5, (ulong)b);
                bool expected = !model.Any(e => traits.LessEqual(e, time));
                if (expected)
                {
                    model.RemoveAll(e => traits.LessEqual(time, e));
                    model.Add(time);
                }

                if (antichain.Insert(time) != expected || !antichain.Elements.ToArray().SequenceEqual(model) || antichain.Count != model.Count)
                {
                    return false;
                }
            }

            return true;
        });
    }

    [Property(MaxTest = 300)]
    public Property Change_batch_equals_summed_dictionary()
    {
        return Prop.ForAll(Updates(), updates =>
        {
            var batch = new ChangeBatch<ulong>();
            foreach (var (t, d) in updates)
            {
                batch.Update(t, d);
            }

            var expected = Model(updates).Select(kv => (kv.Key, kv.Value)).ToArray();
            return batch.Compacted().ToArray().SequenceEqual(expected);
        });
    }

    [Property(MaxTest = 300)]
    public Property Mutable_antichain_frontier_and_changes_follow_the_model()
    {
        // Apply updates in random chunks; after each chunk the frontier is the least time with
        // a positive count (ulong is totally ordered), and the reported changes turn the old
        // frontier into the new one.
        var arb = Gen.Zip(Updates().Generator, Gen.Choose(1, 5)).ToArbitrary();
        return Prop.ForAll(arb, input =>
        {
            var (updates, chunk) = input;
            var m = new MutableAntichain<ulong>();
            var applied = new List<(ulong, long)>();
            var frontier = new SortedSet<ulong>();
            for (int i = 0; i < updates.Length; i += chunk)
            {
                var part = updates.Skip(i).Take(chunk).ToArray();
                applied.AddRange(part);
                foreach (var (t, d) in m.UpdateIter(part))
                {
                    if (d > 0)
                    {
                        frontier.Add(t);
                    }
                    else
                    {
                        frontier.Remove(t);
                    }
                }

                var positive = Model(applied).Where(kv => kv.Value > 0).Select(kv => kv.Key).ToArray();
                var expected = positive.Length == 0 ? Array.Empty<ulong>() : new[] { positive.Min() };
                if (!m.Frontier.ToArray().SequenceEqual(expected) || !frontier.SequenceEqual(expected))
                {
                    return false;
                }
            }

            return true;
        });
    }

    [Property(MaxTest = 500)]
    public Property Total_order_antichain_equals_the_general_one()
    {
        // ulong and uint take the total order's path (counts kept sorted in place, the frontier
        // moved without a rebuild); Product<ulong, ulong> with a fixed inner coordinate is ordered
        // the same way but takes the general path (compact, rebuild). Over the same updates, in
        // random chunks through UpdateIter or one at a time through Update, all three report the
        // same frontier changes at each call, and hold the same frontier and the same counts.
        var arb = Gen.Zip(Updates().Generator, Gen.Choose(1, 4)).ToArbitrary();
        return Prop.ForAll(arb, input =>
        {
            var (updates, chunk) = input;
            var total = new MutableAntichain<ulong>();
            var narrow = new MutableAntichain<uint>();
            var general = new MutableAntichain<Product<ulong, ulong>>();
            for (int i = 0; i < updates.Length; i += chunk)
            {
                var part = updates.Skip(i).Take(chunk).ToArray();
                var asProduct = part.Select(u => (new Product<ulong, ulong>(u.Time, 0), u.Diff)).ToArray();
                var asUInt = part.Select(u => ((uint)u.Time, u.Diff)).ToArray();
                var one = chunk == 1;
                var expected = (one ? general.Update(asProduct[0].Item1, asProduct[0].Diff) : general.UpdateIter(asProduct))
                    .ToArray().Select(c => (c.Item.Outer, c.Diff)).OrderBy(c => c).ToArray();
                var fromTotal = (one ? total.Update(part[0].Time, part[0].Diff) : total.UpdateIter(part))
                    .ToArray().OrderBy(c => c).ToArray();
                var fromNarrow = (one ? narrow.Update(asUInt[0].Item1, asUInt[0].Diff) : narrow.UpdateIter(asUInt))
                    .ToArray().Select(c => ((ulong)c.Item, c.Diff)).OrderBy(c => c).ToArray();
                if (!fromTotal.SequenceEqual(expected) || !fromNarrow.SequenceEqual(expected))
                {
                    return false;
                }

                var frontier = general.Frontier.ToArray().Select(p => p.Outer).ToArray();
                if (!total.Frontier.ToArray().SequenceEqual(frontier)
                    || !narrow.Frontier.ToArray().Select(t => (ulong)t).SequenceEqual(frontier)
                    || total.IsEmpty != general.IsEmpty)
                {
                    return false;
                }

                for (ulong t = 0; t <= 12; t++)
                {
                    long count = general.CountFor(new Product<ulong, ulong>(t, 0));
                    if (total.CountFor(t) != count || narrow.CountFor((uint)t) != count
                        || total.LessEqual(t) != general.LessEqual(new Product<ulong, ulong>(t, 0))
                        || total.LessThan(t) != general.LessThan(new Product<ulong, ulong>(t, 0)))
                    {
                        return false;
                    }
                }
            }

            return true;
        });
    }

    [Property(MaxTest = 300)]
    public Property Mutable_antichain_over_a_partial_order_follows_the_model()
    {
        // Product times on a 4 x 4 grid: frontiers of up to four incomparable elements, so an
        // update can change more than the two frontier elements the antichain keeps inline and the
        // frontier outgrows its one inline element, both ways, in any order. After each chunk the
        // frontier is the set of minimal times with a positive count, each reported change turns
        // the old frontier into the new one (no time twice), and every count is the model's.
        var update = Gen.Zip(Gen.Zip(Gen.Choose(0, 3), Gen.Choose(0, 3)), Gen.Choose(-2, 2))
            .Select(u => (Time: new Product<ulong, ulong>((ulong)u.Item1.Item1, (ulong)u.Item1.Item2), Diff: (long)u.Item2));
        var arb = Gen.Zip(update.ArrayOf(), Gen.Choose(1, 6)).ToArbitrary();
        return Prop.ForAll(arb, input =>
        {
            var (updates, chunk) = input;
            var m = new MutableAntichain<Product<ulong, ulong>>();
            var counts = new Dictionary<Product<ulong, ulong>, long>();
            var frontier = new HashSet<Product<ulong, ulong>>();
            for (int i = 0; i < updates.Length; i += chunk)
            {
                var part = updates.Skip(i).Take(chunk).ToArray();
                foreach (var (t, d) in part)
                {
                    counts[t] = counts.GetValueOrDefault(t) + d;
                }

                var changed = new HashSet<Product<ulong, ulong>>();
                var changes = chunk == 1 && part.Length == 1 ? m.Update(part[0].Time, part[0].Diff) : m.UpdateIter(part);
                foreach (var (t, d) in changes)
                {
                    if (!changed.Add(t) || (d > 0 ? !frontier.Add(t) : !frontier.Remove(t)))
                    {
                        return false;
                    }
                }

                var positive = counts.Where(kv => kv.Value > 0).Select(kv => kv.Key).ToArray();
                var expected = positive.Where(t => !positive.Any(o => !o.Equals(t) && o.Outer <= t.Outer && o.Inner <= t.Inner)).ToHashSet();
                if (!expected.SetEquals(m.Frontier.ToArray()) || m.Frontier.Length != expected.Count || !expected.SetEquals(frontier))
                {
                    return false;
                }

                if (counts.Any(kv => m.CountFor(kv.Key) != kv.Value))
                {
                    return false;
                }
            }

            return true;
        });
    }
}
