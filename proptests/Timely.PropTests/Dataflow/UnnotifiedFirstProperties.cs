using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Communication;
using Timely.Communication.Fabrics;
using Timely.Communication.Startup;
using Timely.Dataflow;
using Timely.Dataflow.Channels;
using Timely.Dataflow.Operators;
using Timely.Dataflow.Operators.Generic;

namespace Timely.PropTests.Dataflow;

/// <summary>
/// A scope's step runs the scheduled operators that ask for no frontier before it takes in and
/// propagates progress, then the rest. Random loops whose operators, before and after the
/// exchange, each ask for frontiers or not (and read their input frontier at every run), on two
/// workers stepped in a random order on one thread, must show: every record at every time the
/// model gives, exactly once; no record at a time its operator's input frontier had already
/// passed; a probe after the loop that never passes a time at which a record still arrives; each
/// operator run at most once per step of its worker; and the dataflow completing.
/// </summary>
public sealed class UnnotifiedFirstProperties
{
    /// <summary>One random loop: records started on worker 0, rounds, the feedback's step, whether each operator before and after the exchange asks for frontiers, and the turn order.</summary>
    public sealed record Shape(int Records, int Rounds, int Summary, bool[] Before, bool[] After, bool[] Order);

    private static Arbitrary<Shape> Shapes() =>
        (from records in Gen.Choose(1, 4)
         from rounds in Gen.Choose(0, 12)
         from summary in Gen.Choose(1, 3)
         from before in Gen.Choose(0, 3).SelectMany(n => Gen.ArrayOf(Gen.Elements(true, false), n))
         from after in Gen.Choose(0, 3).SelectMany(n => Gen.ArrayOf(Gen.Elements(true, false), n))
         from order in Gen.ArrayOf(Gen.Elements(true, false), 64)
         select new Shape(records, rounds, summary, before, after, order)).ToArbitrary();

    [Property(MaxTest = 80)]
    public Property Operators_that_ask_for_no_frontier_run_first_lose_no_record_run_once_a_step_and_never_see_a_passed_frontier()
    {
        return LoopRun.Holds(Shapes(), Run);
    }

    private static string? Run(Shape shape)
    {
        var workers = LoopRun.TwoWorkers();
        var seen = new List<(ulong Time, ulong Value)>();
        var exits = new List<(ulong Time, ulong Value)>[2];
        var probes = new ProbeHandle<ulong>[2];
        var runs = new List<(string Operator, long Step)>[2];
        var run = new LoopRun();
        foreach (var worker in workers)
        {
            int index = worker.Index;
            var exited = exits[index] = new();
            var ranAt = runs[index] = new();
            worker.Dataflow<ulong>(scope =>
            {
                var (handle, cycle) = scope.Feedback<ulong, ulong>((ulong)shape.Summary);
                var stream = Enumerable.Range(0, index == 0 ? shape.Records : 0).Select(r => (ulong)r).ToStream(scope).Concat(cycle);
                for (int i = 0; i < shape.Before.Length; i++)
                {
                    stream = Pass(stream, $"before {i}", shape.Before[i], worker, ranAt, f => run.Failure ??= f);
                }

                stream = stream.Exchange(x => x + 1).InspectTime((t, x) => seen.Add((t, x)));
                for (int i = 0; i < shape.After.Length; i++)
                {
                    stream = Pass(stream, $"after {i}", shape.After[i], worker, ranAt, f => run.Failure ??= f);
                }

                probes[index] = run.CloseLoop(stream, handle, shape.Rounds, index, exited);
            });
        }

        var expected = LoopRun.Expected(shape.Records, shape.Rounds, shape.Summary);
        int turn = 0;
        bool live = true;
        while (live && run.Failure is null && turn < 2000)
        {
            live = run.Turn(workers, probes, shape.Order, turn);
            turn++;
        }

        return run.Finish(workers, live, turn, seen, expected) ?? LoopRun.RanTwice(runs, "an operator");
    }

    // A pipeline operator that forwards its records, asks for frontiers or not, records the step of
    // each run, and checks that no record it receives is at a time its input frontier has passed.
    private static Stream<ulong, ulong> Pass(Stream<ulong, ulong> stream, string name, bool notify, Worker worker, List<(string, long)> ranAt, Action<string> fail)
    {
        var builder = new OperatorBuilder<ulong>(stream.Scope, name) { NotifyOnFrontier = notify };
        var input = builder.NewInput(stream, Pact<ulong>.Pipeline);
        var (output, result) = builder.NewOutput<ulong>();
        builder.Build(capabilities =>
        {
            capabilities[0].Dispose();
            return () =>
            {
                ranAt.Add((name, worker.DataflowSteps));
                input.ForEach((capability, data) =>
                {
                    if (!input.Frontier.LessEqual(capability.Time))
                    {
                        fail($"{name} on worker {worker.Index}: a record at {capability.Time} behind its input frontier [{string.Join(",", input.Frontier.Frontier.ToArray())}]");
                    }

                    output.Session(capability).GiveList(data);
                });
            };
        });
        return result;
    }
}
