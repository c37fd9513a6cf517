using System.Collections.Concurrent;
using Timely.Communication;
using Timely.Dataflow.Channels;
using Timely.Dataflow.Operators;

namespace Timely.Dataflow.Tests;

/// <summary>
/// The same dataflows on every allocator that exists: results must not depend on how many
/// workers run them or how they talk.
/// </summary>
public sealed class MultiWorkerScenarios
{
    public static TheoryData<string> Configs => new()
    {
        "thread", "process1", "process2", "process3", "process4", "binary1", "binary2", "binary3",
        "thread+demand", "process1+demand", "process3+demand", "binary2+demand",
    };

    private static Config ConfigFor(string name) => name.Replace("+demand", "", StringComparison.Ordinal) switch
    {
        "thread" => Config.Thread,
        var plain when plain.StartsWith("binary", StringComparison.Ordinal) => Config.ProcessBinary(int.Parse(plain["binary".Length..], System.Globalization.CultureInfo.InvariantCulture)),
        var plain => Config.Process(int.Parse(plain["process".Length..], System.Globalization.CultureInfo.InvariantCulture)),
    };

    private static TResult[] RunBounded<TResult>(string config, Func<Worker, TResult> logic)
    {
        bool demand = config.EndsWith("+demand", StringComparison.Ordinal);
        var task = Task.Run(() => Execute.Run(ConfigFor(config), worker =>
        {
            worker.ProgressMode = demand ? ProgressMode.Demand : ProgressMode.Eager;
            return logic(worker);
        }));
        Assert.True(task.Wait(TimeSpan.FromSeconds(30)), $"{config}: the computation did not finish");
        return task.Result;
    }

    [Theory]
    [MemberData(nameof(Configs))]
    public void Exchange_routes_each_record_to_hash_mod_peers_exactly_once(string config)
    {
        const int Records = 1000;
        var arrivals = new ConcurrentBag<(int Worker, int Record, int Peers)>();
        RunBounded(config, worker =>
        {
            int index = worker.Index;
            int peers = worker.Peers;
            worker.Dataflow<ulong>(scope =>
            {
                Enumerable.Range(0, Records).Select(x => x * 7 + index).ToStream(scope)
                    .Exchange(x => (ulong)x)
                    .Inspect(x => arrivals.Add((index, x, peers)));
            });
            return 0;
        });

        int peersSeen = arrivals.First().Peers;
        Assert.Equal(Records * peersSeen, arrivals.Count);
        Assert.All(arrivals, a => Assert.Equal(a.Record % a.Peers, a.Worker));
        var expected = Enumerable.Range(0, peersSeen).SelectMany(w => Enumerable.Range(0, Records).Select(x => x * 7 + w)).Order();
        Assert.Equal(expected, arrivals.Select(a => a.Record).Order());
    }

    [Theory]
    [MemberData(nameof(Configs))]
    public void Exchange_by_a_struct_hash_keeps_order_time_and_batch_size_per_source_and_target(string config)
    {
        // Each worker sends seq = 0..Records-1 as (its index << 32 | seq), at time seq / PerTime,
        // routed by seq: every receiver must see each source's records in sending order, each
        // batch at the time its records were sent, no batch above the batch size, none lost.
        // PerTime / 4 > BatchSize: every target fills a whole batch at every time on up to 4 workers.
        const int Records = 10000;
        const int PerTime = 4500;
        var received = new List<(ulong Time, ulong[] Data)>[4];
        int peersSeen = RunBounded(config, worker =>
        {
            int index = worker.Index;
            int peers = worker.Peers;
            var batches = received[index] = new();
            var input = new InputHandle<ulong, ulong>();
            var probe = new ProbeHandle<ulong>();
            worker.Dataflow<ulong>(scope =>
                scope.InputFrom(input)
                    .Exchange(default(LowWord))
                    .InspectBatch((t, data) => batches.Add((t, data.ToArray())))
                    .ProbeWith(probe));
            for (ulong seq = 0; seq < Records; seq++)
            {
                if (seq / PerTime != input.Time)
                {
                    input.AdvanceTo(seq / PerTime);
                }

                input.Send(((ulong)index << 32) | seq);
            }

            input.Close();
            while (!probe.Done)
            {
                worker.StepOrPark(TimeSpan.FromMilliseconds(100));
            }

            return peers;
        })[0];

        for (int target = 0; target < peersSeen; target++)
        {
            var batches = received[target];
            Assert.All(batches, b => Assert.InRange(b.Data.Length, 1, Message<ulong, ulong>.BatchSize));
            Assert.All(batches, b => Assert.All(b.Data, x => Assert.Equal((x & 0xFFFF_FFFF) / PerTime, b.Time)));
            Assert.Contains(batches, b => b.Data.Length == Message<ulong, ulong>.BatchSize);
            var arrived = batches.SelectMany(b => b.Data).ToArray();
            for (ulong source = 0; source < (ulong)peersSeen; source++)
            {
                var seqs = arrived.Where(x => x >> 32 == source).Select(x => x & 0xFFFF_FFFF).ToArray();
                var expected = Enumerable.Range(0, Records).Where(x => x % peersSeen == target).Select(x => (ulong)x);
                Assert.Equal(expected, seqs);
            }
        }
    }

