using System.Collections.Concurrent;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Bytes;
using Timely.Dataflow;
using Timely.Dataflow.Operators;
using Timely.Dataflow.Timestamps;

namespace Timely.PropTests.Dataflow;

/// <summary>
/// Random nested dataflows (iterative scopes 1 to 3 deep, each with a loop whose inner summary
/// advances, random map/filter/exchange/region steps inside) on 1 to 4 workers against a
/// sequential model: the same output, and no probe at any depth ever passes a time at which a
/// record is still in flight.
/// </summary>
public sealed class NestedScopeProperties
{
    // One level: its steps (Kind 0 map v*K+B, 1 filter v%K != B%K, 2 exchange, 3 region with a
    // map v+B inside), then the next level (if any), then the loop: a record at inner coordinate c
    // goes round again at c + Summary while c + Summary <= Limit.
    private sealed record Level((int Kind, int K, int B)[] Steps, int Summary, int Limit);

    private static Arbitrary<(Level[] Levels, (int Time, int Value)[] Input, int Workers)> Programs()
    {
        var step = Gen.Zip(Gen.Choose(0, 3), Gen.Zip(Gen.Choose(1, 5), Gen.Choose(0, 9))).Select(t => (t.Item1, t.Item2.Item1, t.Item2.Item2));
        var level = Gen.Zip(step.ArrayOf(), Gen.Zip(Gen.Choose(1, 3), Gen.Choose(0, 6)))
            .Select(t => new Level(t.Item1.Take(4).ToArray(), t.Item2.Item1, t.Item2.Item2));
        var levels = Gen.Zip(Gen.Choose(1, 3), Gen.Zip(level, Gen.Zip(level, level))).Select(t => new[] { t.Item2.Item1, t.Item2.Item2.Item1, t.Item2.Item2.Item2 }.Take(t.Item1).ToArray());
        var record = Gen.Zip(Gen.Choose(0, 3), Gen.Choose(-20, 20));
        // Each level multiplies what reaches it by its rounds, and nesting multiplies those
        // factors, so an unbounded draw can ask for 10^8 records (seen: rounds 3 x 7 x 2 with no
        // filter, a run that did not end in 60 s). Programs whose model exceeds the cap are redrawn.
        var gen = Gen.Zip(levels, Gen.Zip(record.ArrayOf(), Gen.Elements(1, 2, 3, 4, -2)))
            .Select(t => (t.Item1, t.Item2.Item1.Take(12).ToArray(), t.Item2.Item2))
            .Where(p => Expected(p.Item1, p.Item2, MaxRecords) is not null);
        return gen.ToArbitrary();
    }

    // The largest number of records the model may produce in all (levels' outputs included).
    private const int MaxRecords = 20_000;

    // The model's output for every (time, value) of `input`, or null when computing it would pass
    // more than `cap` records through the levels.
    private static (int Time, long Value)[]? Expected(Level[] levels, (int Time, int Value)[] input, int cap)
    {
        int budget = cap;
        var expected = new List<(int Time, long Value)>();
        foreach (var group in input.GroupBy(r => r.Time))
        {
            var output = Model(levels, 0, group.Select(r => (long)r.Value).ToList(), ref budget);
            if (output is null)
            {
                return null;
            }

            expected.AddRange(output.Select(v => (group.Key, v)));
        }

        return expected.Order().ToArray();
    }

    private static List<long> ModelSteps((int Kind, int K, int B)[] steps, List<long> values)
    {
        foreach (var (kind, k, b) in steps)
        {
            values = kind switch
            {
                0 => values.Select(v => unchecked((v * k) + b)).ToList(),
                1 => values.Where(v => Mod(v, k) != b % k).ToList(),
                3 => values.Select(v => v + b).ToList(),
                _ => values,
            };
        }

        return values;
    }

    // What leaves level `depth` for the records that enter it (all at one outer time).
    // Null once more than `budget` records in all have left a level.
    private static List<long>? Model(Level[] levels, int depth, List<long> entering, ref int budget)
    {
        var level = levels[depth];
        var result = new List<long>();
        var round = entering;
        for (int c = 0; ; c += level.Summary)
        {
            List<long>? body = ModelSteps(level.Steps, round);
            if (depth + 1 < levels.Length)
            {
                body = Model(levels, depth + 1, body, ref budget);
                if (body is null)
                {
                    return null;
                }
            }

            budget -= body.Count;
            if (budget < 0)
            {
                return null;
            }

            result.AddRange(body);
            if (c + level.Summary > level.Limit)
            {
                return result;
            }

            round = body;
        }
    }

