using System.Diagnostics;
using System.Globalization;
using Timely.Bytes;
using Timely.Dataflow;
using Timely.Dataflow.Operators;

namespace Timely.Samples.Records;

/// <summary>
/// <c>bench generated|hand ROUNDS PER-ROUND</c>: every worker sends PER-ROUND ticks a round,
/// exchanged by id (half of them to the other process with two workers), and steps until the
/// round is done everywhere; a warm-up of a tenth of the rounds runs first, untimed. Prints, per
/// process, one line: the codec, ns per record (the timed rounds' wall time over all workers'
/// records) and bytes allocated per record by the whole process in the timed rounds.
/// </summary>
public static class TickBench
{
    /// <summary>Runs the benchmark with the codec named by <paramref name="codec"/>; returns this process's result line.</summary>
    public static string Run(Timely.Communication.Config config, string codec, int rounds, int perRound)
    {
        if (codec == "hand")
        {
            WireCodec.Register(new TickCodec());   // before first use: it takes the generated codec's place
        }
        else if (codec != "generated")
        {
            throw new ArgumentException($"bench: codec '{codec}' is not generated or hand", nameof(codec));
        }

        var results = Execute.Run(config, worker => RunWorker(worker, rounds, perRound));
        int peers = results.Length == 0 ? 0 : results[0].Peers;
        double elapsedNs = results.Max(r => r.ElapsedNs);
        long records = (long)rounds * perRound * peers;
        long allocated = results[0].Allocated;
        return string.Create(CultureInfo.InvariantCulture,
            $"codec={codec} ns/record={elapsedNs / records:F1} B/record={(double)allocated / (records / Math.Max(1, peers) * results.Length):F3} records={records} workers={peers}");
    }

    /// <summary>
    /// <c>codec ROUNDS COUNT</c>: the two codecs alone, in this process: each round measures,
    /// writes and reads back COUNT ticks through a buffer with the generated codec, then with the
    /// hand-written one (the order alternating by round); prints each codec's median ns per
    /// record and the ratio, generated over hand.
    /// </summary>
    public static string Codecs(int rounds, int count)
    {
        IWireCodec<Tick> generated = WireCodec<Tick>.Default;
        IWireCodec<Tick> hand = new TickCodec();
        if (generated is TickCodec)
        {
            throw new InvalidOperationException("codec: the generated codec of Tick is not registered");
        }

        var buffer = new byte[count * 21];
        var times = new Dictionary<string, List<double>> { ["generated"] = [], ["hand"] = [] };
        ulong sink = 0;
        for (int r = -2; r < rounds; r++)   // two warm-up rounds, untimed
        {
            foreach (var (name, codec) in r % 2 == 0 ? [("generated", generated), ("hand", hand)] : new[] { ("hand", hand), ("generated", generated) })
            {
                var timer = Stopwatch.StartNew();
                sink += Pass(codec, buffer, count);
                if (r >= 0)
                {
                    times[name].Add(timer.Elapsed.TotalNanoseconds / count);
                }
            }
        }

        double Median(List<double> v) => v.Order().ElementAt(v.Count / 2);
        double g = Median(times["generated"]), h = Median(times["hand"]);
        return string.Create(CultureInfo.InvariantCulture,
            $"codec alone (measure, write, read): generated {g:F2} ns/record, hand {h:F2} ns/record, generated/hand {g / h:F3} ({rounds} rounds of {count}; {sink % 10})");
    }

    private static ulong Pass(IWireCodec<Tick> codec, byte[] buffer, int count)
    {
        int offset = 0;
        for (int i = 0; i < count; i++)
        {
            var tick = new Tick((ulong)i, i * 3L, i % 1000, (i & 1) == 0 ? Side.Buy : Side.Sell);
            int size = codec.Measure(tick);
            offset += codec.Write(buffer.AsSpan(offset, size), tick);
        }

        ulong sum = 0;
        var source = (ReadOnlySpan<byte>)buffer.AsSpan(0, offset);
        Tick back = default;
        while (!source.IsEmpty)
        {
            source = source[codec.Read(source, ref back)..];
            sum += back.Id;
        }

        return sum;
    }

    private static (double ElapsedNs, long Allocated, int Peers) RunWorker(Worker worker, int rounds, int perRound)
    {
        var input = new InputHandle<ulong, Tick>();
        var probe = new ProbeHandle<ulong>();
        long received = 0;
        worker.Dataflow<ulong>(scope => scope.InputFrom(input).Exchange(t => t.Id).Inspect(_ => received++).ProbeWith(probe));
        ulong next = (ulong)worker.Index;
        void Round()
        {
            for (int i = 0; i < perRound; i++, next += (ulong)worker.Peers)
            {
                input.Send(new Tick(next, (long)next * 3, (int)(next % 1000), (next & 1) == 0 ? Side.Buy : Side.Sell));
            }

            input.AdvanceTo(input.Time + 1);
            worker.StepWhile(() => probe.LessThan(input.Time));
        }

        for (int r = 0; r < Math.Max(1, rounds / 10); r++)
        {
            Round();
        }

        long before = GC.GetTotalAllocatedBytes(precise: true);
        var timer = Stopwatch.StartNew();
        for (int r = 0; r < rounds; r++)
        {
            Round();
        }

        double elapsed = timer.Elapsed.TotalNanoseconds;
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        input.Dispose();
        while (worker.StepOrPark(null))
        {
        }

        return (elapsed, allocated, worker.Peers);
    }
}
