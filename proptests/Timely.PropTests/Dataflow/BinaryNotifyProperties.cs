using System.Collections.Concurrent;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Dataflow;
using Timely.Dataflow.Channels;
using Timely.Dataflow.Operators;

namespace Timely.PropTests.Dataflow;

/// <summary>
/// <c>BinaryNotify</c> over random records on two inputs, exchanged by value, on 1 to 3 workers
/// and the serializing allocator: each worker is notified once per time it received records at,
/// in time order, only once neither input can still bring records at that time, and what it sums
/// there matches the sequential model.
/// </summary>
public sealed class BinaryNotifyProperties
{
    private static Arbitrary<((int Time, int Value, bool Left)[] Records, int Workers)> Inputs()
    {
        var record = Gen.Zip(Gen.Zip(Gen.Choose(0, 6), Gen.Choose(-50, 50)), ArbMap.Default.GeneratorFor<bool>())
            .Select(r => (r.Item1.Item1, r.Item1.Item2, r.Item2));
        return Gen.Zip(record.ArrayOf(), Gen.Choose(1, 4)).ToArbitrary();
    }

    private static int Mod(int value, int k) => ((value % k) + k) % k;

    private static Timely.Communication.Config ConfigFor(int workers) => workers switch
    {
        1 => Timely.Communication.Config.Thread,
        <= 3 => Timely.Communication.Config.Process(workers),
        _ => Timely.Communication.Config.ProcessBinary(2),
    };

    [Property(MaxTest = 30)]
    public Property Each_time_is_notified_once_in_order_after_both_inputs_passed_it() =>
        Prop.ForAll(Inputs(), input =>
        {
            var (records, workers) = input;
            int peers = workers == 4 ? 2 : workers;
            var sums = new ConcurrentBag<(int Worker, ulong Time, long Left, long Right)>();
            var violations = new ConcurrentBag<string>();
            var run = Task.Run(() => Timely.Dataflow.Execute.Run(ConfigFor(workers), worker =>
            {
                var left = new InputHandle<ulong, int>();
                var right = new InputHandle<ulong, int>();
                worker.Dataflow<ulong>(scope =>
                {
                    var stash = new Dictionary<ulong, (long Left, long Right)>();
                    var delivered = new List<ulong>();
                    var byValue = Pact<int>.Exchange(v => (ulong)Mod(v, peers));
                    scope.InputFrom(left).BinaryNotify<ulong, int, int, int>(scope.InputFrom(right), byValue, byValue, "SumPerTime", [], (in1, in2, output, notificator) =>
                    {
                        while (in1.TryNext(out var cap, out var data))
                        {
                            Stash(cap.Time, data.Sum(v => (long)v), 0);
                            notificator.NotifyAt(cap.Retain());
                        }

                        while (in2.TryNext(out var cap, out var data))
                        {
                            Stash(cap.Time, 0, data.Sum(v => (long)v));
                            notificator.NotifyAt(cap.Retain());
                        }

                        while (notificator.TryNext(out var time, out _))
                        {
                            if (in1.Frontier.LessEqual(time) || in2.Frontier.LessEqual(time))
                            {
                                violations.Add($"worker {worker.Index}: {time} notified before both inputs passed it");
                            }

                            if (delivered.Count > 0 && delivered[^1] >= time)
                            {
                                violations.Add($"worker {worker.Index}: {time} notified after {delivered[^1]}");
                            }

                            delivered.Add(time);
                            var (l, r) = stash.Remove(time, out var sum) ? sum : (0, 0);
                            sums.Add((worker.Index, time, l, r));
                            notificator.Session(output).Give(1);
                        }
                    });

                    void Stash(ulong time, long l, long r)
                    {
                        if (delivered.Contains(time))
                        {
                            violations.Add($"worker {worker.Index}: records at {time} after its notification");
                        }

                        var (sl, sr) = stash.GetValueOrDefault(time);
                        stash[time] = (sl + l, sr + r);
                    }
                });

                foreach (var (time, value, isLeft) in records.Where((_, i) => i % worker.Peers == worker.Index).OrderBy(r => r.Time))
                {
                    left.AdvanceTo((ulong)time);
                    right.AdvanceTo((ulong)time);
                    (isLeft ? left : right).Send(value);
                    worker.Step();
                }

                left.Close();
                right.Close();
            }));
            if (!run.Wait(TimeSpan.FromSeconds(30)))
            {
                return false.Label("the computation did not finish");
            }

            var expected = records
                .GroupBy(r => (Worker: Mod(r.Value, peers), Time: (ulong)r.Time))
                .Select(g => (g.Key.Worker, g.Key.Time, g.Where(r => r.Left).Sum(r => (long)r.Value), g.Where(r => !r.Left).Sum(r => (long)r.Value)))
                .Order()
                .ToArray();
            var actual = sums.Order().ToArray();
            return (expected.SequenceEqual(actual) && violations.IsEmpty)
                .Label($"{expected.Length} notifications expected, {actual.Length} seen; {string.Join("; ", violations.Take(3))}");
        });
}
