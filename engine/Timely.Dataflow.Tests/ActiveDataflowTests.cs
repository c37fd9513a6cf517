using System.Collections.Concurrent;
using Timely.Communication;
using Timely.Dataflow.Logging;
using Timely.Dataflow.Operators;

namespace Timely.Dataflow.Tests;

/// <summary>
/// A step runs only the dataflows that have something to do (timely's <c>step_or_park</c> over its
/// activations): each way a dataflow gets work must mark it, alone, or its work is never done. Each
/// test leaves idle dataflows beside the one it wakes and checks they were not stepped.
/// </summary>
public sealed class ActiveDataflowTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);
    private const int Idle = 50;
    private const int MaxSteps = 1000;

    /// <summary>A single worker with <see cref="Idle"/> open, idle input dataflows built before the caller's ones.</summary>
    private static (Worker Worker, List<InputHandle<ulong, int>> Inputs) WorkerWithIdleDataflows()
    {
        var worker = new Worker(new ThreadAllocator());
        var inputs = new List<InputHandle<ulong, int>>();
        for (int i = 0; i < Idle; i++)
        {
            worker.Dataflow<ulong>(scope =>
            {
                var (input, stream) = scope.NewInput<ulong, int>();
                stream.Map(x => x + 1).Probe();
                inputs.Add(input);
            });
        }

        return (worker, inputs);
    }

    /// <summary>
    /// A single worker with <paramref name="dataflows"/> dataflows shaped as timely's <c>event_driven</c>:
    /// an input, a chain of <paramref name="maps"/> identity maps (inside a region when
    /// <paramref name="region"/>), and a probe.
    /// </summary>
    private static (Worker Worker, List<InputHandle<ulong, int>> Inputs, List<ProbeHandle<ulong>> Probes) EventDrivenDataflows(int dataflows, int maps, bool region)
    {
        var worker = new Worker(new ThreadAllocator());
        var inputs = new List<InputHandle<ulong, int>>();
        var probes = new List<ProbeHandle<ulong>>();
        for (int i = 0; i < dataflows; i++)
        {
            worker.Dataflow<ulong>(scope =>
            {
                var (input, stream) = scope.NewInput<ulong, int>();
                var chain = region ? scope.Region(inner => Maps(stream.Enter(inner), maps).Leave(scope)) : Maps(stream, maps);
                probes.Add(chain.Probe());
                inputs.Add(input);
            });
        }

        return (worker, inputs, probes);
    }

    private static Stream<T, int> Maps<T>(Stream<T, int> stream, int maps)
    {
        for (int m = 0; m < maps; m++)
        {
            stream = stream.Map(x => x);
        }

        return stream;
    }

    /// <summary>
    /// Steps until a step runs no dataflow (progress a step sends to this worker arrives at the
    /// next one), so that what comes next is the only work there is.
    /// </summary>
    private static void Quiesce(Worker worker)
    {
        for (int i = 0; i < MaxSteps; i++)
        {
            long before = worker.DataflowSteps;
            worker.Step();
            if (worker.DataflowSteps == before)
            {
                Assert.Equal(0, worker.ActiveDataflows.Count);
                return;
            }
        }

        Assert.Fail("the dataflows never went idle");
    }

    /// <summary>
    /// Steps until <paramref name="done"/> holds; asserts it does within <see cref="MaxSteps"/>
    /// steps (or, for a timer, <see cref="Guard"/>: a single worker's park returns at once, so the
    /// steps before the timer is due are not bounded), and that no step ran more than one dataflow.
    /// </summary>
    private static void StepUntil(Worker worker, Func<bool> done, bool timer = false)
    {
        long before = worker.DataflowSteps;
        long steps = 0;
        var guard = System.Diagnostics.Stopwatch.StartNew();
        while (!done())
        {
            Assert.True(timer ? guard.Elapsed < Guard : steps < MaxSteps, "the dataflow was never stepped: its work was not activated");
            worker.StepOrPark(timer ? Guard : TimeSpan.Zero);
            steps++;
        }

        Assert.True(worker.DataflowSteps - before <= steps, $"{worker.DataflowSteps - before} dataflow steps in {steps} worker steps: idle dataflows were stepped");
    }

    [Fact]
    public void A_record_sent_and_nothing_else_is_delivered_at_the_next_steps()
    {
        var (worker, _) = WorkerWithIdleDataflows();
        var seen = new List<int>();
        var input = worker.Dataflow<ulong, InputHandle<ulong, int>>(scope =>
        {
            var (handle, stream) = scope.NewInput<ulong, int>();
            stream.Inspect(seen.Add);
            return handle;
        });
        Quiesce(worker);

        input.Send(7);
        StepUntil(worker, () => seen.Count == 1);
        Assert.Equal([7], seen);

        input.SendBatch([8, 9]);
        StepUntil(worker, () => seen.Count == 3);
        Quiesce(worker);
        input.Send(10);
        input.Flush();
        StepUntil(worker, () => seen.Count == 4);
        Assert.Equal([7, 8, 9, 10], seen);
    }

    [Fact]
    public void Advancing_or_closing_an_input_moves_its_probe_and_completes_its_dataflow()
    {
        var (worker, _) = WorkerWithIdleDataflows();
        Scope<ulong>? target = null;
        var (input, probe) = worker.Dataflow<ulong, (InputHandle<ulong, int>, ProbeHandle<ulong>)>(scope =>
        {
            target = scope;
            var (handle, stream) = scope.NewInput<ulong, int>();
            return (handle, scope.Region(inner => stream.Enter(inner).Map(x => x).Leave(scope)).Probe());
        });
        Quiesce(worker);

        input.AdvanceTo(3);
        StepUntil(worker, () => !probe.LessThan(3));
        Quiesce(worker);

        input.Close();
        StepUntil(worker, () => target!.IsComplete);
        Assert.True(worker.HasDataflows, "the idle dataflows are still open");
    }

    [Fact]
    public void A_capability_kept_by_the_caller_and_moved_or_dropped_between_steps_is_reported()
    {
        var (worker, _) = WorkerWithIdleDataflows();
        Capability<ulong>? held = null;
        Scope<ulong>? target = null;
        var probe = worker.Dataflow<ulong, ProbeHandle<ulong>>(scope =>
        {
            target = scope;
            return scope.Source<ulong, int>("Held", (capability, _) =>
            {
                held = capability;
                return _ => { };
            }).Probe();
        });
        Quiesce(worker);

        held!.Downgrade(5);
        StepUntil(worker, () => !probe.LessThan(5));
        Quiesce(worker);

        var later = held.Delayed(9);
        held.Dispose();
        StepUntil(worker, () => !probe.LessThan(9));
        Quiesce(worker);

        later.Dispose();
        StepUntil(worker, () => target!.IsComplete);
    }

    [Fact]
    public void An_unordered_input_session_opened_between_steps_is_sent()
    {
        var (worker, _) = WorkerWithIdleDataflows();
        var seen = new List<(ulong, int)>();
        var (handle, capability) = worker.Dataflow<ulong, (UnorderedHandle<ulong, int>, Capability<ulong>)>(scope =>
        {
            var (h, cap, stream) = scope.NewUnorderedInput<ulong, int>();
            stream.InspectTime((t, x) => seen.Add((t, x)));
            return (h, cap);
        });
        Quiesce(worker);

        using (var session = handle.Session(capability))
        {
            session.Give(4);
        }

        StepUntil(worker, () => seen.Count == 1);
        Assert.Equal([(0UL, 4)], seen);
    }

    [Fact]
    public void Activators_on_this_thread_on_another_thread_and_after_a_delay_each_run_their_operator()
    {
        var (worker, _) = WorkerWithIdleDataflows();
        int runs = 0;
        OperatorActivator? activator = null;
        SyncActivator? sync = null;
        worker.Dataflow<ulong>(scope => scope.Source<ulong, int>("Counted", (capability, index) =>
        {
            activator = scope.ActivatorFor(index);
            sync = scope.SyncActivatorFor(index);
            return _ => runs++;
        }));
        Quiesce(worker);

        int before = runs;
        activator!.Activate();
        StepUntil(worker, () => runs > before);
        Quiesce(worker);

        before = runs;
        var thread = new Thread(() => sync!.Activate());
        thread.Start();
        thread.Join();
        StepUntil(worker, () => runs > before);
        Quiesce(worker);

        // The worker parks on the timer (no other work) and steps the dataflow when it is due.
        before = runs;
        activator.ActivateAfter(TimeSpan.FromMilliseconds(1));
        StepUntil(worker, () => runs > before, timer: true);
    }

    [Fact]
    public void A_region_whose_operators_ask_for_no_frontier_runs_for_records_and_its_inputs_closing_not_for_a_frontier_move()
    {
        // timely's region of maps (event_driven's): the region's interest in its input frontier is its
        // operators' greatest, none; the root moves the frontier past the region by its summary.
        var worker = new Worker(new ThreadAllocator());
        var regionRuns = 0;
        int regionId = -1;
        worker.Log.Register<TimelyEvent>("timely", (_, batch) =>
        {
            foreach (var (_, e) in batch)
            {
                if (e.Kind == TimelyEventKind.Operates && e.Name == "Region")
                {
                    regionId = e.Id;
                }

                regionRuns += e.Kind == TimelyEventKind.Schedule && e.Flag && e.Id == regionId ? 1 : 0;
            }
        });
        var seen = new List<int>();
        var (input, probe) = worker.Dataflow<ulong, (InputHandle<ulong, int>, ProbeHandle<ulong>)>(scope =>
        {
            var (handle, stream) = scope.NewInput<ulong, int>();
            return (handle, scope.Region(inner => Maps(stream.Enter(inner), 3).Leave(scope)).Inspect(seen.Add).Probe());
        });
        Quiesce(worker);
        worker.Log.Flush();
        int before = regionRuns;
        for (ulong round = 1; round <= 5; round++)
        {
            input.AdvanceTo(round);
            StepUntil(worker, () => !probe.LessThan(round));
        }

        worker.Log.Flush();
        Assert.Equal(before, regionRuns);

        input.Send(7);
        input.AdvanceTo(6);
        StepUntil(worker, () => !probe.LessThan(6));
        Assert.Equal([7], seen);
        worker.Log.Flush();
        Assert.True(regionRuns > before, "the region ran for the record");

        input.Close();
        StepUntil(worker, () => !worker.HasDataflows);
        Assert.True(probe.Done, "the probe saw the input close through the region");
    }

    [Fact]
    public void With_many_dataflows_and_one_advanced_per_round_only_that_one_is_stepped()
    {
        const int dataflows = 200;
        var (worker, inputs, probes) = EventDrivenDataflows(dataflows, maps: 5, region: true);

        Quiesce(worker);
        for (ulong round = 1; round <= 3 * dataflows; round++)
        {
            int index = (int)(round % dataflows);
            inputs[index].Send(1);
            inputs[index].AdvanceTo(round);
            long before = worker.DataflowSteps;
            int steps = 0;
            while (probes[index].LessThan(round))
            {
                Assert.True(steps < MaxSteps, $"round {round}: the probe never passed");
                worker.Step();
                steps++;
            }

            // One dataflow per step; the one advanced the round before may take one more step to
            // receive the progress its last step sent to itself.
            Assert.InRange(steps, 1, 10);
            Assert.InRange(worker.DataflowSteps - before, 1, steps + 1);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_round_whose_operators_ran_in_its_steps_leaves_its_dataflow_idle(bool region)
    {
        // event_driven's round: advance one dataflow's input and step until its probe passes. The
        // propagation activates the operators whose input frontier moved and the same step runs
        // them, so once the probe has passed no dataflow has work left and the next step steps
        // none, as timely's round is two steps and then nothing. (An activation made and served
        // inside a step marked the dataflow again, so each round's dataflow was stepped once more,
        // for nothing, at the start of the next round.)
        const int dataflows = 3;
        var (worker, inputs, probes) = EventDrivenDataflows(dataflows, maps: 2, region);

        Quiesce(worker);
        for (ulong round = 1; round <= 3 * dataflows; round++)
        {
            int index = (int)(round % dataflows);
            inputs[index].AdvanceTo(round);
            int steps = 0;
            while (probes[index].LessThan(round))
            {
                Assert.True(steps < MaxSteps, $"round {round}: the probe never passed");
                worker.Step();
                steps++;
            }

            long before = worker.DataflowSteps;
            worker.Step();
            Assert.True(worker.DataflowSteps == before, $"round {round}: a step after the probe passed stepped {worker.DataflowSteps - before} dataflow(s)");
        }
    }

    [Fact]
    public async Task Data_and_progress_from_another_worker_alone_wake_a_parked_worker()
    {
        // Worker 0 closes its own input at once: from then on only the channels (the records
        // exchanged to it and the other worker's progress) give its dataflow anything to do.
        var run = Task.Run(() => Execute.Run(Config.Process(2), worker =>
        {
            var seen = new List<int>();
            var (input, probe) = worker.Dataflow<ulong, (InputHandle<ulong, int>, ProbeHandle<ulong>)>(scope =>
            {
                var (handle, stream) = scope.NewInput<ulong, int>();
                return (handle, stream.Exchange(_ => 0UL).Inspect(seen.Add).Probe());
            });
            if (worker.Index == 0)
            {
                input.Close();
                while (probe.LessThan(3))
                {
                    worker.StepOrPark(null);
                }

                return seen.Count;
            }

            for (ulong round = 1; round <= 3; round++)
            {
                input.SendBatch(Enumerable.Range(0, 10).ToArray());
                input.AdvanceTo(round);
                while (probe.LessThan(round))
                {
                    worker.StepOrPark(null);
                }
            }

            return seen.Count;
        }));
        int[] seen = await run.WaitAsync(Guard);
        Assert.Equal(30, seen[0]);
        Assert.Equal(0, seen[1]);
    }

    [Fact]
    public async Task Cancellation_closes_the_inputs_and_their_dataflows_complete()
    {
        using var cancel = new CancellationTokenSource();
        bool finished = false;
        var run = Execute.RunAsync(Config.Thread, worker =>
        {
            var inputs = new List<InputHandle<ulong, int>>();
            for (int i = 0; i < Idle; i++)
            {
                worker.Dataflow<ulong>(scope =>
                {
                    var (input, stream) = scope.NewInput<ulong, int>();
                    stream.Probe();
                    inputs.Add(input);
                });
            }

            while (worker.ActiveDataflows.Count > 0)
            {
                worker.Step();
            }

            cancel.Cancel();
            while (worker.StepOrPark(null))
            {
            }

            finished = inputs.TrueForAll(i => i.IsClosed);
        }, cancel.Token);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(Guard));
        Assert.True(finished, "the cancelled worker's dataflows did not complete once their inputs were closed");
    }
}
