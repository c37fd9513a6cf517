using Timely.Communication;
using Timely.Dataflow;
using Timely.Dataflow.Logging;
using Timely.Dataflow.Operators;
using Timely.Examples;

namespace Timely.Bench.Tests;

/// <summary>How the examples wait for a time to pass: a worker with nothing to do parks and wakes when its peer moves.</summary>
public class ExampleStepsTests
{
    [Fact]
    public void A_worker_waiting_for_its_peer_parks_and_wakes_when_the_peer_advances()
    {
        // Worker 0 holds its input at time 0 until worker 1 has announced that it parks; only
        // then does it send and advance. Worker 1 can pass time 0 only on worker 0's progress,
        // so it returns from its wait only if that progress woke it.
        using var parked = new ManualResetEventSlim();
        var passed = Execute.Run(Config.Process(2), worker =>
        {
            if (worker.Index == 1)
            {
                worker.Log.Register<TimelyEvent>("timely", (_, batch) =>
                {
                    foreach (var (_, e) in batch)
                    {
                        if (e.Kind == TimelyEventKind.Park)
                        {
                            parked.Set();
                        }
                    }
                });
            }

            var input = new InputHandle<ulong, int>();
            var probe = new ProbeHandle<ulong>();
            long seen = 0;
            worker.Dataflow<ulong>(scope => scope.InputFrom(input).Exchange(x => (ulong)x).Inspect(_ => Interlocked.Increment(ref seen)).ProbeWith(probe));
            if (worker.Index == 0)
            {
                Assert.True(parked.Wait(TimeSpan.FromMinutes(2)), "worker 1 should park while it waits for worker 0");
            }

            input.Send(worker.Index);
            ExampleSteps.AdvanceAndWait(worker, input, probe, 1);
            bool done = !probe.LessThan(1);
            ExampleSteps.Finish(worker, input);
            return (done, seen);
        });

        Assert.True(parked.IsSet);
        Assert.All(passed, p => Assert.True(p.done, "the wait returns only once the probe has passed time 0"));
        Assert.Equal(2, passed.Sum(p => p.seen));
    }
}
