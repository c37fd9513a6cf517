using System.Collections.Concurrent;
using Timely.Dataflow.Channels;
using Timely.Dataflow.Operators;

using static Timely.Dataflow.Tests.OperatorHarness;

namespace Timely.Dataflow.Tests;

/// <summary>
/// timely's standard operators (StandardOperators: FlatMap, Branch, OkErr, Partition, Concatenate,
/// Broadcast, ForEachTime, UnorderedInput) on the configurations of <see cref="OperatorHarness"/>.
/// </summary>
public sealed class StandardOperatorTests
{
    public static TheoryData<string> Configs => OperatorHarness.Configs;

    [Theory]
    [MemberData(nameof(Configs))]
    public void FlatMap_sends_every_produced_record_at_the_time_of_its_source(string config)
    {
        var seen = Through(config, s => s.FlatMap(x => new[] { x, x + 1000, x + 2000 }.Where(y => y % 2 == 0)));
        var expected = Records.SelectMany(r => new[] { r.Value, r.Value + 1000, r.Value + 2000 }.Where(y => y % 2 == 0).Select(y => (r.Time, y)));
        Assert.Equal(expected.Order(), seen.Order());
    }

    [Theory]
    [MemberData(nameof(Configs))]
    public void Branch_splits_by_time_and_record(string config)
    {
        var falses = new ConcurrentBag<(ulong, int)>();
        var trues = new ConcurrentBag<(ulong, int)>();
        Run(config, worker =>
        {
            var input = new InputHandle<ulong, int>();
            worker.Dataflow<ulong>(scope =>
            {
                var (whenFalse, whenTrue) = scope.InputFrom(input).Branch((t, x) => (x + (int)t) % 3 == 0);
                whenFalse.InspectTime((t, x) => falses.Add((t, x)));
                whenTrue.InspectTime((t, x) => trues.Add((t, x)));
            });
            Feed(worker, input, Records);
        });
        Assert.Equal(Records.Where(r => (r.Value + (int)r.Time) % 3 == 0).Order(), trues.Order());
        Assert.Equal(Records.Where(r => (r.Value + (int)r.Time) % 3 != 0).Order(), falses.Order());
    }

    [Theory]
    [MemberData(nameof(Configs))]
    public void OkErr_sends_values_one_way_and_errors_the_other(string config)
    {
        var oks = new ConcurrentBag<(ulong, long)>();
        var errs = new ConcurrentBag<(ulong, string)>();
        Run(config, worker =>
        {
            var input = new InputHandle<ulong, int>();
            worker.Dataflow<ulong>(scope =>
            {
                var (ok, err) = scope.InputFrom(input)
                    .OkErr(x => x >= 0 ? Result<long, string>.Ok(2L * x) : Result<long, string>.Err($"negative {x}"));
                ok.InspectTime((t, x) => oks.Add((t, x)));
                err.InspectTime((t, e) => errs.Add((t, e)));
            });
            Feed(worker, input, Records);
        });
        Assert.Equal(Records.Where(r => r.Value >= 0).Select(r => (r.Time, 2L * r.Value)).Order(), oks.Order());
        Assert.Equal(Records.Where(r => r.Value < 0).Select(r => (r.Time, $"negative {r.Value}")).Order(), errs.Order());
    }

    [Fact]
    public void Result_refuses_the_wrong_case()
    {
        var ok = Result<int, string>.Ok(3);
        var err = Result<int, string>.Err("no");
        Assert.True(ok.IsOk);
        Assert.Equal(3, ok.Value);
        Assert.Throws<InvalidOperationException>(() => ok.Error);
        Assert.False(err.IsOk);
        Assert.Equal("no", err.Error);
        Assert.Throws<InvalidOperationException>(() => err.Value);
        Assert.Equal("Ok(3)", ok.ToString());
        Assert.Equal("Err(no)", err.ToString());
    }

    [Theory]
    [MemberData(nameof(Configs))]
    public void Partition_sends_each_record_to_the_part_it_names(string config)
    {
        const int Parts = 4;
        var seen = new ConcurrentBag<(int Part, ulong Time, string Value)>();
        Run(config, worker =>
        {
            var input = new InputHandle<ulong, int>();
            worker.Dataflow<ulong>(scope =>
            {
                var parts = scope.InputFrom(input).Partition(Parts, x => ((ulong)(x + 50) % Parts, $"v{x}"));
                Assert.Equal(Parts, parts.Length);
                for (int p = 0; p < Parts; p++)
                {
                    int part = p;
                    parts[p].InspectTime((t, v) => seen.Add((part, t, v)));
                }
            });
            Feed(worker, input, Records);
        });
        Assert.Equal(Records.Select(r => ((r.Value + 50) % Parts, r.Time, $"v{r.Value}")).Order(), seen.Order());
    }

