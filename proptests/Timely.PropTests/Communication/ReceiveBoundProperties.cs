using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Bytes;
using Timely.Communication;
using Timely.Communication.Fabrics;

namespace Timely.PropTests.Communication;

/// <summary>
/// The bytes allocator's receive bound (<see cref="BinaryAllocator.ReceiveBytesPerRing"/>) over
/// any mix of message sizes, channels and rings: every message arrives exactly once, in order per
/// sender and channel; from each ring one receive takes the messages before the bound and the one
/// that reaches it, never fewer while the ring holds more, never one more; and the worker has
/// work (does not park) exactly while a ring holds records it has not taken. Two workers of a
/// ProcessBinary fabric (compact records, as on shared memory) with 1 MiB rings, on the test
/// thread; each ring's messages stay under its capacity, so none goes to an overflow queue.
/// </summary>
public sealed class ReceiveBoundProperties
{
    private const int RingBytes = 1 << 20;

    private sealed record Plan(int[] Longs, int[] Source, int[] Channel)
    {
        public override string ToString() =>
            $"longs [{string.Join(",", Longs)}] sources [{string.Join(",", Source)}] channels [{string.Join(",", Channel)}]";
    }

    // Sizes from one long to 48 KiB: many small (progress-like), some of a batch's 8 KiB, some large.
    private static Gen<Plan> Plans() =>
        from count in Gen.Choose(1, 120)
        from longs in Gen.ArrayOf(
            Gen.Frequency(
                (3, Gen.Choose(1, 8)),
                (3, Gen.Constant(1024)),
                (2, Gen.Choose(1, 6144))),
            count)
        from sources in Gen.ArrayOf(Gen.Choose(0, 1), count)
        from channels in Gen.ArrayOf(Gen.Choose(0, 1), count)
        select new Plan(longs, sources, channels);

    [Property(MaxTest = 150, QuietOnSuccess = true)]
    public Property Each_receive_takes_each_rings_messages_up_to_the_bound_and_every_message_arrives_once_in_order() =>
        Prop.ForAll(Plans().ToArbitrary(), plan =>
        {
            var codec = WireCodec<long[]>.Default;
            using var fabric = new ProcessBinaryFabric(2, RingBytes);
            var workers = fabric.CreateAllocators(spinIterations: 0);
            try
            {
                // senders[source][channel][0] pushes to worker 0.
                var senders = new IPush<long[]>[2][];
                var receivers = new IPull<long[]>[2];
                for (int c = 0; c < 2; c++)
                {
                    var (s0, r0) = workers[0].Allocate<long[]>(c);
                    var (s1, _) = workers[1].Allocate<long[]>(c);
                    receivers[c] = r0;
                    (senders[0] ??= new IPush<long[]>[2])[c] = s0[0];
                    (senders[1] ??= new IPush<long[]>[2])[c] = s1[0];
                }

                // What each ring holds, in order: (message index, encoded bytes); trimmed to fit the ring.
                var rings = new[] { new Queue<(int Index, int Bytes)>(), new Queue<(int Index, int Bytes)>() };
                long[] used = new long[2];
                for (int i = 0; i < plan.Longs.Length; i++)
                {
                    long[]? m = new long[plan.Longs[i]];
                    m[0] = i;
                    int bytes = codec.Measure(m);
                    int source = plan.Source[i];
                    if (used[source] + bytes + 64 > RingBytes / 2)
                    {
                        continue;
                    }

                    used[source] += bytes + 64;
                    rings[source].Enqueue((i, bytes));
                    senders[source][plan.Channel[i]].Push(ref m);
                }

                foreach (var perChannel in senders)
                {
                    foreach (var s in perChannel)
                    {
                        s.Done();
                    }
                }

                for (int receives = 0; rings[0].Count + rings[1].Count > 0; receives++)
                {
                    if (!workers[0].HasWork)
                    {
                        return false.Label($"no work with {rings[0].Count + rings[1].Count} messages not taken");
                    }

                    if (receives > plan.Longs.Length)
                    {
                        return false.Label("more receives than messages");
                    }

                    // The model: from each ring, messages until the one whose bytes reach the bound.
                    var expected = new List<int>[] { [], [] };
                    for (int s = 0; s < 2; s++)
                    {
                        int budget = BinaryAllocator.ReceiveBytesPerRing;
                        while (budget > 0 && rings[s].TryDequeue(out var next))
                        {
                            expected[s].Add(next.Index);
                            budget -= next.Bytes;
                        }
                    }

                    workers[0].Receive();
                    var taken = new List<int>[] { [], [] };
                    for (int c = 0; c < 2; c++)
                    {
                        for (long[]? m = receivers[c].Pull(); m is not null; m = receivers[c].Pull())
                        {
                            int index = (int)m[0];
                            if (plan.Channel[index] != c || m.Length != plan.Longs[index])
                            {
                                return false.Label($"message {index} arrived on channel {c} with {m.Length} longs");
                            }

                            taken[plan.Source[index]].Add(index);
                        }
                    }

                    workers[0].Release();
                    for (int s = 0; s < 2; s++)
                    {
                        // Pulled per channel, so compare as sets within a receive and in order per channel.
                        if (!taken[s].Order().SequenceEqual(expected[s].Order()))
                        {
                            return false.Label($"receive {receives}, ring from {s}: took [{string.Join(",", taken[s])}], the bound takes [{string.Join(",", expected[s])}]");
                        }

                        if (!taken[s].SequenceEqual(taken[s].OrderBy(i => plan.Channel[i]).ThenBy(i => i)))
                        {
                            return false.Label($"receive {receives}, ring from {s}: out of order per channel [{string.Join(",", taken[s])}]");
                        }
                    }
                }

                return (!workers[0].HasWork).Label("work left after every message was taken");
            }
            finally
            {
                foreach (var worker in workers)
                {
                    worker.Dispose();
                }
            }
        });
}
