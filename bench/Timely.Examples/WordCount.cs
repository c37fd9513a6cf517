using System.Text;
using Timely.Dataflow;
using Timely.Dataflow.Channels;
using Timely.Dataflow.Operators;

namespace Timely.Examples;

/// <summary>
/// timely's <c>wordcount</c>: each worker sends the line <c>"round"</c> in each of 10 rounds; lines
/// are split into <c>(word, diff)</c>, exchanged by word length, and a frontier-driven operator
/// emits each word's running count once its time is complete; every worker prints
/// <c>seen: ("round", n)</c>. <c>--rounds</c> and <c>--words</c> (generated words added to each line)
/// make it larger. Records = counts emitted; checksum = the sum of <c>Pair(Hash(word), count)</c>.
/// </summary>
public static partial class WordCount
{
    /// <summary>Rounds when <c>--rounds</c> is not given (Rust's 10).</summary>
    public const ulong DefaultRounds = 10;

    /// <summary>The line worker <paramref name="worker"/> of <paramref name="peers"/> sends in <paramref name="round"/>.</summary>
    public static string Line(ulong round, int worker, int peers, ulong words)
    {
        if (words == 0)
        {
            return "round";
        }

        var text = new StringBuilder("round");
        ulong line = (round * (ulong)peers) + (ulong)worker;
        for (ulong j = 0; j < words; j++)
        {
            text.Append(" w").Append(ExampleRandom.At((line * words) + j, 4) % 100);
        }

        return text.ToString();
    }

    /// <summary>The example on one worker, as the closure Rust hands to <c>timely::execute</c>; this worker's result.</summary>
    public static ExampleResult Run(Worker worker, ulong rounds, ulong words, TextWriter log)
    {
        int index = worker.Index;
        var meter = WorkloadResult.Start();
        long seen = 0;
        ulong checksum = 0;
        var input = new InputHandle<ulong, (string Text, long Diff)>();
        var probe = new ProbeHandle<ulong>();
        worker.Dataflow<ulong>(scope => scope.InputFrom(input)
            .Unary<ulong, (string, long), (string, long)>(Pact<(string, long)>.Pipeline, "FlatMap", (lines, output) =>
            {
                while (lines.TryNext(out var cap, out var data))
                {
                    var session = output.Session(cap);
                    foreach (var (text, diff) in data)
                    {
                        foreach (string word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                        {
                            session.Give((word, diff));
                        }
                    }
                }
            })
            .Unary<ulong, (string, long), (string, long)>(Pact<(string, long)>.Exchange(x => (ulong)x.Item1.Length), "WordCount", initial =>
            {
                initial.Dispose();
                var queues = new TimeStash<(string Word, long Diff)>();
                var counts = new Dictionary<string, long>();
                return (changes, output) =>
                {
                    while (changes.TryNext(out var cap, out var data))
                    {
                        queues.Add(cap, data);
                    }

                    while (queues.TryTakeReady(changes.Frontier, null, out var capability, out var ready))
                    {
                        var session = output.Session(capability);
                        for (int c = 0; c < ready.Chunks; c++)
                        {
                            foreach (var (word, diff) in ready.Chunk(c))
                            {
                                long count = counts.GetValueOrDefault(word) + diff;
                                counts[word] = count;
                                session.Give((word, count));
                            }
                        }

                        queues.Return(ready);
                        capability.Dispose();
                    }
                };
            })
            .Inspect(x =>
            {
                log.WriteLine($"seen: (\"{x.Item1}\", {x.Item2})");
                seen++;
                checksum = unchecked(checksum + ExampleRandom.Pair(ExampleRandom.Hash(x.Item1), (ulong)x.Item2));
            })
            .ProbeWith(probe));

        for (ulong round = 0; round < rounds; round++)
        {
            input.Send((Line(round, index, worker.Peers, words), 1));
            ExampleSteps.AdvanceAndWait(worker, input, probe, round + 1);
        }

        ExampleSteps.Finish(worker, input);

        return new ExampleResult(meter.Stop(index, seen), checksum);
    }
}
