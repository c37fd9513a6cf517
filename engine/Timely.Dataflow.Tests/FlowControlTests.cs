using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Timely.Communication;
using Timely.Dataflow.Diagnostics;
using Timely.Dataflow.Operators;

namespace Timely.Dataflow.Tests;

/// <summary>
/// Flow control at the sources: an input handle or async source with a <see cref="SourceBound{T}"/>
/// never runs further ahead of its probe than the bound says, nor past the overflow bytes it
/// allows; the job's overflow budget holds every source; the hard limit fails the worker with
/// the channel's name; timely's <c>iterator_source</c> asks for input only once its probe has
/// caught up. Without a bound nothing changes.
/// </summary>
public sealed class FlowControlTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    /// <summary>The least time of a probe's frontier (ulong.MaxValue when it is empty).</summary>
    private static ulong Least(ProbeHandle<ulong> probe) => probe.Frontier() is { Length: > 0 } f ? f.Min() : ulong.MaxValue;

    [Fact]
    public void Without_a_bound_an_input_runs_ahead_of_its_probe_as_far_as_the_program_takes_it()
    {
        var (ahead, held) = Execute.Run(Config.Thread, worker =>
        {
            var (input, probe) = Build(worker);
            for (ulong t = 1; t <= 10; t++)
            {
                input.Send(t);
                input.AdvanceTo(t);
            }

            ulong behind = input.Time - Least(probe);
            return (behind, input.HeldBack);
        })[0];

        Assert.Equal(10UL, ahead);   // nothing stepped: the probe is still at 0
        Assert.Equal(TimeSpan.Zero, held);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    public void A_bounded_input_returns_from_AdvanceTo_only_within_its_bound_of_the_probe(int bound)
    {
        var results = Execute.Run(Config.Process(2), worker =>
        {
            var (input, probe) = Build(worker);
            input.Bound = new SourceBound<ulong>(probe, bound);
            ulong worst = 0;
            for (ulong t = 1; t <= 50; t++)
            {
                input.Send(t);
                input.AdvanceTo(t);
                worst = Math.Max(worst, input.Time - Least(probe));
            }

            return (worst, input.HeldBack);
        });

        foreach (var (worst, held) in results)
        {
            Assert.True(worst <= (ulong)bound, $"the input ran {worst} times ahead of its probe; the bound was {bound}");
            Assert.True(held > TimeSpan.Zero, "the probe cannot pass a time before a step, so the input must have waited");
        }
    }

    [Fact]
    public void A_bounded_input_sends_every_record_once()
    {
        var seen = new ConcurrentBag<ulong>();
        Execute.Run(Config.ProcessBinary(2) with { RingBytes = 4096 }, worker =>
        {
            var input = new InputHandle<ulong, ulong>();
            var probe = new ProbeHandle<ulong>();
            worker.Dataflow<ulong>(scope => scope.InputFrom(input).Exchange(x => x).Inspect(seen.Add).ProbeWith(probe));
            input.Bound = new SourceBound<ulong>(probe, 1, maxOverflowBytes: 1);
            for (ulong t = 0; t < 20; t++)
            {
                for (ulong i = 0; i < 5000; i++)
                {
                    input.Send((((t * 5000) + i) * 2) + (ulong)worker.Index);
                }

                input.AdvanceTo(t + 1);
            }

            return 0;
        });

        Assert.Equal(Enumerable.Range(0, 200_000).Select(x => (ulong)x), seen.Order());
    }

    [Fact]
    public void An_overflow_bound_holds_the_worker_s_outbound_overflow_at_each_return()
    {
        // Worker 1 sleeps in its operator, so worker 0's ring to it fills and spills.
        var worst = Execute.Run(Config.ProcessBinary(2) with { RingBytes = 4096 }, worker =>
        {
            var input = new InputHandle<ulong, ulong>();
            worker.Dataflow<ulong>(scope => scope.InputFrom(input).Exchange(_ => 1).Inspect(_ =>
            {
                if (worker.Index == 1)
                {
                    Thread.SpinWait(20);
                }
            }));
            input.Bound = new SourceBound<ulong>(8192);
            long most = 0;
            if (worker.Index == 0)
            {
                var block = new ulong[2048];
                for (int round = 0; round < 200; round++)
                {
                    input.SendBatch(block);
                    most = Math.Max(most, worker.Allocator.OverflowBytes);
                }
            }

            return most;
        })[0];

        Assert.True(worst <= 8192, $"worker 0's overflow held {worst} bytes when SendBatch returned; the bound was 8192");
    }

    [Fact]
    public void A_hard_overflow_limit_fails_the_worker_with_one_line_naming_the_channel()
    {
        using var failed = new ManualResetEventSlim();
        var config = Config.ProcessBinary(2) with { RingBytes = 4096, OverflowLimitBytes = 1 << 20 };
        var error = Assert.ThrowsAny<Exception>(() => Execute.Run(config, worker =>
        {
            var input = new InputHandle<ulong, ulong>();
            worker.Dataflow<ulong>(scope => scope.InputFrom(input).Exchange(_ => 1).Inspect(_ => { }));
            if (worker.Index == 1)
            {
                // Read nothing until worker 0 has failed: its ring to us fills, then its queue grows.
                failed.Wait(Guard);
                return 0;
            }

            try
            {
                var block = new ulong[4096];
                for (int round = 0; round < 1000; round++)
                {
                    input.SendBatch(block);
                }

                return 0;
            }
            finally
            {
                failed.Set();
            }
        }));

        string message = string.Join(" | ", Flatten(error).Select(e => e.Message));
        Assert.Matches(@"worker 0: channel \d+ to worker 1: ", message);
        Assert.Contains("hard limit of 1048576 bytes", message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', Flatten(error).Last().Message);
    }

    [Fact]
    public void An_overflow_budget_holds_inputs_without_a_bound_and_loses_nothing()
    {
        var seen = new ConcurrentBag<ulong>();
        var config = Config.ProcessBinary(2) with { RingBytes = 4096, OverflowBudgetBytes = 1 };
        var held = Execute.Run(config, worker =>
        {
            var input = new InputHandle<ulong, ulong>();
            worker.Dataflow<ulong>(scope => scope.InputFrom(input).Exchange(_ => 1).Inspect(seen.Add));
            Assert.Equal(1, worker.Allocator.OverflowBudgetBytes);
            if (worker.Index == 0)
            {
                var block = Enumerable.Range(0, 4096).Select(x => (ulong)x).ToArray();
                for (int round = 0; round < 50; round++)
                {
                    input.SendBatch(block);
                }
            }

            return input.HeldBack;
        });

        Assert.Equal(50 * 4096, seen.Count);
        Assert.Equal(Enumerable.Range(0, 4096).Select(x => (ulong)x), seen.Distinct().Order());
        Assert.Equal(TimeSpan.Zero, held[1]);   // worker 1 sent nothing, so it never waited
    }

    [Fact]
    public void A_bounded_async_source_reads_on_only_once_its_probe_has_caught_up()
    {
        var channel = Channel.CreateUnbounded<ulong>();
        for (ulong r = 0; r < 200; r++)
        {
            Assert.True(channel.Writer.TryWrite(r));
        }

        channel.Writer.Complete();
        var violations = new ConcurrentBag<string>();
        double held = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == DataflowMetrics.MeterName && instrument.Name == "timely.source.held_back")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((_, value, _, _) => Interlocked.Exchange(ref held, held + value));
        listener.Start();
        long count = Execute.Run(Config.Thread, worker =>
        {
            var probe = new ProbeHandle<ulong>();
            long n = 0;
            worker.Dataflow<ulong>(scope => scope
                .SourceFrom(channel.Reader, r => r / 10, new SourceBound<ulong>(probe, 0))
                .InspectTime((time, _) =>
                {
                    n++;

                    // Moving to a time t needs the probe past t - 2 (the one record that found the
                    // time change is sent before the source stops reading).
                    if (time >= 2 && Least(probe) < time - 1)
                    {
                        violations.Add($"a record at {time} while the probe was at {Least(probe)}");
                    }
                })
                .ProbeWith(probe));
            while (worker.StepOrPark(null))
            {
            }

            return n;
        })[0];

        Assert.Equal(200, count);
        Assert.Empty(violations);
        Assert.True(held > 0, "the source must have been held back (the probe cannot pass a time within the run that left it)");
    }

    [Fact]
    public void Iterator_source_asks_again_only_once_its_probe_has_reached_the_target_and_ends_on_null()
    {
        var calls = new List<(ulong Target, ulong Frontier)>();
        var seen = new List<(ulong Time, ulong Record)>();
        Execute.Run(Config.Thread, worker =>
        {
            ulong next = 0;
            ulong target = 0;
            worker.Dataflow<ulong>(scope =>
            {
                var probe = new ProbeHandle<ulong>();
                scope.IteratorSource<ulong, ulong>(
                        "Source",
                        previous =>
                        {
                            calls.Add((target, Least(probe)));
                            if (next >= 50)
                            {
                                return null;
                            }

                            ulong time = next / 10 * 10;
                            var records = Enumerable.Range((int)next, 5).Select(x => (ulong)x).ToArray();
                            next += 5;
                            target = previous;
                            return new IteratorSourceInput<ulong, ulong>(0, [(time, records)], previous);
                        },
                        probe)
                    .InspectTime((t, x) => seen.Add((t, x)))
                    .ProbeWith(probe);
            });
            while (worker.StepOrPark(null))
            {
            }

            return 0;
        });

        Assert.Equal(Enumerable.Range(0, 50).Select(x => ((ulong)(x / 10 * 10), (ulong)x)), seen);
        Assert.Equal(11, calls.Count);
        Assert.All(calls, c => Assert.True(c.Frontier >= c.Target, $"called while the probe was at {c.Frontier}, before the previous call's target {c.Target}"));
    }

    [Fact]
    public void Iterator_source_gives_up_the_times_before_the_lower_bound()
    {
        var frontiers = new List<ulong>();
        Execute.Run(Config.Thread, worker =>
        {
            int call = 0;
            var probe = new ProbeHandle<ulong>();
            worker.Dataflow<ulong>(scope => scope.IteratorSource<ulong, ulong>(
                    "Source",
                    previous => call++ switch
                    {
                        0 => new IteratorSourceInput<ulong, ulong>(7, [], 0),
                        1 => new IteratorSourceInput<ulong, ulong>(0, [(9, [1UL])], 9),
                        _ => null,
                    },
                    probe)
                .ProbeWith(probe));
            for (int i = 0; i < 3; i++)
            {
                worker.Step();
                frontiers.Add(Least(probe));
            }

            while (worker.StepOrPark(null))
            {
            }

            return 0;
        });

        Assert.Contains(7UL, frontiers);
    }

    private static (InputHandle<ulong, ulong> Input, ProbeHandle<ulong> Probe) Build(Worker worker)
    {
        var input = new InputHandle<ulong, ulong>();
        var probe = new ProbeHandle<ulong>();
        worker.Dataflow<ulong>(scope => scope.InputFrom(input).Exchange(x => x).ProbeWith(probe));
        return (input, probe);
    }

    private static IEnumerable<Exception> Flatten(Exception e)
    {
        yield return e;
        if (e is AggregateException aggregate)
        {
            foreach (var inner in aggregate.InnerExceptions.SelectMany(Flatten))
            {
                yield return inner;
            }
        }
        else if (e.InnerException is { } inner)
        {
            foreach (var x in Flatten(inner))
            {
                yield return x;
            }
        }
    }
}
