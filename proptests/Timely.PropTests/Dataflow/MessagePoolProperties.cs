using System.Collections.Concurrent;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Bytes;
using Timely.Communication.Binary;
using Timely.Communication.Diagnostics;
using Timely.Dataflow;
using Timely.Dataflow.Channels;
using Timely.Dataflow.Operators;

namespace Timely.PropTests.Dataflow;

/// <summary>
/// A worker's pool of empty messages, shared by all its channels and outputs of one time and
/// record type: against a model of who holds which message (a message handed out is never
/// handed out again until it is released, and comes out empty), and in dataflows whose streams
/// share one pool (fan-out, pass-through chains, copies, an exchange, two dataflows on one worker,
/// bursts around the batch size) against the sequence each sink must see: no record ever
/// lands in another message's batch. Messages that cross as bytes are decoded into the pool's
/// messages: what the reader sees is what was sent, whatever the reused message held before.
/// </summary>
public sealed class MessagePoolProperties
{
    private const int Batch = Message<ulong, int>.BatchSize;

    // An op: 0 rents (Rent), 1 tries to rent (TryRent), 2 returns the held message at X (mod the
    // held count) after writing X records into it, 3 returns a message already in the pool.
    private static Arbitrary<(int Kind, int X)[]> Ops() =>
        Gen.Zip(Gen.Frequency((3, Gen.Constant(0)), (2, Gen.Constant(1)), (4, Gen.Constant(2)), (1, Gen.Constant(3))), Gen.Choose(0, 50))
            .ArrayOf()
            .ToArbitrary();

    [Property(MaxTest = 300)]
    public Property A_message_is_handed_out_at_most_once_until_released_and_always_empty()
    {
        return Prop.ForAll(Ops(), ops =>
        {
            var pool = new MessagePool<int, int>();
            var held = new List<Message<int, int>>();
            var inPool = new List<Message<int, int>>();
            foreach (var (kind, x) in ops)
            {
                switch (kind)
                {
                    case 0 or 1:
                        var got = kind == 0 ? pool.Rent() : pool.TryRent();
                        if (got is null)
                        {
                            if (inPool.Count != 0)
                            {
                                return false.Label("TryRent gave nothing while the pool held messages");
                            }

                            break;
                        }

                        if (held.Contains(got))
                        {
                            return false.Label("a message was handed out while someone held it");
                        }

                        if (got.Data.Count != 0)
                        {
                            return false.Label($"a message came out holding {got.Data.Count} records");
                        }

                        inPool.Remove(got);
                        held.Add(got);
                        break;
                    case 2 when held.Count > 0:
                        var message = held[x % held.Count];
                        message.Data.AddRange(Enumerable.Range(0, x));
                        held.Remove(message);
                        pool.Return(message);
                        inPool.Add(message);
                        break;
                    case 3 when inPool.Count > 0:
                        try
                        {
                            pool.Return(inPool[x % inPool.Count]);
                            return false.Label("a message already in the pool was taken back twice");
                        }
                        catch (InvalidOperationException)
                        {
                        }

                        break;
                }

                if (pool.Count != inPool.Count)
                {
                    return false.Label($"the pool holds {pool.Count}, the model {inPool.Count}");
                }
            }

            return (pool.Created == held.Count + inPool.Count).Label($"made {pool.Created}, known {held.Count + inPool.Count}");
        });
    }

    // An op on messages and their room: 0 Rent, 1 TryRent, 2 RentCarrier, 3 Reserve the held
    // message at X, 4 swap the lists of two held messages (a forward: the received batch's list
    // goes out in a carrier, the carrier's comes back), 5 return the held message at X after
    // writing X records into it, 6 take the list of the held message at X (it keeps an empty
    // one, as InputPort.Take leaves it) and give the list to the pool (InputPort.Release).
    private static Arbitrary<(int Kind, int X, int Y)[]> RoomOps() =>
        Gen.Zip(Gen.Choose(0, 6), Gen.Zip(Gen.Choose(0, 50), Gen.Choose(0, 50)))
            .Select(t => (t.Item1, t.Item2.Item1, t.Item2.Item2))
            .ArrayOf()
            .ToArbitrary();

