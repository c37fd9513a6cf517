using System.Collections.Concurrent;
using Timely.Dataflow.Capture;
using Timely.Dataflow.Channels;
using Timely.Dataflow.Operators;
using Timely.Dataflow.Timestamps;

namespace Timely.Dataflow.Tests.Timestamps;

/// <summary>
/// <see cref="VectorClock"/>, a timestamp type of this test project's own, through
/// <see cref="ITimestamp{TSelf}"/>: as a dataflow's time, outside and inside nested scopes, and
/// through capture files and replay.
/// </summary>
public sealed class UserTimestampTests
{
    private static readonly VectorClock[] Times = [new(0, 0, 0), new(0, 2, 0), new(1, 2, 1), new(3, 3, 3)];

    [Fact]
    public void The_traits_are_the_types_own_statics()
    {
        var traits = TimestampTraits<VectorClock>.Default;
        Assert.Equal(new VectorClock(0, 0, 0), traits.Minimum);
        Assert.True(traits.LessEqual(new VectorClock(1, 2, 0), new VectorClock(1, 3, 0)));
        Assert.False(traits.LessEqual(new VectorClock(1, 0, 0), new VectorClock(0, 1, 0)));
        Assert.False(traits.LessEqual(new VectorClock(0, 1, 0), new VectorClock(1, 0, 0)));
        Assert.True(traits.TryResultsIn(new VectorClock(1, 2, 3), new VectorClock(0, 1, 0), out var later));
        Assert.Equal(new VectorClock(1, 3, 3), later);
        Assert.False(traits.TryResultsIn(new VectorClock(0, 0, uint.MaxValue), new VectorClock(0, 0, 1), out _));
    }

    /// <summary>
    /// Every worker sends ten records at each time, exchanged by value; a notification counts what
    /// arrived at its time. Delivered before every worker had passed the time, a count would be
    /// short or the time reported twice.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(-2)]
    public void A_dataflow_over_the_user_time_reports_each_time_once_with_all_its_records(int workers)
    {
        var reported = new ConcurrentBag<(int Worker, VectorClock Time, int Count)>();
        Execute.Run(NestedScopeTests.Workers(workers), worker =>
        {
            var input = new InputHandle<VectorClock, int>();
            var counts = new Dictionary<VectorClock, int>();
            var probe = worker.Dataflow((Scope<VectorClock> scope) => scope.InputFrom(input)
                .Exchange(x => (ulong)x)
                .UnaryNotify<VectorClock, int, int>(Pact<int>.Pipeline, "CountPerTime", [], (records, output, notificator) =>
                {
                    while (records.TryNext(out var cap, out var data))
                    {
                        counts[cap.Time] = counts.GetValueOrDefault(cap.Time) + data.Count;
                        notificator.NotifyAt(cap.Retain());
                    }

                    while (notificator.TryNext(out var time, out _))
                    {
                        counts.Remove(time, out int count);
                        reported.Add((worker.Index, time, count));
                        notificator.Session(output).Give(count);
                    }
                })
                .Probe());

            foreach (var time in Times)
            {
                input.AdvanceTo(time);
                for (int i = 0; i < 10; i++)
                {
                    input.Send((worker.Index * 100) + i);
                }
            }

            input.Close();
            worker.StepWhile(() => !probe.Done);
        });

        int peers = Math.Abs(workers);
        Assert.Equal(reported.Count, reported.Select(r => (r.Worker, r.Time)).Distinct().Count());
        var perTime = reported.GroupBy(r => r.Time).ToDictionary(g => g.Key, g => g.Sum(r => r.Count));
        Assert.Equal(Times.ToDictionary(t => t, _ => 10 * peers), perTime);
    }

    [Fact]
    public void A_capability_holds_back_only_the_times_it_precedes()
    {
        var notified = new List<VectorClock>();
        Execute.Directly(worker =>
        {
            var (handle, root) = worker.Dataflow((Scope<VectorClock> scope) =>
            {
                var (input, capability, stream) = scope.NewUnorderedInput<VectorClock, int>();
                stream.UnaryNotify<VectorClock, int, int>(Pact<int>.Pipeline, "Notify", [], (records, output, notificator) =>
                {
                    while (records.TryNext(out var cap, out _))
                    {
                        notificator.NotifyAt(cap.Retain());
                    }

                    while (notificator.TryNext(out var time, out _))
                    {
                        notified.Add(time);
                    }
                });
                return (input, capability);
            });

            var left = root.Delayed(new VectorClock(1, 0, 0));
            var right = root.Delayed(new VectorClock(0, 1, 0));
            root.Dispose();
            handle.Session(left).Give(1);
            handle.Session(right).Give(2);

            // <1 0 0> and <0 1 0> are incomparable: dropping the capability at <1 0 0> lets its
            // notification through while the capability at <0 1 0> holds back only its own time.
            left.Dispose();
            worker.StepWhile(() => notified.Count < 1);
            for (int i = 0; i < 10; i++)
            {
                worker.Step();
            }

            Assert.Equal([new VectorClock(1, 0, 0)], notified);
            right.Dispose();
            worker.StepWhile(() => notified.Count < 2);
        });

        Assert.Equal([new VectorClock(1, 0, 0), new VectorClock(0, 1, 0)], notified);
    }

