using Timely.Communication;
using Timely.Dataflow.Channels;
using Timely.Dataflow.Operators;
using Timely.Dataflow.Operators.Generic;

namespace Timely.Dataflow.Tests;

/// <summary>
/// A scope's step runs the scheduled operators that ask for no frontier before it takes in
/// progress and propagates it, so a record's way through a worker does not wait for the
/// propagation; operators that ask for frontiers run after it and see the new frontier.
/// </summary>
public sealed class UnnotifiedFirstTests
{
    /// <summary>
    /// One worker: the record sent at time 1 reaches two sinks in the same step as the progress
    /// that moves their input frontier from 0 to 1 (the handle's advance, harvested at the step
    /// before). The sink that asks for no frontier runs before that progress is applied and sees
    /// 0; the one that asks for frontiers runs after the propagation and sees 1.
    /// </summary>
    [Fact]
    public void An_operator_that_asks_for_no_frontier_runs_before_the_step_propagates()
    {
        var worker = new Worker(new ThreadAllocator());
        var unnotified = new List<(ulong Time, ulong[] Frontier)>();
        var notified = new List<(ulong Time, ulong[] Frontier)>();
        var input = worker.Dataflow<ulong, InputHandle<ulong, int>>(scope =>
        {
            var (handle, stream) = scope.NewInput<ulong, int>();
            Sink(stream, notify: false, unnotified);
            Sink(stream, notify: true, notified);
            return handle;
        });

        input.Send(7);
        input.AdvanceTo(1);
        worker.Step();
        input.Send(8);
        worker.Step();

        Assert.Equal([(0UL, "0"), (1UL, "0")], unnotified.Select(r => (r.Time, string.Join(",", r.Frontier))));
        Assert.Equal([(0UL, "0"), (1UL, "1")], notified.Select(r => (r.Time, string.Join(",", r.Frontier))));
        input.Dispose();
        worker.StepWhile(() => worker.HasDataflows);
    }

    /// <summary>
    /// An operator that runs before the propagation and is activated again behind it in the same
    /// step (its input gets a record from an operator that runs after the propagation) runs once
    /// in the step and takes that record at the next one: each operator at most once per step.
    /// </summary>
    [Fact]
    public void An_operator_run_before_the_propagation_runs_once_in_the_step()
    {
        var worker = new Worker(new ThreadAllocator());
        var runsPerStep = new List<int>();
        int runs = 0;
        var received = new List<int>();
        var input = worker.Dataflow<ulong, InputHandle<ulong, int>>(scope =>
        {
            var (handle, stream) = scope.NewInput<ulong, int>();

            // An operator that asks for frontiers forwards each record; the unnotified one behind
            // it also reads the input directly, so it is scheduled before the propagation.
            var forwarded = stream.Unary<ulong, int, int>(Pact<int>.Pipeline, "Forward", (i, o) => i.ForEach((cap, data) => o.Session(cap).GiveList(data)));
            var builder = new OperatorBuilder<ulong>(scope, "Both") { NotifyOnFrontier = false };
            var direct = builder.NewInput(stream, Pact<int>.Pipeline);
            var late = builder.NewInput(forwarded, Pact<int>.Pipeline);
            builder.Build(_ => () =>
            {
                runs++;
                direct.ForEach((_, data) => received.AddRange(data));
                late.ForEach((_, data) => received.AddRange(data.Select(x => -x)));
            });
            return handle;
        });

        for (int i = 1; i <= 5; i++)
        {
            input.Send(i);
            int before = runs;
            worker.Step();
            runsPerStep.Add(runs - before);
        }

        Assert.All(runsPerStep, r => Assert.Equal(1, r));
        input.Dispose();
        worker.StepWhile(() => worker.HasDataflows);
        Assert.Equal(Enumerable.Range(1, 5).Concat(Enumerable.Range(1, 5).Select(x => -x)).Order(), received.Order());
    }

    private static void Sink(Stream<ulong, int> stream, bool notify, List<(ulong Time, ulong[] Frontier)> seen)
    {
        var builder = new OperatorBuilder<ulong>(stream.Scope, notify ? "Notified" : "Unnotified") { NotifyOnFrontier = notify };
        var input = builder.NewInput(stream, Pact<int>.Pipeline);
        builder.Build(_ => () => input.ForEach((capability, _) => seen.Add((capability.Time, input.Frontier.Frontier.ToArray()))));
    }
}
