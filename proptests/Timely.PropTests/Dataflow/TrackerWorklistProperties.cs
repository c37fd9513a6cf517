using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Dataflow.Progress;

namespace Timely.PropTests.Dataflow;

/// <summary>The tracker's worklist (its own binary heap) against a sorted list.</summary>
public sealed class TrackerWorklistProperties
{
    // Each step pushes a change (time, node, port, source?, diff) or, when Pop, removes the least.
    private static Arbitrary<(bool Pop, int Time, int Node, int Port, bool Source, int Diff)[]> Steps() =>
        Gen.Zip(
                Gen.Zip(Gen.Frequency((2, Gen.Constant(false)), (1, Gen.Constant(true))), Gen.Choose(0, 6)),
                Gen.Zip(Gen.Zip(Gen.Choose(0, 3), Gen.Choose(0, 1)), Gen.Zip(Gen.Elements(true, false), Gen.Choose(-3, 3))))
            .Select(t => (t.Item1.Item1, t.Item1.Item2, t.Item2.Item1.Item1, t.Item2.Item1.Item2, t.Item2.Item2.Item1, t.Item2.Item2.Item2))
            .ArrayOf()
            .ToArbitrary();

    [Property(MaxTest = 300)]
    public Property Pops_come_out_in_time_then_location_order_and_every_diff_comes_out_once()
    {
        return Prop.ForAll(Steps(), steps =>
        {
            var worklist = new Tracker<ulong>.Worklist();
            var model = new List<(ulong Time, Location Location, long Diff)>();
            var pushed = new Dictionary<(ulong, Location), long>();
            var popped = new Dictionary<(ulong, Location), long>();
            void Popped(Tracker<ulong>.Work work) =>
                popped[(work.Time, work.Location)] = popped.GetValueOrDefault((work.Time, work.Location)) + work.Diff;

            foreach (var (pop, time, node, port, source, diff) in steps)
            {
                if (pop)
                {
                    if (worklist.IsEmpty != (model.Count == 0))
                    {
                        return false.Label($"empty {worklist.IsEmpty}, the model holds {model.Count}");
                    }

                    if (model.Count == 0)
                    {
                        continue;
                    }

                    var least = model.Min(w => (w.Time, w.Location));
                    var peeked = worklist.Peek;
                    var work = worklist.Pop();
                    if ((work.Time, work.Location) != least || peeked != work)
                    {
                        return false.Label($"popped ({work.Time}, {work.Location}), peeked ({peeked.Time}, {peeked.Location}), least ({least.Time}, {least.Location})");
                    }

                    model.Remove(model.First(w => w == (work.Time, work.Location, work.Diff)));
                    Popped(work);
                }
                else
                {
                    var location = new Location(node, port, source);
                    worklist.Push(new Tracker<ulong>.Work((ulong)time, location, diff));
                    model.Add(((ulong)time, location, diff));
                    pushed[((ulong)time, location)] = pushed.GetValueOrDefault(((ulong)time, location)) + diff;
                }
            }

            var previous = (Time: 0UL, Location: new Location(0, 0, false));
            bool first = true;
            while (!worklist.IsEmpty)
            {
                var work = worklist.Pop();
                if (!first && (work.Time, work.Location).CompareTo(previous) < 0)
                {
                    return false.Label($"({work.Time}, {work.Location}) after ({previous.Time}, {previous.Location})");
                }

                first = false;
                previous = (work.Time, work.Location);
                Popped(work);
            }

            return pushed.OrderBy(p => p.Key).SequenceEqual(popped.OrderBy(p => p.Key)).Label("every pushed diff popped once");
        });
    }
}
