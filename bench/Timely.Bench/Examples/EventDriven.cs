using System.CommandLine;
using System.Diagnostics;
using Timely.Bench.Workloads;
using Timely.Communication;
using Timely.Dataflow;
using Timely.Dataflow.Operators;

namespace Timely.Bench.Examples;

/// <summary>
/// timely's <c>event_driven DATAFLOWS LENGTH [record]</c>: DATAFLOWS dataflows, each an input, a
/// chain of LENGTH <c>map(x => x)</c> and a probe; round <c>r</c> advances only dataflow
/// <c>r % DATAFLOWS</c> (sending one record first with <c>record</c>) and steps until its probe
/// passes, so a step should cost what that one dataflow needs. Prints Rust's
/// <c>dataflows built</c> line and <c>round r complete in s steps</c> every 1000 rounds.
/// Rust runs rounds forever; here <c>--rounds</c> (default 10000) ends it. Rust puts the chain
/// in a region; main has no nested scopes yet, so the maps sit in the root scope (same
/// records, same progress; one scope level fewer). Records = rounds per worker; checksum =
/// records that left the chains.
/// </summary>
internal static class EventDriven
{
    /// <summary>Rounds when <c>--rounds</c> is not given (Rust's example never stops).</summary>
    public const ulong DefaultRounds = 10_000;

    /// <summary>The <c>event_driven</c> command.</summary>
    public static Command Create()
    {
        var dataflows = ExampleCommand.Integer("DATAFLOWS", "Number of dataflows (at least 1).", 1, 1_000_000);
        var length = ExampleCommand.Integer("LENGTH", "Maps in each dataflow's chain.", 0, 1_000_000);
        var record = new Argument<string?>("record") { Description = "The word 'record': send one record per round (else rounds carry progress only).", Arity = ArgumentArity.ZeroOrOne };
        record.Validators.Add(r =>
        {
            if (r.Tokens.Count > 0 && r.Tokens[0].Value != "record")
            {
                r.AddError($"the third argument may only be 'record', not '{r.Tokens[0].Value}'.");
            }
        });
        var rounds = ExampleCommand.IntegerOption("--rounds", "Rounds to run (Rust's example never stops)", DefaultRounds, 0, 1_000_000_000);
        return ExampleCommand.Make(
            "event_driven",
            "timely's event_driven example: many dataflows, one advanced per round; steps per round show whether idle dataflows cost anything.",
            [dataflows, length, record, rounds],
            (result, config, log) => Run(config, (int)result.GetValue(dataflows), (int)result.GetValue(length), result.GetValue(record) is not null, result.GetValue(rounds), log));
    }

    /// <summary>Runs the example; one result per local worker.</summary>
    public static ExampleResult[] Run(Config config, int dataflows, int length, bool record, ulong rounds, TextWriter log) =>
        Execute.Run(config, worker =>
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
                    var stream = scope.InputFrom(input);
                    for (int step = 0; step < length; step++)
                    {
                        stream = stream.Map(x => x);
                    }

                    return stream.Inspect(_ => arrived++).Probe();
                });
            }

            log.WriteLine($"{WorkloadCommands.FormatDuration(timer.Elapsed)}\tdataflows built ({dataflows} x {length})");
            for (ulong round = 0; round < rounds; round++)
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
                    log.WriteLine($"{WorkloadCommands.FormatDuration(timer.Elapsed)}\tround {round} complete in {steps} steps");
                }
            }

            ExampleSteps.Finish(worker, inputs);

            return new ExampleResult(meter.Stop(worker.Index, (long)rounds), (ulong)arrived);
        });

    /// <summary>The expected totals: ROUNDS per worker, and with <c>record</c> one record per round per worker out of the chains.</summary>
    public static (long Records, ulong Checksum) Reference(ulong rounds, bool record, int peers) =>
        ((long)rounds * peers, record ? rounds * (ulong)peers : 0);
}
