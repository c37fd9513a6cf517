namespace Timely.Communication.Tests;

/// <summary>
/// What a receive of the bytes allocator promises whatever its shortcuts: a failure is reported
/// by the next receive even while a channel stays busy, a second ring's message is taken by the
/// first receive after it was published while another ring stays busy, a message that went to a
/// writer's overflow queue reaches the ring through receives and releases alone, and the events
/// list names each channel once however often it is not cleared. Two workers of a ProcessBinary
/// fabric (the shared-memory transport's allocator over in-process rings) on the test thread, so
/// each interleaving is the one written here.
/// </summary>
public sealed class BinaryReceiveTests : IDisposable
{
    private static readonly int[] ChannelIds = [4, 9, 2];

    private readonly ProcessBinaryWorkers _pair = new(2, 4096);
    private readonly BinaryAllocator[] _workers;

    public BinaryReceiveTests()
    {
        _workers = _pair.All;
    }

    public void Dispose() => _pair.Dispose();

    [Fact]
    public void A_failure_is_reported_by_the_next_receive_while_every_receive_finds_a_message()
    {
        var (senders, receiver) = _workers[0].Allocate<long[]>(0);
        for (int i = 0; i < 200; i++)
        {
            Busy(senders[0], receiver, i);
        }

        _pair.Fabric.Group.Fail(1, new InvalidOperationException("worker 1 stopped"));
        long[]? m = [200];
        senders[0].Push(ref m);
        senders[0].Done();
        var e = Assert.Throws<PeerFailedException>(_workers[0].Receive);
        Assert.Equal(1, e.FailedWorker);
    }

    [Fact]
    public void A_message_on_a_second_ring_is_taken_by_the_first_receive_after_it_was_published_while_the_first_ring_stays_busy()
    {
        var (ownSenders, ownReceiver) = _workers[0].Allocate<long[]>(0);
        var (_, otherReceiver) = _workers[0].Allocate<long[]>(1);
        var (peerSenders, _) = _workers[1].Allocate<long[]>(1);
        _ = _workers[1].Allocate<long[]>(0);
        for (int i = 0; i < 300; i++)
        {
            Busy(ownSenders[0], ownReceiver, i);
            if (i % 7 == 3)
            {
                long[]? m = [i];
                peerSenders[0].Push(ref m);
                peerSenders[0].Done();
                long[]? own = [-1];
                ownSenders[0].Push(ref own);
                ownSenders[0].Done();
                _workers[0].Receive();
                Assert.Equal([-1L], ownReceiver.Pull()!);
                Assert.Equal([(long)i], otherReceiver.Pull()!);   // not held back behind the busy ring
                Assert.Null(otherReceiver.Pull());
                _workers[0].Release();
            }
        }
    }

    [Fact]
    public void Messages_a_full_ring_sent_to_the_overflow_queue_arrive_in_order_through_receives_alone()
    {
        var (senders, receiver) = _workers[0].Allocate<long[]>(0);
        const int count = 200;
        Send(senders[0], count);
        Assert.True(_workers[0].OverflowBytes > 0);
        int next = 0;
        for (int receives = 0; next < count && receives < count; receives++)
        {
            _workers[0].Receive();
            for (long[]? m = receiver.Pull(); m is not null; m = receiver.Pull())
            {
                Assert.Equal(next++, m[0]);
            }
        }

        Assert.Equal(count, next);
        Assert.Equal(0, _workers[0].OverflowBytes);
    }

    [Fact]
    public void Messages_a_full_ring_sent_to_the_overflow_queue_arrive_in_order_through_releases_and_a_peers_receives()
    {
        var (senders, _) = _workers[0].Allocate<long[]>(0);
        var (_, receiver) = _workers[1].Allocate<long[]>(0);
        const int count = 24;   // 12 in the ring, 12 queued: under the ring's bytes, so Release does not wait for the reader on this thread
        Send(senders[1], count);
        Assert.True(_workers[0].OverflowBytes > 0);
        int next = 0;
        for (int rounds = 0; next < count && rounds < count; rounds++)
        {
            _workers[1].Receive();
            for (long[]? m = receiver.Pull(); m is not null; m = receiver.Pull())
            {
                Assert.Equal(next++, m[0]);
            }

            _workers[1].Release();
            _workers[0].Release();   // the writer's release moves what the reader made room for
        }

        Assert.Equal(count, next);
        Assert.Equal(0, _workers[0].OverflowBytes);
    }

    [Fact]
    public void Events_not_cleared_between_receives_name_each_channel_once_in_the_order_first_seen()
    {
        var channels = ChannelIds.Select(id => _workers[0].Allocate<long[]>(id)).ToArray();
        int[] order = [0, 1, 0, 2, 1, 0, 0, 2];
        foreach (int c in order)
        {
            long[]? m = [c];
            channels[c].Senders[0].Push(ref m);
            channels[c].Senders[0].Done();
            _workers[0].Receive();
            Assert.NotNull(channels[c].Receiver.Pull());
        }

        Assert.Equal(ChannelIds, _workers[0].Events);
    }

    [Fact]
    public void A_receive_that_decodes_into_several_channels_records_each_once_in_the_order_of_its_first_message_and_the_next_receive_only_its_own()
    {
        var channels = ChannelIds.Select(id => _workers[0].Allocate<long[]>(id)).ToArray();
        foreach (int c in (int[])[1, 0, 1, 2, 0])
        {
            long[]? m = [c];
            channels[c].Senders[0].Push(ref m);
        }

        channels[0].Senders[0].Done();
        _workers[0].Receive();
        Assert.Equal([ChannelIds[1], ChannelIds[0], ChannelIds[2]], _workers[0].Events);

        _workers[0].Events.Clear();
        long[]? last = [2];
        channels[2].Senders[0].Push(ref last);
        channels[2].Senders[0].Done();
        _workers[0].Receive();
        Assert.Equal([ChannelIds[2]], _workers[0].Events);
    }

    // 336-byte records (40 longs), numbered: the 4 KiB ring holds 12, the rest queue.
    private static void Send(IPush<long[]> sender, int count)
    {
        for (int i = 0; i < count; i++)
        {
            long[]? m = new long[40];
            m[0] = i;
            sender.Push(ref m);
        }

        sender.Done();
    }

    private void Busy(IPush<long[]> sender, IPull<long[]> receiver, long i)
    {
        long[]? m = [i];
        sender.Push(ref m);
        sender.Done();
        _workers[0].Receive();
        Assert.Equal([i], receiver.Pull()!);
        Assert.Null(receiver.Pull());
        _workers[0].Release();
    }
}
