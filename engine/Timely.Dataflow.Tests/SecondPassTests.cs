using Timely.Communication;
using Timely.Communication.Fabrics;
using Timely.Communication.Startup;
using Timely.Dataflow.Operators;

namespace Timely.Dataflow.Tests;

/// <summary>
/// A scope's step runs the operators activated behind its first pass (a loop's way back) in a
/// second pass, each operator at most once per step: a record that crosses a feedback edge
/// leaves through the exchange in the step that received it, and an operator that activates
/// itself still runs once per step.
/// </summary>
public sealed class SecondPassTests
{
    private const ulong Rounds = 60;

    /// <summary>
    /// timely's pingpong on two workers stepped in turn on one thread: the record reaches a
    /// worker at the exchange's receiving operator, behind which the feedback and the concat wait.
    /// With the second pass, the step that receives the record also sends it on, so each step of
    /// either worker moves it one round (two rounds a turn); with one pass a worker needs a second
    /// step to send it, and a turn moves it once.
    /// </summary>
    [Fact]
    public void A_round_through_the_exchange_leaves_in_the_step_that_received_it()
    {
        var group = new WorkerGroup(2);
        var fabric = new ProcessFabric(group);
        var workers = new[] { new Worker(new ProcessAllocator(fabric, 0, 0)), new Worker(new ProcessAllocator(fabric, 1, 0)) };
        var seen = new List<ulong>();
        foreach (var worker in workers)
        {
            int index = worker.Index;
            worker.Dataflow<ulong>(scope =>
            {
                var (handle, cycle) = scope.Feedback<ulong, ulong>(1);
                var (_, again) = Enumerable.Repeat(0UL, index == 0 ? 1 : 0).ToStream(scope)
                    .Concat(cycle)
                    .Exchange(x => x)
                    .InspectTime((t, _) => seen.Add(t))
                    .Map(x => x + 1)
                    .BranchWhen(t => t < Rounds);
                again.ConnectLoop(handle);
            });
        }

        var turnsAt = new Dictionary<int, long>();
        long turns = 0;
        bool live = true;
        while (live)
        {
            live = workers[0].Step() | workers[1].Step();
            turns++;
            turnsAt.TryAdd(seen.Count, turns);
            Assert.True(turns < 10 * (long)Rounds, "the loop did not finish");
        }

        Assert.Equal(Enumerable.Range(0, (int)Rounds + 1).Select(i => (ulong)i), seen);
        Assert.Equal(25, turnsAt[60] - turnsAt[10]);
        foreach (var worker in workers)
        {
            worker.Allocator.Dispose();
        }
    }

    /// <summary>A source that activates itself at every run runs once per step, not once per pass.</summary>
    [Fact]
    public void An_operator_that_activates_itself_runs_once_per_step()
    {
        var worker = new Worker(new ThreadAllocator());
        var runsPerStep = new List<int>();
        int runs = 0;
        Capability<ulong>? held = null;
        worker.Dataflow<ulong>(scope =>
        {
            var (handle, cycle) = scope.Feedback<ulong, int>(1);
            var source = scope.Source<ulong, int>("Again", (capability, index) =>
            {
                held = capability;
                var self = scope.ActivatorFor(index);
                return _ =>
                {
                    runs++;
                    self.Activate();
                };
            });

            // A loop behind the source keeps a second pass due in every step that carries a record.
            var (_, again) = Enumerable.Repeat(1, 1).ToStream(scope).Concat(source).Concat(cycle).Map(x => x).BranchWhen(t => t < 20);
            again.ConnectLoop(handle);
        });

        for (int i = 0; i < 40; i++)
        {
            int before = runs;
            worker.Step();
            runsPerStep.Add(runs - before);
        }

        Assert.All(runsPerStep, r => Assert.Equal(1, r));
        held!.Dispose();
    }
}
