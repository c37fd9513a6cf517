using System.Collections.Concurrent;
using Timely.Dataflow.Operators;

using static Timely.Dataflow.Tests.OperatorHarness;

namespace Timely.Dataflow.Tests;

/// <summary>
/// timely's delay operators (Delay, DelayTotal, DelayBatch, Reclock) on the configurations of <see cref="OperatorHarness"/>.
/// </summary>
public sealed class DelayOperatorTests
{
    public static TheoryData<string> Configs => OperatorHarness.Configs;

    [Theory]
    [MemberData(nameof(Configs))]
    public void Delay_moves_each_record_to_its_later_time_and_releases_it_complete(string config)
    {
        var seen = new ConcurrentBag<(ulong Time, int Value, bool Early)>();
        Run(config, worker =>
        {
            var input = new InputHandle<ulong, int>();
            var probe = new ProbeHandle<ulong>();
            worker.Dataflow<ulong>(scope =>
            {
                var stream = scope.InputFrom(input);
                stream.Delay((x, t) => t + (ulong)(x + 50) % 5)
                    .InspectTime((t, x) => seen.Add((t, x, probe.LessThan(t))));
                stream.ProbeWith(probe);
            });
            Feed(worker, input, Records);
        });

        // Released only once the input has passed the new time (the probe on the input says so).
        Assert.All(seen, s => Assert.False(s.Early));
        Assert.Equal(Records.Select(r => (r.Time + ((ulong)(r.Value + 50) % 5), r.Value)).Order(), seen.Select(s => (s.Time, s.Value)).Order());
    }

    [Fact]
    public void Delay_to_an_earlier_time_fails()
    {
        var error = Assert.ThrowsAny<Exception>(() => Execute.Directly(worker =>
        {
            var input = new InputHandle<ulong, int>();
            worker.Dataflow<ulong>(scope => scope.InputFrom(input).Delay((_, t) => t - 1));
            input.AdvanceTo(5);
            input.Send(1);
        }));
        Assert.Contains("earlier", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Configs))]
    public void DelayTotal_and_DelayBatch_move_records_and_batches(string config)
    {
        var total = new ConcurrentBag<(ulong, int)>();
        var batch = new ConcurrentBag<(ulong, int)>();
        Run(config, worker =>
        {
            var input = new InputHandle<ulong, int>();
            worker.Dataflow<ulong>(scope =>
            {
                var stream = scope.InputFrom(input);
                stream.DelayTotal((x, t) => t + (x < 0 ? 10UL : 0UL)).InspectTime((t, x) => total.Add((t, x)));
                stream.DelayBatch(t => (2 * t) + 1).InspectTime((t, x) => batch.Add((t, x)));
            });
            Feed(worker, input, Records);
        });
        Assert.Equal(Records.Select(r => (r.Time + (r.Value < 0 ? 10UL : 0UL), r.Value)).Order(), total.Order());
        Assert.Equal(Records.Select(r => ((2 * r.Time) + 1, r.Value)).Order(), batch.Order());
    }

    [Theory]
    [MemberData(nameof(Configs))]
    public void Reclock_releases_records_at_the_first_clock_time_not_before_theirs(string config)
    {
        ulong[] ticks = [2, 5];
        var seen = new ConcurrentBag<(ulong, int)>();
        Run(config, worker =>
        {
            var input = new InputHandle<ulong, int>();
            var clock = new InputHandle<ulong, string>();
            worker.Dataflow<ulong>(scope =>
                scope.InputFrom(input).Reclock(scope.InputFrom(clock)).InspectTime((t, x) => seen.Add((t, x))));
            // Reclock is a pipeline operator: every worker needs the clock's ticks (a clock on one
            // worker would go through Broadcast).
            foreach (var tick in ticks)
            {
                clock.AdvanceTo(tick);
                clock.Send("tick");
            }

            clock.Close();
            Feed(worker, input, Records);
        });

        // Records at 0..2 leave at 2, 3..5 at 5; the later ones have no tick after them.
        var expected = Records.Where(r => r.Time <= 5).Select(r => (r.Time <= 2 ? 2UL : 5UL, r.Value));
        Assert.Equal(expected.Order(), seen.Order());
    }
}