    /// <summary>A struct exchange hash: the record's low 32 bits.</summary>
    private readonly struct LowWord : IExchangeHash<ulong>
    {
        public ulong Hash(ulong item) => item & 0xFFFF_FFFF;
    }

    [Theory]
    [MemberData(nameof(Configs))]
    public void Pingpong_loop_exits_every_record_at_iter(string config)
    {
        const ulong Iterations = 20;
        const int Elements = 50;
        var exits = new ConcurrentBag<(ulong Time, ulong Value)>();
        long passes = 0;
        RunBounded(config, worker =>
        {
            int index = worker.Index;
            int peers = worker.Peers;
            worker.Dataflow<ulong>(scope =>
            {
                var (handle, cycle) = scope.Feedback<ulong, ulong>(1);
                var (done, again) = Enumerable.Range(0, Elements).Where(x => x % peers == index).Select(x => (ulong)x).ToStream(scope)
                    .Concat(cycle)
                    .Exchange(x => x)
                    .Map(x => x + 1)
                    .Inspect(_ => Interlocked.Increment(ref passes))
                    .BranchWhen(t => t < Iterations);
                again.ConnectLoop(handle);
                done.InspectTime((t, x) => exits.Add((t, x)));
            });
            return 0;
        });

        Assert.Equal(Elements * ((long)Iterations + 1), Interlocked.Read(ref passes));
        var expected = Enumerable.Range(0, Elements).Select(x => (Iterations, (ulong)x + Iterations + 1)).Order();
        Assert.Equal(expected, exits.Order());
    }

    [Theory]
    [MemberData(nameof(Configs))]
    public void Probe_passes_a_round_only_after_every_record_of_it_arrived(string config)
    {
        const int Rounds = 30;
        const int Batch = 100;
        var violations = RunBounded(config, worker =>
        {
            int index = worker.Index;
            int peers = worker.Peers;
            var received = new int[Rounds + 1];
            var input = new InputHandle<ulong, int>();
            var probe = new ProbeHandle<ulong>();
            worker.Dataflow<ulong>(scope =>
            {
                scope.InputFrom(input)
                    .Exchange(x => (ulong)x)
                    .InspectTime((t, _) => received[t]++)
                    .ProbeWith(probe);
            });

            int violationCount = 0;
            for (int round = 0; round < Rounds; round++)
            {
                for (int x = 0; x < Batch; x++)
                {
                    input.Send(x);
                }

                input.AdvanceTo((ulong)round + 1);
                while (probe.LessThan((ulong)round + 1))
                {
                    worker.StepOrPark(TimeSpan.FromMilliseconds(100));
                }

                // Every worker sent 0..Batch; this worker owns the x with x % peers == index.
                int expected = peers * Enumerable.Range(0, Batch).Count(x => x % peers == index);
                if (received[round] != expected)
                {
                    violationCount++;
                }
            }

            input.Close();
            return violationCount;
        });

        Assert.All(violations, v => Assert.Equal(0, v));
    }

