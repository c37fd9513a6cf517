using System.CommandLine;
using System.Diagnostics;
using Timely.Bench.Workloads;
using Timely.Bytes;
using Timely.Communication;
using Timely.Dataflow;
using Timely.Dataflow.Channels;
using Timely.Dataflow.Operators;

namespace Timely.Bench.Examples;

/// <summary>
/// timely's <c>sequence</c>: every worker pushes <c>"worker i, round r"</c> into a sequencer, which
/// hands every worker all workers' elements in one order agreed by all, and each worker prints
/// <c>&lt;elapsed&gt;:\tWorker i:\t recv'd: "..."</c> per element. Rust's example sleeps 1 + i seconds per
/// round and never stops; here there is no sleep and <c>--rounds</c> (default 10) ends it.
/// Records = elements received (P x P x rounds); checksum = per worker an order-sensitive hash
/// of the sequence it received, summed, so it matches P times the expected order's only if every
/// worker saw that order.
/// </summary>
internal static class Sequence
{
    /// <summary>Rounds when <c>--rounds</c> is not given (Rust's example never stops).</summary>
    public const ulong DefaultRounds = 10;

    /// <summary>The <c>sequence</c> command.</summary>
    public static Command Create()
    {
        var rounds = ExampleCommand.IntegerOption("--rounds", "Rounds, one element per worker each (Rust's example never stops)", DefaultRounds, 0, 1_000_000);
        return ExampleCommand.Make(
            "sequence",
            "timely's sequence example: all workers' elements, delivered to every worker in one agreed order.",
            [rounds],
            (result, config, log) => Run(config, result.GetValue(rounds), log));
    }

    /// <summary>The element worker <paramref name="worker"/> pushes in <paramref name="round"/>.</summary>
    public static string Element(int worker, ulong round) => $"worker {worker}, round {round}";

    /// <summary>Runs the example; one result per local worker.</summary>
    public static ExampleResult[] Run(Config config, ulong rounds, TextWriter log) =>
        Execute.Run(config, worker =>
        {
            // The composite record codecs, built without reflection (Native AOT; see WireCodec.PrepareTuple).
            WireCodec.PrepareTuple<ulong, ulong, ulong, string>();
            int index = worker.Index;
            var timer = Stopwatch.StartNew();
            var meter = WorkloadResult.Start();
            using var sequencer = new Sequencer(worker);
            long received = 0;
            ulong chain = 0;
            void Drain()
            {
                while (sequencer.TryNext(out string? element))
                {
                    log.WriteLine($"{WorkloadCommands.FormatDuration(timer.Elapsed)}:\tWorker {index}:\t recv'd: \"{element}\"");
                    received++;
                    chain = Chain(chain, element);
                }
            }

            for (ulong round = 0; round < rounds; round++)
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
        });

    /// <summary>The expected totals: every worker receives, round by round, worker 0's element to worker P-1's.</summary>
    public static (long Records, ulong Checksum) Reference(ulong rounds, int peers)
    {
        ulong chain = 0;
        for (ulong round = 0; round < rounds; round++)
        {
            for (int w = 0; w < peers; w++)
            {
                chain = Chain(chain, Element(w, round));
            }
        }

        return ((long)rounds * peers * peers, unchecked(chain * (ulong)peers));
    }

    private static ulong Chain(ulong chain, string element) => ExampleRandom.Pair(chain, ExampleRandom.Hash(element));

    /// <summary>
    /// A minimal version of timely's <c>Sequencer</c>: each pushed element is stamped with its
    /// worker, a per-worker counter and the input's round, broadcast to every worker (a copy
    /// per worker, exchanged by target), and released in (round, worker, counter) order once
    /// the round is complete, the same order on every worker.
    /// </summary>
    private sealed class Sequencer : IDisposable
    {
        private readonly InputHandle<ulong, (ulong Worker, ulong Counter, string Element)> _input = new();
        private readonly Queue<string> _ready = new();
        private readonly ulong _index;
        private ulong _counter;

        public Sequencer(Worker worker)
        {
            _index = (ulong)worker.Index;
            ulong peers = (ulong)worker.Peers;
            worker.Dataflow<ulong>(scope =>
            {
                var stash = new SortedDictionary<ulong, List<(ulong Worker, ulong Counter, string Element)>>();
                scope.InputFrom(_input)
                    .Unary<ulong, (ulong, ulong, string), (ulong, ulong, ulong, string)>(Pact<(ulong, ulong, string)>.Pipeline, "Broadcast", (data, output) =>
                    {
                        while (data.TryNext(out var cap, out var batch))
                        {
                            var session = output.Session(cap);
                            foreach (var (w, c, e) in batch)
                            {
                                for (ulong target = 0; target < peers; target++)
                                {
                                    session.Give((target, w, c, e));
                                }
                            }
                        }
                    })
                    .Sink(Pact<(ulong, ulong, ulong, string)>.Exchange(x => x.Item1), "Sequencer", data =>
                    {
                        while (data.TryNext(out var cap, out var batch))
                        {
                            if (!stash.TryGetValue(cap.Time, out var list))
                            {
                                stash[cap.Time] = list = new List<(ulong, ulong, string)>();
                            }

                            list.AddRange(batch.Select(x => (x.Item2, x.Item3, x.Item4)));
                        }

                        while (stash.Count > 0 && stash.First() is var (time, list) && !data.Frontier.LessEqual(time))
                        {
                            stash.Remove(time);
                            list.Sort((a, b) => a.Worker != b.Worker ? a.Worker.CompareTo(b.Worker) : a.Counter.CompareTo(b.Counter));
                            foreach (var item in list)
                            {
                                _ready.Enqueue(item.Element);
                            }
                        }
                    });
            });
        }

        /// <summary>Stamps <paramref name="element"/> and moves the input to the next round.</summary>
        public void Push(string element)
        {
            _input.Send((_index, _counter++, element));
            _input.AdvanceTo(_input.Time + 1);
        }

        /// <summary>The next element of the agreed order, when one is released.</summary>
        public bool TryNext([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? element) => _ready.TryDequeue(out element);

        /// <summary>No more pushes from this worker.</summary>
        public void Close() => _input.Close();

        /// <summary>Closes the input (as <see cref="Close"/>).</summary>
        public void Dispose() => _input.Dispose();
    }
}
