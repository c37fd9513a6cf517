using System.Diagnostics;
using System.Runtime.CompilerServices;
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
/// The records are Rust's, record for record: worker <c>w</c>'s record <c>j</c> comes from Rust's
/// hash of <c>(j, w, 0..3)</c> (<see cref="RustHash"/>). Rust keeps a hash map per input from key to its values; here one map
/// from key to both inputs' values, so a record costs one lookup (the other side's values and
/// its own list are in the same entry) where Rust's costs two; the values are chains of blocks
/// (<see cref="ValueBlocks"/>), where Rust's are vectors grown by doubling. The count and the checksum are
/// taken where the pairs are made (an add per pair), so the dataflow is Rust's: join, then probe.
/// </remarks>
public static partial class HashJoin
{
    /// <summary>The checksum's multiplier of the first value (odd, so <c>(a, b)</c> and <c>(b, a)</c> differ).</summary>
    private const ulong Multiplier = 0x9e37_79b9_7f4a_7c15;

    /// <summary>Record <paramref name="j"/> of worker <paramref name="worker"/>, as Rust's example makes it (its <c>j</c> an <c>i32</c>): its (key, value) for input 1 and for input 2.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ((ulong Key, ulong Value) Left, (ulong Key, ulong Value) Right) Record(ulong j, int worker, ulong keys) =>
        ((RustHash.Int32((int)j, (ulong)worker, 0) % keys, RustHash.Int32((int)j, (ulong)worker, 1) % keys),
         (RustHash.Int32((int)j, (ulong)worker, 2) % keys, RustHash.Int32((int)j, (ulong)worker, 3) % keys));

    /// <summary>A pair's term of the checksum: linear in each value, so a batch of pairs sharing one value sums in one step.</summary>
    public static ulong PairTerm(ulong value1, ulong value2) => unchecked((value1 * Multiplier) + value2);

    /// <summary>The example on one worker, as the closure Rust hands to <c>timely::execute</c>; this worker's result.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static ExampleResult Run(Worker worker, ulong keys, ulong vals, ulong batch, TextWriter log)
    {
        int index = worker.Index;
        int peers = worker.Peers;
        var timer = Stopwatch.StartNew();
        var meter = WorkloadResult.Start();
        using var join = new Join(keys, vals, peers);
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
                var (l, r) = Record(j, index, keys);
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
    private sealed class Join : IDisposable
    {
        private readonly NativeMap<(ValueBlocks.List Left, ValueBlocks.List Right)> _map;
        private readonly ValueBlocks _values = new();

        /// <summary>
        /// The map sized once for the keys this worker can see (a P-th of the keys, and no more than
        /// the records there are), where growing it by doubling left each outgrown table behind
        /// (9 MB of 14 at 100,000 keys).
        /// </summary>
        public Join(ulong keys, ulong vals, int peers)
        {
            ulong expected = Math.Min((keys + (ulong)peers - 1) / (ulong)peers, 2 * vals);
            _map = new NativeMap<(ValueBlocks.List Left, ValueBlocks.List Right)>((int)Math.Min(expected, 1UL << 24));
        }

        public long Pairs { get; private set; }

        public ulong Checksum { get; private set; }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Drain(InputPort<ulong, (ulong, ulong)> input, OutputPort<ulong, (ulong, ulong)> output, bool leftSide)
        {
            long pairs = 0;
            ulong checksum = 0;
            while (input.TryNext(out var cap, out var data))
            {
                var session = output.Session(cap);
                foreach (var (key, value) in CollectionsMarshal.AsSpan(data))
                {
                    ref var sides = ref _map.GetValueRefOrAddDefault(key, out _);
                    ref var mine = ref leftSide ? ref sides.Left : ref sides.Right;
                    var other = leftSide ? sides.Right : sides.Left;
                    ulong sum = 0;
                    for (int block = other.Head, left = other.Count; left > 0;)
                    {
                        var matches = _values.Block(block, left, out block);
                        foreach (ulong match in matches)
                        {
                            session.Give(leftSide ? (value, match) : (match, value));
                            sum += match;
                        }

                        left -= matches.Length;
                    }

                    pairs += other.Count;
                    checksum += leftSide
                        ? ((ulong)other.Count * PairTerm(value, 0)) + sum
                        : PairTerm(sum, 0) + ((ulong)other.Count * value);
                    _values.Add(ref mine, value);
                }
            }

            Pairs += pairs;
            Checksum = unchecked(Checksum + checksum);
        }

        public void Dispose()
        {
            _map.Dispose();
            _values.Dispose();
        }
    }
}