    [Property(MaxTest = 300)]
    public Property Room_is_made_only_when_none_waits_and_a_carrier_never_makes_any()
    {
        // The model: which held messages have a batch's room, how many messages with and
        // without room wait in the pool, and how many arrays a pool that makes room only when
        // none waits would have made.
        return Prop.ForAll(RoomOps(), ops =>
        {
            var pool = new MessagePool<int, int>();
            var held = new List<Message<int, int>>();
            var room = new Dictionary<Message<int, int>, bool>(ReferenceEqualityComparer.Instance);
            int waitingRoom = 0, waitingShells = 0;
            long made = 0;
            foreach (var (kind, x, y) in ops)
            {
                switch (kind)
                {
                    case 0:
                        made += waitingRoom > 0 ? 0 : 1;
                        if (waitingRoom > 0) { waitingRoom--; } else if (waitingShells > 0) { waitingShells--; }
                        if (Take(pool.Rent(), expectRoom: true) is { } bad0) { return false.Label(bad0); }
                        break;
                    case 1 or 2:
                        bool hadRoom = waitingRoom > 0;
                        bool hadAny = hadRoom || waitingShells > 0;
                        if (hadRoom) { waitingRoom--; } else if (hadAny) { waitingShells--; }
                        var got = kind == 1 ? pool.TryRent() : pool.RentCarrier();
                        if (got is null)
                        {
                            if (hadAny) { return false.Label("TryRent gave nothing while the pool held messages"); }
                            break;
                        }

                        if (Take(got, expectRoom: hadRoom) is { } bad1) { return false.Label(bad1); }
                        break;
                    case 3 when held.Count > 0:
                        var target = held[x % held.Count];
                        if (!room[target])
                        {
                            if (waitingRoom > 0) { waitingRoom--; waitingShells++; } else { made++; }
                        }

                        target.Data.AddRange(Enumerable.Range(0, y));
                        var items = pool.Reserve(target);
                        if (target.Data.Count != 0 || items.Length < Message<int, int>.BatchSize || !ReferenceEquals(items, ListStorage<int>.Reserve(target.Data, 0)))
                        {
                            return false.Label("Reserve left records, too little room, or an array not the list's own");
                        }

                        room[target] = true;
                        break;
                    case 4 when held.Count > 1:
                        var (a, b) = (held[x % held.Count], held[y % held.Count]);
                        (a.Data, b.Data) = (b.Data, a.Data);
                        (room[a], room[b]) = (room[b], room[a]);
                        break;
                    case 5 when held.Count > 0:
                        var message = held[x % held.Count];
                        message.Data.AddRange(Enumerable.Range(0, y));
                        held.Remove(message);
                        pool.Return(message);
                        if (room[message]) { waitingRoom++; } else { waitingShells++; }
                        break;
                    case 6 when held.Count > 0:
                        var taken = held[x % held.Count];
                        var list = taken.Data;
                        taken.Data = [];
                        list.AddRange(Enumerable.Range(0, y));
                        if (room[taken])
                        {
                            // The room goes into a waiting shell, or a new message when none waits.
                            if (waitingShells > 0) { waitingShells--; }
                            waitingRoom++;
                        }

                        room[taken] = false;
                        pool.Adopt(list);
                        break;
                }

                if (pool.RoomMade != made || pool.RoomCount != waitingRoom || pool.Count != waitingRoom + waitingShells)
                {
                    return false.Label($"made {pool.RoomMade} (model {made}), waiting {pool.RoomCount} with room of {pool.Count} (model {waitingRoom} of {waitingRoom + waitingShells})");
                }
            }

            return true.ToProperty();

            string? Take(Message<int, int> got, bool expectRoom)
            {
                if (held.Contains(got))
                {
                    return "a message was handed out while someone held it";
                }

                if (got.Data.Count != 0)
                {
                    return $"a message came out holding {got.Data.Count} records";
                }

                bool hasRoom = got.Data.Capacity >= Message<int, int>.BatchSize;
                if (hasRoom != expectRoom)
                {
                    return $"a message came out {(hasRoom ? "with" : "without")} room, the model says {(expectRoom ? "with" : "without")}";
                }

                held.Add(got);
                room[got] = hasRoom;
                return null;
            }
        });
    }

