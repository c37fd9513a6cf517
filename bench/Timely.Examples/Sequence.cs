using System.Diagnostics;
using Timely.Dataflow;
using Timely.Dataflow.Synchronization;

namespace Timely.Examples;

/// <summary>
/// timely's <c>sequence</c>: every worker pushes <c>"worker i, round r"</c> into a
/// <see cref="Sequencer{T}"/>, which hands every worker all workers' elements in one order agreed
/// by all, and each worker prints
/// <c>&lt;elapsed&gt;:\tWorker i:\t recv'd: "..."</c> per element. Two forms:
/// <list type="bullet">
/// <item><see cref="Run"/> (the default): no sleep, the round number as the clock, and
/// <c>--rounds</c> (default 10) rounds, so the agreed order is the same on every run and checked
/// against <see cref="Reference"/>.</item>
/// <item><see cref="RunAsRust"/> (<c>--as-rust</c>): Rust's example as shipped. Worker i sleeps
/// 1 + i seconds before each round, elements are stamped with the time elapsed since the
/// sequencer was built (Rust's <c>Sequencer::new(worker, Instant::now())</c>), and rounds run
/// until the process is stopped. Rust's runs <c>Config::process(4)</c> whatever its command line
/// says; ours runs the workers its flags give, so <c>-w 4</c> is Rust's configuration.</item>
/// </list>
/// Records = elements received (P x P x rounds in the default form); checksum = per worker an
/// order-sensitive hash of the sequence it received, summed, so it matches P times the expected
/// order's only if every worker saw that order (the Rust form's order depends on when each
/// worker woke, so its checksum is not reproducible).
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
        // The round is the clock, where Rust's example uses the time since it started: the agreed
        // order is then round by round, worker 0's element to worker P-1's, the same on every run.
        ulong clock = 0;
        return Rounds(worker, () => new Sequencer<string>(worker, () => clock), round => { clock = round; return true; }, rounds, log);
    }

    /// <summary>
    /// Rust's example on one worker: before each round it sleeps <paramref name="sleepUnit"/>
    /// x (1 + its index) (Rust's: one second), then pushes its element, prints what the sequencer
    /// has released, and steps once, as Rust's loop does; the sequencer's clock is the elapsed
    /// time. It runs <paramref name="rounds"/> rounds, or fewer when <paramref name="stop"/> is
    /// cancelled (checked, and waited on, in place of the sleep: a stop ends the sleep at once).
    /// Then it closes its sequencer and steps until every worker's has closed, printing the rest.
    /// </summary>
    public static ExampleResult RunAsRust(Worker worker, TimeSpan sleepUnit, ulong rounds, TextWriter log, CancellationToken stop = default)
    {
        var sleep = sleepUnit * (1 + worker.Index);
        return Rounds(worker, () => new Sequencer<string>(worker), _ => !stop.WaitHandle.WaitOne(sleep), rounds, log);
    }

    /// <summary>
    /// Both forms' loop: up to <paramref name="rounds"/> rounds while <paramref name="beforeRound"/>
    /// lets the next one start, each a push, the released elements printed, and one step; then the
    /// sequencer closes and the worker steps until every worker's has, printing the rest.
    /// </summary>
    private static ExampleResult Rounds(Worker worker, Func<Sequencer<string>> build, Func<ulong, bool> beforeRound, ulong rounds, TextWriter log)
    {
        int index = worker.Index;
        var timer = Stopwatch.StartNew();
        var meter = WorkloadResult.Start();
        using var sequencer = build();
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

        for (ulong round = 0; round < rounds && beforeRound(round); round++)
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
