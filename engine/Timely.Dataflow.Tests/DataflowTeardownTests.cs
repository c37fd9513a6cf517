using System.Collections.Concurrent;
using Timely.Communication;
using Timely.Dataflow.Operators;

namespace Timely.Dataflow.Tests;

/// <summary>
/// A dataflow that completed gives back what it held, as timely removes a finished dataflow and
/// drops its channels: the worker forgets its channels, and the allocator its queues and inboxes.
/// A process that builds a dataflow per request (a query, a batch) must not grow with every
/// dataflow it has run, nor slow down as they accumulate.
/// </summary>
public sealed class DataflowTeardownTests
{
    private static Config ConfigOf(string name) => name switch
    {
        "thread" => Config.Thread,
        "process1" => Config.Process(1),
        "process2" => Config.Process(2),
        _ => Config.ProcessBinary(2),
    };

    /// <summary>
    /// One dataflow with every kind of channel: an exchange (data channel), a loop (a nested
    /// scope's own progress channel), and the root's progress channel. Returns its probe and
    /// where its records end up.
    /// </summary>
    private static (InputHandle<ulong, ulong> Input, ProbeHandle<ulong> Probe) Build(Worker worker, ConcurrentBag<ulong> seen)
    {
        var input = InputHandle.Create<ulong, ulong>();
        var probe = worker.Dataflow<ulong, ProbeHandle<ulong>>(scope => scope.InputFrom(input)
            .Exchange(x => x)
            .Iterate(loop => loop.Map(x => x / 2).Filter(x => x > 0))
            .Inspect(seen.Add)
            .Probe());
        return (input, probe);
    }

    private static void StepUntil(Worker worker, Func<bool> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!done())
        {
            Assert.True(DateTime.UtcNow < deadline, "the dataflow did not complete");
            worker.Step();
        }
    }

    [Theory]
    [InlineData("thread")]
    [InlineData("process1")]
    [InlineData("process2")]
    [InlineData("processbinary2")]
    public void Each_completed_dataflow_gives_back_its_channels_and_its_results_are_whole(string config)
    {
        const int dataflows = 40;
        var seen = new ConcurrentBag<ulong>();
        var held = Execute.Run(ConfigOf(config), worker =>
        {
            var channelsEach = new List<int>();
            for (ulong d = 1; d <= dataflows; d++)
            {
                var (input, probe) = Build(worker, seen);
                channelsEach.Add(worker.ChannelCount);
                input.Send(d * 8);   // halved to zero: 3 or more rounds of the loop, every one exchanged
                input.Close();
                StepUntil(worker, () => probe.Done && !worker.HasDataflows);
                Assert.Equal(0, worker.ChannelCount);
                Assert.Equal(0, worker.Allocator.HeldChannels);
            }

            return (Registered: channelsEach.Distinct().Single(), Peers: worker.Peers);
        });

        // Both progress channels (the root's, the loop's), and the exchange's where there is more than one worker.
        Assert.All(held, h => Assert.Equal(h.Peers > 1 ? 3 : 2, h.Registered));

        // Each worker sent d * 8 for every d; a record x passes the loop's output as x/2, x/4, ... down to 1.
        var expected = new List<ulong>();
        int peers = held[0].Peers;
        for (int w = 0; w < peers; w++)
        {
            for (ulong d = 1; d <= dataflows; d++)
            {
                for (ulong x = d * 8 / 2; x > 0; x /= 2)
                {
                    expected.Add(x);
                }
            }
        }

        Assert.Equal(expected.Order(), seen.Order());
    }

    /// <summary>
    /// Dataflows that complete while an older one still runs give back only their own channels:
    /// the older one's keep delivering afterwards.
    /// </summary>
    [Theory]
    [InlineData("process2")]
    [InlineData("processbinary2")]
    public void A_dataflow_that_completes_beside_a_running_one_leaves_the_running_one_whole(string config)
    {
        var seen = new ConcurrentBag<ulong>();
        var done = new ConcurrentBag<ulong>();
        Execute.Run(ConfigOf(config), worker =>
        {
            var (longLived, longProbe) = Build(worker, seen);
            int oneDataflow = worker.ChannelCount;
            for (ulong d = 1; d <= 10; d++)
            {
                var (input, probe) = Build(worker, done);
                input.Send(d);
                input.Close();
                StepUntil(worker, () => probe.Done && worker.ChannelCount == oneDataflow);
                longLived.Send(d);
                longLived.AdvanceTo(d);
                StepUntil(worker, () => !longProbe.LessThan(d));
            }

            Assert.Equal(oneDataflow, worker.Allocator.HeldChannels);
            longLived.Close();
            StepUntil(worker, () => !worker.HasDataflows);
            Assert.Equal(0, worker.ChannelCount);
            Assert.Equal(0, worker.Allocator.HeldChannels);
            return 0;
        });

        // Both workers sent 1..10 into the long-lived dataflow; d passes the loop as d/2, d/4, ... > 0.
        var expected = Enumerable.Range(1, 10)
            .SelectMany(d => Enumerable.Range(1, 4).Select(k => (ulong)d >> k).Where(x => x > 0))
            .SelectMany(x => new[] { x, x })
            .Order();
        Assert.Equal(expected, seen.Order());
    }

    /// <summary>
    /// The in-process registry of channels shared by the workers forgets a channel once every
    /// worker has let go of it, and not before (the slower worker may still pull from it).
    /// </summary>
    [Fact]
    public void The_process_registry_forgets_a_channel_once_every_worker_let_go()
    {
        var registry = Execute.Run(Config.Process(2), worker =>
        {
            var seen = new ConcurrentBag<ulong>();
            for (ulong d = 1; d <= 5; d++)
            {
                var (input, probe) = Build(worker, seen);
                input.Send(d);
                input.Close();
                StepUntil(worker, () => !worker.HasDataflows);
            }

            return worker.Allocator;
        });

        // Both workers have returned: each deallocated every channel, so the shared registry is empty.
        Assert.All(registry, a => Assert.Equal(0, ((ProcessAllocator)a).FabricChannels));
    }
}