    // Batches of (time, records), lengths around and across the batch size, and after each
    // delivery how many messages the reader pulls (so reused messages held longer batches).
    private static Arbitrary<(ulong Time, (int, long)[] Records, int Pulls)[]> Deliveries() =>
        Gen.Zip(
                Gen.Zip(
                    Gen.Choose(0, 1000).Select(t => (ulong)t),
                    Gen.Zip(Gen.Choose(int.MinValue, int.MaxValue), Gen.Choose(int.MinValue, int.MaxValue).Select(v => (long)v * 7919)).ArrayOf()
                        .SelectMany(a => Gen.OneOf(Gen.Constant(a), Gen.Choose(Batch - 2, 2 * Batch).Select(n => Enumerable.Range(0, n).Select(i => (i, (long)i * -3)).ToArray())))),
                Gen.Choose(0, 3))
            .Select(t => (t.Item1.Item1, t.Item1.Item2, t.Item2))
            .ArrayOf()
            .Select(a => a.Take(40).ToArray())
            .ToArbitrary();

    [Property(MaxTest = 200)]
    public Property Decoding_into_the_pools_messages_delivers_exactly_what_was_encoded()
    {
        return Prop.ForAll(Deliveries(), deliveries =>
        {
            DataflowCodecs.EnsureMessage<ulong, (int, long)>();
            var codec = WireCodec<Message<ulong, (int, long)>>.Default;
            var pool = new MessagePool<ulong, (int, long)>();
            var inbox = new BinaryInbox<Message<ulong, (int, long)>>(codec, 3, 1, new WorkerCounters(0), new InboxActivity(), recycler: pool);
            var expected = new Queue<(ulong Time, (int, long)[] Records)>();
            long seqno = 0;
            int outstanding = 0;
            int peak = 0;
            foreach (var (time, records, pulls) in deliveries)
            {
                var sent = new Message<ulong, (int, long)> { Time = time };
                sent.Data.AddRange(records);
                var bytes = new byte[codec.Measure(sent)];
                codec.Write(bytes, sent);
                inbox.Deliver(new MessageHeader(3, 0, 0, 1, bytes.Length, seqno++), bytes);
                expected.Enqueue((time, records));
                peak = Math.Max(peak, ++outstanding);
                for (int p = 0; p < pulls; p++)
                {
                    var got = inbox.Pull();
                    if (got is null)
                    {
                        if (expected.Count != 0)
                        {
                            return false.Label($"nothing pulled while {expected.Count} messages wait");
                        }

                        break;
                    }

                    outstanding--;
                    var (t, r) = expected.Dequeue();
                    if (got.Time != t || !got.Data.SequenceEqual(r))
                    {
                        return false.Label($"pulled {got.Data.Count} records at {got.Time}, sent {r.Length} at {t}");
                    }
                }
            }

            // Everything pulled goes back to the pool by the pull that finds nothing.
            while (inbox.Pull() is { } rest)
            {
                var (t, r) = expected.Dequeue();
                if (rest.Time != t || !rest.Data.SequenceEqual(r))
                {
                    return false.Label($"pulled {rest.Data.Count} records at {rest.Time}, sent {r.Length} at {t}");
                }
            }

            return (pool.Count == pool.Created && pool.Created <= peak + 1)
                .Label($"made {pool.Created}, {pool.Count} back, at most {peak} waited at once");
        });
    }

