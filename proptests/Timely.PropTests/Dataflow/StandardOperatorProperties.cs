using System.Collections.Concurrent;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Dataflow;
using Timely.Dataflow.Operators;

namespace Timely.PropTests.Dataflow;

/// <summary>
/// timely's operators that reorder or delay records (Delay, DelayBatch, Reclock, Accumulate,
/// Aggregate, StateMachine, Partition, UnorderedInput) over random inputs and worker counts
/// against sequential models: the output multiset matches, and a record held for a time is
/// released only once no input record at or before that time can still arrive.
/// </summary>
public sealed class StandardOperatorProperties
{
    // Workers: 1 is Thread, 2..3 Process, 4 ProcessBinary with 2 workers (the serialized path).
    private static Arbitrary<((int Time, int Value)[] Input, int Workers, int K)> Inputs()
    {
        var record = Gen.Zip(Gen.Choose(0, 6), Gen.Choose(-50, 50));
        return Gen.Zip(record.ArrayOf(), Gen.Zip(Gen.Choose(1, 4), Gen.Choose(1, 5)))
            .Select(t => (t.Item1, t.Item2.Item1, t.Item2.Item2))
            .ToArbitrary();
    }

    private static int Mod(int value, int k) => ((value % k) + k) % k;

    private static Timely.Communication.Config ConfigFor(int workers) => workers switch
    {
        1 => Timely.Communication.Config.Thread,
        <= 3 => Timely.Communication.Config.Process(workers),
        _ => Timely.Communication.Config.ProcessBinary(2),
    };

    /// <summary>
    /// Feeds each worker its share of <paramref name="input"/> in time order through
    /// <paramref name="build"/>, which gets the input stream and a probe of it (to check
    /// releases against) and returns the stream to collect. Null when the run did not finish.
    /// </summary>
    private static List<(ulong Time, TOut Value)>? Run<TOut>(
        int workers, (int Time, int Value)[] input, Func<Scope<ulong>, Stream<ulong, int>, ProbeHandle<ulong>, Stream<ulong, TOut>> build)
    {
        var outputs = new ConcurrentBag<(ulong, TOut)>();
        var run = Task.Run(() => Timely.Dataflow.Execute.Run(ConfigFor(workers), worker =>
        {
            var handle = new InputHandle<ulong, int>();
            var probe = new ProbeHandle<ulong>();
            worker.Dataflow<ulong>(scope =>
            {
                var stream = scope.InputFrom(handle);
                stream.ProbeWith(probe);
                build(scope, stream, probe).InspectTime((t, v) => outputs.Add((t, v)));
            });

            foreach (var (time, value) in input.Where((_, i) => i % worker.Peers == worker.Index).OrderBy(r => r.Time))
            {
                handle.AdvanceTo((ulong)time);
                handle.Send(value);
                worker.Step();
            }

            handle.Close();
        }));
        return run.Wait(TimeSpan.FromSeconds(30)) ? outputs.ToList() : null;
    }

    private static Property Matches<TOut>(List<(ulong Time, TOut Value)>? actual, IEnumerable<(ulong Time, TOut Value)> expected, int early, string what)
    {
        if (actual is null)
        {
            return false.Label($"{what}: the computation did not finish");
        }

        var want = expected.Order().ToArray();
        var got = actual.Order().ToArray();
        return (want.SequenceEqual(got) && early == 0).Label($"{what}: {want.Length} expected, {got.Length} seen, {early} released early");
    }

    [Property(MaxTest = 25)]
    public Property Delay_sends_each_record_at_its_new_time_once_that_time_is_complete()
    {
        return Prop.ForAll(Inputs(), program =>
        {
            var (input, workers, k) = program;
            int early = 0;
            var actual = Run(workers, input, (_, stream, probe) => stream
                .Delay((v, t) => t + (ulong)Mod(v, k))
                .InspectTime((t, _) =>
                {
                    if (probe.LessEqual(t))
                    {
                        Interlocked.Increment(ref early);
                    }
                }));
            return Matches(actual, input.Select(r => ((ulong)(r.Time + Mod(r.Value, k)), r.Value)), early, $"delay, {workers} workers");
        });
    }

