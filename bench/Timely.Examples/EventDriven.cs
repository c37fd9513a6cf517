using System.Diagnostics;
using Timely.Dataflow;
using Timely.Dataflow.Operators;

namespace Timely.Examples;

/// <summary>
/// timely's <c>event_driven DATAFLOWS LENGTH [record]</c>: DATAFLOWS dataflows, each an input, a
/// chain of LENGTH <c>map(x => x)</c> and a probe; round <c>r</c> advances only dataflow
/// <c>r % DATAFLOWS</c> (sending one record first with <c>record</c>) and steps until its probe
/// passes, so a step should cost what that one dataflow needs. Prints Rust's
/// <c>dataflows built</c> line and <c>round r complete in s steps</c> every 1000 rounds.
/// Rust runs rounds until the process is stopped; so does this one when <paramref name="stop"/>
/// is given, ending at the first round boundary after it is cancelled (the command passes it when
/// <c>--rounds</c> is absent and cancels it on SIGINT or SIGTERM). The chain sits in a region,
/// as Rust's does. Records = rounds this worker completed; checksum = records that left the chains
/// (counted by an inspect after the chain with <c>record</c> only; without it no record is sent).
/// </summary>
public static partial class EventDriven
{
    /// <summary>Rounds of the suite's rows, which need a run that ends by itself.</summary>
    public const ulong DefaultRounds = 10_000;

    /// <summary>
    /// The example on one worker, as the closure Rust hands to <c>timely::execute</c>; this
    /// worker's result. It runs <paramref name="rounds"/> rounds, or fewer when
    /// <paramref name="stop"/> is cancelled: checked before each round, so every worker of the
    /// process ends at a round boundary and closes its inputs, and a worker still in a round
    /// completes it once the others' inputs are closed.
    /// </summary>
    public static ExampleResult Run(Worker worker, int dataflows, int length, bool record, ulong rounds, TextWriter log, CancellationToken stop = default)
    {
        var timer = Stopwatch.StartNew();
        var meter = WorkloadResult.Start();
        long arrived = 0;
        var inputs = new InputHandle<ulong, byte>[dataflows];
        var probes = new ProbeHandle<ulong>[dataflows];
        for (int d = 0; d < dataflows; d++)
        {
            var input = inputs[d] = new InputHandle<ulong, byte>();
            probes[d] = worker.Dataflow<ulong, ProbeHandle<ulong>>(scope =>
            {
                var source = scope.InputFrom(input);
                var stream = scope.Region(inner =>
                {
                    var chain = source.Enter(inner);
                    for (int step = 0; step < length; step++)
                    {
                        chain = chain.Map(x => x);
                    }

                    return chain.Leave(scope);
                });
                // Rust's example ends in the probe. The count of arrived records is our check,
                // and only `record` sends any, so only then does the chain end in an inspect:
                // without it a round moves frontiers through the operators Rust's moves them
                // through, not two more ports.
                return (record ? stream.Inspect(_ => arrived++) : stream).Probe();
            });
        }

        log.WriteLine($"{RustDuration.Format(timer.Elapsed)}\tdataflows built ({dataflows} x {length})");
        ulong round = 0;
        for (; round < rounds && !stop.IsCancellationRequested; round++)
        {
            int dataflow = (int)(round % (ulong)dataflows);
            if (record)
            {
                inputs[dataflow].Send(0);
            }

            inputs[dataflow].AdvanceTo(round);
            long steps = 0;
            while (probes[dataflow].LessThan(round))
            {
                worker.Step();
                steps++;
            }

            if (round % 1000 == 0)
            {
                log.WriteLine($"{RustDuration.Format(timer.Elapsed)}\tround {round} complete in {steps} steps");
            }
        }

        ExampleSteps.Finish(worker, inputs);

        return new ExampleResult(meter.Stop(worker.Index, (long)round), (ulong)arrived);
    }
}
