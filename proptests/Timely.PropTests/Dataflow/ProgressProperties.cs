using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Dataflow.Progress;

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
}