    /// <summary>Product times over the user time: an iterative scope's rounds, and what leaves it at its outer time.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(-2)]
    public void An_iterative_scope_nests_product_times_over_the_user_time(int workers) =>
        NestedScopeTests.IterateRoundByRound(NestedScopeTests.Workers(workers), Times);

    /// <summary>
    /// The user time as a nested scope's own: records enter a scope of <see cref="VectorClock"/> under a
    /// root of <see cref="uint"/>, double on each trip round a loop that advances the second
    /// counter, and leave at their outer time once they reach 20.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(-2)]
    public void A_scope_whose_own_time_is_the_user_time_loops_and_leaves(int workers)
    {
        var inside = new ConcurrentBag<(VectorClock Time, int Value)>();
        var outside = new ConcurrentBag<(uint Time, int Value)>();
        Execute.Run(NestedScopeTests.Workers(workers), worker =>
        {
            var input = new InputHandle<uint, int>();
            var probe = worker.Dataflow((Scope<uint> scope) =>
            {
                var records = scope.InputFrom(input);
                return scope.Scoped("VectorClock", new VectorClockRefines(), (Scope<VectorClock> inner) =>
                    {
                        var (handle, loop) = inner.Feedback<VectorClock, int>(new VectorClock(0, 1, 0));
                        var round = records.Enter(inner).Concat(loop)
                            .Exchange(x => (ulong)x)
                            .InspectTime((t, x) => inside.Add((t, x)))
                            .Map(x => x * 2);
                        round.Filter(x => x < 20).ConnectLoop(handle);
                        return round.Filter(x => x >= 20).Leave(scope);
                    })
                    .InspectTime((t, x) => outside.Add((t, x)))
                    .Probe();
            });

            for (uint t = 0; t < 2; t++)
            {
                input.AdvanceTo(t);
                if (worker.Index == 0)
                {
                    input.Send(3 + (int)t);
                }
            }

            input.Close();
            worker.StepWhile(() => !probe.Done);
        });

        // 3 at time 0: 3, 6, 12 inside (rounds 0-2), 24 out; 4 at time 1: 4, 8, 16 inside, 32 out.
        VectorClock[] times = [new(0, 0, 0), new(0, 1, 0), new(0, 2, 0), new(1, 0, 0), new(1, 1, 0), new(1, 2, 0)];
        int[] values = [3, 6, 12, 4, 8, 16];
        Assert.Equal(times.Zip(values).Order(), inside.Order());
        Assert.Equal([(0u, 24), (1u, 32)], outside.Order());
    }

    /// <summary>
    /// Captured into files (EventWriter over a byte stream per worker) and replayed on another number
    /// of workers, a stream at user times extracts to what was sent at each time.
    /// </summary>
    [Theory]
    [InlineData(1, 1)]
    [InlineData(1, 2)]
    [InlineData(2, 1)]
    [InlineData(2, 3)]
    public void Capture_and_replay_round_trip_the_user_time(int capturedOn, int replayedOn)
    {
        byte[][] files = Execute.Run(NestedScopeTests.Workers(capturedOn), worker =>
        {
            var bytes = new MemoryStream();
            var input = new InputHandle<VectorClock, int>();
            using (var writer = new EventWriter<VectorClock, int>(bytes, leaveOpen: true))
            {
                worker.Dataflow((Scope<VectorClock> scope) => scope.InputFrom(input).CaptureInto(writer));
                foreach (var time in Times)
                {
                    input.AdvanceTo(time);
                    input.Send((worker.Index * 100) + Sum(time));
                }

                input.Close();
                while (worker.Step())
                {
                }
            }

            return bytes.ToArray();
        });

        var queues = Execute.Run(NestedScopeTests.Workers(replayedOn), worker =>
        {
            var readers = files.OwnedBy(worker).Select(f => new EventReader<VectorClock, int>(new MemoryStream(f))).ToList();
            var queue = worker.Dataflow((Scope<VectorClock> scope) => readers.ReplayInto(scope).Capture());
            while (worker.Step())
            {
            }

            readers.ForEach(r => r.Dispose());
            return queue;
        });

        var streams = queues.Select(q => q.Drain()).ToList();
        Assert.All(streams, events => Assert.Null(CaptureProtocol.FindViolation(events, complete: true)));
        var expected = Times.Select(t => (t, Enumerable.Range(0, capturedOn).Select(w => (w * 100) + Sum(t)).ToList())).ToList();
        var extracted = streams.SelectMany(events => events).Extract();
        Assert.Equal(expected.Select(e => e.t), extracted.Select(e => e.Time));
        Assert.Equal(expected.Select(e => e.Item2), extracted.Select(e => e.Data));
    }

    private static int Sum(VectorClock time) => (int)(time.A + time.B + time.C);
}
