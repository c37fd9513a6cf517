using System.Collections.Concurrent;
using System.Diagnostics;
using Timely.Communication;
using Timely.Communication.Wakeup;
using Timely.Dataflow.Operators;

namespace Timely.Dataflow.Tests;

/// <summary>
/// Activator-driven operators (timely's event-driven sources): a source that runs only when
/// activated, from another thread (<see cref="SyncActivator"/>, waking a parked worker) or
/// after a delay (<see cref="OperatorActivator.ActivateAfter"/>).
/// </summary>
public sealed class ActivatorTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    /// <summary>
    /// An event-driven source: drains <paramref name="events"/> when activated, sends each event
    /// at time <c>event / 10</c>, and stops at a negative event.
    /// </summary>
    private static Stream<ulong, int> EventSource(Scope<ulong> scope, ConcurrentQueue<int> events, Action<SyncActivator> publish, Action? onRun = null) =>
        scope.Source<ulong, int>("Events", (capability, index) =>
        {
            publish(scope.SyncActivatorFor(index));
            Capability<ulong>? held = capability;
            return output =>
            {
                onRun?.Invoke();
                while (held is not null && events.TryDequeue(out int item))
                {
                    if (item < 0)
                    {
                        held.Dispose();
                        held = null;
                        return;
                    }

                    if (held.Time < (ulong)(item / 10))
                    {
                        held.Downgrade((ulong)(item / 10));
                    }

                    output.Session(held).Give(item);
                }
            };
        });

    [Fact]
    public async Task A_parked_worker_is_woken_by_an_activation_from_another_thread()
    {
        // One worker of the in-process allocator, so nothing else can ring its doorbell: once
        // its park count moves, it sleeps (with no timeout) until our activation rings it.
        var events = new ConcurrentQueue<int>();
        var ready = new TaskCompletionSource<(SyncActivator Activator, Doorbell Bell)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var seen = new ConcurrentQueue<int>();
        var run = Task.Run(() => Execute.Run(Config.Process(1), worker =>
        {
            var bell = ((ProcessAllocator)worker.Allocator).Doorbell;
            worker.Dataflow<ulong>(scope => EventSource(scope, events, a => ready.SetResult((a, bell))).Inspect(seen.Enqueue));
        }));

        var (activator, doorbell) = await ready.Task.WaitAsync(Guard);
        Assert.True(SpinWait.SpinUntil(() => doorbell.Parks > 0, Guard), "the idle worker never parked");
        long wakes = doorbell.Wakes;

        events.Enqueue(7);
        activator.Activate();
        Assert.True(SpinWait.SpinUntil(() => !seen.IsEmpty, Guard), "the parked worker did not run the activated source");
        Assert.Equal([7], seen);
        Assert.True(doorbell.Wakes > wakes, "the activation did not ring the doorbell");

        events.Enqueue(-1);
        activator.Activate();
        await run.WaitAsync(Guard);   // the source dropped its capability: the dataflow completes
    }

    [Theory]
    [InlineData("thread")]
    [InlineData("process2")]
    [InlineData("binary2")]
    public async Task Events_from_other_threads_drive_a_source_on_every_worker(string config)
    {
        const int Events = 100;
        int peers = config == "thread" ? 1 : 2;
        var queues = Enumerable.Range(0, peers).Select(_ => new ConcurrentQueue<int>()).ToArray();
        var activators = new TaskCompletionSource<SyncActivator>[peers];
        for (int i = 0; i < peers; i++)
        {
            activators[i] = new TaskCompletionSource<SyncActivator>(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        var seen = new ConcurrentBag<(ulong Time, int Value)>();
        var cfg = config switch { "thread" => Config.Thread, "process2" => Config.Process(2), _ => Config.ProcessBinary(2) };
        var run = Task.Run(() => Execute.Run(cfg, worker =>
        {
            int index = worker.Index;
            worker.Dataflow<ulong>(scope => EventSource(scope, queues[index], a => activators[index].SetResult(a))
                .Exchange(x => (ulong)x)
                .InspectTime((t, x) => seen.Add((t, x))));
        }));

        // One "device" thread per worker posts events and activates the worker's source.
        var devices = Enumerable.Range(0, peers).Select(w => Task.Run(async () =>
        {
            var activator = await activators[w].Task.WaitAsync(Guard);
            for (int e = 0; e < Events; e++)
            {
                queues[w].Enqueue((e * peers) + w);
                activator.Activate();
            }

            queues[w].Enqueue(-1);
            activator.Activate();
        })).ToArray();

        await Task.WhenAll(devices).WaitAsync(Guard);
        await run.WaitAsync(Guard);
        var expected = Enumerable.Range(0, Events * peers).Select(x => ((ulong)(x / 10), x));
        Assert.Equal(expected.Order(), seen.Order());
    }

    [Theory]
    [InlineData("thread")]
    [InlineData("process1")]
    [InlineData("process2")]
    public async Task ActivateAfter_runs_the_operator_again_not_before_the_delay(string config)
    {
        // The source asks to run again 20 ms later, three times, then drops its capability. A
        // parked worker (no timeout of its own) must wake for the timer, or this never ends.
        var delay = TimeSpan.FromMilliseconds(20);
        var runs = new ConcurrentBag<(int Worker, int Run, long Asked, long Ran)>();
        var cfg = config switch { "thread" => Config.Thread, "process1" => Config.Process(1), _ => Config.Process(2) };
        var run = Task.Run(() => Execute.Run(cfg, worker =>
        {
            int index = worker.Index;
            worker.Dataflow<ulong>(scope => scope.Source<ulong, int>("Ticker", (capability, operatorIndex) =>
            {
                var activator = scope.ActivatorFor(operatorIndex);
                int count = 0;
                long asked = 0;
                return output =>
                {
                    long now = Stopwatch.GetTimestamp();
                    runs.Add((index, count, asked, now));
                    if (++count == 4)
                    {
                        capability.Dispose();
                        return;
                    }

                    output.Session(capability).Give(count);
                    asked = now;
                    activator.ActivateAfter(delay);
                };
            }));
        }));

        await run.WaitAsync(Guard);   // a missed timer would leave the source holding its capability
        foreach (var group in runs.GroupBy(r => r.Worker))
        {
            var ordered = group.OrderBy(r => r.Run).ToArray();
            Assert.Equal([0, 1, 2, 3], ordered.Select(r => r.Run));
            Assert.All(ordered.Skip(1), r => Assert.True(Stopwatch.GetElapsedTime(r.Asked, r.Ran) >= delay, $"run {r.Run} came early"));
        }
    }

    [Fact]
    public void An_operator_that_activates_itself_runs_again_without_input()
    {
        // A source that sends one record per run, at the run's time, and asks to run again
        // until it has sent five: nothing else would schedule it.
        var seen = new List<(ulong Time, int Value)>();
        Execute.Directly(worker => worker.Dataflow<ulong>(scope =>
            scope.Source<ulong, int>("SelfDriven", (capability, index) =>
            {
                var activator = scope.ActivatorFor(index);
                Assert.Equal(index, activator.Operator);
                int sent = 0;
                return output =>
                {
                    if (sent == 5)
                    {
                        capability.Dispose();
                        return;
                    }

                    capability.Downgrade((ulong)sent);
                    output.Session(capability).Give(sent++);
                    activator.Activate();
                };
            }).InspectTime((t, x) => seen.Add((t, x)))));
        Assert.Equal(Enumerable.Range(0, 5).Select(i => ((ulong)i, i)), seen);
    }
}
