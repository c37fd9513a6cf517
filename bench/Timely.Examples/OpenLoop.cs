using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using Timely.Dataflow;
using Timely.Dataflow.Operators;

namespace Timely.Examples;

/// <summary>
/// timely's open-loop latency tests, <c>openloop RATE SECONDS</c> and <c>loopdemo RATE SECONDS</c>:
/// requests are offered at RATE per second (worker <c>i</c> of <c>P</c> owns requests <c>i, i + P, ...</c>),
/// timestamped with the nanosecond they are due; the input is advanced in power-of-two steps
/// that grow with the work outstanding, and a request retires once the probe passes its time.
/// openloop's dataflow is <c>filter(false)</c> (synchronization only, after a barrier that
/// aligns the workers' clocks); loopdemo's runs each record through a Collatz step in a
/// <c>feedback(1)</c> loop until it reaches 1. Worker 0 prints Rust's latency distribution:
/// <c>latency_ns\tfraction</c> lines, the fraction of requests that took at least that long.
/// Records = requests retired (RATE x SECONDS over all workers); checksum 0 (latency is the output).
/// </summary>
public static class OpenLoop
{
    /// <summary>Requests over all workers: RATE x SECONDS, rounded down.</summary>
    public static ulong Requests(ulong rate, double seconds) => (ulong)Math.Floor(rate * seconds);

    /// <summary>The example on one worker, as the closure Rust hands to <c>timely::execute</c>; this worker's result.</summary>
    public static ExampleResult Run(Worker worker, bool loop, ulong rate, double seconds, TextWriter log)
    {
        int index = worker.Index;
        ulong peers = (ulong)worker.Peers;
        if (!loop)
        {
            Barrier(worker);
        }

        var timer = Stopwatch.StartNew();
        var input = new InputHandle<ulong, ulong>();
        var probe = new ProbeHandle<ulong>();
        worker.Dataflow<ulong>(scope =>
        {
            var stream = scope.InputFrom(input);
            if (loop)
            {
                var (handle, cycle) = scope.Feedback<ulong, ulong>(1);
                stream.Concat(cycle)
                    .Map(x => x % 2 == 0 ? x / 2 : (3 * x) + 1)
                    .Filter(x => x > 1)
                    .ProbeWith(probe)
                    .ConnectLoop(handle);
            }
            else
            {
                stream.Filter(_ => false).ProbeWith(probe);
            }
        });

        var meter = WorkloadResult.Start();
        ulong nsPerRequest = 1_000_000_000 / rate;
        ulong insertCounter = (ulong)index;
        ulong retireCounter = (ulong)index;
        ulong insertedNs = 0;
        ulong acknowledgedNs = 0;
        long retired = 0;
        var counts = new ulong[64, 16];
        ulong limit = Requests(rate, seconds);
        while (retireCounter < limit)
        {
            ulong elapsedNs = (ulong)((UInt128)(ulong)timer.ElapsedTicks * 1_000_000_000 / (ulong)Stopwatch.Frequency);
            // The frontier only grows: while it still holds the last value read, that is still
            // its minimum; when it has moved, it is read in place (Rust's with_frontier), not copied.
            if (!probe.LessEqual(acknowledgedNs))
            {
                var frontier = probe.FrontierView();
                acknowledgedNs = frontier.Length == 0 ? ulong.MaxValue : frontier[0];
            }
            while (retireCounter * nsPerRequest < acknowledgedNs && retireCounter < limit)
            {
                ulong latency = elapsedNs - (retireCounter * nsPerRequest);
                int slot = BitOperations.TrailingZeroCount(BitOperations.RoundUpToPowerOf2(Math.Max(latency, 1)));
                ulong low = (latency >> Math.Max(slot - 5, 0)) & 0xF;
                counts[slot, low]++;
                retireCounter += peers;
                retired++;
            }

            ulong delta = insertedNs - Math.Min(acknowledgedNs, insertedNs);
            ulong targetNs = elapsedNs & ~(Scale(delta, loop) - 1);
            if (insertedNs < targetNs)
            {
                while (insertCounter * nsPerRequest < targetNs)
                {
                    input.Send(insertCounter);
                    insertCounter += peers;
                }

                input.AdvanceTo(targetNs);
                insertedNs = targetNs;
            }

            worker.Step();
        }

        var result = meter.Stop(index, retired);
        if (index == 0)
        {
            foreach (var line in Distribution(counts))
            {
                log.WriteLine(line);
            }
        }

        ExampleSteps.Finish(worker, input);

        return new ExampleResult(result, 0);
    }

    /// <summary>
    /// Rust's report of the latency counts: for each bucket from the slowest down, while some but
    /// not all requests are counted, <c>latency\tfraction</c> (the fraction of requests slower
    /// than the buckets counted so far); printed fastest first.
    /// </summary>
    public static IEnumerable<string> Distribution(ulong[,] counts)
    {
        ulong total = 0;
        foreach (ulong c in counts)
        {
            total += c;
        }

        var results = new List<string>();
        ulong sum = 0;
        for (int index = counts.GetLength(0) - 1; index >= 10; index--)
        {
            for (int sub = 15; sub >= 0; sub--)
            {
                if (sum > 0 && sum < total)
                {
                    ulong latency = (1UL << (index - 1)) + ((ulong)sub << (index - 5));
                    double fraction = (double)sum / total;
                    results.Add($"{latency}\t{fraction.ToString(CultureInfo.InvariantCulture)}");
                }

                sum += counts[index, sub];
            }
        }

        results.Reverse();
        return results;
    }

    // Rust's "technique 3": the input advances in steps that grow with the unacknowledged span.
    private static ulong Scale(ulong delta, bool loop)
    {
        if (loop)
        {
            return delta > (1UL << 62) ? 1UL << 63 : BitOperations.RoundUpToPowerOf2(Math.Max(delta, 1));
        }

        int bits = 64 - BitOperations.LeadingZeroCount(delta);
        ulong scale = bits >= 64 ? 1UL << 62 : (1UL << bits) / 4;
        return Math.Max(scale, 1024);
    }

    // timely's synchronization::Barrier: every worker advances a dataflow to 1 and waits until all have.
    private static void Barrier(Worker worker)
    {
        var input = new InputHandle<ulong, byte>();
        var probe = worker.Dataflow<ulong, ProbeHandle<ulong>>(scope => scope.InputFrom(input).Probe());
        input.AdvanceTo(1);
        while (probe.LessThan(1))
        {
            worker.Step();
        }

        input.Close();
    }
}
