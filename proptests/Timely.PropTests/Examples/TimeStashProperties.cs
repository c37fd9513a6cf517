using System.Collections.Concurrent;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Dataflow;
using Timely.Dataflow.Channels;
using Timely.Dataflow.Operators;
using Timely.Examples;

namespace Timely.PropTests.Examples;

/// <summary>
/// The examples' time stash with a cap on its spare chunks against the model "every record comes
/// out once, at its own time": times of a few records to several chunks' worth, in any order of
/// sizes, under caps from none kept to all kept. A cap that dropped a chunk still in use, or
/// handed one chunk to two times, would lose or repeat records.
/// </summary>
public sealed class TimeStashProperties
{
    [Property(MaxTest = 30)]
    public Property A_capped_stash_gives_back_every_record_once_at_its_time()
    {
        var sizes = Gen.OneOf(Gen.Choose(0, 50), Gen.Choose(RecordChunks<int>.ChunkSize - 5, (3 * RecordChunks<int>.ChunkSize) + 7));
        var run = Gen.Zip(sizes.ArrayOf().Select(a => a.Take(6).ToArray()), Gen.Elements(0, 1, 3, int.MaxValue));
        return Prop.ForAll(run.ToArbitrary(), t =>
        {
            var (times, cap) = t;
            var seen = new ConcurrentBag<(ulong Time, (int Id, long Time) Record)>();
            int mostSpare = 0;
            Timely.Dataflow.Execute.Run(Timely.Communication.Config.Thread, worker =>
            {
                var input = new InputHandle<ulong, (int, long)>();
                worker.Dataflow<ulong>(scope =>
                {
                    scope.InputFrom(input)
                        .Unary<ulong, (int, long), (int, long)>(Pact<(int, long)>.Pipeline, "Stash", initial =>
                        {
                            initial.Dispose();
                            var stash = new TimeStash<(int Id, long Time)>(cap);
                            return (records, output) =>
                            {
                                while (records.TryNext(out var capability, out var data))
                                {
                                    stash.Add(capability, data);
                                }

                                while (stash.TryTakeReady(records.Frontier, null, out var ready, out var chunks))
                                {
                                    var session = output.Session(ready);
                                    for (int c = 0; c < chunks.Chunks; c++)
                                    {
                                        session.GiveSpan(chunks.Chunk(c));
                                    }

                                    stash.Return(chunks);
                                    mostSpare = Math.Max(mostSpare, stash.SpareChunks);
                                    ready.Dispose();
                                }
                            };
                        })
                        .InspectTime((time, record) => seen.Add((time, record)));
                });

                int id = 0;
                for (int time = 0; time < times.Length; time++)
                {
                    input.AdvanceTo((ulong)time);
                    for (int i = 0; i < times[time]; i++)
                    {
                        input.Send((id++, time));
                    }

                    worker.Step();
                }

                input.Close();
            });

            var expected = times.SelectMany((count, time) => Enumerable.Range(0, count).Select(i => ((ulong)time, (times.Take(time).Sum() + i, (long)time)))).ToArray();
            var got = seen.OrderBy(r => r.Record.Id).ToArray();
            return (got.SequenceEqual(expected) && mostSpare <= cap)
                .Label($"{expected.Length} records expected, {got.Length} seen; at most {mostSpare} spare chunks under a cap of {cap}");
        });
    }

    [Fact]
    public void A_negative_cap_is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new TimeStash<int>(-1));
}
