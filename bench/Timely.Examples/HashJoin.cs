using System.Diagnostics;
using Timely.Dataflow;
using Timely.Dataflow.Channels;
using Timely.Dataflow.Operators;
using Timely.Dataflow.Operators.Generic;

namespace Timely.Examples;

/// <summary>
/// timely's <c>hashjoin KEYS VALS BATCH</c>: two inputs of <c>(key, value)</c> pairs, keys and
/// values below KEYS, VALS records each over all workers, sent BATCH at a time per worker;
/// a binary operator after exchanging both by key emits <c>(value1, value2)</c> for every
/// match as records arrive (a symmetric hash join). Each worker prints
/// <c>&lt;elapsed&gt;\tworker i batch complete</c> per batch. Records = pairs emitted; checksum = the
/// sum of <c>Pair(value1, value2)</c>.
/// </summary>
public static partial class HashJoin
{
    /// <summary>Record <paramref name="i"/>: its (key, value) for input 1 and for input 2.</summary>
    public static ((ulong Key, ulong Value) Left, (ulong Key, ulong Value) Right) Record(ulong i, ulong keys) =>
        ((ExampleRandom.At(i, 0) % keys, ExampleRandom.At(i, 1) % keys), (ExampleRandom.At(i, 2) % keys, ExampleRandom.At(i, 3) % keys));

    /// <summary>The example on one worker, as the closure Rust hands to <c>timely::execute</c>; this worker's result.</summary>
    public static ExampleResult Run(Worker worker, ulong keys, ulong vals, ulong batch, TextWriter log)
    {
        int index = worker.Index;
        var timer = Stopwatch.StartNew();
        var meter = WorkloadResult.Start();
        long pairs = 0;
        ulong checksum = 0;
        var input1 = new InputHandle<ulong, (ulong, ulong)>();
        var input2 = new InputHandle<ulong, (ulong, ulong)>();
        var probe = new ProbeHandle<ulong>();
        worker.Dataflow<ulong>(scope =>
        {
            var map1 = new Dictionary<ulong, List<ulong>>();
            var map2 = new Dictionary<ulong, List<ulong>>();
            var byKey = Pact<(ulong, ulong)>.Exchange(x => x.Item1);
            scope.InputFrom(input1)
                .Binary<ulong, (ulong, ulong), (ulong, ulong), (ulong, ulong)>(scope.InputFrom(input2), byKey, byKey, "HashJoin", (left, right, output) =>
                {
                    // Drain each input: match against the other side's map, then remember the record.
                    Drain(left, map1, map2, output, leftSide: true);
                    Drain(right, map2, map1, output, leftSide: false);
                })
                .Inspect(p =>
                {
                    pairs++;
                    checksum = unchecked(checksum + ExampleRandom.Pair(p.Item1, p.Item2));
                })
                .ProbeWith(probe);
        });

        ulong sent = 0;
        for (ulong i = (ulong)index; i < vals; i += (ulong)worker.Peers)
        {
            var (l, r) = Record(i, keys);
            input1.Send(l);
            input2.Send(r);
            if (++sent % batch == 0 || i + (ulong)worker.Peers >= vals)
            {
                ulong next = input1.Time + 1;
                input1.AdvanceTo(next);
                input2.AdvanceTo(next);
                while (probe.LessThan(input1.Time))
                {
                    worker.Step();
                }

                log.WriteLine($"{RustDuration.Format(timer.Elapsed)}\tworker {index} batch complete");
            }
        }

        ExampleSteps.Finish(worker, input1, input2);

        return new ExampleResult(meter.Stop(index, pairs), checksum);
    }

    private static void Drain(InputPort<ulong, (ulong, ulong)> input, Dictionary<ulong, List<ulong>> mine, Dictionary<ulong, List<ulong>> other, OutputPort<ulong, (ulong, ulong)> output, bool leftSide)
    {
        while (input.TryNext(out var cap, out var data))
        {
            var session = output.Session(cap);
            foreach (var (key, value) in data)
            {
                if (other.TryGetValue(key, out var matches))
                {
                    foreach (ulong match in matches)
                    {
                        session.Give(leftSide ? (value, match) : (match, value));
                    }
                }

                Add(mine, key, value);
            }
        }
    }

    private static void Add(Dictionary<ulong, List<ulong>> map, ulong key, ulong value)
    {
        if (!map.TryGetValue(key, out var list))
        {
            map[key] = list = new List<ulong>();
        }

        list.Add(value);
    }
}