    private static long Mod(long value, int k) => ((value % k) + k) % k;

    private static Stream<T, long> Steps<[WireEncoded] T>(Stream<T, long> stream, (int Kind, int K, int B)[] steps)
    {
        foreach (var (kind, k, b) in steps)
        {
            stream = kind switch
            {
                0 => stream.Map(v => unchecked((v * k) + b)),
                1 => stream.Filter(v => Mod(v, k) != b % k),
                2 => stream.Exchange(v => (ulong)v),
                _ => Region(stream, b),
            };
        }

        return stream;
    }

    private static Stream<T, long> Region<[WireEncoded] T>(Stream<T, long> stream, int b)
    {
        var outer = stream.Scope;
        return outer.Region(region => stream.Enter(region).Map(v => v + b).Exchange(v => (ulong)v).Leave(outer));
    }

    // Builds level `depth` in a scope nested in `stream`'s, with a probe checked at its body.
    private static Stream<T, long> Build<[WireEncoded] T>(Stream<T, long> stream, Level[] levels, int depth, Action violation)
    {
        var level = levels[depth];
        return stream.Scope.Iterative<T, ulong, Stream<T, long>>(inner =>
        {
            var (handle, cycle) = inner.LoopVariable<T, ulong, long>((ulong)level.Summary);
            var body = Steps(stream.Enter(inner).Concat(cycle), level.Steps);
            if (depth + 1 < levels.Length)
            {
                body = Build(body, levels, depth + 1, violation);
            }

            var probe = new ProbeHandle<Product<T, ulong>>();
            body = body.InspectTime((t, _) =>
            {
                if (!probe.LessEqual(t))
                {
                    violation();
                }
            }).ProbeWith(probe);
            var (stop, again) = body.BranchWhen(t => t.Inner + (ulong)level.Summary <= (ulong)level.Limit);
            again.ConnectLoop(handle);
            _ = stop;
            return body.Leave();
        });
    }

    [Property(MaxTest = 25)]
    public Property Random_nested_dataflows_match_the_sequential_model_and_probes_never_pass_live_data()
    {
        return Prop.ForAll(Programs(), program =>
        {
            var (levels, input, signedWorkers) = program;
            var outputs = new ConcurrentBag<(int Time, long Value)>();
            int violations = 0;
            void Violation() => Interlocked.Increment(ref violations);
            var config = signedWorkers switch
            {
                1 => Timely.Communication.Config.Thread,
                -2 => Timely.Communication.Config.ProcessBinary(2),
                _ => Timely.Communication.Config.Process(signedWorkers),
            };
            var run = Task.Run(() => Execute.Run(config, worker =>
            {
                var handle = new InputHandle<ulong, long>();
                var probe = new ProbeHandle<ulong>();
                worker.Dataflow<ulong>(scope =>
                {
                    Build(scope.InputFrom(handle), levels, 0, Violation)
                        .InspectTime((t, v) =>
                        {
                            if (!probe.LessEqual(t))
                            {
                                Violation();
                            }

                            outputs.Add(((int)t, v));
                        })
                        .ProbeWith(probe);
                });

                // Each worker sends its share a time at a time, stepping once per time.
                var mine = input.Where((_, i) => i % worker.Peers == worker.Index).GroupBy(r => r.Time).OrderBy(g => g.Key);
                foreach (var group in mine)
                {
                    handle.AdvanceTo((ulong)group.Key);
                    group.Select(r => (long)r.Value).ToList().ForEach(handle.Send);
                    worker.Step();
                }
            }));

            // Open input handles are closed when the worker's logic returns.
            bool finished = run.Wait(TimeSpan.FromSeconds(60));
            if (!finished)
            {
                return false.Label("the computation did not finish");
            }

            var expected = Expected(levels, input, MaxRecords)!;
            var actual = outputs.Order().ToArray();
            return (expected.SequenceEqual(actual) && violations == 0)
                .Label($"workers {signedWorkers}, depth {levels.Length}, {expected.Length} expected, {actual.Length} seen, {violations} probe violations");
        });
    }
}
