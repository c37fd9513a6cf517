using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Communication;
using Timely.Dataflow;
using Timely.Dataflow.Channels;
using Timely.Dataflow.Operators;

namespace Timely.PropTests.Dataflow;

/// <summary>
/// The exchange pusher (records written straight into each target's next message, routed in
/// chunks no target can fill) against the model "record r goes to target hash(r) % peers, in
/// order, at its message's time", for random peers (masks and moduli), hashes, message sizes
/// around the batch size, time changes and targets that hand back, keep or swap messages; and
/// an input handle (records written straight into its message) against the sequence sent.
/// </summary>
public sealed class ExchangePusherProperties
{
    private const int Batch = Message<int, ulong>.BatchSize;

    // A message: (time step, record count, seed); a target's habit: 0 hands the message back
    // cleared, 1 keeps it (the pusher gets null), 2 hands back another message with a small list.
    private static Arbitrary<(int Peers, ulong Multiplier, (int Step, int Count, int Seed)[] Messages, int[] Habits)> Runs() =>
        Gen.Zip(
                Gen.Zip(Gen.Choose(1, 5), Gen.Elements(1UL, 0x9E3779B97F4A7C15UL, 3UL)),
                Gen.Zip(
                    Gen.Zip(Gen.Zip(Gen.Choose(0, 1), Gen.OneOf(Gen.Choose(0, 40), Gen.Choose(Batch - 3, Batch + 3), Gen.Choose(0, 3 * Batch))), Gen.Choose(0, 1000))
                        .Select(t => (t.Item1.Item1, t.Item1.Item2, t.Item2)).ArrayOf(),
                    Gen.Choose(0, 2).ArrayOf()))
            .Select(t => (t.Item1.Item1, t.Item1.Item2, t.Item2.Item1.Take(12).ToArray(), t.Item2.Item2))
            .ToArbitrary();

    [Property(MaxTest = 200)]
    public Property Every_record_reaches_hash_mod_peers_in_order_at_its_time()
    {
        return Prop.ForAll(Runs(), run =>
        {
            var (peers, multiplier, messages, habits) = run;
            var targets = Enumerable.Range(0, peers).Select(i => new Target(habits.Length == 0 ? 0 : habits[i % habits.Length])).ToArray();
            var pusher = Pact<ulong>.Exchange(x => x * multiplier).Route!.CreatePusher<int>(targets);
            var expected = Enumerable.Range(0, peers).Select(_ => new List<(int, ulong)>()).ToArray();
            int time = 0;
            Message<int, ulong>? message = new();
            foreach (var (step, count, seed) in messages)
            {
                time += step;
                message ??= new Message<int, ulong>();
                message.Time = time;
                for (int i = 0; i < count; i++)
                {
                    ulong record = (ulong)(seed + (i * 7919));
                    message.Data.Add(record);
                    expected[(int)(record * multiplier % (ulong)peers)].Add((time, record));
                }

                pusher.Push(ref message);
                if (message is not null && message.Data.Count != 0)
                {
                    return false.Label("the pusher left records in the message it was given");
                }
            }

            pusher.Done();
            for (int i = 0; i < peers; i++)
            {
                if (!targets[i].Received.SequenceEqual(expected[i]))
                {
                    return false.Label($"target {i} got {targets[i].Received.Count} records, expected {expected[i].Count} in order");
                }

                if (targets[i].BadMessage is { } bad)
                {
                    return false.Label($"target {i}: {bad}");
                }
            }

            return true.ToProperty();
        });
    }

    [Property(MaxTest = 100)]
    public Property An_input_handle_delivers_what_was_sent_in_order()
    {
        // An op: (kind, count): 0 Send count records, 1 SendBatch of count, 2 AdvanceTo time + 1, 3 Flush, 4 a worker step.
        var ops = Gen.Zip(Gen.Choose(0, 4), Gen.OneOf(Gen.Choose(0, 10), Gen.Choose(Batch - 2, Batch + 2), Gen.Choose(0, 2 * Batch)))
            .ArrayOf().Select(a => a.Take(16).ToArray()).ToArbitrary();
        return Prop.ForAll(ops, program =>
        {
            var expected = new List<(ulong, int)>();
            var received = new List<(ulong, int)>();
            bool oversized = false;
            Execute.Run(Timely.Communication.Config.Thread, worker =>
            {
                var handle = new InputHandle<ulong, int>();
                worker.Dataflow<ulong>(scope => scope.InputFrom(handle).InspectBatch((t, batch) =>
                {
                    oversized |= batch.Count > Batch;
                    foreach (var v in batch)
                    {
                        received.Add((t, v));
                    }
                }));
                int next = 0;
                foreach (var (kind, count) in program)
                {
                    switch (kind)
                    {
                        case 0:
                            for (int i = 0; i < count; i++)
                            {
                                expected.Add((handle.Time, next));
                                handle.Send(next++);
                            }

                            break;
                        case 1:
                            var batch = Enumerable.Range(next, count).ToArray();
                            next += count;
                            expected.AddRange(batch.Select(v => (handle.Time, v)));
                            handle.SendBatch(batch);
                            break;
                        case 2:
                            handle.AdvanceTo(handle.Time + 1);
                            break;
                        case 3:
                            handle.Flush();
                            break;
                        default:
                            worker.Step();
                            break;
                    }
                }

                handle.Close();
                while (worker.Step())
                {
                }
            });
            return (received.SequenceEqual(expected) && !oversized)
                .Label($"received {received.Count} records, expected {expected.Count}; oversized batch: {oversized}");
        });
    }

    /// <summary>A target that records what it gets and checks each message's shape.</summary>
    private sealed class Target(int habit) : IPush<Message<int, ulong>>
    {
        public readonly List<(int, ulong)> Received = new();
        public string? BadMessage;

        public void Push(ref Message<int, ulong>? item)
        {
            if (item is null)
            {
                return;
            }

            if (item.Data.Count == 0 || item.Data.Count > Batch)
            {
                BadMessage ??= $"a message of {item.Data.Count} records";
            }

            foreach (var record in item.Data)
            {
                Received.Add((item.Time, record));
            }

            switch (habit)
            {
                case 0:
                    item.Data.Clear();
                    break;
                case 1:
                    item = null;
                    break;
                default:
                    item = new Message<int, ulong> { Data = new List<ulong>(3) { 99 } };
                    break;
            }
        }

        public void Done()
        {
        }
    }
}
