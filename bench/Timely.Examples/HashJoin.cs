using System.Diagnostics;
using System.Runtime.InteropServices;
using Timely.Dataflow;
using Timely.Dataflow.Channels;
using Timely.Dataflow.Operators;
using Timely.Dataflow.Operators.Generic;

namespace Timely.Examples;

/// <summary>
/// timely's <c>hashjoin KEYS VALS BATCH</c>: two inputs of <c>(key, value)</c> pairs, keys and
/// values below KEYS, VALS / P records each per worker, sent BATCH at a time; a binary operator
/// after exchanging both by key emits <c>(value1, value2)</c> for every match as records arrive (a
/// symmetric hash join), into a probe. Each worker prints <c>&lt;elapsed&gt;\tworker i batch
/// complete</c> per batch. Records = pairs emitted; checksum = the sum over the pairs of
/// <see cref="PairTerm"/>.
/// </summary>
/// <remarks>
/// Rust's records come from a hash of (record number, worker, field); here worker <c>w</c>'s record
/// <c>j</c> is <see cref="Record"/> <c>j * P + w</c>: the same count per worker from the same
/// uniform distribution. Rust keeps a hash map per input from key to its values; here one map
/// from key to both inputs' values, so a record costs one lookup (the other side's values and
/// its own list are in the same entry) where Rust's costs two. The count and the checksum are
/// taken where the pairs are made (an add per pair), so the dataflow is Rust's: join, then probe.
/// </remarks>
public static partial class HashJoin
{
    /// <summary>The checksum's multiplier of the first value (odd, so <c>(a, b)</c> and <c>(b, a)</c> differ).</summary>
    private const ulong Multiplier = 0x9e37_79b9_7f4a_7c15;

    /// <summary>Record <paramref name="i"/>: its (key, value) for input 1 and for input 2.</summary>
    public static ((ulong Key, ulong Value) Left, (ulong Key, ulong Value) Right) Record(ulong i, ulong keys) =>
        ((ExampleRandom.At(i, 0) % keys, ExampleRandom.At(i, 1) % keys), (ExampleRandom.At(i, 2) % keys, ExampleRandom.At(i, 3) % keys));

    /// <summary>A pair's term of the checksum: linear in each value, so a batch of pairs sharing one value sums in one step.</summary>
    public static ulong PairTerm(ulong value1, ulong value2) => unchecked((value1 * Multiplier) + value2);

    /// <summary>The example on one worker, as the closure Rust hands to <c>timely::execute</c>; this worker's result.</summary>
    public static ExampleResult Run(Worker worker, ulong keys, ulong vals, ulong batch, TextWriter log)
    {
        int index = worker.Index;
        int peers = worker.Peers;
        var timer = Stopwatch.StartNew();
        var meter = WorkloadResult.Start();
        var join = new Join();
        var input1 = new InputHandle<ulong, (ulong, ulong)>();
        var input2 = new InputHandle<ulong, (ulong, ulong)>();
        var probe = new ProbeHandle<ulong>();
        worker.Dataflow<ulong>(scope =>
        {
            var byKey = Pact<(ulong, ulong)>.Exchange(default(ByKey));
            scope.InputFrom(input1)
                .Binary<ulong, (ulong, ulong), (ulong, ulong), (ulong, ulong)>(scope.InputFrom(input2), byKey, byKey, "HashJoin", (left, right, output) =>
                {
                    // Drain each input: match against the other side's values, then remember the record.
                    join.Drain(left, output, leftSide: true);
                    join.Drain(right, output, leftSide: false);
                })
                .ProbeWith(probe);
        });

        ulong perWorker = vals / (ulong)peers;
        for (ulong sent = 0; sent < perWorker;)
        {
            ulong toSend = Math.Min(batch, perWorker - sent);
            for (ulong j = sent; j < sent + toSend; j++)
            {
                var (l, r) = Record((j * (ulong)peers) + (ulong)index, keys);
                input1.Send(l);
                input2.Send(r);
            }

            sent += toSend;
            ulong next = input1.Time + 1;
            input1.AdvanceTo(next);
            input2.AdvanceTo(next);
            ExampleSteps.WaitFor(worker, probe, next);

            log.WriteLine($"{RustDuration.Format(timer.Elapsed)}\tworker {index} batch complete");
        }

        ExampleSteps.Finish(worker, input1, input2);

        return new ExampleResult(meter.Stop(index, join.Pairs), join.Checksum);
    }

    /// <summary>Routes a record by its key, compiled into the exchange (Rust's closure <c>|x| x.0</c>).</summary>
    private readonly struct ByKey : IExchangeHash<(ulong Key, ulong Value)>
    {
        public ulong Hash((ulong Key, ulong Value) item) => item.Key;
    }

    /// <summary>One worker's join state: per key, the values each input has brought so far.</summary>
    private sealed class Join
    {
        private readonly Dictionary<ulong, (Values Left, Values Right)> _map = new();

        public long Pairs { get; private set; }

        public ulong Checksum { get; private set; }

        public void Drain(InputPort<ulong, (ulong, ulong)> input, OutputPort<ulong, (ulong, ulong)> output, bool leftSide)
        {
            long pairs = 0;
            ulong checksum = 0;
            while (input.TryNext(out var cap, out var data))
            {
                var session = output.Session(cap);
                foreach (var (key, value) in CollectionsMarshal.AsSpan(data))
                {
                    ref var sides = ref CollectionsMarshal.GetValueRefOrAddDefault(_map, key, out _);
                    ref var mine = ref leftSide ? ref sides.Left : ref sides.Right;
                    var other = leftSide ? sides.Right : sides.Left;
                    ulong sum = 0;
                    foreach (ulong match in other.AsSpan())
                    {
                        session.Give(leftSide ? (value, match) : (match, value));
                        sum += match;
                    }

                    pairs += other.Count;
                    checksum += leftSide
                        ? ((ulong)other.Count * PairTerm(value, 0)) + sum
                        : PairTerm(sum, 0) + ((ulong)other.Count * value);
                    mine.Add(value);
                }
            }

            Pairs += pairs;
            Checksum = unchecked(Checksum + checksum);
        }
    }

    /// <summary>A key's values from one input: an array grown by doubling, as Rust's <c>Vec</c>.</summary>
    private struct Values
    {
        private ulong[]? _items;

        public int Count { get; private set; }

        public readonly ReadOnlySpan<ulong> AsSpan() => _items.AsSpan(0, Count);

        public void Add(ulong value)
        {
            if (_items is null || Count == _items.Length)
            {
                Array.Resize(ref _items, Math.Max(4, Count * 2));
            }

            _items[Count++] = value;
        }
    }
}
