using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Communication;
using TimelyConfig = Timely.Communication.Config;

namespace Timely.PropTests.Communication;

/// <summary>
/// Backpressure in the binary allocators: <see cref="Allocator.Release"/> returns only when
/// no writer's overflow queue holds more than its ring (or 32 messages), and it cannot
/// deadlock, even when every worker sends all it has before it receives anything.
/// </summary>
public sealed class BackpressureProperties
{
    /// <summary>Workers, messages per ordered pair, payload longs per message, ring bytes.</summary>
    public sealed record Burst(int Workers, int Messages, int Longs, int RingBytes);

    private static Gen<Burst> BurstGen() =>
        from workers in Gen.Choose(1, 4)
        from messages in Gen.Choose(1, 3000)
        from longs in Gen.Frequency((3, Gen.Choose(0, 16)), (1, Gen.Choose(0, 4000)))
        from ring in Gen.Elements(4096, 8192, 65536)
        select new Burst(workers, messages, longs, ring);

    [Property(MaxTest = 20, QuietOnSuccess = true)]
    public Property Release_bounds_every_overflow_queue_and_all_traffic_arrives_in_order() =>
        Prop.ForAll(BurstGen().ToArbitrary(), Run);

    private static bool Run(Burst burst)
    {
        var config = TimelyConfig.ProcessBinary(burst.Workers) with { RingBytes = burst.RingBytes };
        using var guards = Workers.Initialize(config, allocator =>
        {
            var binary = (BinaryAllocator)allocator;
            int me = allocator.Index;
            var (senders, receiver) = allocator.Allocate<long[]>(0);
            long[]? message = new long[burst.Longs + 2];
            for (int i = 0; i < burst.Messages; i++)
            {
                for (int t = 0; t < allocator.Peers; t++)
                {
                    message![0] = me;
                    message[1] = i;
                    senders[t].Push(ref message);
                }

                if ((i & 15) == 15)
                {
                    allocator.Release();
                    if (!binary.IsOverflowBounded)
                    {
                        throw new InvalidOperationException($"worker {me}: Release returned with an overflow above the bound after message {i}");
                    }
                }
            }

            foreach (var s in senders)
            {
                s.Done();
            }

            var next = new int[allocator.Peers];
            return AllocatorProperties.ReceiveAll(allocator, receiver, burst.Messages * allocator.Peers, slot =>
            {
                int from = (int)slot[0];
                if (slot[1] != next[from]++ || slot.Length != burst.Longs + 2)
                {
                    throw new InvalidOperationException($"worker {me}: from {from} got message {slot[1]} ({slot.Length} longs), expected {next[from] - 1}");
                }
            });
        });

        foreach (var r in guards.Join())
        {
            if (!r.IsOk)
            {
                throw new InvalidOperationException($"worker {r.Worker} failed under {burst}", r.Error);
            }

            if (r.Value != burst.Messages * burst.Workers)
            {
                return false;
            }
        }

        return true;
    }
}
