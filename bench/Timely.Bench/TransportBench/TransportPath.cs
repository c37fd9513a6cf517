using System.Diagnostics;
using System.Runtime.CompilerServices;
using Timely.Bench.Measurement;
using Timely.Communication;

namespace Timely.Bench.TransportBench;

/// <summary>
/// netbench's measured path: the same round trips and stream between the two processes' workers
/// through the cluster transport (channels of <see cref="Allocator"/>), with the bytes allocated
/// per message and per round trip in the steady state (the second half of each run).
/// </summary>
internal static class TransportPath
{
    // The channels: round-trip pings, the stream, and the receiver's acknowledgement of the stream.
    private const int Ping = 0;
    private const int Stream = 1;
    private const int Ack = 2;

    public static Dictionary<int, NetBenchFigures> Run(Config config, int[] sizes, int rounds, long streamBytes, Dictionary<int, (LatencyHistogram Raw, LatencyHistogram RawAsync, LatencyHistogram Timely)> trips, TimeSpan warmup)
    {
        var figures = new Dictionary<int, NetBenchFigures>();

        // The timed loops below run once per worker, so tiering would start them as unoptimized
        // code and switch to an optimized (on-stack replacement) version partway; the warm-up
        // runs in WarmUp and warms the callees, not these loops. In per-round records of 20,000
        // round trips (pinned, over shm, 16 runs) the 2,000 before round 10,000 were 1.06-4.0x
        // slower at p50 than the 2,000 after it, each worker's own steps (push and flush,
        // receive and pull) up to 3.5x, so the p50 fell on the edge between the two halves and
        // jumped between about 350 and 1,100 ns from run to run. Optimized from the start (as
        // DOTNET_TC_QuickJitForLoops=0 does for the whole process) it was 0.92-1.02x (5 runs).
        using var guards = Workers.Initialize(config, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (Allocator allocator) =>
        {
            int me = allocator.Index;
            int peer = 1 - me;
            var (pingOut, pingIn) = allocator.Allocate<byte[]>(Ping);
            var (streamOut, streamIn) = allocator.Allocate<byte[]>(Stream);
            var (ackOut, ackIn) = allocator.Allocate<byte[]>(Ack);
            foreach (int size in sizes)
            {
                var rtts = new double[rounds];
                var record = trips[size].Timely;
                var payload = new byte[size];
                WarmUp(allocator, pingOut[peer], pingIn, payload, me == 0, warmup);
                byte[]? message = payload;
                long rttAllocated = 0;
                for (int i = 0; i < rounds; i++)
                {
                    long start = Stopwatch.GetTimestamp();
                    if (me == 0)
                    {
                        pingOut[peer].Push(ref message);
                        pingOut[peer].Done();
                        message = Await(allocator, pingIn);
                    }
                    else
                    {
                        message = Await(allocator, pingIn);
                        pingOut[peer].Push(ref message);
                        pingOut[peer].Done();
                    }

                    message = payload;   // the pusher does not hand a buffer back: reuse ours, allocate nothing
                    rtts[i] = NetBenchProtocol.Record(record, start);
                    if (i == rounds / 2)
                    {
                        rttAllocated = GC.GetTotalAllocatedBytes(precise: true);   // second half: steady state
                    }
                }

                double perRoundTrip = (double)(GC.GetTotalAllocatedBytes(precise: true) - rttAllocated) / (rounds - (rounds / 2) - 1);

                int messages = NetBenchProtocol.MessagesFor(streamBytes, size);
                long allocated = 0;
                var clock = Stopwatch.StartNew();
                if (me == 0)
                {
                    for (int i = 0; i < messages; i++)
                    {
                        if (i == messages / 2)
                        {
                            allocated = GC.GetTotalAllocatedBytes(precise: true);   // second half: steady state
                        }

                        message = payload;
                        streamOut[peer].Push(ref message);
                        if ((i & 63) == 63)
                        {
                            allocator.Release();
                        }
                    }

                    streamOut[peer].Done();
                    _ = Await(allocator, ackIn);
                }
                else
                {
                    for (int received = 0; received < messages;)
                    {
                        if (allocated == 0 && received >= messages / 2)
                        {
                            allocated = GC.GetTotalAllocatedBytes(precise: true);   // second half: steady state
                        }

                        allocator.Receive();
                        while (true)
                        {
                            ref byte[]? slot = ref streamIn.Pull();
                            if (slot is null)
                            {
                                break;
                            }

                            received++;
                        }

                        allocator.Release();
                        if (received < messages)
                        {
                            allocator.AwaitEvents(TimeSpan.FromMilliseconds(10));
                        }
                    }

                    byte[]? ack = [1];
                    ackOut[peer].Push(ref ack);
                    ackOut[peer].Done();
                }

                double seconds = clock.Elapsed.TotalSeconds;
                double alloc = (double)(GC.GetTotalAllocatedBytes(precise: true) - allocated) / (messages - (messages / 2));
                lock (figures)
                {
                    figures[size] = new NetBenchFigures(Stats.Median(rtts), (double)messages * size / seconds / 1e6, messages / seconds, alloc, perRoundTrip);
                }
            }

            return 0;
        });

        foreach (var result in guards.Join())
        {
            if (!result.IsOk)
            {
                throw new InvalidOperationException($"netbench: worker {result.Worker} failed", result.Error);
            }
        }

        return figures;
    }

    /// <summary>The transport's untimed round trips, as <see cref="RawSocketPath.WarmUp"/> does them.</summary>
    private static void WarmUp(Allocator allocator, IPush<byte[]> pingOut, IPull<byte[]> pingIn, byte[] payload, bool leader, TimeSpan warmup)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            bool more;
            byte[]? message;
            if (leader)
            {
                more = clock.Elapsed < warmup;
                payload[0] = more ? NetBenchProtocol.WarmUpMore : NetBenchProtocol.WarmUpLast;
                message = payload;
                pingOut.Push(ref message);
                pingOut.Done();
                _ = Await(allocator, pingIn);
            }
            else
            {
                message = Await(allocator, pingIn);
                more = message![0] == NetBenchProtocol.WarmUpMore;
                pingOut.Push(ref message);
                pingOut.Done();
            }

            if (!more)
            {
                payload[0] = NetBenchProtocol.WarmUpLast;
                return;
            }
        }
    }

    /// <summary>
    /// Polls (spinning, then parking) until one message arrives on <paramref name="receiver"/>.
    /// The array stays in the pull slot too, so the inbox decodes the next message into it
    /// (timely's hand-back): the caller may push it (pushes copy) but must not keep it.
    /// </summary>
    private static byte[]? Await(Allocator allocator, IPull<byte[]> receiver)
    {
        while (true)
        {
            allocator.Receive();
            ref byte[]? slot = ref receiver.Pull();
            if (slot is not null)
            {
                allocator.Release();
                return slot;
            }

            allocator.AwaitEvents(TimeSpan.FromMilliseconds(10));
        }
    }
}
