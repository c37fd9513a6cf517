using System.Collections.Concurrent;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Dataflow;
using Timely.Dataflow.Operators;

namespace Timely.PropTests.Dataflow;

/// <summary>
/// Random dataflow graphs of map/filter/exchange/concat over random inputs and worker
/// counts against a sequential model: the output multiset matches, and no record ever
/// reaches a point whose probe has already passed its time.
/// </summary>
public sealed class DataflowProperties
{
    // An op (Kind, X, Y, K): 0 map x*K+X, 1 filter x%K != X%K, 2 exchange, 3 concat; X and Y
    // pick earlier streams modulo how many exist.
    // Workers: 1 is Thread, 2..3 Process, 4..5 ProcessBinary with 2..3 workers (serialized
    // path); a negative count runs the same in ProgressMode.Demand.
    private static Arbitrary<((int Kind, int X, int Y, int K)[] Ops, (int Time, int Value)[] Input, int Workers)> Programs()
    {
        var op = Gen.Zip(Gen.Zip(Gen.Choose(0, 3), Gen.Choose(0, 1000)), Gen.Zip(Gen.Choose(0, 1000), Gen.Choose(1, 7)))
            .Select(t => (t.Item1.Item1, t.Item1.Item2, t.Item2.Item1, t.Item2.Item2));
        var record = Gen.Zip(Gen.Choose(0, 3), Gen.Choose(-50, 50));
        var gen = Gen.Zip(op.ArrayOf(), Gen.Zip(record.ArrayOf(), Gen.Zip(Gen.Choose(1, 5), Gen.Elements(1, -1)).Select(w => w.Item1 * w.Item2)))
            .Select(t => (t.Item1.Take(8).ToArray(), t.Item2.Item1, t.Item2.Item2));
        return gen.ToArbitrary();
    }

    private static List<(int Time, int Value)> Model((int Kind, int X, int Y, int K)[] ops, (int Time, int Value)[] input)
    {
        var streams = new List<List<(int Time, int Value)>> { input.ToList() };
        foreach (var (kind, x, y, k) in ops)
        {
            var a = streams[x % streams.Count];
            streams.Add(kind switch
            {
                0 => a.Select(r => (r.Time, unchecked((r.Value * k) + x))).ToList(),
                1 => a.Where(r => Mod(r.Value, k) != x % k).ToList(),
                2 => a.ToList(),
                _ => a.Concat(streams[y % streams.Count]).ToList(),
            });
        }

        return streams[^1];
    }

    private static int Mod(int value, int k) => ((value % k) + k) % k;

    private static Stream<ulong, int> Build(Scope<ulong> scope, Stream<ulong, int> input, (int Kind, int X, int Y, int K)[] ops)
    {
        var streams = new List<Stream<ulong, int>> { input };
        foreach (var (kind, x, y, k) in ops)
        {
            var a = streams[x % streams.Count];
            int bias = x;
            int modulus = k;
            streams.Add(kind switch
            {
                0 => a.Map(v => unchecked((v * modulus) + bias)),
                1 => a.Filter(v => Mod(v, modulus) != bias % modulus),
                2 => a.Exchange(v => (ulong)(uint)v),
                _ => a.Concat(streams[y % streams.Count]),
            });
        }

        return streams[^1];
    }

    [Property(MaxTest = 40)]
    public Property Random_dataflows_match_the_sequential_model_and_probes_never_pass_live_data()
    {
        return Prop.ForAll(Programs(), program =>
        {
            var (ops, input, signedWorkers) = program;
            int workers = Math.Abs(signedWorkers);
            var mode = signedWorkers < 0 ? ProgressMode.Demand : ProgressMode.Eager;
            var outputs = new ConcurrentBag<(int Time, int Value)>();
            int violations = 0;
            var config = workers switch
            {
                1 => Timely.Communication.Config.Thread,
                <= 3 => Timely.Communication.Config.Process(workers),
                _ => Timely.Communication.Config.ProcessBinary(workers - 2),
            };
            var run = Task.Run(() => Execute.Run(config, worker =>
            {
                worker.ProgressMode = mode;
                var handle = new InputHandle<ulong, int>();
                var probe = new ProbeHandle<ulong>();
                worker.Dataflow<ulong>(scope =>
                {
                    Build(scope, scope.InputFrom(handle), ops)
                        .InspectTime((t, v) =>
                        {
                            if (!probe.LessEqual(t))
                            {
                                Interlocked.Increment(ref violations);
                            }

                            outputs.Add(((int)t, v));
                        })
                        .ProbeWith(probe);
                });

                var mine = input.Where((_, i) => i % worker.Peers == worker.Index).OrderBy(r => r.Time);
                foreach (var (time, value) in mine)
                {
                    handle.AdvanceTo((ulong)time);
                    handle.Send(value);
                    worker.Step();
                }

                handle.Close();
            }));
            if (!run.Wait(TimeSpan.FromSeconds(30)))
            {
                return false.Label("the computation did not finish");
            }

            var expected = Model(ops, input).Order().ToArray();
            var actual = outputs.Order().ToArray();
            return (expected.SequenceEqual(actual) && violations == 0)
                .Label($"workers {workers} {mode}, {expected.Length} expected, {actual.Length} seen, {violations} probe violations");
        });
    }
}
