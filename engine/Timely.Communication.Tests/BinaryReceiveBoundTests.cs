using Timely.Bytes;

namespace Timely.Communication.Tests;

/// <summary>
/// A receive of the bytes allocator decodes at most <see cref="BinaryAllocator.ReceiveBytesPerRing"/>
/// from one ring (the message that crosses the bound taken whole) and leaves the rest in the ring,
/// where it is work: the worker does not park on it, and the following receives take it in order.
/// Two workers of a ProcessBinary fabric (compact records, as on shared memory) with 1 MiB rings,
/// driven on the test thread.
/// </summary>
public sealed class BinaryReceiveBoundTests : IDisposable
{
    private const int Longs = 1024;   // an 8 KiB batch of exchange's records

    private readonly ProcessBinaryWorkers _pair = new(2, 1 << 20);
    private readonly BinaryAllocator[] _workers;

    public BinaryReceiveBoundTests()
    {
        _workers = _pair.All;
    }

    public void Dispose() => _pair.Dispose();

    private static int Encoded => WireCodec<long[]>.Default.Measure(new long[Longs]);

    // The messages one drain takes: up to and including the one whose bytes reach the bound.
    private static int PerReceive => (BinaryAllocator.ReceiveBytesPerRing + Encoded - 1) / Encoded;

    [Fact]
    public void A_receive_takes_one_rings_messages_up_to_the_one_that_reaches_the_bound_and_leaves_the_rest_unread()
    {
        var receiver = PeerSent((3 * PerReceive) + 2);

        _workers[0].Receive();

        Assert.Equal(Enumerable.Range(0, PerReceive), PullAll(receiver));
        Assert.True(_workers[0].HasWork);   // the rest is work: an idle look does not park on it
        Assert.Equal([0], _workers[0].Events);
    }

    [Fact]
    public void The_following_receives_take_the_rest_in_order_and_then_nothing_is_left()
    {
        int count = (3 * PerReceive) + 2;
        var receiver = PeerSent(count);

        var perReceive = new List<int>();
        var all = new List<int>();
        while (_workers[0].HasWork)
        {
            _workers[0].Receive();
            var taken = PullAll(receiver);
            perReceive.Add(taken.Count);
            all.AddRange(taken);
            _workers[0].Release();
        }

        Assert.Equal(Enumerable.Range(0, count), all);
        Assert.Equal([PerReceive, PerReceive, PerReceive, 2], perReceive);
    }

    [Fact]
    public void Each_ring_has_its_own_bound_so_a_full_ring_does_not_hold_back_another()
    {
        var (fromPeer, _) = _workers[1].Allocate<long[]>(0);
        var (fromSelf, receiver) = _workers[0].Allocate<long[]>(0);
        Send(fromPeer[0], 2 * PerReceive);
        Send(fromSelf[0], 2 * PerReceive, first: 1000);

        _workers[0].Receive();

        // One bound's worth from each ring: worker 0's ring to itself and the peer's.
        var taken = PullAll(receiver);
        Assert.Equal(PerReceive, taken.Count(i => i < 1000));
        Assert.Equal(PerReceive, taken.Count(i => i >= 1000));
    }

    [Fact]
    public void Messages_under_the_bound_all_arrive_in_one_receive()
    {
        var (senders, _) = _workers[1].Allocate<long[]>(0);
        var (_, receiver) = _workers[0].Allocate<long[]>(0);
        int count = BinaryAllocator.ReceiveBytesPerRing / 64;   // 16-byte records and more: about 4 Ki messages
        for (int i = 0; i < count; i++)
        {
            long[]? m = [i];
            senders[0].Push(ref m);
        }

        senders[0].Done();
        _workers[0].Receive();
        int pulled = 0;
        for (long[]? m = receiver.Pull(); m is not null; m = receiver.Pull())
        {
            Assert.Equal(pulled++, m[0]);
        }

        Assert.Equal(count, pulled);
        Assert.False(_workers[0].HasWork);
    }

    // Worker 1 sends count batches, numbered from 0, to worker 0 on channel 0; worker 0's receiver.
    private IPull<long[]> PeerSent(int count)
    {
        var (senders, _) = _workers[1].Allocate<long[]>(0);
        var (_, receiver) = _workers[0].Allocate<long[]>(0);
        Send(senders[0], count);
        return receiver;
    }

    private static void Send(IPush<long[]> sender, int count, int first = 0)
    {
        for (int i = 0; i < count; i++)
        {
            long[]? m = new long[Longs];
            m[0] = first + i;
            sender.Push(ref m);
        }

        sender.Done();
    }

    private static List<int> PullAll(IPull<long[]> receiver)
    {
        var taken = new List<int>();
        for (long[]? m = receiver.Pull(); m is not null; m = receiver.Pull())
        {
            taken.Add((int)m[0]);
        }

        return taken;
    }
}
