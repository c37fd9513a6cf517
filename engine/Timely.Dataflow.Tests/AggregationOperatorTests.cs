using System.Collections.Concurrent;
using Timely.Dataflow.Operators;

using static Timely.Dataflow.Tests.OperatorHarness;

namespace Timely.Dataflow.Tests;

/// <summary>
/// timely's aggregation operators (Accumulate, Count, Aggregate, StateMachine) on the configurations of <see cref="OperatorHarness"/>.
/// </summary>
public sealed class AggregationOperatorTests
{
    public static TheoryData<string> Configs => OperatorHarness.Configs;

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
}
