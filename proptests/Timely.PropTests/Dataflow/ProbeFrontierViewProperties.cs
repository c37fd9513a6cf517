using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Dataflow;
using Timely.Dataflow.Operators;

namespace Timely.PropTests.Dataflow;

/// <summary>
/// A probe's frontier, read in place (<see cref="ProbeHandle{T}.FrontierView"/>) or copied out
/// (<see cref="ProbeHandle{T}.Frontier"/>), is the model's: the least time of the inputs still open,
/// or nothing once all are closed, whatever streams it observes and however their inputs advance:
/// one stream (the tracker's own view) or several (the antichain the probe reuses).
/// </summary>
public sealed class ProbeFrontierViewProperties
{
    // Up to three inputs, each advanced by a random step per round over a few rounds; some close early.
    private static Arbitrary<(int Inputs, (int Input, int Step)[] Moves)> Plans() =>
        Gen.Choose(1, 3)
            .SelectMany(n => Gen.Zip(Gen.Choose(0, n - 1), Gen.Choose(0, 4)).ArrayOf().Select(moves => (n, moves)))
            .ToArbitrary();

    [Property(MaxTest = 100)]
    public Property The_view_is_the_copied_frontier_after_every_move() =>
        Prop.ForAll(Plans(), plan =>
        {
            bool same = true;
            Execute.Directly(worker =>
            {
                var inputs = new InputHandle<ulong, int>[plan.Inputs];
                var times = new ulong[plan.Inputs];
                var probe = new ProbeHandle<ulong>();
                worker.Dataflow<ulong>(scope =>
                {
                    for (int i = 0; i < inputs.Length; i++)
                    {
                        inputs[i] = new InputHandle<ulong, int>();
                        scope.InputFrom(inputs[i]).ProbeWith(probe);
                    }
                });
                foreach (var (input, step) in plan.Moves)
                {
                    if (step == 4)
                    {
                        if (!inputs[input].IsClosed)
                        {
                            inputs[input].Close();
                        }
                    }
                    else if (!inputs[input].IsClosed)
                    {
                        times[input] += (ulong)step;
                        inputs[input].AdvanceTo(times[input]);
                    }

                    int[] open = Enumerable.Range(0, inputs.Length).Where(i => !inputs[i].IsClosed).ToArray();
                    ulong[] model = open.Length == 0 ? [] : [open.Min(i => times[i])];
                    for (int k = 0; k < 20 && !probe.FrontierView().SequenceEqual(model); k++)
                    {
                        worker.Step();
                    }

                    same &= probe.FrontierView().SequenceEqual(model) && probe.Frontier().AsSpan().SequenceEqual(model);
                }

                foreach (var input in inputs.Where(i => !i.IsClosed))
                {
                    input.Close();
                }

                worker.StepWhile(() => !probe.Done);
                same &= probe.FrontierView().IsEmpty && probe.Frontier().Length == 0;
            });
            return same;
        });
}
