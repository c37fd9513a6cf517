namespace Timely.Communication.Tests;

/// <summary>
/// The part of the allocator contract that needs two workers or more: data for a channel that
/// arrives before the receiver allocated it, and a sender that returns at once. Every allocator
/// but the single-threaded one runs it (its worker counts of at least two).
/// </summary>
public abstract class MultiWorkerAllocatorContract : AllocatorContract
{
    [Theory]
    [WorkerCounts(Minimum = 2)]
    public void Late_allocation_after_data_arrived_still_delivers_everything(int n)
    {
        RunOk(MakeConfig(n), allocator =>
        {
            var (ctlOut, ctlIn) = allocator.Allocate<string>(0);
            if (allocator.Index == 0)
            {
                // Worker 0 allocates channel 1 and sends before anyone else has it.
                var (dataOut, _) = allocator.Allocate<string>(1);
                for (int t = 1; t < allocator.Peers; t++)
                {
                    for (int i = 0; i < 100; i++)
                    {
                        string? m = $"m{i}";
                        dataOut[t].Push(ref m);
                    }

                    dataOut[t].Done();
                    string? ready = "sent";
                    ctlOut[t].Push(ref ready);
                    ctlOut[t].Done();
                }

                allocator.Release();
                return 0;
            }

            WorkerRun.ReceiveExactly(allocator, ctlIn, 1, m => Assert.Equal("sent", m));
            var (_, dataIn) = allocator.Allocate<string>(1);
            int next = 0;
            WorkerRun.ReceiveExactly(allocator, dataIn, 100, m => Assert.Equal($"m{next++}", m));
            return next;
        });
    }

    /// <summary>
    /// A message that arrives for a channel its receiver has deallocated is dropped: no event
    /// names the channel, and the receiver keeps nothing for it (where data for an id not yet
    /// allocated is kept until it is). A peer that sends after the receiver let go is what a
    /// confused or late peer would do; the receiver must not hold its messages forever.
    /// </summary>
    [Theory]
    [WorkerCounts(Minimum = 2)]
    public void A_message_for_a_deallocated_channel_is_dropped_and_named_by_no_event(int n)
    {
        RunOk(MakeConfig(n), allocator =>
        {
            var gone = allocator.Allocate<string>(20);
            var sync = allocator.Allocate<string>(21);
            var after = allocator.Allocate<string>(22);
            allocator.Deallocate(20);
            for (int t = 0; t < allocator.Peers; t++)
            {
                string? s = "deallocated";
                sync.Senders[t].Push(ref s);
                sync.Senders[t].Done();
            }

            WorkerRun.ReceiveExactly(allocator, sync.Receiver, allocator.Peers, _ => { });

            // Every worker has let go of 20 now. Send on it anyway, then a marker behind it.
            allocator.Events.Clear();
            for (int t = 0; t < allocator.Peers; t++)
            {
                string? late = "late";
                gone.Senders[t].Push(ref late);
                gone.Senders[t].Done();
                string? marker = "marker";
                after.Senders[t].Push(ref marker);
                after.Senders[t].Done();
            }

            WorkerRun.ReceiveExactly(allocator, after.Receiver, allocator.Peers, m => Assert.Equal("marker", m));
            allocator.Receive();
            Assert.DoesNotContain(20, allocator.Events);
            Assert.Equal(2, allocator.HeldChannels);
            if (allocator is BinaryAllocator binary)
            {
                // Each peer's late message travelled its path ahead of its marker: all were seen, and dropped.
                Assert.Equal(0, binary.PendingChannelCount);
                Assert.Equal(allocator.Peers, binary.DiscardedMessages);
            }

            return 0;
        });
    }

    [Theory]
    [WorkerCounts(Minimum = 2)]
    public void A_sender_that_returns_at_once_still_delivers_everything(int n)
    {
        // Far more than a small ring holds: the rest waits in the sender's overflow queue
        // when the sender's worker returns, and must still arrive.
        const int messages = 400;
        RunOk(MakeConfig(n), allocator =>
        {
            var (senders, receiver) = allocator.Allocate<long[]>(0);
            if (allocator.Index == 0)
            {
                for (int i = 0; i < messages; i++)
                {
                    for (int t = 1; t < allocator.Peers; t++)
                    {
                        long[]? m = new long[128];
                        m[0] = i;
                        m[127] = -i;
                        senders[t].Push(ref m);
                    }
                }

                return 0;
            }

            int next = 0;
            WorkerRun.ReceiveExactly(allocator, receiver, messages, m =>
            {
                Assert.Equal(next, m[0]);
                Assert.Equal(-next, m[127]);
                next++;
            });
            return next;
        });
    }
}