    /// <summary>
    /// What making messages allocates, against a model: a message with room costs its batch's
    /// array alone and a carrier nothing, but for one block of <see cref="MessagePool{T, TData}.ShellBlock"/>
    /// shells each time the shells made ahead run out (the first block also brings the array
    /// that holds them). A first fill of two workers at once spread its arrays over twice their
    /// bytes when each came after a message and a list of its own (MessagePool's design note).
    /// </summary>
    [Property(MaxTest = 100)]
    public Property Making_messages_allocates_their_arrays_and_a_block_of_shells_per_block()
    {
        var rents = Gen.Elements(true, false).ArrayOf().ToArbitrary();
        return Prop.ForAll(rents, withRoom =>
        {
            // The costs the model counts in, each measured once on a fresh pool, after a pool
            // has made one of each (what a first call allocates once is not the pool's).
            var warm = new MessagePool<int, ulong>();
            _ = warm.Rent();
            _ = warm.RentCarrier();
            long array = AllocatedBy(static () => _kept = new ulong[Message<int, ulong>.BatchSize]);
            var probe = new MessagePool<int, ulong>();
            long firstBlock = AllocatedBy(() => probe.RentCarrier());
            for (int i = 1; i < MessagePool<int, ulong>.ShellBlock; i++)
            {
                probe.RentCarrier();
            }

            long block = AllocatedBy(() => probe.RentCarrier());

            var pool = new MessagePool<int, ulong>();
            var held = new Message<int, ulong>[withRoom.Length];
            long expected = 0;
            long bytes = AllocatedBy(() =>
            {
                for (int i = 0; i < withRoom.Length; i++)
                {
                    held[i] = withRoom[i] ? pool.Rent() : pool.RentCarrier();
                }
            });
            for (int i = 0; i < withRoom.Length; i++)
            {
                expected += (withRoom[i] ? array : 0) + (i == 0 ? firstBlock : i % MessagePool<int, ulong>.ShellBlock == 0 ? block : 0);
            }

            return (bytes == expected && pool.Created == withRoom.Length && pool.RoomMade == withRoom.Count(r => r))
                .Label($"{withRoom.Length} made ({withRoom.Count(r => r)} with room): {bytes} bytes allocated, model {expected} (array {array}, blocks {firstBlock} then {block})");
        });
    }

    private static ulong[]? _kept;   // where a measured array escapes to, so it is allocated on the heap

    private static long AllocatedBy(Action action)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        action();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    // Rounds of (time step, records): each round sends its records at a later time, in one burst
    // (sizes around and above the batch size) before the worker steps.
    // Mode 1: one worker; 2: two workers passing messages across; 3: two workers whose messages
    // cross as bytes and are decoded into the pool (ProcessBinary, the shared-memory and TCP path).
    private static Arbitrary<((int Step, int Count)[] Rounds, int Mode)> Runs() =>
        Gen.Zip(
                Gen.Zip(Gen.Choose(1, 3), Gen.OneOf(Gen.Choose(0, 5), Gen.Choose(Batch - 2, Batch + 2), Gen.Choose(0, 4 * Batch))).ArrayOf(),
                Gen.Choose(1, 3))
            .Select(t => (t.Item1.Take(8).ToArray(), t.Item2))
            .ToArbitrary();

