using Timely.Dataflow;
using Timely.Dataflow.Channels;
using Timely.Dataflow.Operators;

namespace Timely.Examples;

/// <summary>
/// timely's <c>distinct</c>: worker 0 sends <c>0 1 2 2 2 3 3 4</c> and worker 1 <c>0 0 3 4 4 5 7 7</c>;
/// an operator after <c>exchange(x)</c> emits each value the first time it sees it at a time,
/// and each worker prints <c>worker i:\tvalue x</c>. <c>--rounds</c> repeats that per round;
/// <c>--values V</c> makes every worker send V generated values below V per round instead.
/// Records = values emitted; checksum = the sum of <c>Pair(value, round)</c>.
/// </summary>
public static partial class Distinct
{
    /// <summary>Rounds when <c>--rounds</c> is not given (Rust's 1).</summary>
    public const ulong DefaultRounds = 1;

    private static readonly ulong[][] RustData = [[0, 1, 2, 2, 2, 3, 3, 4], [0, 0, 3, 4, 4, 5, 7, 7]];

    /// <summary>What worker <paramref name="worker"/> of <paramref name="peers"/> sends in <paramref name="round"/>.</summary>
    public static IEnumerable<ulong> Data(ulong round, int worker, int peers, ulong values)
    {
        if (values == 0)
        {
            return worker < RustData.Length ? RustData[worker] : [];
        }

        ulong first = ((round * (ulong)peers) + (ulong)worker) * values;
        return Enumerable.Range(0, (int)values).Select(j => ExampleRandom.At(first + (ulong)j, 2) % values);
    }

    /// <summary>The example on one worker, as the closure Rust hands to <c>timely::execute</c>; this worker's result.</summary>
    public static ExampleResult Run(Worker worker, ulong rounds, ulong values, TextWriter log)
    {
        int index = worker.Index;
        var meter = WorkloadResult.Start();
        long emitted = 0;
        ulong checksum = 0;
        var input = new InputHandle<ulong, ulong>();
        var probe = new ProbeHandle<ulong>();
        worker.Dataflow<ulong>(scope =>
        {
            var countsByTime = new Dictionary<ulong, Dictionary<ulong, long>>();
            scope.InputFrom(input)
                .Unary<ulong, ulong, ulong>(Pact<ulong>.Exchange(x => x), "Distinct", (data, output) =>
                {
                    while (data.TryNext(out var cap, out var batch))
                    {
                        if (!countsByTime.TryGetValue(cap.Time, out var counts))
                        {
                            countsByTime[cap.Time] = counts = new Dictionary<ulong, long>();
                        }

                        var session = output.Session(cap);
                        foreach (ulong datum in batch)
                        {
                            long count = counts.GetValueOrDefault(datum);
                            if (count == 0)
                            {
                                session.Give(datum);
                            }

                            counts[datum] = count + 1;
                        }
                    }

                    // Rust keeps every time's counts; a time the frontier has passed gets no more data.
                    foreach (ulong time in countsByTime.Keys)
                    {
                        if (!data.Frontier.LessEqual(time))
                        {
                            countsByTime.Remove(time);
                        }
                    }
                })
                .InspectTime((time, x) =>
                {
                    log.WriteLine($"worker {index}:\tvalue {x}");
                    emitted++;
                    checksum = unchecked(checksum + ExampleRandom.Pair(x, time));
                })
                .ProbeWith(probe);
        });

        for (ulong round = 0; round < rounds; round++)
        {
            foreach (ulong x in Data(round, index, worker.Peers, values))
            {
                input.Send(x);
            }

            ExampleSteps.AdvanceAndWait(worker, input, probe, round + 1);
        }

        ExampleSteps.Finish(worker, input);

        return new ExampleResult(meter.Stop(index, emitted), checksum);
    }
}