    [Fact]
    public void Partition_fails_on_a_part_out_of_range()
    {
        var error = Assert.ThrowsAny<Exception>(() => Execute.Directly(worker =>
            worker.Dataflow<ulong>(scope => Enumerable.Range(1, 3).ToStream(scope).Partition(2, x => ((ulong)x, x)))));
        Assert.Contains("part 2", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Configs))]
    public void Concatenate_merges_any_number_of_streams(string config)
    {
        var merged = new ConcurrentBag<(ulong, int)>();
        var chained = new ConcurrentBag<(ulong, int)>();
        Run(config, worker =>
        {
            var input = new InputHandle<ulong, int>();
            worker.Dataflow<ulong>(scope =>
            {
                var stream = scope.InputFrom(input);
                var streams = Enumerable.Range(0, 3).Select(k => stream.Map(x => x + (1000 * k))).ToArray();
                scope.Concatenate(streams).InspectTime((t, x) => merged.Add((t, x)));
                stream.Concatenate(streams.Skip(1)).InspectTime((t, x) => chained.Add((t, x)));
                scope.Concatenate(Array.Empty<Stream<ulong, int>>()).Inspect(_ => merged.Add((ulong.MaxValue, 0)));
            });
            Feed(worker, input, Records);
        });
        Assert.Equal(Records.SelectMany(r => Enumerable.Range(0, 3).Select(k => (r.Time, r.Value + (1000 * k)))).Order(), merged.Order());
        Assert.Equal(Records.SelectMany(r => Enumerable.Range(0, 3).Select(k => (r.Time, r.Value + (1000 * k)))).Order(), chained.Order());
    }

    [Theory]
    [MemberData(nameof(Configs))]
    public void Broadcast_gives_every_worker_every_record(string config)
    {
        var seen = new ConcurrentBag<(int Worker, ulong Time, int Value)>();
        Run(config, worker =>
        {
            var input = new InputHandle<ulong, int>();
            int index = worker.Index;
            worker.Dataflow<ulong>(scope => scope.InputFrom(input).Broadcast().InspectTime((t, x) => seen.Add((index, t, x))));
            Feed(worker, input, Records);
        });
        int peers = PeersOf(config);
        var expected = Enumerable.Range(0, peers).SelectMany(w => Records.Select(r => (w, r.Time, r.Value)));
        Assert.Equal(expected.Order(), seen.Order());
    }

    [Fact]
    public void ForEachTime_groups_the_pending_batches_by_time_in_time_order()
    {
        var calls = new List<(ulong Time, int Batches, int[] Records)>();
        Execute.Directly(worker =>
        {
            var input = new InputHandle<ulong, int>();
            worker.Dataflow<ulong>(scope => scope.InputFrom(input).Sink(Pact<int>.Pipeline, "ForEachTime", port =>
                port.ForEachTime((cap, batches) =>
                {
                    var records = new List<int>();
                    foreach (var batch in batches)
                    {
                        records.AddRange(batch);
                    }

                    calls.Add((cap.Time, batches.Length, records.ToArray()));
                })));

            // Three messages at time 0 (flushed apart) and one at time 1 reach the operator in one step.
            input.Send(1);
            input.Flush();
            input.Send(2);
            input.Flush();
            input.Send(3);
            input.AdvanceTo(1);
            input.Send(4);
            worker.Step();
        });
        Assert.Equal(2, calls.Count);
        Assert.Equal((0UL, 3), (calls[0].Time, calls[0].Batches));
        Assert.Equal([1, 2, 3], calls[0].Records);
        Assert.Equal((1UL, 1), (calls[1].Time, calls[1].Batches));
        Assert.Equal([4], calls[1].Records);
    }

    [Theory]
    [MemberData(nameof(Configs))]
    public void UnorderedInput_sends_at_any_held_time_and_its_capabilities_hold_the_frontier(string config)
    {
        var seen = new ConcurrentBag<(ulong Time, int Value)>();
        Run(config, worker =>
        {
            int index = worker.Index;
            var probe = new ProbeHandle<ulong>();
            var (handle, capability) = worker.Dataflow<ulong, (UnorderedHandle<ulong, int>, Capability<ulong>)>(scope =>
            {
                var (h, c, stream) = scope.NewUnorderedInput<ulong, int>();
                stream.Exchange(x => (ulong)x).InspectTime((t, x) => seen.Add((t, x))).ProbeWith(probe);
                return (h, c);
            });

            var at5 = capability.Delayed(5);
            var at2 = capability.Delayed(2);
            var at8 = capability.Delayed(8);
            capability.Dispose();
            handle.Session(at5).Give(50 + index);
            handle.Session(at2).Give(20 + index);
            handle.Session(at8).Give(80 + index);
            at2.Dispose();

            // Only the capabilities at 5 and 8 remain, on every worker: the frontier stops at 5.
            worker.StepWhile(() => probe.LessThan(5));
            Assert.True(probe.LessEqual(5));
            at5.Dispose();
            worker.StepWhile(() => probe.LessThan(8));
            Assert.True(probe.LessEqual(8));
            at8.Dispose();
        });

        var expected = Enumerable.Range(0, PeersOf(config)).SelectMany(w => new[] { (5UL, 50 + w), (2UL, 20 + w), (8UL, 80 + w) });
        Assert.Equal(expected.Order(), seen.Order());
    }

    [Fact]
    public void ForEachTime_sorts_times_that_arrive_out_of_order()
    {
        var times = new List<ulong>();
        Execute.Directly(worker =>
        {
            var (handle, capability) = worker.Dataflow<ulong, (UnorderedHandle<ulong, int>, Capability<ulong>)>(scope =>
            {
                var (h, c, stream) = scope.NewUnorderedInput<ulong, int>();
                stream.Sink(Pact<int>.Pipeline, "Times", port => port.ForEachTime((cap, _) => times.Add(cap.Time)));
                return (h, c);
            });

            using var at5 = capability.Delayed(5);
            using var at2 = capability.Delayed(2);
            using var at8 = capability.Delayed(8);
            handle.Session(at5).Give(1);
            handle.Session(at2).Give(2);
            handle.Session(at8).Give(3);
            handle.Session(at2).Give(4);
            worker.Step();
            capability.Dispose();
        });
        Assert.Equal([2UL, 5UL, 8UL], times);
    }
}