    [Property(MaxTest = 25)]
    public Property DelayBatch_and_DelayTotal_match_their_models()
    {
        return Prop.ForAll(Inputs(), program =>
        {
            var (input, workers, k) = program;
            int early = 0;
            var actual = Run(workers, input, (_, stream, probe) => stream
                .DelayBatch(t => (t * (ulong)k) + 1)
                .Map(v => (Batch: true, v))
                .Concat(stream.DelayTotal((v, t) => t + (v < 0 ? (ulong)k : 0UL)).Map(v => (Batch: false, v)))
                .InspectTime((t, _) =>
                {
                    if (probe.LessEqual(t))
                    {
                        Interlocked.Increment(ref early);
                    }
                }));
            var expected = input.Select(r => ((ulong)((r.Time * k) + 1), (true, r.Value)))
                .Concat(input.Select(r => ((ulong)(r.Time + (r.Value < 0 ? k : 0)), (false, r.Value))));
            return Matches(actual, expected, early, $"delay_batch/delay_total, {workers} workers");
        });
    }

    [Property(MaxTest = 25)]
    public Property Reclock_sends_each_record_at_the_first_tick_not_before_it()
    {
        var ticks = Gen.Choose(0, 8).ArrayOf().Select(a => a.Distinct().Order().ToArray()).ToArbitrary();
        return Prop.ForAll(Inputs(), ticks, (program, clockTimes) =>
        {
            var (input, workers, _) = program;
            var actual = Run(workers, input, (scope, stream, _) =>
            {
                // Every worker ticks (reclock reads its clock on its own worker).
                var clock = Enumerable.Range(0, 1).ToStream(scope).FlatMap(_ => clockTimes).Delay((t, _) => (ulong)t);
                return stream.Reclock(clock);
            });
            var expected = input
                .Where(r => clockTimes.Any(c => c >= r.Time))
                .Select(r => ((ulong)clockTimes.First(c => c >= r.Time), r.Value));
            return Matches(actual, expected, 0, $"reclock at [{string.Join(',', clockTimes)}], {workers} workers");
        });
    }

    [Property(MaxTest = 25)]
    public Property Accumulate_sends_one_complete_sum_per_time_and_worker()
    {
        return Prop.ForAll(Inputs(), program =>
        {
            var (input, workers, _) = program;
            int early = 0;
            var actual = Run(workers, input, (_, stream, probe) => stream
                .Accumulate((Sum: 0L, Count: 0L), (ref (long Sum, long Count) acc, List<int> batch) =>
                {
                    foreach (var v in batch)
                    {
                        acc.Sum += v;
                    }

                    acc.Count += batch.Count;
                })
                .InspectTime((t, _) =>
                {
                    if (probe.LessEqual(t))
                    {
                        Interlocked.Increment(ref early);
                    }
                }));
            if (actual is null)
            {
                return false.Label("accumulate: the computation did not finish");
            }

            int peers = workers == 4 ? 2 : workers;
            var perTime = actual.GroupBy(a => a.Time).ToDictionary(g => g.Key, g => (Sum: g.Sum(a => a.Value.Sum), Count: g.Sum(a => a.Value.Count), Sends: g.Count()));
            var model = input.GroupBy(r => (ulong)r.Time).ToDictionary(g => g.Key, g => (Sum: g.Sum(r => (long)r.Value), Count: (long)g.Count()));
            bool ok = perTime.Count == model.Count
                && model.All(m => perTime.TryGetValue(m.Key, out var p) && p.Sum == m.Value.Sum && p.Count == m.Value.Count && p.Sends <= peers);
            return (ok && early == 0).Label($"accumulate, {workers} workers, {early} early");
        });
    }

    [Property(MaxTest = 25)]
    public Property Aggregate_matches_a_per_time_per_key_fold()
    {
        return Prop.ForAll(Inputs(), program =>
        {
            var (input, workers, k) = program;
            var actual = Run(workers, input, (_, stream, _) => stream
                .Map(v => (Key: Mod(v, k + 2), Value: v))
                .Aggregate<ulong, int, int, (long Sum, int Count), (int Key, long Sum, int Count)>(
                    (int _, int value, ref (long Sum, int Count) state) =>
                    {
                        state.Sum += value;
                        state.Count++;
                    },
                    (key, state) => (key, state.Sum, state.Count),
                    key => (ulong)key));
            var expected = input.GroupBy(r => (r.Time, Key: Mod(r.Value, k + 2)))
                .Select(g => ((ulong)g.Key.Time, (g.Key.Key, g.Sum(r => (long)r.Value), g.Count())));
            return Matches(actual, expected, 0, $"aggregate, {workers} workers");
        });
    }

