using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Communication;
using Timely.Communication.Fabrics;
using Timely.Communication.Startup;
using Timely.Dataflow;
using Timely.Dataflow.Operators;

namespace Timely.PropTests.Dataflow;

/// <summary>
/// A scope's step runs the operators activated behind its first pass in a second one, each
/// operator at most once per step. Random loops (records, rounds, the feedback's step, operators
/// before and after the exchange, a source that activates itself) on two workers stepped in a
/// random order on one thread must show: every record at every time the model gives, exactly
/// once; a probe after the loop that never passes a time at which a record still arrives (the
/// progress a second pass harvests never overtakes the records it accounts for); each operator
/// run at most once per step of its worker; and the dataflow completing.
/// </summary>
public sealed class SecondPassProperties
{
    /// <summary>One random loop: records started on worker 0, rounds, the feedback's step, maps before and after the exchange, whether a source activates itself, and the turn order.</summary>
    public sealed record Shape(int Records, int Rounds, int Summary, int Before, int After, bool SelfActivating, bool[] Order);

    private static Arbitrary<Shape> Shapes() =>
        (from records in Gen.Choose(1, 4)
         from rounds in Gen.Choose(0, 12)
         from summary in Gen.Choose(1, 3)
         from before in Gen.Choose(0, 2)
         from after in Gen.Choose(0, 2)
         from self in Gen.Elements(true, false)
         from order in Gen.ArrayOf(Gen.Elements(true, false), 64)
         select new Shape(records, rounds, summary, before, after, self, order)).ToArbitrary();

    [Property(MaxTest = 80)]
    public Property A_second_pass_loses_no_record_runs_each_operator_once_a_step_and_never_lets_progress_overtake_a_record()
    {
        return LoopRun.Holds(Shapes(), Run);
    }

    private static string? Run(Shape shape)
    {
        var workers = LoopRun.TwoWorkers();
        var seen = new List<(ulong Time, ulong Value)>();
        var exits = new List<(ulong Time, ulong Value)>[2];
        var probes = new ProbeHandle<ulong>[2];
        var runs = new List<long>[2];
        var sourceCapabilities = new Capability<ulong>?[2];
        var run = new LoopRun();
        foreach (var worker in workers)
        {
            int index = worker.Index;
            var exited = exits[index] = new();
            var ranAt = runs[index] = new();
            worker.Dataflow<ulong>(scope =>
            {
                var (handle, cycle) = scope.Feedback<ulong, ulong>((ulong)shape.Summary);
                var start = Enumerable.Range(0, index == 0 ? shape.Records : 0).Select(r => (ulong)r).ToStream(scope);
                if (shape.SelfActivating)
                {
                    // Runs at every step while it holds its capability (dropped once the loop is done), recording each run.
                    var again = scope.Source<ulong, ulong>("Again", (capability, operatorIndex) =>
                    {
                        sourceCapabilities[index] = capability;
                        var self = scope.ActivatorFor(operatorIndex);
                        return _ =>
                        {
                            ranAt.Add(worker.DataflowSteps);
                            if (sourceCapabilities[index] is not null)
                            {
                                self.Activate();
                            }
                        };
                    });
                    start = start.Concat(again);
                }

                var stream = start.Concat(cycle);
                for (int i = 0; i < shape.Before; i++)
                {
                    stream = stream.Map(x => x);
                }

                stream = stream.Exchange(x => x + 1).InspectTime((t, x) => seen.Add((t, x)));
                for (int i = 0; i < shape.After; i++)
                {
                    stream = stream.Map(x => x);
                }

                probes[index] = run.CloseLoop(stream, handle, shape.Rounds, index, exited);
            });
        }

        var expected = LoopRun.Expected(shape.Records, shape.Rounds, shape.Summary);
        int turn = 0;
        bool live = true;
        int finished = 0;
        while (live && run.Failure is null && turn < 2000)
        {
            live = run.Turn(workers, probes, shape.Order, turn);
            turn++;
            if (finished == 0 && seen.Count == expected.Count && exits[0].Count + exits[1].Count == shape.Records)
            {
                finished = turn;
            }

            if (finished > 0 && turn == finished + 2)
            {
                sourceCapabilities[0]?.Dispose();
                sourceCapabilities[1]?.Dispose();
                sourceCapabilities[0] = sourceCapabilities[1] = null;
            }
        }

        return run.Finish(workers, live, turn, seen, expected) ?? LoopRun.RanTwice(runs, "the self-activating source");
    }
}
