using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Dataflow;
using Timely.Dataflow.Capture;
using Timely.Dataflow.Operators;

namespace Timely.PropTests.Capture;

/// <summary>
/// Random input scripts (records, time advances and worker steps interleaved differently on
/// each worker) captured on k workers and replayed on j workers: the captures extract to what
/// was sent, every captured stream (original and replayed) keeps the replay protocol
/// (<see cref="CaptureProtocol"/> P1-P5), and the replay extracts to the same result, whether
/// it reads the events directly or from their bytes arriving in random pieces.
/// </summary>
public sealed class CaptureReplayProperties
{
    // An action: kind 0 sends Value at the input's time, 1 advances the time by Value % 3,
    // 2 steps the worker (which lets the capture see frontier changes mid-script).
    internal static Gen<(int Kind, int Value)> Action { get; } = Gen.Zip(Gen.Choose(0, 2), Gen.Choose(-100, 100));

    private static Arbitrary<((int Kind, int Value)[][] Scripts, int ReplayWorkers, bool Exchange, bool FromBytes, int[] Chunks)> Cases() =>
        Gen.Zip(
                Gen.Choose(1, 3).SelectMany(k => Action.ArrayOf().Select(a => a.Take(30).ToArray()).ArrayOf(k)),
                Gen.Zip(
                    Gen.Zip(Gen.Choose(1, 3), Generators.Bool),
                    Gen.Zip(Generators.Bool, Gen.Choose(0, 40).ArrayOf().Where(a => a.Length > 0 && a.Any(c => c > 0)))))
            .Select(t => (t.Item1, t.Item2.Item1.Item1, t.Item2.Item1.Item2, t.Item2.Item2.Item1, t.Item2.Item2.Item2))
            .ToArbitrary();

    internal static Timely.Communication.Config Workers(int count) =>
        count == 1 ? Timely.Communication.Config.Thread : Timely.Communication.Config.Process(count);

    /// <summary>What the scripts send: (time, value) for every record, extracted as timely's Extract does.</summary>
    internal static List<(ulong Time, List<int> Data)> Expected((int Kind, int Value)[][] scripts)
    {
        var sent = new List<Event<ulong, int>>();
        foreach (var script in scripts)
        {
            ulong time = 0;
            foreach (var (kind, value) in script)
            {
                if (kind == 0)
                {
                    sent.Add(new Event<ulong, int>.Messages(time, [value]));
                }
                else if (kind == 1)
                {
                    time += (ulong)(value % 3 + 3) % 3;
                }
            }
        }

        return sent.Extract();
    }

    private static List<Event<ulong, int>>[] CaptureScripts((int Kind, int Value)[][] scripts, bool exchange) =>
        Execute.Run(Workers(scripts.Length), worker =>
        {
            var input = new InputHandle<ulong, int>();
            var queue = worker.Dataflow<ulong, CaptureQueue<ulong, int>>(scope =>
            {
                var stream = scope.InputFrom(input);
                return (exchange ? stream.Exchange(v => (ulong)(uint)v) : stream).Capture();
            });
            RunScript(worker, input, scripts[worker.Index]);
            input.Close();
            while (worker.Step())
            {
            }

            return queue.Drain();
        });

    /// <summary>Plays one worker's script: kind 0 sends, 1 advances the time by Value mod 3, 2 steps.</summary>
    internal static void RunScript(Worker worker, InputHandle<ulong, int> input, (int Kind, int Value)[] script)
    {
        foreach (var (kind, value) in script)
        {
            switch (kind)
            {
                case 0:
                    input.Send(value);
                    break;
                case 1:
                    input.AdvanceTo(input.Time + ((ulong)(value % 3 + 3) % 3));
                    break;
                default:
                    worker.Step();
                    break;
            }
        }
    }

    private static byte[] Bytes(List<Event<ulong, int>> events)
    {
        var stream = new MemoryStream();
        using (var writer = new EventWriter<ulong, int>(stream, leaveOpen: true))
        {
            events.ForEach(writer.Push);
        }

        return stream.ToArray();
    }

    private static List<Event<ulong, int>>[] Replay(List<Event<ulong, int>>[] captured, int workers, bool fromBytes, int[] chunks)
    {
        // Sources are built here, before the workers start, and each is used by the one worker that owns it.
        var sources = captured.Select(events =>
        {
            if (fromBytes)
            {
                // zeroReadIsEnd false: the chunked source's empty reads are "nothing yet", as from a socket.
                return (IEventIterator<ulong, int>)new EventReader<ulong, int>(new ChunkedStream(Bytes(events), chunks), zeroReadIsEnd: false);
            }

            var queue = new CaptureQueue<ulong, int>();
            events.ForEach(queue.Push);
            return queue;
        }).ToList();

        return Execute.Run(Workers(workers), worker =>
        {
            var queue = worker.Dataflow<ulong, CaptureQueue<ulong, int>>(scope => sources.OwnedBy(worker).ReplayInto(scope).Capture());
            while (worker.Step())
            {
            }

            return queue.Drain();
        });
    }

    private static bool SameExtract(List<(ulong Time, List<int> Data)> expected, List<(ulong Time, List<int> Data)> actual) =>
        expected.Count == actual.Count &&
        expected.Zip(actual).All(p => p.First.Time == p.Second.Time && p.First.Data.SequenceEqual(p.Second.Data));

    [Property(MaxTest = 20)]
    public Property Captured_on_k_workers_and_replayed_on_j_workers_extracts_what_was_sent_and_keeps_the_protocol()
    {
        return Prop.ForAll(Cases(), c =>
        {
            var expected = Expected(c.Scripts);
            var captured = CaptureScripts(c.Scripts, c.Exchange);
            foreach (var stream in captured)
            {
                Assert.Null(CaptureProtocol.FindViolation(stream, complete: true));
            }

            Assert.True(SameExtract(expected, captured.SelectMany(s => s).Extract()), "capture extract differs from what was sent");

            var replayed = Replay(captured, c.ReplayWorkers, c.FromBytes, c.Chunks);
            Assert.Equal(c.ReplayWorkers, replayed.Length);
            foreach (var stream in replayed)
            {
                Assert.Null(CaptureProtocol.FindViolation(stream, complete: true));
            }

            Assert.True(SameExtract(expected, replayed.SelectMany(s => s).Extract()), "replay extract differs from the original");
        });
    }

    /// <summary>A stream's own frontier changes are a set: every accumulated count is 0 or 1 (stronger than P4 for our capture).</summary>
    [Property(MaxTest = 20)]
    public Property Capture_progress_is_the_change_of_a_frontier_set()
    {
        return Prop.ForAll(Cases(), c =>
        {
            foreach (var stream in CaptureScripts(c.Scripts, c.Exchange))
            {
                var counts = new Dictionary<ulong, long> { [0] = 1 };
                foreach (var e in stream)
                {
                    if (e is Event<ulong, int>.Progress p)
                    {
                        foreach (var (time, diff) in p.Updates)
                        {
                            counts[time] = counts.GetValueOrDefault(time) + diff;
                            Assert.InRange(counts[time], 0, 1);
                        }
                    }
                }
            }
        });
    }
}
