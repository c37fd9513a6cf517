namespace Timely.Communication.Tests;

/// <summary>
/// The in-process allocator's receive looks only at the channels pushed to (each push announces
/// its channel to the receiver), not at every channel allocated; these are the cases a missed
/// announcement would turn into a hang or a silent loss: one busy channel among thousands, pushes
/// racing with the receiver on other threads, a channel left with messages behind a busier one,
/// messages that arrive before the receiver allocates their channel, and a worker's pushes to
/// itself (listed directly, without an announcement) among pushes to and from its peer.
/// </summary>
public sealed class ProcessAllocatorAnnouncementTests
{
    [Fact]
    public void A_message_on_one_channel_among_thousands_is_reported_alone_and_received()
    {
        const int channels = 2000;
        const int busy = 1234;
        WorkerRun.RunOk(Config.Process(2), allocator =>
        {
            var all = Enumerable.Range(0, channels).Select(allocator.Allocate<long[]>).ToArray();
            if (allocator.Index == 0)
            {
                long[]? message = [42];
                all[busy].Senders[1].Push(ref message);
                all[busy].Senders[1].Done();
                return 0;
            }

            var deadline = DateTime.UtcNow + WorkerRun.Deadline;
            allocator.Events.Clear();
            while (allocator.Events.Count == 0)
            {
                Assert.True(DateTime.UtcNow < deadline, "the message was never reported");
                allocator.Receive();
                if (allocator.Events.Count == 0)
                {
                    allocator.AwaitEvents(TimeSpan.FromMilliseconds(100));
                }
            }

            Assert.Equal([busy], allocator.Events);
            Assert.Equal([42L], all[busy].Receiver.Pull()!);
            Assert.Null(all[busy].Receiver.Pull());
            allocator.Events.Clear();
            allocator.Receive();
            Assert.Empty(allocator.Events);
            return 0;
        });
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Pushes_racing_with_receives_on_other_threads_are_all_reported_and_received_in_order(int n)
    {
        const int channels = 300;
        const int perTarget = 2000;
        WorkerRun.RunOk(Config.Process(n), allocator =>
        {
            var all = Enumerable.Range(0, channels).Select(allocator.Allocate<long[]>).ToArray();

            // Every worker draws every sender's channels from the same seeds, so it knows what to expect.
            int[][] plan = Enumerable.Range(0, n).Select(s =>
            {
                var random = new Random(1000 + s);
                return Enumerable.Range(0, perTarget * n).Select(_ => random.Next(channels)).ToArray();
            }).ToArray();
            var expected = new long[channels];
            for (int s = 0; s < n; s++)
            {
                for (int k = 0; k < plan[s].Length; k++)
                {
                    if (k % n == allocator.Index)
                    {
                        expected[plan[s][k]]++;
                    }
                }
            }

            var next = new long[n, channels];
            long total = expected.Sum();
            long received = 0;
            int pushed = 0;
            var deadline = DateTime.UtcNow + WorkerRun.Deadline;
            while (received < total || pushed < plan[allocator.Index].Length)
            {
                Assert.True(DateTime.UtcNow < deadline, $"worker {allocator.Index} received {received} of {total}");
                for (int burst = 0; burst < 7 && pushed < plan[allocator.Index].Length; burst++, pushed++)
                {
                    int channel = plan[allocator.Index][pushed];
                    int target = pushed % n;
                    long[]? message = [allocator.Index, channel, pushed];
                    all[channel].Senders[target].Push(ref message);
                }

                allocator.Release();
                allocator.Events.Clear();
                allocator.Receive();

                // Only the reported channels are pulled: a channel the receive missed would never be.
                foreach (int channel in allocator.Events)
                {
                    while (true)
                    {
                        ref long[]? slot = ref all[channel].Receiver.Pull();
                        if (slot is null)
                        {
                            break;
                        }

                        int sender = (int)slot[0];
                        Assert.Equal(channel, slot[1]);
                        Assert.True(slot[2] >= next[sender, channel], $"out of order from {sender} on {channel}");
                        next[sender, channel] = slot[2] + 1;
                        received++;
                        slot = null;
                    }
                }

                if (allocator.Events.Count == 0 && pushed == plan[allocator.Index].Length)
                {
                    allocator.AwaitEvents(TimeSpan.FromMilliseconds(100));
                }
            }

            Assert.Equal(total, received);
            return 0;
        });
    }

    [Fact]
    public void A_channel_left_with_messages_stays_reported_behind_a_busier_one()
    {
        const int quiet = 5;
        const int busy = 9;
        const int busyCount = 100;
        using var pulled = new ManualResetEventSlim();
        WorkerRun.RunOk(Config.Process(2), allocator =>
        {
            var all = Enumerable.Range(0, 16).Select(allocator.Allocate<long[]>).ToArray();
            if (allocator.Index == 0)
            {
                long[]? first = [0];
                all[quiet].Senders[1].Push(ref first);
                for (int i = 0; i < busyCount; i++)
                {
                    long[]? message = [i];
                    all[busy].Senders[1].Push(ref message);
                }

                all[busy].Senders[1].Done();
                Assert.True(pulled.Wait(WorkerRun.Deadline));
                return 0;
            }

            var deadline = DateTime.UtcNow + WorkerRun.Deadline;
            do
            {
                Assert.True(DateTime.UtcNow < deadline, "the busy channel was never reported");
                allocator.Events.Clear();
                allocator.Receive();

                // The quiet channel was pushed to first, so it is never missing beside the busy one.
                Assert.True(!allocator.Events.Contains(busy) || allocator.Events.Contains(quiet), $"events [{string.Join(",", allocator.Events)}]");
                if (allocator.Events.Count == 0)
                {
                    allocator.AwaitEvents(TimeSpan.FromMilliseconds(100));
                }
            }
            while (!allocator.Events.Contains(busy));

            int busyPulled = 0;
            for (int round = 0; round < 3; round++)
            {
                Assert.NotNull(all[busy].Receiver.Pull());
                busyPulled++;
                allocator.Events.Clear();
                allocator.Receive();
                Assert.Contains(quiet, allocator.Events);
            }

            Assert.Equal([0L], all[quiet].Receiver.Pull()!);
            Assert.Null(all[quiet].Receiver.Pull());
            allocator.Events.Clear();
            allocator.Receive();
            Assert.DoesNotContain(quiet, allocator.Events);
            WorkerRun.ReceiveExactly(allocator, all[busy].Receiver, busyCount - busyPulled, _ => { });
            pulled.Set();
            return 0;
        });
    }

    [Fact]
    public void Messages_sent_before_the_receiver_allocates_their_channel_are_reported_once_it_does()
    {
        const int late = 7;
        using var sent = new ManualResetEventSlim();
        WorkerRun.RunOk(Config.Process(2), allocator =>
        {
            var early = allocator.Allocate<long[]>(0);
            if (allocator.Index == 0)
            {
                var channel = allocator.Allocate<long[]>(late);
                long[]? message = [7];
                channel.Senders[1].Push(ref message);
                channel.Senders[1].Done();
                sent.Set();
                return 0;
            }

            Assert.True(sent.Wait(WorkerRun.Deadline));
            allocator.Events.Clear();
            allocator.Receive();
            Assert.Empty(allocator.Events);

            var mine = allocator.Allocate<long[]>(late);
            allocator.Receive();
            Assert.Equal([late], allocator.Events);
            Assert.Equal([7L], mine.Receiver.Pull()!);
            Assert.Null(early.Receiver.Pull());
            return 0;
        });
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void A_workers_pushes_to_itself_among_other_channels_are_reported_and_received_in_order(int n)
    {
        const int channels = 10;
        const int perChannel = 50;
        int[] own = [3, 7];
        const int toPeer = 5;
        WorkerRun.RunOk(Config.Process(n), allocator =>
        {
            var all = Enumerable.Range(0, channels).Select(allocator.Allocate<long[]>).ToArray();
            int me = allocator.Index;
            int peer = (me + 1) % n;
            for (int i = 0; i < perChannel; i++)
            {
                foreach (int c in own)
                {
                    long[]? message = [me, c, i];
                    all[c].Senders[me].Push(ref message);
                }

                if (n > 1)
                {
                    long[]? message = [me, toPeer, i];
                    all[toPeer].Senders[peer].Push(ref message);
                }
            }

            all[toPeer].Senders[peer].Done();
            allocator.Events.Clear();
            allocator.Receive();
            Assert.All(own, c => Assert.Contains(c, allocator.Events));
            int[] possible = n > 1 ? [3, 5, 7] : own;
            Assert.All(allocator.Events, c => Assert.Contains(c, possible));
            foreach (int c in own)
            {
                for (long i = 0; i < perChannel; i++)
                {
                    Assert.Equal([me, c, i], all[c].Receiver.Pull()!);
                }

                Assert.Null(all[c].Receiver.Pull());
            }

            allocator.Events.Clear();
            allocator.Receive();
            Assert.DoesNotContain(3, allocator.Events);
            Assert.DoesNotContain(7, allocator.Events);

            // The receive let channel 3 go (empty); a push after it lists it again.
            long[]? late = [me, 3, perChannel];
            all[3].Senders[me].Push(ref late);
            allocator.Events.Clear();
            allocator.Receive();
            Assert.Contains(3, allocator.Events);
            Assert.DoesNotContain(7, allocator.Events);
            Assert.Equal([me, 3, perChannel], all[3].Receiver.Pull()!);
            Assert.Null(all[3].Receiver.Pull());

            if (n > 1)
            {
                long next = 0;
                WorkerRun.ReceiveExactly(allocator, all[toPeer].Receiver, perChannel, m =>
                {
                    Assert.Equal([peer, toPeer, next], m);
                    next++;
                });
            }

            return 0;
        });
    }
}
