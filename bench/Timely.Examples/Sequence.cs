using System.Diagnostics;
using Timely.Dataflow;
using Timely.Dataflow.Synchronization;

namespace Timely.Examples;

/// <summary>
/// timely's <c>sequence</c>: every worker pushes <c>"worker i, round r"</c> into a
/// <see cref="Sequencer{T}"/>, which hands every worker all workers' elements in one order agreed
/// by all, and each worker prints
/// <c>&lt;elapsed&gt;:\tWorker i:\t recv'd: "..."</c> per element. Rust's example sleeps 1 + i seconds per
/// round and never stops; here there is no sleep and <c>--rounds</c> (default 10) ends it.
/// Records = elements received (P x P x rounds); checksum = per worker an order-sensitive hash
/// of the sequence it received, summed, so it matches P times the expected order's only if every
/// worker saw that order.
/// </summary>
public static partial class Sequence
{
    /// <summary>Rounds when <c>--rounds</c> is not given (Rust's example never stops).</summary>
    public const ulong DefaultRounds = 10;

    /// <summary>The element worker <paramref name="worker"/> pushes in <paramref name="round"/>.</summary>
    public static string Element(int worker, ulong round) => $"worker {worker}, round {round}";

    /// <summary>The example on one worker, as the closure Rust hands to <c>timely::execute</c>; this worker's result.</summary>
    public static ExampleResult Run(Worker worker, ulong rounds, TextWriter log)
    {
        int index = worker.Index;
        var timer = Stopwatch.StartNew();
        var meter = WorkloadResult.Start();
        // The round is the clock, where Rust's example uses the time since it started: the agreed
        // order is then round by round, worker 0's element to worker P-1's, the same on every run.
        ulong round = 0;
        using var sequencer = new Sequencer<string>(worker, () => round);
        long received = 0;
        ulong chain = 0;
        void Drain()
        {
            while (sequencer.TryNext(out string? element))
            {
                log.WriteLine($"{RustDuration.Format(timer.Elapsed)}:\tWorker {index}:\t recv'd: \"{element}\"");
                received++;
                chain = Chain(chain, element);
            }
        }

        for (round = 0; round < rounds; round++)
        {
            sequencer.Push(Element(index, round));
            Drain();
            worker.Step();
        }

        sequencer.Close();
        while (worker.StepOrPark(null))
        {
            Drain();   // released elements are taken as the worker steps
        }

        Drain();
        return new ExampleResult(meter.Stop(index, received), chain);
    }
}