    [Property(MaxTest = 25)]
    public Property StateMachine_applies_each_keys_pairs_in_time_order()
    {
        // The state counts pairs and each step emits the count: within a time the order is
        // free, but the multiset of counts per (time, key) is fixed by the counts of earlier times.
        return Prop.ForAll(Inputs(), program =>
        {
            var (input, workers, k) = program;
            var actual = Run(workers, input, (_, stream, _) => stream
                .Map(v => (Key: Mod(v, k + 1), Value: v))
                .StateMachine<ulong, int, int, int, (int Key, int Count)>(
                    (int key, int _, ref int count, List<(int Key, int Count)> output) =>
                    {
                        count++;
                        output.Add((key, count));
                        return false;
                    },
                    key => (ulong)key));
            var expected = new List<(ulong, (int, int))>();
            foreach (var byKey in input.GroupBy(r => Mod(r.Value, k + 1)))
            {
                int before = 0;
                foreach (var byTime in byKey.GroupBy(r => r.Time).OrderBy(g => g.Key))
                {
                    int n = byTime.Count();
                    expected.AddRange(Enumerable.Range(before + 1, n).Select(c => ((ulong)byTime.Key, (byKey.Key, c))));
                    before += n;
                }
            }

            return Matches(actual, expected, 0, $"state_machine, {workers} workers");
        });
    }

    [Property(MaxTest = 25)]
    public Property Partition_sends_each_record_to_its_part_only()
    {
        return Prop.ForAll(Inputs(), program =>
        {
            var (input, workers, k) = program;
            var actual = Run(workers, input, (scope, stream, _) =>
            {
                var parts = stream.Partition(k, v => ((ulong)Mod(v, k), v * 3));
                return scope.Concatenate(parts.Select((p, i) => p.Map(v => (Part: i, v))));
            });
            var expected = input.Select(r => ((ulong)r.Time, (Mod(r.Value, k), r.Value * 3)));
            return Matches(actual, expected, 0, $"partition into {k}, {workers} workers");
        });
    }

    [Property(MaxTest = 25)]
    public Property UnorderedInput_delivers_records_sent_out_of_order_and_probes_never_pass_them()
    {
        // Each worker takes a capability per time of its records, sends them in the generated
        // (unsorted) order, then drops the capabilities in the generated order, stepping between.
        return Prop.ForAll(Inputs(), program =>
        {
            var (input, workers, _) = program;
            var outputs = new ConcurrentBag<(ulong, int)>();
            int violations = 0;
            var run = Task.Run(() => Timely.Dataflow.Execute.Run(ConfigFor(workers), worker =>
            {
                var probe = new ProbeHandle<ulong>();
                var (handle, capability) = worker.Dataflow<ulong, (UnorderedHandle<ulong, int>, Capability<ulong>)>(scope =>
                {
                    var (h, c, stream) = scope.NewUnorderedInput<ulong, int>();
                    stream.Exchange(v => (ulong)(uint)v)
                        .InspectTime((t, v) =>
                        {
                            if (!probe.LessEqual(t))
                            {
                                Interlocked.Increment(ref violations);
                            }

                            outputs.Add((t, v));
                        })
                        .ProbeWith(probe);
                    return (h, c);
                });

                var mine = input.Where((_, i) => i % worker.Peers == worker.Index).ToArray();
                var caps = new Dictionary<int, Capability<ulong>>();
                foreach (var (time, value) in mine)
                {
                    if (!caps.TryGetValue(time, out var cap))
                    {
                        caps[time] = cap = capability.Delayed((ulong)time);
                    }

                    handle.Session(cap).Give(value);
                }

                capability.Dispose();
                foreach (var time in mine.Select(r => r.Time).Distinct())
                {
                    worker.Step();
                    caps[time].Dispose();
                }
            }));
            if (!run.Wait(TimeSpan.FromSeconds(30)))
            {
                return false.Label("unordered input: the computation did not finish");
            }

            var expected = input.Select(r => ((ulong)r.Time, r.Value)).Order().ToArray();
            var actual = outputs.Order().ToArray();
            return (expected.SequenceEqual(actual) && violations == 0)
                .Label($"unordered input, {workers} workers: {expected.Length} expected, {actual.Length} seen, {violations} probe violations");
        });
    }
}
