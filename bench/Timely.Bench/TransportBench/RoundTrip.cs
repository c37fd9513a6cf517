using System.Diagnostics;
using Timely.Bench.Measurement;
using Timely.Communication;
using Timely.Examples;

namespace Timely.Bench.TransportBench;

/// <summary>
/// <c>timely roundtrip ITER</c>: the communication layer alone, no dataflow. Worker 0 pushes one
/// <c>long</c> to the last worker on channel 0, which pushes it straight back; ITER times.
/// With one worker the message goes to itself, so the row still measures one hop through the
/// allocator. This is the suite's "transport round trip" row: it isolates the channel and
/// transport cost from the dataflow's progress tracking.
/// </summary>
public static class RoundTrip
{
    /// <summary>
    /// Runs the workload; records = round trips completed (counted on worker 0 only). With
    /// <paramref name="record"/> (allocated before the run), worker 0 records each round trip there.
    /// </summary>
    public static WorkloadResult[] Run(Config config, ulong iterations, LatencyHistogram? record = null)
    {
        using var guards = Workers.Initialize(config, allocator => Worker(allocator, (long)iterations, record));
        return guards.Join().Select(r => r.Unwrap()).ToArray();
    }

    private static WorkloadResult Worker(Allocator allocator, long iterations, LatencyHistogram? record)
    {
        // timely's hand-back idiom: a receiver reads the value and leaves the buffer in its
        // pull slot (the next Pull returns it to its sender, or makes it the next decode target
        // of a serializing allocator); a sender pushes whatever its slot holds. Taking the
        // message out of the slot instead costs a fresh array per hop on the serializing
        // allocators (measured: 64 B per round trip over shm and tcp).
        var (senders, receiver) = allocator.Allocate<long[]>(0);
        int index = allocator.Index;
        int echo = allocator.Peers - 1;
        long[]? mine = new long[1];
        var meter = WorkloadResult.Start();
        if (index == 0)
        {
            for (long i = 0; i < iterations; i++)
            {
                long sent = record is null ? 0 : Stopwatch.GetTimestamp();   // no clock read in the plain run
                mine ??= new long[1];
                mine[0] = i;
                senders[echo].Push(ref mine);
                senders[echo].Done();
                long back = AwaitValue(allocator, receiver);
                record?.RecordTicks(Stopwatch.GetTimestamp() - sent);
                if (back != i)
                {
                    throw new InvalidOperationException($"roundtrip: sent {i}, got {back} back.");
                }
            }

            return meter.Stop(index, iterations);
        }

        if (index == echo)
        {
            for (long i = 0; i < iterations; i++)
            {
                long value = AwaitValue(allocator, receiver);
                mine ??= new long[1];
                mine[0] = value;
                senders[0].Push(ref mine);
                senders[0].Done();
            }
        }

        return meter.Stop(index, 0);
    }

    /// <summary>Waits for the next message and returns its value, leaving the buffer in the slot to be handed back.</summary>
    private static long AwaitValue(Allocator allocator, IPull<long[]> receiver)
    {
        while (true)
        {
            allocator.Receive();
            long[]? message = receiver.Pull();
            if (message is not null)
            {
                allocator.Release();
                return message[0];
            }

            allocator.Release();
            allocator.AwaitEvents(TimeSpan.FromSeconds(1));
        }
    }
}
