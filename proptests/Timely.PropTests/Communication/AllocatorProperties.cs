using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Communication;
using TimelyConfig = Timely.Communication.Config;

namespace Timely.PropTests.Communication;

/// <summary>
/// Random traffic through every in-process allocator: for any number of workers (1-8),
/// any per-pair message counts and payload sizes, every message arrives exactly once,
/// byte-exact, FIFO per (sender, receiver).
/// </summary>
public sealed class AllocatorProperties
{
    /// <summary>A traffic plan: workers, and for each ordered pair the payload lengths it sends.</summary>
    public sealed record Plan(int Workers, int[][][] Lengths)
    {
        public override string ToString() =>
            $"{Workers} workers, {Lengths.Sum(s => s.Sum(t => t.Length))} messages, longest {Lengths.SelectMany(s => s).SelectMany(t => t).DefaultIfEmpty(0).Max()} longs";
    }

    private static Gen<Plan> PlanGen(int maxWorkers, int maxLength) =>
        from workers in Gen.Choose(1, maxWorkers)
        from lengths in Gen.ArrayOf(Gen.ArrayOf(Gen.ArrayOf(Gen.Frequency((6, Gen.Choose(0, 8)), (3, Gen.Choose(0, 200)), (1, Gen.Choose(0, maxLength)))), workers), workers)
        select new Plan(workers, lengths);

    [Property(MaxTest = 25, QuietOnSuccess = true)]
    public Property Process_delivers_random_traffic_exactly_once_in_order() =>
        Prop.ForAll(PlanGen(8, 2000).ToArbitrary(), plan => Deliver(TimelyConfig.Process(plan.Workers), plan));

    [Property(MaxTest = 25, QuietOnSuccess = true)]
    public Property ProcessBinary_delivers_random_traffic_exactly_once_in_order_through_small_rings() =>
        Prop.ForAll(
            PlanGen(6, 3000).SelectMany(_ => Gen.Elements(4096, 8192, 65536), (plan, ring) => (plan, ring)).ToArbitrary(),
            x => Deliver(TimelyConfig.ProcessBinary(x.plan.Workers) with { RingBytes = x.ring }, x.plan));

    [Property(MaxTest = 25, QuietOnSuccess = true)]
    public Property Thread_delivers_random_traffic_exactly_once_in_order() =>
        Prop.ForAll(PlanGen(1, 2000).ToArbitrary(), plan => Deliver(TimelyConfig.Thread, plan));

    internal static bool Deliver(TimelyConfig config, Plan plan)
    {
        using var guards = Workers.Initialize(config, allocator => Exchange(allocator, plan));
        return Verify(guards.Join(), plan);
    }

    /// <summary>One worker's part of <paramref name="plan"/>: sends its messages, then receives and checks all that are for it; returns how many.</summary>
    internal static int Exchange(Allocator allocator, Plan plan)
    {
        int me = allocator.Index;
        var (senders, receiver) = allocator.Allocate<long[]>(0);
        // Interleave sends to all targets, with releases at random-ish points.
        int[] sent = new int[allocator.Peers];
        bool more = true;
        while (more)
        {
            more = false;
            for (int t = 0; t < allocator.Peers; t++)
            {
                var lengths = plan.Lengths[me][t];
                if (sent[t] < lengths.Length)
                {
                    long[]? msg = Payload(me, t, sent[t], lengths[sent[t]]);
                    senders[t].Push(ref msg);
                    sent[t]++;
                    more = true;
                }
            }

            if ((sent.Sum() & 63) == 0)
            {
                allocator.Release();
            }
        }

        foreach (var s in senders)
        {
            s.Done();
        }

        int expected = Enumerable.Range(0, allocator.Peers).Sum(s => plan.Lengths[s][me].Length);
        var next = new int[allocator.Peers];
        return ReceiveAll(allocator, receiver, expected, slot =>
        {
            int from = (int)slot[0];
            int seq = next[from]++;
            var want = Payload(from, me, seq, plan.Lengths[from][me][seq]);
            if (!want.AsSpan().SequenceEqual(slot))
            {
                throw new InvalidOperationException($"worker {me}: message {seq} from {from} differs");
            }
        });
    }

    /// <summary>
    /// Receives until <paramref name="expected"/> messages came (releasing and parking between
    /// rounds, at most 30 s), handing each to <paramref name="check"/>; returns how many.
    /// </summary>
    internal static int ReceiveAll(Allocator allocator, IPull<long[]> receiver, int expected, Action<long[]> check)
    {
        int received = 0;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (received < expected)
        {
            allocator.Receive();
            for (ref long[]? slot = ref receiver.Pull(); slot is not null; slot = ref receiver.Pull())
            {
                check(slot);
                received++;
            }

            allocator.Release();
            if (received < expected)
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"worker {allocator.Index}: {received} of {expected} messages");
                }

                allocator.AwaitEvents(TimeSpan.FromMilliseconds(100));
            }
        }

        return received;
    }

    /// <summary>Every worker finished and received exactly what the plan sends it.</summary>
    internal static bool Verify(IReadOnlyList<WorkerResult<int>> results, Plan plan)
    {
        foreach (var r in results)
        {
            if (!r.IsOk)
            {
                throw new InvalidOperationException($"worker {r.Worker} failed under {plan}", r.Error);
            }
        }

        return results.Select(r => r.Value).SequenceEqual(
            Enumerable.Range(0, plan.Workers).Select(r => Enumerable.Range(0, plan.Workers).Sum(s => plan.Lengths[s][r].Length)));
    }

    /// <summary>Message <paramref name="seq"/> from <paramref name="from"/> to <paramref name="to"/>: header then a deterministic pattern.</summary>
    private static long[] Payload(int from, int to, int seq, int length)
    {
        var a = new long[length + 2];
        a[0] = from;
        a[1] = seq;
        for (int i = 2; i < a.Length; i++)
        {
            a[i] = (from * 31L) + (to * 17L) + (seq * 7L) + i;
        }

        return a;
    }
}
