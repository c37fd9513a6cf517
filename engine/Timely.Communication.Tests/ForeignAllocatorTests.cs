namespace Timely.Communication.Tests;

/// <summary>
/// <see cref="Allocator.Allocate{T}(int, IRecycler{T})"/> calls this library's allocators
/// directly (a type test, no generic virtual dispatch, which costs a native start its type
/// loader); an allocator defined anywhere else is still reached, through its
/// <c>AllocateChannel</c>, with the caller's id and recycler.
/// </summary>
public sealed class ForeignAllocatorTests
{
    [Fact]
    public void An_allocator_defined_elsewhere_gets_each_allocation_with_its_id_and_recycler()
    {
        using var allocator = new RecordingAllocator();
        var recycler = new CountingRecycler();

        var (senders, receiver) = allocator.Allocate<List<long>>(7, recycler);
        allocator.Allocate<List<long>>(8);

        Assert.Equal([(7, (object?)recycler), (8, null)], allocator.Calls);

        // The channel it returned is the one the caller uses.
        List<long>? message = [1, 2, 3];
        senders[0].Push(ref message);
        senders[0].Done();
        allocator.Receive();
        Assert.Equal([1L, 2L, 3L], receiver.Pull());
        Assert.Equal([7], allocator.Events);
    }

    /// <summary>A caller's allocator: one worker, its channels those of a thread allocator inside, each allocation recorded.</summary>
    private sealed class RecordingAllocator : Allocator
    {
        private readonly ThreadAllocator _inner = new();

        public List<(int Channel, object? Recycler)> Calls { get; } = [];

        public override int Index => _inner.Index;

        public override int Peers => _inner.Peers;

        public override void Receive()
        {
            _inner.Receive();
            Events.AddRange(_inner.Events);
            _inner.Events.Clear();
        }

        public override void Release() => _inner.Release();

        public override void AwaitEvents(TimeSpan? timeout) => _inner.AwaitEvents(timeout);

        protected override (IPush<T>[] Senders, IPull<T> Receiver) AllocateChannel<T>(int channelId, IRecycler<T>? recycler)
        {
            CheckChannelId(channelId);
            Calls.Add((channelId, recycler));
            return _inner.Allocate<T>(channelId);
        }

        protected override void Dispose(bool disposing)
        {
            _inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
