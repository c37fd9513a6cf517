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
/// The examples' time stashes against the model "every record comes out once, at its own time".
/// The copying stash with a cap on its spare chunks: times of a few records to several chunks'
/// worth, in any order of sizes, under caps from none kept to all kept (a cap that dropped a chunk
/// still in use, or handed one chunk to two times, would lose or repeat records). Held times whose
/// state takes each batch as it arrives (a copy in native memory, as pagerank keeps its edge
/// changes), over one or more steps a time (a state handed to two times, or a batch added at the
/// wrong time, would lose, repeat or move records), every state freed by the disposal. And the
/// holder both are (<see cref="TimedPayloads{TPayload, TPolicy}"/>) against the model of its
/// times: a sorted list, each time with the records received at it, the earliest one ready exactly
/// when no time of either input's frontier (as the operator sees it) is at or before it. Two inputs
/// feed one holder, each advancing on its own, so times arrive out of order (a time earlier than
/// one held goes before it) and the second frontier holds back times the first has passed; at every
/// run of the operator the holder's peek and take must agree with the model, the payload taken must
/// hold the time's records in arrival order, and it makes no more payloads than the most times held
/// at once.
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

            var (expected, got) = Compare(times, seen);
            return (got.SequenceEqual(expected) && mostSpare <= cap)
                .Label($"{expected.Length} records expected, {got.Length} seen; at most {mostSpare} spare chunks under a cap of {cap}");
        });
    }

    [Property(MaxTest = 30)]
    public Property Held_times_give_back_every_record_once_at_its_time_copied_as_it_arrives()
    {
        var sizes = Gen.OneOf(Gen.Choose(0, 50), Gen.Choose(Message<ulong, int>.BatchSize - 5, (3 * Message<ulong, int>.BatchSize) + 7));
        var run = Gen.Zip(sizes.ArrayOf().Select(a => a.Take(6).ToArray()), Gen.Elements(1, 2, 3));
        return Prop.ForAll(run.ToArbitrary(), t =>
        {
            var (times, stepsPerTime) = t;
            var seen = new ConcurrentBag<(ulong Time, (int Id, long Time) Record)>();
            var made = new List<NativeList<(int, long)>>();
            HeldTimes<NativeList<(int, long)>>? held = null;
            Timely.Dataflow.Execute.Run(Timely.Communication.Config.Thread, worker =>
            {
                var input = new InputHandle<ulong, (int, long)>();
                worker.Dataflow<ulong>(scope =>
                {
                    scope.InputFrom(input)
                        .Unary<ulong, (int, long), (int, long)>(Pact<(int, long)>.Pipeline, "Held", initial =>
                        {
                            initial.Dispose();
                            held = new HeldTimes<NativeList<(int, long)>>(() =>
                            {
                                var state = new NativeList<(int, long)>();
                                made.Add(state);
                                return state;
                            });
                            return (records, output) =>
                            {
                                while (records.TryNext(out var capability, out var data))
                                {
                                    held.At(capability).AddRange(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(data));
                                }

                                while (held.TryTakeReady(records.Frontier, null, out var ready, out var state))
                                {
                                    output.Session(ready).GiveSpan(state.AsSpan());
                                    state.Clear();
                                    held.Return(state);
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
                    for (int step = 0; step < stepsPerTime; step++)
                    {
                        int from = times[time] * step / stepsPerTime, to = times[time] * (step + 1) / stepsPerTime;
                        for (int i = from; i < to; i++)
                        {
                            input.Send((id++, time));
                        }

                        worker.Step();
                    }
                }

                input.Close();
            });

            held?.Dispose();
            var (expected, got) = Compare(times, seen);
            bool freed = made.All(state => state.Capacity == 0);
            return (got.SequenceEqual(expected) && freed && held?.Made == made.Count)
                .Label($"{expected.Length} records expected, {got.Length} seen; {made.Count} states made, all freed: {freed}");
        });
    }

    // The model: record i of time t is (id, t) at time t, ids in order of sending; and what was seen, by id.
    private static ((ulong, (int, long))[] Expected, (ulong, (int, long))[] Got) Compare(int[] times, ConcurrentBag<(ulong Time, (int Id, long Time) Record)> seen) =>
        (times.SelectMany((count, time) => Enumerable.Range(0, count).Select(i => ((ulong)time, (times.Take(time).Sum() + i, (long)time)))).ToArray(),
         seen.OrderBy(r => r.Record.Id).Select(r => (r.Time, (r.Record.Id, r.Record.Time))).ToArray());

    [Property(MaxTest = 60)]
    public Property The_holder_gives_the_earliest_time_when_neither_frontier_can_reach_it()
    {
        // A step: which input, how far it advances (0: it sends at its time), how many records, whether the worker steps after.
        var step = Gen.Zip(Gen.Zip(Gen.Choose(0, 1), Gen.Choose(0, 3)), Gen.Zip(Gen.Choose(0, 3), Gen.Elements(true, true, false)));
        return Prop.ForAll(step.ArrayOf().ToArbitrary(), steps =>
        {
            var failures = new List<string>();
            var model = new SortedDictionary<ulong, List<int>>();
            int mostHeld = 0, taken = 0, sent = 0;
            Holder? holder = null;
            Execute.Run(Timely.Communication.Config.Thread, worker =>
            {
                var inputs = new[] { new InputHandle<ulong, int>(), new InputHandle<ulong, int>() };
                worker.Dataflow<ulong>(scope =>
                {
                    scope.InputFrom(inputs[0]).Binary<ulong, int, int, int>(scope.InputFrom(inputs[1]), Pact<int>.Pipeline, Pact<int>.Pipeline, "Held", initial =>
                    {
                        initial.Dispose();
                        holder = new Holder();
                        return (in1, in2, output) =>
                        {
                            while (in1.TryNext(out var capability, out var data) || in2.TryNext(out capability, out data))
                            {
                                holder.At(capability).AddRange(data);
                                if (!model.TryGetValue(capability.Time, out var records))
                                {
                                    model.Add(capability.Time, records = new List<int>());
                                }

                                records.AddRange(data);
                                mostHeld = Math.Max(mostHeld, model.Count);
                            }

                            while (true)
                            {
                                bool expected = model.Count > 0 && Passed(in1.Frontier.Frontier, model.First().Key) && Passed(in2.Frontier.Frontier, model.First().Key);
                                bool peeked = holder.TryPeekReady(in1.Frontier, in2.Frontier, out ulong peek);
                                bool took = holder.TryTakeReady(in1.Frontier, in2.Frontier, out var ready, out var payload);
                                if (peeked != expected || took != expected)
                                {
                                    failures.Add($"ready {expected} by the model, peek {peeked}, take {took}");
                                }

                                if (!took)
                                {
                                    break;
                                }

                                var (time, records) = model.Count > 0 ? model.First() : new KeyValuePair<ulong, List<int>>(ulong.MaxValue, new List<int>());
                                if (peek != time || ready.Time != time || !payload.SequenceEqual(records))
                                {
                                    failures.Add($"took {ready.Time} (peeked {peek}) with {payload.Count} records, the model's earliest {time} with {records.Count}");
                                }

                                model.Remove(time);
                                taken += payload.Count;
                                holder.Return(payload);
                                ready.Dispose();
                            }

                            if (holder.Count != model.Count)
                            {
                                failures.Add($"{holder.Count} times held, {model.Count} by the model");
                            }
                        };
                    });
                });

                foreach (var ((input, advance), (records, stepAfter)) in steps)
                {
                    inputs[input].AdvanceTo(inputs[input].Time + (ulong)advance);
                    for (int i = 0; i < records; i++)
                    {
                        inputs[input].Send(sent++);
                    }

                    if (stepAfter)
                    {
                        worker.Step();
                    }
                }

                inputs[0].Close();
                inputs[1].Close();
            });

            return (failures.Count == 0 && model.Count == 0 && taken == sent && holder?.Made == mostHeld)
                .Label($"{string.Join("; ", failures.Take(3))}; {model.Count} times left; {taken} of {sent} records taken; {holder?.Made} payloads made for at most {mostHeld} times held");
        });
    }

    // Ready by the model: every time of the frontier is after the held time (an empty frontier is after all).
    private static bool Passed(ReadOnlySpan<ulong> frontier, ulong time)
    {
        foreach (ulong t in frontier)
        {
            if (t <= time)
            {
                return false;
            }
        }

        return true;
    }

    private sealed class Holder() : TimedPayloads<List<int>, Lists>(default);

    private readonly struct Lists : IPayloadPolicy<List<int>>
    {
        public List<int> Create() => new();

        public void Recycle(List<int> payload) => payload.Clear();

        public void Free(List<int> payload)
        {
        }
    }

    [Fact]
    public void A_negative_cap_is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new TimeStash<int>(-1));
}
