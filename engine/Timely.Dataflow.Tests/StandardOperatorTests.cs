using System.Collections.Concurrent;
using Timely.Communication;
using Timely.Dataflow.Channels;
using Timely.Dataflow.Operators;

namespace Timely.Dataflow.Tests;

/// <summary>
/// timely's standard operators (StandardOperators, DelayOperators, AggregationOperators) on one
/// worker, two workers in process, and two workers over the serializing allocator. Each worker
/// feeds the records whose index is its own modulo the peers, in time order.
/// </summary>
public sealed class StandardOperatorTests
{
    public static TheoryData<string> Configs => new() { "thread", "process2", "binary2" };

    private static readonly (ulong Time, int Value)[] Records =
        Enumerable.Range(0, 200).Select(i => ((ulong)(i / 25), (i * 37 % 101) - 50)).ToArray();

    private static Config ConfigFor(string name) => name switch
    {
        "thread" => Config.Thread,
        "process2" => Config.Process(2),
        "binary2" => Config.ProcessBinary(2),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    private static int PeersOf(string name) => name == "thread" ? 1 : 2;

    private static void Run(string config, Action<Worker> logic)
    {
        var task = Task.Run(() => Execute.Run(ConfigFor(config), logic));
        Assert.True(task.Wait(TimeSpan.FromSeconds(30)), $"{config}: the computation did not finish");
    }

    /// <summary>Feeds this worker's share of <see cref="Records"/> into <paramref name="input"/>, a time at a time.</summary>
    private static void Feed(Worker worker, InputHandle<ulong, int> input, (ulong Time, int Value)[] records)
    {
        for (int i = 0; i < records.Length; i++)
        {
            if (i % worker.Peers != worker.Index)
            {
                continue;
            }

            if (records[i].Time != input.Time)
            {
                input.AdvanceTo(records[i].Time);
                worker.Step();
            }

            input.Send(records[i].Value);
        }

        input.Close();
    }

    /// <summary>Runs <paramref name="build"/> over the fed records and returns what reaches its end, with times.</summary>
    private static List<(ulong Time, TOut Value)> Through<TOut>(string config, Func<Stream<ulong, int>, Stream<ulong, TOut>> build, (ulong Time, int Value)[]? records = null)
    {
        var seen = new ConcurrentBag<(ulong, TOut)>();
        Run(config, worker =>
        {
            var input = new InputHandle<ulong, int>();
            worker.Dataflow<ulong>(scope => build(scope.InputFrom(input)).InspectTime((t, x) => seen.Add((t, x))));
            Feed(worker, input, records ?? Records);
        });
        return seen.ToList();
    }

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

    [Theory]
    [MemberData(nameof(Configs))]
    public void Accumulate_and_Count_send_one_result_per_time_and_worker(string config)
    {
        var sums = new ConcurrentBag<(ulong Time, long Sum)>();
        var counts = new ConcurrentBag<(ulong Time, long Count)>();
        Run(config, worker =>
        {
            var input = new InputHandle<ulong, int>();
            worker.Dataflow<ulong>(scope =>
            {
                var stream = scope.InputFrom(input);
                stream.Accumulate(0L, (ref long sum, List<int> data) =>
                {
                    foreach (var x in data)
                    {
                        sum += x;
                    }
                }).InspectTime((t, s) => sums.Add((t, s)));
                stream.Count().InspectTime((t, c) => counts.Add((t, c)));
            });
            Feed(worker, input, Records);
        });

        int peers = PeersOf(config);
        var times = Records.Select(r => r.Time).Distinct().ToArray();
        Assert.Equal(times.Length * peers, counts.Count);   // one per time per worker (every worker has records at every time)
        foreach (var time in times)
        {
            Assert.Equal(Records.Count(r => r.Time == time), counts.Where(c => c.Time == time).Sum(c => c.Count));
            Assert.Equal(Records.Where(r => r.Time == time).Sum(r => (long)r.Value), sums.Where(s => s.Time == time).Sum(s => s.Sum));
        }
    }

    [Theory]
    [MemberData(nameof(Configs))]
    public void Aggregate_folds_per_time_and_key_on_the_key_worker(string config)
    {
        var seen = new ConcurrentBag<(ulong Time, string Key, long Sum, int Worker)>();
        Run(config, worker =>
        {
            var input = new InputHandle<ulong, int>();
            int index = worker.Index;
            worker.Dataflow<ulong>(scope =>
                scope.InputFrom(input)
                    .Map(x => ($"k{(x + 50) % 7}", (long)x))
                    .Aggregate<ulong, string, long, long, (string Key, long Sum)>(
                        (string _, long value, ref long sum) => sum += value,
                        (key, sum) => (key, sum),
                        key => (ulong)key[1])
                    .InspectTime((t, ks) => seen.Add((t, ks.Key, ks.Sum, index))));
            Feed(worker, input, Records);
        });

        var expected = Records.GroupBy(r => (r.Time, Key: $"k{(r.Value + 50) % 7}")).Select(g => (g.Key.Time, g.Key.Key, g.Sum(r => (long)r.Value)));
        Assert.Equal(expected.Order(), seen.Select(s => (s.Time, s.Key, s.Sum)).Order());
        int peers = PeersOf(config);
        Assert.All(seen, s => Assert.Equal((int)((ulong)s.Key[1] % (ulong)peers), s.Worker));
    }

    [Theory]
    [MemberData(nameof(Configs))]
    public void StateMachine_applies_pairs_in_time_order_per_key_and_forgets_removed_keys(string config)
    {
        // Per key: count pairs, emit (key, count) each step; a value of 0 resets key 4. Counts
        // are order-independent within a time, so the multiset of outputs is determined; key 4
        // (values 100 and the reset 0) has one pair per time, so its resets are ordered too.
        var seen = new ConcurrentBag<(ulong Time, int Key, int Count)>();
        var records = Enumerable.Range(0, 120).Select(i => ((ulong)(i / 10), (i * 13 % 31) + 1))
            .Concat([(1UL, 100), (3UL, 100), (5UL, 0), (8UL, 100)])
            .OrderBy(r => r.Item1).ToArray();
        static int KeyOf(int x) => x is 0 or 100 ? 4 : x % 4;
        Run(config, worker =>
        {
            var input = new InputHandle<ulong, int>();
            worker.Dataflow<ulong>(scope =>
            {
                scope.InputFrom(input)
                    .Map(x => (Key: KeyOf(x), Value: x))
                    .StateMachine<ulong, int, int, int, (int Key, int Count)>(
                        (key, value, ref count, output) =>
                        {
                            if (value == 0)
                            {
                                return true;
                            }

                            count++;
                            output.Add((key, count));
                            return false;
                        },
                        key => (ulong)key)
                    .InspectTime((t, kc) => seen.Add((t, kc.Key, kc.Count)));
            });
            Feed(worker, input, records);
        });

        var expected = new List<(ulong, int, int)>();
        var counts = new Dictionary<int, int>();
        foreach (var group in records.Select((r, i) => (r.Item1, Value: r.Item2)).GroupBy(r => r.Item1).OrderBy(g => g.Key))
        {
            foreach (var keyed in group.GroupBy(r => KeyOf(r.Value)))
            {
                if (keyed.Any(r => r.Value == 0))
                {
                    counts[keyed.Key] = 0;
                    continue;
                }

                int before = counts.GetValueOrDefault(keyed.Key);
                int n = keyed.Count();
                expected.AddRange(Enumerable.Range(before + 1, n).Select(c => (group.Key, keyed.Key, c)));
                counts[keyed.Key] = before + n;
            }
        }

        Assert.Equal(expected.Order(), seen.Order());
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
