namespace Timely.Communication.Tests;

/// <summary>
/// <see cref="Allocator.AllocateChannel"/> calls the three sealed allocators directly and any
/// other allocator through its virtual methods, with the same arguments (the contract suite
/// holds the sealed ones to what their virtual method does).
/// </summary>
public sealed class AllocateChannelTests
{
    [Fact]
    public void An_allocator_of_the_callers_own_is_asked_through_its_override_with_the_recycler()
    {
        using var allocator = new RecordingAllocator();
        var recycler = new CountingRecycler();
        var (senders, receiver) = Allocator.AllocateChannel<List<long>>(allocator, 7, recycler);
        Assert.Equal([(7, (object?)recycler)], allocator.Calls);
        Assert.Single(senders);
        Assert.NotNull(receiver);

        Allocator.AllocateChannel<string>(allocator, 8);
        Assert.Equal((8, (object?)null), allocator.Calls[^1]);
    }

    [Fact]
    public void The_single_worker_allocator_refuses_a_second_allocation_of_an_id_through_either_path()
    {
        using var allocator = new ThreadAllocator();
        Allocator.AllocateChannel<string>(allocator, 3);
        Assert.Throws<InvalidOperationException>(() => allocator.Allocate<string>(3));
        allocator.Allocate<string>(4);
        Assert.Throws<InvalidOperationException>(() => Allocator.AllocateChannel<string>(allocator, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => Allocator.AllocateChannel<string>(allocator, -1));
    }

    // An allocator that is none of the three: one worker, a thread allocator underneath, its calls recorded.
    private sealed class RecordingAllocator : Allocator
    {
        private readonly ThreadAllocator _inner = new();

        public List<(int Id, object? Recycler)> Calls { get; } = [];

        public override int Index => 0;

        public override int Peers => 1;

        public override (IPush<T>[] Senders, IPull<T> Receiver) Allocate<T>(int channelId) => Allocate<T>(channelId, null);

        public override (IPush<T>[] Senders, IPull<T> Receiver) Allocate<T>(int channelId, IRecycler<T>? recycler)
        {
            Calls.Add((channelId, recycler));
            return _inner.Allocate<T>(channelId);
        }

        public override void Receive() => _inner.Receive();

        public override void Release() => _inner.Release();

        public override void AwaitEvents(TimeSpan? timeout) => _inner.AwaitEvents(timeout);

        protected override void Dispose(bool disposing)
        {
            _inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