    [Theory]
    [MemberData(nameof(Configs))]
    public void Barrier_notifies_every_time_on_every_worker(string config)
    {
        const ulong Iterations = 100;
        var counts = RunBounded(config, worker =>
        {
            var seen = new List<ulong>();
            worker.Dataflow<ulong>(scope =>
            {
                var (handle, cycle) = scope.Feedback<ulong, int>(1);
                cycle.UnaryNotify<ulong, int, int>(Pact<int>.Pipeline, "Barrier", [0UL], (input, output, notificator) =>
                {
                    while (notificator.TryNext(out var time, out _))
                    {
                        seen.Add(time);
                        if (time + 1 < Iterations)
                        {
                            notificator.NotifyAt(time + 1);
                        }
                    }
                }).ConnectLoop(handle);
            });
            return seen;
        });

        Assert.All(counts, seen => Assert.Equal(Enumerable.Range(0, (int)Iterations).Select(i => (ulong)i), seen));
    }

    [Theory]
    [MemberData(nameof(Configs))]
    public void Counts_per_time_and_key_are_emitted_once_complete(string config)
    {
        // Every worker sends (key, 1) for keys 0..Keys at each round; a unary operator behind an
        // exchange by key sums per (time, key) and emits a sum only when its input frontier has
        // passed that time. Any early emission would show as a partial count.
        const int Rounds = 8;
        const int Keys = 20;
        var emitted = new ConcurrentBag<(ulong Time, int Key, int Count, int Peers)>();
        RunBounded(config, worker =>
        {
            int peers = worker.Peers;
            var input = new InputHandle<ulong, int>();
            worker.Dataflow<ulong>(scope =>
            {
                var pending = new Dictionary<(ulong Time, int Key), int>();
                var held = new List<Capability<ulong>>();
                scope.InputFrom(input).Unary<ulong, int, (int Key, int Count)>(Pact<int>.Exchange(k => (ulong)k), "CountPerTime", (inp, output) =>
                {
                    while (inp.TryNext(out var cap, out var data))
                    {
                        if (!held.Exists(c => c.Time == cap.Time))
                        {
                            held.Add(cap.Retain());
                        }

                        foreach (var key in data)
                        {
                            pending[(cap.Time, key)] = pending.GetValueOrDefault((cap.Time, key)) + 1;
                        }
                    }

                    foreach (var cap in held.ToArray())
                    {
                        if (!inp.Frontier.LessEqual(cap.Time))
                        {
                            var session = output.Session(cap);
                            foreach (var entry in pending.Where(p => p.Key.Time == cap.Time).ToArray())
                            {
                                session.Give((entry.Key.Key, entry.Value));
                                pending.Remove(entry.Key);
                            }

                            cap.Dispose();
                            held.Remove(cap);
                        }
                    }
                }).InspectTime((t, kc) => emitted.Add((t, kc.Key, kc.Count, peers)));
            });

            for (int round = 0; round < Rounds; round++)
            {
                input.AdvanceTo((ulong)round);
                for (int key = 0; key < Keys; key++)
                {
                    input.Send(key);
                }

                worker.Step();
            }

            input.Close();
            return 0;
        });

        int peersSeen = emitted.First().Peers;
        var expected = Enumerable.Range(0, Rounds).SelectMany(r => Enumerable.Range(0, Keys).Select(k => ((ulong)r, k, peersSeen))).Order();
        Assert.Equal(expected, emitted.Select(e => (e.Time, e.Key, e.Count)).Order());
    }

    [Theory]
    [InlineData("process2")]
    [InlineData("binary2")]
    public async Task A_failing_operator_fails_the_run_instead_of_hanging_it(string config)
    {
        var task = Task.Run(() => Execute.Run(ConfigFor(config), worker =>
        {
            int index = worker.Index;
            worker.Dataflow<ulong>(scope =>
            {
                Enumerable.Range(0, 10).ToStream(scope)
                    .Exchange(x => (ulong)x)
                    .Inspect(x =>
                    {
                        if (index == 1 && x == 5)
                        {
                            throw new InvalidDataException("operator failed on purpose");
                        }
                    });
            });
        }));
        // WaitAsync fails with a TimeoutException if the run hangs after the worker failed.
        var error = await Assert.ThrowsAsync<AggregateException>(() => task.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains(error.Flatten().InnerExceptions, e => e is InvalidDataException);
    }
}
