using Timely.Communication;

namespace Timely.Bench.Workloads;

/// <summary>
/// <c>timely roundtrip ITER</c>: the communication layer alone, no dataflow. Worker 0 pushes one
/// <c>long</c> to the last worker on channel 0, which pushes it straight back; ITER times.
/// With one worker the message goes to itself, so the row still measures one hop through the
/// allocator. This is the suite's "transport round trip" row: it isolates the channel and
/// transport cost from the dataflow's progress tracking.
/// </summary>
public static class RoundTrip
{
    /// <summary>Runs the workload; records = round trips completed (counted on worker 0 only).</summary>
    public static WorkloadResult[] Run(Config config, ulong iterations)
    {
        using var guards = Workers.Initialize(config, allocator => Worker(allocator, (long)iterations));
        return guards.Join().Select(r => r.Unwrap()).ToArray();
    }

    private static WorkloadResult Worker(Allocator allocator, long iterations)
    {
        // The message is a one-element array passed back and forth: each side takes it out of
        // its slot and pushes the same instance on, so the in-process allocators move one
        // object for the whole run (the serializing ones reuse their buffers).
        var (senders, receiver) = allocator.Allocate<long[]>(0);
        int index = allocator.Index;
        int echo = allocator.Peers - 1;
        var meter = WorkloadResult.Start();
        if (index == 0)
        {
            long[]? message = new long[1];
            for (long i = 0; i < iterations; i++)
            {
                message ??= new long[1];
                message[0] = i;
                senders[echo].Push(ref message);
                senders[echo].Done();
                message = Await(allocator, receiver);
                if (message[0] != i)
                {
                    throw new InvalidOperationException($"roundtrip: sent {i}, got {message[0]} back.");
                }
            }

            return meter.Stop(index, iterations);
        }

        if (index == echo)
        {
            for (long i = 0; i < iterations; i++)
            {
                long[]? message = Await(allocator, receiver);
                senders[0].Push(ref message);
                senders[0].Done();
            }
        }

        return meter.Stop(index, 0);
    }

    private static long[] Await(Allocator allocator, IPull<long[]> receiver)
    {
        while (true)
        {
            allocator.Receive();
            ref long[]? slot = ref receiver.Pull();
            if (slot is { } message)
            {
                slot = null;
                allocator.Release();
                return message;
            }

            allocator.Release();
            allocator.AwaitEvents(TimeSpan.FromSeconds(1));
        }
    }
}