    [Property(MaxTest = 40)]
    public Property Streams_sharing_one_pool_deliver_exactly_their_own_records()
    {
        return Prop.ForAll(Runs(), run =>
        {
            var (rounds, mode) = run;
            int workers = mode == 1 ? 1 : 2;
            var sinks = new ConcurrentDictionary<string, ConcurrentQueue<(int Worker, ulong Time, int Value)>>();
            void Sink(string name, int worker, ulong time, int value) =>
                sinks.GetOrAdd(name, _ => new()).Enqueue((worker, time, value));

            var config = mode switch
            {
                1 => Timely.Communication.Config.Thread,
                2 => Timely.Communication.Config.Process(2),
                _ => Timely.Communication.Config.ProcessBinary(2),
            };
            var done = Task.Run(() => Execute.Run(config, worker =>
            {
                int me = worker.Index;
                var first = new InputHandle<ulong, int>();
                var second = new InputHandle<ulong, int>();
                var probe = new ProbeHandle<ulong>();
                var probeSecond = new ProbeHandle<ulong>();
                worker.Dataflow<ulong>(scope =>
                {
                    var source = scope.InputFrom(first);

                    // Fan-out: the same stream read by a pass-through chain, a copy and an exchange.
                    source.InspectBatch((_, _) => { }).InspectTime((t, v) => Sink("forwarded", me, t, v)).ProbeWith(probe);
                    source.Map(v => v + 1).InspectTime((t, v) => Sink("mapped", me, t, v)).ProbeWith(probe);
                    source.Exchange(v => (ulong)(uint)v).Filter(v => v % 3 != 0).InspectTime((t, v) => Sink("exchanged", me, t, v)).ProbeWith(probe);
                });
                worker.Dataflow<ulong>(scope =>
                    scope.InputFrom(second).InspectBatch((_, _) => { }).InspectTime((t, v) => Sink("second", me, t, v)).ProbeWith(probeSecond));

                ulong time = 0;
                foreach (var (step, count) in rounds)
                {
                    time += (ulong)step;
                    first.AdvanceTo(time);
                    second.AdvanceTo(time);
                    for (int i = 0; i < count; i++)
                    {
                        first.Send(Value(me, time, i));
                        second.Send(-Value(me, time, i));
                    }

                    first.AdvanceTo(time + 1);
                    second.AdvanceTo(time + 1);
                    while (probe.LessThan(time + 1) || probeSecond.LessThan(time + 1))
                    {
                        worker.Step();
                    }
                }
            }));
            if (!done.Wait(TimeSpan.FromSeconds(60)))
            {
                return false.Label("the computation did not finish");
            }

            // What each worker sent, in order: pipeline sinks see exactly that sequence.
            var sent = Enumerable.Range(0, workers)
                .Select(w =>
                {
                    var records = new List<(ulong Time, int Value)>();
                    ulong time = 0;
                    foreach (var (step, count) in rounds)
                    {
                        time += (ulong)step;
                        records.AddRange(Enumerable.Range(0, count).Select(i => (time, Value(w, time, i))));
                    }

                    return records;
                })
                .ToArray();
            for (int w = 0; w < workers; w++)
            {
                var mine = sent[w];
                if (!Of("forwarded", w).SequenceEqual(mine))
                {
                    return false.Label($"worker {w}: the forwarded stream differs from what was sent");
                }

                if (!Of("mapped", w).SequenceEqual(mine.Select(r => (r.Time, r.Value + 1))))
                {
                    return false.Label($"worker {w}: the mapped stream differs");
                }

                if (!Of("second", w).SequenceEqual(mine.Select(r => (r.Time, -r.Value))))
                {
                    return false.Label($"worker {w}: the second dataflow's stream differs");
                }
            }

            var exchanged = sinks.GetValueOrDefault("exchanged")?.ToArray() ?? [];
            var expected = sent.SelectMany(s => s).Where(r => r.Value % 3 != 0).Order().ToArray();
            if (!exchanged.Select(r => (r.Time, r.Value)).Order().SequenceEqual(expected))
            {
                return false.Label($"the exchange delivered {exchanged.Length} records, expected {expected.Length}");
            }

            var misrouted = exchanged.Count(r => (ulong)(uint)r.Value % (ulong)workers != (ulong)r.Worker);
            return (misrouted == 0).Label($"{misrouted} exchanged records at the wrong worker");

            IEnumerable<(ulong Time, int Value)> Of(string name, int worker) =>
                (sinks.GetValueOrDefault(name)?.ToArray() ?? []).Where(r => r.Worker == worker).Select(r => (r.Time, r.Value));
        });
    }

    // Distinct per (worker, time, index), so a record in the wrong batch shows.
    private static int Value(int worker, ulong time, int i) => (worker * 1_000_000) + ((int)time * 10_000) + i;
}
