using Timely.Testing;

namespace Timely.Communication.Tests;

/// <summary>
/// Done() towards a TCP peer leaves the socket write to the worker's next Receive, Release or
/// AwaitEvents (one write per step); these pin down that nothing waits for those calls
/// forever and that a Receive sends what Done() left.
/// </summary>
public sealed class TcpDeferredFlushTests
{
    private static Config TwoProcesses() =>
        Config.Cluster(1, 0, FreePorts.Loopback(2), TransportKind.Tcp) with
        {
            ConnectTimeout = TimeSpan.FromSeconds(10),
            JobName = "deferred-" + Guid.NewGuid().ToString("N"),
        };

    [Fact]
    public void A_sender_that_never_touches_its_allocator_after_Done_is_still_delivered_by_the_send_thread()
    {
        int received = 0;
        var results = WorkerRun.RunOk(TwoProcesses(), allocator =>
        {
            var (senders, receiver) = allocator.Allocate<byte[]>(0);
            if (allocator.Index == 0)
            {
                byte[]? message = [42];
                senders[1].Push(ref message);
                senders[1].Done();

                // No Receive, Release or AwaitEvents until the peer has the message.
                var deadline = DateTime.UtcNow + WorkerRun.Deadline;
                while (Volatile.Read(ref received) == 0)
                {
                    Assert.True(DateTime.UtcNow < deadline, "the message never left without a Release");
                    Thread.Yield();
                }

                return 0;
            }

            byte got = 0;
            WorkerRun.ReceiveExactly(allocator, receiver, 1, m => got = m[0]);
            Volatile.Write(ref received, 1);
            return got;
        });

        Assert.Equal([0, 42], results);
    }

    [Fact]
    public void A_worker_that_polls_with_Receive_alone_sends_what_Done_left_and_gets_the_reply()
    {
        var results = WorkerRun.RunOk(TwoProcesses(), allocator =>
        {
            var (senders, receiver) = allocator.Allocate<byte[]>(0);
            int peer = 1 - allocator.Index;
            int rounds = 0;
            var deadline = DateTime.UtcNow + WorkerRun.Deadline;
            if (allocator.Index == 0)
            {
                byte[]? ping = [0];
                senders[peer].Push(ref ping);
                senders[peer].Done();
            }

            // Ping-pong 1000 times; each side only calls Receive (busy polling), never Release. Were the
            // replies left to the send thread's 100 ms idle poll, this would outlast the deadline.
            while (rounds < 1000)
            {
                Assert.True(DateTime.UtcNow < deadline, $"worker {allocator.Index} stuck after {rounds} rounds");
                allocator.Receive();
                for (ref byte[]? slot = ref receiver.Pull(); slot is not null; slot = ref receiver.Pull())
                {
                    rounds++;
                    if (allocator.Index == 1 || rounds < 1000)
                    {
                        byte[]? reply = [(byte)rounds];
                        senders[peer].Push(ref reply);
                        senders[peer].Done();
                    }
                }
            }

            return rounds;
        });

        Assert.Equal([1000, 1000], results);
    }
}
