using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Dataflow;
using Timely.Dataflow.Operators;
using Timely.Examples;

namespace Timely.PropTests.Examples;

/// <summary>
/// The examples' wait for a time (step, spinning and then parking while idle) against the model
/// "a round is over when every worker's records of that round have arrived": whatever the worker
/// count, the rounds and the records each worker sends per round, each worker's wait for round
/// r returns only once every record of rounds 0..r, from every worker, has been seen downstream
/// of an exchange, and no wait is left parked for ever.
/// </summary>
public sealed class ExampleStepsProperties
{
    private static Gen<(int Peers, int[][] Sends)> Runs() =>
        Gen.Choose(1, 3).SelectMany(peers =>
            Gen.Choose(1, 6).SelectMany(rounds =>
                Gen.Choose(0, 40).ArrayOf(rounds).ArrayOf(peers).Select(sends => (peers, sends))));

    [Property(MaxTest = 40)]
    public Property A_wait_returns_once_every_record_of_its_round_has_arrived()
    {
        return Prop.ForAll(Runs().ToArbitrary(), run =>
        {
            var (peers, sends) = run;
            int rounds = sends[0].Length;
            var expected = Enumerable.Range(0, rounds).Select(r => (long)sends.Sum(s => s[r])).ToArray();
            var arrived = new long[rounds];
            var early = Execute.Run(Timely.Communication.Config.Process(peers), worker =>
            {
                var input = new InputHandle<ulong, ulong>();
                var probe = new ProbeHandle<ulong>();
                worker.Dataflow<ulong>(scope => scope.InputFrom(input)
                    .Exchange(x => x)
                    .InspectTime((time, _) => Interlocked.Increment(ref arrived[time]))
                    .ProbeWith(probe));
                var wrong = new List<string>();
                for (int r = 0; r < rounds; r++)
                {
                    for (int i = 0; i < sends[worker.Index][r]; i++)
                    {
                        input.Send((ulong)((i * peers) + worker.Index));
                    }

                    ExampleSteps.AdvanceAndWait(worker, input, probe, (ulong)r + 1);
                    for (int done = 0; done <= r; done++)
                    {
                        long seen = Interlocked.Read(ref arrived[done]);
                        if (seen != expected[done])
                        {
                            wrong.Add($"worker {worker.Index} after round {r}: round {done} has {seen} of {expected[done]}");
                        }
                    }
                }

                ExampleSteps.Finish(worker, input);
                return wrong;
            });
            var errors = early.SelectMany(e => e).ToList();
            return (errors.Count == 0).Label(string.Join("; ", errors.Take(3)));
        });
    }
}
